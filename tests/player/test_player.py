"""Reference player (player) against a loopback fake of the boards API.
No Django: the player is a standalone, standard-library package."""

import io
import json
import logging
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from player.client import TOKEN_ERROR, Player
from player.reports import Outbox
from player.schedule import playable, validate_playlist
from tests.player.fake_server import FakeBoardsServer

TOKEN = "secret-token"
ROOT = Path(__file__).resolve().parents[2]


def png(color, size=(64, 32)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def item(fake, item_id, data, **extra):
    entry = {
        "id": item_id,
        "kind": "image",
        "duration_s": 8,
        "valid_from": "2020-01-01T00:00:00+07:00",
        "valid_to": "2099-01-01T00:00:00+07:00",
        "priority": "normal",
        "title": f"Bản tin {item_id}",
    }
    entry.update(fake.add_file(data))
    entry.update(extra)
    return entry


@pytest.fixture
def fake():
    with FakeBoardsServer(board="7", token=TOKEN) as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


def make_player(fake, cache_dir, token=TOKEN):
    return Player(fake.url, "7", token, cache_dir, timeout=5, rng=random.Random(1), download_attempts=3)


def media_gets(fake):
    return fake.seen("GET", "/media/")


def files_in(cache_dir):
    return sorted(p.name for p in (cache_dir / "files").iterdir())


# --- polling, downloads, swap --------------------------------------------------------------


def test_first_poll_downloads_verifies_swaps_and_writes_frame(fake, cache_dir):
    red, blue = png("red"), png("blue")
    fake.publish(1, [item(fake, "a", red), item(fake, "b", blue)])
    player = make_player(fake, cache_dir)

    assert player.run_once() == 0

    playlist_get = fake.seen("GET", "/api/")[0]
    assert playlist_get[2]["Authorization"] == f"Bearer {TOKEN}"
    assert "If-None-Match" not in playlist_get[2]
    assert files_in(cache_dir) == sorted([fake.playlist["items"][0]["sha256"], fake.playlist["items"][1]["sha256"]])
    held = json.loads((cache_dir / "playlist.json").read_text("utf-8"))
    assert held["version"] == 1 and not (cache_dir / "playlist.json.tmp").exists()
    with Image.open(cache_dir / "current.png") as frame:
        assert frame.getpixel((0, 0))[:3] == (255, 0, 0)
    # the heartbeat went out with the fields the server relies on
    beat = fake.heartbeats[-1]
    assert beat["version"] == 1 and beat["playing"] == "a"
    assert beat["cache_bytes"] == len(red) + len(blue) and beat["free_bytes"] > 0
    assert beat["player"]["name"] == "tincoso-reference-player" and isinstance(beat["uptime_s"], int)
    assert list((cache_dir / "outbox").iterdir()) == []


def test_second_poll_gets_304_and_downloads_nothing(fake, cache_dir):
    fake.publish(1, [item(fake, "a", png("red"))])
    player = make_player(fake, cache_dir)
    assert player.poll_once() == "updated"
    downloads = len(media_gets(fake))

    assert player.poll_once() == "unchanged"
    last = fake.seen("GET", "/api/")[-1]
    assert last[2]["If-None-Match"] == fake.etag
    assert len(media_gets(fake)) == downloads

    # a restarted player remembers the ETag too
    again = make_player(fake, cache_dir)
    assert again.poll_once() == "unchanged" and len(media_gets(fake)) == downloads


def test_new_version_downloads_only_the_new_hash_and_prunes_with_a_grace(fake, cache_dir):
    red, blue, green = png("red"), png("blue"), png("green")
    a, b = item(fake, "a", red), item(fake, "b", blue)
    fake.publish(1, [a, b])
    player = make_player(fake, cache_dir)
    assert player.poll_once() == "updated"
    fake.requests.clear()

    c = item(fake, "c", green)
    fake.publish(2, [a, c])
    assert player.poll_once() == "updated"
    assert [path for _, path, _ in media_gets(fake)] == [c["url"]]
    assert player.playlist["version"] == 2
    # blue belongs to the previous playlist: kept for now (grace) …
    assert set(files_in(cache_dir)) == {a["sha256"], b["sha256"], c["sha256"]}
    # … and pruned once it is two versions old
    fake.publish(3, [c])
    assert player.poll_once() == "updated"
    assert set(files_in(cache_dir)) == {a["sha256"], c["sha256"]}
    assert json.loads((cache_dir / "playlist.prev.json").read_text())["version"] == 2


def test_corrupted_download_is_refused_and_fetched_again_next_poll(fake, cache_dir):
    a = item(fake, "a", png("red"))
    fake.publish(1, [a])
    player = make_player(fake, cache_dir)
    assert player.poll_once() == "updated"

    b = item(fake, "b", png("blue"))
    fake.publish(2, [a, b])
    fake.corrupt_once.add(b["sha256"])
    assert player.poll_once() == "error"
    assert player.playlist["version"] == 1  # the old one keeps playing
    assert b["sha256"] not in files_in(cache_dir) and b["sha256"] + ".part" not in files_in(cache_dir)
    assert any("sha256 mismatch" in e for e in player.errors)
    assert player.failures == 1 and player.next_delay() < 10  # backoff, not the full refresh

    assert player.poll_once() == "updated"
    assert player.playlist["version"] == 2 and b["sha256"] in files_in(cache_dir)
    assert player.failures == 0


def test_connection_dropped_mid_file_resumes_with_a_range_request(fake, cache_dir):
    big = os.urandom(200_000)
    a = item(fake, "a", big)
    fake.publish(1, [a])
    fake.drop_once.add(a["sha256"])
    player = make_player(fake, cache_dir)

    assert player.poll_once() == "updated"
    gets = media_gets(fake)
    assert len(gets) == 2
    assert "Range" not in gets[0][2]
    have = int(gets[1][2]["Range"][len("bytes=") : -1])
    assert gets[1][2]["Range"] == f"bytes={have}-" and 0 < have < len(big)
    assert (cache_dir / "files" / a["sha256"]).read_bytes() == big


def test_resume_across_polls_and_restart_from_a_part_file(fake, cache_dir):
    big = os.urandom(100_000)
    a = item(fake, "a", big)
    fake.publish(1, [a])
    fake.drop_once.add(a["sha256"])
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, download_attempts=1)
    assert player.poll_once() == "error"  # only one attempt: the part stays
    part = cache_dir / "files" / (a["sha256"] + ".part")
    assert 0 < part.stat().st_size < len(big)
    assert player.poll_once() == "updated"
    assert media_gets(fake)[-1][2]["Range"] == f"bytes={len(big) // 2}-"


