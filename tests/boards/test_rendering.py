"""Slide rendering (boards/rendering.py, boards/slide.py): exact sizes, stacked Vietnamese marks
inside their boxes, fitting with an ellipsis at a word boundary, a QR code that decodes (and
none on small boards), identical bytes for identical inputs, a cache key that follows exactly
the inputs, Vietnamese errors for bad sizes and bad pictures, priority styling, layouts from
data. Pure code: no database."""

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFile, ImageOps

from boards import rendering
from boards.rendering import (
    ELLIPSIS,
    SlideError,
    draw_text_block,
    fit_text,
    get_font,
    load_picture,
    load_theme,
    plan_slide,
    render_slide,
    render_slide_image,
    text_width,
)
from boards.slide import SlideContent, cache_key

REPO = Path(__file__).resolve().parents[2]
BOLD = str(REPO / "themes/default/fonts/NotoSans-Bold.ttf")
REGULAR = str(REPO / "themes/default/fonts/NotoSans-Regular.ttf")

STACKED = "Thông báo khẩn: Lũ quét ở xã Mường Tè, Ủy ban nhân dân đề nghị ỨNG PHÓ NGAY — Ệ Ở Ữ"
SUMMARY = (
    "Do ảnh hưởng của mưa lớn kéo dài, nguy cơ lũ quét và sạt lở đất tại các bản ven suối rất cao. "
    "Đề nghị nhân dân di chuyển người và tài sản đến nơi an toàn."
)
URL = "https://an-truong.cang-long.tra-vinh.gov.vn/tin-tuc/lu-quet-o-muong-te/"
SIZES = [(192, 96), (384, 192), (1920, 1080), (1080, 1920), (1366, 768), (64, 64)]
BIG = [(1920, 1080), (1080, 1920), (1366, 768), (2560, 1080)]


