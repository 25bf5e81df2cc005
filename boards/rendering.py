"""Board slides: a pure, deterministic function from content to PNG bytes at a board's size.

    png = render_slide(SlideContent(kind="news", title=…, summary=…, image_path=…, qr_url=…,
                                    header="UBND xã An Trường", date_label="Thứ Hai, 23/11/2026"),
                       1920, 1080, theme="default")

The same inputs give the same bytes (docs/architecture.md, "Boards"): nothing reads the clock, the
system fonts or the locale; the fonts and the layout come from `themes/<theme>/boards/` and
`themes/<theme>/fonts/`, and the PNG is written with fixed options and no metadata.
`boards.slide.cache_key` hashes exactly what goes in, so unchanged slides are not rendered again.

Shapes (chosen by the layout file's `shape_order` and each shape's `when`; the default theme):
tiny LED (height ≤ 256: a tag band that says TIN, THÔNG BÁO or KHẨN CẤP, then the title alone
in large type), wide (≥ 2:1: header band, picture on one side, text, QR in the far corner),
landscape (≥ 1.25:1: header band with the unit and the date, title and summary sized together
to fill the screen, the QR code in the bottom corner beside the text, or with a picture on the
right the QR row at the bottom of the text), portrait (header, picture on top, text sized to
fill, QR at the bottom). Kind "image" is the picture alone, full-bleed. A picture is
cover-cropped into its box, or with `picture_fit="contain"` shown whole over a blurred,
darkened copy of itself (posters, pictures with text in them). The layout file's format is
described in themes/default/boards/README.md.

Errors: a size the renderer refuses, an unknown theme, kind, priority or picture fit → ValueError (the
caller's mistake); a picture that cannot be used (unreadable, not an image, truncated, over
50 MP, more elongated than 20:1) → SlideError, whose message (Vietnamese) is meant for the
editor: skip that item and record it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, ImageColor, ImageDraw, ImageFont, ImageOps, features

from boards.slide import KINDS, PICTURE_FITS, PRIORITIES, SlideContent
from core.images import truncated_images_refused

RENDERER_VERSION = "4"  # bump whenever a change here alters pixels

THEMES_DIR = Path(__file__).resolve().parents[1] / "themes"
DEFAULT_THEME = "default"
LAYOUT_FILE = Path("boards") / "layouts.json"

MIN_SIDE, MAX_SIDE = 64, 7680
MAX_BOARD_RATIO = 8.0
MAX_PICTURE_PIXELS = 50_000_000
MAX_PICTURE_RATIO = 20.0
MIN_FONT_PX = 6
MIN_TEXT_SHARE = 0.3  # a QR code in a side column leaves the text at least this share of the width
# PNG: zlib level 1, run-length matching (the flat backgrounds of a slide), the UP filter on
# every row, written by OpenCV's libpng. Pillow's encoder always tries all five filters on
# every row (no option to fix one): twice the time for files of about the same size
# (bench/bench_slides.py compares them).
PNG_COMPRESSION = 1
PICTURE_CACHE_SIZE = 8  # fitted pictures kept per process (a few MB each)
# "contain": the letterbox around the whole picture is the picture itself, cover-cropped,
# shrunk to 1/BACKDROP_SHRINK, blurred, enlarged again and darkened to BACKDROP_LEVEL/256, so
# the bars match the picture without competing with it.
BACKDROP_SHRINK = 24
BACKDROP_SIGMA = 1.5
BACKDROP_LEVEL = 110
ELLIPSIS = "…"
TAG_PROBE = "ÔÁ"  # LED tags are sized as if they held a capital with one mark (TIN as THÔNG BÁO)
_TRIM_BEFORE_ELLIPSIS = " ,;:.–—-"
# Glyphs that reach highest and lowest in Vietnamese (stacked marks on capitals, hooks, descenders).
_TALL_PROBE = "ẶẪẬẨẲẤỖỄỮỞỸỶỴỰỆẼÁÀẢÃẠÉÍÓÚÝệởữỹẫỗgjpqyÅ|()[]"

_THEME_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class SlideError(Exception):
    """The item cannot be made into a slide (its picture is unusable): skip it and record
    `str(error)`, a message in Vietnamese for the editor."""


# --- sizes and shapes -----------------------------------------------------------------------


def check_size(width, height):
    """ValueError unless 64 ≤ width, height ≤ 7680 and the aspect ratio is within 1:8 … 8:1."""
    ok = (
        isinstance(width, int)
        and isinstance(height, int)
        and not isinstance(width, bool)
        and not isinstance(height, bool)
        and MIN_SIDE <= width <= MAX_SIDE
        and MIN_SIDE <= height <= MAX_SIDE
        and max(width, height) <= MAX_BOARD_RATIO * min(width, height)
    )
    if not ok:
        raise ValueError(
            f"Kích thước bảng {width}×{height} không hợp lệ: mỗi cạnh phải từ {MIN_SIDE} đến "
            f"{MAX_SIDE} điểm ảnh và tỉ lệ hai cạnh không quá 8:1."
        )


def shape_for(width, height, theme) -> str:
    """The name of the layout shape used at width×height (first match in `shape_order`)."""
    layout = theme.layout
    aspect = width / height
    for name in layout["shape_order"]:
        when = layout["shapes"][name].get("when", {})
        if "max_height" in when and height > when["max_height"]:
            continue
        if "min_height" in when and height < when["min_height"]:
            continue
        if "min_aspect" in when and aspect < when["min_aspect"]:
            continue
        if "max_aspect" in when and aspect > when["max_aspect"]:
            continue
        return name
    raise ValueError(f"Bố cục của giao diện «{theme.name}» không có dạng nào cho bảng {width}×{height}.")


def shows_picture(content: SlideContent, width, height, theme) -> bool:
    """Whether the slide at this size shows content.image_path (so its bytes count)."""
    if not content.image_path:
        return False
    if content.kind == "image":
        return True
    shape = theme.layout["shapes"][shape_for(width, height, theme)]
    return shape["arrangement"] != "tiny" and "picture" in shape


# --- themes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    name: str
    layout: dict  # merged layout data (treat as read-only)
    fonts: dict  # role ("regular", "bold") → absolute path (str)
    file_digests: tuple  # ((path relative to themes/, sha256), …): layout files then fonts


def _theme_dir(theme: str) -> Path:
    if not isinstance(theme, str) or not _THEME_NAME.match(theme) or not (THEMES_DIR / theme).is_dir():
        raise ValueError(f"Giao diện «{theme}» không tồn tại.")
    return THEMES_DIR / theme


def _layout_chain(theme: str) -> list:
    """The layout files that make up a theme's layout, base first. A theme without
    boards/layouts.json uses the default theme's; a layout file may name a theme to extend."""
    chain, name = [], theme
    while True:
        path = _theme_dir(name) / LAYOUT_FILE
        if not path.is_file():
            if name == DEFAULT_THEME:
                raise ValueError(f"Giao diện «{DEFAULT_THEME}» thiếu tệp bố cục {LAYOUT_FILE}.")
            name = DEFAULT_THEME
            continue
        if path in chain:
            raise ValueError(f"Tệp bố cục {path} kế thừa vòng quanh.")
        chain.insert(0, path)
        with open(path, "rb") as fh:
            parent = json.loads(fh.read()).get("extends")
        if not parent:
            return chain
        name = parent


