"""The real-time channel (docs/architecture.md, "Real-time channel v1 (MQTT)"): the player's
MQTT client. Optional: it needs paho-mqtt ≥ 2.0, imported only when a channel starts, so the
player runs (polling) without it. Polling stays the source of truth; the channel only makes
things faster and lets the province command the device.

    parse_info(raw)      the server's ``"channel"`` (playlist.json, GET me) checked → a dict
    Channel(player, info).start() / .stop()
    CommandLog           the last 200 command ids carried out, with their acks (DIR/commands.json)

MQTT 3.1.1, client id ``tincoso-board-<id>``, clean session, QoS 1, username = the board id,
password = the player's token. Last Will: ``{"state": "offline"}``, retained, on
``<prefix>/boards/<id>/status``. On every connect (paho reconnects by itself, backing off up to
30 s) it subscribes to ``…/cmd`` again and publishes its retained status; the status goes
again whenever the version held, the screen power or the volume changes. A refused login
(CONNACK 134/135: the token was revoked, or the broker has not been given a new one yet) stops
paho's retries; the player polls sooner (5, 10, 20 … s, Player.next_delay) and each successful
poll tries the login again. A clean stop publishes ``{"state": "offline"}`` first.

``live`` and ``live_end`` (a live broadcast to tune in to, and its end) are player/live.py's.

Commands (``{"id", "cmd", "args", "sent_at", "expires_at"}`` on ``…/cmd``) are acked on ``…/ack``
with ``{"id", "ok", "message", "at", …result}``; anything malformed, unknown, too large or out
of range is refused in the ack (or only logged when no id can be read); a command whose
``expires_at`` has passed is refused ("expired"); a repeated id gets the same ack again
without being carried out twice.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from pathlib import Path
from urllib.parse import urlsplit

from player.cache import write_atomic
from player.schedule import parse_time, utc_iso

log = logging.getLogger("player")

MAX_MESSAGE_BYTES = 16 * 1024
PEEK_BYTES = 256 * 1024  # an oversized command is still read this far, for its id
REMEMBERED = 200
RECONNECT_MAX_S = 30
REFUSED = (134, 135)  # bad user name or password, not authorized (MQTT 3.1.1 CONNACK 4, 5)
COMMANDS = ("collect", "screenshot", "restart", "volume", "power", "live", "live_end")
SLOW = ("collect", "screenshot", "restart", "live")  # run in a thread of their own, never on paho's
MAX_RUNNING = 4
COLLECT_TIMEOUT_S = 600


def offline_body(session):
    """The offline status (Last Will or clean stop) of one connection: its ``session`` lets the
    server tell a late Will of an earlier connection from the news that this one ended."""
    return json.dumps({"state": "offline", "session": session}, separators=(",", ":")).encode()


_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_PAHO_ERROR = None


def _not_noise(record) -> bool:
    """paho logs "Client is not connected" at ERROR each time its loop ends after a disconnect."""
    return not str(record.msg).startswith("Client is not connected")


paho_log = logging.getLogger("player.mqtt")
paho_log.addFilter(_not_noise)


class ChannelUnavailable(Exception):
    """No channel on this box (paho-mqtt missing): the player polls as before."""


def load_paho():
    """(paho.mqtt.client, CallbackAPIVersion), imported now; ChannelUnavailable when missing."""
    global _PAHO_ERROR
    if _PAHO_ERROR is not None:
        raise ChannelUnavailable(_PAHO_ERROR)
    try:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion
    except ImportError as error:
        _PAHO_ERROR = f"paho-mqtt ≥ 2.0 chưa được cài ({error}): chỉ hỏi máy chủ theo chu kỳ"
        raise ChannelUnavailable(_PAHO_ERROR) from None
    return mqtt, CallbackAPIVersion


def parse_info(raw) -> dict:
    """The server's ``"channel"`` object, checked and completed; ValueError with the reason."""
    if not isinstance(raw, dict):
        raise ValueError(f"channel must be an object, got {raw!r}"[:200])
    url = raw.get("url")
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"channel url must look like mqtt://host:port, got {url!r}"[:200])
    tls = parts.scheme == "mqtts"
    port = parts.port or (8883 if tls else 1883)  # raises ValueError for a bad port
    username = raw.get("username")
    if isinstance(username, bool) or not isinstance(username, (str, int)) or not str(username):
        raise ValueError("channel username missing")
    prefix = raw.get("prefix") or "tincoso"
    if not isinstance(prefix, str) or any(c in prefix for c in "+#\x00") or prefix.strip("/") != prefix:
        raise ValueError(f"channel prefix not usable: {prefix!r}"[:200])
    keepalive = raw.get("keepalive", 10)
    if isinstance(keepalive, bool) or not isinstance(keepalive, int) or not 1 <= keepalive <= 65535:
        raise ValueError(f"channel keepalive out of range: {keepalive!r}"[:200])
    return {
        "url": url,
        "host": parts.hostname,
        "port": port,
        "tls": tls,
        "username": str(username),
        "prefix": prefix,
        "keepalive": keepalive,
    }


