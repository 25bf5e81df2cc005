"""Citizens' photos: accepted by content only, re-encoded as a JPEG without metadata, and every
bad file refused with a Vietnamese message instead of an error page. Images are real, made
with Pillow in memory."""

import os
import re
import resource
import struct
import time
import warnings
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageOps

from inquiries.uploads import _megabytes, clean_photo

RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)


def encode(image, fmt, **params):
    out = BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def clean(data, name="photo.jpg", **kwargs):
    """(the ContentFile, its bytes, the image they hold)"""
    result = clean_photo(upload(data, name, **kwargs))
    output = result.read()
    return result, output, Image.open(BytesIO(output))


def refusal(data, name="photo.jpg", **kwargs):
    with pytest.raises(ValidationError) as info:
        clean_photo(upload(data, name, **kwargs))
    (message,) = info.value.messages
    assert f"“{name}”" in message  # every message names the file
    return message, info.value.code


def noise(size, mode="RGB"):
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))


def two_halves(size, top, bottom):
    image = Image.new("RGB", size, top)
    image.paste(bottom, (0, size[1] // 2, size[0], size[1]))
    return image


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def png_declaring(width, height):
    """A valid PNG signature and header for a width × height image, and (almost) no data."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


# --- metadata and orientation -----------------------------------------------------------


def phone_photo():
    """300 × 200 stored pixels (red top, blue bottom) shown rotated (orientation 6), with a
    GPS position, camera make, XMP, an ICC profile and a comment."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 13"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (9.0, 56.0, 12.5), 3: "E", 4: (106.0, 20.0, 30.5)})
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="9,56.2N"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        two_halves((300, 200), RED, BLUE),
        "JPEG",
        exif=exif,
        xmp=xmp,
        icc_profile=srgb,
        comment=b"Nguyen Van A 0912345678",
        quality=95,
    )


def test_phone_photo_fixture_carries_the_metadata():
    data = phone_photo()
    source = Image.open(BytesIO(data))
    assert source.getexif().get_ifd(0x8825)[2] == (9.0, 56.0, 12.5)
    assert source.getexif()[0x0112] == 6
    assert "xmp" in source.info and "icc_profile" in source.info and b"0912345678" in data


def test_output_has_no_metadata_at_all():
    _result, data, image = clean(phone_photo())
    assert image.format == "JPEG" and image.mode == "RGB"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(0x8825) == {}
    assert b"Exif" not in data and b"GPS" not in data and b"Apple" not in data
    assert b"http://ns.adobe.com/xap/1.0/" not in data and b"xmpmeta" not in data
    assert b"ICC_PROFILE" not in data and "icc_profile" not in image.info
    assert b"0912345678" not in data and "comment" not in image.info


def test_orientation_is_applied():
    data = phone_photo()
    _result, _data, image = clean(data)
    assert image.size == (200, 300)  # width and height swapped
    # Turned a quarter clockwise: the stored top (red) is now on the right.
    assert close_to(image.getpixel((150, 150)), RED)
    assert close_to(image.getpixel((50, 150)), BLUE)
    shown = ImageOps.exif_transpose(Image.open(BytesIO(data)))
    assert close_to(image.getpixel((150, 150)), shown.getpixel((150, 150)))


def test_result_is_a_content_file_with_a_random_jpg_name():
    first, data, _image = clean(phone_photo(), name="IMG_0001.HEIC.jpg")
    second, _data, _image = clean(phone_photo(), name="IMG_0001.HEIC.jpg")
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", first.name)
    assert first.name != second.name
    assert first.size == len(data) > 0


# --- formats accepted -------------------------------------------------------------------


def test_png_with_alpha_becomes_a_jpeg_on_white():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((*GREEN, 255), (50, 0, 100, 100))
    _result, _data, out = clean(encode(image, "PNG"), name="ban-do.png", content_type="image/png")
    assert out.format == "JPEG" and out.mode == "RGB"
    assert close_to(out.getpixel((20, 50)), (255, 255, 255), 8)  # transparent → white, not black
    assert close_to(out.getpixel((80, 50)), GREEN)


def test_palette_png_with_transparency_on_white():
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    image.paste(1, (20, 0, 40, 40))
    _result, _data, out = clean(encode(image, "PNG", transparency=0), name="x.png")
    assert close_to(out.getpixel((5, 20)), (255, 255, 255), 8)
    assert close_to(out.getpixel((35, 20)), RED)


