"""The Vietnamese user guide (`docs/huong-dan/*.md`), rendered for the admin's “Hướng dẫn” menu.

The guide is Markdown kept in the repository, one file per reader (commune editors, moderators,
district and province staff, the IT administrator) and `README.md` as its table of contents.
This module finds the files and turns one into HTML; `core/wagtail_hooks.py` serves it.

Rendering is safe by construction and checked again: markdown-it-py renders CommonMark with raw
HTML switched off (a `<script>` in a file comes out as text) and refuses `javascript:` links,
then `sanitise` keeps only the tags and attributes a guide needs, links only to http(s), mailto,
in-page anchors and the guide's own pages. Links between files are written as in the
repository (`[…](kiem-duyet-vien.md#muc)`) and point at the admin's pages here.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from django.conf import settings
from markdown_it import MarkdownIt

from core.text import slugify_vi

INDEX_FILE = "README.md"
# Reading order of the menu; any other .md file in the folder follows, by name.
ORDER = [
    "bien-tap-vien-xa",
    "kiem-duyet-vien",
    "can-bo-huyen-tinh",
    "so-nganh-cung-cap-thong-tin",
    "van-ban-chi-dao-bao-cao",
    "chi-tieu-bo-tttt",
    "xac-thuc-hai-buoc",
    "bo-cuc-man-hinh",
    "nguon-tin-ngoai",
    "danh-sach-phat",
    "ban-do-bang-loa",
    "may-phat-vung-man-hinh",
    "dai-truyen-thanh",
    "so-dai-truyen-thanh",
    "quan-tri-he-thong",
    "lien-thong",
    "van-hanh-may-chu",
    "sao-luu",
]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MD_LINK = re.compile(r"^(?:\./)?(?P<file>[A-Za-z0-9-]+)\.md(?P<anchor>#[A-Za-z0-9_-]*)?$")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TEXT = {"p", "br", "hr", "blockquote", "pre", "code", "strong", "em", "a", "img"}
LISTS_AND_TABLES = {"ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_TAGS = HEADINGS | TEXT | LISTS_AND_TABLES
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "code": {"class"}}
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "svg", "math"}
SAFE_URL = re.compile(r"^(?:https?://|mailto:|#|/(?!/))", re.IGNORECASE)
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]+$")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


@dataclass(frozen=True)
class Guide:
    slug: str  # "" for the table of contents (README.md)
    title: str
    path: Path


def guide_dir() -> Path:
    return Path(getattr(settings, "TINCOSO_GUIDE_DIR", None) or settings.BASE_DIR / "docs" / "huong-dan")


def _title(path: Path) -> str:
    match = _HEADING.search(path.read_text(encoding="utf-8"))
    return match.group(1).strip() if match else path.stem.replace("-", " ").capitalize()


def guides() -> list[Guide]:
    """The table of contents first, then every guide in reading order; [] without the folder."""
    folder = guide_dir()
    if not folder.is_dir():
        return []
    found = {p.stem: p for p in folder.glob("*.md") if p.is_file() and SLUG.match(p.stem)}
    order = [s for s in ORDER if s in found] + sorted(s for s in found if s not in ORDER)
    index = folder / INDEX_FILE
    listed = [Guide("", _title(index), index)] if index.is_file() else []
    return listed + [Guide(slug, _title(found[slug]), found[slug]) for slug in order]


def find(slug: str) -> Guide | None:
    """The guide named by a URL slug ("" for the table of contents), or None."""
    if slug and not SLUG.match(slug):
        return None
    return next((g for g in guides() if g.slug == slug), None)


def render(text: str, link_for) -> str:
    """Markdown → safe HTML. `link_for(slug, anchor)` gives the URL of another guide page."""
    return sanitise(_markdown.render(text), link_for)


def sanitise(html: str, link_for=None) -> str:
    """Keep only what a guide needs: known tags, a few attributes, safe links; ids on headings."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        if element.decomposed:
            continue
        if element.name in DROPPED_WITH_CONTENT:
            element.decompose()
            continue
        if element.name not in ALLOWED_TAGS:
            element.unwrap()
            continue
        allowed = ALLOWED_ATTRIBUTES.get(element.name, set())
        for attribute in list(element.attrs):
            if attribute not in allowed:
                del element[attribute]
        if element.name == "code" and element.has_attr("class"):
            classes = [c for c in element["class"] if CODE_CLASS.match(c)]
            if classes:
                element["class"] = classes
            else:
                del element["class"]
        if element.name == "a" and element.has_attr("href"):
            element["href"] = _safe_link(element["href"].strip(), link_for)
            if not element["href"]:
                del element["href"]
            elif element["href"].startswith(("http://", "https://")):
                element["rel"] = "noopener noreferrer"
        if element.name == "img" and not SAFE_URL.match(element.get("src", "")):
            element.decompose()
    _anchor_headings(soup)
    return str(soup)


def _safe_link(href: str, link_for) -> str:
    match = _MD_LINK.match(href)
    if match and link_for is not None:
        slug = "" if match["file"] == INDEX_FILE[:-3] else match["file"]
        return link_for(slug, match["anchor"] or "")
    return href if SAFE_URL.match(href) else ""


def _anchor_headings(soup):
    seen = set()
    for heading in soup.find_all(["h2", "h3"]):
        base = slugify_vi(heading.get_text()) or "muc"
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        heading["id"] = anchor


def contents(html: str) -> list[tuple[str, str]]:
    """(anchor, title) of each second-level heading, for the page's own table of contents."""
    soup = BeautifulSoup(html, "html.parser")
    return [(h["id"], h.get_text()) for h in soup.find_all("h2") if h.has_attr("id")]