# --- robustness ---------------------------------------------------------------------------


def test_server_down_keeps_playing_and_reports_are_delivered_in_order_later(fake, cache_dir):
    a = item(fake, "a", png("red"))
    fake.publish(1, [a])
    player = make_player(fake, cache_dir)
    assert player.run_once() == 0
    beats_before = len(fake.heartbeats)

    fake.mode = "down"
    t0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    player.record_play("a", t0, 8)
    assert player.poll_once() == "error"
    assert player.report() == 0
    player.record_play("a", t0 + timedelta(seconds=8), 8)
    fake.mode = "500"
    assert player.poll_once() == "error"
    assert player.report() == 0
    assert player.playlist["version"] == 1 and player.next_item()["id"] == "a"
    outbox = [p.name for p in sorted((cache_dir / "outbox").iterdir())]
    assert [name.split("-", 1)[1] for name in outbox] == [
        "plays.json",
        "heartbeat.json",
        "plays.json",
        "heartbeat.json",
    ]

    # a fresh start with no network still plays the cache
    offline = make_player(fake, cache_dir)
    fake.mode = "down"
    (cache_dir / "current.png").unlink()
    assert offline.run_once() == 0
    assert (cache_dir / "current.png").exists()

    fake.mode = "ok"
    assert player.report() == 6  # 4 buffered + the offline start's heartbeat + this one
    assert list((cache_dir / "outbox").iterdir()) == []
    assert [p["started_at"] for p in fake.plays] == ["2026-11-23T08:00:00.000Z", "2026-11-23T08:00:08.000Z"]
    beats = fake.heartbeats[beats_before:]
    assert len(beats) == 4
    assert any("server unreachable" in e for e in beats[0]["errors"])
    assert any("HTTP 500" in e for e in beats[1]["errors"])
    # a resend of the same plays is harmless (server idempotent per board+item+start)
    player.record_play("a", t0, 8)
    player.report()
    assert len(fake.plays) == 2


