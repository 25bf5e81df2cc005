"""PDFs for printing (WeasyPrint): any news, announcement or document page, and the weekly
bulletin of a commune's announcements for the paper notice board.

Both are laid out like a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP): the
agency on the left, the national name and motto on the right, the place and date under them,
then the kind of text and its title — the kind once: a title that starts with it ("Kế hoạch tổ
chức …" under KẾ HOẠCH) is printed without it ("Tổ chức …"). A QR code leads back to the page
on its own site.

The PDF depends on nothing outside the project: the font (Noto Sans, OFL, in
themes/default/fonts/) is loaded by @font-face from a file:// URL, and the URL fetcher given to
WeasyPrint reads only the theme's fonts and images, uploaded media (through the storage) and
data: URLs; it never goes to the network, not even to the site itself. With no creation date
and no random identifier in it, the same page gives the same bytes.
"""

import base64
import mimetypes
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import qrcode
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from areas.context_processors import _chrome
from cms_pages.models import AnnouncementPage
from core.text import fold_key, slugify_vi

THEME_DIR = Path(settings.THEMES_DIR) / "default"
FONTS_DIR = THEME_DIR / "fonts"
FONT_FAMILY = "Noto Sans"
FONT_REGULAR = FONTS_DIR / "NotoSans-Regular.ttf"
FONT_BOLD = FONTS_DIR / "NotoSans-Bold.ttf"
EMBLEM = THEME_DIR / "static" / "img" / "quoc-huy.svg"

NATION = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
QR_CAPTION_LINES = ("Quét mã để xem", "bản điện tử")
QR_CAPTION = " ".join(QR_CAPTION_LINES)

# The most announcements one bulletin lists (a notice board, not an archive).
BULLETIN_LIMIT = 200

# The kind printed above the title; a legal document prints its own type (Kế hoạch, Quyết định …).
KIND_HEADINGS = {"news": "Tin tức - sự kiện", "announcement": "Thông báo", "alert": "Cảnh báo khẩn cấp"}


# --- Responses ---------------------------------------------------------------------------


def page_pdf_response(request, page):
    """`<page URL>in/`: a news, announcement or legal document page as an A4 PDF."""
    page = page.specific
    if not page.live:
        raise Http404("Trang chưa được xuất bản")
    # Each printable page type says which layout it prints with (PrintableMixin.print_kind).
    kind = getattr(page, "print_kind", None)
    if kind is None:
        raise Http404("Trang này không có bản in")

    url = page.get_full_url(request)
    header = document_header(request, _page_date(page, kind))
    if kind == "document" and fold_key(page.issuer) == fold_key(header["agency"]):
        # The commune's own document: its number and date go where the original has them.
        header["number"] = page.number_symbol
        header["date_line"] = _date_line(header["place"], page.issue_date)
    heading, excerpt = heading_and_excerpt(KIND_HEADINGS.get(kind) or page.type_label, page.title)
    context = {
        "page": page,
        "kind": kind,
        "heading": heading,
        "excerpt": excerpt,
        "header": header,
        "url": url,
        "qr": qr_svg_data_uri(url),
        "qr_caption_lines": QR_CAPTION_LINES,
        **_assets(),
    }
    html = render_to_string("print/page.html", context, request=request)
    return pdf_response(render_pdf(html, base_url=url), f"{ascii_filename(page.slug)}.pdf")


def weekly_bulletin_response(request, index_page):
    """`<announcements index URL>ban-tin-tuan/?tuan=2026-W47`: the announcements valid at any
    moment of that ISO week (default: this week), most urgent first, as an A4 PDF."""

    try:
        monday = parse_iso_week(request.GET.get("tuan", ""), timezone.localdate())
    except ValueError:
        value = request.GET.get("tuan", "")
        return HttpResponse(
            f"Tuần không hợp lệ: «{value[:40]}». Hãy ghi tuần theo ISO 8601, dạng năm-W-số tuần, "
            f"ví dụ ?tuan=2026-W47 (tuần 47 năm 2026; số tuần từ 01 đến 52 hoặc 53).",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = week_window(monday)
    year, week, _ = monday.isocalendar()
    announcements = list(
        AnnouncementPage.objects.child_of(index_page)
        .live()
        .filter(valid_from__lt=end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=start))
        .by_priority()[:BULLETIN_LIMIT]
    )
    items = []
    for item in announcements:
        item_url = item.get_full_url(request)
        items.append({"page": item, "url": item_url, "qr": qr_svg_data_uri(item_url)})

    index_url = index_page.get_full_url(request)
    context = {
        "page": index_page,
        "header": document_header(request, monday),
        "items": items,
        "year": year,
        "week": week,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "url": index_url,
        **_assets(),
    }
    html = render_to_string("print/weekly_bulletin.html", context, request=request)
    home = context["header"]["home"]
    prefix = ascii_filename(home.slug, "") if home is not None else ""
    filename = "-".join(p for p in ["ban-tin-tuan", prefix, f"{year}-W{week:02d}"] if p) + ".pdf"
    return pdf_response(render_pdf(html, base_url=index_url), filename)


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Pure helpers ----------------------------------------------------------------------------


WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE | re.ASCII)


def parse_iso_week(value, today):
    """'2026-W47' → the Monday of that ISO week; '' → this week's Monday. ValueError if bad."""
    value = (value or "").strip()
    if not value:
        return today - timedelta(days=today.weekday())
    match = WEEK_RE.match(value)
    if not match:
        raise ValueError(value)
    year, week = int(match[1]), int(match[2])
    if not 1900 <= year <= 9998:
        raise ValueError(value)
    return date.fromisocalendar(year, week, 1)  # ValueError for week 0, 54, or 53 in a 52-week year


def week_window(monday):
    """[Monday 00:00, next Monday 00:00) in the site's time zone, as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(monday, time.min), tz)
    end = timezone.make_aware(datetime.combine(monday + timedelta(days=7), time.min), tz)
    return start, end


def ascii_filename(slug, default="ban-in"):
    """A filename part safe in any Content-Disposition header: ASCII letters, digits, '-'."""
    return slugify_vi(slug or "")[:80].strip("-") or default


_LEADING_SEPARATORS = re.compile(r"^[\s:;,.\-–—]+")


def heading_and_excerpt(kind_name, title):
    """('KẾ HOẠCH', 'Tổ chức Ngày hội …') from ('Kế hoạch', 'Kế hoạch tổ chức Ngày hội …'): the
    kind in capitals as the heading, and the title without the kind's words when it starts with
    them (in any case, either tone placement: Hoà/Hòa), its first letter capitalised ("v/v …" →
    "V/v …"); '' when the title is the kind alone. Any other title stays whole."""
    heading = kind_name.upper()
    words = title.split()
    count = len(kind_name.split())
    if not count or len(words) < count:
        return heading, title
    first = [word.rstrip(":;,.-–—") for word in words[:count]]
    if [_word_key(w) for w in first] != [_word_key(w) for w in kind_name.split()]:
        return heading, title
    rest = title.split(None, count)[count] if len(words) > count else ""
    rest = _LEADING_SEPARATORS.sub("", rest).strip()
    return heading, rest[:1].upper() + rest[1:]


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


def _word_key(word):
    """A Vietnamese word compared whatever its case and wherever its tone mark sits: the letters
    (ê, ô, ơ, ư, â, ă, đ kept) and the tone. 'Hoà' and 'Hòa' are equal; 'Báo' and 'Bão' are not."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    letters = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return letters, "".join(sorted(ch for ch in decomposed if ch in _TONE_MARKS))


def vietnamese_date(day):
    """'ngày 05 tháng 02 năm 2026', 'ngày 16 tháng 11 năm 2026': as on administrative documents,
    a zero before days under 10 and before months 1 and 2."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def agency_lines(agency):
    """'Uỷ ban nhân dân xã An Trường' → ['UỶ BAN NHÂN DÂN', 'XÃ AN TRƯỜNG']."""
    words = agency.upper().split()
    key = fold_key(agency)
    for body in ("uy ban nhan dan ", "hoi dong nhan dan "):
        if key.startswith(body) and len(words) > 4:
            return [" ".join(words[:4]), " ".join(words[4:])]
    return [" ".join(words)] if words else []


@lru_cache(maxsize=512)
def qr_svg_data_uri(data):
    """A QR code as an SVG data: URI (vector, so it prints sharp at any size): the dark runs
    of each row merged into one rectangle, with the standard quiet zone of four modules.
    Cached: choosing the mask costs about 20 ms and a page's URL rarely changes."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                run = x
                while run < size and row[run]:
                    run += 1
                path.append(f"M{x} {y}h{run - x}v1h-{run - x}z")
                x = run
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- Header and assets --------------------------------------------------------------------------