def version_reached(held, wanted) -> bool:
    """Whether the version held is ``wanted`` or newer (numbers compared as numbers)."""
    if wanted is None:
        return held is not None
    if held is None:
        return False
    try:
        return int(held) >= int(wanted)
    except (TypeError, ValueError):
        return str(held) == str(wanted)


class CommandLog:
    """The last ``REMEMBERED`` command ids carried out and their acks, kept on disk so a
    command sent again after a restart (the server resends an unacked one) is not done twice."""

    def __init__(self, path):
        self.path = Path(path)
        self.lock = threading.Lock()
        self.entries = {}
        try:
            data = json.loads(self.path.read_text("utf-8"))
            for command_id, ack in data.get("done", []):
                if isinstance(command_id, str) and isinstance(ack, dict):
                    self.entries[command_id] = ack
        except (OSError, ValueError, TypeError, AttributeError):
            pass

    def get(self, command_id):
        with self.lock:
            return self.entries.get(command_id)

    def put(self, command_id, ack) -> None:
        with self.lock:
            self.entries.pop(command_id, None)
            self.entries[command_id] = ack
            while len(self.entries) > REMEMBERED:
                del self.entries[next(iter(self.entries))]
            body = {"done": [[key, value] for key, value in self.entries.items()]}
            try:
                write_atomic(self.path, json.dumps(body, ensure_ascii=False).encode("utf-8"))
            except OSError as error:
                log.warning("kênh MQTT: không ghi được %s: %s", self.path.name, error)


class CommandError(Exception):
    """A command that cannot be carried out: ``code`` (machine) and the message (for people)."""

    def __init__(self, code, message, **result):
        super().__init__(message)
        self.code = code
        self.result = result


