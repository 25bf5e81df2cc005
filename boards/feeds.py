"""External feeds and calendars on boards: RSS/Atom news (the province portal, a weather
service) and iCal calendars (lịch tiếp công dân), read by the worker, shown as plain text.

Reading (`fetch_source`): a conditional GET (ETag / Last-Modified) over http(s) only, to an
address checked before connecting and connected to as checked (no private, loopback or
link-local address unless FEEDS_ALLOW_PRIVATE_ADDRESSES), redirects followed by hand and checked
again, a timeout on every read and on the whole, the body read in blocks and refused beyond
FEEDS_MAX_BYTES. The content says what it is (not its Content-Type): iCal, RSS/Atom, else an
HTML page or something unknown. XML that declares entities (the "billion laughs" bomb) or is
not well-formed is refused before any feed parser sees it.

Storing: every field is plain text (`plain_text`: tags dropped, script and style with their
content, entities decoded, control and direction-override characters removed, whitespace
collapsed, length capped), links only http(s). Dates without a time zone are the boards' local
time. An entry or event that cannot be shown (an impossible date, an event ending before it
starts) is skipped and the reason kept in `last_skipped`. Entries gone from the feed are
removed. Any failure leaves the entries as they were and sets `last_error` in Vietnamese; one
source failing never stops the others (`fetch_due`).

What boards get (called by boards/publishing.py and the preview): `feed_candidates`,
`ticker_lines`, `panel_lines`, `feed_problems`; the sources of the board's unit, and those of
the units above it marked "hiện cả trên bảng của các đơn vị trực thuộc".
"""

import dataclasses
import datetime
import email.utils
import html.parser
import http.client
import io
import ipaddress
import logging
import re
import socket
import ssl
import time
import unicodedata
from urllib.parse import urljoin, urlsplit

import feedparser
import icalendar
import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from boards.composition import Candidate
from boards.models import Board, FeedEntry, FeedKind, FeedSource
from boards.slide import SlideContent

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
BLOCK = 64 * 1024
TITLE_MAX = 300
SUMMARY_MAX = 600
LINK_MAX = 500
GUID_MAX = 500
SKIPPED_KEPT = 20  # reasons kept in last_skipped
# A rule that repeats every second or minute would make millions of occurrences in the window.
REFUSED_FREQUENCIES = {"SECONDLY", "MINUTELY"}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
HTTP_REASONS = {
    400: "yêu cầu không hợp lệ",
    401: "cần đăng nhập",
    403: "từ chối truy cập",
    404: "không tìm thấy",
    410: "đã bị gỡ",
    429: "hỏi quá nhiều lần",
    500: "lỗi máy chủ",
    502: "lỗi cổng nối",
    503: "tạm ngừng phục vụ",
    504: "cổng nối hết thời gian chờ",
}


BOMB = "Nguồn tin khai báo thực thể XML (<!ENTITY>): bị từ chối vì có thể là “bom XML” làm treo máy chủ."
HTML_PAGE = (
    "Địa chỉ này là một trang web (HTML), không phải nguồn RSS/Atom hay lịch iCal. "
    "Hãy dùng đường dẫn RSS hoặc .ics của trang đó."
)


class FeedError(Exception):
    """A source cannot be read now; the message (Vietnamese) is shown to its editors."""


# --- Plain text ---------------------------------------------------------------------------------


