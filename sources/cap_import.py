"""Bringing CAP 1.2 alerts in: an uploaded file, or a feed polled on a schedule.

`import_alert(data, section, user, publish)` turns one message into an EmergencyAlertPage in a
portal's "Thông tin nguồn" section, in one transaction (nothing half-imported):

- Alert: a new page (or the page already holding that identifier, updated);
- Update: the page it references, updated (a new one if it is not here);
- Cancel: the pages it references are withdrawn (unpublished) everywhere;
- Ack / Error: refused, they carry nothing to show.

Targets come from the <geocode> values named cap.GEOCODE_NAME (unit codes) inside the
section's area; codes outside the area are left out (and said so); a message whose codes are
all outside is refused; a message with no codes targets the whole area.

A message whose <status> is Test, Exercise, System or Draft is imported as such: the page keeps
that status and never reaches the public, the boards or the loudspeakers (TargetedPage.is_public),
and it may not update or cancel a real (Actual) alert.
"""

import dataclasses
import logging
import urllib.error
import urllib.request
from urllib.parse import urljoin

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from lxml import etree

from areas.models import AreaPage, CommuneHomePage
from sources import cap
from sources.models import CapFeed, CapFeedEntry, CapStatus, EmergencyAlertPage, area_of_section

log = logging.getLogger(__name__)
ATOM = "http://www.w3.org/2005/Atom"
FEED_MAX_ENTRIES = 20


@dataclasses.dataclass
class ImportResult:
    action: str  # "created" | "updated" | "withdrawn" | "unchanged"
    pages: list
    notes: list


def _targets(alert, area):
    codes = cap.geocodes(alert)
    if not codes:
        return [area], [], [f"Bản tin không có mã đơn vị hành chính ({cap.GEOCODE_NAME}): gửi đến cả {area.title}."]
    inside = {"structure": area.structure, "path__startswith": area.path}
    areas = list(AreaPage.objects.filter(code__in=codes, **inside))
    communes = list(CommuneHomePage.objects.filter(code__in=codes, **inside))
    found = {p.code for p in areas} | {c.code for c in communes}
    missing = [code for code in codes if code not in found]
    if not found:
        raise cap.CapError(f"Không có vùng nào của bản tin thuộc {area.title} (mã: {', '.join(codes)}).")
    notes = [f"Bỏ qua các mã ngoài địa bàn: {', '.join(missing)}."] if missing else []
    return areas, communes, notes


def _check(user, section, publish):
    if user is None:
        return
    perms = section.permissions_for_user(user)
    if not perms.can_add_subpage():
        raise PermissionDenied("Bạn không có quyền đăng cảnh báo ở chuyên mục này.")
    if publish and not perms.can_publish_subpage():
        raise PermissionDenied("Bạn không có quyền xuất bản; hãy nhập thành bản nháp để kiểm duyệt.")


def import_alert(data, section, user=None, publish=False):
    """One CAP message (bytes) into `section` (a SourceIndexPage). CapError, PermissionDenied
    or ValidationError leave the database as it was."""
    alert = cap.parse(data)
    area = area_of_section(section)
    if area is None:
        raise cap.CapError("Chỉ nhập cảnh báo vào chuyên mục Thông tin nguồn của cổng tỉnh hoặc huyện.")
    _check(user, section, publish)
    kind = alert["msgType"]
    if kind in ("Ack", "Error"):
        raise cap.CapError(f"Bản tin loại {kind} không phải cảnh báo để hiển thị.")
    here = EmergencyAlertPage.objects.descendant_of(area)
    with transaction.atomic():
        if kind == "Cancel":
            return _withdraw(alert, here, user)
        fields, notes = cap.page_fields(alert)
        if alert["status"] != CapStatus.ACTUAL:
            label = str(CapStatus(alert["status"]).label).lower()
            notes.append(
                f"Bản tin trạng thái {alert['status']} ({label}): đã lưu nhưng không hiện công khai, "
                "không lên bảng điện tử và cụm loa."
            )
        areas, communes, target_notes = _targets(alert, area)
        notes += target_notes
        page = here.filter(cap_identifier=alert["identifier"]).first()
        if page is None and kind == "Update":
            page = here.filter(cap_identifier__in=cap.referenced_identifiers(alert)).order_by("-pk").first()
        if page is None and EmergencyAlertPage.objects.filter(cap_identifier=alert["identifier"]).exists():
            raise cap.CapError(f"Cảnh báo {alert['identifier']} đã được nhập ở địa bàn khác.")
        if page is not None:
            page = page.specific
            _not_over_a_real_alert(alert, [page])
            if page.cap_data == alert and page.live:
                return ImportResult("unchanged", [page], notes)
            action = "updated"
        else:
            page = EmergencyAlertPage(live=False)
            action = "created"
        for name, value in fields.items():
            setattr(page, name, value)
        page.target_areas = areas
        page.target_communes = communes
        page.target_boards = []
        page.target_board_groups = []
        if action == "created":
            section.add_child(instance=page)  # Page.save() runs full_clean(): bad values raise here
        revision = page.save_revision(user=user, log_action=True)
        if publish or (action == "updated" and page.live):
            revision.publish(user=user)
    return ImportResult(action, [page], notes)


