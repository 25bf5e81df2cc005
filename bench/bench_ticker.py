"""Zoned playlist video with a scrolling ticker (boards/video.encode_zoned_video) as a
multiple of real time, and the ticker strip's drawing time (boards/ticker.py).

    .venv/bin/python bench/bench_ticker.py                       # 384×192, 192×96, 1920×1080
    .venv/bin/python bench/bench_ticker.py --sizes 384x192 --seconds 60 --repeat 3
    .venv/bin/python bench/bench_ticker.py --presets veryfast,superfast,ultrafast

For each size a child process draws one still headline for the main zone (the top 2/3 on
boards up to 256 px tall, as the LED layout; above an 80 px band at 1080p, as the ticker
layout) and the ticker strip of a long Vietnamese emergency line at the band's
`ticker.font_size` (crisp on LED boards), then times `encode_zoned_video` of --seconds of it
with the line scrolling at --speed px/s (the headline is one slide, so every frame differs
only in the band: the case where x264 must code every frame). Drawing the headline is not
timed; drawing the strip is, separately (the admin preview draws it too).

Reported: the video's length, the strip's width and drawing time, the encoding wall time and
CPU time (user + system, all threads), speed = video seconds / wall seconds (target: ≥ 20×
real time for 60 s at 384×192 on this 2-core machine), the MP4 size and the child's peak
RSS. --presets re-runs each size with other x264 presets (the module's default is veryfast;
this only patches the child's copy of `video.X264_OPTIONS`), to show what the setting buys.
The machine's 1-minute load is printed with the figures.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET_X = 20  # × real time, 60 s at 384×192
DEFAULT_SIZES = "384x192,192x96,1920x1080"
TEXT = (
    "KHẨN CẤP: Bão số 9 đổ bộ vào đất liền đêm nay, người dân neo đậu tàu thuyền, gia cố nhà cửa"
    " • Thông báo lịch tiêm chủng vắc xin sởi – rubella cho trẻ em tại trạm y tế xã từ thứ Hai"
    " • Lịch tiếp công dân của Chủ tịch UBND xã tháng 12"
)
SEPARATOR = "   •   "


def zones(width, height):
    """(main rect, ticker rect): the LED layout's 2/3 + 1/3 up to 256 px tall, else an
    80/1080-of-the-height band at the bottom (even, as zones.json gives)."""
    band = height // 3 if height <= 256 else max(16, round(height * 80 / 1080))
    band -= band % 2
    return (0, 0, width, height - band), (0, height - band, width, band)


def headline(width, height):
    """A still LED-style headline: a coloured tag band and a title in the project's font."""
    from PIL import Image, ImageDraw

    from boards.rendering import get_font, load_theme

    font = load_theme("default").fonts["bold"]
    img = Image.new("RGB", (width, height), (10, 79, 149))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, height // 4), fill=(179, 22, 27))
    draw.text((width // 20, height // 3), "Bão số 9", font=get_font(font, max(8, height // 3)), fill=(255, 255, 255))
    return img


def child_run(a):
    c.setup_paths()
    from boards import ticker, video
    from boards.rendering import load_theme

    if a.preset:
        video.X264_OPTIONS["preset"] = a.preset
    width, height = (int(v) for v in a.size.split("x"))
    main, band = zones(width, height)
    font = load_theme("default").fonts["bold"]
    slide = headline(main[2], main[3])
    t0 = time.perf_counter()
    size = ticker.font_size(font, band[3])
    strip = ticker.strip(TEXT, SEPARATOR, band[3], font, size, "#FFFFFF", "#B3161B", crisp=height <= 256)
    strip_s = time.perf_counter() - t0
    line = video.TickerVideo(band, strip, a.speed)
    best = None
    for _ in range(a.repeat):
        cpu0, t0 = c.cpu_seconds(), time.perf_counter()
        data = video.encode_zoned_video(width, height, [(slide, a.seconds)], main, ticker=line)
        wall, cpu = time.perf_counter() - t0, c.cpu_seconds() - cpu0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    info = video.probe(data)
    from machine import machine_info

    c.emit(
        {
            "wall_s": best[0],
            "cpu_s": best[1],
            "bytes": len(data),
            "video_s": info["duration"],
            "frames": info["frames"],
            "size": f"{info['width']}x{info['height']}",
            "band": f"{band[2]}×{band[3]}",
            "font_px": size,
            "strip_px": strip.width,
            "strip_ms": strip_s * 1000,
            "peak_rss_mib": c.peak_rss_mib(),
            "machine": machine_info(connection=False),
        }
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated WxH")
    parser.add_argument("--seconds", type=float, default=60.0, help="video length")
    parser.add_argument("--speed", type=float, default=None, help="px/s (default: band height × 1.5)")
    parser.add_argument("--repeat", type=int, default=1, help="encodes per size; the fastest counts")
    parser.add_argument("--presets", default="", help="also time these x264 presets (comma-separated)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--preset", default="", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    rows, machine = [], None
    presets = [""] + [p for p in a.presets.split(",") if p]
    for size in a.sizes.split(","):
        width, height = (int(v) for v in size.split("x"))
        band_h = zones(width, height)[1][3]
        speed = a.speed or round(band_h * 1.5)
        for preset in presets:
            label = preset or "veryfast (default)"
            print(f"{size}, {a.seconds:g} s, ticker {speed} px/s, x264 {label} …", flush=True)
            args = ["--child", "--size", size, "--seconds", str(a.seconds), "--speed", str(speed)]
            args += ["--repeat", str(a.repeat), "--preset", preset]
            result, _ = c.run_child(__file__, args)
            machine = result["machine"]
            x_real = result["video_s"] / result["wall_s"]
            target = ""
            if size == "384x192" and not preset:
                target = f"≥ {TARGET_X}×: " + ("met" if x_real >= TARGET_X else "NOT met")
            elif x_real < 1:
                target = "slower than real time"
            rows.append(
                (
                    size.replace("x", "×"),
                    result["band"],
                    f"{result['font_px']}",
                    f"{result['strip_px']:,} px, {result['strip_ms']:.0f} ms",
                    f"{speed} px/s",
                    label,
                    f"{result['video_s']:.0f} s / {result['frames']:,}",
                    f"{result['wall_s']:.2f}",
                    f"{result['cpu_s']:.2f}",
                    f"{x_real:.1f}×",
                    f"{result['bytes'] / 1024:,.0f}",
                    f"{result['peak_rss_mib']:.0f}",
                    f"{machine.get('load_1min') or 0:.1f}",
                    target,
                )
            )
            print(f"  {x_real:.1f}× real time, {result['bytes'] / 1024:,.0f} KiB", flush=True)
    print()
    print(machine_line(machine) if machine else "")
    print(
        c.table(
            [
                "size",
                "band",
                "font px",
                "strip",
                "speed",
                "x264 preset",
                "video / frames",
                "encode (s)",
                "CPU (s)",
                "× real time",
                "MP4 (KiB)",
                "peak RSS MiB",
                "load",
                "target",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
