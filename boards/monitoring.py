"""Is each e-board alive? (docs/architecture.md, "Player protocol v1".)

A board is offline when it has not been seen for 1.5 × its refresh interval (`board_state`, a
pure function of the board, its BoardStatus and a moment). `check_boards` runs every minute
(django-q2 Schedule "Giám sát bảng điện tử", settings.SCHEDULES): it keeps
one BoardHealth row per board, records each transition as a BoardEvent, and e-mails the owner
unit's editors and moderators once per outage — only within the board's operating hours (an
outage that starts outside them is recorded, and alerted when the hours start if the board is
still offline) — and again when the board comes back, with the downtime. A recovery from an
outage nobody was told about sends nothing. Every 5 minutes at most it stores, per owner unit,
how many of its active boards were online (OnlineSample) for the monitoring chart
(boards/monitoring_views.py).
"""

import dataclasses
import datetime
import logging

from django.db.models import Max
from django.utils import timezone

from areas.accounts import send_to_staff, unit_admin_url, unit_staff
from boards.channel import ALIVE_FOR_S
from boards.models import Board, BoardEvent, BoardHealth, ChannelLink, OnlineSample, PlaylistVersion

log = logging.getLogger(__name__)

OFFLINE_FACTOR = 1.5
SAMPLE_EVERY = datetime.timedelta(minutes=5)
NEVER, ONLINE, OFFLINE = "never", "online", "offline"
MONITORING_URL_NAME = "boards_monitoring"  # boards/monitoring_views.py, which imports this module


@dataclasses.dataclass(frozen=True)
class State:
    kind: str  # never | online | offline
    last_seen_at: datetime.datetime | None = None
    offline_since: datetime.datetime | None = None
    version_playing: int | None = None
    version_current: int | None = None

    @property
    def online(self):
        return self.kind == ONLINE

    @property
    def behind(self):
        """Plays an older version than the newest one published."""
        return (
            self.version_playing is not None
            and self.version_current is not None
            and self.version_playing < self.version_current
        )


def offline_after(board):
    return datetime.timedelta(seconds=OFFLINE_FACTOR * board.refresh_seconds)


def channel_trusted(now=None):
    """Is the sender connected to the broker, and said so recently (boards/sender.py)? Only then
    is a board's channel presence believed; otherwise the poll rule alone decides."""
    now = now or timezone.now()
    link = ChannelLink.objects.filter(pk=1).values_list("seen_at", "connected").first()
    return bool(link and link[1] and now - link[0] <= datetime.timedelta(seconds=ALIVE_FOR_S))


def board_state(board, status, now, current_version=None, trusted=None):
    """The board's state at `now`. With the real-time channel (`trusted`: the sender is
    connected; read when None) a board that has a channel presence is online while its player
    is connected, and offline from the moment its Last Will arrived unless it polled since
    (a player whose channel is down polls on). Otherwise, and for players without the channel:
    offline when not seen (`status`, its BoardStatus) for 1.5 × its refresh interval.
    `current_version`: the newest version number if known (else read from the board)."""
    if current_version is None:
        version = board.current_version
        current_version = version.number if version is not None else None
    if trusted is None:
        trusted = channel_trusted(now) if board.channel_state else False
    seen = status.last_seen_at if status is not None else None
    playing = status.version if status is not None else None
    if trusted and board.channel_state and board.channel_at is not None:
        if board.channel_state == ONLINE:
            return State(ONLINE, last_seen_at=now, version_playing=playing, version_current=current_version)
        polled_since = seen is not None and seen > board.channel_at and now <= seen + offline_after(board)
        if not polled_since:
            return State(
                OFFLINE,
                last_seen_at=max(filter(None, (seen, board.channel_at))),
                offline_since=board.channel_at,
                version_playing=playing,
                version_current=current_version,
            )
    if seen is None:
        return State(NEVER, version_current=current_version)
    deadline = seen + offline_after(board)
    kind = ONLINE if now <= deadline else OFFLINE
    return State(
        kind,
        last_seen_at=seen,
        offline_since=deadline if kind == OFFLINE else None,
        version_playing=playing,
        version_current=current_version,
    )


def scheduled_off(board, state, now):
    """ "tắt theo lịch": a board that is off or silent outside its operating hours, or whose
    player reports its screen off, is not "mất kết nối"."""
    if (board.channel_status or {}).get("power") == "off" and state.kind == ONLINE:
        return True
    return state.kind == OFFLINE and not board.is_operating(now)


def format_duration(delta):
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} ngày")
    if hours:
        parts.append(f"{hours} giờ")
    if minutes or not parts:
        parts.append(f"{minutes} phút")
    return " ".join(parts)


