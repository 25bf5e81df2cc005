"""The commune's broadcast programme (chương trình phát thanh), as Thông tư 39/2020/TT-BTTTT
frames it: the broadcast slots of a day (the broadcast times of the commune's clusters), what
each slot airs and in which order, and what waits to be placed.

- An emergency airs at once (boards/composition.py); it is not placed.
- A priority item and the commune's own items are placed in every slot automatically, priority
  first; the commune may reorder them or take one out of a slot.
- A normal item sent down from above (a source item, a district's or the province's
  programme) waits in "chờ đưa vào chương trình" until a commune editor places it in a slot.

SlotPlan rows hold the commune's choices; boards.publishing reads them through the hook
`construct_broadcast_plans` (slot_plans below), so the clusters' playlists carry each
broadcast's items in order and the player plays by its own clock."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from boards.composition import AUDIO_KINDS, RecordedAudio, Rules, compose, slot_keys, waits_for_placement
from boards.composition import SlotPlan as PlannedSlot
from boards.delivery import current_versions
from boards.publishing import candidates_for
from core.periods import clock
from station.models import SlotPlan
from station.reach import clusters

MAX_DAYS_AHEAD = 31
PRIORITY_LABELS = {
    "emergency": "Khẩn cấp",
    "priority": "Ưu tiên",
    "normal": "Thông thường",
}  # how far ahead a slot may be arranged


def commune_clusters(commune):
    return list(clusters().filter(owner=commune).order_by("name"))


def slot_times(cluster_list):
    """The broadcast times of the commune: every time any of its clusters broadcasts, sorted."""
    return sorted({t for cluster in cluster_list for t in cluster.broadcast_schedule})


def moment(day, at):
    return timezone.make_aware(datetime.datetime.combine(day, at))


def slot_plans(board, start, end):
    """The commune's plans of the slots in [start, end) for one of its clusters (the hook)."""
    if not board.is_audio:
        return []
    rows = SlotPlan.objects.filter(owner_id=board.owner_id, day__gte=start.date(), day__lte=end.date())
    return [PlannedSlot(at=moment(row.day, row.at), keys=tuple(row.keys), removed=tuple(row.removed)) for row in rows]


@dataclass
class Item:
    key: str
    title: str
    priority: str
    kind: str
    from_above: bool
    source: str = ""
    duration_s: float | None = None
    slots: list = field(default_factory=list)  # the slot times of the day it airs in

    @property
    def priority_label(self):
        label = PRIORITY_LABELS.get(self.priority, self.priority)
        return f"{label}, từ cấp trên" if self.from_above else label

    @property
    def waits(self):
        return self.from_above and self.priority == "normal"

    @property
    def duration_label(self):
        return clock(self.duration_s)


@dataclass
class Slot:
    at: datetime.time
    moment: datetime.datetime
    items: list
    removed: list
    next_at: datetime.datetime | None
    emergency: bool = False

    @property
    def total_s(self):
        return sum(i.duration_s or 0 for i in self.items)

    @property
    def total_label(self):
        return clock(self.total_s)

    @property
    def unknown_durations(self):
        return sum(1 for i in self.items if i.duration_s is None)

    @property
    def overlap(self):
        """The next slot starts before this one ends: the seconds they overlap, else 0."""
        if self.next_at is None:
            return 0
        ends = self.moment + datetime.timedelta(seconds=self.total_s)
        return max(0, int((ends - self.next_at).total_seconds()))

    @property
    def overlap_label(self):
        return clock(self.overlap)


def _candidates(cluster_list, now):
    """Every candidate any of the commune's clusters could air, once per key."""
    found = {}
    for cluster in cluster_list:
        for candidate in candidates_for(cluster, now):
            if candidate.kind in AUDIO_KINDS and not candidate.held_back:
                found.setdefault(candidate.key, candidate)
    return list(found.values())


def _durations(cluster_list):
    """{item id: seconds} from the clusters' current playlists (bulletins read aloud are timed
    when synthesised; recorded programmes carry their own)."""
    found = {}
    for version in current_versions(clusters().filter(pk__in=[c.pk for c in cluster_list])).values():
        for entry in version.items:
            if entry.get("duration_s") is not None:
                found.setdefault(entry["id"], float(entry["duration_s"]))
    return found


def _item(candidate, durations):
    payload = candidate.payload
    duration = durations.get(candidate.key)
    if isinstance(payload, RecordedAudio) and payload.file is not None and payload.file.duration_s:
        duration = float(payload.file.duration_s)
    return Item(
        key=candidate.key,
        title=getattr(payload, "title", "") or candidate.key,
        priority=candidate.priority,
        kind=candidate.kind,
        from_above=candidate.from_above,
        source=getattr(payload, "header", "") or "",
        duration_s=duration,
    )


