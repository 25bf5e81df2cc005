"""What plays when: pure functions, no I/O, testable with a frozen clock.

Screens loop through ``playable(items, now)``, and are on or off by ``screen_on(hours, now_local,
override, emergency)``: inside the power schedule's hours (the board's operating hours, by the
player's own clock, so it works offline), or as a manual override says until its end, and
always for an emergency. Loudspeaker clusters (a playlist with
``board.kind == "audio"``, ``broadcast_times`` and items of kind "audio") play by the rules the
server states (boards/composition.py, compose_audio): normal and priority items once each at
every broadcast time (``due_broadcast``), an emergency at once and again every
``emergency_repeat_s`` while it is valid (``due_emergencies``), pre-empting a broadcast.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from player.zones import OFFSET, local_zone, validate_layout

PRIORITIES = ("emergency", "priority", "normal")
KINDS = ("image", "video", "audio")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
BROADCAST_GRACE_S = 600  # a broadcast time passed while the player was down still plays within this


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
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO-8601 UTC with a trailing Z (``timespec`` as for ``datetime.isoformat``)."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def is_valid_at(item, now: datetime) -> bool:
    try:
        start = parse_time(item.get("valid_from"))
        end = parse_time(item.get("valid_to"))
    except (ValueError, TypeError):
        return False
    if start is not None and now < start:
        return False
    return not (end is not None and now >= end)


def playable(items, now: datetime) -> list:
    """Items to loop through at ``now``: only those valid (valid_from ≤ now < valid_to);
    while any emergency item is valid, only emergencies; otherwise priority items then
    normal ones. Playlist order is kept inside a class."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    valid = [item for item in items if is_valid_at(item, now)]
    by_class = {name: [item for item in valid if item.get("priority", "normal") == name] for name in PRIORITIES}
    if by_class["emergency"]:
        return by_class["emergency"]
    return by_class["priority"] + by_class["normal"]


# --- Loudspeaker clusters ----------------------------------------------------------------


def is_audio_playlist(playlist) -> bool:
    if not playlist:
        return False
    board = playlist.get("board") if isinstance(playlist.get("board"), dict) else {}
    return (
        board.get("kind") == "audio"
        or "broadcast_times" in playlist
        or any(item.get("kind") == "audio" for item in playlist.get("items", []))
    )


def clock_times(values) -> list:
    """["06:00", "17:00"] → [(6, 0), (17, 0)]; raises ValueError."""
    times = []
    for value in values or []:
        match = _CLOCK.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"not a clock time HH:MM: {value!r}")
        times.append((int(match.group(1)), int(match.group(2))))
    return sorted(set(times))


def broadcast_zone(playlist):
    """The time zone of the broadcast times (player.zones.local_zone of the playlist)."""
    return local_zone(playlist)


def due_broadcast(times, tz, after: datetime, now: datetime, grace_s: float = BROADCAST_GRACE_S):
    """The latest broadcast moment m with ``after < m <= now`` and ``now - m <= grace_s``
    (local clock ``times`` [(h, m)] in ``tz``), or None: the player plays a broadcast once,
    and one missed while it was off still plays if it comes back within the grace."""
    local = now.astimezone(tz)
    best = None
    for offset in (-1, 0):
        day = local.date() + timedelta(days=offset)
        for hour, minute in times:
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
            if after < moment <= now and (now - moment).total_seconds() <= grace_s:
                best = moment if best is None or moment > best else best
    return best


def due_emergencies(items, now: datetime, played: dict, repeat_s: float) -> list:
    """Emergency items valid at ``now`` that must play now: never played yet (``played``:
    {(id, sha256): last start}), or last played ``repeat_s`` ago or more (0: only once)."""
    due = []
    for item in items:
        if item.get("priority") != "emergency" or not is_valid_at(item, now):
            continue
        last = played.get((item["id"], item["sha256"]))
        if last is None or (repeat_s and (now - last).total_seconds() >= repeat_s):
            due.append(item)
    return due