class _TextOnly(html.parser.HTMLParser):
    """Collects the text of an HTML fragment: entities decoded, the content of script, style and
    the like dropped, block tags as spaces."""

    DROPPED = {"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.DROPPED:
            self.hidden += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.DROPPED and self.hidden:
            self.hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _visible(char):
    category = unicodedata.category(char)
    # Controls (Cc), format characters such as direction overrides and zero-width ones (Cf),
    # private use and unassigned code points: none belongs on a public board.
    return category not in ("Cc", "Cf", "Co", "Cn", "Cs") or char in "\t\n"


def plain_text(value, limit):
    """`value` (HTML or text, possibly hostile) as one line of plain text of at most `limit`
    characters, cut at a word with "…"."""
    if not value:
        return ""
    parser = _TextOnly()  # html.parser never refuses input: broken markup is read as text
    parser.feed(str(value))
    parser.close()
    text = "".join(parser.parts)
    text = unicodedata.normalize("NFC", "".join(c if _visible(c) else " " for c in text))
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:-–") + "…"
    return text


def safe_link(value, base=""):
    """An absolute http(s) link, or "" (javascript:, data:, relative junk …)."""
    if not value:
        return ""
    link = urljoin(base, str(value).strip()) if base else str(value).strip()
    if len(link) > LINK_MAX or any(not c.isprintable() or c.isspace() for c in link):
        return ""
    parts = urlsplit(link)
    return link if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


# --- Fetching -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Response:
    status: int  # 200 or 304
    body: bytes
    etag: str
    last_modified: str


def _checked_addresses(host, port):
    """The addresses to connect to for `host`: every address it resolves to must be public unless
    FEEDS_ALLOW_PRIVATE_ADDRESSES (a name that resolves to a public and a private address is
    refused: it could be made to switch between them)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FeedError(f"Không tìm thấy tên miền {host}.") from None
    addresses = [info[4][0] for info in infos]
    if not getattr(settings, "FEEDS_ALLOW_PRIVATE_ADDRESSES", False):
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise FeedError(
                    f"Địa chỉ {host} trỏ vào mạng nội bộ ({address}): không đọc nguồn tin trong mạng nội bộ."
                )
    return list(dict.fromkeys(addresses))


def _connect(addresses, port, timeout):
    """A socket to the first of the checked `addresses` that answers (IPv6 then IPv4, …)."""
    error = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses that were checked, not to whatever the name resolves to later."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.addresses = addresses

    def connect(self):
        sock = _connect(self.addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url, etag="", last_modified=""):
    """GET `url` with the checks above; a Response (status 304: unchanged, empty body) or
    FeedError."""
    timeout = float(getattr(settings, "FEEDS_TIMEOUT_S", 15))
    max_bytes = int(getattr(settings, "FEEDS_MAX_BYTES", 2 * 1024 * 1024))
    deadline = time.monotonic() + 2 * timeout
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise FeedError("Chỉ đọc được địa chỉ bắt đầu bằng http:// hoặc https://.")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FeedError("Địa chỉ nguồn có cổng (port) không hợp lệ.") from None
        host = parts.hostname
        addresses = _checked_addresses(host, port)
        kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, addresses, timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "User-Agent": "tincoso-feeds/1",
            "Accept": "application/rss+xml, application/atom+xml, text/calendar, application/xml;q=0.9, */*;q=0.5",
            "Accept-Encoding": "identity",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                status = response.status
                if status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location", "")
                    if not location:
                        raise FeedError(f"Máy chủ nguồn chuyển hướng (HTTP {status}) mà không nói đến đâu.")
                    url = urljoin(url, location)
                    continue
                if status == 304:
                    return Response(304, b"", etag, last_modified)
                if status != 200:
                    reason = HTTP_REASONS.get(status, "")
                    raise FeedError(f"Máy chủ nguồn trả lỗi HTTP {status}" + (f" ({reason})." if reason else "."))
                declared = response.getheader("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FeedError(_too_big(max_bytes))
                chunks, size = [], 0
                while True:
                    if time.monotonic() > deadline:
                        raise TimeoutError
                    block = response.read1(BLOCK)
                    if not block:
                        break
                    size += len(block)
                    if size > max_bytes:
                        raise FeedError(_too_big(max_bytes))
                    chunks.append(block)
                return Response(
                    200,
                    b"".join(chunks),
                    (response.getheader("ETag") or "")[:200],
                    (response.getheader("Last-Modified") or "")[:100],
                )
            finally:
                connection.close()
        except FeedError:
            raise
        except TimeoutError:
            raise FeedError(f"Quá thời gian chờ ({timeout:g} giây): máy chủ nguồn không trả lời kịp.") from None
        except ssl.SSLError:
            raise FeedError(
                f"Không thiết lập được kết nối an toàn (HTTPS) với {host}: chứng chỉ không hợp lệ?"
            ) from None
        except (http.client.HTTPException, OSError) as exc:
            raise FeedError(f"Không kết nối được đến máy chủ {host} ({type(exc).__name__}).") from None
    raise FeedError(f"Máy chủ nguồn chuyển hướng quá nhiều lần (tối đa {MAX_REDIRECTS}).")


def _too_big(max_bytes):
    return f"Nội dung nguồn quá lớn (trên {max_bytes // 1024} KiB)."


# --- Parsing ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    """One entry to store (plain text already)."""

    guid: str
    title: str
    summary: str = ""
    link: str = ""
    published_at: datetime.datetime | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    all_day: bool = False


@dataclasses.dataclass
class Parsed:
    kind: str  # "rss" | "ical"
    items: list
    skipped: list  # reasons, in Vietnamese
    usable: int = 0  # a calendar's events that could be read, in the window or not


def sniff(body):
    """What the bytes are, by their content: "ical", "xml", "html" or ""."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"begin:vcalendar"):
        return "ical"
    if head.startswith((b"<!doctype html", b"<html")) or re.search(rb"<html[\s>]", head[:512]):
        return "html"
    if head.startswith(b"<"):
        return "xml"
    return ""


def parse(body, kind, now, source):
    """`body` as a Parsed feed or calendar; FeedError when it is neither or is broken."""
    found = sniff(body)
    if found == "html":
        raise FeedError(HTML_PAGE)
    if found not in ("ical", "xml"):
        raise FeedError("Nội dung nhận được không phải nguồn RSS/Atom hay lịch iCal.")
    if kind == FeedKind.ICAL and found != "ical":
        raise FeedError("Nguồn khai báo là lịch iCal nhưng nội dung là XML (RSS/Atom?): hãy chọn loại “Tự nhận biết”.")
    if kind == FeedKind.RSS and found != "xml":
        raise FeedError("Nguồn khai báo là tin RSS/Atom nhưng nội dung là lịch iCal: hãy chọn loại “Tự nhận biết”.")
    parsed = parse_calendar(body, now, source) if found == "ical" else parse_feed(body, now, source)
    if parsed.skipped and not parsed.items and not parsed.usable:
        # Everything in it was refused: most likely the source is broken, not emptied.
        raise FeedError("Không mục nào hiện được: " + " ".join(parsed.skipped[:3]))
    return parsed


def _local(value):
    """A datetime in the boards' time zone when it has none."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _parse_date(raw):
    """A feed's date string (RFC 822 of RSS, ISO 8601 of Atom) as an aware datetime, a date
    without zone being the boards' local time; None if it is no date."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        value = None
    if value is None:
        try:
            value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    try:
        return _local(value)
    except (OverflowError, ValueError):
        return None


def parse_feed(body, now, source):
    """RSS 0.9x/1.0/2.0 or Atom: well-formed, without entity declarations, then feedparser."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        if b"<!ENTITY" in body[:65536].upper():
            raise FeedError(BOMB) from None
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise FeedError(f"Nội dung XML hỏng hoặc bị cắt cụt (dòng {line}, cột {column}).") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedError(BOMB)
    name = etree.QName(root).localname.lower()
    if name in ("html", "xhtml"):
        raise FeedError(HTML_PAGE)
    if name not in ("rss", "feed", "rdf", "channel"):
        raise FeedError(f"Nội dung là XML nhưng không phải nguồn RSS/Atom (thẻ gốc <{plain_text(name, 40)}>).")
    feed = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=False)
    base = safe_link(feed.feed.get("link", "")) or source.url
    items, skipped = [], []
    for entry in feed.entries:
        title = plain_text(entry.get("title", ""), TITLE_MAX)
        summary = plain_text(entry.get("summary", "") or entry.get("description", ""), SUMMARY_MAX)
        if not title:
            title, summary = plain_text(summary, TITLE_MAX), ""
        if not title:
            skipped.append("Bỏ qua một mục không có tiêu đề.")
            continue
        raw_date = entry.get("published") or entry.get("updated") or entry.get("dc_date") or ""
        published = _parse_date(raw_date)
        if raw_date and published is None:
            skipped.append(f"Bỏ qua “{title[:80]}”: ngày đăng không hợp lệ ({plain_text(raw_date, 40)}).")
            continue
        if published is not None and published > now + datetime.timedelta(days=366):
            skipped.append(f"Bỏ qua “{title[:80]}”: ngày đăng ở quá xa trong tương lai.")
            continue
        link = safe_link(entry.get("link", ""), base)
        guid = (entry.get("id") or entry.get("guid") or link or title)[:GUID_MAX]
        items.append(Item(guid=guid, title=title, summary=summary, link=link, published_at=published))
    return Parsed("rss", items, skipped)


def _as_moment(value):
    """A DTSTART/DTEND value as (aware datetime, all_day); ValueError if it is no date."""
    if isinstance(value, datetime.datetime):
        return _local(value), False
    if isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
        return _local(moment), True
    raise ValueError(value)


def parse_calendar(body, now, source):
    """An iCal calendar: events (recurring ones expanded) within the days ahead of `now`."""
    try:
        calendar = icalendar.Calendar.from_ical(body.decode("utf-8", errors="replace"))
    except (ValueError, TypeError, KeyError, IndexError):
        raise FeedError("Lịch iCal hỏng, không đọc được (sai cấu trúc BEGIN/END hoặc dòng không hợp lệ).") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("Nội dung nhận được không phải lịch iCal (VCALENDAR).")
    skipped = []
    kept = icalendar.Calendar()
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE":
            kept.add_component(component)
        elif component.name == "VEVENT":
            reason = _event_problem(component)
            if reason:
                skipped.append(reason)
            else:
                kept.add_component(component)
    horizon = now + datetime.timedelta(days=source.days_ahead + 1)
    items = []
    try:
        # Soonest first, lazily: a rule repeating every hour for years costs only what is kept.
        for event in recurring_ical_events.of(kept).after(now):
            try:
                starts, all_day = _as_moment(event.decoded("DTSTART"))
                ends = _as_moment(event.decoded("DTEND"))[0] if "DTEND" in event else starts
            except (ValueError, KeyError):
                continue  # checked above; a derived occurrence without dates is nothing to show
            if starts > horizon or len(items) >= source.max_entries:
                break
            if ends > now:
                items.append(_occurrence(event, starts, ends, all_day))
    except (ValueError, TypeError, KeyError, OverflowError) as exc:  # InvalidCalendar is a ValueError
        log.info("calendar %s: %s", source.pk, exc)
        raise FeedError("Lịch iCal có quy tắc lặp (RRULE) không đọc được.") from None
    items.sort(key=lambda item: (item.starts_at, item.guid))
    return Parsed("ical", items, skipped, usable=len(kept.walk("VEVENT")))


def _occurrence(event, starts, ends, all_day):
    """One occurrence of an event as an Item: the time, place and description in its summary."""
    title = _text(event, "SUMMARY", TITLE_MAX)
    where = _text(event, "LOCATION", 200)
    summary = _text(event, "DESCRIPTION", SUMMARY_MAX)
    summary = " · ".join(part for part in (_when(starts, ends, all_day), where, summary) if part)
    uid = _text(event, "UID", 300) or title
    return Item(
        guid=f"{uid}@{starts.isoformat()}"[:GUID_MAX],
        title=title,
        summary=plain_text(summary, SUMMARY_MAX),
        link=safe_link(_text(event, "URL", LINK_MAX)),
        starts_at=starts,
        ends_at=ends,
        all_day=all_day,
    )


def _text(event, name, limit):
    """A text property of a VEVENT as plain text (the first, when it is given twice)."""
    value = event.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return plain_text(str(value), limit)


def _event_problem(event):
    """Why a VEVENT cannot be shown, or ""."""
    title = _text(event, "SUMMARY", 80)
    if not title:
        return "Bỏ qua một sự kiện không có tên (SUMMARY)."
    try:
        starts, _all_day = _as_moment(event.decoded("DTSTART"))
    except (KeyError, ValueError, TypeError):
        return f"Bỏ qua sự kiện “{title}”: ngày bắt đầu không hợp lệ ({plain_text(str(event.get('DTSTART', '')), 40) or 'trống'})."
    if "DTEND" in event:
        try:
            ends, _all_day = _as_moment(event.decoded("DTEND"))
        except (ValueError, TypeError):
            return (
                f"Bỏ qua sự kiện “{title}”: ngày kết thúc không hợp lệ ({plain_text(str(event.get('DTEND', '')), 40)})."
            )
        if ends < starts:
            return f"Bỏ qua sự kiện “{title}”: kết thúc ({_label(ends)}) trước khi bắt đầu ({_label(starts)})."
    rules = event.get("RRULE", [])
    for rule in rules if isinstance(rules, list) else [rules]:
        if not isinstance(rule, icalendar.vRecur):
            return f"Bỏ qua sự kiện “{title}”: quy tắc lặp (RRULE) không hợp lệ."
        if {str(f).upper() for f in rule.get("FREQ", [])} & REFUSED_FREQUENCIES:
            return f"Bỏ qua sự kiện “{title}”: lặp lại mỗi giây hoặc mỗi phút."
    return ""


def _label(moment, all_day=False):
    """ "Thứ Ba 08/12 08:00" (local time), or "Thứ Ba 08/12" for a whole day."""
    local = timezone.localtime(moment)
    text = f"{WEEKDAYS[local.weekday()]} {local:%d/%m}"
    return text if all_day else f"{text} {local:%H:%M}"


def _when(starts, ends, all_day):
    if all_day:
        last = timezone.localtime(ends) - datetime.timedelta(days=1)
        if last.date() > timezone.localtime(starts).date():
            return f"{_label(starts, True)} – {_label(last, True)}"
        return _label(starts, True)
    if ends > starts and timezone.localtime(ends).date() == timezone.localtime(starts).date():
        return f"{_label(starts)} – {timezone.localtime(ends):%H:%M}"
    if ends > starts:
        return f"{_label(starts)} – {_label(ends)}"
    return _label(starts)


# --- Storing --------------------------------------------------------------------------------------


def validity(source, item, published):
    """(valid_from, valid_until) of an entry: news from publication for the source's hours; an
    event from the days ahead before its start until it ends."""
    if item.starts_at is not None:
        return item.starts_at - datetime.timedelta(days=source.days_ahead), max(item.ends_at, item.starts_at)
    return published, published + datetime.timedelta(hours=source.entry_hours)


def store(source, parsed, now):
    """Replace the source's entries by `parsed` (newest news or soonest events first, at most
    max_entries): unchanged rows keep their id (the playlist key), vanished ones go. Returns
    whether anything a board shows changed."""
    items = parsed.items
    if parsed.kind == "rss":
        items = sorted(items, key=lambda i: i.published_at or now, reverse=True)
    seen, chosen = set(), []
    for item in items:
        if item.guid not in seen:
            seen.add(item.guid)
            chosen.append(item)
    chosen = chosen[: source.max_entries]
    existing = {entry.guid: entry for entry in source.entries.all()}
    kept = {item.guid for item in chosen}
    changed = False
    with transaction.atomic():
        gone = [entry.pk for guid, entry in existing.items() if guid not in kept]
        if gone:
            FeedEntry.objects.filter(pk__in=gone).delete()
            changed = True
        for item in chosen:
            entry = existing.get(item.guid)
            # A news item without a date: the moment it was first seen.
            published = item.published_at or (entry.published_at if entry else None) or now
            valid_from, valid_until = validity(source, item, published)
            fields = {
                "title": item.title,
                "summary": item.summary,
                "link": item.link,
                "published_at": published if item.starts_at is None else None,
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "all_day": item.all_day,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
            if entry is None:
                FeedEntry.objects.create(source=source, guid=item.guid, fetched_at=now, **fields)
                changed = True
            elif any(getattr(entry, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(entry, name, value)
                entry.fetched_at = now
                entry.save()
                changed = True
    return changed


def boards_showing(source):
    """The active boards whose unit is the source's, or inside it when it shows there too."""
    boards = Board.objects.filter(is_active=True)
    if source.show_inside:
        return boards.filter(owner__path__startswith=source.owner.path)
    return boards.filter(owner_id=source.owner_id)


