"""What plays when: pure functions, no I/O, testable with a frozen clock."""

from __future__ import annotations

import re
from datetime import datetime, timezone

PRIORITIES = ("emergency", "priority", "normal")
KINDS = ("image", "video")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def parse_time(value):
    """ISO-8601 → aware datetime (UTC assumed when the string carries no zone).
    None/"" → None (an open end). Raises ValueError on anything else."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO-8601 UTC with a trailing Z (``timespec`` as for ``datetime.isoformat``)."""
    return moment.astimezone(timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def is_valid_at(item, now: datetime) -> bool:
    try:
        start = parse_time(item.get("valid_from"))
        end = parse_time(item.get("valid_to"))
    except (ValueError, TypeError):
        return False
    if start is not None and now < start:
        return False
    if end is not None and now >= end:
        return False
    return True


def playable(items, now: datetime) -> list:
    """Items to loop through at ``now``: only those valid (valid_from ≤ now < valid_to);
    while any emergency item is valid, only emergencies; otherwise priority items then
    normal ones. Playlist order is kept inside a class."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    valid = [item for item in items if is_valid_at(item, now)]
    by_class = {name: [item for item in valid if item.get("priority", "normal") == name] for name in PRIORITIES}
    if by_class["emergency"]:
        return by_class["emergency"]
    return by_class["priority"] + by_class["normal"]


def _number(value, name, *, positive=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} out of range: {value!r}")
    return value


def validate_playlist(data) -> dict:
    """Check a playlist document (protocol v1). Returns it unchanged or raises ValueError,
    so garbage from the server never replaces a good playlist."""
    if not isinstance(data, dict):
        raise ValueError("playlist is not a JSON object")
    for key in ("version", "items"):
        if key not in data:
            raise ValueError(f"playlist misses {key!r}")
    if not isinstance(data["version"], (str, int)) or isinstance(data["version"], bool):
        raise ValueError("version must be a string or an integer")
    if "refresh_seconds" in data and data["refresh_seconds"] is not None:
        _number(data["refresh_seconds"], "refresh_seconds", positive=True)
    if data.get("jitter_seconds") is not None:
        _number(data["jitter_seconds"], "jitter_seconds")
    if not isinstance(data["items"], list):
        raise ValueError("items must be a list")
    for index, item in enumerate(data["items"]):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} is not an object")
        for key in ("id", "kind", "url", "sha256", "bytes", "duration_s"):
            if key not in item:
                raise ValueError(f"{where} misses {key!r}")
        if not isinstance(item["id"], (str, int)) or isinstance(item["id"], bool):
            raise ValueError(f"{where}.id must be a string or an integer")
        if item["kind"] not in KINDS:
            raise ValueError(f"{where}.kind must be one of {KINDS}")
        if not isinstance(item["url"], str) or not item["url"]:
            raise ValueError(f"{where}.url must be a non-empty string")
        if not isinstance(item["sha256"], str) or not _SHA.match(item["sha256"]):
            raise ValueError(f"{where}.sha256 must be 64 lowercase hex digits")
        if isinstance(item["bytes"], bool) or not isinstance(item["bytes"], int) or item["bytes"] < 0:
            raise ValueError(f"{where}.bytes must be a non-negative integer")
        _number(item["duration_s"], f"{where}.duration_s", positive=True)
        if item.get("priority", "normal") not in PRIORITIES:
            raise ValueError(f"{where}.priority must be one of {PRIORITIES}")
        for key in ("valid_from", "valid_to"):
            parse_time(item.get(key))  # raises ValueError
        if item.get("title") is not None and not isinstance(item["title"], str):
            raise ValueError(f"{where}.title must be a string")
    return data
