"""What a board plays now: a pure function of the candidate items and the time.

The server decides (docs/architecture.md, "Anthias: the server evaluates the schedule, the player stays
simple"). `compose(candidates, now, rules)` keeps the items valid at `now` (validity window,
dayparts), puts an emergency above everything (while one is valid, only emergencies play),
else orders by priority class (emergency, priority, normal) and then newest first, with at
most `rules.news_count` news. It also says when the answer will next change by itself (an
item expiring or starting, a daypart opening or closing, and local midnight when the board's
slides show today's date), so the board is recomposed then without anyone editing anything.
`explain()` says the same thing item by item, with the reason in Vietnamese when one does not
play (the board's preview and the source's "Nơi nhận").

The editor's playlist ("Sắp xếp danh sách phát", boards/playlist_views.py) changes a screen's
answer through `overrides`: a mapping candidate key → `Override(position, pinned, duration_s,
excluded)` (read from BoardItemSetting by boards/item_settings.py). The composer's rules stay in
force and come first:

- An emergency ignores every override: it is never left off, plays in its own order (newest
  first) for the board's or its own duration, and while one is valid only emergencies play.
- Validity windows, dayparts and "held back" still decide whether an item plays at all: pinning
  or placing an item never puts it on the board outside its validity.
- `excluded`: the item never plays on this board; `explain()` says "đã bỏ khỏi bảng này". It
  does not use up a place in the news limit.
- The news limit still applies, to the news not excluded: pinned news first, then the newest.
- Order of the rest, by one sort key per item (so the order of two items never depends on a
  third: a candidate expiring or starting never reshuffles the others, and the preview's full
  list and the playlist agree): pinned items first; within pinned and within the rest, the
  items the editor has not placed yet (no `position`: new since the last save) first, in the
  default order (priority class, newest first), so a new announcement is seen at once; then
  the placed ones by `position`; equal positions by the default order.
- `duration_s`: the item's time on this board, instead of the item's own (an uploaded slide's)
  and the board's default.

With no overrides compose() and explain() answer exactly as without them.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wagtail.documents.models import AbstractDocument

    from boards.slide import SlideContent

PRIORITY_RANK = {"emergency": 0, "priority": 1, "normal": 2}
WEEK = range(7)  # Monday = 0, as datetime.weekday()


@dataclass(frozen=True)
class Daypart:
    """A time-of-day window on some weekdays; `end` before `start` runs past midnight."""

    weekdays: frozenset = frozenset(WEEK)
    start: datetime.time = datetime.time(0, 0)
    end: datetime.time = datetime.time(0, 0)  # 00:00 as an end means the end of the day

    def contains(self, moment: datetime.datetime) -> bool:
        t = moment.time()
        if self.start < self.end:
            return moment.weekday() in self.weekdays and self.start <= t < self.end
        if self.end == datetime.time(0, 0):  # until midnight
            return moment.weekday() in self.weekdays and t >= self.start
        # Overnight: the evening part on a chosen weekday, the morning part the day after.
        if t >= self.start:
            return moment.weekday() in self.weekdays
        return t < self.end and (moment.weekday() - 1) % 7 in self.weekdays

    def boundaries(self, day: datetime.date, tz) -> list:
        """The moments on `day` when this daypart opens or closes."""
        moments = [datetime.datetime.combine(day, self.start, tz)]
        if self.end != datetime.time(0, 0):
            moments.append(datetime.datetime.combine(day, self.end, tz))
        else:
            moments.append(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tz))
        return moments


@dataclass(frozen=True)
class VideoClip:
    """An uploaded video clip (a MediaSlide's MP4): it plays as it is, nothing is rendered."""

    document: "AbstractDocument"  # the Wagtail document holding the MP4 (its title goes in the playlist)


@dataclass(frozen=True)
class RecordedAudio:
    """A recorded programme (station.Programme): its MP3, normalised once, plays as it is on a
    loudspeaker cluster; nothing is read aloud."""

    title: str
    file: object  # boards.models.RenderedFile (kind "mp3", with its duration)


@dataclass(frozen=True)
class Candidate:
    key: str  # "announcement:12", "news:40", "media:3", "pushed:7": stable across compositions
    kind: str  # announcement | news | media | pushed | programme
    priority: str = "normal"
    date: datetime.datetime | None = None  # newest first within a priority class
    valid_from: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None
    dayparts: tuple = ()  # no daypart: all day, every day
    duration_s: float | None = None  # None: the board's default
    # What is played: a SlideContent to render (or read aloud), or a VideoClip to play as it is.
    payload: "SlideContent | VideoClip | None" = field(default=None, compare=False)
    # Further slides of the same item, shown after `payload` (an emergency's instruction and end
    # on a board too small for all of it on one slide); each is a playlist item of its own.
    pages: tuple = field(default=(), compare=False)
    # Why the item never plays, whatever the time ("không chọn hiện trên bảng", a CAP test …):
    # listed by the preview, left out by compose().
    held_back: str = ""
    # Sent down by a higher unit (a source item, a district's programme): on a loudspeaker
    # cluster a normal one waits until the commune places it in a broadcast slot (Thông tư 39).
    from_above: bool = False

    def valid_at(self, now):
        if self.valid_from is not None and now < self.valid_from:
            return False
        if self.valid_until is not None and now >= self.valid_until:
            return False
        return not self.dayparts or any(d.contains(now) for d in self.dayparts)


@dataclass(frozen=True)
class Rules:
    news_count: int = 5
    default_duration_s: float = 10.0
    dated: bool = False  # the board's slides show today's date: they change at local midnight


@dataclass(frozen=True)
class Entry:
    candidate: Candidate
    duration_s: float


@dataclass(frozen=True)
class Composition:
    entries: tuple
    next_change: datetime.datetime | None  # when compose() would answer differently by itself
    emergency: bool = False

    @property
    def keys(self):
        return [e.candidate.key for e in self.entries]


def _order(candidate):
    date = candidate.date or datetime.datetime.min.replace(tzinfo=datetime.UTC)
    # Newest first; the key breaks ties so the order never depends on the input's order.
    return (PRIORITY_RANK.get(candidate.priority, 2), -date.timestamp(), candidate.key)


@dataclass(frozen=True)
class Override:
    """The editor's choice for one item on one board (module docstring: what each does)."""

    position: int | None = None  # the place in the editor's order; None: not placed yet
    pinned: bool = False
    duration_s: float | None = None  # None: the item's own or the board's default
    excluded: bool = False


NO_OVERRIDE = Override()


def _override(candidate, overrides):
    """The override that applies to `candidate`: none for an emergency (it cannot be moved,
    timed differently or left off)."""
    if not overrides or candidate.priority == "emergency":
        return NO_OVERRIDE
    return overrides.get(candidate.key, NO_OVERRIDE)


def excluded(candidate, overrides=None) -> bool:
    """Left off this board by the editor (never an emergency)."""
    return _override(candidate, overrides).excluded


def arrangement_key(candidate, overrides=None):
    """Where `candidate` comes in the board's order: emergencies first (newest first), then
    pinned items, then the rest; within each, the not yet placed ones in the default order, then
    the placed ones by position. One key per item: the order of two items never depends on a
    third. With no overrides it is the default order."""
    setting = _override(candidate, overrides)
    placed = setting.position is not None
    emergency = candidate.priority == "emergency"
    return (not emergency, not setting.pinned, placed, setting.position if placed else 0, *_order(candidate))


def arrange(candidates, overrides=None) -> list:
    """`candidates` in the order the board plays them when they play (the editor's screen lists
    every candidate so, the playing ones in the playlist's order)."""
    return sorted(candidates, key=lambda c: arrangement_key(c, overrides))


def compose(candidates, now: datetime.datetime, rules: Rules = Rules(), overrides=None) -> Composition:
    """`now` in the boards' local time (timezone.localtime()): dayparts are local clock times.
    `overrides`: the editor's choices for this board, key → Override (module docstring)."""
    if now.tzinfo is None:
        raise ValueError("compose() needs an aware datetime")
    valid = [c for c in candidates if not c.held_back and c.valid_at(now) and not excluded(c, overrides)]
    emergencies = [c for c in valid if c.priority == "emergency"]
    if emergencies:
        chosen = sorted(emergencies, key=_order)
    else:
        news = sorted(
            (c for c in valid if c.kind == "news"),
            key=lambda c: (not _override(c, overrides).pinned, *_order(c)),  # pinned news count first
        )[: max(rules.news_count, 0)]
        chosen = arrange([c for c in valid if c.kind != "news"] + news, overrides)
    entries = tuple(Entry(c, duration_of(c, rules, overrides)) for c in chosen)
    change = next_change(candidates, now)
    if rules.dated and any(getattr(e.candidate.payload, "date_label", "") for e in entries):
        # The date is drawn into the slides: tomorrow they must say tomorrow's date.
        midnight = next_midnight(now)
        change = midnight if change is None else min(change, midnight)
    return Composition(entries, change, emergency=bool(emergencies))


def duration_of(candidate, rules, overrides=None) -> float:
    """How long `candidate` stays on the board when it plays: the editor's duration for this
    board, else the item's own (an uploaded slide's), else the board's default."""
    own = _override(candidate, overrides).duration_s
    return float(own or candidate.duration_s or rules.default_duration_s)


def next_midnight(now):
    """The next local midnight after `now` (in now's time zone: the boards' local time)."""
    tomorrow = now.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(0, 0), now.tzinfo)


