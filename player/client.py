"""HTTP side of the player (urllib only) and the ``Player`` loop.

Threads: a poller (poll → downloads → swap → reports, then sleep refresh ± jitter, or an
exponential backoff after errors, or until ``request_poll()`` wakes it: the channel's
"collect") and the playback loop (main thread), which plays by its own clock from whatever
playlist is held, so nothing the server does can stop the screen. When the server names a
real-time channel (``"channel"`` in playlist.json or GET me) and paho-mqtt is installed, the
player also holds an MQTT connection (player/channel.py) for the server's commands.

Screen power: on inside the playlist's ``"power"`` hours, off outside (by the player's own
clock), or as the server's ``power`` command says until its end; always on for an emergency
(schedule.screen_on). Off = a black frame. The volume (``volume`` command) and a power
override are kept in ``state.json``.

For a loudspeaker cluster (schedule.is_audio_playlist) the playback loop follows the
broadcast rules instead of looping: emergencies at once and every ``emergency_repeat_s``,
the other bulletins once at each broadcast time (the last one played is kept in
``state.json`` so a restart does not play it twice), an emergency cutting a broadcast short.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from player import NAME, VERSION
from player.cache import Cache, write_atomic
from player.channel import CommandError
from player.display import Headless, fit_screenshot
from player.relay import Relays
from player.reports import Outbox
from player.schedule import (
    BROADCAST_GRACE_S,
    brightness_at,
    broadcast_order,
    broadcast_zone,
    class_volume,
    clock_times,
    due_broadcast,
    due_emergencies,
    is_audio_playlist,
    next_power_edge,
    parse_time,
    playable,
    power_zone,
    screen_on,
    utc_iso,
    validate_playlist,
)
from player.zones import layout_files

log = logging.getLogger("player")

DEFAULT_REFRESH = 300
MAX_ERRORS, MAX_ERROR_CHARS = 20, 500  # what the server accepts in a heartbeat
MAX_PLAYLIST_BYTES = 8 << 20
TOKEN_ERROR = "token bị thu hồi hoặc sai"
NET_ERRORS = (OSError, http.client.HTTPException)
REFUSED_RETRY_S = 5.0  # first retry of a channel whose login the broker refused (then doubling)
AUDIO_OVERRUN_S = 30  # an audio program still running this long after the bulletin's end is stopped
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScreenshotError(CommandError):
    """No screenshot: ``code`` (machine) and the message (for people)."""


def resolve_board(server, token, cache_dir, timeout=30.0) -> str:
    """The board number of `token`: remembered in ``DIR/board.json`` (so a restart while the
    server is down still knows it), else asked once of ``GET /api/boards/v1/me``. Raises
    LookupError with the reason when neither can tell."""
    server = server.rstrip("/")
    remembered = Path(cache_dir) / "board.json"
    try:
        saved = json.loads(remembered.read_text("utf-8"))
        if saved.get("server") == server and saved.get("token_sha256") == sha256(token.encode()).hexdigest():
            return str(saved["board"])
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    request = urllib.request.Request(f"{server}/api/boards/v1/me", headers={"User-Agent": f"{NAME}/{VERSION}"})
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode("utf-8"))
            board = int(answer["board"])
            channel = answer.get("channel") if isinstance(answer.get("channel"), dict) else None
    except urllib.error.HTTPError as error:
        raise LookupError(TOKEN_ERROR if error.code == 401 else f"HTTP {error.code}") from None
    except (*NET_ERRORS, ValueError, KeyError, TypeError) as error:
        raise LookupError(f"server unreachable or not a tincoso server: {error!r}") from None
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(
        remembered,
        json.dumps(
            {"server": server, "board": board, "token_sha256": sha256(token.encode()).hexdigest(), "channel": channel}
        ).encode(),
    )
    return str(board)


def remembered_channel(server, token, cache_dir):
    """The real-time channel ``GET me`` named for this server and token (kept by
    resolve_board), or None."""
    try:
        saved = json.loads((Path(cache_dir) / "board.json").read_text("utf-8"))
        if saved.get("server") != server.rstrip("/") or saved.get("token_sha256") != sha256(token.encode()).hexdigest():
            return None
        channel = saved.get("channel")
    except (OSError, ValueError, AttributeError):
        return None
    return channel if isinstance(channel, dict) else None


class Player:
    def __init__(
        self,
        server,
        board,
        token,
        cache_dir,
        *,
        screen=None,
        timeout=30.0,
        rng=None,
        backoff_base=5.0,
        backoff_cap=300.0,
        outbox_cap=500,
        download_attempts=3,
        clock=utcnow,
        me_channel=None,
        screenshot_every=0,
        restart=None,
    ):
        self.server = server.rstrip("/")
        self.board = str(board)
        self.token = token
        self.api = f"{self.server}/api/boards/v1/{quote(self.board, safe='')}/"
        self.cache = Cache(cache_dir)
        self.outbox = Outbox(cache_dir, cap=outbox_cap)
        self.screen = screen or Headless(cache_dir)
        self.screen.clock = clock  # a clock zone shows the player's own time
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.download_attempts = download_attempts
        self.clock = clock
        self.opener = urllib.request.build_opener()  # Authorization is unredirected: never follows a redirect

        self.lock = threading.RLock()
        self.changed = threading.Event()
        self.stop = threading.Event()
        self.wake = threading.Event()  # set: the poller polls now (the channel's "collect")
        self.poll_cond = threading.Condition()
        self.polls_started = self.polls_done = 0
        self.last_poll = None
        self.me_channel = me_channel  # what GET me said, until a playlist says
        self.channel = None
        self.channel_lock = threading.RLock()
        self.command_log = None  # channel.CommandLog, made by the first channel
        self.pending_acks = deque(maxlen=200)  # acks of a channel stopped meanwhile, for the next one
        self._channel_note = None
        self.screenshot_every = float(screenshot_every or 0)
        self.restart = restart or self.restart_process
        self.errors = deque(maxlen=50)
        self.last_error = None
        self.failures = 0
        self.refused_polls = 0
        self.started = time.monotonic()
        self.playing = None
        self.pending_plays = []
        self.emergency_played = {}  # loudspeakers: (item id, sha256) → last start
        self.broadcast_after = None  # loudspeakers: broadcasts up to this moment are done
        self.relays = Relays(self)  # loudspeakers: relays aired in their windows

        self.playlist = self.cache.load_playlist()
        state = self.cache.load_state()
        self.etag = state.get("etag") if self.playlist else None
        volume = state.get("volume")
        self.volume = (
            volume if isinstance(volume, int) and not isinstance(volume, bool) and 0 <= volume <= 100 else None
        )
        self.screen.volume = self.volume
        override = state.get("power_override")
        self.power_override = override if isinstance(override, dict) and "on" in override else None
        self.power_on = True
        self._power_problem = None
        if self.playlist and not all(self.cache.has(f["sha256"]) for f in self._files(self.playlist)):
            self.etag = None  # files went missing: ask for the full playlist to fetch them again
        if self.playlist:
            log.info("playing cached playlist version %s", self.playlist["version"])
            self.take_layout()

    # errors --------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        log.warning("%s", message)
        self.note_error(message)

    def note_error(self, message: str) -> None:
        """An error for the next heartbeat (already logged by the caller)."""
        with self.lock:
            self.errors.append(f"{utc_iso(self.clock())} {message}")
            self.last_error = message

    def last_problem(self):
        """The newest error noted (a heartbeat sent meanwhile does not forget it), or None."""
        with self.lock:
            return self.last_error

    def _fail(self, message: str) -> str:
        self._error(message)
        self.failures += 1
        return "error"

    # HTTP ----------------------------------------------------------------------------
    def _same_origin(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.server)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _open(self, url, *, method="GET", headers=None, data=None, auth=True):
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        request.add_header("User-Agent", f"{NAME}/{VERSION}")
        if auth:
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        try:
            return self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:  # an answer all the same (304, 401, 5xx …)
            return error

    # polling -------------------------------------------------------------------------
    def poll_once(self) -> str:
        """One poll. Returns "updated", "unchanged", "unauthorized" or "error"."""
        headers = {"Accept": "application/json"}
        if self.playlist and self.etag:
            headers["If-None-Match"] = self.etag
        try:
            response = self._open(self.api + "playlist.json", headers=headers)
            with response:
                status = response.getcode()
                etag = response.headers.get("ETag")
                body = response.read(MAX_PLAYLIST_BYTES + 1) if status == 200 else b""
        except NET_ERRORS as error:
            return self._fail(f"server unreachable: {error!r}")
        if status == 304:
            self.failures = 0
            return "unchanged"
        if status in (401, 403):
            self.failures = 0  # not a network fault: keep retrying at the refresh interval
            self._error(f"{TOKEN_ERROR} (HTTP {status})")
            return "unauthorized"
        if status != 200:
            return self._fail(f"playlist: HTTP {status}")
        if len(body) > MAX_PLAYLIST_BYTES:
            return self._fail("invalid playlist: too large")
        try:
            playlist = validate_playlist(json.loads(body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            return self._fail(f"invalid playlist: {error}")

        missing = {}
        for item in self._files(playlist):
            if not self.cache.has(item["sha256"]):
                missing.setdefault(item["sha256"], item)
        failed = [sha for sha, item in missing.items() if not self._download(item)]
        if failed:
            return self._fail(f"playlist {playlist['version']} not swapped in: {len(failed)} file(s) missing")

        with self.lock:
            same = playlist == self.playlist
            if not same:
                self.cache.swap_playlist(playlist, etag)
                self.playlist = playlist
            else:
                state = self.cache.load_state()
                state["etag"] = etag
                self.cache.save_state(state)
            self.etag = etag
        self.failures = 0
        if same:
            return "unchanged"
        log.info(
            "playlist version %s swapped in (%d items, %d downloaded)",
            playlist["version"],
            len(playlist["items"]),
            len(missing),
        )
        self.take_layout()
        self.changed.set()
        self.status_changed()
        removed = self.cache.prune(self.cache.referenced())
        if removed:
            log.info("pruned %d file(s)", len(removed))
        return "updated"

    @staticmethod
    def _files(playlist) -> list:
        """Every file a playlist needs: its items', then its layout's (font, image zones)."""
        return [*playlist["items"], *layout_files(playlist.get("layout"))]

    def take_layout(self) -> None:
        """Hand the held playlist's zones (``layout``, player/zones.py) to the screen, once
        its files are all in the cache; None (the whole screen) otherwise."""
        with self.lock:
            layout = (self.playlist or {}).get("layout")
        if layout and not all(self.cache.has(f["sha256"]) for f in layout_files(layout)):
            layout = None
        try:
            self.screen.set_layout(layout, self.cache.path_for)
        except Exception as error:  # noqa: BLE001 - the main zone plays whatever happens to the others
            self._error(f"cannot take up the screen layout: {error!r}")

    def _download(self, item) -> bool:
        """Fetch one file into ``files/<sha>.part`` (resuming with Range), verify, move in."""
        sha, size = item["sha256"], item["bytes"]
        url = urljoin(self.api, item["url"])
        if urlsplit(url).scheme not in ("http", "https"):
            self._error(f"download {sha[:12]}: unsupported URL {item['url']!r}")
            return False
        part = self.cache.part_for(sha)
        for _attempt in range(self.download_attempts):
            have = part.stat().st_size if part.exists() else 0
            if have > size:
                part.unlink()
                have = 0
            if have < size or not part.exists():
                headers = {"Range": f"bytes={have}-"} if have else {}
                try:
                    response = self._open(url, headers=headers, auth=self._same_origin(url))
                    with response:
                        status = response.getcode()
                        if status == 206:
                            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                            if not match or int(match.group(1)) != have:
                                part.unlink(missing_ok=True)
                                self._error(f"download {sha[:12]}: bad Content-Range, starting over")
                                continue
                            mode = "ab"
                        elif status == 200:
                            mode, have = "wb", 0  # server ignored the range: start over
                        elif status == 416:
                            part.unlink(missing_ok=True)
                            continue
                        else:
                            self._error(f"download {sha[:12]}: HTTP {status}")
                            return False
                        written = have
                        with open(part, mode) as out:
                            while written <= size:
                                block = response.read(1 << 16)
                                if not block:
                                    break
                                out.write(block)
                                written += len(block)
                except NET_ERRORS as error:
                    self._error(f"download {sha[:12]} interrupted: {error!r}")
                got = part.stat().st_size if part.exists() else 0
                if got < size:
                    self._error(f"download {sha[:12]} incomplete ({got}/{size} bytes), resuming")
                    continue
            try:
                self.cache.finalize(sha, size)
                return True
            except ValueError as error:
                self._error(f"download refused: {error}")
                return False
        return False

    def next_delay(self) -> float:
        with self.lock:
            playlist = self.playlist or {}
        refresh = playlist.get("refresh_seconds") or DEFAULT_REFRESH
        if self.failures:
            # Back off after failures, but never beyond the refresh interval: the server is sized
            # for the fleet polling at that rate, and a board catches up soon after an outage.
            delay = min(self.backoff_cap, refresh, self.backoff_base * 2 ** (self.failures - 1))
            return delay * self.rng.uniform(0.9, 1.1)
        jitter = playlist.get("jitter_seconds")
        if jitter is None:
            jitter = refresh * 0.1
        delay = max(1.0, refresh + self.rng.uniform(-jitter, jitter))
        channel = self.channel
        if channel is not None and channel.state == "refused":
            # The broker refused the token: the server may not have given it the new token yet
            # (a board paired a moment ago), or it was revoked (then the poll says so too). Ask
            # again sooner than the refresh interval, backing off: 5, 10, 20 … s.
            self.refused_polls += 1
            return min(delay, REFUSED_RETRY_S * 2 ** min(self.refused_polls - 1, 8))
        self.refused_polls = 0
        return delay

    # reports -------------------------------------------------------------------------
    def heartbeat_body(self) -> dict:
        with self.lock:
            # The server takes at most 20 errors of at most 500 characters: the newest, cut.
            errors = [e[:MAX_ERROR_CHARS] for e in list(self.errors)[-MAX_ERRORS:]]
            self.errors.clear()
            version = self.playlist["version"] if self.playlist else None
            playing = self.playing
        return {
            "version": version,
            "playing": playing,
            "cache_bytes": self.cache.cache_bytes(),
            "free_bytes": self.cache.free_bytes(),
            "uptime_s": int(time.monotonic() - self.started),
            "errors": errors,
            "player": {"name": NAME, "version": VERSION},
            "at": utc_iso(self.clock()),
        }

    def record_play(self, item_id, started_at: datetime, duration_s: float) -> None:
        with self.lock:
            self.pending_plays.append(
                {
                    "item_id": item_id,
                    "started_at": utc_iso(started_at, "milliseconds"),
                    "duration_s": round(duration_s, 1),
                }
            )

    def queue_reports(self, heartbeat=True) -> None:
        with self.lock:
            plays, self.pending_plays = self.pending_plays, []
        if plays:
            self.outbox.put("plays", plays)
        if heartbeat:
            self.outbox.put("heartbeat", self.heartbeat_body())

    def _post(self, endpoint, body) -> int:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            response = self._open(
                self.api + endpoint, method="POST", data=data, headers={"Content-Type": "application/json"}
            )
            with response:
                response.read()
                return response.getcode()
        except NET_ERRORS as error:
            log.info("report not sent (%r), kept in the outbox", error)
            return 0

    def report(self) -> int:
        """Queue plays + a heartbeat, then send the outbox in order. Returns how many sent."""
        self.queue_reports()
        return self.outbox.flush(self._post)

    # playback ------------------------------------------------------------------------
    def current_items(self) -> list:
        with self.lock:
            items = self.playlist["items"] if self.playlist else []
        return [i for i in playable(items, self.clock()) if self.cache.has(i["sha256"])]

    def next_item(self, last_id=None):
        items = self.current_items()
        if not items:
            return None
        ids = [i["id"] for i in items]
        return items[(ids.index(last_id) + 1) % len(items)] if last_id in ids else items[0]

    def show(self, item) -> None:
        with self.lock:
            self.playing = item["id"]
        try:
            self.screen.show(item, self.cache.path_for(item["sha256"]))
        except Exception as error:  # noqa: BLE001 - a broken file must not stop the loop
            self._error(f"cannot show {item['id']}: {error!r}")

    def _still_playable(self, item) -> bool:
        return any(i["id"] == item["id"] and i["sha256"] == item["sha256"] for i in self.current_items())

    def play_loop(self) -> None:
        last_id = None
        while not self.stop.is_set():
            if self.air_live():  # live broadcasts (player/live.py)
                continue
            if self.audio_mode():
                if not self.audio_step():
                    self.changed.wait(1.0)
                    self.changed.clear()
                continue
            if not self.update_power():  # screen off: black until the schedule, a command or an emergency
                self.changed.wait(1.0)
                self.changed.clear()
                continue
            item = self.next_item(last_id)
            if item is None:
                with self.lock:
                    self.playing = None
                self.changed.wait(5)
                self.changed.clear()
                continue
            started_at, started = self.clock(), time.monotonic()
            self.show(item)
            last_id = item["id"]
            end = started + float(item["duration_s"])
            while not self.stop.is_set():
                remaining = end - time.monotonic()
                if remaining <= 0:
                    break
                if self.changed.wait(min(1.0, remaining)):
                    self.changed.clear()
                if not self._still_playable(item):  # withdrawn, expired, or an emergency
                    break
                if not self.update_power():
                    break
            self.record_play(item["id"], started_at, time.monotonic() - started)

    # screen power ------------------------------------------------------------------------
    def desired_power(self) -> bool:
        """Whether the screen should be on now (schedule.screen_on with the held playlist's
        power hours, the override, an emergency). Loudspeakers: always "on"."""
        with self.lock:
            playlist = self.playlist or {}
            override = self.power_override
        if is_audio_playlist(playlist):
            return True
        now = self.clock()
        emergency = any(i.get("priority") == "emergency" for i in self.current_items())
        power = playlist.get("power") if isinstance(playlist.get("power"), dict) else {}
        local = now.astimezone(power_zone(playlist))
        try:
            until = parse_time((override or {}).get("until"))
        except (ValueError, TypeError):
            until = None
        forced = (bool(override["on"]), until) if override else None
        try:
            on = screen_on(power.get("hours"), local, forced, emergency)
            self._power_problem = None
            return on
        except ValueError as error:
            if self._power_problem != str(error):
                self._power_problem = str(error)
                self._error(f"lịch bật/tắt màn hình không hợp lệ, màn hình để bật: {error}")
            return screen_on(None, local, forced, emergency)

    def brightness(self) -> int:
        """The screen's brightness now (its operating-hours window's, schedule.brightness_at),
        reported in the status; a panel driver applies it (docs/architecture.md)."""
        with self.lock:
            playlist = self.playlist or {}
        power = playlist.get("power") if isinstance(playlist.get("power"), dict) else {}
        try:
            return brightness_at(power.get("hours"), self.clock().astimezone(power_zone(playlist)))
        except (ValueError, TypeError):
            return 100

    def update_power(self) -> bool:
        """Apply the screen power (playback thread): black when it goes off; the status is
        published on a change. Returns True when the screen is on."""
        with self.lock:
            override = self.power_override
        if override and override.get("until"):
            try:
                ended = self.clock() >= parse_time(override["until"])
            except (ValueError, TypeError):
                ended = True
            if ended:
                self._set_override(None)
                log.info("hết thời hạn lệnh bật/tắt màn hình: theo lịch")
        on = self.desired_power()
        with self.lock:
            changed, self.power_on = on != self.power_on, on
            if not on:
                self.playing = None
        if changed:
            if on:
                log.info("bật màn hình")
                self.screen.wake()
            else:
                log.info("tắt màn hình")
                try:
                    self.screen.blank(self._board_size())
                except Exception as error:  # noqa: BLE001 - a screen that cannot go black still reports "off"
                    self._error(f"cannot blank the screen: {error!r}")
            self.status_changed()
        return on

    def _board_size(self):
        with self.lock:
            board = (self.playlist or {}).get("board")
        if isinstance(board, dict):
            width, height = board.get("width"), board.get("height")
            if isinstance(width, int) and isinstance(height, int) and 0 < width <= 7680 and 0 < height <= 7680:
                return width, height
        return None

    def _set_override(self, override) -> None:
        with self.lock:
            self.power_override = override
            state = self.cache.load_state()
            if override is None:
                state.pop("power_override", None)
            else:
                state["power_override"] = override
            self.cache.save_state(state)

    def set_power(self, on: bool, until):
        """The server's power command: screen ``on`` until ``until`` (ISO) or, when None, until
        the schedule's next edge (no schedule: until told otherwise). Kept in state.json.
        Returns (the override, whether the screen will be on)."""
        moment = parse_time(until) if until else None
        if moment is None:
            with self.lock:
                playlist = self.playlist or {}
            hours = playlist.get("power", {}).get("hours") if isinstance(playlist.get("power"), dict) else None
            try:
                moment = next_power_edge(hours, self.clock().astimezone(power_zone(playlist)))
            except ValueError:
                moment = None
        override = {"on": bool(on), "until": utc_iso(moment) if moment else None}
        self._set_override(override)
        self.changed.set()  # the playback loop applies it at once
        return override, self.desired_power()

    # volume ------------------------------------------------------------------------------
    def set_volume(self, level: int) -> None:
        """The server's volume command: kept in state.json, used for the next sound played."""
        with self.lock:
            self.volume = level
            self.screen.volume = level
            state = self.cache.load_state()
            state["volume"] = level
            self.cache.save_state(state)
        log.info("âm lượng %d", level)
        self.status_changed()

    # screenshots -------------------------------------------------------------------------
    def upload_screenshot(self) -> dict:
        """Send what is on screen now to ``POST <board>/screenshot``. Returns what the server
        said; raises ScreenshotError (a loudspeaker cluster has no screen)."""
        if self.audio_mode():
            raise ScreenshotError("no_screen", "Cụm loa không có màn hình để chụp.")
        data = self.screen.grab()
        if not data:
            raise ScreenshotError("no_frame", "Chưa có hình nào trên màn hình.")
        try:
            data, content_type = fit_screenshot(data)
        except ValueError as error:
            raise ScreenshotError("bad_image", f"Không gửi được ảnh chụp: {error}") from None
        boundary = f"tincoso-{uuid.uuid4().hex}"
        extension = "png" if content_type == "image/png" else "jpg"
        body = b"".join(
            (
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="screenshot"; filename="screen.{extension}"\r\n'.encode(),
                f"Content-Type: {content_type}\r\n\r\n".encode(),
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            )
        )
        try:
            response = self._open(
                self.api + "screenshot",
                method="POST",
                data=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
            with response:
                status, answer = response.getcode(), response.read(64 * 1024)
        except NET_ERRORS as error:
            raise ScreenshotError(
                "upload_failed", f"Không gửi được ảnh chụp: máy chủ không trả lời ({error!r})"
            ) from None
        try:
            said = json.loads(answer.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            said = {}
        said = said if isinstance(said, dict) else {}
        if not 200 <= status < 300:
            error = said.get("error")
            reason = error.get("message") if isinstance(error, dict) else error
            raise ScreenshotError("upload_failed", f"Máy chủ không nhận ảnh chụp: HTTP {status} {reason or ''}".strip())
        log.info("đã gửi ảnh chụp màn hình (%d byte)", len(data))
        result = {"bytes": len(data)}
        result.update({k: said[k] for k in ("width", "height") if isinstance(said.get(k), int)})
        return result

    def screenshot_loop(self) -> None:
        """``--screenshot-every``: one upload every ``screenshot_every`` seconds."""
        while not self.stop.wait(self.screenshot_every):
            if self.audio_mode():
                continue
            try:
                self.upload_screenshot()
            except ScreenshotError as error:
                self._error(f"screenshot: {error}")

    # status and the channel ----------------------------------------------------------------
    def held_version(self):
        with self.lock:
            return self.playlist["version"] if self.playlist else None

    def status_body(self) -> dict:
        """The channel's retained status (docs/architecture.md, "Real-time channel v1")."""
        with self.lock:
            version = self.playlist["version"] if self.playlist else None
            playing = None if self.playing is None else str(self.playing)
            power = "on" if self.power_on else "off"
            volume = 100 if self.volume is None else self.volume
        channel = self.channel
        return {
            "state": "online",
            "session": channel.session if channel is not None else None,
            "version": version,
            "playing": playing,
            "power": power,
            "brightness": self.brightness(),
            "volume": volume,
            "player": {"name": NAME, "version": VERSION},
            "at": utc_iso(self.clock()),
        }

    def status_changed(self) -> None:
        """Version, power or volume may have changed: the channel publishes the status if so."""
        channel = self.channel
        if channel is not None:
            try:
                channel.publish_status()
            except Exception as error:  # noqa: BLE001 - the channel is a bonus, never a failure
                log.info("kênh MQTT: trạng thái không gửi được: %r", error)

    def _note_channel(self, reason) -> None:
        """Say once why there is no channel (or that there is one again)."""
        if reason != self._channel_note:
            self._channel_note = reason
            if reason:
                log.info("không có kênh thời gian thực: %s", reason)

    def sync_channel(self, result=None) -> None:
        """Start, restart or stop the channel by what the server last said: the held
        playlist's ``"channel"`` (or, before any playlist, GET me's). ``result``: the poll's.
        A channel whose login was refused is tried again after a successful poll (which comes
        sooner then: next_delay)."""
        if result in ("error", "unauthorized"):
            return  # nothing new said: the channel keeps going (or stays down) as it is
        from player import channel as channels

        with self.lock:
            if self.playlist is None and self.me_channel is None:
                return  # the server has said nothing yet
            raw = self.playlist.get("channel") if self.playlist is not None else self.me_channel
        with self.channel_lock:
            if self.stop.is_set():
                return
            if not raw:
                self._replace_channel(None, "máy chủ không mở kênh (channel: null)")
                return
            try:
                info = channels.parse_info(raw)
            except ValueError as error:
                self._replace_channel(None, f"máy chủ báo kênh không dùng được: {error}")
                return
            current = self.channel
            if current is not None and current.info == info:
                if current.state == "refused" and result in ("updated", "unchanged"):
                    log.info("kênh MQTT: máy chủ vẫn báo kênh, thử đăng nhập lại")
                else:
                    return
            self._replace_channel(info)

    def _replace_channel(self, info, reason=None) -> None:
        from player import channel as channels

        with self.channel_lock:
            old, self.channel = self.channel, None
            if old is not None:
                old.stop(clean=True)
            if info is None:
                self._note_channel(reason)
                return
            channel = channels.Channel(self, info)
            self.channel = channel  # before it connects: an ack left behind finds it
            try:
                channel.start()
            except channels.ChannelUnavailable as error:
                self.channel = None
                self._note_channel(str(error))
                return
            except Exception as error:  # noqa: BLE001 - e.g. TLS set-up: keep polling
                self.channel = None
                self._note_channel(f"kênh không khởi động được: {error!r}")
                return
            self._note_channel(None)

    def close_channel(self) -> None:
        with self.channel_lock:
            self._replace_channel(None, self._channel_note)

    def restart_process(self) -> None:
        """The server's restart command: leave the channel cleanly, then exec the same command
        line again (tests give Player(restart=…) instead)."""
        log.warning("khởi động lại trình phát theo lệnh của máy chủ")
        self.stop.set()
        self.wake.set()
        self.close_channel()
        try:
            self.screen.close()
        except Exception:  # noqa: BLE001 - going away anyway
            pass
        self.queue_reports(heartbeat=False)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])

    # loudspeakers ----------------------------------------------------------------------
    def audio_mode(self) -> bool:
        with self.lock:
            return is_audio_playlist(self.playlist)

    def _audio_items(self) -> list:
        with self.lock:
            items = self.playlist["items"] if self.playlist else []
        return [i for i in items if i.get("kind") == "audio" and self.cache.has(i["sha256"])]

    def _repeat_s(self) -> float:
        with self.lock:
            return float((self.playlist or {}).get("emergency_repeat_s") or 0)

    def emergencies_due(self) -> list:
        return due_emergencies(self._audio_items(), self.clock(), self.emergency_played, self._repeat_s())

    def _initial_broadcast_after(self, now):
        after = now - timedelta(seconds=BROADCAST_GRACE_S + 1)
        try:
            stored = parse_time(self.cache.load_state().get("last_broadcast"))
        except (ValueError, TypeError):
            stored = None
        return max(after, stored) if stored else after

    def _broadcast_done(self, moment) -> None:
        self.broadcast_after = moment
        with self.lock:
            state = self.cache.load_state()
            state["last_broadcast"] = utc_iso(moment)
            self.cache.save_state(state)

    def next_broadcast(self):
        """The next broadcast moment after now by the held playlist, or None."""
        with self.lock:
            playlist = self.playlist or {}
        try:
            times = clock_times(playlist.get("broadcast_times"))
        except ValueError:
            return None
        if not times:
            return None
        tz = broadcast_zone(playlist)
        local = self.clock().astimezone(tz)
        for offset in (0, 1):
            day = local.date() + timedelta(days=offset)
            for hour, minute in times:
                moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                if moment > local:
                    return moment
        return None

    def play_audio(self, item, preempt=None) -> float:
        """Play one bulletin to its end, or until ``preempt()`` says an emergency goes first.
        Records the proof of play (what was played, even cut short). Returns seconds played."""
        self.air_live(before=item)  # a live broadcast waiting goes first (player/live.py)
        started_at, started = self.clock(), time.monotonic()
        with self.lock:
            self.playing = item["id"]
        process = None
        with self.lock:
            level = class_volume(self.playlist, item, self.volume)
        master, self.screen.volume = self.screen.volume, level
        try:
            process = self.screen.play_audio(item, self.cache.path_for(item["sha256"]))
        except Exception as error:  # noqa: BLE001 - no audio program, a broken file: logged, the schedule goes on
            self._error(f"cannot play {item['id']}: {error!r}")
        finally:
            self.screen.volume = master
        end = started + float(item["duration_s"])
        while not self.stop.is_set():
            now = time.monotonic()
            if process is not None:
                if process.poll() is not None:
                    break
                if now > end + AUDIO_OVERRUN_S:
                    self._error(f"audio player still running after {item['id']}: stopped")
                    break
            elif now >= end:
                break
            if (preempt is not None and preempt()) or self.live_cuts_in(item):
                log.info("tin khẩn cấp: dừng %s", item["id"])
                break
            self.stop.wait(0.1)
        if process is not None and process.poll() is None:
            self.screen.stop_audio(process)
        played = time.monotonic() - started
        self.record_play(item["id"], started_at, played)
        with self.lock:
            self.playing = None
        return played + self.replay_after_live(item, preempt)

    def _relay_yields(self) -> bool:
        """A relay gives way to an emergency bulletin and to a live broadcast waiting."""
        if self.emergencies_due():
            return True
        return self.live is not None and self.live.next_due() is not None

    def audio_step(self, broadcast_now=False) -> bool:
        """One turn of the loudspeaker schedule by the player's own clock. Returns True when
        something played."""
        due = self.emergencies_due()
        if due:
            log.info("tin khẩn cấp: phát ngay %d bản tin", len(due))
            for item in due:
                if self.stop.is_set():
                    break
                self.emergency_played[(item["id"], item["sha256"])] = self.clock()
                self.play_audio(item)
            return True
        with self.lock:
            playlist = self.playlist or {}
        if self.relays.step(playlist, preempt=self._relay_yields):  # player/relay.py
            return True
        now = self.clock()
        if self.broadcast_after is None:
            self.broadcast_after = self._initial_broadcast_after(now)
        if broadcast_now:
            moment = now
        else:
            try:
                times = clock_times(playlist.get("broadcast_times"))
            except ValueError:
                times = []
            moment = due_broadcast(times, broadcast_zone(playlist), self.broadcast_after, now)
        if moment is None:
            return False
        self._broadcast_done(moment)
        bulletins = [i for i in playable(self._audio_items(), now) if i.get("priority") != "emergency"]
        order = broadcast_order(playlist, moment, now_mode=broadcast_now)
        if order is not None:  # the commune's programme for this slot, in its order
            by_id = {str(i["id"]): i for i in bulletins}
            bulletins = [by_id[i] for i in order if i in by_id]
        log.info(
            "giờ phát %s: %d bản tin", moment.astimezone(broadcast_zone(playlist)).strftime("%H:%M"), len(bulletins)
        )
        played = False
        for item in bulletins:
            if self.stop.is_set() or self.emergencies_due():
                break  # the emergency plays at the next turn, at once
            if not any(
                i["id"] == item["id"] and i["sha256"] == item["sha256"]
                for i in playable(self._audio_items(), self.clock())
            ):
                continue  # withdrawn or expired meanwhile
            self.play_audio(item, preempt=lambda: bool(self.emergencies_due()))
            played = True
        return played

    def request_poll(self) -> int:
        """Wake the poller to poll now. Returns a ticket for ``wait_poll``."""
        with self.poll_cond:
            ticket = self.polls_started
        self.wake.set()
        return ticket

    def wait_poll(self, ticket: int, timeout: float):
        """Wait until a poll that started after ``request_poll`` gave ``ticket`` is done.
        Returns its result ("updated", "unchanged", "unauthorized", "error"), or None."""
        deadline = time.monotonic() + timeout
        with self.poll_cond:
            while self.polls_done <= ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.stop.is_set():
                    return None
                self.poll_cond.wait(min(remaining, 0.5))
            return self.last_poll

    def poll_loop(self) -> None:
        self.sync_channel()  # from the cached playlist (or GET me): the channel need not wait for the server
        while not self.stop.is_set():
            with self.poll_cond:
                self.polls_started += 1
                self.wake.clear()  # a wake from now on means one more poll after this one
            result = "error"
            try:
                result = self.poll_once()
            except Exception as error:  # noqa: BLE001 - never let the poller die
                self._fail(f"poll failed: {error!r}")
            with self.poll_cond:
                self.polls_done += 1
                self.last_poll = result
                self.poll_cond.notify_all()
            try:
                self.sync_channel(result)
                self.report()
            except Exception as error:  # noqa: BLE001 - never let the poller die
                self._fail(f"poll failed: {error!r}")
            self.wake.wait(self.next_delay())

    def run_forever(self) -> None:
        poller = threading.Thread(target=self.poll_loop, name="poller", daemon=True)
        poller.start()
        if self.screenshot_every > 0:
            threading.Thread(target=self.screenshot_loop, name="screenshots", daemon=True).start()
        try:
            self.play_loop()
        finally:
            self.stop.set()
            self.wake.set()
            self.close_channel()
            self.screen.close()
            self.queue_reports(heartbeat=False)  # keep unsent plays for next start

    def run_once(self, broadcast_now=False) -> int:
        """One poll (+ downloads + swap), show the current item (loudspeakers: play what is
        due now, or with ``broadcast_now`` the bulletins as at a broadcast time), flush
        reports. Returns 0 if a playlist is held, 1 if not."""
        self.poll_once()
        if self.audio_mode():
            if not self.audio_step(broadcast_now=broadcast_now):
                upcoming = self.next_broadcast()
                log.info(
                    "không có bản tin đến giờ phát%s", f"; giờ phát tới: {upcoming:%H:%M %d/%m}" if upcoming else ""
                )
        else:
            item = self.next_item()
            if item is not None:
                self.show(item)
        self.report()
        return 0 if self.playlist else 1

    # live broadcasts (player/live.py: the channel's "live" and "live_end") -------------------
    live = None  # player.live.Live, made by the first "live" command

    def live_tuner(self):
        from player.live import Live

        with self.lock:
            if self.live is None:
                self.live = Live(self)
            return self.live

    def air_live(self, before=None) -> bool:
        """Air the live broadcasts due now, to their end (playback thread); ``before``: the
        bulletin about to start. Returns whether one aired."""
        return self.live is not None and self.live.air(before)

    def live_cuts_in(self, item) -> bool:
        """Whether an emergency live broadcast stops the bulletin ``item`` now."""
        return self.live is not None and self.live.cuts_in(item)

    def replay_after_live(self, item, preempt) -> float:
        """A bulletin a live broadcast cut short plays again, whole, after it: nothing
        scheduled is lost. Returns the seconds played again (0 when it was not cut)."""
        if self.live is None or not self.live.take_cut(item):
            return 0.0
        return self.play_audio(item, preempt)
