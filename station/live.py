"""Live broadcasts to the loudspeaker clusters ("Phát trực tiếp", README "Live
broadcasts"): who may broadcast to which clusters, the short-lived ticket that carries that
from the admin page to the live ingest, the session's programme, its commands to the players,
and what the admin page shows of each cluster.

    my_clusters(user)                       clusters (boards of kind "audio") the user may reach
    check(user, cluster_ids, priority)      -> Plan(clusters, unit, level, priority), or LiveRefused
    issue_ticket(user, plan) / read_ticket(text) -> {"user", "clusters", "priority", "nonce"}
    open_session(ticket) -> Session         the Programme (kind live, processing) and the mount
    tune_in(session, url) / tune_out(session)   `live` / `live_end` commands to the clusters
    cluster_states(session)                 [{id, name, unit, state, label}] for the admin page
    finish(session, recording, reason)      the recording normalised and kept as the programme

Who may: a user broadcasts to the clusters of their units and of the units inside them
(areas.scoping), normal or emergency alike: a commune's staff may broadcast an emergency to their
own commune's clusters (Thông tư 39: an emergency is aired at once, and a commune has its own,
e.g. a flood in one hamlet), as they may mark a recorded programme "khẩn cấp". Which emergency
wins is the players' rule, by the unit's level (player/live.py): an emergency broadcast cuts into
bulletins and normal broadcasts, and into another emergency broadcast only when it comes from
a unit above (a district's into a commune's, the province's into anyone's).

Settings (read as settings, else from the environment of the same name, so that an
installation may set them either way): STATION_ICECAST_URL (`http://source:PASSWORD@host:8000`,
where the ingest sends the stream; empty: the ingest serves listeners itself),
STATION_LIVE_PUBLIC_URL (where players reach the streams, e.g. `http://loa.tinh.gov.vn:8000`),
STATION_LIVE_INGEST_URL (where browsers reach `manage.py live_ingest`, e.g.
`wss://tinh.gov.vn/phat-truc-tiep/`; default `ws://<the admin's host>:8765/`).
"""

import datetime
import os
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files import File
from django.db import transaction
from django.http.request import split_domain_port
from django.utils import timezone
from wagtail.models import Page

from areas.models import AreaPage, CommuneHomePage
from areas.scoping import scope_paths, under
from boards import channel
from boards.models import Board, BoardCommand, CommandKind, CommandState
from station.models import Programme, ProgrammeKind, ProgrammePriority, ProgrammeState
from station.reach import clusters

TICKET_SALT = "station.live.ticket"
TICKET_MAX_AGE_S = 60
PRIORITIES = {"normal": "Thông thường", "emergency": "Khẩn cấp"}
INGEST_PORT = 8765
MAX_CLUSTERS = 2000


