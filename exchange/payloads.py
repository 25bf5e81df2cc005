"""What goes across, as JSON (the schemas are in exchange/openapi.py): built here from our pages,
programmes, indicators and boards.

Every message is an envelope {"version": 1, "id", "type", "sent_at", "sender", …}: items
(`source_item`, `alert`, `programme`) carry "action" ("publish" or "withdraw") and "item";
reports (`indicators`, `device_status`) carry "report". Targets and units are official unit
codes only. Text travels as text (no HTML): the receiver writes it into its own pages.
"""

import datetime
import hashlib
import uuid

from django.utils import timezone
from wagtail.rich_text import get_text_for_indexing

from areas.models import AreaPage, CommuneHomePage

VERSION = 1


def iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):  # to the second: a revision keeps milliseconds only
        return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def envelope(kind, sender_area, **rest):
    return {
        "version": VERSION,
        "id": str(uuid.uuid4()),
        "type": kind,
        "sent_at": iso(timezone.now()),
        "sender": {"unit_code": sender_area.code, "name": sender_area.title},
        **rest,
    }


# --- Items ------------------------------------------------------------------------------------


def target_units(page):
    """Our units a source page targets: its whole areas and chosen communes (boards and board
    groups are ours alone and do not travel)."""
    return [*page.target_areas.all(), *page.target_communes.all()]


def body_blocks(page):
    blocks = []
    for block in getattr(page, "body", None) or []:
        if block.block_type == "heading":
            blocks.append({"type": "heading", "text": str(block.value)})
        elif block.block_type in ("paragraph", "quote"):
            text = get_text_for_indexing(str(block.value.source if hasattr(block.value, "source") else block.value))
            if text.strip():
                blocks.append({"type": "paragraph", "text": text.strip()})
    return blocks


def page_version(page):
    revision = page.live_revision or page.latest_revision
    return revision.pk if revision is not None else 0


def item_fields(page, codes):
    fields = {
        "remote_id": f"page-{page.pk}",
        "version": page_version(page),
        "title": page.title,
        "summary": page.summary,
        "valid_from": iso(page.valid_from),
        "valid_until": iso(page.valid_until),
        "show_on_boards": page.show_on_boards,
        "targets": codes,
        "url": page.full_url or "",
    }
    if page.specific_class.__name__ == "EmergencyAlertPage":
        fields.update(
            {
                "event": page.event,
                "category": page.category,
                "urgency": page.urgency,
                "severity": page.severity,
                "certainty": page.certainty,
                "instruction": page.instruction,
                "sender_name": page.get_sender_name(),
                "area_desc": page.area_desc,
                "contact": page.contact,
                "cap_identifier": page.cap_identifier,
                "cap_status": page.cap_status,
                "cap_msg_type": page.cap_msg_type,
            }
        )
    else:
        fields.update(
            {
                "date": page.date.isoformat(),
                "priority": page.priority,
                "show_on_sites": page.show_on_sites,
                "body": body_blocks(page),
            }
        )
    return fields


def page_kind(page):
    return "alert" if page.specific_class.__name__ == "EmergencyAlertPage" else "source_item"


def item_message(page, codes, area, action="publish"):
    kind = page_kind(page)
    if action == "withdraw":
        item = {"remote_id": f"page-{page.pk}", "version": page_version(page)}
    else:
        item = item_fields(page, codes)
    return envelope(kind, area, action=action, item=item)


def programme_message(programme, codes, area, action="publish"):
    item = {"remote_id": f"programme-{programme.pk}", "version": programme_version(programme)}
    if action == "publish":
        item.update(
            {
                "title": programme.title,
                "priority": programme.priority,
                "valid_from": iso(programme.valid_from),
                "valid_until": iso(programme.valid_until),
                "targets": codes,
                "audio": {
                    "path": f"/api/lien-thong/v1/audio/{programme.pk}/",
                    "sha256": programme.file.sha256 if programme.file_id else "",
                    "duration_s": programme.duration_s,
                },
            }
        )
    return envelope("programme", area, action=action, item=item)


def programme_version(programme):
    """Changes when its audio or its text changes."""
    text = f"{programme.title}|{programme.priority}|{programme.valid_from}|{programme.valid_until}|{programme.file_id}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:7], 16)


# --- Reports ----------------------------------------------------------------------------------


def unit_ref(unit):
    return {"code": unit.code, "name": unit.title, "level": unit.level}


def units_of_paths(paths):
    """{path: unit} for the areas and commune homes at these paths."""
    return {
        unit.path: unit
        for unit in [*AreaPage.objects.filter(path__in=paths), *CommuneHomePage.objects.filter(path__in=paths)]
    }