def _merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def load_theme(theme: str = DEFAULT_THEME) -> Theme:
    """The theme's merged layout, fonts and file digests (re-read when a file changes)."""
    chain = _layout_chain(theme)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in chain)
    return _load_theme(theme, stamp)


@functools.lru_cache(maxsize=32)
def _load_theme(theme, stamp):
    layout, fonts, digests = {}, {}, []
    for path_str, _mtime, _size in stamp:
        path = Path(path_str)
        raw = path.read_bytes()
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"Tệp bố cục {path} không hợp lệ: {exc}") from None
        digests.append((str(path.relative_to(THEMES_DIR)), hashlib.sha256(raw).hexdigest()))
        theme_root = path.parent.parent  # themes/<name>/
        for role, rel in data.get("fonts", {}).items():
            font = (theme_root / rel).resolve()
            if THEMES_DIR not in font.parents or not font.is_file():
                raise ValueError(f"Tệp bố cục {path}: phông «{rel}» phải là một tệp trong thư mục themes/.")
            fonts[role] = str(font)
        data = {k: v for k, v in data.items() if k not in ("extends", "fonts")}
        layout = _merge(layout, data)
    _validate_layout(layout, fonts, stamp[-1][0])
    for role in sorted(fonts):
        digests.append((str(Path(fonts[role]).relative_to(THEMES_DIR)), _font_digest(fonts[role])))
    return Theme(name=theme, layout=layout, fonts=fonts, file_digests=tuple(digests))


@functools.lru_cache(maxsize=16)
def _font_digest_cached(path, mtime_ns, size):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _font_digest(path):
    st = Path(path).stat()
    return _font_digest_cached(path, st.st_mtime_ns, st.st_size)


def _validate_layout(layout, fonts, where):
    try:
        for role in ("regular", "bold"):
            if role not in fonts:
                raise KeyError(f"fonts.{role}")
        for key in ("labels", "colours", "shape_order", "shapes"):
            if key not in layout:
                raise KeyError(key)
        for name in layout["shape_order"]:
            shape = layout["shapes"][name]
            if shape["arrangement"] not in ("tiny", "side", "stack"):
                raise KeyError(f"shapes.{name}.arrangement")
            for part in ("title", "summary", "label"):
                if part in shape and shape[part].get("font", "regular") not in fonts:
                    raise KeyError(f"shapes.{name}.{part}.font")
        for colour in _colours(layout, {}).values():
            ImageColor.getrgb(colour)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"Tệp bố cục {where} không hợp lệ: thiếu hoặc sai {exc}") from None


def _colours(layout, shape):
    return {**layout["colours"], **shape.get("colours", {})}


@functools.cache
def library_versions() -> dict:
    """Versions of what draws and encodes the pixels: a change may alter them."""
    from importlib.metadata import version

    import cv2

    return {
        "pillow": Image.__version__,
        "freetype": features.version("freetype2"),
        "littlecms": features.version("littlecms2"),
        "opencv": cv2.__version__,
        "qrcode": version("qrcode"),
    }


# --- text -----------------------------------------------------------------------------------


def normalise_text(text) -> str:
    """NFC (precomposed ệ, ở, ữ: one glyph each), whitespace collapsed, control and invisible
    format characters (soft hyphen, zero-width joiners, BOM) out."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join(text.split())


@functools.lru_cache(maxsize=512)
def get_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at `path` (a file shipped in themes/) at `size` px, cached."""
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=8192)
def has_glyph(path: str, ch: str) -> bool:
    """Whether the font draws `ch` (not its "missing glyph" box): emoji and other symbols
    the shipped font lacks are left out rather than shown as empty boxes."""
    font = get_font(path, 32)

    def look(c):
        mask = font.getmask(c)
        return font.getlength(c), mask.size, bytes(mask)

    return look(ch) != look("\ue000")  # a private-use code point: never in the font