class LiveRefused(Exception):
    """A broadcast that may not start: `message` for people (Vietnamese), `status` for HTTP."""

    def __init__(self, message, status=403, code="forbidden"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def setting(name, default=""):
    value = getattr(settings, name, None)
    if not value:  # unset, or empty in settings: the environment may still say
        value = os.environ.get(name, default)
    return (value or default).strip()


def icecast_url():
    return setting("STATION_ICECAST_URL")


def ingest_url(request):
    """The WebSocket address of the live ingest as the admin's browser reaches it."""
    configured = setting("STATION_LIVE_INGEST_URL")
    if configured:
        return configured
    host, _port = split_domain_port(request.get_host())
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{host}:{INGEST_PORT}/"


# --- Who may broadcast where ---------------------------------------------------------------------


def my_clusters(user):
    """The active clusters of the user's units and the units inside them (everything for a
    superuser), with their owners, in tree and name order."""
    found = clusters().select_related("owner").order_by("owner__path", "name")
    paths = scope_paths(user)
    if paths is None:
        return found
    return found.filter(under("owner__path", paths)) if paths else found.none()


def speaking_unit(user, owners):
    """The unit a broadcast speaks for: the deepest unit that holds every cluster's owner, among
    the user's own units (any unit for a superuser)."""
    paths = [owner.path for owner in owners]
    common = os.path.commonprefix(paths)  # noqa: RUF071 - tree paths, not files: cut to whole steps next
    common = common[: len(common) - len(common) % Page.steplen]
    candidates = [common[:end] for end in range(len(common), 0, -Page.steplen)]
    allowed = scope_paths(user)
    for path in candidates:
        if allowed is not None and not any(path.startswith(prefix) for prefix in allowed):
            continue
        unit = AreaPage.objects.filter(path=path).first() or CommuneHomePage.objects.filter(path=path).first()
        if unit is not None:
            return unit
    return None


@dataclass
class Plan:
    clusters: list
    unit: object
    level: str
    priority: str


def check(user, cluster_ids, priority):
    """What the user asked for, checked: a Plan, or LiveRefused with the reason in Vietnamese
    (another unit's cluster is a 404, as it is everywhere in the admin)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise LiveRefused("Bạn cần đăng nhập bằng tài khoản còn hoạt động để phát trực tiếp.", 403)
    if priority not in PRIORITIES:
        raise LiveRefused("Mức ưu tiên phải là “Thông thường” hoặc “Khẩn cấp”.", 400, "bad_priority")
    try:
        wanted = sorted({int(pk) for pk in cluster_ids})
        if any(not 0 < pk < 2**63 for pk in wanted):  # beyond a database integer: SQLite raises OverflowError
            raise ValueError("cluster id out of range")
    except (TypeError, ValueError):
        raise LiveRefused("Danh sách cụm loa không hợp lệ.", 400, "bad_clusters") from None
    if not wanted:
        raise LiveRefused("Chọn ít nhất một cụm loa để phát.", 400, "no_clusters")
    if len(wanted) > MAX_CLUSTERS:
        raise LiveRefused(f"Mỗi lần phát tối đa {MAX_CLUSTERS} cụm loa.", 400, "too_many")
    if scope_paths(user) == []:
        raise LiveRefused("Tài khoản của bạn không thuộc đơn vị nào nên không phát trực tiếp được.", 403)
    found = {board.pk: board for board in my_clusters(user).filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise LiveRefused(
            f"Không tìm thấy cụm loa số {', '.join(map(str, missing[:5]))} trong các cụm loa của đơn vị bạn: "
            "bạn chỉ phát được tới cụm loa của đơn vị mình và các đơn vị trực thuộc.",
            404,
            "not_found",
        )
    chosen = [found[pk] for pk in wanted]
    unit = speaking_unit(user, [board.owner for board in chosen])
    if unit is None:
        raise LiveRefused("Không xác định được đơn vị phát cho các cụm loa đã chọn.", 403)
    return Plan(clusters=chosen, unit=unit, level=unit.level, priority=priority)


# --- The ticket ------------------------------------------------------------------------------------


def _signer():
    return signing.TimestampSigner(salt=TICKET_SALT)


def issue_ticket(user, plan):
    """A signed ticket (valid TICKET_MAX_AGE_S, used once by the ingest) naming the user, the
    clusters and the priority: the ingest needs no session cookie, and a page of another
    origin cannot get one (the admin's POST needs the CSRF token)."""
    body = {
        "user": user.pk,
        "clusters": [board.pk for board in plan.clusters],
        "priority": plan.priority,
        "nonce": secrets.token_urlsafe(12),
    }
    return _signer().sign_object(body, compress=True)


def read_ticket(text, max_age=TICKET_MAX_AGE_S):
    if not isinstance(text, str) or not text or len(text) > 64 * 1024:
        raise LiveRefused("Thiếu vé phát trực tiếp.", 401, "no_ticket")
    try:
        body = _signer().unsign_object(text, max_age=max_age)
    except signing.SignatureExpired:
        raise LiveRefused("Vé phát trực tiếp đã hết hạn: bấm “Bắt đầu phát” lại.", 401, "ticket_expired") from None
    except signing.BadSignature:
        raise LiveRefused("Vé phát trực tiếp không hợp lệ.", 401, "bad_ticket") from None
    if not isinstance(body, dict) or not {"user", "clusters", "priority", "nonce"} <= body.keys():
        raise LiveRefused("Vé phát trực tiếp không hợp lệ.", 401, "bad_ticket")
    return body


# --- The session ---------------------------------------------------------------------------------


@dataclass
class Session:
    programme_id: int
    title: str
    cluster_ids: list
    priority: str
    level: str
    unit_title: str
    user_id: int
    mount: str
    started_at: object = field(default_factory=timezone.now)

    @property
    def id(self):
        return str(self.programme_id)

    @property
    def item(self):
        return f"programme:{self.programme_id}"


def open_session(ticket):
    """The checked ticket's session: rights checked again (they may have changed since the
    ticket), a Programme (kind live, processing) made to hold the recording, a mount name no
    one can guess."""
    user = get_user_model().objects.filter(pk=ticket["user"]).first()
    plan = check(user, ticket["clusters"], ticket["priority"])
    now = timezone.now()
    title = f"Phát trực tiếp {plan.unit.title} {timezone.localtime(now):%H:%M %d/%m/%Y}"
    with transaction.atomic():
        programme = Programme(
            owner_id=plan.unit.pk,
            title=title[:200],
            kind=ProgrammeKind.LIVE,
            priority=ProgrammePriority.EMERGENCY if plan.priority == "emergency" else ProgrammePriority.NORMAL,
            state=ProgrammeState.PROCESSING,
            message="Đang phát trực tiếp.",
            valid_from=now,
            created_by=user,
            created_at=now,
        )
        programme.target_clusters = plan.clusters  # modelcluster: saved with the programme
        programme.save()
    return Session(
        programme_id=programme.pk,
        title=programme.title,
        cluster_ids=[board.pk for board in plan.clusters],
        priority=plan.priority,
        level=plan.level,
        unit_title=plan.unit.title,
        user_id=user.pk,
        mount=f"/live-{programme.pk}-{secrets.token_hex(8)}.mp3",
        started_at=now,
    )


def tune_in(session, url):
    """A `live` command to every cluster of the session (sent by `manage.py mqtt_sender`)."""
    user = get_user_model().objects.filter(pk=session.user_id).first()
    args = {
        "url": url,
        "session": session.id,
        "priority": session.priority,
        "level": session.level,
        "title": session.title,
    }
    with transaction.atomic():
        for board in Board.objects.filter(pk__in=session.cluster_ids):
            channel.send(board, CommandKind.LIVE, args, user=user)


def tune_out(session):
    """`live_end` to the clusters told of the session; a `live` still waiting is cancelled."""
    told = set(
        BoardCommand.objects.filter(kind=CommandKind.LIVE, args__session=session.id)
        .exclude(state=CommandState.PENDING)
        .values_list("board_id", flat=True)
    )
    with transaction.atomic():
        for board in Board.objects.filter(pk__in=session.cluster_ids):
            if board.pk in told:
                channel.send(board, CommandKind.LIVE_END, {"session": session.id})
            else:
                BoardCommand.objects.filter(
                    board=board,
                    kind=CommandKind.LIVE,
                    args__session=session.id,
                    state=CommandState.PENDING,
                ).update(
                    state=CommandState.EXPIRED, message="Buổi phát trực tiếp đã kết thúc trước khi cụm loa nhận lệnh."
                )


STATE_LABELS = {
    "on_air": "Đang phát",
    "waiting": "Chờ hết bản tin đang phát",
    "yielded": "Tạm nhường nội dung ưu tiên hơn",
    "sent": "Đã gửi lệnh, chờ cụm loa",
    "pending": "Đang gửi lệnh",
    "offline": "Cụm loa chưa kết nối kênh thời gian thực",
    "no_channel": "Chưa bật kênh thời gian thực (MQTT)",
    "failed": "Cụm loa báo lỗi",
    "expired": "Cụm loa không nhận được lệnh",
}


def cluster_states(session):
    """What the admin page shows of each cluster of the session: from the `live` command's
    state and ack (boards/channel.py) and the player's status (`playing`)."""
    commands = {
        command.board_id: command
        for command in BoardCommand.objects.filter(kind=CommandKind.LIVE, args__session=session.id).order_by(
            "created_at"
        )
    }
    found = []
    enabled = channel.enabled()
    for board in (
        Board.objects.filter(pk__in=session.cluster_ids).select_related("owner").order_by("owner__path", "name")
    ):
        command = commands.get(board.pk)
        playing = (board.channel_status or {}).get("playing")
        detail = ""
        if not enabled:
            state = "no_channel"
        elif command is None:
            state = "pending"
        elif playing == session.item:
            state = "on_air"
        elif command.state == CommandState.DONE:
            result = command.result or {}
            if result.get("on_air") is False:
                state = "waiting"
            elif playing:
                state = "yielded"
            else:
                state = "on_air"
        elif command.state == CommandState.FAILED:
            state, detail = "failed", command.message
        elif command.state == CommandState.EXPIRED:
            state, detail = "expired", command.message
        elif board.channel_state != "online":
            state = "offline"
        elif command.state == CommandState.SENT:
            state = "sent"
        else:
            state = "pending"
        label = STATE_LABELS[state] + (f": {detail}" if detail else "")
        if state == "waiting" and command.message:
            label = command.message  # the player's own words: "Chờ hết “<bulletin>” rồi phát trực tiếp."
        found.append({"id": board.pk, "name": board.name, "unit": board.owner.title, "state": state, "label": label})
    return found


def finish(session, recording, reason=""):
    """The session is over: its recording (an MP3 file, what the clusters were sent) kept as the
    programme's upload, normalised once like every programme (station.tasks.process_programme)
    and ready in the broadcast log; `valid_until` = the end, so it is not aired again by itself.
    Nothing recorded (the microphone never gave a sound): the programme is removed. Returns the
    Programme, or None."""
    from station.tasks import process_programme

    programme = Programme.objects.filter(pk=session.programme_id).first()
    if programme is None:
        return None
    size = os.path.getsize(recording) if recording and os.path.exists(recording) else 0
    if size == 0:
        programme.delete()
        return None
    now = timezone.now()
    with open(recording, "rb") as handle:
        programme.upload.save(f"truc-tiep-{programme.pk}.mp3", File(handle), save=False)
    programme.valid_until = max(now, programme.valid_from + datetime.timedelta(seconds=1))
    programme.message = reason[:500]
    Programme.objects.filter(pk=programme.pk).update(
        upload=programme.upload.name, valid_until=programme.valid_until, message=programme.message
    )
    process_programme(programme.pk)
    programme.refresh_from_db()
    if reason and programme.state == ProgrammeState.READY:
        Programme.objects.filter(pk=programme.pk).update(message=reason[:500])
        programme.message = reason[:500]
    return programme
