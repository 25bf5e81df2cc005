"""What a board plays now: a pure function of the candidate items and the time.

The server decides (DESIGN.md, "Anthias: the server evaluates the schedule, the player stays
simple"). `compose(candidates, now, rules)` keeps the items valid at `now` (validity window,
dayparts), puts an emergency above everything (while one is valid, only emergencies play),
else orders by priority class (emergency, priority, normal) and then newest first, with at
most `rules.news_count` news. It also says when the answer will next change by itself (an
item expiring or starting, a daypart opening or closing), so the board is recomposed then
without anyone editing anything.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

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
class Candidate:
    key: str  # "announcement:12", "news:40", "media:3", "pushed:7": stable across compositions
    kind: str  # announcement | news | media | pushed
    priority: str = "normal"
    date: datetime.datetime | None = None  # newest first within a priority class
    valid_from: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None
    dayparts: tuple = ()  # no daypart: all day, every day
    duration_s: float | None = None  # None: the board's default
    payload: Any = field(default=None, compare=False)  # what the renderer needs (SlideContent, media)

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
    date = candidate.date or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    # Newest first; the key breaks ties so the order never depends on the input's order.
    return (PRIORITY_RANK.get(candidate.priority, 2), -date.timestamp(), candidate.key)


def compose(candidates, now: datetime.datetime, rules: Rules = Rules()) -> Composition:
    """`now` in the boards' local time (timezone.localtime()): dayparts are local clock times."""
    if now.tzinfo is None:
        raise ValueError("compose() needs an aware datetime")
    valid = [c for c in candidates if c.valid_at(now)]
    emergencies = [c for c in valid if c.priority == "emergency"]
    if emergencies:
        chosen = sorted(emergencies, key=_order)
    else:
        news = sorted((c for c in valid if c.kind == "news"), key=_order)[: max(rules.news_count, 0)]
        chosen = sorted([c for c in valid if c.kind != "news"] + news, key=_order)
    entries = tuple(Entry(c, float(c.duration_s or rules.default_duration_s)) for c in chosen)
    return Composition(entries, next_change(candidates, now), emergency=bool(emergencies))


def next_change(candidates, now, horizon_days=8):
    """The earliest moment after `now` at which some candidate starts, ends, or enters or leaves
    one of its dayparts (looked for within `horizon_days`)."""
    tz = now.tzinfo
    moments = []
    for c in candidates:
        for moment in (c.valid_from, c.valid_until):
            if moment is not None and moment > now:
                moments.append(moment)
        for part in c.dayparts:
            for offset in range(-1, horizon_days):
                day = now.astimezone(tz).date() + datetime.timedelta(days=offset)
                moments.extend(m for m in part.boundaries(day, tz) if m > now)
    return min(moments) if moments else None