class Channel:
    """One connection to the broker named by ``info`` (see ``parse_info``), for ``player``
    (player.client.Player). States: stopped, connecting, online, offline (paho retrying),
    refused (login refused: no more retries)."""

    def __init__(self, player, info):
        self.player = player
        self.info = info
        base = f"{info['prefix']}/boards/{player.board}/"
        self.topic_cmd, self.topic_status, self.topic_ack = base + "cmd", base + "status", base + "ack"
        self.client = None
        self.state = "stopped"
        self.attempts = 0  # connection attempts (tests and the log)
        self.connected = threading.Event()
        if player.command_log is None:  # one per player: it outlives a channel that restarts
            player.command_log = CommandLog(Path(player.cache.root) / "commands.json")
        self.commands = player.command_log
        self.running = set()
        self.published = None  # (version, power, volume) of the last status sent
        self.session = secrets.token_hex(6)  # this connection's; a new one for each reconnect
        self.lock = threading.Lock()

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        mqtt, api = load_paho()
        client = mqtt.Client(
            api.VERSION2,
            client_id=f"tincoso-board-{self.player.board}",
            clean_session=True,
            protocol=mqtt.MQTTv311,
            reconnect_on_failure=True,
        )
        client.enable_logger(paho_log)
        client.suppress_exceptions = True  # a bug in a callback must not end the network thread
        client.username_pw_set(self.info["username"], self.player.token)
        client.will_set(self.topic_status, offline_body(self.session), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=RECONNECT_MAX_S)
        if self.info["tls"]:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        self.client, self._mqtt = client, mqtt
        self.state = "connecting"
        log.info("kênh MQTT: kết nối %s với tên %s", self.info["url"], self.info["username"])
        client.connect_async(self.info["host"], self.info["port"], keepalive=self.info["keepalive"])
        client.loop_start()

    def stop(self, clean=True) -> None:
        """Leave the broker: ``{"state": "offline"}`` (retained) first when connected, then
        DISCONNECT (so the Last Will is not needed), and end paho's thread."""
        with self.lock:
            was, self.state = self.state, "stopped"
        client = self.client
        if client is None:
            return
        if clean and was == "online":
            try:
                client.publish(self.topic_status, offline_body(self.session), qos=1, retain=True).wait_for_publish(
                    timeout=3
                )
            except Exception as error:  # noqa: BLE001 - the broker went away meanwhile
                log.info("kênh MQTT: trạng thái offline không gửi được: %r", error)
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001 - never connected: nothing to say goodbye to
            pass
        client.loop_stop()
        self.connected.clear()
        log.info("kênh MQTT: đã đóng")

    # paho callbacks (its network thread) ----------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.attempts += 1
        if self.state == "stopped":
            return
        if reason_code.is_failure:
            if reason_code.value in REFUSED:
                with self.lock:
                    self.state = "refused"
                message = (
                    f"kênh MQTT: máy chủ MQTT từ chối đăng nhập của bảng {self.info['username']} "
                    f"({reason_code}): token bị thu hồi, sai hoặc máy chủ MQTT chưa nhận mã mới; thử lại sau lần hỏi máy chủ kế tiếp"
                )
                log.error("%s", message)
                self.player.note_error(message)
                client.disconnect()  # ends paho's retries
            else:
                log.warning("kênh MQTT: máy chủ MQTT từ chối kết nối (%s), sẽ thử lại", reason_code)
            return
        with self.lock:
            if self.state == "stopped":
                return
            self.state = "online"
        self.connected.set()
        self._drop_stale_status(client, self._mqtt)
        client.subscribe(self.topic_cmd, qos=1)  # every time: a broker restarted has forgotten it
        log.info("kênh MQTT: đã kết nối, nhận lệnh ở %s", self.topic_cmd)
        self.publish_status(force=True)
        self.flush_acks()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        # The next connection is another session: its Will says so (paho sends the Will set now
        # with its next CONNECT), so a late Will of this one cannot mark the next one offline.
        self.session = secrets.token_hex(6)
        try:
            client.will_set(self.topic_status, offline_body(self.session), qos=1, retain=True)
        except Exception as error:  # noqa: BLE001 - paho refuses while connected: keep the old Will
            log.info("kênh MQTT: không đặt được di chúc mới: %r", error)
        with self.lock:
            if self.state in ("stopped", "refused"):
                return
            was, self.state = self.state, "offline"
        if was == "online":
            log.warning(
                "kênh MQTT: mất kết nối (%s); vẫn hỏi máy chủ theo chu kỳ, tự kết nối lại (tối đa %d s một lần)",
                reason_code,
                RECONNECT_MAX_S,
            )

    def _on_connect_fail(self, client, userdata):
        self.attempts += 1
        with self.lock:
            first = self.state == "connecting"
            if first:
                self.state = "offline"
        if first:
            log.warning("kênh MQTT: chưa kết nối được %s, sẽ thử lại", self.info["url"])

    def _on_message(self, client, userdata, message):
        if message.topic != self.topic_cmd:
            return
        try:
            self.handle(message.payload)
        except Exception as error:  # never let a command end the network thread
            log.exception("kênh MQTT: lỗi khi xử lý lệnh: %r", error)

    @staticmethod
    def _drop_stale_status(client, mqtt) -> None:
        """paho resends a QoS 1 message left unacknowledged by a lost connection after
        on_connect returns, i.e. after the fresh status: an old retained status would win. So
        statuses still waiting are dropped (paho 2.2 internals; nothing happens elsewhere)."""
        try:
            waiting = (mqtt.mqtt_ms_publish, mqtt.mqtt_ms_queued)
            with client._out_message_mutex:
                stale = [
                    mid
                    for mid, message in client._out_messages.items()
                    if message.topic.endswith("/status") and message.state in waiting
                ]
                for mid in stale:
                    del client._out_messages[mid]
        except Exception:  # noqa: BLE001 - another paho version: skip the tidy-up
            pass

    # publishing -----------------------------------------------------------------------------
    def publish_status(self, force=False) -> bool:
        """Publish the player's status (retained) if connected and it changed (or ``force``)."""
        body = self.player.status_body()
        key = (body["version"], body["power"], body["volume"], body.get("brightness"))
        with self.lock:
            if self.state != "online" or (not force and key == self.published):
                return False
            self.published = key
        self.client.publish(self.topic_status, _dumps(body), qos=1, retain=True)
        return True

    def _ack_body(self, command_id, ok, message, **result) -> dict:
        return {"id": command_id, "ok": ok, "message": message, "at": utc_iso(self.player.clock()), **result}

    def _publish_ack(self, ack):
        """Publish an ack (QoS 1: paho keeps it while the broker is away). A channel stopped
        meanwhile (the server changed it) hands it to the player's next channel."""
        log.info("kênh MQTT: phản hồi lệnh %s: %s %s", ack["id"], "ok" if ack["ok"] else "không", ack["message"])
        with self.lock:
            stopped = self.state == "stopped"
        if not stopped:
            return self.client.publish(self.topic_ack, _dumps(ack), qos=1)
        self.player.pending_acks.append(ack)
        current = self.player.channel
        if current is not None and current is not self:
            current.flush_acks()
        return None

    def flush_acks(self) -> None:
        """Send the acks a stopped channel left behind (when online)."""
        while True:
            with self.lock:
                if self.state != "online":
                    return
                try:
                    ack = self.player.pending_acks.popleft()
                except IndexError:
                    return
            self.client.publish(self.topic_ack, _dumps(ack), qos=1)

    def _finish(self, command_id, ok, message, remember=True, **result):
        ack = self._ack_body(command_id, ok, message, **result)
        if remember:
            self.commands.put(command_id, ack)  # on disk before the ack: a restart never does it twice
        return self._publish_ack(ack)

    # commands -------------------------------------------------------------------------------
    def handle(self, payload: bytes) -> None:
        """One message on …/cmd (called on paho's thread: slow commands get a thread)."""
        if len(payload) > MAX_MESSAGE_BYTES:
            command_id = _peek_id(payload)
            reason = f"Lệnh quá lớn ({len(payload)} byte, tối đa {MAX_MESSAGE_BYTES})."
            if command_id is None:
                log.warning("kênh MQTT: bỏ qua một lệnh không đọc được: %s", reason)
            else:
                self._finish(command_id, False, reason, error="too_large")
            return
        try:
            data = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            log.warning("kênh MQTT: bỏ qua một lệnh không phải JSON UTF-8: %s", error)
            return
        command_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(command_id, str) or not _ID.match(command_id):
            log.warning(
                "kênh MQTT: bỏ qua một lệnh không có mã (id) hợp lệ: %.200s", payload.decode("utf-8", "replace")
            )
            return
        done = self.commands.get(command_id)
        if done is not None:
            log.info("kênh MQTT: lệnh %s đã làm rồi, gửi lại phản hồi", command_id)
            self._publish_ack(done)
            return
        with self.lock:
            if command_id in self.running:
                log.info("kênh MQTT: lệnh %s đang làm", command_id)
                return
        try:
            expires = parse_time(data.get("expires_at"))
        except (ValueError, TypeError):
            self._finish(command_id, False, "expires_at không phải thời điểm ISO-8601.", error="bad_message")
            return
        if expires is not None and expires <= self.player.clock():
            self._finish(command_id, False, f"Lệnh đã hết hạn lúc {utc_iso(expires)}.", error="expired")
            return
        kind, args = data.get("cmd"), data.get("args")
        if kind not in COMMANDS:
            self._finish(command_id, False, f"Lệnh không có: {str(kind)[:40]!r}.", error="unknown_command")
            return
        if args is None:
            args = {}
        try:
            if not isinstance(args, dict):
                raise ValueError("args phải là một đối tượng JSON")
            args = validate_args(kind, args, self.player.clock())
        except ValueError as error:
            self._finish(command_id, False, f"Tham số sai: {error}", error="bad_args")
            return
        if kind not in SLOW:
            self._run(command_id, kind, args)
            return
        with self.lock:
            if len(self.running) >= MAX_RUNNING:
                busy = True
            else:
                busy = False
                self.running.add(command_id)
        if busy:  # not remembered: the server's resend may go through
            self._finish(command_id, False, "Trình phát đang bận với các lệnh khác.", remember=False, error="busy")
            return
        threading.Thread(target=self._run, args=(command_id, kind, args), name=f"cmd-{kind}", daemon=True).start()

    def _run(self, command_id, kind, args) -> None:
        try:
            if kind == "restart":
                info = self._finish(command_id, True, "Trình phát khởi động lại.")
                try:
                    if info is not None:
                        info.wait_for_publish(timeout=5)
                except Exception:  # noqa: BLE001 - not connected: the resend is acked from the log
                    pass
                self.player.restart()
                return
            try:
                ok, message, result = getattr(self, f"_do_{kind}")(args)
            except CommandError as error:
                ok, message, result = False, str(error), {"error": error.code, **error.result}
            except Exception as error:  # reported in the ack, not a crash
                log.exception("kênh MQTT: lệnh %s (%s) lỗi", command_id, kind)
                ok, message, result = False, f"Lỗi: {error!r}"[:500], {"error": "failed"}
            self._finish(command_id, ok, message, **result)
        finally:
            with self.lock:
                self.running.discard(command_id)

    def _do_collect(self, args):
        player, wanted = self.player, args.get("version")
        held = player.held_version()
        if wanted is not None and version_reached(held, wanted):
            return True, f"Đã có phiên bản {held}.", {"version": held}
        ticket = player.request_poll()
        result = player.wait_poll(ticket, COLLECT_TIMEOUT_S)
        held = player.held_version()
        if result is None:
            raise CommandError("timeout", "Hết thời gian chờ lấy danh sách phát.", version=held)
        if result in ("updated", "unchanged") and version_reached(held, wanted):
            return True, f"Đã nhận phiên bản {held}.", {"version": held}
        if result in ("updated", "unchanged"):
            reason = f"máy chủ vẫn trả phiên bản {held}"
        else:
            reason = player.last_problem() or result
        target = f"phiên bản {wanted}" if wanted is not None else "danh sách phát"
        raise CommandError("not_collected", f"Chưa nhận được {target}: {reason}"[:500], version=held)

    def _do_screenshot(self, args):
        result = self.player.upload_screenshot()
        return True, "Đã gửi ảnh chụp màn hình.", result

    def _do_volume(self, args):
        self.player.set_volume(args["level"])
        return True, f"Âm lượng {args['level']}.", {"volume": args["level"]}

    def _do_power(self, args):
        if self.player.audio_mode():
            raise CommandError("no_screen", "Cụm loa không có màn hình để bật/tắt.")
        override, on = self.player.set_power(args["on"], args["until"])
        until = override["until"]
        message = f"Màn hình {'bật' if override['on'] else 'tắt'}" + (f" đến {until}." if until else ".")
        if on and not override["on"]:
            message += " Đang có tin khẩn cấp: màn hình vẫn bật."
        return True, message, {"power": "on" if on else "off", "until": until}

    def _do_live(self, args):  # player/live.py: acked once on air, or known to wait its turn
        return self.player.live_tuner().tune(args)

    def _do_live_end(self, args):
        return self.player.live_tuner().end(args["session"])


