"""The reference player on the real-time channel (docs/architecture.md, "Real-time channel v1
(MQTT)"), against REAL brokers, both kinds the project runs: Mosquitto (production, CI) and the
embedded amqtt broker (`manage.py mqtt_broker`). The test plays the server: a paho client logged
in as `tincoso-server` sends the commands and reads the board's status and acks; the HTTP side is
the fake boards API."""

import io
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from player import NAME
from player import channel as player_channel
from player.channel import CommandLog
from player.client import Player, remembered_channel, resolve_board
from player.display import Display, fit_screenshot, volume_arguments
from player.schedule import brightness_at, next_power_edge, parse_hours, screen_on
from tests.mqtt_brokers import KINDS, start_broker
from tests.player.fake_server import FakeBoardsServer, channel_info
from tests.player.mqtt_server_side import ServerSide, iso, retained_status
from tests.player.test_player import ROOT, SPEAKERS, TOKEN, Clock, bulletin, item, png

BOARD = "7"
SERVER_PASSWORD = "server-secret-for-tests"
PLAYLIST = f"/api/boards/v1/{BOARD}/playlist.json"
RED, BLUE, YELLOW, BLACK = (255, 0, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MEASURED = {}  # latencies, printed at the end of the tests that measure them (pytest -s shows them)


def eventually(check, timeout=10.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def frame(cache_dir):
    """The colour of the frame the player shows (headless: DIR/current.png)."""
    try:
        with Image.open(cache_dir / "current.png") as picture:
            return picture.convert("RGB").getpixel((0, 0))
    except (OSError, ValueError):
        return None


def state_of(cache_dir):
    return json.loads((cache_dir / "state.json").read_text("utf-8"))


@pytest.fixture(params=KINDS)
def broker(request, tmp_path):
    broker = start_broker(
        request.param, tmp_path / "broker", server_password=SERVER_PASSWORD, credentials={BOARD: TOKEN}
    )
    yield broker
    broker.close()


@pytest.fixture
def fake(broker):
    with FakeBoardsServer(board=BOARD, token=TOKEN, channel=channel_info(broker.url)) as server:
        yield server


@pytest.fixture
def server(broker):
    side = ServerSide(broker.port, SERVER_PASSWORD)
    yield side
    side.close()


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def run_player(fake, cache_dir):
    """Start a Player (run_forever) in a thread, as the command line does; stopped afterwards."""
    started = []

    def start(**kwargs):
        player = Player(fake.url, BOARD, TOKEN, cache_dir, timeout=5, rng=random.Random(1), **kwargs)
        thread = threading.Thread(target=player.run_forever, name="playback", daemon=True)
        thread.start()
        started.append((player, thread))
        return player

    yield start
    for player, thread in started:
        player.stop.set()
        thread.join(15)
        assert not thread.is_alive()


# --- presence --------------------------------------------------------------------------------


def test_player_process_comes_online_restarts_on_command_and_its_last_will_says_offline_when_killed(
    broker, fake, server, cache_dir, tmp_path
):
    fake.publish(1, [item(fake, "a", png("red"), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    log_file = tmp_path / "player.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    command = [sys.executable, "-m", "player", "--server", fake.url, "--board", BOARD, "--token", TOKEN]
    command += ["--cache", str(cache_dir), "--headless", "--screenshot-every", "0.01", "--log", str(log_file)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        online = server.status(timeout=30, state="online", version=1).body
        assert online["power"] == "on" and online["volume"] == 100 and online["at"].endswith("Z")
        assert online["player"]["name"] == NAME
        # Retained: the sender, (re)starting later, learns the board's presence at once.
        assert retained_status(broker.port, SERVER_PASSWORD) == (online, True)
        # --screenshot-every 0.01 (0.6 s): screenshots arrive without being asked for.
        eventually(lambda: fake.screenshots, 15, "a periodic screenshot")

        # restart: acked, leaves the channel cleanly, comes back as a new process image
        command_id, sent = server.send("restart")
        first_ack = server.ack(command_id, after=sent).body
        assert first_ack["ok"] is True
        server.status(after=sent, state="offline", timeout=10)
        server.status(after=sent, state="online", version=1, timeout=30)
        assert process.poll() is None
        # Sent again (as the sender does when it saw no ack): the same ack, no second restart.
        again = time.monotonic()
        server.send("restart", command_id=command_id)
        assert server.ack(command_id, after=again).body == first_ack
        time.sleep(1)  # a second restart would say "offline" within a few milliseconds
        assert [s.body for s in server.statuses(after=again)] == []
        assert log_file.read_text("utf-8").count("khởi động lại trình phát theo lệnh") == 1

        # killed: the broker publishes the Last Will, retained
        killed = time.monotonic()
        process.kill()
        process.wait(10)
        offline = server.status(after=killed, state="offline", timeout=30)
        MEASURED["kill → offline"] = offline.at - killed
        assert offline.at - killed < 5
        # The Will names the connection that ended (the server drops a late Will of an earlier one).
        will, retained = retained_status(broker.port, SERVER_PASSWORD)
        assert retained and will == {"state": "offline", "session": will["session"]} and will["session"]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    print(f"\n[{broker.kind}] kill → offline seen by the server: {MEASURED['kill → offline'] * 1000:.0f} ms")


# --- commands --------------------------------------------------------------------------------


def test_collect_polls_at_once_and_acks_with_the_version(broker, fake, server, run_player, cache_dir):
    a = item(fake, "a", png("red"))
    fake.publish(1, [a], refresh_seconds=300, jitter_seconds=0)
    restarts = []
    player = run_player(restart=lambda: restarts.append(player.command_log.entries.copy()))
    server.status(state="online", version=1)
    polls = len(fake.seen("GET", PLAYLIST))

    b = item(fake, "b", png("blue"))
    fake.publish(2, [a, b], refresh_seconds=300, jitter_seconds=0)
    command_id, sent = server.send("collect", {"version": 2})
    ack = server.ack(command_id, after=sent)
    latency = ack.at - sent
    assert ack.body["ok"] is True and ack.body["version"] == 2, ack.body
    assert latency < 5
    assert len(fake.seen("GET", PLAYLIST)) == polls + 1  # one poll, at once (the refresh is 300 s)
    assert (cache_dir / "files" / b["sha256"]).exists() and player.held_version() == 2
    server.status(after=sent, state="online", version=2)  # the new version is announced

    # Held already: acked at once, without asking the server.
    command_id, sent = server.send("collect", {"version": 2})
    assert server.ack(command_id, after=sent).body["ok"] is True
    assert len(fake.seen("GET", PLAYLIST)) == polls + 1
    # A version the server does not give: one poll, then "no", saying why.
    command_id, sent = server.send("collect", {"version": 3})
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is False and ack["version"] == 2 and "vẫn trả phiên bản 2" in ack["message"]
    # The server unreachable: "no", with the reason.
    fake.mode = "down"
    command_id, sent = server.send("collect", {"version": 4})
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is False and "server unreachable" in ack["message"]
    fake.mode = "ok"

    # restart: acked (and remembered) first, then the player's restart; once per command id
    command_id, sent = server.send("restart")
    assert server.ack(command_id, after=sent).body["ok"] is True
    eventually(lambda: restarts, 5, "the restart")
    assert restarts[0][command_id]["ok"] is True
    again = time.monotonic()
    server.send("restart", command_id=command_id)
    server.ack(command_id, after=again)
    time.sleep(0.3)  # a second restart would follow its ack within milliseconds
    assert len(restarts) == 1

    # Stopped cleanly, it says "offline" itself.
    stopping = time.monotonic()
    player.stop.set()
    server.status(after=stopping, state="offline")
    eventually(lambda: player.channel is None, 10, "the channel closed")
    MEASURED["collect → ack"] = latency
    print(f"\n[{broker.kind}] collect → ack: {latency * 1000:.0f} ms")


def test_screenshot_uploads_what_is_on_screen_once_per_command_id(broker, fake, server, run_player, cache_dir):
    fake.publish(1, [item(fake, "a", png("red", (96, 48)), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    run_player()
    server.status(state="online", version=1)
    eventually(lambda: frame(cache_dir) == RED, 10, "the slide on screen")

    command_id, sent = server.send("screenshot")
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is True and (ack["width"], ack["height"]) == (96, 48)
    assert len(fake.screenshots) == 1
    shot = fake.screenshots[0]
    assert shot["format"] == "PNG" and shot["size"] == (96, 48)
    with Image.open(io.BytesIO(shot["data"])) as picture:
        assert picture.convert("RGB").getpixel((48, 24)) == RED

    # The same id again (the sender resends an unacked command): the same ack, no second upload.
    again = time.monotonic()
    server.send("screenshot", command_id=command_id)
    assert server.ack(command_id, after=again).body == ack
    assert len(fake.screenshots) == 1
    assert CommandLog(cache_dir / "commands.json").get(command_id) == ack  # remembered across restarts

    # A loudspeaker cluster has no screen: "no", saying so.
    fake.publish(2, [bulletin(fake, "n")], **SPEAKERS)
    command_id, sent = server.send("collect", {"version": 2})
    assert server.ack(command_id, after=sent).body["ok"] is True
    for kind, args in (("screenshot", {}), ("power", {"on": False, "until": None})):
        command_id, sent = server.send(kind, args)
        ack = server.ack(command_id, after=sent).body
        assert ack["ok"] is False and ack["error"] == "no_screen" and "Cụm loa" in ack["message"]
    assert len(fake.screenshots) == 1


def test_volume_is_kept_reported_and_survives_a_restart(broker, fake, server, run_player, cache_dir):
    fake.publish(1, [item(fake, "a", png("red"), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    player = run_player()
    server.status(state="online", volume=100)

    command_id, sent = server.send("volume", {"level": 35})
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is True and ack["volume"] == 35
    server.status(after=sent, state="online", volume=35)
    assert state_of(cache_dir)["volume"] == 35 and player.screen.volume == 35

    for bad in (101, -1, "50", True, None, 35.5):
        command_id, sent = server.send("volume", {"level": bad})
        ack = server.ack(command_id, after=sent).body
        assert ack["ok"] is False and ack["error"] == "bad_args", (bad, ack)
    assert player.status_body()["volume"] == 35 and state_of(cache_dir)["volume"] == 35

    restarted = Player(fake.url, BOARD, TOKEN, cache_dir)
    assert restarted.status_body()["volume"] == 35 and restarted.screen.volume == 35


def test_power_off_and_on_by_command_and_an_emergency_wakes_the_screen(broker, fake, server, run_player, cache_dir):
    a = item(fake, "a", png("red"), duration_s=30)
    fake.publish(1, [a], refresh_seconds=300, jitter_seconds=0)
    player = run_player()
    server.status(state="online", power="on")
    eventually(lambda: frame(cache_dir) == RED, 10, "the slide on screen")

    command_id, sent = server.send("power", {"on": False, "until": None})
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is True and ack["power"] == "off" and ack["until"] is None  # no hours: until told otherwise
    server.status(after=sent, power="off", playing=None)
    eventually(lambda: frame(cache_dir) == BLACK, 5, "a black screen")
    assert state_of(cache_dir)["power_override"] == {"on": False, "until": None}

    # An emergency wakes the screen; once it is withdrawn, the screen is dark again.
    emergency = item(fake, "e", png("yellow"), priority="emergency", duration_s=30)
    fake.publish(2, [a, emergency], refresh_seconds=300, jitter_seconds=0)
    command_id, sent = server.send("collect", {"version": 2})
    assert server.ack(command_id, after=sent).body["ok"] is True
    server.status(after=sent, power="on", version=2)
    eventually(lambda: frame(cache_dir) == YELLOW, 5, "the emergency on screen")
    fake.publish(3, [a], refresh_seconds=300, jitter_seconds=0)
    command_id, sent = server.send("collect", {"version": 3})
    server.status(after=sent, power="off", version=3)
    eventually(lambda: frame(cache_dir) == BLACK, 5, "a black screen again")

    command_id, sent = server.send("power", {"on": True, "until": None})
    assert server.ack(command_id, after=sent).body["power"] == "on"
    server.status(after=sent, power="on")
    eventually(lambda: frame(cache_dir) == RED, 5, "the slide back")

    # Off for a moment: back on by itself when "until" passes.
    until = datetime.now(UTC) + timedelta(seconds=3)
    command_id, sent = server.send("power", {"on": False, "until": iso(until)})
    assert server.ack(command_id, after=sent).body["until"] == iso(until)
    off = server.status(after=sent, power="off")
    back = server.status(after=off.at, power="on", timeout=8)
    assert 1 < back.at - off.at < 5
    assert "power_override" not in state_of(cache_dir)
    # An end already past is refused.
    command_id, sent = server.send("power", {"on": False, "until": iso(datetime.now(UTC) - timedelta(minutes=1))})
    ack = server.ack(command_id, after=sent).body
    assert ack["ok"] is False and ack["error"] == "bad_args"
    assert player.status_body()["power"] == "on"


def test_bad_commands_are_refused_or_logged_and_the_player_goes_on(broker, fake, server, run_player, caplog):
    fake.publish(1, [item(fake, "a", png("red"), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    player = run_player()
    server.status(state="online", version=1)
    with caplog.at_level(logging.INFO, logger="player"):
        refused = {
            "unknown_command": server.send("format-the-disk"),
            "expired": server.send("volume", {"level": 10}, expires_in=-60),
            "bad_args": server.send("volume", [10]),
            "bad_message": server.send("volume", {"level": 10}, expires_at="tomorrow"),
        }
        big = json.dumps({"id": "big-1", "cmd": "volume", "args": {"level": 10}, "padding": "x" * 20_000}).encode()
        refused["too_large"] = ("big-1", server.send_raw(big))
        for payload in (b"{not json", b"\xff\xfe\x00", b"[1, 2]", json.dumps({"cmd": "volume", "args": {}}).encode()):
            server.send_raw(payload)  # no id to answer to: only logged
        for error, (command_id, sent) in refused.items():
            ack = server.ack(command_id, after=sent).body
            assert ack["ok"] is False and ack["error"] == error and ack["message"], ack
        # still alive and listening
        command_id, sent = server.send("volume", {"level": 20})
        assert server.ack(command_id, after=sent).body["ok"] is True
    assert {s.body["id"] for s in server.acks()} == {*(c for c, _ in refused.values()), command_id}
    assert caplog.text.count("bỏ qua một lệnh") == 4
    assert player.channel.state == "online" and player.status_body()["volume"] == 20  # the expired one did nothing


# --- the broker away, credentials revoked, the channel changed ----------------------------------


def test_broker_away_playing_and_polling_go_on_then_the_channel_resumes_by_itself(
    broker, fake, server, run_player, cache_dir
):
    a, b = item(fake, "a", png("red"), duration_s=0.3), item(fake, "b", png("blue"), duration_s=0.3)
    fake.publish(1, [a, b], refresh_seconds=0.5, jitter_seconds=0)
    player = run_player()
    server.status(state="online", version=1)
    channel = player.channel

    broker.stop()
    eventually(lambda: channel.state == "offline", 10, "the player noticing the broker gone")
    plays = len(fake.plays)
    c = item(fake, "c", png("yellow"), duration_s=0.3)
    fake.publish(2, [a, b, c], refresh_seconds=0.5, jitter_seconds=0)
    eventually(lambda: player.held_version() == 2, 10, "the new version, by polling")
    eventually(lambda: len(fake.plays) >= plays + 3, 10, "plays going on")

    restarted = time.monotonic()
    broker.start()
    server.status(after=restarted, state="online", version=2, timeout=40)  # paho's backoff is at most 30 s
    assert player.channel is channel and channel.state == "online"  # reconnected, nothing restarted
    command_id, sent = server.send("volume", {"level": 60})
    assert server.ack(command_id, after=sent).body["ok"] is True
    resumed = server.statuses(after=restarted)[0].at - restarted
    print(f"\n[{broker.kind}] broker started again → the player's status online: {resumed * 1000:.0f} ms")


def test_revoked_credentials_stop_the_retries_until_the_server_names_the_channel_again(
    broker, fake, server, run_player, caplog
):
    fake.publish(1, [item(fake, "a", png("red"), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    player = run_player()
    server.status(state="online", version=1)
    channel = player.channel

    with caplog.at_level(logging.INFO, logger="player"):
        fake.token = "rotated"  # the token is revoked: the API says 401 …
        broker.set_credentials({})  # … and the broker's password file no longer has the board
        broker.reload()
        eventually(lambda: channel.state == "refused", 15, "the login refused")
        attempts = channel.attempts
        time.sleep(2.5)  # paho alone would have tried again after 1 s and 2 s
        assert channel.attempts == attempts and channel.state == "refused"
        assert "từ chối đăng nhập của bảng 7" in caplog.text
        ticket = player.request_poll()
        assert player.wait_poll(ticket, 10) == "unauthorized"
        assert player.channel is channel and channel.state == "refused" and channel.attempts == attempts
        assert player.current_items() and player.playing == "a"  # the screen goes on

        # The server gives the board its credentials back: the next poll names the channel again.
        broker.set_credentials({BOARD: TOKEN})
        broker.reload()
        fake.token = TOKEN
        back = time.monotonic()
        ticket = player.request_poll()
        assert player.wait_poll(ticket, 10) == "unchanged"
        server.status(after=back, state="online", version=1, timeout=15)
    assert player.channel is not channel and player.channel.state == "online"


def test_the_channel_follows_what_the_server_says(broker, fake, server, run_player, caplog):
    fake.publish(1, [item(fake, "a", png("red"), duration_s=30)], refresh_seconds=300, jitter_seconds=0)
    player = run_player()
    server.status(state="online", version=1)
    first = player.channel
    assert first.info["keepalive"] == 10

    fake.set_channel(channel_info(broker.url, keepalive=20))
    command_id, sent = server.send("collect")  # its poll brings the changed channel
    assert server.ack(command_id, after=sent).body["ok"] is True  # the ack gets through the switch
    eventually(lambda: player.channel is not first and player.channel.state == "online", 10, "a new channel")
    assert player.channel.info["keepalive"] == 20 and first.state == "stopped"
    server.status(after=sent, state="online", version=1)
    command_id, sent = server.send("volume", {"level": 40})
    assert server.ack(command_id, after=sent).body["ok"] is True

    with caplog.at_level(logging.INFO, logger="player"):
        fake.set_channel(None)
        gone = time.monotonic()
        player.wait_poll(player.request_poll(), 10)
        server.status(after=gone, state="offline")
        said = "không có kênh thời gian thực: máy chủ không mở kênh (channel: null)"
        eventually(lambda: said in caplog.text, 5, "the player saying why there is no channel")
    assert player.channel is None


# --- without a channel ---------------------------------------------------------------------------


def test_get_me_names_the_channel_before_any_playlist(cache_dir, caplog):
    info = channel_info("mqtt://127.0.0.1:9", keepalive=15)
    with FakeBoardsServer(board=BOARD, token=TOKEN, channel=info) as fake:
        assert resolve_board(fake.url, TOKEN, cache_dir) == BOARD
    assert remembered_channel(fake.url, TOKEN, cache_dir) == info
    assert remembered_channel(fake.url, "another-token", cache_dir) is None
    player = Player(fake.url, BOARD, TOKEN, cache_dir, me_channel=info)
    try:
        player.sync_channel()  # no playlist yet: what GET me said
        assert player.channel is not None and player.channel.info["keepalive"] == 15
    finally:
        player.close_channel()
    assert player.channel is None


@pytest.mark.parametrize("why", ["no channel", "no paho"])
def test_without_a_channel_the_player_polls_as_before_and_says_why_once(cache_dir, caplog, monkeypatch, why):
    info = channel_info("mqtt://127.0.0.1:9") if why == "no paho" else None
    if why == "no paho":
        monkeypatch.setattr(player_channel, "_PAHO_ERROR", None)
        for name in ("paho", "paho.mqtt", "paho.mqtt.client", "paho.mqtt.enums"):
            monkeypatch.setitem(sys.modules, name, None)  # import fails as if it were not installed
    with FakeBoardsServer(board=BOARD, token=TOKEN, channel=info) as fake:
        fake.publish(1, [item(fake, "a", png("red"), duration_s=0.2)], refresh_seconds=0.2, jitter_seconds=0)
        player = Player(fake.url, BOARD, TOKEN, cache_dir, timeout=5, rng=random.Random(1))
        thread = threading.Thread(target=player.run_forever, daemon=True)
        with caplog.at_level(logging.INFO, logger="player"):
            thread.start()
            eventually(lambda: len(fake.seen("GET", PLAYLIST)) >= 3 and fake.plays, 10, "polls and plays")
            player.stop.set()
            thread.join(10)
    assert player.channel is None
    assert caplog.text.count("không có kênh thời gian thực") == 1
    assert ("paho-mqtt ≥ 2.0 chưa được cài" if why == "no paho" else "channel: null") in caplog.text


def test_the_player_library_imports_without_paho():
    code = (
        "import sys; sys.modules['paho'] = None\n"
        "import player.__main__, player.client, player.channel, player.display\n"
        "assert not [m for m in sys.modules if m.startswith('paho') and sys.modules[m] is not None]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- screen power by the schedule (pure, and in the player) -------------------------------------

HOURS = [[0, "06:00", "22:00"], [5, "07:00", "11:30"], [6, "22:00", "02:00"]]  # Mon; Sat; Sun night into Mon


def vn(day, hour, minute=0, second=0):
    return datetime(2026, 11, day, hour, minute, second, tzinfo=VN)  # 23/11/2026 is a Monday


def test_screen_on_inside_the_hours_and_off_outside_by_the_local_clock():
    assert screen_on(HOURS, vn(23, 6)) and screen_on(HOURS, vn(23, 21, 59, 59))
    assert not screen_on(HOURS, vn(23, 5, 59, 59)) and not screen_on(HOURS, vn(23, 22))  # the end is excluded
    assert not any(screen_on(HOURS, vn(24, hour)) for hour in range(24))  # Tuesday: no hours
    assert screen_on(HOURS, vn(28, 11, 29)) and not screen_on(HOURS, vn(28, 11, 30))  # Saturday morning
    assert screen_on(HOURS, vn(29, 23)) and screen_on(HOURS, vn(30, 1, 59)) and not screen_on(HOURS, vn(30, 2))
    assert screen_on(HOURS, datetime(2026, 11, 22, 23, 30, tzinfo=UTC).astimezone(VN))  # Mon 06:30 in Hà Nội
    assert screen_on([[1, "20:00", "24:00"]], vn(24, 23, 59, 59)) and not screen_on([[1, "20:00", "24:00"]], vn(25, 0))
    assert screen_on(None, vn(24, 3)) and screen_on([], vn(24, 3))  # no hours: always on


def test_an_override_holds_until_its_end_and_an_emergency_beats_everything():
    off_until_ten = (False, vn(23, 10))
    assert not screen_on(HOURS, vn(23, 9), off_until_ten) and screen_on(HOURS, vn(23, 10), off_until_ten)
    assert screen_on(HOURS, vn(24, 3), (True, None))  # on, outside the hours, until told otherwise
    assert not screen_on(None, vn(24, 3), {"on": False, "until": None})
    assert not screen_on(HOURS, vn(23, 9), {"on": False, "until": "2026-11-23T03:00:00Z"})  # 10:00 in Hà Nội
    assert screen_on(HOURS, vn(23, 9), (False, None), emergency=True)
    assert screen_on(HOURS, vn(24, 3), emergency=True)


def test_next_power_edge_and_malformed_hours():
    assert next_power_edge(HOURS, vn(23, 9)) == vn(23, 22)
    assert next_power_edge(HOURS, vn(23, 22, 30)) == vn(28, 7)
    assert next_power_edge(HOURS, vn(29, 23)) == vn(30, 2)
    assert next_power_edge(None, vn(23, 9)) is None
    assert next_power_edge([[d, "00:00", "24:00"] for d in range(7)], vn(23, 9)) is None  # on all week
    for bad in (
        "06:00-22:00",
        [[7, "06:00", "22:00"]],
        [[True, "06:00", "22:00"]],
        [[0, "6:00", "22:00"]],
        [[0, "06:00", "24:30"]],
        [[0, "06:00"]],
        [[0, "06:00", "06:00"]],
        [[0, "06:00", "22:00", 0]],
        [[0, "06:00", "22:00", "60"]],
    ):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_each_window_has_its_brightness():
    """The server sends each operating-hours window with its brightness (100 % by day, dimmer at
    night); the player reports the one it is in."""
    hours = [[0, "06:00", "18:00", 100], [0, "18:00", "22:00", 60], [1, "06:00", "22:00"]]
    assert screen_on(hours, vn(23, 19)) and not screen_on(hours, vn(23, 22))
    assert brightness_at(hours, vn(23, 12)) == 100 and brightness_at(hours, vn(23, 19)) == 60
    assert brightness_at(hours, vn(24, 12)) == 100  # a window without a brightness: full
    assert brightness_at(None, vn(24, 3)) == 100


def test_the_screen_follows_the_power_schedule_by_its_own_clock(cache_dir):
    power = {"hours": [[0, "06:00", "22:00"]], "timezone": "Asia/Ho_Chi_Minh", "utc_offset": "+07:00"}
    with FakeBoardsServer(board=BOARD, token=TOKEN) as fake:
        a = item(fake, "a", png("red"))
        fake.publish(1, [a], power=power)
        player = Player(fake.url, BOARD, TOKEN, cache_dir, timeout=5, clock=Clock(vn(23, 22, 30)))
        assert player.poll_once() == "updated"
        fake.mode = "down"  # the schedule needs no server
        assert player.update_power() is False
        assert frame(cache_dir) == BLACK and player.status_body()["power"] == "off"
        player.clock.now = vn(24, 6)  # Tuesday: no hours that day
        assert player.update_power() is False
        player.clock.now = vn(30, 6)  # Monday again
        assert player.update_power() is True and player.status_body()["power"] == "on"
        # an emergency at night: on
        fake.mode = "ok"
        fake.publish(2, [a, item(fake, "e", png("yellow"), priority="emergency")], power=power)
        player.poll_once()
        player.clock.now = vn(30, 23)
        assert player.update_power() is True
        # The override, until the schedule's next edge when the server gives no end.
        override, on = player.set_power(False, None)
        assert override == {"on": False, "until": "2026-12-06T23:00:00Z"} and on is True  # the emergency wins
        # Hours the player cannot read: the screen stays on, and the heartbeat says why.
        fake.publish(3, [a], power={"hours": "06:00-22:00"})
        player._set_override(None)
        player.poll_once()
        assert player.update_power() is True
        assert any("lịch bật/tắt màn hình không hợp lệ" in e for e in player.heartbeat_body()["errors"])


# --- screenshots and sound, without a broker -------------------------------------------------------


def test_screenshots_are_made_to_fit_what_the_server_accepts():
    small = png("red", (64, 32))
    assert fit_screenshot(small) == (small, "image/png")
    noisy = io.BytesIO()
    Image.frombytes("RGB", (1200, 1000), os.urandom(1200 * 1000 * 3)).save(noisy, "PNG")
    assert len(noisy.getvalue()) > 1 << 20
    data, kind = fit_screenshot(noisy.getvalue())
    assert kind == "image/jpeg" and len(data) <= 1 << 20
    wide = io.BytesIO()
    Image.new("RGB", (8000, 100), "blue").save(wide, "PNG")
    data, kind = fit_screenshot(wide.getvalue())
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size[0] <= 7680
    with pytest.raises(ValueError):
        fit_screenshot(b"not an image at all")


def test_the_volume_goes_to_the_audio_program(cache_dir, tmp_path, monkeypatch):
    assert volume_arguments(["/usr/bin/mpv", "--no-video"], 35) == ["--volume=35"]
    assert volume_arguments(["/usr/bin/ffplay", "-nodisp"], 35) == ["-volume", "35"]
    assert volume_arguments(["/usr/bin/mpg123", "-q"], 50) == ["-f", "16384"]
    assert volume_arguments(["/usr/bin/mpg123", "-q"], None) == []
    calls = tmp_path / "calls.txt"
    program = tmp_path / "bin" / "mpg123"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    screen = Display(cache_dir)
    screen.volume = 25
    screen.play_audio({"id": "x", "kind": "audio"}, tmp_path / "x.mp3").wait(10)
    assert calls.read_text().split() == ["-q", "-f", "8192", str(tmp_path / "x.mp3")]


def test_display_mode_grabs_the_x_screen_itself(cache_dir, tmp_path, monkeypatch):
    """`--display`: a screenshot is the X screen as it is (here Xvfb showing feh), not the file."""
    if not (shutil.which("Xvfb") and shutil.which("feh")):
        pytest.fail("Xvfb and feh are needed for the display test: `make test` installs them")
    read, write = os.pipe()  # Xvfb picks a free display and writes its number here once ready
    xvfb = subprocess.Popen(
        # -noreset: Xvfb otherwise resets when its last client (a grab) leaves, refusing feh meanwhile
        ["Xvfb", "-displayfd", str(write), "-noreset", "-screen", "0", "320x160x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as ready:
        number = ready.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    monkeypatch.setenv("DISPLAY", f":{number}")
    cache_dir.mkdir()
    screen = Display(cache_dir)

    def grabbed():
        data = screen.grab()
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size, picture.convert("RGB").getpixel((160, 80))

    try:
        slide = tmp_path / "green.png"
        slide.write_bytes(png("green", (320, 160)))
        screen.show({"id": "g", "kind": "image", "title": "xanh"}, slide)
        eventually(lambda: grabbed() == ((320, 160), (0, 128, 0)), 10, "the slide on the X screen")
        (cache_dir / "current.png").write_bytes(png("blue", (320, 160)))
        assert grabbed() == ((320, 160), (0, 128, 0))  # the screen, not the file
        screen.blank((320, 160))
        eventually(lambda: grabbed()[1] == BLACK, 10, "a black X screen")
    finally:
        screen.close()
        xvfb.terminate()
        xvfb.wait(10)