def test_a_refused_report_is_set_aside_and_the_rest_still_delivered(tmp_path):
    box = Outbox(tmp_path)
    box.put("plays", [{"item_id": "a", "started_at": "2099-01-01T00:00:00Z", "duration_s": 10}])  # clock far ahead
    box.put("heartbeat", {"errors": []})
    box.put("plays", [{"item_id": "b", "started_at": "2026-11-23T09:00:00Z", "duration_s": 10}])
    delivered = []

    def send(endpoint, body):
        if endpoint == "plays" and body[0]["item_id"] == "a":
            return 400  # future_time: sending it again will never help
        delivered.append(endpoint)
        return 200

    assert box.flush(send) == 2 and delivered == ["heartbeat", "plays"]
    assert box.entries() == []
    assert [p.name.split("-", 1)[1] for p in (tmp_path / "outbox-refused").iterdir()] == ["plays.json"]
    # A server that is down or overloaded keeps everything, in order.
    box.put("heartbeat", {"errors": []})
    assert box.flush(lambda endpoint, body: 503) == 0 and len(box.entries()) == 1


def test_heartbeats_carry_what_the_server_accepts(fake, cache_dir):
    player = make_player(fake, cache_dir)
    for n in range(60):
        player._error(f"lỗi số {n} " + "x" * 600)
    body = player.heartbeat_body()
    assert len(body["errors"]) == 20 and all(len(e) <= 500 for e in body["errors"])
    assert "lỗi số 59" in body["errors"][-1]  # the newest are kept


def test_outbox_is_bounded_oldest_dropped(tmp_path):
    box = Outbox(tmp_path, cap=3, heartbeat_cap=2)
    for n in range(5):
        box.put("plays", [{"item_id": "a", "started_at": f"2026-01-01T00:00:0{n}Z", "duration_s": 1}])
    for n in range(3):
        box.put("heartbeat", {"n": n})
    names = [p.name for p in box.entries()]
    bodies = [json.loads(p.read_text())["body"] for p in box.entries()]
    assert [n.split("-", 1)[1] for n in names] == ["plays.json", "heartbeat.json", "heartbeat.json"]
    assert bodies[0][0]["started_at"] == "2026-01-01T00:00:04Z" and bodies[1:] == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        {"version": 2, "items": "nope"},
        {"version": 2, "refresh_seconds": 300},
        {
            "version": 2,
            "items": [{"id": "x", "kind": "image", "url": "/m", "sha256": "zz", "bytes": 1, "duration_s": 5}],
        },
        {
            "version": 2,
            "items": [{"id": "x", "kind": "gif", "url": "/m", "sha256": "a" * 64, "bytes": 1, "duration_s": 5}],
        },
        {
            "version": 2,
            "items": [{"id": "x", "kind": "image", "url": "/m", "sha256": "a" * 64, "bytes": "1", "duration_s": 5}],
        },
        {
            "version": 2,
            "items": [
                {
                    "id": "x",
                    "kind": "image",
                    "url": "/m",
                    "sha256": "a" * 64,
                    "bytes": 1,
                    "duration_s": 5,
                    "valid_from": "yesterday",
                }
            ],
        },
        [1, 2, 3],
    ],
)
def test_garbage_from_the_server_keeps_the_old_playlist(fake, cache_dir, bad):
    fake.publish(1, [item(fake, "a", png("red"))])
    player = make_player(fake, cache_dir)
    assert player.poll_once() == "updated"
    if bad == "garbage":
        fake.mode = "garbage"
    else:
        fake.playlist, fake.etag = bad, '"bad"'
    assert player.poll_once() == "error"
    assert player.playlist["version"] == 1
    assert json.loads((cache_dir / "playlist.json").read_text())["version"] == 1
    assert any("invalid playlist" in e for e in player.errors)