# --- Screen power ----------------------------------------------------------------------------

WEEK_S = 7 * 86400


def parse_hours(values) -> list:
    """A power schedule's ``hours`` ``[[weekday 0=Mon, "HH:MM", "HH:MM"(, brightness %)], …]`` →
    ``[(weekday, start second, end second)]`` of the local week (end exclusive; "24:00" ends
    the day; an end before the start runs past midnight into the next day). None or [] →
    [] (no hours: always on). Raises ValueError."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"power hours must be a list, got {values!r}")
    windows = []
    for value in values:
        if not (isinstance(value, (list, tuple)) and len(value) in (3, 4)):
            raise ValueError(f"power hours: expected [weekday, HH:MM, HH:MM, brightness], got {value!r}")
        weekday, start, end = value[:3]
        _brightness(value)
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"power hours: weekday must be 0 (Monday) to 6, got {weekday!r}")
        start_s, end_s = _clock_seconds(start), _clock_seconds(end, allow_24=True)
        if start_s == end_s:
            raise ValueError(f"power hours: empty window {value!r}")
        if end_s > start_s:
            windows.append((weekday, start_s, end_s))
        else:  # past midnight
            windows.append((weekday, start_s, 86400))
            if end_s:
                windows.append(((weekday + 1) % 7, 0, end_s))
    return windows


def _brightness(value) -> int:
    """The brightness (5–100 %) of one ``hours`` entry; 100 when it names none."""
    if len(value) < 4:
        return 100
    level = value[3]
    if isinstance(level, bool) or not isinstance(level, int) or not 5 <= level <= 100:
        raise ValueError(f"power hours: brightness must be 5 to 100, got {level!r}")
    return level


def brightness_at(hours, now_local: datetime) -> int:
    """The brightness of the ``hours`` window that holds ``now_local`` (100 outside them, or
    with no hours: the screen is then off or always on). Raises ValueError for bad hours."""
    parse_hours(hours)
    for value in hours or []:
        if in_hours(parse_hours([value]), now_local):
            return _brightness(value)
    return 100


def _clock_seconds(value, allow_24=False) -> int:
    if allow_24 and value == "24:00":
        return 86400
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not a clock time HH:MM: {value!r}")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def in_hours(windows, now_local: datetime) -> bool:
    """Inside one of the parsed ``windows`` at the local wall-clock time ``now_local``."""
    second = now_local.hour * 3600 + now_local.minute * 60 + now_local.second
    weekday = now_local.weekday()
    return any(day == weekday and start <= second < end for day, start, end in windows)


def _override(override):
    """(on, until) of an override given as a tuple or a {"on", "until"} dict."""
    if isinstance(override, dict):
        return bool(override.get("on")), parse_time(override.get("until"))
    on, until = override
    return bool(on), parse_time(until) if isinstance(until, str) else until


def screen_on(hours, now_local: datetime, override=None, emergency=False) -> bool:
    """Whether the screen is on at ``now_local`` (an aware datetime in the schedule's zone):
    an emergency → on; else a manual ``override`` ``(on, until)`` (``until`` an aware datetime,
    or None for no end) while ``now_local < until``; else inside ``hours`` (see
    ``parse_hours``; none → always on). Raises ValueError for malformed hours."""
    if emergency:
        return True
    if override is not None:
        on, until = _override(override)
        if until is None or now_local < until:
            return on
    windows = parse_hours(hours)
    return True if not windows else in_hours(windows, now_local)


def next_power_edge(hours, now_local: datetime):
    """The next moment after ``now_local`` (same zone) at which ``hours`` turn the screen on
    or off, or None when they never do (no hours, or on all week)."""
    windows = parse_hours(hours)
    if not windows:
        return None
    tz = now_local.tzinfo
    current = in_hours(windows, now_local)
    candidates = set()
    for offset in range(8):
        day = now_local.date() + timedelta(days=offset)
        for weekday, start, end in windows:
            if day.weekday() != weekday:
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            candidates.update((midnight + timedelta(seconds=start), midnight + timedelta(seconds=end)))
    for moment in sorted(c for c in candidates if c > now_local):
        if in_hours(windows, moment) != current:
            return moment
    return None


def power_zone(playlist, fallback=None):
    """The zone of the power hours: the power schedule's own ``timezone``/``utc_offset``, else
    the playlist's, else ``fallback`` (the box's local zone)."""
    power = playlist.get("power") if isinstance(playlist.get("power"), dict) else {}
    for source in (power, playlist):
        if source.get("timezone") or source.get("utc_offset"):
            return broadcast_zone(source)
    return fallback or datetime.now().astimezone().tzinfo


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
    if "broadcast_times" in data:
        if data["broadcast_times"] is not None and not isinstance(data["broadcast_times"], list):
            raise ValueError("broadcast_times must be a list of HH:MM")
        clock_times(data["broadcast_times"])  # raises ValueError
    if data.get("emergency_repeat_s") is not None:
        _number(data["emergency_repeat_s"], "emergency_repeat_s")
    if data.get("utc_offset") is not None and not OFFSET.match(str(data["utc_offset"])):
        raise ValueError("utc_offset must look like +07:00")
    if data.get("timezone") is not None and not isinstance(data["timezone"], str):
        raise ValueError("timezone must be a string")
    if data.get("airings") is not None:
        if not isinstance(data["airings"], list):
            raise ValueError("airings must be a list")
        for index, airing in enumerate(data["airings"]):
            if not isinstance(airing, dict) or not isinstance(airing.get("items"), list):
                raise ValueError(f"airings[{index}] must be an object with a list of items")
            if parse_time(airing.get("at")) is None:
                raise ValueError(f"airings[{index}].at must be a time")
        parse_time(data.get("airings_until"))  # raises ValueError
    if data.get("relays") is not None:
        if not isinstance(data["relays"], list) or not all(
            isinstance(r, dict) and isinstance(r.get("url"), str) and isinstance(r.get("windows"), list)
            for r in data["relays"]
        ):
            raise ValueError("relays must be a list of objects with a url and windows")
    validate_layout(data.get("layout"))  # a zoned screen (player/zones.py); None: the whole screen
    if data.get("volumes") is not None:
        volumes = data["volumes"]
        if not isinstance(volumes, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100 for v in volumes.values()
        ):
            raise ValueError("volumes must map priority classes to 0–100")
    return data


def class_volume(playlist, item, master):
    """The volume an item plays at: the cluster's volume (`master`, 0–100 set remotely, None:
    not set = 100) times its priority class's share in the programme (`volumes`, percent)."""
    volumes = (playlist or {}).get("volumes")
    share = volumes.get(item.get("priority", "normal")) if isinstance(volumes, dict) else None
    if share is None:
        return master
    return round((100 if master is None else master) * share / 100)


def broadcast_order(playlist, moment: datetime, now_mode: bool = False):
    """The item ids a broadcast at ``moment`` plays, in order, by the commune's programme in the
    playlist (``airings``, Thông tư 39: what the commune placed in each slot), or None when the
    playlist says nothing for that moment (an older server, or beyond ``airings_until``): then
    every bulletin plays, as before. A slot with nothing placed is [] (it plays nothing).
    ``now_mode`` (--broadcast-now, a test): the next broadcast of the programme, now."""
    airings = playlist.get("airings")
    if not isinstance(airings, list):
        return None
    try:
        until = parse_time(playlist.get("airings_until"))
        listed = [(parse_time(a.get("at")), [str(i) for i in a.get("items", [])]) for a in airings]
    except (ValueError, TypeError, AttributeError):
        return None
    if now_mode:
        upcoming = sorted((at, ids) for at, ids in listed if at is not None and at >= moment - timedelta(seconds=60))
        return upcoming[0][1] if upcoming else None
    if until is None or moment >= until:
        return None
    for at, ids in listed:
        if at is not None and abs((at - moment).total_seconds()) < 1:
            return ids
    return []