def document_header(request, day):
    """The agency, national name and motto, place and date at the top of every print."""

    chrome = _chrome(request)
    home = chrome.home
    place = ""
    if home is not None:
        place = getattr(home, "short_name", "") or getattr(getattr(home, "area", None), "short_name", "")
    site_name = getattr(home, "site_title", "") or chrome.name
    return {
        "home": home,
        **header(
            chrome.agency,
            place,
            day,
            site_name=site_name,
            hostname=chrome.site.hostname if chrome.site else "",
            lines_of=chrome.agency or chrome.name,
        ),
    }


def header(agency, place, day, *, site_name, hostname, number="", lines_of=None):
    """The head of a printed document (themes/default/templates/print/base.html): the issuing
    agency (in lines, from `lines_of` when the agency itself may be empty), the national name and
    motto, the place and date, the site's name and host, and the document's number."""
    return {
        "agency": agency,
        "agency_lines": agency_lines(lines_of if lines_of is not None else agency),
        "nation": NATION,
        "motto": MOTTO,
        "place": place,
        "date_line": _date_line(place, day),
        "site_name": site_name,
        "hostname": hostname,
        "number": number,
    }


def _page_date(page, kind):
    """News and announcements carry their own date; a document printed by a commune that
    did not issue it is dated when the commune published it."""
    if kind == "document":
        if page.first_published_at:
            return timezone.localdate(page.first_published_at)
        return page.issue_date
    if kind == "alert":
        return timezone.localdate(page.valid_from)
    return page.date


def _date_line(place, day):
    return f"{place}, {vietnamese_date(day)}" if place else vietnamese_date(day).capitalize()


def _assets():
    return {
        "font_family": FONT_FAMILY,
        "font_regular_url": FONT_REGULAR.as_uri(),
        "font_bold_url": FONT_BOLD.as_uri(),
        "emblem_url": EMBLEM.as_uri(),
    }


# --- Rendering ---------------------------------------------------------------------------------


def render_pdf(html, base_url=None):
    """HTML → PDF bytes. Links resolve against base_url (the page's own URL), but resources
    come only through the local fetcher below."""
    # WeasyPrint is heavy and sets Pillow's LOAD_TRUNCATED_IMAGES process-wide: loaded only for a PDF
    from weasyprint import HTML

    # WeasyPrint is heavy and sets Pillow's LOAD_TRUNCATED_IMAGES process-wide: loaded only for a PDF
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    document = HTML(string=html, base_url=base_url, url_fetcher=_local_fetcher())
    return document.write_pdf(font_config=font_config)


def _local_fetcher():
    # WeasyPrint is heavy and sets Pillow's LOAD_TRUNCATED_IMAGES process-wide: loaded only for a PDF
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [THEME_DIR.resolve()]
    if getattr(settings, "MEDIA_ROOT", None):
        roots.append(Path(settings.MEDIA_ROOT).resolve())
    media_url = settings.MEDIA_URL or "/media/"

    class LocalFetcher(URLFetcher):
        """Theme files, uploaded media and data: URLs; anything else is refused (the image or
        font is then left out of the PDF and WeasyPrint logs it)."""

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                if path.is_file() and any(path.is_relative_to(root) for root in roots):
                    return super().fetch(path.as_uri(), headers)
                raise ValueError(f"Bản in không đọc tệp ngoài giao diện: {url}")
            name = _media_name(url, media_url)
            if name:
                with default_storage.open(name, "rb") as f:
                    body = f.read()
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
            raise ValueError(f"Bản in không tải tài nguyên từ mạng: {url}")

    return LocalFetcher(allowed_protocols={"data", "file"})


def _media_name(url, media_url):
    """The storage name of an uploaded file's URL, or None: 'http://<host>/media/images/a.jpg'
    → 'images/a.jpg'. Only the path counts (relative URLs were made absolute with the page's
    URL); the file is then read from the storage, never fetched over HTTP."""
    if media_url.startswith(("http://", "https://")):
        if not url.startswith(media_url):
            return None
        rest = url[len(media_url) :]
    else:
        path = urlsplit(url).path
        if not path.startswith(media_url):
            return None
        rest = path[len(media_url) :]
    name = unquote(rest.split("?", 1)[0].split("#", 1)[0])
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    return name