def test_revoked_token_keeps_playing_and_logs_the_error(fake, cache_dir, caplog):
    fake.publish(1, [item(fake, "a", png("red"))], refresh_seconds=120, jitter_seconds=0)
    assert make_player(fake, cache_dir).run_once() == 0
    fake.token = "rotated"

    player = make_player(fake, cache_dir)
    with caplog.at_level(logging.WARNING, logger="player"):
        assert player.poll_once() == "unauthorized"
    assert TOKEN_ERROR in caplog.text
    assert player.playlist["version"] == 1 and player.next_item()["id"] == "a"
    assert player.next_delay() == 120  # retried at the refresh interval, not a backoff
    player.report()
    assert any(p.name.endswith("heartbeat.json") for p in (cache_dir / "outbox").iterdir())
    fake.token = TOKEN
    player.report()
    assert len(fake.heartbeats) == 3  # the one buffered during the 401 came through, in order
    assert any(TOKEN_ERROR in e for e in fake.heartbeats[1]["errors"]) and fake.heartbeats[2]["errors"] == []


def test_no_playlist_and_no_server_exits_1(fake, cache_dir):
    fake.mode = "down"
    assert make_player(fake, cache_dir).run_once() == 1


def test_poll_delay_uses_refresh_and_jitter(fake, cache_dir):
    fake.publish(1, [item(fake, "a", png("red"))], refresh_seconds=60, jitter_seconds=6)
    player = make_player(fake, cache_dir)
    assert 270 <= player.next_delay() <= 330  # nothing held yet: 300 ± 10 %
    player.poll_once()
    delays = [player.next_delay() for _ in range(200)]
    assert min(delays) >= 54 and max(delays) <= 66 and len(set(delays)) > 100
    player.failures = 2
    assert 9 <= player.next_delay() <= 11  # a backoff after failures
    player.failures = 20
    assert player.next_delay() <= 60 * 1.1  # never beyond the refresh interval: back soon after an outage


# --- schedule ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def entry(item_id, priority="normal", start="2026-11-23T00:00:00+07:00", end="2026-11-24T00:00:00+07:00"):
    return {"id": item_id, "priority": priority, "valid_from": start, "valid_to": end}


def ids(items):
    return [i["id"] for i in items]


def test_playable_validity_window_is_half_open_and_timezone_aware():
    items = [
        entry("now"),
        entry("starts-exactly-now", start="2026-11-23T16:00:00+07:00"),
        entry("ends-exactly-now", end="2026-11-23T09:00:00Z"),
        entry("future", start="2026-11-23T09:00:01Z"),
        entry("past", end="2026-11-22T00:00:00Z"),
        entry("open-ended", start=None, end=None),
        entry("broken", start="not a date"),
    ]
    assert ids(playable(items, NOW)) == ["now", "starts-exactly-now", "open-ended"]


def test_playable_emergency_preempts_everything_until_it_expires():
    items = [
        entry("n1"),
        entry("p1", "priority"),
        entry("e1", "emergency", end="2026-11-23T09:30:00Z"),
        entry("n2"),
        entry("e2", "emergency", end="2026-11-23T10:00:00Z"),
        entry("e-old", "emergency", end="2026-11-23T08:00:00Z"),
    ]
    assert ids(playable(items, NOW)) == ["e1", "e2"]
    assert ids(playable(items, NOW + timedelta(minutes=30))) == ["e2"]
    assert ids(playable(items, NOW + timedelta(hours=1))) == ["p1", "n1", "n2"]  # withdrawn/expired: back


def test_playable_priority_before_normal_keeping_order():
    items = [entry("n1"), entry("p1", "priority"), entry("n2"), entry("p2", "priority")]
    assert ids(playable(items, NOW)) == ["p1", "p2", "n1", "n2"]
    assert playable([], NOW) == []