def day_programme(commune, day, cluster_list=None):
    """(slots, waiting, items) of `commune` on `day`: each Slot with its items in airing order,
    the items from above that wait to be placed (valid that day, placed in none of its slots),
    and every item by key."""
    cluster_list = commune_clusters(commune) if cluster_list is None else cluster_list
    times = slot_times(cluster_list)
    start = moment(day, datetime.time())
    candidates = _candidates(cluster_list, max(timezone.localtime(), start))
    durations = _durations(cluster_list)
    items = {c.key: _item(c, durations) for c in candidates}
    plans = {row.at: row for row in SlotPlan.objects.filter(owner=commune, day=day)}
    rules_now = Rules(news_count=max((c.news_count for c in cluster_list), default=5), default_duration_s=0.0)
    slots = []
    moments = [moment(day, t) for t in times]
    emergencies = [c for c in candidates if c.priority == "emergency"]
    for index, at in enumerate(times):
        when = moments[index]
        following = (
            moments[index + 1] if index + 1 < len(moments) else moment(day + datetime.timedelta(days=1), times[0])
        )
        row = plans.get(at)
        plan = PlannedSlot(at=when, keys=tuple(row.keys), removed=tuple(row.removed)) if row else None
        keys = slot_keys(candidates, when, rules_now, plan)
        removed = [items[k] for k in (row.removed if row else ()) if k in items]
        slot = Slot(
            at=at,
            moment=when,
            items=[items[k] for k in keys],
            removed=removed,
            next_at=following,
            emergency=any(c.valid_at(when) for c in emergencies),
        )
        for item in slot.items:
            item.slots.append(at)
        slots.append(slot)
    valid_today = {
        c.key
        for c in candidates
        if waits_for_placement(c) and any(k == c.key for m in moments for k in compose(candidates, m, rules_now).keys)
    }
    waiting = [items[k] for k in sorted(valid_today) if not items[k].slots]
    return slots, waiting, items


def day_relays(commune, day):
    """[(relay, [(from, to)])] of the relays the commune's clusters air on `day`."""
    from station.relays import relays_for, windows

    start = moment(day, datetime.time())
    found = {}
    for cluster in commune_clusters(commune):
        for relay in relays_for(cluster):
            found.setdefault(relay.pk, relay)
    listed = [(relay, windows(relay, start, start + datetime.timedelta(days=1))) for relay in found.values()]
    return [(relay, spans) for relay, spans in listed if spans]


def week_programme(commune, first_day):
    """[(day, slots)] for seven days from `first_day`."""
    cluster_list = commune_clusters(commune)
    return [
        (day, day_programme(commune, day, cluster_list)[0])
        for day in (first_day + datetime.timedelta(days=n) for n in range(7))
    ]


# --- What a commune editor does ------------------------------------------------------------------


class PlanError(ValueError):
    """A change the programme cannot take, with the reason in Vietnamese."""


def _plan(commune, day, at, user):
    row, _ = SlotPlan.objects.get_or_create(owner=commune, day=day, at=at)
    row.updated_by = user
    return row


def check_slot(commune, day, at, cluster_list=None):
    today = timezone.localdate()
    if day < today:
        raise PlanError("Không sửa được chương trình của ngày đã qua.")
    if day > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise PlanError(f"Chỉ xếp chương trình trước tối đa {MAX_DAYS_AHEAD} ngày.")
    times = slot_times(commune_clusters(commune) if cluster_list is None else cluster_list)
    if at not in times:
        raise PlanError(f"{at:%H:%M} không phải giờ phát của các cụm loa của xã.")
    if moment(day, at) <= timezone.now():
        raise PlanError(f"Khung giờ {at:%H:%M} ngày {day:%d/%m/%Y} đã qua.")


def place(commune, key, day, at, user, days=1):
    """Put `key` in the slot `at` of `day` (and the following `days` − 1 days), at the end."""
    placed = 0
    for n in range(days):
        when = day + datetime.timedelta(days=n)
        try:
            check_slot(commune, when, at)
        except PlanError:
            if n == 0:
                raise
            continue
        row = _plan(commune, when, at, user)
        if key not in row.keys:
            row.keys = [*row.keys, key]
        row.removed = [k for k in row.removed if k != key]
        row.save()
        placed += 1
    return placed


def reorder(commune, day, at, keys, user):
    """The slot airs `keys` in this order (the drag-and-drop of the programme view)."""
    check_slot(commune, day, at)
    keys = [k for k in dict.fromkeys(keys) if isinstance(k, str) and k]
    row = _plan(commune, day, at, user)
    row.keys = keys
    row.removed = [k for k in row.removed if k not in keys]
    row.save()


def move(commune, day, at, key, offset, user, current):
    """Move `key` up (−1) or down (+1) among `current` (the slot's keys as shown)."""
    keys = list(current)
    if key not in keys:
        raise PlanError("Mục này không có trong khung giờ.")
    index = keys.index(key)
    target = min(max(index + offset, 0), len(keys) - 1)
    keys.insert(target, keys.pop(index))
    reorder(commune, day, at, keys, user)


def take_out(commune, day, at, key, user):
    """Take `key` out of the slot: a placed item from above goes back to waiting; one of the
    commune's own (or a priority item) is marked removed from this slot."""
    check_slot(commune, day, at)
    row = _plan(commune, day, at, user)
    row.keys = [k for k in row.keys if k != key]
    if key not in row.removed:
        row.removed = [*row.removed, key]
    row.save()


def restore(commune, day, at, key, user):
    check_slot(commune, day, at)
    row = _plan(commune, day, at, user)
    row.removed = [k for k in row.removed if k != key]
    row.save()
