"""HTTP side of the player (urllib only) and the ``Player`` loop.

Threads: a poller (poll → downloads → swap → reports, then sleep refresh ± jitter, or an
exponential backoff after errors) and the playback loop (main thread), which plays by its
own clock from whatever playlist is held, so nothing the server does can stop the screen.

For a loudspeaker cluster (schedule.is_audio_playlist) the playback loop follows the
broadcast rules instead of looping: emergencies at once and every ``emergency_repeat_s``,
the other bulletins once at each broadcast time (the last one played is kept in
``state.json`` so a restart does not play it twice), an emergency cutting a broadcast short.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from player import NAME, VERSION
from player.cache import Cache, write_atomic
from player.display import Headless
from player.reports import Outbox
from player.schedule import (
    BROADCAST_GRACE_S,
    broadcast_zone,
    clock_times,
    due_broadcast,
    due_emergencies,
    is_audio_playlist,
    parse_time,
    playable,
    utc_iso,
    validate_playlist,
)

log = logging.getLogger("player")

DEFAULT_REFRESH = 300
MAX_ERRORS, MAX_ERROR_CHARS = 20, 500  # what the server accepts in a heartbeat
MAX_PLAYLIST_BYTES = 8 << 20
TOKEN_ERROR = "token bị thu hồi hoặc sai"
NET_ERRORS = (OSError, http.client.HTTPException)
AUDIO_OVERRUN_S = 30  # an audio program still running this long after the bulletin's end is stopped
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")


def utcnow() -> datetime:
    return datetime.now(UTC)


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
            board = int(json.loads(response.read().decode("utf-8"))["board"])
    except urllib.error.HTTPError as error:
        raise LookupError(TOKEN_ERROR if error.code == 401 else f"HTTP {error.code}") from None
    except (*NET_ERRORS, ValueError, KeyError, TypeError) as error:
        raise LookupError(f"server unreachable or not a tincoso server: {error!r}") from None
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    write_atomic(
        remembered,
        json.dumps({"server": server, "board": board, "token_sha256": sha256(token.encode()).hexdigest()}).encode(),
    )
    return str(board)


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
    ):
        self.server = server.rstrip("/")
        self.board = str(board)
        self.token = token
        self.api = f"{self.server}/api/boards/v1/{quote(self.board, safe='')}/"
        self.cache = Cache(cache_dir)
        self.outbox = Outbox(cache_dir, cap=outbox_cap)
        self.screen = screen or Headless(cache_dir)
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
        self.errors = deque(maxlen=50)
        self.failures = 0
        self.started = time.monotonic()
        self.playing = None
        self.pending_plays = []
        self.emergency_played = {}  # loudspeakers: (item id, sha256) → last start
        self.broadcast_after = None  # loudspeakers: broadcasts up to this moment are done

        self.playlist = self.cache.load_playlist()
        self.etag = self.cache.load_state().get("etag") if self.playlist else None
        if self.playlist and not all(self.cache.has(i["sha256"]) for i in self.playlist["items"]):
            self.etag = None  # files went missing: ask for the full playlist to fetch them again
        if self.playlist:
            log.info("playing cached playlist version %s", self.playlist["version"])

    # errors --------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        log.warning("%s", message)
        with self.lock:
            self.errors.append(f"{utc_iso(self.clock())} {message}")

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
        for item in playlist["items"]:
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
        self.changed.set()
        removed = self.cache.prune(self.cache.referenced())
        if removed:
            log.info("pruned %d file(s)", len(removed))
        return "updated"

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
        return max(1.0, refresh + self.rng.uniform(-jitter, jitter))

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
            if self.audio_mode():
                if not self.audio_step():
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
            self.record_play(item["id"], started_at, time.monotonic() - started)

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
        started_at, started = self.clock(), time.monotonic()
        with self.lock:
            self.playing = item["id"]
        process = None
        try:
            process = self.screen.play_audio(item, self.cache.path_for(item["sha256"]))
        except Exception as error:  # noqa: BLE001 - no audio program, a broken file: logged, the schedule goes on
            self._error(f"cannot play {item['id']}: {error!r}")
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
            if preempt is not None and preempt():
                log.info("tin khẩn cấp: dừng %s", item["id"])
                break
            self.stop.wait(0.1)
        if process is not None and process.poll() is None:
            self.screen.stop_audio(process)
        played = time.monotonic() - started
        self.record_play(item["id"], started_at, played)
        with self.lock:
            self.playing = None
        return played

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
        now = self.clock()
        if self.broadcast_after is None:
            self.broadcast_after = self._initial_broadcast_after(now)
        with self.lock:
            playlist = self.playlist or {}
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

    def poll_loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
                self.report()
            except Exception as error:  # noqa: BLE001 - never let the poller die
                self._fail(f"poll failed: {error!r}")
            self.stop.wait(self.next_delay())

    def run_forever(self) -> None:
        poller = threading.Thread(target=self.poll_loop, name="poller", daemon=True)
        poller.start()
        try:
            self.play_loop()
        finally:
            self.stop.set()
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