def validate_args(kind, args, now) -> dict:
    """A command's arguments, checked (ValueError with the reason, for the ack)."""
    if kind == "collect":
        version = args.get("version")
        if version is not None and (
            isinstance(version, bool)
            or not isinstance(version, (int, str))
            or (isinstance(version, int) and version < 0)
        ):
            raise ValueError(f"version phải là số không âm, không phải {version!r}"[:200])
        return {"version": version}
    if kind == "volume":
        level = args.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 100:
            raise ValueError(f"level phải là số nguyên từ 0 đến 100, không phải {level!r}"[:200])
        return {"level": level}
    if kind == "power":
        on = args.get("on")
        if not isinstance(on, bool):
            raise ValueError(f"on phải là true hoặc false, không phải {on!r}"[:200])
        until = args.get("until")
        if until is not None:
            try:
                moment = parse_time(until) if isinstance(until, str) else None
            except ValueError:
                moment = None
            if moment is None:
                raise ValueError(f"until phải là thời điểm ISO-8601 hoặc null, không phải {until!r}"[:200])
            if moment <= now:
                raise ValueError(f"until đã qua ({until})")
        return {"on": on, "until": until}
    if kind == "live":
        from player.live import parse_args

        parse_args(args)  # ValueError with the reason
        return dict(args)
    if kind == "live_end":
        session = args.get("session")
        if not isinstance(session, str) or not session.isdigit() or len(session) > 18:
            raise ValueError(f"session không hợp lệ: {session!r}"[:200])
        return {"session": session}
    return {}  # screenshot, restart: nothing to give


def _peek_id(payload):
    if len(payload) > PEEK_BYTES:
        return None
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    command_id = data.get("id") if isinstance(data, dict) else None
    return command_id if isinstance(command_id, str) and _ID.match(command_id) else None


def _dumps(body) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