def next_change(candidates, now, horizon_days=8):
    """The earliest moment after `now` at which some candidate starts, ends, or enters or leaves
    one of its dayparts (looked for within `horizon_days`)."""
    tz = now.tzinfo
    moments = []
    for c in candidates:
        if c.held_back:
            continue
        for moment in (c.valid_from, c.valid_until):
            if moment is not None and moment > now:
                moments.append(moment)
        for part in c.dayparts:
            for offset in range(-1, horizon_days):
                day = now.astimezone(tz).date() + datetime.timedelta(days=offset)
                moments.extend(m for m in part.boundaries(day, tz) if m > now)
    return min(moments) if moments else None


# --- Why an item plays or not (for people) -----------------------------------------------------

WEEKDAY_SHORT = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
PRE_EMPTED = "tạm dừng vì đang có cảnh báo khẩn cấp"
LEFT_OFF = "đã bỏ khỏi bảng này"


@dataclass(frozen=True)
class Verdict:
    candidate: Candidate
    plays: bool  # compose() puts it on the board now
    reason: str = ""  # why not, in Vietnamese ("" when it plays)


def format_moment(moment, now):
    """ "08:00 08/12" in now's time zone (the boards' local time), with the year when not now's."""
    local = moment.astimezone(now.tzinfo)
    text = f"{local:%H:%M %d/%m}"
    return text if local.year == now.year else f"{text}/{local.year}"