def fetch_source(source, now=None):
    """Read one source now and store what it holds. Returns (ok, message): the number of
    entries, or the error (also kept in last_error; the entries stay as they were)."""
    now = now or timezone.now()
    source.last_fetched_at = now
    # "Unchanged since" only within FULL_READ of the last full read: a calendar's recurring
    # events must move forward into the window even when its file does not change.
    conditional = source.last_parsed_at is not None and now - source.last_parsed_at < FULL_READ
    try:
        response = fetch(source.url, source.etag, source.last_modified) if conditional else fetch(source.url)
        if response.status == 304:
            changed = _refresh_validity(source)
            parsed = None
        else:
            parsed = parse(response.body, source.kind, now, source)
            changed = store(source, parsed, now)
    except FeedError as exc:
        source.last_error = str(exc)
        source.save(update_fields=["last_fetched_at", "last_error"])
        return False, source.last_error
    except Exception:
        log.exception("feed %s (%s)", source.pk, source.url)
        source.last_error = "Lỗi không lường trước khi đọc nguồn này; đã ghi vào nhật ký máy chủ."
        source.save(update_fields=["last_fetched_at", "last_error"])
        return False, source.last_error
    source.last_ok_at = now
    source.last_error = ""
    fields = ["last_fetched_at", "last_ok_at", "last_error"]
    if parsed is not None:
        source.etag, source.last_modified = response.etag, response.last_modified
        source.last_skipped = "\n".join(parsed.skipped[:SKIPPED_KEPT])
        source.last_parsed_at = now
        fields += ["etag", "last_modified", "last_skipped", "last_parsed_at"]
    source.save(update_fields=fields)
    if changed:
        boards_showing(source).update(recompose_at=now)
    count = source.entries.count()
    return True, f"Đọc được {count} mục."


