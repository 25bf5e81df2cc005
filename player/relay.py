"""Relays (tiếp sóng) on a loudspeaker cluster: a stream (Icecast/HTTP MP3 or AAC, or HLS) aired
in the windows the playlist gives (``relays``: each with absolute ``windows``, made by the
server for the coming two days), by the player's own clock.

In a window the player plays the stream (mpv, ffplay or mpg123 when installed; headless it reads
the stream and discards it, so the airing is still real), reconnects after RECONNECT_S when the
stream drops, and stops at the window's end, for an emergency, or when the player stops. One
proof of play per airing, for the seconds the stream actually played; a stream that cannot be
reached is an error in the next heartbeat, and the rest of the programme goes on."""

import logging
import subprocess
import time
import urllib.error
import urllib.request

from player.display import volume_arguments
from player.schedule import class_volume, parse_time

log = logging.getLogger(__name__)
RECONNECT_S = 2.0
READ_BLOCK = 4096


def due_relay(playlist, now, done):
    """(relay, start, end) of a relay whose window holds ``now`` and that has not aired in that
    window yet (``done``: {(id, window start)}), or None."""
    for relay in (playlist or {}).get("relays") or []:
        if not isinstance(relay, dict) or not relay.get("url"):
            continue
        for window in relay.get("windows") or []:
            try:
                start, end = parse_time(window.get("start")), parse_time(window.get("end"))
            except (ValueError, TypeError, AttributeError):
                continue
            if start is None or end is None:
                continue
            if start <= now < end and (relay.get("id"), window.get("start")) not in done:
                return relay, start, end
    return None


class Relays:
    def __init__(self, player):
        self.player = player
        self.done = set()

    def step(self, playlist, preempt) -> bool:
        """Air a relay whose window is open now; True when one aired (or was tried)."""
        found = due_relay(playlist, self.player.clock(), self.done)
        if found is None:
            return False
        relay, start, end = found
        self.air(relay, end, preempt)
        if self.player.clock() >= end or self.player.stop.is_set():
            self.done.add((relay.get("id"), _window_key(relay, start)))
        # else an emergency or a live broadcast cut in: the relay goes on after it, in its window
        return True

    def air(self, relay, end, preempt) -> float:
        """Play ``relay`` until ``end`` (aware datetime) or ``preempt()``; returns seconds aired."""
        player = self.player
        title = relay.get("title") or relay.get("id")
        started_at = player.clock()
        aired = 0.0
        with player.lock:
            player.playing = str(relay.get("id"))
            level = class_volume(player.playlist, relay, player.volume)
        log.info("tiếp sóng: %s đến %s", title, end.isoformat(timespec="minutes"))
        failures = 0
        while not player.stop.is_set() and player.clock() < end and not preempt():
            began = time.monotonic()
            try:
                self._play_once(relay["url"], end, preempt, level)
                failures = 0
            except (OSError, urllib.error.URLError, ValueError) as error:
                failures += 1
                if failures == 1:
                    player._error(f"tiếp sóng {relay.get('id')}: luồng ngắt ({error}); thử lại")
            aired += time.monotonic() - began  # what played before it dropped counts too
            if player.clock() < end and not preempt():
                player.stop.wait(RECONNECT_S)
        with player.lock:
            player.playing = None
        if aired > 0:
            player.record_play(str(relay.get("id")), started_at, aired)
        log.info("tiếp sóng: %s kết thúc (%.0f s)", title, aired)
        return aired

    def _play_once(self, url, end, preempt, level):
        """Play the stream until it ends or drops (raises), ``end`` or ``preempt()``."""
        player = self.player
        command = getattr(player.screen, "audio", None)
        if command:
            process = subprocess.Popen(
                [*command, *volume_arguments(command, level), url],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                while process.poll() is None:
                    if player.stop.is_set() or player.clock() >= end or preempt():
                        return
                    time.sleep(0.2)
                raise OSError(f"trình phát dừng (mã {process.returncode})")
            finally:
                if process.poll() is None:
                    process.terminate()
        request = urllib.request.Request(url, headers={"User-Agent": "tincoso-player"})
        with urllib.request.urlopen(request, timeout=10) as stream:
            while True:
                if player.stop.is_set() or player.clock() >= end or preempt():
                    return
                block = stream.read(READ_BLOCK)
                if not block:
                    raise OSError("luồng kết thúc")


def _window_key(relay, start):
    for window in relay.get("windows") or []:
        try:
            if parse_time(window.get("start")) == start:
                return window.get("start")
        except (ValueError, TypeError):
            continue
    return start.isoformat()
