"""Live broadcasts on a loudspeaker cluster (README, "Live broadcasts"): the
real-time channel's ``live`` and ``live_end`` commands (player/channel.py), and airing the
stream they name. Standard library only, like the rest of the player.

    Live(player)                    one per Player (Player.live_tuner())
      .tune(args) -> (ok, message, result)    the channel's "live": wait to be on air, say so
      .end(session) -> (ok, message, result)  the channel's "live_end"
      .air(before=None) -> bool                the playback thread: air what is due, to its end
      .cuts_in(item) -> bool                   whether a live broadcast stops the bulletin now
      .take_cut(item) -> bool                  whether it did (the bulletin then plays again)

What goes on air, by the player's own rules (pure functions below, tested alone):

- An **emergency** live broadcast cuts in at once: into any bulletin (emergencies included) and
  into a normal live broadcast; into another emergency live broadcast only when it comes from a
  unit above (a district's cuts into a commune's, the province's into a district's). The
  bulletin it stopped is played again, whole, once the broadcasts are over: nothing scheduled
  is lost.
- A **normal** live broadcast never cuts in: it goes on air when the bulletin playing ends, and
  before the next one; an emergency bulletin that falls due while it is on air pauses it (the
  player tunes in again after the bulletin, to the stream as it is then).
- Two broadcasts waiting: emergency before normal, the higher unit first, then the first told.

Airing: the player reads the HTTP stream itself (a raw socket, so that a read waits at most
READ_WAIT_S and nothing is buffered beyond what arrived) and hands every byte at once to the
audio program (mpg123, ffplay or mpv reading its standard input) when ``--display`` found one.
Every session is also written as it arrives to ``DIR/live/<session>.mp3``, with
``<session>.jsonl`` lines ``[byte offset, unix time]``: what the cluster received and when
(the tests and bench/bench_live.py measure the delay from it; the last KEEP_SESSIONS are kept).
A stream that drops is joined again (every RETRY_S) until nothing has come for GIVE_UP_S; a
``live_end`` ends it at once. The airing is reported as proof of play under the item id
``programme:<session>`` (the programme the server keeps the recording as), and the status
says ``"playing": "programme:<session>"`` while it is on air.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from player import NAME, VERSION

log = logging.getLogger("player")

PRIORITIES = {"emergency": 0, "normal": 1}
LEVELS = {"province": 0, "district": 1, "commune": 2}
READ_WAIT_S = 0.2  # a read waits at most this: the loop notices an end or a pre-emption within it
CONNECT_TIMEOUT_S = 5.0
RETRY_S = 1.0
GIVE_UP_S = 10.0  # no byte for this long, even after joining again: the broadcast has ended
TUNE_WAIT_S = 12.0  # the "live" command waits this long for the first bytes before acking
WAITING_ACK_S = 1.0  # …or this long when the broadcast waits for a bulletin to end
KEEP_SESSIONS = 3
REMEMBER_ENDED = 50
MAX_HEADER_BYTES = 16 * 1024
_SESSION = re.compile(r"^[0-9]{1,18}$")


class StreamError(Exception):
    def __init__(self, message, code=0):
        super().__init__(message)
        self.code = code


@dataclass
class Session:
    id: str
    url: str
    item: str
    priority: str = "normal"
    level: str = "commune"
    title: str = ""
    told: float = field(default_factory=time.monotonic)
    state: str = "waiting"  # waiting, on_air, ended
    problem: str = ""
    first_byte: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    received: int = 0


# --- the rules (pure) ------------------------------------------------------------------------


def parse_args(args) -> Session:
    """A ``live`` command's arguments → a Session (ValueError with the reason, for the ack)."""
    url = args.get("url")
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url phải là http(s)://…, không phải {url!r}"[:200])
    session = str(args.get("session") or "")
    if not _SESSION.match(session):
        raise ValueError(f"session không hợp lệ: {session!r}"[:200])
    priority = args.get("priority") or "normal"
    if priority not in PRIORITIES:
        raise ValueError(f"priority phải là normal hoặc emergency, không phải {priority!r}"[:200])
    level = args.get("level") or "commune"
    if level not in LEVELS:
        raise ValueError(f"level không hợp lệ: {level!r}"[:200])
    item = args.get("item") or f"programme:{session}"
    if not isinstance(item, str) or len(item) > 60:
        raise ValueError("item không hợp lệ")
    title = args.get("title") if isinstance(args.get("title"), str) else ""
    return Session(id=session, url=url, item=item, priority=priority, level=level, title=title[:200])


