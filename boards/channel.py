"""The server's side of the real-time channel (docs/architecture.md, "Real-time channel v1"):
commands into the outbox, what a player is told about the channel, and what the sender does
with the statuses and acks it receives. No broker here: `manage.py mqtt_sender`
(boards/sender.py) is the only process that talks to it, so a web request never waits on it.

    send(board, kind, args, user)   a BoardCommand in the outbox (a pending collect is updated;
                                    a live_end cancels its session's live not yet carried out)
    channel_info(board)             {"url", "username", "prefix", "keepalive"} or None
    topic(board_id, leaf)           "<prefix>/boards/<id>/<leaf>"
    parse_topic(topic)              (board id, leaf) or None
    decode(payload)                 a JSON object ≤ 16 KiB, else MessageError
    command_message(command)        the JSON a player gets
    record_status / record_ack      a player's message → the board's presence, the command's result
"""

import datetime
import json
import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.log_actions import log

from boards.models import Board, BoardCommand, BoardStatus, CommandKind, CommandState
from core.http import BadRequestData, parse_json

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024
KEEPALIVE_S = 10  # a silent network shows offline within 1.5 × this (the broker's keep-alive)
RESEND_AFTER = datetime.timedelta(seconds=30)
ALIVE_FOR_S = 15.0  # the sender's ChannelLink older than this: it is gone (boards/monitoring.py)
MAX_ATTEMPTS = 10
LIFETIME = {  # how long a command may wait for its board before it is dropped (expired)
    CommandKind.COLLECT: datetime.timedelta(hours=1),
    CommandKind.SCREENSHOT: datetime.timedelta(minutes=10),
    CommandKind.RESTART: datetime.timedelta(minutes=10),
    CommandKind.VOLUME: datetime.timedelta(hours=1),
    CommandKind.POWER: datetime.timedelta(hours=1),
    # A cluster that comes online during a live broadcast still tunes in (a live_end cancels it).
    CommandKind.LIVE: datetime.timedelta(hours=4),
    CommandKind.LIVE_END: datetime.timedelta(minutes=10),
}
LOG_ACTION = "tincoso.board_command"
ACK_LOG_ACTION = "tincoso.board_command_ack"
STATES = ("online", "offline")
LIVE_PRIORITIES = ("normal", "emergency")
LIVE_LEVELS = ("province", "district", "commune")
_LIVE_SESSION = re.compile(r"^[0-9]{1,18}$")
POWER_STATES = ("on", "off")


class MessageError(ValueError):
    """A message the server refuses: the reason is logged, the message dropped."""


class StaleWill(MessageError):
    """The Last Will of an earlier connection of a player that is connected again: dropped, and
    the current status (`current`) put back as the retained one (boards/sender.py)."""

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


def enabled():
    return bool(getattr(settings, "MQTT_URL", ""))


def prefix():
    return settings.MQTT_PREFIX


def topic(board_id, leaf):
    return f"{prefix()}/boards/{int(board_id)}/{leaf}"


_TOPIC = re.compile(r"^(?P<prefix>.+)/boards/(?P<id>[1-9][0-9]{0,17})/(?P<leaf>cmd|status|ack)$")


def parse_topic(name):
    """(board id, "status" | "ack" | "cmd") of a topic under our prefix, else None."""
    match = _TOPIC.match(name or "")
    if not match or match["prefix"] != prefix():
        return None
    return int(match["id"]), match["leaf"]


def channel_info(board):
    """What a player needs to join the channel (its password is its token), or None when the
    installation has no public broker address (MQTT_PUBLIC_URL)."""
    url = getattr(settings, "MQTT_PUBLIC_URL", "") or ""
    if not url or not board.mqtt_hash:
        return None
    return {"url": url, "username": str(board.pk), "prefix": prefix(), "keepalive": KEEPALIVE_S}


def broker_address(url=None):
    """(host, port, tls) of an `mqtt://` or `mqtts://` URL (MQTT_URL by default)."""
    parts = urlsplit(url or settings.MQTT_URL)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"MQTT_URL phải có dạng mqtt://máy:cổng, không phải {url or settings.MQTT_URL!r}")
    tls = parts.scheme == "mqtts"
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


# --- commands ------------------------------------------------------------------------------------


def validate_args(kind, args):
    """The arguments of a command, checked and normalised (ValueError with the reason)."""
    args = dict(args or {})
    if kind == CommandKind.COLLECT:
        return {"version": int(args["version"])} if args.get("version") is not None else {}
    if kind == CommandKind.VOLUME:
        level = int(args.get("level", -1))
        if not 0 <= level <= 100:
            raise ValueError("Âm lượng phải từ 0 đến 100.")
        return {"level": level}
    if kind == CommandKind.POWER:
        until = args.get("until")
        if until is not None and not isinstance(until, str):
            until = until.isoformat()
        return {"on": bool(args.get("on")), "until": until}
    if kind in (CommandKind.SCREENSHOT, CommandKind.RESTART):
        return {}
    if kind == CommandKind.LIVE:
        return _live_args(args)
    if kind == CommandKind.LIVE_END:
        return {"session": _live_session(args.get("session"))}
    raise ValueError(f"Lệnh không có: {kind!r}")