def recipients_for(board):
    """The owner unit's editors and moderators with an e-mail address (active users, one per
    address)."""
    return unit_staff(board.owner.specific)


def _send(board, template, subject, context):
    """One e-mail per person, by name, with the link to the monitoring page in the admin on the
    owner unit's own host (areas/accounts.py)."""
    recipients = recipients_for(board)
    if not recipients:
        return 0
    context = {
        "board": board,
        "unit": board.owner,
        "local": timezone.localtime,
        "monitoring_url": unit_admin_url(board.owner, MONITORING_URL_NAME),
        **context,
    }
    return send_to_staff(recipients, subject, template, context)


def _alert_offline(board, offline_since, last_seen_at):
    return _send(
        board,
        "boards/email/board_offline.txt",
        f"[{board.owner.title}] Bảng điện tử mất kết nối: {board.name}",
        {
            "offline_since": timezone.localtime(offline_since),
            "last_seen_at": timezone.localtime(last_seen_at) if last_seen_at else None,
        },
    )


def _alert_back(board, offline_since, back_at, downtime):
    return _send(
        board,
        "boards/email/board_back.txt",
        f"[{board.owner.title}] Bảng điện tử đã hoạt động trở lại: {board.name}",
        {
            "offline_since": timezone.localtime(offline_since),
            "back_at": timezone.localtime(back_at),
            "downtime": downtime,
        },
    )


def check_boards(now=None, board_ids=None):
    """Every minute (and at once for a board whose channel presence changed, `board_ids`):
    states, transitions, alerts, samples. Returns a summary dict."""

    now = now or timezone.now()
    boards = Board.objects.filter(is_active=True).select_related("owner", "status", "health").prefetch_related("hours")
    if board_ids is not None:
        boards = boards.filter(pk__in=board_ids)
    boards = list(boards)
    newest = newest_versions(boards)
    trusted = channel_trusted(now)
    summary = {"online": 0, "offline": 0, "never": 0, "alerts": 0, "recoveries": 0}
    per_unit = {}
    for board in boards:
        status = getattr(board, "status", None) if hasattr(board, "status") else None
        state = board_state(board, status, now, current_version=newest.get(board.pk, 0) or None, trusted=trusted)
        summary[state.kind] += 1
        online, total = per_unit.get(board.owner_id, (0, 0))
        per_unit[board.owner_id] = (online + state.online, total + 1)
        _transition(board, state, now, summary)
    if board_ids is not None:
        return summary
    latest = OnlineSample.objects.aggregate(at=Max("at"))["at"]
    if per_unit and (latest is None or now - latest >= SAMPLE_EVERY or latest > now):
        OnlineSample.objects.bulk_create(
            [OnlineSample(at=now, unit_id=unit, online=o, total=t) for unit, (o, t) in per_unit.items()]
        )
        summary["sampled"] = True
    return summary


def _transition(board, state, now, summary):
    """Record a change of a board's state (event, e-mails) in its BoardHealth row."""
    try:
        health = board.health
    except BoardHealth.DoesNotExist:
        health = BoardHealth(board=board, state=NEVER, changed_at=now)
    if state.kind == OFFLINE:
        if health.state != OFFLINE:
            in_hours = board.is_operating(state.offline_since)
            BoardEvent.objects.create(
                board=board,
                at=state.offline_since,
                kind=BoardEvent.WENT_OFFLINE,
                note="" if in_hours else "ngoài giờ hoạt động",
            )
            health.state, health.changed_at, health.alerted_at = OFFLINE, state.offline_since, None
        if health.alerted_at is None and board.is_operating(now):
            _alert_offline(board, health.changed_at, state.last_seen_at)
            health.alerted_at = now
            summary["alerts"] += 1
    elif state.kind == ONLINE:
        if health.state == OFFLINE:
            back_at = state.last_seen_at
            downtime = format_duration(back_at - health.changed_at)
            BoardEvent.objects.create(
                board=board, at=back_at, kind=BoardEvent.CAME_BACK, note=f"ngoại tuyến {downtime}"
            )
            if health.alerted_at is not None:
                _alert_back(board, health.changed_at, back_at, downtime)
                summary["recoveries"] += 1
            health.state, health.changed_at, health.alerted_at = ONLINE, back_at, None
        elif health.state != ONLINE:
            health.state, health.changed_at = ONLINE, state.last_seen_at
    health.checked_at = now
    health.save()


def newest_versions(boards):
    """{board id: the number of its newest playlist version} in one query (boards without one
    are absent)."""
    return dict(
        PlaylistVersion.objects.filter(board__in=boards)
        .values("board")
        .annotate(n=Max("number"))
        .values_list("board", "n")
    )
