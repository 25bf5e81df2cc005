"""Relays (tiếp sóng): a stream aired by the clusters in a daily window, e.g. the provincial radio
18:00–18:30. The clusters' playlists carry each relay with its windows of the coming two days
(absolute times, so the player only follows its own clock); the player plays the stream in its
window, reconnects when it drops and reports the airing. Every minute, the worker checks the
streams whose window is open (or opens within CHECK_AHEAD) and records whether they are up; the
programme list and the broadcast programme say so, and the players go on with the programme
when a stream is down."""

import datetime
import logging

from django.utils import timezone

from station.models import Programme, ProgrammeKind
from station.reach import reaching
from station.streams import StreamProblem, probe

log = logging.getLogger(__name__)
HORIZON = datetime.timedelta(hours=48)
CHECK_AHEAD = datetime.timedelta(minutes=10)


def windows(programme, start, end):
    """The relay's windows [(from, to)] overlapping [start, end), local time; a window whose end
    is before its start runs past midnight."""
    if programme.daily_start is None or programme.daily_end is None:
        return []
    found = []
    day = timezone.localtime(start).date() - datetime.timedelta(days=1)
    last = timezone.localtime(end).date()
    while day <= last:
        opens = timezone.make_aware(datetime.datetime.combine(day, programme.daily_start))
        close_day = day if programme.daily_end > programme.daily_start else day + datetime.timedelta(days=1)
        closes = timezone.make_aware(datetime.datetime.combine(close_day, programme.daily_end))
        if programme.valid_from and closes <= programme.valid_from:
            opens = None
        if programme.valid_until and opens is not None and opens >= programme.valid_until:
            opens = None
        if opens is not None:
            if programme.valid_from:
                opens = max(opens, programme.valid_from)
            if programme.valid_until:
                closes = min(closes, programme.valid_until)
            if opens < end and closes > start:
                found.append((opens, closes))
        day += datetime.timedelta(days=1)
    return found


def relays_for(board):
    """The relays reaching `board`, by the start of their daily window."""
    return reaching(board).filter(kind=ProgrammeKind.RELAY).order_by("daily_start")


def playlist_relays(board, now=None):
    """The "relays" of a cluster's playlist: each relay's windows in the coming two days."""
    now = timezone.localtime(now)
    found = []
    for relay in relays_for(board):
        upcoming = windows(relay, now, now + HORIZON)
        if upcoming:
            found.append(
                {
                    "id": relay.key,
                    "title": relay.title,
                    "url": relay.stream_url,
                    "priority": relay.priority,
                    "windows": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in upcoming],
                }
            )
    return found


def check_relays(now=None):
    """Every minute: probe the streams of the relays on air now or soon, and keep the result."""
    now = now or timezone.now()
    checked = {}
    for relay in Programme.objects.filter(kind=ProgrammeKind.RELAY).exclude(stream_url=""):
        if not windows(relay, now - datetime.timedelta(minutes=1), now + CHECK_AHEAD):
            continue
        try:
            info = probe(relay.stream_url)
            ok, message = True, f"Đang phát ({info.codec}, {info.sample_rate} Hz)."
        except StreamProblem as exc:
            ok, message = False, exc.message
        if relay.stream_ok is not False and not ok:
            log.warning("relay %s (%s) down: %s", relay.pk, relay.stream_url, message)
        Programme.objects.filter(pk=relay.pk).update(stream_ok=ok, stream_checked_at=now, stream_message=message[:300])
        checked[relay.pk] = ok
    return checked
