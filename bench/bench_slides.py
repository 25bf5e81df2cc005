"""Board slide rendering: ms per slide (median, p95) at the boards' native sizes.

    .venv/bin/python bench/bench_slides.py                   # 50 renders per row
    .venv/bin/python bench/bench_slides.py --renders 200 --seed 3
    .venv/bin/python bench/bench_slides.py --sizes 1920x1080,384x192 --warm-pictures

Timed: `boards.rendering.render_slide(content, width, height)` in this process, step by step
(the steps add up to its work): layout and text fitting (`plan_slide`), loading and
cover-cropping the picture (`load_picture`), drawing (`draw_plan`: bands, picture, QR, text)
and `encode_png`. Each row renders --renders slides with varied Vietnamese titles (4–30
words) and summaries (0–60 words), all three priority classes and a QR code URL.
"announcement" rows have no picture; "news" rows carry a 4000×3000 JPEG (a phone photo,
~12 MP, ~3 MB, with fine detail; at 1920×1080 and 1080×1920 also a 2000×1500 one, the size
of a rendition), decoded again for every render unless --warm-pictures (otherwise the
fitted-picture cache is emptied before each render: the worst case, every slide a new
picture). "cold" is one render right after emptying every cache (fonts, per-size character
metrics, theme, QR codes): the first slide of a fresh worker; --warmup renders (10) follow,
untimed, as a long-running worker's first slides fill those caches. No database, no Django.

Targets (docs/architecture.md, "Boards"; the brief): a 1920×1080 slide under 100 ms, a 384×192 slide
under 10 ms, medians on a 2-core machine. The second table compares PNG encoders on the
same rendered 1920×1080 and 3840×2160 news slides: Pillow (it always tries every filter on
every row; no option fixes one) at compress_level 1 and 6, and OpenCV's libpng at level 1
with the SUB filter, and with the UP filter and run-length matching (what
rendering.encode_png uses).
"""

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_info, machine_line

sys.path.insert(0, str(c.REPO))

TARGETS_MS = {(1920, 1080): 100, (384, 192): 10}
DEFAULT_SIZES = "192x96,384x192,1366x768,1920x1080,1080x1920,3840x2160"

VOCAB = """
thông báo lịch tiêm chủng vắc xin sởi trẻ em trạm y tế xã tổ chức kế hoạch phòng chống dịch bệnh
người cao tuổi bàn giao nhà đại đoàn kết hộ nghèo Ủy ban nhân dân Hội đồng mặt trận tổ quốc phòng
cháy chữa cháy rừng mùa khô quyết định thành lập ban chỉ đạo chuyển đổi số nghị quyết ngân sách lịch
tiếp công dân giao lưu văn nghệ Hòa Thuận khánh thành đường giao thông nông thôn bê tông hỗ trợ nông
dân thu hoạch lúa Đông Xuân được mùa gia hạn thẻ bảo hiểm y tế khẩn cấp triều cường mưa lũ gia cố di
dời tài sản an toàn đăng ký khai sinh hồ sơ bộ phận một cửa tập huấn thanh toán hội thi phụ nữ nạo
vét kênh thủy lợi dịch tả lợn châu Phi tiêu độc khử trùng chuồng trại bầu cử đại biểu niêm yết nước
sạch lễ hội đồng bào Khmer đua ghe ngo bão đổ bộ cấm thuyền tránh trú thiên tai tìm kiếm cứu nạn
sơ tán Mường Tè lũ quét sạt lở đất bản ven suối ỨNG PHÓ NGAY Ệ Ở Ữ Ặ Ỗ nghĩa vụ quân sự thanh niên
""".split()
HOSTS = ["an-truong.cang-long.tra-vinh.gov.vn", "muong-te.lai-chau.gov.vn", "dong-hai.duyen-hai.tra-vinh.gov.vn"]
UNITS = ["UBND xã An Trường", "UBND xã Mường Tè", "UBND xã Đông Hải", "UBND phường Hòa Thuận"]
DATES = ["Thứ Hai, 23/11/2026", "Thứ Bảy, 05/12/2026", "Chủ nhật, 14/02/2027"]


