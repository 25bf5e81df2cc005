"""A zoned screen's drawing: ms per part at 1920×1080 (and the LED and portrait sizes).

    .venv/bin/python bench/bench_zones.py                # 30 renders per row
    .venv/bin/python bench/bench_zones.py --renders 100

Timed, in this process, with no database (the parts rebuild() draws for a zoned board,
boards/zones.py and boards/screen.py): the geometry (`zones_for`), the main zone's slide
(`render_slide` at the main zone's size: 1440×999 for "side_ticker" at 1920×1080), the side
panel (`render_panel`: QR code, address, six calendar lines) and its PNG, the ticker's font
size and one period of the line (`ticker.font_size`, `ticker.strip`), and the whole screen
as the admin's preview composes it (`preview_image`). For comparison: a full-screen slide
at the board's size. Varied Vietnamese titles and summaries as in bench_slides.py; caches
are warm (a long-running worker), after --warmup untimed renders.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from bench_slides import HOSTS, UNITS, VOCAB
from machine import machine_line

sys.path.insert(0, str(c.REPO))

CASES = [("side_ticker", 1920, 1080), ("side", 1080, 1920), ("led_scroll", 384, 192), ("ticker", 1920, 1080)]


def words(rng, low, high):
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(low, high))).capitalize()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--renders", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    c.setup_paths()
    from boards import screen, ticker, zones
    from boards.rendering import encode_png, load_theme, render_slide, render_slide_image
    from boards.slide import SlideContent

    rng = random.Random(a.seed)
    theme = load_theme("default")
    moment = datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))
    print(machine_line())
    rows = []
    for layout, width, height in CASES:
        found = {z.id: z for z in zones.zones_for(layout, width, height)}
        main = found["main"]
        times = {k: [] for k in ("zones", "slide", "panel", "ticker", "preview", "full")}
        for n in range(a.warmup + a.renders):
            content = SlideContent(
                kind="announcement",
                title=words(rng, 6, 24),
                summary=words(rng, 10, 50),
                priority=rng.choice(["normal", "priority", "emergency"]),
                qr_url=f"https://{rng.choice(HOSTS)}/thong-bao/{n}/",
                header=rng.choice(UNITS),
                footer=rng.choice(HOSTS),
            )
            lines = [(f"Thứ {d + 2} {8 + d:02d}/12 08:00", words(rng, 4, 12)) for d in range(6)]
            line = " • ".join(words(rng, 5, 14) for _ in range(3))
            step = {}
            t = time.perf_counter()
            zones.zones_for(layout, width, height)
            step["zones"] = time.perf_counter() - t
            t = time.perf_counter()
            render_slide(content, main.width, main.height)
            step["slide"] = time.perf_counter() - t
            slide = render_slide_image(content, main.width, main.height)
            panel = None
            if "panel" in found:
                z = found["panel"]
                t = time.perf_counter()
                panel = screen.render_panel(z.width, z.height, "default", f"https://{HOSTS[0]}/", HOSTS[0], lines)
                encode_png(panel)
                step["panel"] = time.perf_counter() - t
            band = None
            if "ticker" in found:
                z = found["ticker"]
                t = time.perf_counter()
                size = ticker.font_size(theme.fonts["bold"], z.height)
                strip = ticker.strip(line, "   •   ", z.height, theme.fonts["bold"], size, "#FFFFFF", "#0A4F95")
                band = ticker.frame_at(strip, z.width, 0)
                step["ticker"] = time.perf_counter() - t
            parts = {
                "background": "#0A4F95",
                "theme": "default",
                "zones": [{**z.as_dict(), **({"picture": panel} if z.id == "panel" else {})} for z in found.values()],
            }
            t = time.perf_counter()
            encode_png(screen.preview_image(width, height, parts, slide, moment, band))
            step["preview"] = time.perf_counter() - t
            t = time.perf_counter()
            render_slide(content, width, height)
            step["full"] = time.perf_counter() - t
            if n >= a.warmup:
                for key, value in step.items():
                    times[key].append(value)

        def ms(key):
            values = times[key]
            return f"{statistics.median(values) * 1000:.1f}" if values else "—"

        zoned = [sum(v) for v in zip(*(times[k] for k in ("slide", "panel", "ticker") if times[k]))]
        rows.append(
            (
                f"{layout} {width}×{height} (main {main.width}×{main.height})",
                ms("zones"),
                ms("slide"),
                ms("panel"),
                ms("ticker"),
                f"{statistics.median(zoned) * 1000:.1f}",
                ms("preview"),
                ms("full"),
            )
        )
    print(f"\n{a.renders} renders per row (after {a.warmup} warm-up); median ms")
    print(
        c.table(
            [
                "layout",
                "zones",
                "main slide + PNG",
                "panel + PNG",
                "ticker strip",
                "zoned total",
                "whole-screen preview + PNG",
                "full-screen slide + PNG",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