def describe_daypart(part):
    end = "24:00" if part.end == datetime.time(0, 0) else f"{part.end:%H:%M}"
    text = f"{part.start:%H:%M}–{end}"
    if set(part.weekdays) != set(WEEK):
        text += " " + ", ".join(WEEKDAY_SHORT[d] for d in sorted(part.weekdays))
    return text


def why_not(candidate, now, *, emergency=False, news_count=None, left_off=False):
    """Why `candidate` does not play at `now`, or "" when nothing about it stops it: held back,
    left off this board by the editor (`left_off`), not yet valid, expired, outside its
    dayparts, pre-empted by an emergency (`emergency`: one plays on the board), or beyond the
    board's `news_count` (when given: it was left out)."""
    if candidate.held_back:
        return candidate.held_back
    if left_off:
        return LEFT_OFF
    if candidate.valid_from is not None and now < candidate.valid_from:
        return f"chưa đến ngày hiệu lực (từ {format_moment(candidate.valid_from, now)})"
    if candidate.valid_until is not None and now >= candidate.valid_until:
        return f"đã hết hiệu lực ({format_moment(candidate.valid_until, now)})"
    if candidate.dayparts and not any(d.contains(now) for d in candidate.dayparts):
        return f"ngoài khung giờ ({'; '.join(describe_daypart(d) for d in candidate.dayparts)})"
    if emergency and candidate.priority != "emergency":
        return PRE_EMPTED
    if news_count is not None and candidate.kind == "news":
        return f"quá số tin tối đa của bảng ({news_count} tin)"
    return ""