def test_webp_is_accepted():
    _result, _data, out = clean(encode(Image.new("RGB", (64, 48), BLUE), "WEBP", quality=90), name="a.webp")
    assert out.format == "JPEG" and out.size == (64, 48)
    assert close_to(out.getpixel((30, 20)), BLUE)


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animation_keeps_the_first_frame_only(fmt):
    frames = [Image.new("RGB", (60, 40), RED), Image.new("RGB", (60, 40), BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(BytesIO(data)), "n_frames", 1) == 2
    _result, _data, out = clean(data, name="dong." + fmt.lower())
    assert getattr(out, "n_frames", 1) == 1
    assert close_to(out.getpixel((30, 20)), RED)


def test_cmyk_jpeg_becomes_rgb():
    _result, _data, out = clean(encode(Image.new("CMYK", (50, 50), (0, 255, 255, 0)), "JPEG"))
    assert out.mode == "RGB"
    assert close_to(out.getpixel((25, 25)), (255, 0, 0), 60)


def test_sixteen_bit_grey_png_keeps_its_tones():
    _result, _data, out = clean(encode(Image.new("I;16", (50, 50), 32768), "PNG"), name="scan.png")
    assert close_to(out.getpixel((25, 25)), (128, 128, 128), 4)


def test_unusable_icc_profile_is_dropped_without_error():
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    data = encode(Image.new("RGB", (30, 30), GREEN), "JPEG", icc_profile=lab)
    _result, _data, out = clean(data)
    assert "icc_profile" not in out.info
    assert close_to(out.getpixel((15, 15)), GREEN)


def test_name_and_declared_type_are_ignored():
    data = encode(Image.new("RGB", (20, 20), RED), "PNG")
    _result, _data, out = clean(data, name="bao-cao.gif", content_type="image/gif")
    assert out.format == "JPEG"


# --- size -------------------------------------------------------------------------------


def test_large_photo_is_downscaled_to_2560_on_the_long_side():
    _result, _data, out = clean(encode(two_halves((4000, 3000), RED, BLUE), "JPEG", quality=80))
    assert out.size == (2560, 1920)
    assert close_to(out.getpixel((1280, 400)), RED) and close_to(out.getpixel((1280, 1500)), BLUE)


def test_tall_png_is_downscaled_too():
    _result, _data, out = clean(encode(Image.new("RGB", (1500, 3000), GREEN), "PNG"), name="doc.png")
    assert out.size == (1280, 2560)


def test_photo_within_the_limit_keeps_its_size():
    _result, _data, out = clean(encode(Image.new("RGB", (2560, 1440), GREEN), "JPEG"))
    assert out.size == (2560, 1440)


def test_too_many_bytes_is_refused(settings):
    settings.INQUIRY_PHOTO_MAX_BYTES = 2000
    data = encode(noise((100, 100)), "JPEG", quality=95)
    assert len(data) > 2000
    message, code = refusal(data, name="x.jpg")
    assert code == "photo_too_large"
    assert "quá lớn" in message and "tối đa 2 KB" in message


def test_too_large_message_uses_the_vietnamese_decimal_comma():
    message, _code = refusal(b"\xff\xd8\xff" + bytes(7_549_744), name="x.jpg")
    assert message == "Ảnh “x.jpg” quá lớn (7,2 MB); tối đa 5 MB."


def test_size_is_measured_not_believed(settings):
    settings.INQUIRY_PHOTO_MAX_BYTES = 2000
    uploaded = upload(encode(noise((100, 100)), "JPEG", quality=95))
    uploaded.size = 10  # what a lying client or a custom upload handler might report
    with pytest.raises(ValidationError) as info:
        clean_photo(uploaded)
    assert info.value.code == "photo_too_large"


@pytest.mark.parametrize(
    "n, up, text",
    [
        (7_549_747, True, "7,2 MB"),
        (5 * 1024 * 1024, False, "5 MB"),
        (5 * 1024 * 1024 + 1, True, "5,1 MB"),
        (int(2.5 * 1024 * 1024), False, "2,5 MB"),
        (2000, False, "2 KB"),
        (1500, True, "2 KB"),
    ],
)
def test_megabytes(n, up, text):
    assert _megabytes(n, up=up) == text


def rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.mark.parametrize("width, height", [(50_000, 50_000), (8000, 6000), (10_000, 10_000)])
def test_huge_declared_dimensions_are_refused_without_decoding(width, height):
    data = png_declaring(width, height)
    assert len(data) < 100
    before, started = rss_kib(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # Pillow's, at 89 MP
        message, code = refusal(data, name="ban-do.png")
    assert time.perf_counter() - started < 1
    assert rss_kib() - before < 100 * 1024  # the image (up to 7.5 GB) was never allocated
    assert code == "photo_too_many_pixels"
    assert "quá lớn" in message and "tối đa 40 triệu điểm ảnh" in message


def test_pixel_limit_message_gives_the_dimensions():
    message, _code = refusal(png_declaring(8000, 6000), name="a.png")
    assert message == "Ảnh “a.png” quá lớn (8.000 × 6.000 điểm ảnh); tối đa 40 triệu điểm ảnh."


def test_pillow_bomb_warning_made_an_error_is_still_a_refusal():
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        _message, code = refusal(png_declaring(10_000, 10_000), name="a.png")
    assert code == "photo_too_many_pixels"


# --- refused content --------------------------------------------------------------------


def test_script_named_jpg_is_refused():
    message, code = refusal(b"<script>alert('x')</script>\n", name="photo.jpg")
    assert code == "photo_format"
    assert message == "Tệp “photo.jpg” không phải ảnh JPEG, PNG hoặc WEBP."


def test_zero_bytes_is_refused():
    message, code = refusal(b"", name="anh.jpg")
    assert code == "photo_empty" and "trống" in message


def test_truncated_jpeg_is_refused():
    data = encode(noise((400, 300)), "JPEG", quality=90)
    message, code = refusal(data[: len(data) * 6 // 10], name="cut.jpg")
    assert code == "photo_broken"
    assert message == "Ảnh “cut.jpg” bị hỏng hoặc không đầy đủ, vui lòng chọn ảnh khác."


def test_truncated_png_is_refused():
    data = encode(noise((200, 200)), "PNG")
    _message, code = refusal(data[: len(data) // 2], name="cut.png")
    assert code == "photo_broken"


def test_jpeg_cut_in_its_header_is_refused():
    data = encode(noise((50, 50)), "JPEG")
    _message, code = refusal(data[:40], name="cut.jpg")
    assert code == "photo_broken"


def test_gif_is_refused():
    frames = [Image.new("P", (20, 20), 1), Image.new("P", (20, 20), 2)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    message, code = refusal(data, name="vui.gif", content_type="image/gif")
    assert code == "photo_format"
    assert message == "Ảnh “vui.gif” có định dạng GIF, không được nhận; chỉ nhận ảnh JPEG, PNG hoặc WEBP."


def test_heic_is_refused_with_a_hint_for_iphones():
    pillow_heif = pytest.importorskip("pillow_heif")
    out = BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 48), RED)).save(out, quality=50)
    message, code = refusal(out.getvalue(), name="IMG_1234.HEIC", content_type="image/heic")
    assert code == "photo_format"
    assert "định dạng HEIC" in message and "JPEG, PNG hoặc WEBP" in message and "iPhone" in message


@pytest.mark.parametrize("fmt, kind", [("BMP", "BMP"), ("TIFF", "TIFF"), ("PDF", "PDF")])
def test_other_image_formats_are_refused(fmt, kind):
    message, code = refusal(encode(Image.new("RGB", (20, 20), RED), fmt), name="x.jpg")
    assert code == "photo_format" and f"định dạng {kind}" in message


def test_svg_is_refused():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    message, code = refusal(svg, name="logo.png", content_type="image/png")
    assert code == "photo_format" and "định dạng SVG" in message


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(3000),
        b"\xff\xd8\xff\xe0" + os.urandom(2000),  # JPEG markers, then noise
        b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing else
        png_declaring(100, 100)[:-12] + b"\x00" * 12,  # bad IEND
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(17),  # zero-sized, bad CRC
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8),
        b"PK\x03\x04" + bytes(26),  # a zip (or .docx)
        "Ảnh chụp hiện trường".encode(),
    ],
)
def test_garbage_never_escapes_as_an_exception(data):
    with pytest.raises(ValidationError) as info:
        clean_photo(upload(data, "x.jpg"))
    assert info.value.code in {"photo_format", "photo_broken", "photo_too_many_pixels"}


def test_file_name_in_messages_is_short_and_without_path():
    long_name = "C:\\Users\\dan\\Pictures\\" + "a" * 100 + ".jpg"
    with pytest.raises(ValidationError) as info:
        clean_photo(upload(b"not an image", long_name))
    (message,) = info.value.messages
    assert "Users" not in message and "…" in message and len(message) < 130


def test_truncated_jpeg_is_refused_even_once_weasyprint_is_loaded():
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported (for the PDFs).
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    data = encode(noise((400, 300)), "JPEG", quality=90)
    _message, code = refusal(data[: len(data) * 6 // 10], name="cut.jpg")
    assert code == "photo_broken"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as WeasyPrint wants it