def rgb(hex_colour):
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def decode(png):
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A 1600×1200 JPEG with detail (gradients and stripes), like a news photo."""
    path = tmp_path_factory.mktemp("pictures") / "photo.jpg"
    y, x = np.mgrid[0:1200, 0:1600]
    pixels = np.stack([x * 255 // 1600, y * 255 // 1200, ((x + y) // 8 % 2) * 200], axis=-1).astype("uint8")
    Image.fromarray(pixels).save(path, quality=85)
    return str(path)


def content(**fields):
    base = dict(
        kind="announcement",
        title=STACKED,
        summary=SUMMARY,
        qr_url=URL,
        header="UBND xã Mường Tè",
        date_label="Thứ Hai, 23/11/2026",
        footer="muong-te.lai-chau.gov.vn",
    )
    return SlideContent(**{**base, **fields})


# --- sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["announcement", "news", "image"])
def test_exact_size_rgb_png(size, kind, photo):
    png = render_slide(content(kind=kind, image_path=photo), *size)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    assert image.size == size and image.mode == "RGB"
    assert render_slide_image(content(kind=kind, image_path=photo), *size).size == size


def test_png_has_no_metadata_chunks(photo):
    png = render_slide(content(kind="news", image_path=photo), 1920, 1080)
    chunks, at = [], 8
    while at < len(png):
        length = struct.unpack(">I", png[at : at + 4])[0]
        chunks.append(png[at + 4 : at + 8])
        at += 12 + length
    assert set(chunks) == {b"IHDR", b"IDAT", b"IEND"}


@pytest.mark.parametrize("size", [(2048, 256), (512, 4096), (257, 2056), (7680, 960)])
def test_extreme_shapes(size, photo):
    assert decode(render_slide(content(kind="news", image_path=photo), *size)).size == size


def test_shapes_chosen_by_size():
    theme = load_theme("default")
    assert rendering.shape_for(192, 96, theme) == "tiny"
    assert rendering.shape_for(384, 192, theme) == "tiny"
    assert rendering.shape_for(2560, 1080, theme) == "wide"
    assert rendering.shape_for(1920, 1080, theme) == "landscape"
    assert rendering.shape_for(1366, 768, theme) == "landscape"
    assert rendering.shape_for(1080, 1920, theme) == "portrait"


# --- text fitting and stacked marks -----------------------------------------------------------


def test_fast_metrics_equal_freetype_measure():
    words = STACKED.split() + ["j", "f", "«Quét»", "23/11/2026", "AVAWAY", "Tỷ", "—"]
    rng = np.random.default_rng(7)
    for path in (BOLD, REGULAR):
        for size in (7, 12, 23, 41, 81, 160):
            m = rendering._metrics(path, size)
            for _ in range(60):
                line = " ".join(rng.choice(words, size=int(rng.integers(1, 8))))
                assert m.width(line) == text_width(get_font(path, size), line), (path, size, line)


def _ink_box(block, size):
    """The pixels a text block really draws, drawn alone on a blank canvas."""
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    draw_text_block(draw, rendering.TextBlock(block.role, block.box, block.fitted, 255, block.align))
    return canvas.getbbox()


@pytest.mark.parametrize("size", SIZES + [(2560, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("priority", ["normal", "emergency"])
def test_stacked_marks_stay_inside_their_boxes(size, priority, photo):
    plan = plan_slide(content(kind="news", image_path=photo, priority=priority), *size)
    assert any(t.role == "title" for t in plan.texts)
    for block in plan.texts:
        x0, y0, x1, y1 = block.box
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1], block.role
        # ImageDraw's own measure of every line, at the origin it is drawn from.
        draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        for line, origin in zip(block.fitted.lines, block.origins()):
            bx0, by0, bx1, by1 = draw.textbbox(origin, line, font=block.fitted.font, anchor="ls")
            assert x0 <= bx0 and bx1 <= x1, (block.role, line)
            assert y0 < by0 and by1 < y1, (block.role, line)
        # And the pixels: ink never on the box's first or last row, never outside it.
        ink = _ink_box(block, size)
        if ink:
            assert x0 <= ink[0] and ink[2] <= x1, block.role
            assert y0 < ink[1] and ink[3] < y1, (block.role, ink, block.box)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (192, 96), (384, 192)], ids=str)
def test_no_title_pixels_outside_the_title_box(size):
    """Render with known colours (white or black page, dark or yellow title) and look at the
    rows just above and below the title box, across its width: only background there."""
    plan = plan_slide(content(summary=""), *size)
    image = np.asarray(render_slide_image(content(summary=""), *size)).astype(int)
    title = next(t for t in plan.texts if t.role == "title")
    x0, y0, x1, y1 = title.box
    # The title's own fitted size puts marks above capitals: Ỗ-type marks within the box.
    above_top = max(0, y0 - max(4, title.fitted.size // 3))
    bands = [image[above_top:y0, x0:x1], image[y1 : min(size[1], y1 + max(4, title.fitted.size // 3)), x0:x1]]
    bg = np.array(plan.background)
    for band in bands:
        if band.size:
            assert np.abs(band - bg).max() == 0
    # Inside the box, the title's colour is there (something was drawn).
    inside = image[y0:y1, x0:x1]
    assert (np.abs(inside - np.array(title.colour)).sum(axis=-1) < 30).any()


def test_tiny_slide_tag_and_title_only_and_clear_of_the_edges():
    # The LED layout: the tag band at the top ("THÔNG BÁO"), then the title alone.
    plan = plan_slide(content(), 192, 96)
    assert [t.role for t in plan.texts] == ["label", "title"]
    assert plan.picture is None and plan.qr is None
    ((band, _colour),) = plan.rects
    assert band[:3] == (0, 0, 192)
    image = np.asarray(render_slide_image(content(), 192, 96)).astype(int)
    bg = np.array(plan.background)
    below = image[band[3] :]
    for edge in (below[-1], below[:, 0], below[:, -1]):
        assert np.abs(edge - bg).max() == 0


def test_long_summary_ends_with_ellipsis_at_a_word_boundary():
    text = " ".join([SUMMARY] * 12)
    fitted = fit_text(text, REGULAR, 600, 200, 20, 40, line_spacing=0.2)
    assert fitted.truncated and fitted.size == 20
    assert fitted.lines[-1].endswith(ELLIPSIS)
    kept = " ".join(fitted.lines)[: -len(ELLIPSIS)]
    assert text.startswith(kept)
    assert text[len(kept)] in " ,.;:"  # the cut falls between words (trailing punctuation dropped)
    assert fitted.height <= 200
    font = get_font(REGULAR, 20)
    assert all(text_width(font, line) <= 600 for line in fitted.lines)


def test_fitting_picks_the_largest_size_that_fits():
    fitted = fit_text(STACKED, BOLD, 700, 300, 10, 120)
    assert not fitted.truncated and fitted.height <= 300
    assert all(text_width(fitted.font, line) <= 700 for line in fitted.lines)
    bigger = fit_text(STACKED, BOLD, 700, 300, fitted.size + 1, fitted.size + 1)
    assert bigger.truncated  # one pixel larger no longer fits
    assert " ".join(fitted.lines) == STACKED  # nothing lost, words intact


def test_short_text_takes_the_maximum_size_and_empty_text_draws_nothing():
    assert fit_text("Họp dân", BOLD, 1000, 500, 10, 90).size == 90
    assert fit_text("   ", BOLD, 1000, 500, 10, 90).lines == ()


def test_a_word_wider_than_the_box_is_the_only_word_cut():
    word = "https://an-truong.cang-long.tra-vinh.gov.vn/tin-tuc/mot-duong-dan-rat-dai"
    fitted = fit_text(word, REGULAR, 120, 400, 14, 14)
    assert len(fitted.lines) > 1 and "".join(fitted.lines) == word
    assert all(text_width(fitted.font, line) <= 120 for line in fitted.lines)


def test_characters_the_font_lacks_are_left_out():
    with_emoji = fit_text("📢 Thông báo\u2060 khẩn 🔴", BOLD, 800, 200, 10, 60)
    assert with_emoji.lines == fit_text("Thông báo khẩn", BOLD, 800, 200, 10, 60).lines
    assert rendering.has_glyph(BOLD, "Ặ") and not rendering.has_glyph(BOLD, "📢")


def test_text_is_normalised_to_nfc(photo):
    import unicodedata

    nfd = content(title=unicodedata.normalize("NFD", STACKED), summary=unicodedata.normalize("NFD", SUMMARY))
    nfc = content(title=unicodedata.normalize("NFC", STACKED), summary=unicodedata.normalize("NFC", SUMMARY))
    assert render_slide(nfd, 1920, 1080) == render_slide(nfc, 1920, 1080)


# --- QR ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", BIG, ids=str)
def test_qr_decodes_to_the_url(size, photo):
    plan = plan_slide(content(kind="news", image_path=photo), *size)
    assert plan.qr is not None
    box, module, url = plan.qr
    assert url == URL and module >= 4 and box[2] - box[0] >= 160
    image = render_slide_image(content(kind="news", image_path=photo), *size)
    bgr = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
    decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(bgr)
    assert decoded == URL


def test_qr_modules_are_crisp():
    plan = plan_slide(content(), 1920, 1080)
    (x0, y0, x1, y1), module, _url = plan.qr
    qr = np.asarray(render_slide_image(content(), 1920, 1080))[y0:y1, x0:x1]
    assert set(np.unique(qr)) <= {0, 255}  # no blurred edge: pure black and white
    # Every module is a solid module×module square.
    blocks = qr.reshape((y1 - y0) // module, module, (x1 - x0) // module, module, 3)
    assert (blocks.min(axis=(1, 3)) == blocks.max(axis=(1, 3))).all()


@pytest.mark.parametrize("size", [(192, 96), (384, 192), (64, 64), (640, 360)], ids=str)
def test_no_qr_where_a_phone_could_not_read_it(size):
    assert plan_slide(content(), *size).qr is None
    bgr = cv2.cvtColor(np.asarray(render_slide_image(content(), *size)), cv2.COLOR_RGB2BGR)
    assert cv2.QRCodeDetector().detectAndDecode(bgr)[0] == ""


def test_no_qr_without_url():
    assert plan_slide(content(qr_url=None), 1920, 1080).qr is None


# --- determinism and the cache key ----------------------------------------------------------


def _sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size", [(384, 192), (1920, 1080), (1080, 1920)], ids=str)
def test_same_inputs_same_bytes(size, photo):
    slide = content(kind="news", image_path=photo, priority="priority")
    first = _sha(render_slide(slide, *size))
    rendering.clear_caches()  # cold fonts, metrics, pictures: still the same bytes
    assert _sha(render_slide(slide, *size)) == first
    assert _sha(render_slide(slide, *size)) == first


def test_same_bytes_in_another_process(photo):
    slide = content(kind="news", image_path=photo)
    script = (
        "import hashlib, sys; from boards.slide import SlideContent; from boards.rendering import render_slide; "
        f"print(hashlib.sha256(render_slide(SlideContent(**{slide.__dict__!r}), 1366, 768)).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _sha(render_slide(slide, 1366, 768))


def test_cache_key_follows_exactly_the_inputs(tmp_path, photo):
    picture = tmp_path / "anh.jpg"
    shutil.copy(photo, picture)
    slide = content(kind="news", image_path=str(picture))
    key = cache_key(slide, 1920, 1080)
    assert len(key) == 64 and int(key, 16) >= 0
    # Not otherwise: equal content, a copy of the picture elsewhere, a touched file.
    assert cache_key(content(kind="news", image_path=str(picture)), 1920, 1080, "default") == key
    copy = tmp_path / "ban-sao.jpg"
    shutil.copy(picture, copy)
    assert cache_key(content(kind="news", image_path=str(copy)), 1920, 1080) == key
    os.utime(picture, (1_000_000_000, 1_000_000_000))
    assert cache_key(slide, 1920, 1080) == key
    # Changes: title, size, theme, the picture's bytes.
    assert cache_key(content(kind="news", image_path=str(picture), title="Khác"), 1920, 1080) != key
    assert cache_key(slide, 1080, 1920) != key
    assert cache_key(slide, 1920, 1080, "high_contrast") != key
    Image.new("RGB", (800, 600), (10, 120, 40)).save(picture, quality=90)
    changed = cache_key(slide, 1920, 1080)
    assert changed != key
    # The key matches the pixels: re-rendering after the change gives other bytes.
    assert cache_key(slide, 1920, 1080) == changed


def test_cache_key_ignores_a_picture_the_slide_does_not_show(tmp_path, photo):
    picture = tmp_path / "anh.jpg"
    shutil.copy(photo, picture)
    slide = content(kind="news", image_path=str(picture))
    tiny = cache_key(slide, 192, 96)
    Image.new("RGB", (800, 600), "red").save(picture)
    assert cache_key(slide, 192, 96) == tiny  # the tiny LED layout shows no picture
    image_slide = content(kind="image", image_path=str(picture))
    before = cache_key(image_slide, 192, 96)
    Image.new("RGB", (800, 600), "blue").save(picture)
    assert cache_key(image_slide, 192, 96) != before  # a picture slide shows it everywhere


def test_cache_key_covers_layout_fonts_and_version(monkeypatch):
    digests = dict(load_theme("default").file_digests)
    assert set(digests) == {
        "default/boards/layouts.json",
        "default/fonts/NotoSans-Bold.ttf",
        "default/fonts/NotoSans-Regular.ttf",
    }
    key = cache_key(content(), 1920, 1080)
    monkeypatch.setattr(rendering, "RENDERER_VERSION", rendering.RENDERER_VERSION + "-next")
    assert cache_key(content(), 1920, 1080) != key


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        (63, 100),
        (100, 63),
        (7681, 1080),
        (1080, 7681),
        (1024, 127),
        (100, 801),
        (0, 0),
        (-192, 96),
        (192.0, 96),
        ("1920", 1080),
    ],
    ids=str,
)
def test_bad_sizes(size):
    with pytest.raises(ValueError, match=r"Kích thước bảng .* không hợp lệ"):
        render_slide(content(), *size)
    with pytest.raises(ValueError, match="Kích thước bảng"):
        cache_key(content(), *size)


def test_limits_are_allowed():
    for size in [(64, 64), (64, 512), (512, 64), (7680, 960), (960, 7680)]:
        rendering.check_size(*size)


def _png_header_only(path, width, height):
    """A PNG that declares width×height (no pixel data needed to read its size)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


