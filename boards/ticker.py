"""The scrolling line of text (chữ chạy) as pixels: one period of the loop, and the band at a
scroll offset.

    size = font_size(font_path, band_height)
    period = strip("KHẨN CẤP: Bão số 9 …", "   •   ", 80, font_path, size, "#FFFFFF", "#B3161B")
    band = frame_at(period, 1920, offset_px=t * speed_px_s)

Pure functions like the slide renderer (boards/rendering.py): the same inputs give the same
pixels; the font is a file shipped in themes/ (`load_theme(theme).fonts`), never a system one.

The loop: the text followed by the separator is one *period*, exactly as wide as their
advance (Pillow's basic layout: whole-pixel advances, no kerning), so that the strip repeated
end to end is the line the board shows. Glyph ink that reaches past either end of the period
(a first glyph with a negative bearing, a last one wider than its advance) is wrapped round
to the other end, where the neighbouring period would put it. The band scrolls right to left:
at offset o its column x shows the strip's column (x + o) mod period, so at offset 0 the
text's first letter is at the band's left edge and the video's first frame is readable.
Offsets are whole pixels (floored): an LED module has no half pixels, and blending two
positions would blur the crisp text.

Vertical placement: centred by ink (the highest mark to the lowest descender of what is
drawn), not by the font's ascent and descent, which would leave the line visibly low in a
tight LED band. `font_size` picks the largest size whose Vietnamese worst case (stacked marks
on a capital, descenders: SIZE_PROBE) fits the band with a small margin, so any text at that
size fits whatever it holds.
"""

from __future__ import annotations

import math
import unicodedata

from PIL import Image, ImageColor, ImageDraw

from boards.rendering import MIN_FONT_PX, get_font, has_glyph, normalise_text

SIZE_PROBE = "ẶỖỸẪgjpqy"  # stacked marks on capitals, hooks, descenders
MARGIN = 0.08  # of the band's height, above and below the probe's ink (at least one pixel)
# One period at most this wide (at 52 px about 7,000 characters, a half-hour loop at 120 px/s):
# the strip, and the video encoder's copies of it, stay within tens of megabytes.
MAX_STRIP_PX = 200_000
MAX_CHARS = 50_000  # checked before measuring (Pillow refuses strings of a million characters)


def font_size(font_path, band_height) -> int:
    """The largest type size (px) at which SIZE_PROBE's ink, plus a margin of MARGIN × the
    band's height (≥ 1 px) above and below, fits a band `band_height` px tall; at least
    MIN_FONT_PX (6) even in a band too small for it."""
    if not isinstance(band_height, int) or isinstance(band_height, bool) or band_height < 1:
        raise ValueError(f"Chiều cao dòng chữ chạy phải là số điểm ảnh nguyên dương (nhận {band_height!r}).")
    font_path = str(font_path)
    room = band_height - 2 * max(1, round(MARGIN * band_height))

    def fits(size):
        _x0, y0, _x1, y1 = get_font(font_path, size).getbbox(SIZE_PROBE, anchor="ls")
        return y1 - y0 <= room

    lo, hi, best = MIN_FONT_PX, max(MIN_FONT_PX, 2 * band_height), MIN_FONT_PX
    while lo <= hi:  # ink grows with the size: the largest that fits
        mid = (lo + hi) // 2
        if fits(mid):
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    return best


def _colour(value, what):
    if isinstance(value, str):
        try:
            return ImageColor.getrgb(value)[:3]
        except ValueError:
            raise ValueError(f"Màu {what} «{value}» không hợp lệ (ví dụ #FFFFFF).") from None
    if isinstance(value, (tuple, list)) and len(value) in (3, 4) and all(_is_byte(v) for v in value):
        return tuple(value[:3])
    raise ValueError(f"Màu {what} phải là mã màu như #FFFFFF hoặc bộ ba (R, G, B), không phải {value!r}.")


def _thousands(n):
    return f"{n:,}".replace(",", ".")  # Vietnamese digit grouping: 200.000