def _live_session(session):
    session = str(session if session is not None else "")
    if not _LIVE_SESSION.match(session):
        raise ValueError("Phát trực tiếp: thiếu mã buổi phát (session).")
    return session


def _live_args(args):
    """`live`: the stream to tune in to (station/live.py, README "Live broadcasts")."""
    url = args.get("url")
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValueError("Phát trực tiếp: địa chỉ luồng phải là http(s)://… (tối đa 500 ký tự).")
    session = _live_session(args.get("session"))
    priority = args.get("priority", "normal")
    if priority not in LIVE_PRIORITIES:
        raise ValueError("Phát trực tiếp: mức ưu tiên phải là normal hoặc emergency.")
    level = args.get("level", "commune")
    if level not in LIVE_LEVELS:
        raise ValueError("Phát trực tiếp: cấp đơn vị phải là province, district hoặc commune.")
    title = str(args.get("title") or "")[:200]
    return {
        "url": url,
        "session": session,
        "item": f"programme:{session}",
        "priority": priority,
        "level": level,
        "title": title,
    }


def send(board, kind, args=None, user=None, now=None):
    """Put a command for `board` in the outbox and return it. A collect replaces a pending one
    of the same board (the player fetches the newest version anyway). Logged in Wagtail's audit
    log when a person asked for it."""
    now = now or timezone.now()
    args = validate_args(kind, args)
    with transaction.atomic():
        if kind == CommandKind.LIVE_END:
            # A live command of that session not carried out yet never will be: the broadcast is over.
            BoardCommand.objects.filter(
                board=board,
                kind=CommandKind.LIVE,
                args__session=args["session"],
                state__in=(CommandState.PENDING, CommandState.SENT),
            ).update(state=CommandState.EXPIRED, message="Buổi phát trực tiếp đã kết thúc trước khi cụm loa nhận lệnh.")
        if kind == CommandKind.COLLECT:
            pending = (
                BoardCommand.objects.select_for_update()
                .filter(board=board, kind=kind, state__in=(CommandState.PENDING, CommandState.SENT))
                .first()
            )
            if pending is not None:
                pending.args, pending.expires_at = args, now + LIFETIME[kind]
                pending.state, pending.sent_at = CommandState.PENDING, None
                pending.save(update_fields=["args", "expires_at", "state", "sent_at"])
                return pending
        command = BoardCommand.objects.create(
            board=board, kind=kind, args=args, created_by=user, created_at=now, expires_at=now + LIFETIME[kind]
        )
        if user is not None:
            log(
                instance=board,
                action=LOG_ACTION,
                user=user,
                data={"command": str(command.pk), "kind": kind, "args": args},
            )
    return command