def order(session) -> tuple:
    """Which of two waiting broadcasts goes first (smaller first)."""
    return (PRIORITIES[session.priority], LEVELS[session.level], session.told)


def cuts_into(new, current) -> bool:
    """Whether broadcast ``new`` interrupts broadcast ``current`` on air."""
    if new.priority != "emergency":
        return False
    return current.priority != "emergency" or LEVELS[new.level] < LEVELS[current.level]


def cuts_into_bulletin(session, item) -> bool:
    """Whether ``session`` stops the bulletin ``item`` playing: an emergency broadcast does."""
    return session.priority == "emergency"


def goes_before(session, item) -> bool:
    """Whether ``session`` airs before the bulletin ``item`` starts: always, except a normal
    broadcast before an emergency bulletin."""
    return not (session.priority == "normal" and item is not None and item.get("priority") == "emergency")


# --- the stream --------------------------------------------------------------------------------


def open_stream(url, timeout=CONNECT_TIMEOUT_S):
    """GET ``url`` over a raw socket: (socket, the first bytes of the body). StreamError with the
    reason (``code``: the HTTP status, when there was one)."""
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    host, port = parts.hostname, parts.port or (443 if tls else 80)
    name = f"[{host}]" if ":" in host else host
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {path} HTTP/1.0\r\nHost: {name}{f':{parts.port}' if parts.port else ''}\r\n"
        f"User-Agent: {NAME}/{VERSION}\r\nAccept: */*\r\nIcy-MetaData: 0\r\n\r\n"
    )
    sock = None
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        sock.sendall(request.encode("latin-1"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise StreamError("máy chủ đóng kết nối trước khi trả lời")
            head += chunk
            if len(head) > MAX_HEADER_BYTES:
                raise StreamError("phần đầu câu trả lời quá lớn")
        header, _, rest = head.partition(b"\r\n\r\n")
        status = header.split(b"\r\n", 1)[0].decode("latin-1", "replace").split(" ", 2)
        code = int(status[1]) if len(status) > 1 and status[1].isdigit() else 0
        if code != 200:
            raise StreamError(f"luồng trả lời HTTP {code or '?'}", code)
        sock.settimeout(READ_WAIT_S)
        return sock, rest
    except OSError as error:
        if sock is not None:
            sock.close()
        raise StreamError(f"không kết nối được {host}:{port}: {error}") from None
    except StreamError:
        if sock is not None:
            sock.close()
        raise


def stream_command(screen):
    """The audio program playing a stream from its standard input, or None (headless)."""
    base = getattr(screen, "audio", None)
    if not base:
        return None
    name = Path(base[0]).name
    if name == "mpv":
        return [base[0], "--no-video", "--no-terminal", "--really-quiet", "--cache=no", "--untimed=no", "-"]
    if name == "ffplay":
        return [base[0], "-nodisp", "-autoexit", "-loglevel", "error", "-fflags", "nobuffer", "-i", "pipe:0"]
    if name == "mpg123":
        return [base[0], "-q", "-"]
    return None


class Recorder:
    """Where the bytes of one airing go: the session's files, and the audio program's input."""

    def __init__(self, root, session, command=None, volume=None):
        self.dir = Path(root) / "live"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = open(self.dir / f"{session.id}.mp3", "ab", buffering=0)  # noqa: SIM115 - closed in close()
        self.index = open(self.dir / f"{session.id}.jsonl", "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.offset = self.data.tell()
        self.process = None
        if command:
            from player.display import volume_arguments

            argv = [*command[:1], *volume_arguments(command[:1], volume), *command[1:]]
            try:
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, bufsize=0
                )
            except OSError as error:
                log.warning("phát trực tiếp: không chạy được %s: %s", command[0], error)

    def write(self, data, at) -> None:
        self.data.write(data)
        self.index.write(json.dumps([self.offset, round(at, 4)]) + "\n")
        self.index.flush()
        self.offset += len(data)
        if self.process is not None:
            try:
                self.process.stdin.write(data)
            except (BrokenPipeError, OSError):
                log.warning("phát trực tiếp: chương trình phát âm thanh đã dừng")
                self.process = None

    def close(self) -> None:
        self.data.close()
        self.index.close()
        if self.process is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def prune(root, keep=KEEP_SESSIONS) -> None:
    folder = Path(root) / "live"
    try:
        files = sorted(folder.glob("*.mp3"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for old in files[:-keep] if keep else files:
        for path in (old, old.with_suffix(".jsonl")):
            try:
                path.unlink()
            except OSError:
                pass


# --- the player's live broadcasts ----------------------------------------------------------------


class Live:
    def __init__(self, player):
        self.player = player
        self.lock = threading.Lock()
        self.sessions = {}  # id → Session, waiting or on air
        self.ended = []  # ids of broadcasts over (a late "live" for one is refused)
        self.on_air = None
        self.cut = None  # the id of the bulletin a live broadcast cut short

    # the channel's commands (its threads) --------------------------------------------------
    def tune(self, args):
        """``live``: take the broadcast in, wake the playback loop, and wait until it is on air
        (the first bytes arrived), or known to wait its turn. Returns (ok, message, result)."""
        session = parse_args(args)
        with self.lock:
            if session.id in self.ended:
                return False, "Buổi phát trực tiếp này đã kết thúc.", {"session": session.id, "on_air": False}
            session = self.sessions.setdefault(session.id, session)
        log.info(
            "phát trực tiếp %s (%s, %s): %s", session.id, session.priority, session.level, session.title or session.url
        )
        self.player.changed.set()  # an idle playback loop airs it at once
        deadline = time.monotonic() + TUNE_WAIT_S
        waited_turn = time.monotonic() + WAITING_ACK_S
        while not self.player.stop.is_set():
            if session.first_byte.wait(0.05):
                return True, "Đang phát trực tiếp.", {"session": session.id, "on_air": True}
            if session.done.is_set():
                return False, session.problem or "Buổi phát trực tiếp đã kết thúc.", {"session": session.id}
            now = time.monotonic()
            if session.state == "waiting" and now >= waited_turn:
                return (
                    True,
                    f"Chờ hết {self._playing_title()} rồi phát trực tiếp.",
                    {"session": session.id, "on_air": False},
                )
            if now >= deadline:
                return False, session.problem or "Chưa nhận được luồng phát trực tiếp.", {"session": session.id}
        return False, "Trình phát đang dừng.", {"session": session.id}

    def _playing_title(self):
        """“<title>” of the bulletin playing now, for people (the admin shows the ack)."""
        player = self.player
        with player.lock:
            playing = player.playing
            items = (getattr(player, "playlist", None) or {}).get("items") or []
        for item in items:
            if item.get("id") == playing and item.get("title"):
                return f"“{item['title']}”"
        return "bản tin đang phát"

    def end(self, session_id):
        """``live_end``: the broadcast is over (the airing loop stops within READ_WAIT_S)."""
        session_id = str(session_id or "")
        with self.lock:
            session = self.sessions.pop(session_id, None)
            self._remember_ended(session_id)
        if session is None:
            return True, "Không có buổi phát trực tiếp này (đã kết thúc).", {"session": session_id}
        session.state = "ended"
        session.done.set()
        self.player.changed.set()
        return True, "Đã kết thúc phát trực tiếp.", {"session": session_id}

    def _remember_ended(self, session_id):
        if session_id and session_id not in self.ended:
            self.ended.append(session_id)
            del self.ended[:-REMEMBER_ENDED]

    # the playback loop ------------------------------------------------------------------------
    def waiting(self):
        with self.lock:
            return sorted((s for s in self.sessions.values() if s.state == "waiting"), key=order)

    def next_due(self, before=None):
        """The broadcast to air now, or None."""
        for session in self.waiting():
            if not goes_before(session, before):
                continue
            if session.priority == "normal" and self._emergency_bulletin_due():
                continue
            return session
        return None

    def cuts_in(self, item) -> bool:
        """Whether a broadcast waiting stops the bulletin ``item`` playing now (remembered:
        take_cut then says it is to play again)."""
        if any(cuts_into_bulletin(s, item) for s in self.waiting()):
            self.cut = item.get("id")
            return True
        return False

    def take_cut(self, item) -> bool:
        """Whether ``item`` was cut short by a live broadcast (once)."""
        if self.cut is not None and self.cut == item.get("id"):
            self.cut = None
            return True
        return False

    def _emergency_bulletin_due(self) -> bool:
        try:
            return bool(self.player.emergencies_due())
        except Exception:  # noqa: BLE001 - no playlist yet, a screen board: nothing due
            return False

    def _preempted(self, session) -> bool:
        if any(cuts_into(other, session) for other in self.waiting()):
            return True
        return session.priority == "normal" and self._emergency_bulletin_due()

    def air(self, before=None) -> bool:
        """Air the broadcasts due now, one after another, each until it ends or is pre-empted
        (playback thread). ``before``: the bulletin about to start. Returns whether one aired."""
        aired = False
        while not self.player.stop.is_set():
            session = self.next_due(before)
            if session is None:
                return aired
            self._air_one(session)
            aired = True
        return aired

    def _air_one(self, session) -> None:
        player = self.player
        session.state = "on_air"
        self.on_air = session
        with player.lock:
            player.playing = session.item
        self._publish_status()
        started_at, started = player.clock(), time.monotonic()
        log.info("phát trực tiếp %s: lên sóng", session.id)
        recorder = Recorder(player.cache.root, session, stream_command(player.screen), player.volume)
        sock, last_byte, reason = None, time.monotonic(), ""
        try:
            while not player.stop.is_set() and not session.done.is_set():
                if self._preempted(session):
                    reason = "nhường cho nội dung ưu tiên hơn"
                    break
                if sock is None:
                    try:
                        sock, first = open_stream(session.url)
                    except StreamError as error:
                        session.problem = f"Không bắt được luồng phát trực tiếp: {error}"
                        if time.monotonic() - last_byte > GIVE_UP_S:
                            reason = "luồng đã dừng"
                            self._finish(session, session.problem)
                            break
                        player.stop.wait(RETRY_S)
                        continue
                    if first:
                        self._received(session, recorder, first)
                        last_byte = time.monotonic()
                    continue
                try:
                    data = sock.recv(8192)
                except TimeoutError:
                    data = None
                except OSError as error:
                    log.info("phát trực tiếp %s: mất luồng (%s), kết nối lại", session.id, error)
                    data = b""
                if data:
                    self._received(session, recorder, data)
                    last_byte = time.monotonic()
                elif data == b"":  # the stream ended: join again until GIVE_UP_S without a byte
                    log.info("phát trực tiếp %s: luồng ngắt, kết nối lại", session.id)
                    sock.close()
                    sock = None
                    player.stop.wait(RETRY_S / 4)
                elif time.monotonic() - last_byte > GIVE_UP_S:  # silent but open: join again
                    sock.close()
                    sock = None
        finally:
            if sock is not None:
                sock.close()
            recorder.close()
            played = time.monotonic() - started
            if session.received:
                player.record_play(session.item, started_at, played)
            with player.lock:
                if player.playing == session.item:
                    player.playing = None
            self.on_air = None
            if session.state == "on_air":
                session.state = "waiting"  # pre-empted: it airs again after what cut in
            self._publish_status()
            prune(player.cache.root)
            log.info("phát trực tiếp %s: rời sóng sau %.1f s%s", session.id, played, f" ({reason})" if reason else "")
            if session.done.is_set():
                player.request_poll()  # the proof of play goes to the server now, not at the next poll

    def _received(self, session, recorder, data) -> None:
        recorder.write(data, time.time())
        session.received += len(data)
        session.first_byte.set()

    def _finish(self, session, problem) -> None:
        session.problem = problem
        session.state = "ended"
        with self.lock:
            self.sessions.pop(session.id, None)
            self._remember_ended(session.id)
        session.done.set()
        log.warning("phát trực tiếp %s: %s", session.id, problem)

    def _publish_status(self) -> None:
        channel = getattr(self.player, "channel", None)
        if channel is None:
            return
        try:
            channel.publish_status(force=True)
        except Exception as error:  # noqa: BLE001 - the channel is a bonus, never a failure
            log.info("kênh MQTT: trạng thái không gửi được: %r", error)


def recorded(root, session):
    """What a cluster received of ``session``: (bytes, [(offset, unix time), …]) (tests, bench)."""
    folder = Path(root) / "live"
    data = (folder / f"{session}.mp3").read_bytes()
    index = [tuple(json.loads(line)) for line in (folder / f"{session}.jsonl").read_text("utf-8").splitlines() if line]
    return data, index
