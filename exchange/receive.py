"""Taking a peer's message: items become our pages and programmes, reports are stored.

`receive(peer, message)` runs inside the caller's transaction: Refused (a status, a code, a
Vietnamese message) or a ValidationError leave nothing behind. Items land published in the
"Thông tin nguồn" section of the portal of `peer.owner`, so they reach the communes' sites and
boards like any source item (docs/architecture.md, flow 3); ReceivedItem remembers which page
or programme holds which remote id, so an update or a withdrawal reaches the same row and a
repeat (same or older version) changes nothing.
"""

import datetime
import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import escape
from wagtail.rich_text import RichText

from exchange import keys, signing
from exchange.models import PeerReport, ReceivedItem
from exchange.units import subscribed_paths, units_by_code, within
from sources.models import (
    CapCategory,
    CapCertainty,
    CapMsgType,
    CapSeverity,
    CapStatus,
    CapUrgency,
    EmergencyAlertPage,
    SourceIndexPage,
    SourceItemPage,
    SourcePriority,
)
from station.models import Programme, ProgrammeKind, ProgrammePriority, ProgrammeState

ITEM_KINDS = ("source_item", "alert", "programme")
AUDIO_PATH = re.compile(r"/api/lien-thong/v1/audio/[0-9]{1,18}/")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_VERSION = 2**31 - 1  # what a PositiveIntegerField holds on every database
REPORT_KINDS = ("indicators", "device_status")


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad(message, code="invalid_message"):
    return Refused(400, code, message)


# --- Reading fields ---------------------------------------------------------------------------


def text(data, name, max_length, required=True):
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad(f"Thiếu trường “{name}”.")
        return ""
    if not isinstance(value, str):
        raise bad(f"Trường “{name}” phải là chuỗi.")
    value = value.strip()
    if len(value) > max_length:
        raise bad(f"Trường “{name}” dài quá {max_length} ký tự.")
    return value


def moment(data, name, required=True):
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise bad(f"Thiếu trường “{name}”.")
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but no such moment (2026-13-45T…): Django raises
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise bad(f"Trường “{name}” phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-12-06T08:00:00Z.")
    return parsed


def choice(data, name, choices, default):
    value = data.get(name, default)
    if value not in choices.values:
        raise bad(f"Trường “{name}” = {value!r} không hợp lệ (cho phép: {', '.join(choices.values)}).")
    return value


def flag(data, name, default=True):
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise bad(f"Trường “{name}” phải là true hoặc false.")
    return value


