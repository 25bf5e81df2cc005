"""What a board slide shows, and the key that says whether it must be rendered again.

`SlideContent` is everything the renderer (boards/rendering.py) reads from the content; the
caller fills it from a page, an announcement or an uploaded picture, with the date already
written out (rendering never reads the clock). `cache_key(content, width, height, theme)` is
a sha256 over everything that influences the pixels, so a slide whose key is unchanged
need not be rendered again (boards.models.SlideCache).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

KINDS = ("announcement", "news", "image")
PRIORITIES = ("normal", "priority", "emergency")
# How a picture fills its box: "cover" crops it to fill the box (the default), "contain" shows
# all of it, letterboxed over a blurred copy of itself (posters and pictures with text in them).
PICTURE_FITS = ("cover", "contain")


@dataclass(frozen=True)
class SlideContent:
    kind: str  # "announcement" | "news" | "image" (an uploaded picture shown full-bleed, no text)
    title: str
    summary: str = ""  # one or two sentences; may be empty
    priority: str = "normal"  # "normal" | "priority" | "emergency"
    image_path: str | None = None  # local path of the original image file (news featured image or uploaded slide)
    qr_url: str | None = None  # the item's page on its commune site
    header: str = ""  # the unit, e.g. "UBND xã An Trường" (shown in the header band)
    date_label: str = ""  # e.g. "Thứ Hai, 23/11/2026" (passed in: rendering never reads the clock)
    footer: str = ""  # e.g. the site's hostname
    picture_fit: str = "cover"  # one of PICTURE_FITS: crop the picture to its box, or show it whole


def file_sha256(path) -> str:
    """sha256 hex of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key(content: SlideContent, width: int, height: int, theme: str = "default") -> str:
    """sha256 hex of everything that influences the pixels of `render_slide(content, width,
    height, theme)`: the content's fields, the picture's bytes (read from the file, not its
    path or date), the size, the theme name, the bytes of the theme's layout file(s) and of
    its fonts, RENDERER_VERSION and the versions of the libraries that draw and encode
    (Pillow, FreeType, LittleCMS, OpenCV, qrcode): upgrading one re-renders each slide once.

    The picture counts only where the slide shows it (every shape but the tiny LED one, and
    any shape for kind "image"); its path is left out, so a copy of the same file elsewhere
    gives the same key. Its fit counts only where the picture is shown and the fit is not the
    default "cover", so a slide that crops its picture keeps the key it had before fits
    existed. Raises ValueError for a size or theme the renderer refuses and SlideError when
    the picture the slide shows cannot be read.
    """

    from boards import rendering  # rendering imports this module (SlideContent, KINDS)

    theme_obj = rendering.load_theme(theme)
    rendering.check_size(width, height)
    fields = dataclasses.asdict(content)
    image_path = fields.pop("image_path")
    picture_fit = fields.pop("picture_fit", "cover")
    picture = None
    if image_path and rendering.shows_picture(content, width, height, theme_obj):
        try:
            picture = file_sha256(image_path)
        except OSError:
            raise rendering.SlideError(rendering.unreadable_message(image_path)) from None
    parts = {
        "renderer": rendering.RENDERER_VERSION,
        "libraries": rendering.library_versions(),
        "content": fields,
        "picture": picture,
        "size": [int(width), int(height)],
        "theme": theme,
        "files": [[name, digest] for name, digest in theme_obj.file_digests],
    }
    if picture is not None and picture_fit != "cover":
        parts["picture_fit"] = picture_fit
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