def _refresh_validity(source):
    """Unchanged content (304): the source's settings may have changed (hours, days ahead)."""
    changed = False
    for entry in source.entries.all():
        item = Item(entry.guid, entry.title, starts_at=entry.starts_at, ends_at=entry.ends_at)
        valid = validity(source, item, entry.published_at)
        if (entry.valid_from, entry.valid_until) != valid:
            entry.valid_from, entry.valid_until = valid
            entry.save(update_fields=["valid_from", "valid_until"])
            changed = True
    return changed


FULL_READ = datetime.timedelta(hours=12)
SLACK = datetime.timedelta(seconds=30)  # a source read at 10:00:02 is due again at 10:05 with the every-minute task


def due_sources(now):
    due = []
    for source in FeedSource.objects.filter(is_active=True).select_related("owner"):
        last = source.last_fetched_at
        if last is None or last + datetime.timedelta(minutes=source.refresh_minutes) - SLACK <= now:
            due.append(source)
    return due


def fetch_due(now=None):
    """The scheduled read: every active source whose refresh time has come, one after another;
    a failing one is recorded and the next read. Returns {source id: ok}."""
    now = now or timezone.now()
    results = {}
    for source in due_sources(now):
        try:
            results[source.pk] = fetch_source(source, now)[0]
        except Exception:  # the database itself: still read the others
            log.exception("feed %s", source.pk)
            results[source.pk] = False
    return results