def make_photo(path, width=4000, height=3000, seed=1):
    """A JPEG like a phone photo: smooth regions, edges and sensor noise (so neither the JPEG
    decoder nor the PNG encoder gets an unrealistically easy picture)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin(x / 370) * np.cos(y / 290)
    g = 110 + 90 * np.sin((x + y) / 510)
    b = 90 + 80 * ((x // 160 + y // 160) % 2)
    pixels = np.stack([r, g, b], axis=-1) + rng.normal(0, 9, (height, width, 3))
    Image.fromarray(np.clip(pixels, 0, 255).astype("uint8")).save(path, quality=88)


def slides(rng, kind, n, photo):
    from boards.slide import SlideContent

    out = []
    for i in range(n):
        words = rng.randint(4, 30)
        title = " ".join(rng.choice(VOCAB) for _ in range(words)).capitalize()
        summary = " ".join(rng.choice(VOCAB) for _ in range(rng.choice([0, rng.randint(10, 60)]))).capitalize()
        host = rng.choice(HOSTS)
        out.append(
            SlideContent(
                kind=kind,
                title=title,
                summary=summary,
                priority=("normal", "priority", "emergency")[i % 3],
                image_path=photo if kind == "news" else None,
                qr_url=f"https://{host}/tin-tuc/bai-{rng.randint(1, 99999)}/",
                header=rng.choice(UNITS),
                date_label=rng.choice(DATES),
                footer=host,
            )
        )
    return out


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(size, kind, n, rng, photo, warm_pictures, warmup):
    """Timings of n renders. Each render is render_slide's own steps, timed one by one:
    plan_slide (layout, text fitting), load_picture (decode, orient, cover-crop), draw_plan
    (everything drawn, the picture pasted from the step before) and encode_png."""
    from boards import rendering

    width, height = size
    batch = slides(rng, kind, n + warmup + 1, photo)
    rendering.clear_caches()
    t0 = time.perf_counter()
    rendering.render_slide(batch[0], width, height)
    cold = (time.perf_counter() - t0) * 1000
    for warm in batch[1 : warmup + 1]:
        rendering.render_slide(warm, width, height)
    steps = {"total": [], "plan": [], "picture": [], "draw": [], "png": [], "cpu": [], "bytes": []}
    for content in batch[warmup + 1 :]:
        if not warm_pictures:
            rendering._PICTURES.clear()
        c0 = time.process_time()
        t0 = time.perf_counter()
        plan = rendering.plan_slide(content, width, height)
        t1 = time.perf_counter()
        if plan.picture:
            x0, y0, x1, y1 = plan.picture
            rendering.load_picture(content.image_path, x1 - x0, y1 - y0, plan.picture_background)
        t2 = time.perf_counter()
        image = rendering.draw_plan(plan, content.image_path)
        t3 = time.perf_counter()
        png = rendering.encode_png(image)
        t4 = time.perf_counter()
        steps["cpu"].append((time.process_time() - c0) * 1000)
        for name, ms in (
            ("plan", t1 - t0),
            ("picture", t2 - t1),
            ("draw", t3 - t2),
            ("png", t4 - t3),
            ("total", t4 - t0),
        ):
            steps[name].append(ms * 1000)
        steps["bytes"].append(len(png))
    out = {name: statistics.median(values) for name, values in steps.items()}
    out["p95"] = p95(steps["total"])
    out["cold"] = cold
    return out


def compare_png(photo, runs):
    import cv2
    import numpy as np

    from boards import rendering
    from boards.slide import SlideContent

    rows = []
    for size in ((1920, 1080), (3840, 2160)):
        image = rendering.render_slide_image(
            SlideContent(
                kind="news",
                title="Lũ quét ở xã Mường Tè: đề nghị nhân dân ứng phó ngay",
                summary=" ".join(VOCAB[:40]),
                image_path=photo,
                qr_url="https://muong-te.lai-chau.gov.vn/tin-tuc/lu-quet/",
                header=UNITS[1],
                date_label=DATES[0],
                footer=HOSTS[1],
            ),
            *size,
        )

        def pillow(level):
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=False, compress_level=level)
            return out.getvalue()

        def opencv(png_filter, strategy=None):
            def encode():
                bgr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
                params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, png_filter]
                if strategy is not None:
                    params += [cv2.IMWRITE_PNG_STRATEGY, strategy]
                return cv2.imencode(".png", bgr, params)[1].tobytes()

            return encode

        for name, encode in (
            ("Pillow, level 1 (adaptive filters)", lambda: pillow(1)),
            ("Pillow, level 6 (adaptive filters)", lambda: pillow(6)),
            ("OpenCV libpng, level 1, SUB filter", opencv(cv2.IMWRITE_PNG_FILTER_SUB)),
            (
                "OpenCV libpng, level 1, UP filter, RLE (used)",
                opencv(cv2.IMWRITE_PNG_FILTER_UP, cv2.IMWRITE_PNG_STRATEGY_RLE),
            ),
        ):
            if name.endswith("(used)"):
                assert encode() == rendering.encode_png(image)
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                data = encode()
                times.append((time.perf_counter() - t0) * 1000)
            rows.append([f"{size[0]}×{size[1]}", name, f"{statistics.median(times):.1f}", f"{len(data) / 1024:.0f}"])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=50, help="timed renders per row (default 50)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed renders first, per row (default 10)")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"WxH,… (default {DEFAULT_SIZES})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warm-pictures",
        action="store_true",
        help="keep the fitted-picture cache between renders (same picture, many slides)",
    )
    parser.add_argument("--png-runs", type=int, default=7, help="runs per PNG encoder in the comparison (0: skip)")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",")]

    print(machine_line(machine_info(connection=False)))
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tincoso-bench-slides-") as tmp:
        photo = str(Path(tmp) / "photo-4000x3000.jpg")
        make_photo(photo)
        small = str(Path(tmp) / "photo-2000x1500.jpg")
        make_photo(small, 2000, 1500)
        cases = []
        for size in sizes:
            cases.append((size, "announcement", None, "announcement: text + QR"))
            cases.append((size, "news", photo, "news + 4000×3000 JPEG"))
            if size in ((1920, 1080), (1080, 1920)):
                cases.append((size, "news", small, "news + 2000×1500 JPEG"))
        rows = []
        for size, kind, picture, label in cases:
            r = measure(size, kind, args.renders, rng, picture, args.warm_pictures, args.warmup)
            target = TARGETS_MS.get(size)
            verdict = "" if target is None else ("✓" if r["total"] < target else "✗") + f" < {target}"
            rows.append(
                [
                    f"{size[0]}×{size[1]}",
                    label,
                    f"{r['total']:.1f}",
                    f"{r['p95']:.1f}",
                    f"{r['plan']:.1f}",
                    f"{r['picture']:.1f}",
                    f"{r['draw']:.1f}",
                    f"{r['png']:.1f}",
                    f"{r['cpu']:.1f}",
                    f"{r['cold']:.0f}",
                    f"{r['bytes'] / 1024:.0f}",
                    verdict,
                ]
            )
            print(f"  {size[0]}×{size[1]} {label}: median {r['total']:.1f} ms", file=sys.stderr)
        print()
        print(
            f"ms per slide: median and p95 of {args.renders} renders per row after {args.warmup} warm-up renders; "
            "the steps are medians; "
            + ("fitted picture cached" if args.warm_pictures else "the picture decoded for every render")
        )
        print(
            c.table(
                ["size", "slide", "median", "p95", "layout", "picture", "draw", "PNG", "CPU", "cold", "KiB", "target"],
                rows,
            )
        )
        if args.png_runs:
            print()
            print(f"PNG encoding of one rendered news slide (4000×3000 photo), median of {args.png_runs}")
            print(c.table(["size", "encoder", "ms", "KiB"], compare_png(photo, args.png_runs)))


if __name__ == "__main__":
    main()