def _bad_picture(tmp_path, which):
    if which == "text":
        path = tmp_path / "thong-bao.jpg"
        path.write_text("Đây không phải là ảnh.", encoding="utf-8")
    elif which == "thin":
        path = tmp_path / "soc.png"
        Image.new("RGB", (1, 2000), "white").save(path)
    elif which == "truncated":
        path = tmp_path / "cut.jpg"
        noise = np.random.default_rng(3).integers(0, 255, (600, 800, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(noise).save(buf, "JPEG", quality=90)
        path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif which == "huge":
        path = tmp_path / "huge.png"
        _png_header_only(path, 10_000, 6_000)  # 60 megapixels
    else:
        path = tmp_path / "khong-co.jpg"
    return str(path)


@pytest.mark.parametrize(
    "which, words",
    [
        ("text", "không phải là ảnh"),
        ("thin", "tỉ lệ bất thường"),
        ("truncated", "bị hỏng"),
        ("huge", "quá lớn"),
        ("missing", "Không đọc được"),
    ],
)
@pytest.mark.parametrize("kind", ["news", "image"])
def test_bad_pictures_raise_slide_error(tmp_path, which, words, kind):
    slide = content(kind=kind, image_path=_bad_picture(tmp_path, which))
    with pytest.raises(SlideError, match=words):
        render_slide(slide, 1920, 1080)
    with pytest.raises(SlideError):
        cache_key(slide, 1920, 1080) if which == "missing" else load_picture(slide.image_path, 100, 100)
    assert not issubclass(SlideError, ValueError)


def test_truncated_picture_refused_even_when_pillow_is_told_to_accept_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what WeasyPrint does
    with pytest.raises(SlideError):
        load_picture(_bad_picture(tmp_path, "truncated"), 400, 300)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored


def test_truncated_png_refused_even_when_pillow_is_told_to_accept_it(tmp_path, monkeypatch):
    # A PNG's getexif() decodes the whole picture: it too must run inside the guard.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what WeasyPrint does
    path = tmp_path / "cut.png"
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(4).integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(buf, "PNG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(SlideError, match="bị hỏng"):
        load_picture(str(path), 400, 300)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored


def test_image_slide_without_picture():
    with pytest.raises(SlideError, match="chưa có tệp ảnh"):
        render_slide(SlideContent(kind="image", title="Ảnh"), 1920, 1080)


@pytest.mark.parametrize("fields", [{"kind": "video"}, {"priority": "urgent"}])
def test_unknown_kind_or_priority(fields):
    with pytest.raises(ValueError):
        render_slide(content(**fields), 1920, 1080)


@pytest.mark.parametrize("theme", ["khong-co", "../default", ""])
def test_unknown_theme(theme):
    with pytest.raises(ValueError, match="Giao diện"):
        render_slide(content(), 1920, 1080, theme)


# --- pictures -------------------------------------------------------------------------------


def test_image_slide_is_the_picture_full_bleed(tmp_path):
    path = tmp_path / "slide.png"
    picture = Image.new("RGB", (1000, 1000), (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, 500, 1000))  # left half blue, right half red
    picture.save(path)
    image = np.asarray(render_slide_image(SlideContent(kind="image", title="", image_path=str(path)), 1920, 1080))
    assert tuple(image[540, 10]) == (30, 30, 200) and tuple(image[540, 1910]) == (200, 30, 30)
    assert tuple(image[0, 0]) == (30, 30, 200) and tuple(image[1079, 1919]) == (200, 30, 30)


def test_exif_orientation_applied(tmp_path):
    stored = Image.new("RGB", (400, 200), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 200, 200))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: the red half ends up on top
    path = tmp_path / "phone.jpg"
    stored.save(path, quality=95, exif=exif)
    fitted = np.asarray(load_picture(str(path), 100, 200)).astype(int)
    assert fitted[20, 50][0] > 200 and fitted[20, 50][2] < 60  # top: red
    assert fitted[180, 50][2] > 200 and fitted[180, 50][0] < 60  # bottom: blue
    same = ImageOps.fit(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), (100, 200), Image.Resampling.LANCZOS)
    assert np.abs(np.asarray(same).astype(int) - fitted).mean() < 2  # only JPEG draft decoding differs


def test_transparent_picture_and_grey_picture(tmp_path):
    rgba = tmp_path / "logo.png"
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(rgba)
    grey = tmp_path / "grey.png"
    Image.new("I;16", (300, 300), 40000).save(grey)
    assert load_picture(str(rgba), 50, 50, (1, 2, 3)).getpixel((25, 25)) == (1, 2, 3)
    assert load_picture(str(grey), 50, 50).getpixel((25, 25)) == (156, 156, 156)


# --- priority styling -------------------------------------------------------------------------


def _colours():
    layout = json.loads((REPO / "themes/default/boards/layouts.json").read_text(encoding="utf-8"))
    return layout["colours"], layout["shapes"]["tiny"]["colours"]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (2560, 1080)], ids=str)