def explain(candidates, now: datetime.datetime, rules: Rules = Rules(), overrides=None) -> list:
    """compose() item by item: a Verdict per candidate, in the order given, the playing ones
    with plays=True and the others with the reason in Vietnamese. Pure."""
    composition = compose(candidates, now, rules, overrides)
    playing = set(composition.keys)
    return [
        Verdict(c, True)
        if c.key in playing
        else Verdict(
            c,
            False,
            why_not(
                c,
                now,
                emergency=composition.emergency,
                news_count=rules.news_count,
                left_off=excluded(c, overrides),
            ),
        )
        for c in candidates
    ]


# --- Loudspeaker clusters (boards of kind "audio") ---------------------------------------------
#
# The same candidates, priority classes and validity windows, read aloud instead of shown.
# What differs is WHEN an item plays, and the server says it in the playlist so that the
# player only follows its own clock:
#
# - normal and priority items play at the board's broadcast times (e.g. 06:00 and 17:00 local
#   time): priority items first, then normal ones, newest first within a class, each once;
# - an emergency plays at once (it pre-empts a broadcast in progress) and again every
#   `emergency_repeat_s` while it is valid (0: once); while one is valid nothing else plays,
#   so a broadcast time that falls inside an emergency is skipped;
# - uploaded pictures and clips (kind "media") have nothing to read: audio boards leave them out;
# - recorded programmes (kind "programme", station/) play their MP3 by the same rules.

_TIME = re.compile(r"^(\d{1,2})(?:\s*[:hg.]\s*(\d{1,2})?)?\s*(?:'|p|phút)?$", re.IGNORECASE)
MAX_BROADCAST_TIMES = 24
AUDIO_KINDS = ("announcement", "news", "pushed", "programme")


def parse_broadcast_times(text) -> tuple:
    """ "6:00, 17:00" / "6h, 17h30" / "06:00;17:00" → (time(6), time(17)) sorted, without repeats.
    Raises ValueError (message in Vietnamese) on anything else. Empty → ()."""
    if isinstance(text, list | tuple):
        text = ",".join(str(t) for t in text)
    times = set()
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = _TIME.match(part)
        hour = int(match.group(1)) if match else -1
        minute = int(match.group(2) or 0) if match else -1
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"Giờ phát không hợp lệ: “{part}”.")
        times.add(datetime.time(hour, minute))
    if len(times) > MAX_BROADCAST_TIMES:
        raise ValueError(f"Tối đa {MAX_BROADCAST_TIMES} giờ phát mỗi ngày.")
    return tuple(sorted(times))


def format_broadcast_times(times) -> str:
    return ", ".join(f"{t:%H:%M}" for t in times)


@dataclass(frozen=True)
class SlotPlan:
    """The commune's programme of one broadcast moment (station.models.SlotPlan): `keys` placed
    in the order they air, `removed` taken out of it."""

    at: datetime.datetime
    keys: tuple = ()
    removed: tuple = ()


@dataclass(frozen=True)
class AudioRules:
    broadcast_times: tuple = (datetime.time(6, 0), datetime.time(17, 0))  # local clock times
    emergency_repeat_s: int = 900  # 0: an emergency plays once
    news_count: int = 5
    plans: tuple = ()  # SlotPlan of the moments the commune arranged


def waits_for_placement(candidate):
    """A normal item sent down from above airs only in the slots the commune places it in."""
    return candidate.from_above and candidate.priority == "normal"