# --- What boards get ----------------------------------------------------------------------------


def sources_for(board):
    """The sources of the board's unit, and of the units above it shown inside them."""
    owner = board.owner
    steplen = 4
    above = [owner.path[:length] for length in range(steplen, len(owner.path), steplen)]
    return FeedSource.objects.filter(Q(owner_id=owner.pk) | Q(show_inside=True, owner__path__in=above))


def _host(url):
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _entries(board, now, flag, everything=False):
    if board.is_audio:
        return FeedEntry.objects.none()
    sources = sources_for(board).filter(**{flag: True})
    if not everything:
        sources = sources.filter(is_active=True)
    entries = FeedEntry.objects.filter(source__in=sources).select_related("source")
    if not everything:
        entries = entries.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
    return entries


def feed_candidates(board, now, everything=False):
    """The board's feed entries as composition candidates (key "feed:<entry id>", kind "feed"):
    a news slide for an RSS/Atom item, an announcement slide for a calendar event, with the
    source's name as header, its host as footer and the entry's link as QR code. Entries that
    ended are left out unless `everything` (the preview), which also lists a paused source's
    entries, held back with the reason."""
    items = []
    for entry in _entries(board, now, "show_as_slides", everything).order_by("source__name", "valid_from", "pk"):
        source = entry.source
        event = entry.starts_at is not None
        items.append(
            Candidate(
                key=f"feed:{entry.pk}",
                kind="feed",
                priority="normal",
                date=entry.starts_at if event else entry.published_at,
                valid_from=entry.valid_from,
                valid_until=entry.valid_until,
                held_back="" if source.is_active else "nguồn tin ngoài đang tạm dừng",
                payload=SlideContent(
                    kind="announcement" if event else "news",
                    title=entry.title,
                    summary=entry.summary,
                    qr_url=entry.link or None,
                    header=source.name,
                    footer=_host(entry.link or source.url),
                ),
            )
        )
    return items


