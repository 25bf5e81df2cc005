"""Playlist video encoding speed (boards/video.py) as a multiple of real time.

    .venv/bin/python bench/bench_video.py                    # the four board sizes
    .venv/bin/python bench/bench_video.py --sizes 1920x1080 --slides 10 --seconds 8
    .venv/bin/python bench/bench_video.py --repeat 3         # best of three per size
    .venv/bin/python bench/bench_video.py --plain            # also without copy frames

For each size (1920×1080, 1080×1920, 1366×768, 384×192 by default) a child process draws
--slides realistic slides with Pillow (a photo-like picture: smooth colour fields, a
gradient sky, shapes and grain; a title band and body text in the project's Vietnamese
font; a QR-like block), then times `encode_playlist_video(slides, w, h)` with --seconds per
slide and the default 0.5 s cross-fades. Drawing the slides is not timed. With --plain each
size is also encoded with x264 coding every frame (no copy frames; what the module falls back
to), to show what the copy frames buy.

Reported: the video's length, the encoding wall time and CPU time (user + system, all
threads), speed = video seconds / wall seconds (the target is ≥ 10× real time for ten 8 s
slides at 1080p), the MP4 size, and the child's peak RSS (slides, encoder and all) with, in
brackets, its RSS once the slides are drawn, before encoding (the rest is the encoder's). The
machine's 1-minute load is printed with the figures: on a shared machine the wall time, and
so the speed, degrade with it while the CPU time does not.
"""

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET_X = 10  # × real time, ten 8 s slides at 1920×1080
DEFAULT_SIZES = "1920x1080,1080x1920,1366x768,384x192"
FONT = c.REPO / "themes" / "default" / "fonts" / "NotoSans-Bold.ttf"
TITLES = [
    "Thông báo tiêm chủng vắc xin sởi – rubella",
    "Lịch tiếp công dân tháng 11",
    "Phòng chống cháy rừng mùa khô",
    "Khánh thành đường giao thông nông thôn ấp Đại Thôn",
    "Bán đấu giá quyền sử dụng đất",
    "Hội thi nấu ăn ngon – Hội Liên hiệp Phụ nữ",
    "Gia hạn thẻ bảo hiểm y tế hộ gia đình",
    "Cảnh báo triều cường, mưa lũ",
    "Thu hoạch lúa Đông Xuân được mùa",
    "Tập huấn chuyển đổi số cho người dân",
]
BODY = (
    "Ủy ban nhân dân xã thông báo đến toàn thể nhân dân: tổ chức tiêm bổ sung cho trẻ em "
    "tại trạm y tế xã từ 7 giờ 30 đến 16 giờ 30 các ngày trong tuần. Đề nghị các hộ gia đình "
    "đưa trẻ đến đúng lịch, mang theo sổ tiêm chủng và thẻ bảo hiểm y tế."
)


