"""Photos citizens attach to a question or field report: checked by content, stored clean.

``clean_photo`` trusts neither the file name nor the declared content type. It accepts a
JPEG, PNG or WEBP image of at most INQUIRY_PHOTO_MAX_BYTES and 40 million pixels (the size
is read from the header, so a tiny file declaring a huge image is refused before anything is
decoded), keeps only the first frame, applies the EXIF orientation, flattens transparency onto
white, converts to sRGB, fits it within 2560 px and re-encodes it as a JPEG without any
metadata: no EXIF (GPS position, camera, time), XMP, ICC profile or comment. Whatever goes
wrong inside Pillow becomes a ValidationError with a Vietnamese message naming the file.
"""

import math
import re
import uuid
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.images import truncated_images_refused

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
JPEG_QUALITY = 85

_ACCEPTED_TEXT = "JPEG, PNG hoặc WEBP"
_HEIC_HINT = (
    " Trên iPhone, chọn Cài đặt › Camera › Định dạng › “Tương thích nhất”, "
    "hoặc chụp màn hình ảnh rồi gửi ảnh chụp màn hình."
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_photo(uploaded) -> ContentFile:
    """Check the uploaded image and return it re-encoded as ``<uuid4 hex>.jpg``.

    Raises ValidationError (codes: photo_empty, photo_too_large, photo_format,
    photo_too_many_pixels, photo_broken).
    """
    name = _display_name(getattr(uploaded, "name", None))
    max_bytes = getattr(settings, "INQUIRY_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(name, size, max_bytes)
    uploaded.seek(0)
    data = uploaded.read(max_bytes + 1)  # never more than the limit, whatever `size` said
    if len(data) > max_bytes:
        raise _too_large(name, max(size or 0, len(data)), max_bytes)
    if not data:
        raise ValidationError(f"Tệp “{name}” trống (0 byte), vui lòng chọn lại ảnh.", code="photo_empty")

    try:
        with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            width, height = probe.size  # from the header; nothing decoded yet
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"Ảnh “{name}” quá lớn ({_thousands(width)} × {_thousands(height)} điểm ảnh); "
                    f"tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh.",
                    code="photo_too_many_pixels",
                )
            probe.verify()
        with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            jpeg = _reencode(image)
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise _not_accepted(name, _sniff(data)) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard, for sizes far beyond ours (the warning only when made an error).
        raise ValidationError(
            f"Ảnh “{name}” quá lớn; tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh.", code="photo_too_many_pixels"
        ) from None
    except Exception:  # noqa: BLE001 - truncated or corrupt data: Pillow raises OSError, SyntaxError, struct.error…
        raise _broken(name) from None
    return ContentFile(jpeg, name=f"{uuid.uuid4().hex}.jpg")


def _reencode(image) -> bytes:
    if image.format == "JPEG" and max(image.size) > MAX_SIDE:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves MAX_SIDE.
        scale = MAX_SIDE / max(image.size)
        image.draft(None, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    with truncated_images_refused():  # core/images.py: WeasyPrint lets cut-off files through
        image.load()  # the first frame only: animations are not kept
    icc_profile = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode.startswith("I"):  # 16-bit grey PNG: scale to 8 bits (converting would clip)
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    image = image.convert("RGB")  # a new image: nothing of the original's `info` comes along
    image.info.clear()
    out = BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _to_srgb(image, icc_profile):
    """Colours as the embedded profile meant them, in sRGB (what a JPEG without one implies)."""
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unusable or mismatched profile: keep the pixel values as they are


def _sniff(data):
    """What the first bytes say the file is, for the error message only."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIC"
        if brand in (b"avif", b"avis"):
            return "AVIF"
        return None
    for magic, kind in ((b"GIF8", "GIF"), (b"%PDF", "PDF"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP")):
        if head.startswith(magic):
            return kind
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "SVG"
    return None


def _not_accepted(name, kind):
    if kind in ACCEPTED_FORMATS:  # looks like one but Pillow cannot read it
        return _broken(name)
    if kind is None:
        return ValidationError(f"Tệp “{name}” không phải ảnh {_ACCEPTED_TEXT}.", code="photo_format")
    hint = _HEIC_HINT if kind == "HEIC" else ""
    return ValidationError(
        f"Ảnh “{name}” có định dạng {kind}, không được nhận; chỉ nhận ảnh {_ACCEPTED_TEXT}.{hint}", code="photo_format"
    )


def _broken(name):
    return ValidationError(f"Ảnh “{name}” bị hỏng hoặc không đầy đủ, vui lòng chọn ảnh khác.", code="photo_broken")


def _too_large(name, size, max_bytes):
    return ValidationError(
        f"Ảnh “{name}” quá lớn ({_megabytes(size, up=True)}); tối đa {_megabytes(max_bytes)}.", code="photo_too_large"
    )


def _megabytes(n, up=False):
    """7_549_747 → '7,2 MB', 5 MiB → '5 MB' (Vietnamese decimal comma); `up` rounds up, so
    that a size just over the limit never shows as the limit itself."""
    if n < 1024 * 1024:
        kb = n / 1024
        return f"{math.ceil(kb) if up else round(kb)} KB"
    tenths = n * 10 / (1024 * 1024)
    tenths = math.ceil(tenths) if up else round(tenths)
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth} MB" if tenth else f"{whole} MB"


def _thousands(n):
    return f"{n:,}".replace(",", ".")


def _display_name(name):
    name = _CONTROL.sub("", str(name or "")).strip().replace("\\", "/").rsplit("/", 1)[-1]
    if not name:
        return "ảnh"
    return name if len(name) <= 60 else name[:40] + "…" + name[-15:]