def test_playback_loops_and_cuts_to_an_emergency(fake, cache_dir):
    a, b = item(fake, "a", png("red")), item(fake, "b", png("blue"), priority="priority")
    fake.publish(1, [a, b])
    player = make_player(fake, cache_dir)
    player.poll_once()
    assert [player.next_item(None)["id"], player.next_item("b")["id"], player.next_item("a")["id"]] == ["b", "a", "b"]
    assert player._still_playable(a)
    e = item(fake, "e", png("yellow"), priority="emergency")
    fake.publish(2, [a, b, e])
    player.poll_once()
    assert not player._still_playable(a) and player.next_item("a")["id"] == "e"


def test_validate_accepts_the_protocol_example():
    doc = {
        "version": "v3",
        "generated_at": "2026-11-23T09:00:00Z",
        "refresh_seconds": 300,
        "jitter_seconds": 30,
        "items": [
            {
                "id": 1,
                "kind": "video",
                "url": "https://cdn.example/x.mp4",
                "sha256": "0" * 64,
                "bytes": 10,
                "duration_s": 12.5,
                "valid_from": "2026-11-23T00:00:00Z",
                "valid_to": None,
                "priority": "emergency",
                "title": "Bão số 9",
            }
        ],
        "video": None,
    }
    assert validate_playlist(doc) is doc


# --- the real command line ---------------------------------------------------------------


def test_cli_once_as_a_subprocess(fake, cache_dir, tmp_path):
    a = item(fake, "a", png("red"))
    fake.publish(1, [a])
    log_file = tmp_path / "player.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            fake.url,
            "--board",
            "7",
            "--token",
            TOKEN,
            "--cache",
            str(cache_dir),
            "--once",
            "--headless",
            "--log",
            str(log_file),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (cache_dir / "files" / a["sha256"]).exists() and (cache_dir / "current.png").exists()
    assert "a Bản tin a" in log_file.read_text("utf-8")
    assert "django" not in result.stderr.lower()
    assert len(fake.heartbeats) == 1


def test_run_forever_plays_in_a_loop_and_reports_plays(fake, cache_dir):
    import threading

    fake.publish(
        1,
        [item(fake, "a", png("red"), duration_s=0.2), item(fake, "b", png("blue"), duration_s=0.2)],
        refresh_seconds=0.3,
        jitter_seconds=0,
    )
    player = make_player(fake, cache_dir)
    runner = threading.Thread(target=player.run_forever, daemon=True)
    runner.start()
    deadline = datetime.now() + timedelta(seconds=10)
    while len(fake.plays) < 4 and datetime.now() < deadline:
        runner.join(0.1)
    player.stop.set()
    runner.join(5)
    assert not runner.is_alive()
    shown = [p["item_id"] for p in fake.plays]
    assert len(shown) >= 4 and shown[:4] in (["a", "b", "a", "b"], ["b", "a", "b", "a"])
    assert all(0.1 <= p["duration_s"] <= 1.5 and p["started_at"].endswith("Z") for p in fake.plays)
    assert (cache_dir / "current.png").exists()


# --- display mode on a real X screen ---------------------------------------------------------


def test_display_mode_shows_the_slide_fullscreen_on_an_x_screen(fake, cache_dir, tmp_path):
    """`--display` on a Linux box: the player hands the current slide to feh, fullscreen, on the
    X screen (here Xvfb, which `make test` installs with feh); feh stays up, showing it."""
    import shutil
    import time

    if not (shutil.which("Xvfb") and shutil.which("feh")):
        pytest.fail("Xvfb and feh are needed for the display test: `make test` installs them")
    fake.publish(1, [item(fake, "a", png("green", (320, 160)), duration_s=30)], refresh_seconds=60, jitter_seconds=0)
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "320x160x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DISPLAY"] = display
    player = None
    try:
        time.sleep(1)
        player = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "player",
                "--server",
                fake.url,
                "--board",
                "7",
                "--token",
                TOKEN,
                "--cache",
                str(cache_dir),
                "--display",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        shown = ""
        while time.monotonic() < deadline and not shown:
            shown = subprocess.run(["pgrep", "-a", "-f", "feh --fullscreen"], capture_output=True, text=True).stdout
            time.sleep(0.3)
        assert "feh --fullscreen" in shown, "no fullscreen viewer was started"
        time.sleep(2)  # feh exits at once when it cannot open the screen or the file
        still = subprocess.run(["pgrep", "-f", "feh --fullscreen"], capture_output=True, text=True).stdout.split()
        assert still, "the viewer did not stay up on the X screen"
        assert (cache_dir / "current.png").exists()
    finally:
        if player is not None:
            player.terminate()
            player.wait(timeout=20)
        xvfb.terminate()
        xvfb.wait(timeout=20)
    assert not subprocess.run(["pgrep", "-f", f"feh --fullscreen.*{cache_dir}"], capture_output=True).stdout


