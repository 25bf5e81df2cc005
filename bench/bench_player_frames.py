"""The reference player's composed frames (player/zones.py, player/display.py): ms per frame.

    .venv/bin/python bench/bench_player_frames.py              # 40 frames per row
    .venv/bin/python bench/bench_player_frames.py --frames 200

Timed in this process, standard library + Pillow only (no Django, no server), as the player's
zones thread does it: compose the whole screen (the main zone's picture, the panel, the clock,
the ticker where it is after t seconds) and encode it as PNG (compress level 1) then write
current.png atomically. Rows: 1920×1080 "side" with a ticker (the zone contract's example),
1080×1920 portrait, 384×192 and 192×96 LED boards with a ticker. The last column is the share
of one core the zones thread takes at the default 4 frames a second.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_line

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from player.zones import Composer  # noqa: E402

FONT = REPO / "themes" / "default" / "fonts" / "NotoSans-Bold.ttf"
TEXT = "KHẨN CẤP: Bão số 9 đổ bộ vào các xã ven biển, người dân không ra khơi • Lịch tiêm chủng tháng 12"


def layout(width, height):
    """Zones as the contract tiles them: a side column (landscape: right; portrait: bottom) of
    clock and panel above a ticker band, or main + ticker on an LED board."""
    band = max(16, height // 3) if width < 640 else height // 14
    zones = []
    if width >= 640:
        side = width // 4 if width > height else height // 6
        if width > height:
            zones += [
                {"id": "main", "role": "main", "x": 0, "y": 0, "width": width - side, "height": height - band},
                {"id": "clock", "role": "clock", "x": width - side, "y": 0, "width": side, "height": height // 4},
                {
                    "id": "panel",
                    "role": "image",
                    "x": width - side,
                    "y": height // 4,
                    "width": side,
                    "height": height - band - height // 4,
                },
            ]
        else:
            zones += [
                {"id": "main", "role": "main", "x": 0, "y": 0, "width": width, "height": height - band - side},
                {
                    "id": "clock",
                    "role": "clock",
                    "x": 0,
                    "y": height - band - side,
                    "width": width // 3,
                    "height": side,
                },
                {
                    "id": "panel",
                    "role": "image",
                    "x": width // 3,
                    "y": height - band - side,
                    "width": width - width // 3,
                    "height": side,
                },
            ]
    else:
        zones.append({"id": "main", "role": "main", "x": 0, "y": 0, "width": width, "height": height - band})
    zones.append(
        {
            "id": "ticker",
            "role": "ticker",
            "x": 0,
            "y": height - band,
            "width": width,
            "height": band,
            "text": TEXT,
            "separator": "   •   ",
            "speed_px_s": 120,
            "font_px": int(band * 0.65),
            "colour": "#FFFFFF",
            "background": "#B3161B",
        }
    )
    for zone in zones:
        if zone["role"] == "clock":
            zone.update(
                time_format="%H:%M",
                date_format="{weekday}, %d/%m/%Y",
                utc_offset="+07:00",
                weekdays=["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"],
            )
        if zone["role"] == "image":
            zone["sha256"] = "panel"
    return {"width": width, "height": height, "background": "#0A4F95", "font": {"sha256": "font"}, "zones": zones}


def run(width, height, frames, directory):
    spec = layout(width, height)
    panel = next((z for z in spec["zones"] if z["role"] == "image"), None)
    if panel:
        Image.new("RGB", (panel["width"], panel["height"]), (250, 250, 240)).save(directory / "panel", "PNG")
    paths = {"font": FONT, "panel": directory / "panel"}
    started = time.perf_counter()
    composer = Composer(spec, paths.__getitem__)
    setup_ms = (time.perf_counter() - started) * 1000
    main = next(z for z in spec["zones"] if z["role"] == "main")
    picture = Image.new("RGB", (main["width"], main["height"]), (200, 30, 200))
    now = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
    compose, encode = [], []
    target = directory / "current.png"
    for n in range(frames):
        t0 = time.perf_counter()
        frame = composer.compose(picture, now, n * 0.25)
        t1 = time.perf_counter()
        out = io.BytesIO()
        frame.save(out, "PNG", compress_level=1)
        tmp = directory / "current.png.tmp"
        tmp.write_bytes(out.getvalue())
        os.replace(tmp, target)
        t2 = time.perf_counter()
        compose.append((t1 - t0) * 1000)
        encode.append((t2 - t1) * 1000)
    per_frame = statistics.median(compose) + statistics.median(encode)
    return setup_ms, statistics.median(compose), statistics.median(encode), per_frame * 4 / 1000 * 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    print(machine_line())
    print(f"{'size':>10} {'set-up ms':>10} {'compose ms':>11} {'PNG+write ms':>13} {'core % at 4 fps':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in ((1920, 1080), (1080, 1920), (384, 192), (192, 96)):
            setup_ms, compose_ms, encode_ms, share = run(width, height, args.frames, Path(tmp))
            print(f"{f'{width}×{height}':>10} {setup_ms:10.1f} {compose_ms:11.1f} {encode_ms:13.1f} {share:15.0f}%")


if __name__ == "__main__":
    main()