def test_emergency_shows_the_red_band_and_label(size):
    colours, _tiny = _colours()
    normal = render_slide_image(content(priority="normal"), *size)
    emergency = render_slide_image(content(priority="emergency"), *size)
    assert normal.getpixel((2, 2)) == rgb(colours["header_background"])
    assert emergency.getpixel((2, 2)) == rgb(colours["emergency"])
    assert emergency.getpixel((size[0] - 3, 2)) == rgb(colours["emergency"])
    labels = [t.fitted.lines for t in plan_slide(content(priority="emergency"), *size).texts if t.role == "label"]
    assert labels == [("KHẨN CẤP",)]


def test_priority_label_is_amber():
    colours, _tiny = _colours()
    plan = plan_slide(content(priority="priority"), 1920, 1080)
    label = next(t for t in plan.texts if t.role == "label")
    assert label.fitted.lines == ("ƯU TIÊN",)
    chip = next(box for box, colour in plan.rects if colour == rgb(colours["priority"]))
    image = render_slide_image(content(priority="priority"), 1920, 1080)
    assert image.getpixel((chip[0] + 1, chip[1] + 1)) == rgb(colours["priority"])


@pytest.mark.parametrize("size", [(192, 96), (384, 192)], ids=str)
def test_tiny_emergency_is_red(size):
    _unused, tiny = _colours()
    image = render_slide_image(content(priority="emergency"), *size)
    assert image.getpixel((1, size[1] - 2)) == rgb(tiny["emergency"])
    assert render_slide_image(content(), *size).getpixel((1, size[1] - 2)) == rgb(tiny["background"])