def slot_keys(spoken, moment, rules_now, plan=None):
    """The keys one broadcast moment airs, in order: those the commune placed (in its order),
    then the rest of what is valid at that moment (priority first, newest first), leaving out a
    normal item from above that was not placed and what the commune removed from the slot."""
    valid = compose(spoken, moment, rules_now).keys
    waiting = {c.key for c in spoken if waits_for_placement(c)}
    placed = [k for k in (plan.keys if plan else ()) if k in valid]
    removed = set(plan.removed) if plan else set()
    rest = [k for k in valid if k not in waiting and k not in removed and k not in placed]
    return tuple(placed + rest)


@dataclass(frozen=True)
class Airing:
    """A moment the loudspeakers play: `keys` in order. `emergency`: at once, pre-empting."""

    at: datetime.datetime
    keys: tuple
    emergency: bool = False


@dataclass(frozen=True)
class AudioComposition(Composition):
    airings: tuple = ()  # what plays when within the horizon, by the rules above

    @property
    def next_broadcast(self):
        return next((a for a in self.airings if not a.emergency), None)


def broadcast_moments(times, start, end):
    """The broadcast moments in [start, end), in start's time zone (local clock times)."""
    tz = start.tzinfo
    moments = []
    day = start.date() - datetime.timedelta(days=1)
    while day <= end.date():
        for t in times:
            moment = datetime.datetime.combine(day, t, tz)
            if start <= moment < end:
                moments.append(moment)
        day += datetime.timedelta(days=1)
    return sorted(moments)


def _emergency_moments(candidate, now, end, repeat_s):
    """When one emergency item airs within [now, end): at once (or when it starts), then every
    repeat_s while valid."""
    first = max(now, candidate.valid_from) if candidate.valid_from else now
    stop = min(end, candidate.valid_until) if candidate.valid_until else end
    moments = []
    moment = first
    while moment < stop:
        if candidate.valid_at(moment):
            moments.append(moment)
        if repeat_s <= 0:
            break
        moment += datetime.timedelta(seconds=repeat_s)
    return moments


def compose_audio(
    candidates,
    now: datetime.datetime,
    rules: AudioRules = AudioRules(),
    horizon: datetime.timedelta = datetime.timedelta(hours=24),
) -> AudioComposition:
    """What a loudspeaker cluster holds now (`entries`, as compose() orders them) and, within
    `horizon`, when each item airs (`airings`). `now` in the board's local time: broadcast times
    are local clock times. Pure: the same arguments give the same answer."""
    spoken = [c for c in candidates if c.kind in AUDIO_KINDS and not c.held_back]
    rules_now = Rules(news_count=rules.news_count, default_duration_s=0.0)
    current = compose(spoken, now, rules_now)
    end = now + horizon
    emergencies = [c for c in spoken if c.priority == "emergency"]
    by_moment = {}
    for candidate in sorted(emergencies, key=_order):
        for moment in _emergency_moments(candidate, now, end, rules.emergency_repeat_s):
            by_moment.setdefault(moment, []).append(candidate.key)
    airings = [Airing(moment, tuple(keys), emergency=True) for moment, keys in by_moment.items()]
    plans = {plan.at: plan for plan in rules.plans}
    moments = broadcast_moments(rules.broadcast_times, now, end)
    for moment in moments:
        if any(c.valid_at(moment) for c in emergencies):
            continue  # pre-empted: only the emergency plays while it is valid
        keys = slot_keys(spoken, moment, rules_now, plans.get(moment))
        if keys:
            airings.append(Airing(moment, keys))
    airings.sort(key=lambda a: (a.at, not a.emergency))
    change = current.next_change
    if moments:  # a minute after each broadcast: the horizon moves on, the next day's slot comes in
        after = moments[0] + datetime.timedelta(minutes=1)
        change = after if change is None else min(change, after)
    return AudioComposition(current.entries, change, emergency=current.emergency, airings=tuple(airings))
