"""The project's mark as the browser's icons: a gold star in a gold ring on a red disc, the
colours of the default theme (after the national emblem in the header).

    .venv/bin/python themes/default/make_icons.py

writes, from the one geometry below, static/img/favicon.svg (what browsers use), favicon-32.png
and favicon.ico (16, 32 and 48 px; older browsers and /favicon.ico, site/tincoso/urls.py) and
apple-touch-icon.png (180 px, opaque: phones' home screens). The output is committed; run this
again only when the mark changes. Drawn with Pillow at 8× and reduced, so the edges are smooth;
the same input gives the same bytes.
"""

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw

IMG = Path(__file__).resolve().parent / "static" / "img"
RED, RED_DARK, GOLD = "#b3161b", "#8c1015", "#f2c230"
BOX = 64  # the geometry is in a 64 × 64 box
DISC = (32, 32, 31)  # centre x, y, radius
RING = (32, 32, 27, 3)  # centre x, y, radius, width
STAR = (32, 33.2, 17.5)  # centre x, y, outer radius


def star_points(cx, cy, outer):
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))  # a regular star
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((round(cx + radius * math.cos(angle), 2), round(cy + radius * math.sin(angle), 2)))
    return points


def svg():
    cx, cy, r = DISC
    rx, ry, rr, rw = RING
    star = " ".join(f"{x:g},{y:g}" for x, y in star_points(*STAR))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {BOX} {BOX}">'
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{RED}"/>'
        f'<circle cx="{rx}" cy="{ry}" r="{rr}" fill="none" stroke="{GOLD}" stroke-width="{rw}"/>'
        f'<polygon points="{star}" fill="{GOLD}"/></svg>\n'
    )


def draw(size, opaque=False):
    scale = size * 8 / BOX
    big = Image.new("RGBA", (size * 8, size * 8), RED_DARK if opaque else (0, 0, 0, 0))
    pen = ImageDraw.Draw(big)

    def circle(cx, cy, r, **kwargs):
        pen.ellipse([(cx - r) * scale, (cy - r) * scale, (cx + r) * scale, (cy + r) * scale], **kwargs)

    cx, cy, r = DISC
    circle(cx, cy, r, fill=RED)
    rx, ry, rr, rw = RING
    circle(rx, ry, rr + rw / 2, fill=GOLD)
    circle(rx, ry, rr - rw / 2, fill=RED)
    pen.polygon([(x * scale, y * scale) for x, y in star_points(*STAR)], fill=GOLD)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def png(image):
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main():
    (IMG / "favicon.svg").write_text(svg(), encoding="utf-8")
    (IMG / "favicon-32.png").write_bytes(png(draw(32)))
    ico = io.BytesIO()
    draw(256).save(ico, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    (IMG / "favicon.ico").write_bytes(ico.getvalue())
    (IMG / "apple-touch-icon.png").write_bytes(png(draw(180, opaque=True).convert("RGB")))


if __name__ == "__main__":
    main()