def _valid_now(entries, now):
    return entries.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))


def ticker_lines(board, now):
    """Titles of the entries valid now of the sources shown in the scrolling line: news newest
    first, then events soonest first."""
    entries = list(_valid_now(_entries(board, now, "show_in_ticker"), now))
    news = sorted((e for e in entries if e.starts_at is None), key=lambda e: e.published_at or now, reverse=True)
    events = sorted((e for e in entries if e.starts_at is not None), key=lambda e: e.starts_at)
    return [e.title for e in news] + [e.title for e in events]


def panel_lines(board, now):
    """[(time label, title)] for the side panel: events soonest first ("Thứ Ba 08/12 08:00",
    "Tiếp công dân định kỳ"), then news newest first ("06/12")."""
    entries = list(_valid_now(_entries(board, now, "show_in_panel"), now))
    events = sorted((e for e in entries if e.starts_at is not None), key=lambda e: e.starts_at)
    news = sorted((e for e in entries if e.starts_at is None), key=lambda e: e.published_at or now, reverse=True)
    lines = [(_label(e.starts_at, e.all_day), e.title) for e in events]
    lines += [(f"{timezone.localtime(e.published_at):%d/%m}" if e.published_at else "", e.title) for e in news]
    return lines


def feed_problems(board):
    """[(source name, last error)] of the board's active sources that failed at their last read."""
    return [
        (source.name, source.last_error)
        for source in sources_for(board).filter(is_active=True).exclude(last_error="").order_by("name")
    ]