# --- loudspeaker clusters (boards of kind "audio") --------------------------------------------

from zoneinfo import ZoneInfo  # noqa: E402

from player.display import Display, Headless  # noqa: E402
from player.schedule import (  # noqa: E402
    broadcast_zone,
    clock_times,
    due_broadcast,
    due_emergencies,
    is_audio_playlist,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SPEAKERS = {
    "board": {"id": 7, "name": "Cụm loa trung tâm xã", "kind": "audio", "width": None, "height": None},
    "broadcast_times": ["06:00", "17:00"],
    "emergency_repeat_s": 900,
    "timezone": "Asia/Ho_Chi_Minh",
    "utc_offset": "+07:00",
}


class Clock:
    """The player's clock, moved by hand (durations still run on the monotonic clock)."""

    def __init__(self, moment):
        self.now = moment

    def __call__(self):
        return self.now.astimezone(UTC)


def bulletin(fake, item_id, duration=0.3, **extra):
    data = b"\xff\xf3" + item_id.encode() * 50  # the player never decodes: any bytes will do
    entry = {
        "id": item_id,
        "kind": "audio",
        "duration_s": duration,
        "valid_from": "2020-01-01T00:00:00+07:00",
        "valid_to": "2099-01-01T00:00:00+07:00",
        "priority": "normal",
        "title": f"Bản tin {item_id}",
    }
    entry.update(fake.add_file(data, "mp3"))
    entry.update(extra)
    return entry


def speaker(fake, cache_dir, moment, screen=None):
    return Player(fake.url, "7", TOKEN, cache_dir, timeout=5, rng=random.Random(1), clock=Clock(moment), screen=screen)


def played(player):
    return [p["item_id"] for p in player.pending_plays]


def test_due_broadcast_plays_each_time_once_and_a_missed_one_within_the_grace():
    times = clock_times(["17:00", "06:00"])
    assert times == [(6, 0), (17, 0)]
    at = lambda h, m, day=23: datetime(2026, 11, day, h, m, tzinfo=VN)  # noqa: E731
    assert due_broadcast(times, VN, at(16, 50), at(16, 59)) is None
    assert due_broadcast(times, VN, at(16, 50), at(17, 0)) == at(17, 0)  # right on time
    assert due_broadcast(times, VN, at(17, 0), at(17, 1)) is None  # done already
    assert due_broadcast(times, VN, at(16, 0), at(17, 9)) == at(17, 0)  # back within 10 minutes
    assert due_broadcast(times, VN, at(16, 0), at(17, 11)) is None  # too late: wait for tomorrow 06:00
    assert due_broadcast(times, VN, at(23, 0, 23), at(6, 2, 24)) == at(6, 0, 24)  # across midnight
    # The player's clock is UTC; the times are the board's local clock.
    assert due_broadcast(times, VN, at(16, 0), datetime(2026, 11, 23, 10, 0, 30, tzinfo=UTC)) == at(17, 0)
    for bad in (["6:00"], ["24:00"], ["06:60"], [600], "06:00"):
        with pytest.raises(ValueError):
            clock_times(bad if isinstance(bad, list) else [bad, object()])


def test_due_emergencies_at_once_then_every_repeat_while_valid():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    storm = {
        "id": "e",
        "sha256": "a" * 64,
        "priority": "emergency",
        "valid_from": "2026-11-23T08:00:00Z",
        "valid_to": "2026-11-23T10:00:00Z",
    }
    normal = {"id": "n", "sha256": "b" * 64, "priority": "normal"}
    assert due_emergencies([normal, storm], now, {}, 900) == [storm]
    last = {("e", "a" * 64): now}
    assert due_emergencies([storm], now + timedelta(minutes=14), last, 900) == []
    assert due_emergencies([storm], now + timedelta(minutes=15), last, 900) == [storm]
    assert due_emergencies([storm], now + timedelta(minutes=15), last, 0) == []  # 0: once
    assert due_emergencies([storm], now + timedelta(hours=1), last, 900) == []  # expired
    # A corrected text (another file) is a new bulletin: at once.
    assert due_emergencies([{**storm, "sha256": "c" * 64}], now + timedelta(minutes=1), last, 900)


def test_audio_playlists_validate_and_find_their_zone():
    doc = {"version": 1, "items": [], **SPEAKERS}
    assert validate_playlist(doc) is doc and is_audio_playlist(doc) and not is_audio_playlist({"items": []})
    assert broadcast_zone(doc) == VN
    assert broadcast_zone({"timezone": "Nowhere/Atlantis", "utc_offset": "+07:00"}).utcoffset(None) == timedelta(
        hours=7
    )
    assert broadcast_zone({}) == UTC
    for bad in (
        {"broadcast_times": ["25:00"]},
        {"broadcast_times": "06:00"},
        {"emergency_repeat_s": -1},
        {"utc_offset": "7h"},
        {"timezone": 7},
    ):
        with pytest.raises(ValueError):
            validate_playlist({"version": 1, "items": [], **bad})


def test_speakers_play_the_bulletins_at_the_broadcast_time_once(fake, cache_dir, caplog):
    normal, urgent = bulletin(fake, "n"), bulletin(fake, "p", priority="priority")
    fake.publish(1, [normal, urgent], **SPEAKERS)
    player = speaker(fake, cache_dir, datetime(2026, 11, 23, 16, 59, 50, tzinfo=VN))
    assert player.poll_once() == "updated" and player.audio_mode()
    assert not player.audio_step() and played(player) == []  # not yet
    player.clock.now = datetime(2026, 11, 23, 17, 0, 1, tzinfo=VN)
    with caplog.at_level(logging.INFO, logger="player"):
        assert player.audio_step()
    assert played(player) == ["p", "n"]  # priority first
    assert "giờ phát 17:00: 2 bản tin" in caplog.text
    assert "phát âm thanh: Bản tin p (0.3 s)" in caplog.text and "phát âm thanh: Bản tin n (0.3 s)" in caplog.text
    assert all(0.25 <= p["duration_s"] <= 1.0 for p in player.pending_plays)  # it waited the bulletin's length
    assert not player.audio_step()  # once
    # A restart a minute later does not play it again (the last broadcast is kept on disk) …
    again = speaker(fake, cache_dir, datetime(2026, 11, 23, 17, 1, tzinfo=VN))
    assert not again.audio_step()
    # … but a box that was off at 06:00 and comes back at 06:05 still plays the 06:00 bulletin.
    late = speaker(fake, tmp_cache(cache_dir, "late"), datetime(2026, 11, 24, 6, 5, tzinfo=VN))
    late.poll_once()
    assert late.audio_step() and played(late) == ["p", "n"]
    player.report()
    assert [p["item_id"] for p in fake.plays] == ["p", "n"]


def tmp_cache(cache_dir, name):
    return cache_dir.parent / name


def test_an_emergency_plays_at_once_repeats_and_silences_the_broadcasts(fake, cache_dir):
    normal = bulletin(fake, "n")
    fake.publish(1, [normal], **SPEAKERS)
    player = speaker(fake, cache_dir, datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    player.poll_once()
    assert not player.audio_step()
    storm = bulletin(fake, "e", priority="emergency", valid_to="2026-11-23T17:30:00+07:00")
    fake.publish(2, [normal, storm], **SPEAKERS)
    player.poll_once()
    assert player.audio_step() and played(player) == ["e"]  # at once, at 09:00, no broadcast time
    assert not player.audio_step()
    player.clock.now = datetime(2026, 11, 23, 9, 15, tzinfo=VN)
    assert player.audio_step() and played(player) == ["e", "e"]  # every 15 minutes
    # 17:00 is inside the storm: no ordinary bulletin (the emergency's own repeat goes on).
    player.clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=VN)
    player.audio_step()
    assert "n" not in played(player)
    # Expired: back to normal at the next broadcast.
    player.clock.now = datetime(2026, 11, 24, 6, 0, 5, tzinfo=VN)
    assert player.audio_step() and played(player)[-1] == "n"


def test_an_emergency_cuts_a_broadcast_short(fake, cache_dir):
    import threading
    import time

    long_one = bulletin(fake, "long", duration=20)
    fake.publish(1, [long_one], refresh_seconds=300, jitter_seconds=0, **SPEAKERS)
    player = speaker(fake, cache_dir, datetime(2026, 11, 23, 17, 0, 1, tzinfo=VN))
    player.poll_once()
    runner = threading.Thread(target=player.audio_step, daemon=True)
    started = time.monotonic()
    runner.start()
    time.sleep(0.5)
    fake.publish(2, [long_one, bulletin(fake, "e", priority="emergency")], **SPEAKERS)
    assert player.poll_once() == "updated"  # the poller thread's job in real life
    runner.join(10)
    assert not runner.is_alive() and time.monotonic() - started < 5
    assert played(player) == ["long"] and player.pending_plays[0]["duration_s"] < 3  # cut short, and said so
    assert player.audio_step() and played(player) == ["long", "e"]  # at once


def test_run_forever_on_speakers_reports_the_plays(fake, cache_dir):
    import threading

    fake.publish(
        1,
        [bulletin(fake, "e", duration=0.2, priority="emergency")],
        refresh_seconds=0.3,
        jitter_seconds=0,
        **{**SPEAKERS, "emergency_repeat_s": 0.5},
    )
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, rng=random.Random(1))
    runner = threading.Thread(target=player.run_forever, daemon=True)
    runner.start()
    deadline = datetime.now() + timedelta(seconds=10)
    while len(fake.plays) < 2 and datetime.now() < deadline:
        runner.join(0.1)
    player.stop.set()
    runner.join(5)
    assert not runner.is_alive()
    assert [p["item_id"] for p in fake.plays[:2]] == ["e", "e"]  # repeated every 0.5 s here
    assert fake.heartbeats and fake.heartbeats[-1]["version"] == 1