def _withdraw(alert, here, user):
    references = cap.referenced_identifiers(alert)
    pages = list(here.filter(cap_identifier__in=references).specific())
    if not pages:
        raise cap.CapError("Bản tin huỷ (Cancel) không trỏ đến cảnh báo nào đã nhập ở địa bàn này.")
    _not_over_a_real_alert(alert, pages)
    for page in pages:
        if user is not None and not page.permissions_for_user(user).can_unpublish():
            raise PermissionDenied("Bạn không có quyền thu hồi cảnh báo này.")
        if page.live:
            page.unpublish(user=user, log_action=True)
    return ImportResult("withdrawn", pages, [])


def _not_over_a_real_alert(alert, pages):
    """A test, exercise or system message never changes or withdraws a real alert."""
    if alert["status"] == CapStatus.ACTUAL:
        return
    real = [p.title for p in pages if p.cap_status == CapStatus.ACTUAL]
    if real:
        raise cap.CapError(
            f"Bản tin trạng thái {alert['status']} không được sửa hay huỷ cảnh báo thật: {', '.join(real)}."
        )


# --- Feeds --------------------------------------------------------------------------------------


def _fetch(url, feed=None, max_bytes=cap.MAX_BYTES):
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "tincoso-cap/1",
            "Accept": "application/cap+xml, application/atom+xml, application/xml;q=0.9",
        },
    )
    if feed is not None and feed.url == url:
        if feed.etag:
            request.add_header("If-None-Match", feed.etag)
        if feed.last_modified:
            request.add_header("If-Modified-Since", feed.last_modified)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise cap.CapError(f"{url}: quá lớn (trên {max_bytes // 1024} KiB).")
            return data, response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None, exc.headers
        raise cap.CapError(f"{url}: máy chủ trả lỗi HTTP {exc.code}.") from None
    except (urllib.error.URLError, OSError) as exc:
        raise cap.CapError(f"{url}: không kết nối được ({getattr(exc, 'reason', exc)}).") from None


def _entry_links(data, base):
    """The CAP links of an Atom (or RSS) feed of alerts; None if `data` is not a feed."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise cap.CapError(f"Không đọc được nguồn tin: {exc}") from None
    if root.tag == f"{{{cap.NS}}}alert":
        return None
    links = []
    if root.tag == f"{{{ATOM}}}feed":
        for entry in root.iter(f"{{{ATOM}}}entry"):
            chosen = None
            for link in entry.iter(f"{{{ATOM}}}link"):
                if "cap" in (link.get("type") or "") or chosen is None:
                    chosen = link.get("href")
            if chosen:
                links.append(urljoin(base, chosen))
    elif root.tag == "rss":
        links = [
            urljoin(base, (item.findtext("link") or "").strip())
            for item in root.iter("item")
            if (item.findtext("link") or "").strip()
        ]
    else:
        raise cap.CapError(f"Nguồn tin không phải CAP, Atom hay RSS (<{etree.QName(root).localname}>).")
    return links[:FEED_MAX_ENTRIES]


def poll_feed(feed, now=None):
    """Read one CapFeed: import what is new. Returns (imported, errors); the feed row records
    the outcome for the admin."""

    now = now or timezone.now()
    section = feed.section
    if section is None:
        feed.last_error = "Cổng của đơn vị chưa có chuyên mục Thông tin nguồn: chạy lại manage.py provision."
        feed.last_polled_at = now
        feed.save(update_fields=["last_polled_at", "last_error"])
        return [], [feed.last_error]
    imported, errors = [], []
    try:
        data, headers = _fetch(feed.url, feed)
        if data is not None:
            links = _entry_links(data, feed.url)
            documents = [(feed.url, data)] if links is None else []
            seen = set(CapFeedEntry.objects.filter(feed=feed, url__in=links or []).values_list("url", flat=True))
            for link in links or []:
                if link in seen:
                    continue
                try:
                    documents.append((link, _fetch(link)[0]))
                except cap.CapError as exc:
                    errors.append(str(exc))
            for url, document in documents:
                try:
                    result = import_alert(document, section, user=None, publish=feed.auto_publish)
                    imported.append(result)
                    if links is not None:
                        CapFeedEntry.objects.get_or_create(feed=feed, url=url)
                except (cap.CapError, ValidationError, PermissionDenied) as exc:
                    errors.append(f"{url}: {_message(exc)}")
            feed.etag = headers.get("ETag", "")[:200]
            feed.last_modified = headers.get("Last-Modified", "")[:100]
    except cap.CapError as exc:
        errors.append(str(exc))
    feed.last_polled_at = now
    if not errors:
        feed.last_ok_at = now
    feed.last_error = "\n".join(errors)[:4000]
    feed.save(update_fields=["last_polled_at", "last_ok_at", "last_error", "etag", "last_modified"])
    return imported, errors


def _message(exc):
    if isinstance(exc, ValidationError):
        return (
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages)
        )
    return str(exc)


def poll_feeds():
    """Every few minutes (django-q2 schedule, see the migration): every active feed."""

    results = {}
    for feed in CapFeed.objects.filter(is_active=True).select_related("owner"):
        imported, errors = poll_feed(feed)
        results[feed.pk] = {"imported": len(imported), "errors": len(errors)}
    return results