def version_of(item):
    value = item.get("version", 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_VERSION:
        raise bad(f"Trường “version” phải là số nguyên từ 0 đến {MAX_VERSION}.")
    return value


def remote_id_of(item):
    value = text(item, "remote_id", 100)
    return value


# --- Targets --------------------------------------------------------------------------------------


def map_targets(peer, codes):
    """Our units for the official codes: every code must name a unit of our area (422 naming
    the unknown ones) inside what the peer may target (403 naming those outside)."""
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise bad("Trường “targets” phải là danh sách mã đơn vị hành chính (chuỗi), ít nhất một mã.")
    codes = [c.strip() for c in codes]
    found = units_by_code(peer.owner, codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise Refused(
            422,
            "unknown_unit_code",
            f"Mã đơn vị không có ở {peer.owner.title}: {', '.join(unknown)}. Bản tin không được nhận.",
        )
    allowed = subscribed_paths(peer)
    outside = [c for c in codes if not within(found[c].path, allowed)]
    if outside:
        raise Refused(
            403,
            "outside_subscription",
            f"Hệ thống {peer.name} không được gửi tới các đơn vị: {', '.join(outside)} "
            f"({', '.join(found[c].title for c in outside)}).",
        )
    return [found[c] for c in dict.fromkeys(codes)]


def split_units(units):
    areas = [u for u in units if type(u).__name__ == "AreaPage"]
    communes = [u for u in units if type(u).__name__ == "CommuneHomePage"]
    return areas, communes


def section_for(peer):
    portal = peer.owner.portal
    section = SourceIndexPage.objects.child_of(portal).first() if portal is not None else None
    if section is None:
        raise Refused(
            422, "no_section", f"Cổng {peer.owner.title} chưa có chuyên mục Thông tin nguồn (chạy manage.py provision)."
        )
    return section


# --- Items ------------------------------------------------------------------------------------


def body_value(blocks):
    if blocks in (None, ""):
        return []
    if not isinstance(blocks, list):
        raise bad("Trường “body” phải là danh sách khối {type, text}.")
    value = []
    for block in blocks[:200]:
        if not isinstance(block, dict) or block.get("type") not in ("heading", "paragraph"):
            raise bad("Mỗi khối của “body” cần type là heading hoặc paragraph.")
        content = text(block, "text", 20_000)
        if block["type"] == "heading":
            value.append(("heading", content[:250]))
        else:
            paragraphs = "".join(f"<p>{escape(line)}</p>" for line in content.splitlines() if line.strip())
            value.append(("paragraph", RichText(paragraphs)))
    return value


def page_fields(kind, item):
    fields = {
        "title": text(item, "title", 255),
        "summary": text(item, "summary", 800),
        "valid_from": moment(item, "valid_from"),
        "valid_until": moment(item, "valid_until", required=kind == "alert"),
        "show_on_boards": flag(item, "show_on_boards"),
    }
    if kind == "alert":
        fields.update(
            {
                "event": text(item, "event", 120),
                "category": choice(item, "category", CapCategory, CapCategory.OTHER),
                "urgency": choice(item, "urgency", CapUrgency, CapUrgency.IMMEDIATE),
                "severity": choice(item, "severity", CapSeverity, CapSeverity.SEVERE),
                "certainty": choice(item, "certainty", CapCertainty, CapCertainty.LIKELY),
                "instruction": text(item, "instruction", 2000, required=False),
                "sender_name": text(item, "sender_name", 200, required=False),
                "area_desc": text(item, "area_desc", 500, required=False),
                "contact": text(item, "contact", 200, required=False),
                "cap_status": choice(item, "cap_status", CapStatus, CapStatus.ACTUAL),
                "cap_msg_type": choice(item, "cap_msg_type", CapMsgType, CapMsgType.ALERT),
            }
        )
    else:
        date = item.get("date")
        try:
            parsed = parse_date(date) if isinstance(date, str) else None
        except ValueError:
            parsed = None
        if date not in (None, "") and parsed is None:
            raise bad("Trường “date” phải là ngày ISO 8601 (YYYY-MM-DD).")
        fields.update(
            {
                "date": parsed or timezone.localdate(),
                "priority": choice(item, "priority", SourcePriority, SourcePriority.NORMAL),
                "show_on_sites": flag(item, "show_on_sites"),
                "body": body_value(item.get("body")),
            }
        )
    return fields


def receive_page(peer, kind, action, item):
    model = EmergencyAlertPage if kind == "alert" else SourceItemPage
    remote_id = remote_id_of(item)
    version = version_of(item)
    record = ReceivedItem.objects.select_for_update().filter(peer=peer, kind=kind, remote_id=remote_id).first()
    page = model.objects.filter(pk=record.page_id).first() if record and record.page_id else None
    if action == "withdraw":
        if page is None:
            return {"status": "unknown", "message": "Không có nội dung này để thu hồi."}
        if version < record.version:  # a late withdrawal of an older publication
            return {"status": "unchanged", "page": page.pk}
        if page.live:
            page.unpublish(log_action=True)
        record.withdrawn = True
        record.version = max(record.version, version)
        record.save(update_fields=["withdrawn", "version", "updated_at"])
        return {"status": "withdrawn", "page": page.pk}
    fields = page_fields(kind, item)
    areas, communes = split_units(map_targets(peer, item.get("targets")))
    if page is not None and version <= record.version:
        # Not newer than what we hold (or withdrew): a repeat, or a late retry of an older
        # publication that must not bring a withdrawn item back.
        return {"status": "unchanged", "page": page.pk}
    created = page is None
    if created:
        page = model(live=False)
    for name, value in fields.items():
        setattr(page, name, value)
    if kind == "alert":
        if created:
            wanted = text(item, "cap_identifier", 200, required=False)
            if wanted and not EmergencyAlertPage.objects.filter(cap_identifier=wanted).exists():
                page.cap_identifier = wanted
        page.cap_sender = peer.base_url[:200]
        page.cap_sent = timezone.now()
    page.target_areas = areas
    page.target_communes = communes
    page.target_boards = []
    page.target_board_groups = []
    if created:
        section_for(peer).add_child(instance=page)  # Page.save() runs full_clean(): bad values raise here
    else:
        page.full_clean()
    page.save_revision(log_action=True).publish()
    if record is None:
        record = ReceivedItem(peer=peer, kind=kind, remote_id=remote_id)
    record.page = page
    record.version = version
    record.withdrawn = False
    record.save()
    return {"status": "created" if created else "updated", "page": page.pk, "url": page.full_url or ""}


# --- Programmes -------------------------------------------------------------------------------


def fetch_audio(peer, audio_path, sha256):
    """GET the programme's audio from the peer, signed with our key: a temporary file (the
    caller removes it), its SHA-256 checked."""
    if not isinstance(audio_path, str) or not AUDIO_PATH.fullmatch(audio_path):
        raise bad("Trường “audio.path” phải là đường dẫn /api/lien-thong/v1/audio/<số>/.")
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
        # The answer to our GET is not signed: this hash, inside the signed message, is what
        # vouches for the audio.
        raise bad("Trường “audio.sha256” phải là mã SHA-256 (64 chữ số hex thường) của tệp âm thanh.")
    limit = getattr(settings, "STATION_MAX_UPLOAD_MB", 200) * 1024 * 1024
    url = peer.url(audio_path)
    # The path as the peer's server sees it: its base URL may have one of its own (as outbox.post signs).
    headers = signing.sign(keys.private_key(), keys.key_id(), "GET", urllib.parse.urlsplit(url).path)
    request = urllib.request.Request(url, headers=headers, method="GET")
    digest = hashlib.sha256()
    fd, path = tempfile.mkstemp(prefix="exchange-audio-", suffix=".mp3")
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle, signing.urlopen(request, timeout=60) as response:
            while block := response.read(1024 * 1024):
                size += len(block)
                if size > limit:
                    raise Refused(422, "audio_too_large", "Tệp âm thanh của chương trình quá lớn.")
                digest.update(block)
                handle.write(block)
    except urllib.error.HTTPError as exc:
        os.remove(path)
        raise Refused(422, "audio_unavailable", f"Không tải được âm thanh từ {peer.name}: HTTP {exc.code}.") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        os.remove(path)
        raise Refused(
            422, "audio_unavailable", f"Không tải được âm thanh từ {peer.name}: {getattr(exc, 'reason', exc)}."
        ) from None
    except Refused:
        os.remove(path)
        raise
    if digest.hexdigest() != sha256:
        os.remove(path)
        raise Refused(422, "audio_digest", "Tệp âm thanh tải về không khớp mã SHA-256 trong bản tin.")
    return path


def receive_programme(peer, action, item, fetched=None):
    remote_id = remote_id_of(item)
    version = version_of(item)
    record = ReceivedItem.objects.select_for_update().filter(peer=peer, kind="programme", remote_id=remote_id).first()
    programme = Programme.objects.filter(pk=record.programme_id).first() if record and record.programme_id else None
    if action == "withdraw":
        if programme is None:
            return {"status": "unknown", "message": "Không có chương trình này để thu hồi."}
        programme.valid_until = timezone.now()
        if programme.valid_from >= programme.valid_until:
            programme.valid_from = programme.valid_until - datetime.timedelta(seconds=1)
        programme.save()
        record.withdrawn = True
        record.save(update_fields=["withdrawn", "updated_at"])
        return {"status": "withdrawn", "programme": programme.pk}
    title = text(item, "title", 200)
    priority = choice(item, "priority", ProgrammePriority, ProgrammePriority.NORMAL)
    valid_from = moment(item, "valid_from")
    valid_until = moment(item, "valid_until", required=False)
    units = map_targets(peer, item.get("targets"))
    if programme is not None and version <= record.version and not record.withdrawn:
        return {"status": "unchanged", "programme": programme.pk}
    created = programme is None
    if created:
        programme = Programme(owner=peer.owner, kind=ProgrammeKind.RECORDED)
    programme.title, programme.priority = title, priority
    programme.valid_from, programme.valid_until = valid_from, valid_until
    programme.full_clean(exclude=["upload", "owner", "created_by"])
    new_audio = fetched is not None
    if new_audio:
        programme.state = ProgrammeState.PROCESSING
        programme.message = ""
        programme.duration_s = fetched["info"].duration_s
        programme.loudness_in = fetched["info"].loudness_lufs
        programme.loudness_out = None
        with open(fetched["path"], "rb") as handle:
            programme.upload.save(f"lien-thong-{remote_id}.mp3", File(handle), save=False)
    programme.save()
    programme.target_units.set(units)
    programme.save()
    if new_audio:
        pk = programme.pk
        from boards.tasks import enqueue

        transaction.on_commit(lambda: enqueue("station.tasks.process_programme", pk))
    if record is None:
        record = ReceivedItem(peer=peer, kind="programme", remote_id=remote_id)
    record.programme = programme
    record.version = version
    record.withdrawn = False
    record.save()
    return {"status": "created" if created else "updated", "programme": programme.pk}


def prepare_programme(peer, message):
    """Before the transaction: fetch and inspect the audio of a programme that is new or
    changed (None when nothing is to be fetched). Refused when it cannot be had or is no audio."""
    item = message.get("item")
    if message.get("action") != "publish" or not isinstance(item, dict):
        return None
    remote_id = remote_id_of(item)
    record = ReceivedItem.objects.filter(peer=peer, kind="programme", remote_id=remote_id).first()
    if record is not None and version_of(item) <= record.version and not record.withdrawn:
        return None
    map_targets(peer, item.get("targets"))  # refuse before downloading anything
    audio_ref = item.get("audio")
    if not isinstance(audio_ref, dict):
        raise bad("Thiếu trường “audio” {path, sha256}.")
    path = fetch_audio(peer, audio_ref.get("path"), audio_ref.get("sha256"))
    import audio

    try:
        info = audio.inspect(
            path,
            max_bytes=settings.STATION_MAX_UPLOAD_MB * 1024 * 1024,
            max_seconds=settings.STATION_MAX_HOURS * 3600,
        )
    except audio.AudioRejected as exc:
        os.remove(path)
        raise Refused(422, "audio_rejected", f"Âm thanh không dùng được: {exc.message}") from None
    return {"path": path, "info": info}


# --- Reports ------------------------------------------------------------------------------------


def receive_report(peer, kind, message):
    """Figures about one unit of the peer's area (`peer.owner` or a unit inside it: a province
    reports on itself), stored as sent."""
    report = message.get("report")
    if not isinstance(report, dict):
        raise bad("Thiếu trường “report”.")
    unit = report.get("unit")
    if not isinstance(unit, dict):
        raise bad("Thiếu trường “report.unit” {code, name}.")
    code = text(unit, "code", 5)
    found = units_by_code(peer.owner, [code])
    if code not in found:
        raise Refused(422, "unknown_unit_code", f"Mã đơn vị không có ở {peer.owner.title}: {code}.")
    if kind == "indicators":
        if not isinstance(report.get("totals"), dict):
            raise bad("Thiếu trường “report.totals”.")
        period = report.get("period") or {}
        period_label = text(period, "label", 40, required=False) if isinstance(period, dict) else ""
    else:
        if not isinstance(report.get("devices"), list):
            raise bad("Thiếu trường “report.devices” (danh sách).")
        period_label = timezone.localtime(moment(report, "at")).strftime("%H:%M %d/%m/%Y")
    row = PeerReport.objects.create(
        peer=peer,
        kind=kind,
        unit_code=code,
        unit_name=found[code].title,
        period=period_label,
        data=report,
        sent_at=moment(message, "sent_at", required=False),
    )
    return {"status": "stored", "report": row.pk}


# --- Dispatch -----------------------------------------------------------------------------------


def check_envelope(message, kind):
    if not isinstance(message, dict):
        raise bad("Bản tin phải là một đối tượng JSON.")
    if message.get("version") != 1:
        raise bad("Chỉ nhận bản tin phiên bản 1 (“version”: 1).", "unsupported_version")
    if message.get("type") != kind:
        raise bad(f"Địa chỉ này nhận bản tin loại {kind}, không phải {message.get('type')!r}.", "wrong_type")
    text(message, "id", 64)
    if kind in ITEM_KINDS:
        if message.get("action") not in ("publish", "withdraw"):
            raise bad("Trường “action” phải là publish hoặc withdraw.")
        if not isinstance(message.get("item"), dict):
            raise bad("Thiếu trường “item”.")


def check_direction(peer, kind):
    """Items only from upstream peers, reports only from downstream ones (403): checked before
    anything is fetched from the peer."""
    if kind in ITEM_KINDS and not peer.is_upstream:
        raise Refused(403, "wrong_direction", f"{peer.name} là cấp dưới: không gửi thông tin nguồn xuống hệ thống này.")
    if kind in REPORT_KINDS and not peer.is_downstream:
        raise Refused(403, "wrong_direction", f"{peer.name} là cấp trên: không gửi số liệu lên hệ thống này.")


def receive(peer, kind, message, fetched=None):
    """Apply one checked message (inside the caller's transaction)."""
    check_direction(peer, kind)
    if kind in ("source_item", "alert"):
        return receive_page(peer, kind, message["action"], message["item"])
    if kind == "programme":
        return receive_programme(peer, message["action"], message["item"], fetched)
    return receive_report(peer, kind, message)


def wrap_validation(exc):
    if hasattr(exc, "error_dict"):
        text_ = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    else:
        text_ = " ".join(exc.messages)
    return Refused(422, "invalid_item", f"Nội dung không hợp lệ: {text_}")