def command_message(command):
    return json.dumps(
        {
            "id": str(command.pk),
            "cmd": command.kind,
            "args": command.args,
            "sent_at": timezone.now().isoformat(),
            "expires_at": command.expires_at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def expire_commands(now=None):
    """Mark commands that can no longer be carried out: past their expiry, or sent
    MAX_ATTEMPTS times without an ack. Returns how many (the sender runs it every few seconds)."""
    now = now or timezone.now()
    expired = BoardCommand.objects.filter(
        state__in=(CommandState.PENDING, CommandState.SENT), expires_at__lte=now
    ).update(state=CommandState.EXPIRED, message="Bảng không phản hồi trước khi lệnh hết hạn.")
    return expired + BoardCommand.objects.filter(state=CommandState.SENT, attempts__gte=MAX_ATTEMPTS).update(
        state=CommandState.EXPIRED, message=f"Gửi {MAX_ATTEMPTS} lần không có phản hồi."
    )


def due_commands(now=None, limit=5000):
    """Commands to publish now: pending ones, and sent ones not acked for RESEND_AFTER, of
    boards whose player is connected (a status "online" since the sender's last connect); the
    others wait until it is. Only reads (expire_commands marks the expired ones)."""
    now = now or timezone.now()
    pending = BoardCommand.objects.filter(state=CommandState.PENDING)
    unacked = BoardCommand.objects.filter(
        state=CommandState.SENT, sent_at__lte=now - RESEND_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    return list(
        (pending | unacked)
        .filter(board__channel_state="online", board__is_active=True, expires_at__gt=now)
        .only("pk", "board_id", "kind", "args", "expires_at", "attempts")
        .order_by("created_at")[:limit]
    )


def mark_sent(commands, now=None):
    """One UPDATE for the whole batch (a thousand collects after an emergency)."""
    now = now or timezone.now()
    BoardCommand.objects.filter(
        pk__in=[c.pk for c in commands], state__in=(CommandState.PENDING, CommandState.SENT)
    ).update(state=CommandState.SENT, sent_at=now, attempts=F("attempts") + 1)


# --- what players send -------------------------------------------------------------------------


def decode(payload):
    """A message's JSON object; MessageError for anything else."""
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MessageError(f"tin quá lớn ({len(payload)} byte, tối đa {MAX_MESSAGE_BYTES})")
    try:
        data = parse_json(payload)  # core/http.py: depth, NUL and lone surrogates refused too
    except BadRequestData as exc:
        raise MessageError(f"không nhận được: {exc.message}") from exc
    if not isinstance(data, dict):
        raise MessageError("phải là một đối tượng JSON")
    return data


def _short_text(value, maximum=200):
    return str(value)[:maximum] if isinstance(value, str | int | float) else ""


def clean_status(data):
    """The fields of a status the server keeps (unknown ones are dropped)."""
    state = data.get("state")
    if state not in STATES:
        raise MessageError(f"trạng thái không hợp lệ: {str(state)[:40]!r}")
    status = {"state": state}
    if isinstance(data.get("session"), str) and re.fullmatch(r"[0-9A-Za-z_-]{1,40}", data["session"]):
        status["session"] = data["session"]
    if isinstance(data.get("version"), int) and not isinstance(data.get("version"), bool):
        status["version"] = data["version"]
    if isinstance(data.get("playing"), str):
        status["playing"] = data["playing"][:200]
    if data.get("power") in POWER_STATES:
        status["power"] = data["power"]
    for name in ("volume", "brightness"):
        level = data.get(name)
        if isinstance(level, int) and not isinstance(level, bool) and 0 <= level <= 100:
            status[name] = level
    player = data.get("player")
    if isinstance(player, dict):
        status["player"] = {k: _short_text(player.get(k), 80) for k in ("name", "version") if k in player}
    return status


def forget_presence():
    """The sender has (re)connected: whoever was online may not be any more (a broker restart
    sends no Last Will). Until their status comes again (retained, or republished by players
    on their reconnect) their state is unknown, and monitoring uses the poll rule."""
    return Board.objects.filter(channel_state="online").update(channel_state="")


def record_status(board_id, payload, now=None):
    """A status (or the Last Will) of a board: its presence and what it reports. Returns
    (previous channel state, new one)."""
    now = now or timezone.now()
    status = clean_status(decode(payload))
    row = Board.objects.filter(pk=board_id).values_list("channel_state", "channel_status").first()
    if row is None:
        raise MessageError(f"không có bảng số {board_id}")
    previous, current = row[0], (row[1] or {}).get("session")
    if status["state"] == "offline" and previous == "online" and current and status.get("session", current) != current:
        # The Last Will of an earlier connection, delivered after the player connected again
        # (a broker sends it when the new connection takes the client id over): not news.
        raise StaleWill(f"di chúc của phiên cũ ({status['session']}), bảng đang kết nối phiên {current}", row[1])
    Board.objects.filter(pk=board_id).update(channel_state=status["state"], channel_at=now, channel_status=status)
    if status["state"] == "online":
        # An online status counts as being seen, like a heartbeat (boards/monitoring.py).
        seen = {"last_seen_at": now, **({"version": status["version"]} if "version" in status else {})}
        BoardStatus.objects.update_or_create(board_id=board_id, defaults=seen)
    return previous, status["state"]


def record_ack(board_id, payload, now=None):
    """A player's ack: the command of that board with that id is done or failed. Returns the
    command, or None for an ack of a command that is not this board's (refused, logged)."""
    now = now or timezone.now()
    data = decode(payload)
    command_id = data.get("id")
    if not isinstance(command_id, str) or not re.fullmatch(r"[0-9a-f-]{36}", command_id):
        raise MessageError("phản hồi thiếu mã lệnh (id)")
    command = BoardCommand.objects.filter(pk=command_id, board_id=board_id).select_related("board").first()
    if command is None:
        raise MessageError(f"bảng {board_id} phản hồi một lệnh không phải của nó ({command_id})")
    ok = data.get("ok") is True
    result = {
        k: v for k, v in data.items() if k not in ("id", "ok", "message") and isinstance(v, str | int | float | bool)
    }
    if command.state not in (CommandState.DONE, CommandState.FAILED):
        command.state = CommandState.DONE if ok else CommandState.FAILED
        command.acked_at = now
        command.message = _short_text(data.get("message", ""), 500)
        command.result = dict(list(result.items())[:20])
        command.save(update_fields=["state", "acked_at", "message", "result"])
        if command.created_by_id is not None:
            log(
                instance=command.board,
                action=ACK_LOG_ACTION,
                user=None,
                data={"command": str(command.pk), "kind": command.kind, "ok": ok, "message": command.message},
            )
    return command