def _is_byte(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255


def _drawable(text, font_path, collapse=True):
    """NFC, control and invisible format characters out, what the font cannot draw (emoji,
    rare symbols) replaced by a space rather than shown as an empty box; whitespace collapsed
    for the text (collapse=True), kept as given for the separator (its spaces are the gap)."""
    text = unicodedata.normalize("NFC", text or "")
    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        else:
            out.append(ch if has_glyph(font_path, ch) else " ")
    return normalise_text("".join(out)) if collapse else "".join(out)


def strip(text, separator, band_height, font_path, font_px, colour, background, crisp=False) -> Image.Image:
    """One period of the loop as an RGB image `band_height` px tall: `text` (normalised as
    the slides are: NFC, whitespace collapsed; a character the font lacks becomes a space) then
    `separator` (its spaces kept), drawn at `font_px` in `colour` over `background`, centred
    vertically by ink. crisp=True draws without anti-aliasing (two colours only: monochrome
    LED modules). ValueError (Vietnamese) for empty or overlong text, a bad size or colour."""
    font_path = str(font_path)
    if not isinstance(band_height, int) or isinstance(band_height, bool) or band_height < 1:
        raise ValueError(f"Chiều cao dòng chữ chạy phải là số điểm ảnh nguyên dương (nhận {band_height!r}).")
    if not isinstance(font_px, int) or isinstance(font_px, bool) or font_px < MIN_FONT_PX:
        raise ValueError(f"Cỡ chữ của dòng chữ chạy phải là số nguyên từ {MIN_FONT_PX} điểm ảnh (nhận {font_px!r}).")
    fill, back = _colour(colour, "chữ"), _colour(background, "nền")
    if not isinstance(text, str) or not isinstance(separator, str):
        raise ValueError("Nội dung và dấu ngăn cách của dòng chữ chạy phải là văn bản.")
    if len(text) + len(separator) > MAX_CHARS:
        raise ValueError(f"Dòng chữ chạy quá dài (tối đa {_thousands(MAX_CHARS)} ký tự): hãy rút gọn nội dung.")
    body = _drawable(text, font_path)
    if not body:
        raise ValueError("Dòng chữ chạy trống: hãy nhập nội dung cần chạy chữ.")
    line = body + _drawable(separator, font_path, collapse=False)
    font = get_font(font_path, font_px)
    period = max(1, math.ceil(font.getlength(line)))
    if period > MAX_STRIP_PX:
        raise ValueError(
            f"Dòng chữ chạy quá dài ({_thousands(period)} điểm ảnh ở cỡ chữ {font_px}, "
            f"tối đa {_thousands(MAX_STRIP_PX)}): hãy rút gọn nội dung."
        )
    x0, y0, x1, y1 = font.getbbox(line, anchor="ls")  # y: ink; x: ink, or the advance if further
    baseline = (band_height - (y1 - y0)) // 2 - y0
    image = Image.new("RGB", (period, band_height), back)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1" if crisp else "L"
    # The neighbouring periods' overhang, where there is any, then this period's own text.
    for shift in ([-period] if x1 > period else []) + ([period] if x0 < 0 else []) + [0]:
        draw.text((shift, baseline), line, font=font, fill=fill, anchor="ls")
    return image


def frame_at(strip_image, zone_width, offset_px) -> Image.Image:
    """The band (zone_width × the strip's height) at scroll offset `offset_px` (floored to a
    whole pixel; any real number, wrapping at the strip's width): column x shows the strip's
    column (x + offset) mod width, the strip repeated as often as the band needs. The text
    moves right to left as the offset grows (offset = seconds × speed)."""
    if not isinstance(zone_width, int) or isinstance(zone_width, bool) or zone_width < 1:
        raise ValueError(f"Chiều rộng vùng chữ chạy phải là số điểm ảnh nguyên dương (nhận {zone_width!r}).")
    if not math.isfinite(offset_px):
        raise ValueError(f"Vị trí cuộn phải là một số hữu hạn (nhận {offset_px!r}).")
    period, height = strip_image.size
    band = Image.new("RGB", (zone_width, height))
    x, start = 0, math.floor(offset_px) % period
    while x < zone_width:  # the rest of this period, then whole ones, cropped at the edge
        piece = strip_image.crop((start, 0, min(period, start + zone_width - x), height))
        band.paste(piece.convert("RGB"), (x, 0))
        x, start = x + piece.width, 0
    return band