def test_cli_once_broadcast_now_logs_what_it_plays(fake, cache_dir, tmp_path):
    fake.publish(1, [bulletin(fake, "a", title="Thông báo lịch tiêm chủng")], **SPEAKERS)
    log_file = tmp_path / "player.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            fake.url,
            "--board",
            "7",
            "--token",
            TOKEN,
            "--cache",
            str(cache_dir),
            "--once",
            "--broadcast-now",
            "--log",
            str(log_file),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "phát âm thanh: Thông báo lịch tiêm chủng (0.3 s)" in log_file.read_text("utf-8")
    assert [p["item_id"] for p in fake.plays] == ["a"]
    # Without --broadcast-now, outside the broadcast times, it says when the next one is.
    quiet = subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            fake.url,
            "--board",
            "7",
            "--token",
            TOKEN,
            "--cache",
            str(cache_dir),
            "--once",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0 and len(fake.plays) == 1
    assert "không có bản tin đến giờ phát; giờ phát tới: " in quiet.stderr


def test_display_mode_hands_the_bulletin_to_an_audio_program(fake, cache_dir, tmp_path, monkeypatch):
    calls = tmp_path / "calls.txt"
    program = tmp_path / "bin" / "mpg123"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nsleep 0.2\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    screen = Display(cache_dir)
    assert screen.audio == [str(program), "-q"]
    fake.publish(1, [bulletin(fake, "a", duration=5)], **SPEAKERS)
    player = speaker(fake, cache_dir, datetime(2026, 11, 23, 9, 0, tzinfo=VN), screen=screen)
    player.poll_once()
    assert player.audio_step(broadcast_now=True)
    args = calls.read_text().split()
    assert args == ["-q", str(cache_dir / "files" / fake.playlist["items"][0]["sha256"])]
    assert player.pending_plays[0]["duration_s"] < 3  # ended when the program did
    assert isinstance(Headless(cache_dir).play_audio(fake.playlist["items"][0], Path("x")), type(None))