def test_tiny_high_contrast_yellow_on_black():
    _unused, tiny = _colours()
    image = np.asarray(render_slide_image(content(), 384, 192)).reshape(-1, 3)
    colours = {tuple(c) for c in np.unique(image, axis=0)}
    assert rgb(tiny["background"]) in colours and rgb(tiny["title"]) in colours


# --- layouts are data -------------------------------------------------------------------------


def test_a_theme_changes_colours_and_type_without_code(tmp_path, monkeypatch):
    themes = tmp_path / "themes"
    shutil.copytree(REPO / "themes/default/boards", themes / "default/boards")
    shutil.copytree(REPO / "themes/default/fonts", themes / "default/fonts")
    (themes / "tuong-phan/boards").mkdir(parents=True)
    (themes / "tuong-phan/boards/layouts.json").write_text(
        json.dumps(
            {
                "extends": "default",
                "colours": {"header_background": "#000000", "background": "#FFFFAA"},
                "shapes": {"landscape": {"title": {"max": 0.05}}, "tiny": {"crisp_text": True}},
            }
        ),
        encoding="utf-8",
    )
    (themes / "khong-bo-cuc").mkdir()  # a theme without boards/: the default layouts
    monkeypatch.setattr(rendering, "THEMES_DIR", themes)
    rendering.clear_caches()
    try:
        base = render_slide_image(content(), 1920, 1080, "default")
        themed = render_slide_image(content(), 1920, 1080, "tuong-phan")
        assert themed.getpixel((2, 2)) == (0, 0, 0) and base.getpixel((2, 2)) != (0, 0, 0)
        assert themed.getpixel((960, 1075)) == (255, 255, 170)
        title = next(t for t in plan_slide(content(), 1920, 1080, "tuong-phan").texts if t.role == "title")
        assert title.fitted.size <= round(0.05 * 1080)
        assert render_slide(content(), 1920, 1080, "khong-bo-cuc") == render_slide(content(), 1920, 1080, "default")
        crisp = np.asarray(render_slide_image(content(), 384, 192, "tuong-phan")).reshape(-1, 3)
        # LED text without anti-aliasing: the page and title, the tag band and its words, nothing between.
        assert len(np.unique(crisp, axis=0)) == 4
        assert cache_key(content(), 1920, 1080, "tuong-phan") != cache_key(content(), 1920, 1080, "default")
    finally:
        rendering.clear_caches()


def test_text_boxes_do_not_overlap_each_other_or_the_picture_or_qr(photo):
    def overlap(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    for size in SIZES + [(2560, 1080), (3840, 2160), (1024, 1024)]:
        plan = plan_slide(content(kind="news", image_path=photo, priority="emergency"), *size)
        boxes = [t.box for t in plan.texts]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not overlap(a, b), (size, a, b)
            if plan.picture:
                assert not overlap(a, plan.picture), (size, a)
            if plan.qr:
                assert not overlap(a, plan.qr[0]), (size, a)
        if plan.qr and plan.picture:
            assert not overlap(plan.qr[0], plan.picture)