@functools.lru_cache(maxsize=512)
def line_extents(path: str, size: int) -> tuple:
    """(above, below): pixels a line needs above and below its baseline — the font's full
    ascent and descent, or more if a stacked Vietnamese mark reaches further — plus a pixel
    or so of air, so nothing ever touches the edge of its box."""
    font = get_font(path, size)
    ascent, descent = font.getmetrics()
    _x0, y0, _x1, y1 = font.getbbox(_TALL_PROBE, anchor="ls")
    air = max(1, size // 40)
    return max(ascent, -y0) + air, max(descent, y1) + air


def _ink(font, text):
    """(left, right) ink extent of `text` drawn at x = 0 (anchor 'ls')."""
    x0, _y0, x1, _y1 = font.getbbox(text, anchor="ls")
    return x0, x1


def text_width(font, text) -> int:
    """Width the text needs in its box: its ink, starting no further left than its origin,
    and at least its advance. Measured by FreeType on the whole string (exact, slow)."""
    if not text:
        return 0
    x0, x1 = _ink(font, text)
    return max(x1, math.ceil(font.getlength(text))) - min(x0, 0)


class _Metrics:
    """Per-character advance and ink of one font at one size. With Pillow's basic layout
    (no kerning, advances rounded to whole pixels per glyph) a string's advance and ink are
    exactly the sums and extremes of its characters' (checked in the tests against
    `text_width`), so lines are measured in Python without asking FreeType again."""

    __slots__ = ("chars", "font", "space")

    def __init__(self, font):
        self.font = font
        self.chars = {}
        self.space = self.char(" ")[0]

    def char(self, ch):
        m = self.chars.get(ch)
        if m is None:
            x0, _y0, x1, _y1 = self.font.getbbox(ch, anchor="ls")
            adv = self.font.getlength(ch)
            m = self.chars[ch] = (int(adv) if float(adv).is_integer() else adv, x0, x1)
        return m

    def word(self, word):
        """(advance, ink left, ink right) of a word without spaces, from its own origin."""
        pen, left, right = 0, 0, 0
        for ch in word:
            adv, x0, x1 = self.char(ch)
            if x1 > x0:  # a glyph with ink
                left = min(left, pen + x0)
                right = max(right, pen + x1)
            pen += adv
        return pen, left, right

    def extent(self, text):
        """(advance, ink left, ink right) of a line, from its origin."""
        pen, left, right = 0, 0, 0
        for i, part in enumerate(text.split(" ")):
            if i:
                pen += self.space
            adv, lft, rgt = self.word(part)
            left, right = min(left, pen + lft), max(right, pen + rgt)
            pen += adv
        return pen, left, right

    def width(self, text):
        """Same as text_width(font, text), from the cached character metrics."""
        pen, left, right = self.extent(text)
        return math.ceil(max(right, pen)) - min(left, 0)


@functools.lru_cache(maxsize=512)
def _metrics(path: str, size: int) -> _Metrics:
    return _Metrics(get_font(path, size))


@dataclass(frozen=True)
class FittedText:
    text: str  # the normalised input
    font_path: str
    size: int
    lines: tuple  # what is drawn, one string a line
    above: int  # px from a line's top to its baseline
    below: int  # px from the baseline to the line's bottom
    gap: int  # px between one line's bottom and the next line's top
    truncated: bool  # the text did not fit even at the minimum size: cut and ended with "…"

    @property
    def line_height(self) -> int:
        return self.above + self.below

    @property
    def height(self) -> int:
        n = len(self.lines)
        return n * self.line_height + max(0, n - 1) * self.gap if n else 0

    @property
    def font(self):
        return get_font(self.font_path, self.size)

    @property
    def width(self) -> int:
        m = _metrics(self.font_path, self.size)
        return max((m.width(line) for line in self.lines), default=0)


def _split_word(m, word, width):
    """A word wider than the box, in pieces that fit (the only case a word is cut)."""
    pieces = []
    while word:
        lo, hi = 1, len(word)  # the longest prefix that fits; at least one character
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if m.width(word[:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(word[:lo])
        word = word[lo:]
    return pieces


def _wrap(m, words, width, force=False):
    """Greedy word wrap; None if a word is wider than the box (unless force: then it is
    split). Each word is measured once; a line grows by its words' metrics."""
    lines, current = [], []
    pen = left = right = 0
    for word in words:
        adv, lft, rgt = m.word(word)
        if current:
            start = pen + m.space
            n_left, n_right = min(left, start + lft), max(right, start + rgt)
            if math.ceil(max(n_right, start + adv)) - min(n_left, 0) <= width:
                current.append(word)
                pen, left, right = start + adv, n_left, n_right
                continue
            lines.append(" ".join(current))
            current = []
        if math.ceil(max(rgt, adv)) - min(lft, 0) <= width:
            current, pen, left, right = [word], adv, lft, rgt
            continue
        if not force:
            return None
        pieces = _split_word(m, word, width)
        lines.extend(pieces[:-1])
        current = [pieces[-1]]
        pen, left, right = m.word(pieces[-1])
    if current:
        lines.append(" ".join(current))
    return lines


def _capacity(above, below, gap, height, max_lines):
    line = above + below
    if height < line:
        return 0
    n = 1 + (height - line) // (line + gap)
    return min(n, max_lines) if max_lines else n


def _ellipsize(m, words, width, n_lines):
    """The longest word prefix of `words` that, ended with "…", wraps into n_lines lines."""
    if n_lines <= 0:
        return []
    p = len(words)
    while p > 0:
        last = words[p - 1].rstrip(_TRIM_BEFORE_ELLIPSIS)
        if last:
            attempt = _wrap(m, [*words[: p - 1], last + ELLIPSIS], width)
            if attempt is not None and len(attempt) <= n_lines:
                return attempt
        p -= 1
    # Not even the first word with "…" fits: a word wider than the box, cut by characters.
    first = words[0] if words else ""
    for cut in range(len(first) - 1, 0, -1):
        attempt = _wrap(m, [first[:cut] + ELLIPSIS], width, force=True)
        if len(attempt) <= n_lines:
            return attempt
    return [ELLIPSIS] if m.width(ELLIPSIS) <= width else []


def _drawable(text, font_path):
    """The text normalised, with what the font cannot draw (emoji, symbols) left out."""
    return normalise_text("".join(ch if ch == " " or has_glyph(font_path, ch) else " " for ch in normalise_text(text)))


def fit_text(text, font_path, width, height, min_size, max_size, line_spacing=0.0, max_lines=None) -> FittedText:
    """The largest size in [min_size, max_size] at which `text` wraps by words into a box of
    width×height (lines as tall as the font's ascent + descent, `line_spacing` × size apart,
    at most `max_lines`). If even min_size does not fit, the text is set at min_size, cut
    after the last whole word that fits and ended with "…" (a word is cut only when it alone
    is wider than the box). Binary search over sizes; fonts and extents are cached."""
    font_path = str(font_path)
    text = _drawable(text, font_path)
    min_size = max(MIN_FONT_PX, int(min_size))
    max_size = max(min_size, int(max_size))
    words = text.split(" ") if text else []

    def layout(size):
        above, below = line_extents(font_path, size)
        return above, below, round(line_spacing * size)

    def fits(size):
        above, below, gap = layout(size)
        lines = _wrap(_metrics(font_path, size), words, width)
        if lines is None or len(lines) > _capacity(above, below, gap, height, max_lines):
            return None
        return lines

    def result(size, lines, truncated):
        above, below, gap = layout(size)
        return FittedText(text, font_path, size, tuple(lines), above, below, gap, truncated)

    if not words:
        return result(min_size, [], False)
    lines = fits(max_size)
    if lines is not None:
        return result(max_size, lines, False)
    lo, hi, best = min_size, max_size - 1, None
    while lo <= hi:  # the largest size that fits (fitting shrinks as the size grows)
        mid = (lo + hi) // 2
        lines = fits(mid)
        if lines is not None:
            best, lo = (mid, lines), mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return result(*best, False)
    m = _metrics(font_path, min_size)
    above, below, gap = layout(min_size)
    n = _capacity(above, below, gap, height, max_lines)
    full = _wrap(m, words, width, force=True)
    if len(full) <= n:  # fits once a long word is split
        return result(min_size, full, False)
    return result(min_size, _ellipsize(m, words, width, n), True)


# --- the plan: every box, colour and fitted text, before any pixel ---------------------------


@dataclass(frozen=True)
class TextBlock:
    role: str  # title | summary | header | date | label | caption | footer
    box: tuple  # (x0, y0, x1, y1): the block's area, exactly as tall as its lines
    fitted: FittedText
    colour: tuple
    align: str = "left"  # left | right | center

    def origins(self):
        """(x, baseline) of each line, for ImageDraw.text(..., anchor="ls")."""
        x0, y0, x1, _y1 = self.box
        f = self.fitted
        m = _metrics(f.font_path, f.size)
        out = []
        for i, line in enumerate(f.lines):
            left = m.extent(line)[1]
            need = m.width(line)
            if self.align == "center":
                x = x0 + (x1 - x0 - need) // 2 - min(left, 0)
            elif self.align == "right":
                x = x1 - need - min(left, 0)
            else:
                x = x0 - min(left, 0)
            out.append((x, y0 + i * (f.line_height + f.gap) + f.above))
        return out


@dataclass(frozen=True)
class SlidePlan:
    width: int
    height: int
    shape: str  # the layout shape's name, or "image" for a full-bleed picture
    background: tuple
    rects: tuple  # ((box, colour), …) filled in order
    picture: tuple | None  # box the picture is cover-cropped into
    picture_background: tuple
    qr: tuple | None  # (box including the quiet zone, module px, url)
    qr_colours: tuple  # (dark, light)
    texts: tuple  # TextBlock, …
    crisp_text: bool  # no anti-aliasing (LED)
    picture_fit: str = "cover"  # how the picture fills its box (boards.slide.PICTURE_FITS)


def _rgb(colour):
    return ImageColor.getrgb(colour)[:3]


def _px(fraction, unit, floor=0):
    return max(floor, round(fraction * unit))


@functools.lru_cache(maxsize=256)
def _qr_matrix(url):
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())


def _qr_module(url, spec, unit, room):
    """Module size in px for the QR of `url`, or None when it would be too small to scan
    (module < min_module, code < min_px) or does not fit (max_size, the room available)."""
    n = len(_qr_matrix(url))  # modules including the 4-module quiet zone on each side
    module = max(math.floor(spec["size"] * unit / n), math.ceil(spec["min_px"] / n), spec["min_module"])
    side = module * n
    if side > spec["max_size"] * unit or side > room:
        return None
    return module


def plan_slide(content: SlideContent, width: int, height: int, theme: str = DEFAULT_THEME) -> SlidePlan:
    """Where everything goes on a width×height slide, with the text already fitted."""
    check_size(width, height)
    if content.kind not in KINDS:
        raise ValueError(f"Loại trang «{content.kind}» không hợp lệ (announcement, news, image).")
    if content.priority not in PRIORITIES:
        raise ValueError(f"Mức ưu tiên «{content.priority}» không hợp lệ (normal, priority, emergency).")
    if content.picture_fit not in PICTURE_FITS:
        raise ValueError(f"Cách hiển thị ảnh «{content.picture_fit}» không hợp lệ (cover, contain).")
    th = load_theme(theme)
    name = shape_for(width, height, th)
    shape = th.layout["shapes"][name]
    colours = {k: _rgb(v) for k, v in _colours(th.layout, shape).items()}
    if content.kind == "image":
        if not content.image_path:
            raise SlideError("Trang ảnh chưa có tệp ảnh.")
        return SlidePlan(
            width,
            height,
            "image",
            colours["picture_background"],
            (),
            (0, 0, width, height),
            colours["picture_background"],
            None,
            (colours["qr_dark"], colours["qr_light"]),
            (),
            False,
            content.picture_fit,
        )
    if shape["arrangement"] == "tiny":
        return _plan_tiny(content, width, height, th, name, shape, colours)
    return _plan_board(content, width, height, th, name, shape, colours)


def _plan_tiny(content, w, h, th, name, shape, colours):
    unit = min(w, h)
    pad = _px(shape["padding"], unit, 1)
    emergency = content.priority == "emergency"
    background = colours["emergency"] if emergency else colours["background"]
    title_colour = colours["emergency_text"] if emergency else colours["title"]
    rects, texts = [], []
    top = pad
    if shape.get("tag"):  # a band at the top says what the slide is: TIN, THÔNG BÁO, KHẨN CẤP
        band, label = _tiny_tag(content, w, h, th, shape, colours, pad)
        rects.append(band)
        texts.append(label)
        top = band[0][3] + pad
    elif content.priority != "normal":
        band_colour = colours["emergency_text"] if emergency else colours["priority"]
        label_colour = colours["emergency"] if emergency else colours["priority_text"]
        label = shape.get("label")
        if label and h >= label["min_height"]:
            band_h = _px(label["height"], h, 1)
            rects.append(((0, 0, w, band_h), band_colour))
            size = _px(label["size"], h, MIN_FONT_PX)
            fitted = fit_text(
                th.layout["labels"][content.priority],
                th.fonts[label.get("font", "bold")],
                w - 2 * pad,
                band_h,
                MIN_FONT_PX,
                size,
                max_lines=1,
            )
            y = (band_h - fitted.height) // 2
            texts.append(TextBlock("label", (pad, y, w - pad, y + fitted.height), fitted, label_colour, "center"))
            top = band_h + pad
        elif not emergency:  # too small for a label: an amber bar says "priority"
            bar = _px(shape.get("priority_bar", 0.06), h, 2)
            rects.append(((0, 0, w, bar), colours["priority"]))
            top = bar + pad
    spec = shape["title"]
    box_w, box_h = w - 2 * pad, h - top - pad
    fitted = fit_text(
        content.title,
        th.fonts[spec.get("font", "bold")],
        box_w,
        box_h,
        _px(spec["min"], unit, MIN_FONT_PX),
        _px(spec["max"], unit, MIN_FONT_PX),
        spec.get("line_spacing", 0.0),
        spec.get("max_lines"),
    )
    y = top + (box_h - fitted.height) // 2
    if fitted.lines:
        texts.append(TextBlock("title", (pad, y, w - pad, y + fitted.height), fitted, title_colour, "center"))
    return SlidePlan(
        w,
        h,
        name,
        background,
        tuple(rects),
        None,
        colours["picture_background"],
        None,
        (colours["qr_dark"], colours["qr_light"]),
        tuple(texts),
        bool(shape.get("crisp_text")),
    )


def _tiny_tag(content, w, h, th, shape, colours, pad):
    """The tag band of a tiny (LED) slide: ((box, colour), TextBlock). Its colour and words say
    the kind and priority at a glance: a news item ("TIN") and an announcement ("THÔNG BÁO")
    each in their colour, a priority one on amber ("THÔNG BÁO · ƯU TIÊN" where it fits, else
    the kind alone), an emergency in red on a white band over the red slide ("KHẨN CẤP", or
    "KHẨN" on the smallest boards). The words are set as large as the band allows, measured
    by their own ink (capitals and marks, no descenders), so that they stay legible on a
    192×96 panel; the first wording that fits at `tag.min` (× height) or more is used."""
    spec = shape["tag"]
    labels = th.layout["labels"]
    band_h = max(_px(spec["height"], h), spec.get("min_px", 0))
    kind = labels.get(content.kind, "")
    if content.priority == "emergency":
        band_colour, text_colour = colours["emergency_text"], colours["emergency"]
        wordings = [labels["emergency"], labels.get("emergency_short", labels["emergency"])]
    elif content.priority == "priority":
        band_colour, text_colour = colours["priority"], colours["priority_text"]
        wordings = [f"{kind} · {labels['priority']}" if kind else labels["priority"], kind or labels["priority"]]
    else:
        band_colour = colours.get(content.kind, colours["header_background"])
        text_colour = colours.get(f"{content.kind}_text", colours["header_text"])
        wordings = [kind]
    font = th.fonts[spec.get("font", "bold")]
    margin = max(1, round(spec.get("margin", 0.1) * band_h))
    smallest = _px(spec.get("min", 0.0), h, MIN_FONT_PX)
    fitted = None
    for wording in dict.fromkeys(wordings):
        fitted = fit_ink_line(
            wording, font, w - 2 * pad, band_h - 2 * margin, _px(spec["size"], h, MIN_FONT_PX), TAG_PROBE
        )
        if fitted.size >= smallest:
            break
    y = (band_h - fitted.height) // 2
    label = TextBlock("label", (pad, y, w - pad, y + fitted.height), fitted, text_colour, "center")
    return ((0, 0, w, band_h), band_colour), label


def fit_ink_line(text, font_path, width, height, max_size, probe="") -> FittedText:
    """One line of `text` at the largest size ≤ max_size whose own ink, or that of `probe` where
    it reaches further (so that labels set alike come out the same size), plus a pixel of air
    above and below, fits width×height: tighter than fit_text, which keeps room for any
    glyph's marks and descenders. For short fixed words in capitals (labels)."""
    font_path = str(font_path)
    text = normalise_text(text)

    def measure(size):
        font = get_font(font_path, size)
        _x0, y0, _x1, y1 = font.getbbox(text + probe, anchor="ls")
        air = max(1, size // 40)
        above, below = max(-y0, 0) + air, max(y1, 0) + air
        return above, below, _metrics(font_path, size).width(text)

    lo, hi, best = MIN_FONT_PX, max(MIN_FONT_PX, int(max_size)), MIN_FONT_PX
    while lo <= hi:
        mid = (lo + hi) // 2
        above, below, need = measure(mid)
        if above + below <= height and need <= width:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    above, below, _need = measure(best)
    return FittedText(text, font_path, best, (text,) if text else (), above, below, 0, False)


def _fit_line(text, th, spec_font, width, height, min_px, max_px):
    return fit_text(text, th.fonts[spec_font], width, height, min_px, max_px, max_lines=1)


def _plan_board(content, w, h, th, name, shape, colours):
    unit = min(w, h)
    pad = _px(shape["padding"], unit, 2)
    emergency = content.priority == "emergency"
    rects, texts = [], []

    # Header band: the unit on the left, the date on the right; red for an emergency.
    y_body = 0
    header = shape.get("header")
    if header:
        band_h = _px(header["height"], unit, 8)
        rects.append(((0, 0, w, band_h), colours["emergency"] if emergency else colours["header_background"]))
        text_h = max(1, round(header["text"] * band_h))
        lo, hi = _px(header["min"], unit, MIN_FONT_PX), _px(header["max"], unit, MIN_FONT_PX)
        inner = w - 2 * pad
        right_edge = w - pad
        header_colour = colours["emergency_text"] if emergency else colours["header_text"]
        if content.date_label:
            date = _fit_line(content.date_label, th, "regular", inner * 2 // 5, text_h, lo, hi)
            y = (band_h - date.height) // 2
            dw = date.width
            texts.append(TextBlock("date", (w - pad - dw, y, w - pad, y + date.height), date, header_colour, "right"))
            right_edge = w - pad - dw - pad
        if content.header and right_edge - pad > 0:
            unit_name = _fit_line(content.header, th, "bold", right_edge - pad, text_h, lo, hi)
            y = (band_h - unit_name.height) // 2
            texts.append(TextBlock("header", (pad, y, right_edge, y + unit_name.height), unit_name, header_colour))
        y_body = band_h
        accent = _px(shape.get("accent", 0), unit)
        if accent:
            rects.append(((0, y_body, w, y_body + accent), colours["emergency"] if emergency else colours["accent"]))
            y_body += accent

    # Picture: on one side (side) or on top (stack), flush with the edges.
    col = [pad, y_body + pad, w - pad, h - pad]  # the text column
    picture = None
    pic = shape.get("picture")
    if content.image_path and pic:
        if pic["side"] == "top":
            ph = min(round(pic["fraction"] * h), round(pic["max_ratio"] * w))
            picture = (0, y_body, w, y_body + ph)
            col[1] = y_body + ph + pad
        else:
            pw = min(round(pic["fraction"] * w), round(pic["max_ratio"] * (h - y_body)))
            if pic["side"] == "left":
                picture = (0, y_body, pw, h)
                col[0] = pw + pad
            else:
                picture = (w - pw, y_body, w, h)
                col[2] = w - pw - pad

    # QR code with its caption, and the footer.
    qr = None
    qr_spec = shape.get("qr")
    text_bottom = col[3]
    footer_spec = shape.get("footer")
    caption = th.layout["labels"].get("qr_caption", "")
    narrow = None  # (x1, y): below y the text must end at x1, left of a QR code beside it
    module = None
    position = None
    if content.qr_url and qr_spec:
        position = qr_spec["position"]
        if picture and qr_spec.get("position_with_picture"):
            position = qr_spec["position_with_picture"]
        room = min(col[2] - col[0] + pad, (col[3] - col[1]) // 2 + pad)
        module = _qr_module(content.qr_url, qr_spec, unit, room)
    if module:
        side = module * len(_qr_matrix(content.qr_url))
        quiet = 4 * module
        inset = min(quiet, pad)  # the quiet zone may lie over the (light) padding
        gap = _px(qr_spec.get("gap", 0.03), unit)
        cap_spec = qr_spec["caption"]
        cap_size = _px(cap_spec["size"], unit, MIN_FONT_PX)
        if position in ("corner", "side"):  # at the far bottom corner, the caption above the code
            if position == "corner":
                x1 = picture[0] - pad + inset if picture and picture[2] == w else w - pad + inset
            else:
                x1 = col[2] + inset
            if x1 - side - gap - col[0] >= MIN_TEXT_SHARE * w:  # else the code would squeeze the text out
                qr = ((x1 - side, h - pad + inset - side, x1, h - pad + inset), module, content.qr_url)
                lines = 2 if position == "side" else 1  # beside the text: two lines, at full size
                cap = fit_text(
                    caption,
                    th.fonts[cap_spec.get("font", "bold")],
                    side - 2 * inset,
                    cap_size * 2 * lines,
                    MIN_FONT_PX,
                    cap_size,
                    max_lines=lines,
                )
                cy1 = qr[0][1] + quiet - inset
                texts.append(
                    TextBlock(
                        "caption",
                        (x1 - side + inset, cy1 - cap.height, x1 - inset, cy1),
                        cap,
                        colours["title"],
                        "center",
                    )
                )
                if position == "corner":  # a column: the text keeps left of it all the way up
                    col[2] = x1 - side - gap
                else:  # only the text beside the code and its caption keeps left of it
                    narrow = (x1 - side - gap // 2, cy1 - cap.height - gap)
        else:  # a row at the bottom of the text column: code left, caption and footer right
            x0, y1 = col[0] - inset, col[3] + inset
            qr = ((x0, y1 - side, x0 + side, y1), module, content.qr_url)
            right_x0 = x0 + side - quiet + gap
            right_w = col[2] - right_x0
            if right_w > cap_size * 2:
                cap = _fit_line(caption, th, cap_spec.get("font", "bold"), right_w, cap_size * 2, MIN_FONT_PX, cap_size)
                blocks = [("caption", cap, colours["title"])]
                if content.footer and footer_spec:
                    fsize = _px(footer_spec["size"], unit, MIN_FONT_PX)
                    foot = _fit_line(
                        content.footer, th, footer_spec.get("font", "regular"), right_w, fsize * 2, MIN_FONT_PX, fsize
                    )
                    blocks.append(("footer", foot, colours["muted"]))
                spacing = cap_size // 3
                total = sum(b[1].height for b in blocks) + (len(blocks) - 1) * spacing
                sym_top, sym_bottom = y1 - side + quiet, y1 - quiet
                y = sym_top + (sym_bottom - sym_top - total) // 2
                for role, fitted, colour in blocks:
                    texts.append(TextBlock(role, (right_x0, y, col[2], y + fitted.height), fitted, colour))
                    y += fitted.height + spacing
            text_bottom = y1 - side - gap
    if content.footer and footer_spec and not any(t.role == "footer" for t in texts):
        fsize = _px(footer_spec["size"], unit, MIN_FONT_PX)
        foot_x1 = narrow[0] if narrow else col[2]
        foot = _fit_line(
            content.footer, th, footer_spec.get("font", "regular"), foot_x1 - col[0], fsize * 2, MIN_FONT_PX, fsize
        )
        texts.append(
            TextBlock("footer", (col[0], text_bottom - foot.height, foot_x1, text_bottom), foot, colours["muted"])
        )
        text_bottom -= foot.height + _px(footer_spec.get("gap", 0.03), unit)

    # Label chip (ƯU TIÊN / KHẨN CẤP), title, summary: top-aligned in the text column.
    x0, y, x1 = col[0], col[1], col[2]
    col_w = x1 - x0
    if content.priority != "normal" and shape.get("label") and col_w > 0:
        spec = shape["label"]
        size = _px(spec["size"], unit, MIN_FONT_PX)
        chip_pad = max(1, round(spec.get("padding", 0.3) * size))
        fitted = _fit_line(
            th.layout["labels"][content.priority],
            th,
            spec.get("font", "bold"),
            col_w - 2 * chip_pad,
            size * 2,
            MIN_FONT_PX,
            size,
        )
        chip = (x0, y, x0 + fitted.width + 2 * chip_pad, y + fitted.height + chip_pad)
        rects.append((chip, colours["emergency"] if emergency else colours["priority"]))
        ty = y + chip_pad // 2
        texts.append(
            TextBlock(
                "label",
                (x0 + chip_pad, ty, chip[2] - chip_pad, ty + fitted.height),
                fitted,
                colours["emergency_text"] if emergency else colours["priority_text"],
            )
        )
        y = chip[3] + _px(spec.get("gap", 0.025), unit)

    if col_w > 0 and text_bottom - y > 0:
        fit_body = _fit_body_together if shape.get("fit") == "together" else _fit_body_apart
        for role, fitted, top, width in fit_body(content, th, shape, unit, x0, y, x1, text_bottom, narrow):
            if fitted.lines:
                texts.append(TextBlock(role, (x0, top, x0 + width, top + fitted.height), fitted, colours[role]))

    return SlidePlan(
        w,
        h,
        name,
        colours["background"],
        tuple(rects),
        picture,
        colours["picture_background"],
        qr,
        (colours["qr_dark"], colours["qr_light"]),
        tuple(texts),
        False,
        content.picture_fit,
    )


def _fit_body_apart(content, th, shape, unit, x0, y, x1, bottom, narrow):
    """Title then summary, each fitted in turn: the title the largest it can be within
    `title.max_share` of the room (leaving `summary.min_lines` for the summary), the summary
    the largest in what is left, cut with "…" if even its minimum size is too large. Both
    keep left of a QR code beside them (narrow). Returns [(role, fitted, top, width), …]."""
    width = (narrow[0] if narrow else x1) - x0
    avail = bottom - y
    t_spec, s_spec = shape["title"], shape["summary"]
    summary = normalise_text(content.summary)
    s_lo = _px(s_spec["min"], unit, MIN_FONT_PX)
    s_gap = _px(s_spec.get("gap", 0.03), unit)
    title_room = avail
    if summary:
        above, below = line_extents(th.fonts[s_spec.get("font", "regular")], s_lo)
        s_min_lines = s_spec.get("min_lines", 2)
        reserve = (
            s_gap + s_min_lines * (above + below) + (s_min_lines - 1) * round(s_spec.get("line_spacing", 0) * s_lo)
        )
        title_room = max(min(round(avail * t_spec.get("max_share", 0.6)), avail - reserve), 0)
    title = fit_text(
        content.title,
        th.fonts[t_spec.get("font", "bold")],
        width,
        title_room,
        _px(t_spec["min"], unit, MIN_FONT_PX),
        _px(t_spec["max"], unit, MIN_FONT_PX),
        t_spec.get("line_spacing", 0.0),
        t_spec.get("max_lines"),
    )
    blocks = [("title", title, y, width)]
    s_y = y + title.height + s_gap if title.lines else y
    if summary and bottom - s_y > 0:
        fitted = fit_text(
            summary,
            th.fonts[s_spec.get("font", "regular")],
            width,
            bottom - s_y,
            s_lo,
            _px(s_spec["max"], unit, MIN_FONT_PX),
            s_spec.get("line_spacing", 0.0),
            s_spec.get("max_lines"),
        )
        blocks.append(("summary", fitted, s_y, width))
    return blocks


def set_text(text, font_path, size, width, line_spacing=0.0):
    """`text` wrapped by words at exactly `size` into lines no wider than `width`, or None when
    a word alone is wider. Normalised and stripped of what the font cannot draw, as fit_text."""
    font_path = str(font_path)
    text = _drawable(text, font_path)
    lines = _wrap(_metrics(font_path, size), text.split(" "), width) if text else []
    if lines is None:
        return None
    above, below = line_extents(font_path, size)
    return FittedText(text, font_path, size, tuple(lines), above, below, round(line_spacing * size), False)


def _fit_body_together(content, th, shape, unit, x0, y, x1, bottom, narrow):
    """Title and summary sized together so that they fill the text column: the summary at the
    largest size in [summary.min, summary.max] at which both fit, the title in the same
    proportion (title.max ÷ summary.max times the summary's size, within its own [min, max]);
    a title alone at the largest size in its [min, max]. Each block is as wide as the column
    while it ends above narrow's y, else only as wide as narrow's x1 allows (the text beside a
    QR code). When even the smallest sizes do not fit, _fit_body_apart cuts the summary.
    Returns [(role, fitted, top, width), …]."""
    t_spec, s_spec = shape["title"], shape["summary"]
    t_font, s_font = th.fonts[t_spec.get("font", "bold")], th.fonts[s_spec.get("font", "regular")]
    t_lo, t_hi = _px(t_spec["min"], unit, MIN_FONT_PX), _px(t_spec["max"], unit, MIN_FONT_PX)
    s_lo, s_hi = _px(s_spec["min"], unit, MIN_FONT_PX), _px(s_spec["max"], unit, MIN_FONT_PX)
    s_gap = _px(s_spec.get("gap", 0.03), unit)
    summary = normalise_text(content.summary)
    full = x1 - x0
    short = min(full, narrow[0] - x0) if narrow else full

    def place(role, text, font, size, spacing, top):
        """(role, fitted, top, width) of the text set at `size` from `top`, or None."""
        fitted = set_text(text, font, size, full, spacing)
        width = full
        if fitted is not None and narrow and top + fitted.height > narrow[1] and short < full:
            fitted, width = set_text(text, font, size, short, spacing), short
        if fitted is None or top + fitted.height > bottom:
            return None
        return role, fitted, top, width

    def attempt(t_size, s_size):
        title = place("title", content.title, t_font, t_size, t_spec.get("line_spacing", 0.0), y)
        if title is None:
            return None
        if not summary:
            return [title]
        s_y = y + title[1].height + s_gap if title[1].lines else y
        text = place("summary", summary, s_font, s_size, s_spec.get("line_spacing", 0.0), s_y)
        return None if text is None else [title, text]

    if summary:
        lo, hi = s_lo, s_hi

        def sizes(s):
            return min(t_hi, max(t_lo, round(s * t_hi / s_hi))), s

    else:
        lo, hi = t_lo, t_hi

        def sizes(t):
            return t, s_lo

    best = attempt(*sizes(hi))
    if best is None:
        hi -= 1
        while lo <= hi:  # the largest size that fits (a larger one never fits better)
            mid = (lo + hi) // 2
            found = attempt(*sizes(mid))
            if found is None:
                hi = mid - 1
            else:
                best, lo = found, mid + 1
    return best or _fit_body_apart(content, th, shape, unit, x0, y, x1, bottom, narrow)


# --- pictures -------------------------------------------------------------------------------


def unreadable_message(path):
    return f"Không đọc được tệp ảnh «{Path(path).name}»: tệp không tồn tại hoặc không mở được."


def _broken_message(path):
    return f"Tệp «{Path(path).name}» không phải là ảnh hoặc đã bị hỏng (có thể tải lên chưa hết); hãy tải lại ảnh."


@functools.cache
def _register_heif():
    try:  # HEIC photos from phones, as Wagtail accepts them
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


_PICTURES = {}  # (path, mtime_ns, size, inode, width, height, background) → fitted picture
_PICTURES_LOCK = threading.Lock()


def load_picture(path, width, height, background=(0, 0, 0), fit="cover") -> Image.Image:
    """The picture at `path`, upright (EXIF orientation), in sRGB, at exactly width×height:
    cover-cropped (centred) with `fit="cover"`, or whole and centred over a blurred, darkened
    copy of itself with `fit="contain"`. SlideError if it cannot be used.

    The last few results are kept per process, keyed by the file's path, modification time,
    size and inode (the same picture on many boards of one size, or a slide rendered again
    as a video frame). The result is shared: do not modify it."""
    try:
        st = Path(path).stat()
    except OSError:
        raise SlideError(unreadable_message(path)) from None
    key = (str(path), st.st_mtime_ns, st.st_size, st.st_ino, width, height, tuple(background), fit)
    with _PICTURES_LOCK:
        cached = _PICTURES.pop(key, None)
        if cached is not None:
            _PICTURES[key] = cached  # most recent last
            return cached
    picture = _load_picture(path, width, height, background, fit)
    with _PICTURES_LOCK:
        _PICTURES[key] = picture
        while len(_PICTURES) > PICTURE_CACHE_SIZE:
            _PICTURES.pop(next(iter(_PICTURES)))
    return picture


def clear_caches():
    """Forget fitted pictures, fonts, metrics and QR codes (benchmarks; tests)."""
    with _PICTURES_LOCK:
        _PICTURES.clear()
    for cached in (get_font, has_glyph, line_extents, _metrics, _qr_matrix, qr_image, _load_theme):
        cached.cache_clear()


def _load_picture(path, width, height, background, fit="cover"):
    _register_heif()
    name = Path(path).name
    try:
        image = Image.open(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise SlideError(unreadable_message(path)) from None
    except Image.DecompressionBombError:
        raise SlideError(f"Ảnh «{name}» quá lớn (tối đa {MAX_PICTURE_PIXELS // 1_000_000} megapixel).") from None
    except Exception:  # noqa: BLE001 - UnidentifiedImageError, or a header Pillow cannot parse
        raise SlideError(_broken_message(path)) from None
    with image:
        iw, ih = image.size
        if iw < 1 or ih < 1:
            raise SlideError(_broken_message(path))
        if iw * ih > MAX_PICTURE_PIXELS:
            raise SlideError(
                f"Ảnh «{name}» quá lớn ({iw}×{ih}, {iw * ih / 1e6:.0f} megapixel; tối đa "
                f"{MAX_PICTURE_PIXELS // 1_000_000} megapixel). Hãy thu nhỏ ảnh rồi tải lại."
            )
        if max(iw, ih) > MAX_PICTURE_RATIO * min(iw, ih):
            raise SlideError(
                f"Ảnh «{name}» có tỉ lệ bất thường ({iw}×{ih}, quá {MAX_PICTURE_RATIO:.0f}:1), không dùng làm trang trình chiếu được."
            )
        try:
            with truncated_images_refused():  # a PNG's getexif() decodes the whole picture
                orientation = image.getexif().get(0x0112, 1)
        except Exception:  # noqa: BLE001 - a broken EXIF block counts as no rotation
            orientation = 1
        if image.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the box (or,
            # contained, still fills it along its longer side).
            tw, th = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
            scale = min(tw / iw, th / ih) if fit == "contain" else max(tw / iw, th / ih)
            if scale < 1:
                image.draft(None, (math.ceil(iw * scale), math.ceil(ih * scale)))
        try:
            with truncated_images_refused():
                image.load()
        except Exception:  # noqa: BLE001 - truncated or corrupt data: OSError, SyntaxError, struct.error…
            raise SlideError(_broken_message(path)) from None
        icc_profile = image.info.get("icc_profile")
        try:
            image = ImageOps.exif_transpose(image)
        except Exception:  # noqa: BLE001 - a broken EXIF block: keep the picture as stored
            pass
        if image.mode.startswith("I"):  # 16-bit grey: scale to 8 bits (converting would clip)
            image = image.convert("I").point(lambda v: v / 256).convert("L")
        if image.has_transparency_data:
            rgba = image.convert("RGBA")
            image = Image.alpha_composite(Image.new("RGBA", rgba.size, (*background, 255)), rgba)
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        fitted = _contain(image, width, height) if fit == "contain" else _cover(image, width, height)
        if icc_profile and fitted.mode in ("RGB", "CMYK"):
            fitted = _to_srgb(fitted, icc_profile)
        return fitted.convert("RGB")


def _cover(image, width, height):
    """Centre-crop to the box's aspect and scale to its size, as ImageOps.fit does: OpenCV's
    area averaging when shrinking (sharp, no ringing, ~6× faster than Pillow's LANCZOS on a
    photo), bicubic when enlarging."""
    iw, ih = image.size
    target = width / height
    if iw / ih > target:  # too wide: crop the sides
        cw, ch = round(ih * target), ih
    else:
        cw, ch = iw, round(iw / target)
    left, top = (iw - cw) // 2, (ih - ch) // 2
    mode = image.mode
    if mode not in ("RGB", "L"):
        image, mode = image.convert("RGB"), "RGB"
    pixels = np.asarray(image)[top : top + ch, left : left + cw]
    shrinking = cw >= width and ch >= height
    scaled = cv2.resize(
        np.ascontiguousarray(pixels), (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    )
    return Image.fromarray(scaled, mode)


def _contain(image, width, height):
    """The whole picture, scaled to fit the box and centred; the rest of the box is the picture
    cover-cropped, blurred and darkened (a backdrop that belongs to it, never a crop of its
    content). Deterministic: OpenCV resizing and blurring with fixed parameters, integer
    darkening."""
    iw, ih = image.size
    scale = min(width / iw, height / ih)
    fw, fh = max(1, min(width, round(iw * scale))), max(1, min(height, round(ih * scale)))
    if (fw, fh) == (width, height):  # same shape as the box: nothing to letterbox
        return _cover(image, width, height)
    if image.mode != "RGB":
        image = image.convert("RGB")
    pixels = np.ascontiguousarray(np.asarray(image))
    front = cv2.resize(pixels, (fw, fh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    small = (max(1, width // BACKDROP_SHRINK), max(1, height // BACKDROP_SHRINK))
    back = cv2.GaussianBlur(np.asarray(_cover(image, *small)), (0, 0), BACKDROP_SIGMA, borderType=cv2.BORDER_REFLECT)
    back = cv2.resize(back, (width, height), interpolation=cv2.INTER_LINEAR)
    back = ((back.astype(np.uint16) * BACKDROP_LEVEL) >> 8).astype(np.uint8)
    x, y = (width - fw) // 2, (height - fh) // 2
    back[y : y + fh, x : x + fw] = front
    return Image.fromarray(back, "RGB")


def _to_srgb(image, icc_profile):
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable or mismatched profile: keep the values as they are


@functools.cache
def _srgb_profile():
    return ImageCms.createProfile("sRGB")


# --- drawing --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def qr_image(url, module, dark=(0, 0, 0), light=(255, 255, 255)) -> Image.Image:
    """The QR code of `url` (error correction M, 4-module quiet zone included), each module
    exactly module×module px: built at one pixel a module and enlarged by an integer factor
    with NEAREST, so no edge is blurred. Cached: do not modify the result."""
    matrix = _qr_matrix(url)
    n = len(matrix)
    mask = Image.frombytes("L", (n, n), bytes(255 if v else 0 for row in matrix for v in row))
    mask = mask.resize((n * module, n * module), Image.Resampling.NEAREST)
    image = Image.new("RGB", mask.size, light)
    image.paste(dark, (0, 0, *mask.size), mask)
    return image


def draw_text_block(draw: ImageDraw.ImageDraw, block: TextBlock):
    font = block.fitted.font
    for line, origin in zip(block.fitted.lines, block.origins()):
        draw.text(origin, line, font=font, fill=block.colour, anchor="ls")


def draw_plan(plan: SlidePlan, picture_path=None) -> Image.Image:
    canvas = Image.new("RGB", (plan.width, plan.height), plan.background)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "1" if plan.crisp_text else "L"
    for box, colour in plan.rects:
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
    if plan.picture and picture_path:
        x0, y0, x1, y1 = plan.picture
        picture = load_picture(picture_path, x1 - x0, y1 - y0, plan.picture_background, plan.picture_fit)
        canvas.paste(picture, (x0, y0))
    if plan.qr:
        box, module, url = plan.qr
        canvas.paste(qr_image(url, module, *plan.qr_colours), box[:2])
    for block in plan.texts:
        draw_text_block(draw, block)
    return canvas


def render_slide_image(content: SlideContent, width: int, height: int, theme: str = DEFAULT_THEME) -> Image.Image:
    """The slide as a new RGB PIL image of exactly width×height (the video encoder's frames)."""
    return draw_plan(plan_slide(content, width, height, theme), content.image_path)


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes of an RGB image with fixed options: 8-bit RGB, zlib level PNG_COMPRESSION with
    the RLE strategy, the UP filter on every row, no interlacing, and nothing but IHDR, IDAT
    and IEND (no time, text, gamma or colour-profile chunks), so the same pixels always give
    the same bytes."""
    import cv2
    import numpy as np

    if image.mode != "RGB":
        image = image.convert("RGB")
    bgr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(
        ".png",
        bgr,
        [
            cv2.IMWRITE_PNG_COMPRESSION,
            PNG_COMPRESSION,
            cv2.IMWRITE_PNG_STRATEGY,
            cv2.IMWRITE_PNG_STRATEGY_RLE,
            cv2.IMWRITE_PNG_FILTER,
            cv2.IMWRITE_PNG_FILTER_UP,
        ],
    )
    if not ok:  # pragma: no cover - OpenCV fails only when out of memory
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def render_slide(content: SlideContent, width: int, height: int, theme: str = DEFAULT_THEME) -> bytes:
    """PNG bytes (RGB) of exactly width×height; identical bytes for identical inputs.
    ValueError for a bad size/theme/kind/priority, SlideError for an unusable picture."""
    return encode_png(render_slide_image(content, width, height, theme))