def make_slide(i, width, height, seed):
    """An RGB PIL image that looks like a board slide: photo, title, text, QR-like block."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = np.random.default_rng(seed + i)
    # Photo-like picture: a sky gradient, smooth colour fields, shapes, fine grain.
    h_px, w_px = height, width
    y = np.linspace(0, 1, h_px, dtype=np.float32)[:, None, None]
    sky = np.array([90, 150, 230], np.float32) * (1 - y) + np.array([240, 220, 180], np.float32) * y
    fields = rng.random((max(2, h_px // 64), max(2, w_px // 64), 3)).astype(np.float32)
    fields = np.asarray(
        Image.fromarray((fields * 255).astype(np.uint8)).resize((w_px, h_px), Image.BICUBIC), np.float32
    )
    photo = 0.55 * sky + 0.45 * fields
    photo += rng.normal(0, 6, photo.shape).astype(np.float32)  # grain
    img = Image.fromarray(photo.clip(0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, w_px)), int(rng.integers(h_px // 3, h_px))
        r = int(rng.integers(h_px // 20 + 1, h_px // 6 + 2))
        draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in rng.integers(20, 200, 3)))
    img = img.filter(ImageFilter.GaussianBlur(radius=max(1, h_px // 400)))
    draw = ImageDraw.Draw(img)
    # Title band and body text.
    band = max(24, height // 7)
    draw.rectangle((0, 0, width, band), fill=(170, 20, 30))
    title_font = ImageFont.truetype(str(FONT), max(12, band * 5 // 10))
    draw.text((band // 3, band // 5), TITLES[i % len(TITLES)], font=title_font, fill=(255, 240, 200))
    if height > 256:  # tiny LED boards show the title only
        body_font = ImageFont.truetype(str(FONT), max(12, height // 28))
        box_top = band + height // 20
        draw.rectangle((width // 20, box_top, width * 19 // 20, height * 19 // 20), fill=(250, 250, 245))
        words, line, lines = BODY.split(), "", []
        max_w = width * 17 // 20
        for word in words:
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=body_font) > max_w:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        step = int(body_font.size * 1.5)
        for k, text in enumerate(lines):
            draw.text((width // 10, box_top + step // 2 + k * step), text, font=body_font, fill=(20, 20, 30))
        # QR-like block in the corner.
        q = max(21, min(width, height) // 6) // 21 * 21
        cells = rng.integers(0, 2, (21, 21)).astype(np.uint8) * 255
        qr = Image.fromarray(255 - cells, "L").resize((q, q), Image.NEAREST).convert("RGB")
        img.paste(qr, (width * 19 // 20 - q - 10, height * 19 // 20 - q - 10))
    return img


def _current_rss_mib():
    import os

    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


def child_run(a):
    c.setup_paths()
    import numpy as np

    from boards import video
    from boards.video import encode_playlist_video, probe

    width, height = (int(v) for v in a.size.split("x"))
    slides = [(np.asarray(make_slide(i, width, height, a.seed)), a.seconds) for i in range(a.slides)]
    rss_before = _current_rss_mib()
    best = None
    for _ in range(a.repeat):
        cpu0, t0 = c.cpu_seconds(), time.perf_counter()
        if a.plain:
            spans = video.timeline([d for _, d in slides])
            frames = [f for f, _ in slides]
            data = video._encode(frames, spans, width, height, video.DEFAULT_FPS, allow_copies=False)
        else:
            data = encode_playlist_video(slides, width, height)
        wall, cpu = time.perf_counter() - t0, c.cpu_seconds() - cpu0
        if best is None or wall < best[0]:
            best = (wall, cpu)
    info = probe(data)
    from machine import machine_info

    c.emit(
        {
            "wall_s": best[0],
            "cpu_s": best[1],
            "bytes": len(data),
            "video_s": info["duration"],
            "frames": info["frames"],
            "keyframes": len(info["keyframes"]),
            "sha256": hashlib.sha256(data).hexdigest(),
            "peak_rss_mib": c.peak_rss_mib(),
            "rss_before_mib": rss_before,
            "machine": machine_info(connection=False),
        }
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated WxH")
    parser.add_argument("--slides", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0, help="per slide")
    parser.add_argument("--repeat", type=int, default=1, help="encodes per size; the fastest counts")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--plain", action="store_true", help="also time x264 coding every frame")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    rows, machine = [], None
    for size in a.sizes.split(","):
        for plain in [False, True] if a.plain else [False]:
            label = " (x264 codes every frame)" if plain else ""
            print(f"{size}, {a.slides} × {a.seconds:g} s{label} …", flush=True)
            args = [
                "--child",
                "--size",
                size,
                "--slides",
                str(a.slides),
                "--seconds",
                str(a.seconds),
                "--repeat",
                str(a.repeat),
                "--seed",
                str(a.seed),
            ] + (["--plain"] if plain else [])
            result, _ = c.run_child(__file__, args)
            machine = result["machine"]
            speed = result["video_s"] / result["wall_s"]
            target = ""
            if size == "1920x1080" and not plain:
                target = f"≥ {TARGET_X}×: " + ("met" if speed >= TARGET_X else "NOT met")
            rows.append(
                (
                    size.replace("x", "×"),
                    "plain x264" if plain else "copy frames",
                    f"{a.slides} × {a.seconds:g} s",
                    f"{result['frames']:,}",
                    f"{result['keyframes']}",
                    f"{result['wall_s']:.2f}",
                    f"{result['cpu_s']:.2f}",
                    f"{speed:.0f}×",
                    f"{result['bytes'] / 1024:,.0f}",
                    f"{result['peak_rss_mib']:.0f} ({result['rss_before_mib']:.0f})",
                    f"{machine.get('load_1min') or 0:.1f}",
                    target,
                )
            )
            print(
                f"  {speed:.1f}× real time, {result['bytes'] / 1024:,.0f} KiB, sha256 {result['sha256'][:12]}",
                flush=True,
            )
    print()
    print(machine_line(machine) if machine else "")
    print(
        c.table(
            [
                "size",
                "mode",
                "slides",
                "frames",
                "keyframes",
                "encode (s)",
                "CPU (s)",
                "speed",
                "MP4 (KiB)",
                "peak RSS (before) MiB",
                "load",
                "target",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
