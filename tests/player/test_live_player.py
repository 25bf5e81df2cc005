"""Live broadcasts in the reference player (player/live.py): the rules of what goes on air, and
the player airing a stream from a loopback HTTP server while its loudspeaker schedule runs: an
emergency broadcast cuts a bulletin (played again whole afterwards), a normal one waits for the
bulletin's end and yields to an emergency bulletin, a stream that drops is joined again, one
that is gone ends the session. No Django: the player is a standard-library package."""

import json
import random
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from player import live
from player.channel import Channel
from player.client import Player
from tests.player.fake_server import FakeBoardsServer
from tests.player.test_player import SPEAKERS, TOKEN, VN, Clock, bulletin, played


class Stream:
    """A loopback "Icecast": GET /live.mp3 streams bytes until stopped; `drop_after` closes a
    connection after that many bytes; `gone` answers 404."""

    def __init__(self):
        self.gone = False
        self.drop_after = None
        self.connections = 0
        stream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                stream.connections += 1
                if stream.gone or self.path != "/live.mp3":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                sent = 0
                try:
                    while not stream.gone:
                        self.wfile.write(b"\xff\xfb" + bytes(198))
                        self.wfile.flush()
                        sent += 200
                        if stream.drop_after is not None and sent >= stream.drop_after:
                            stream.drop_after = None
                            return
                        time.sleep(0.02)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/live.mp3"

    def close(self):
        self.gone = True
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stream():
    server = Stream()
    yield server
    server.close()


@pytest.fixture
def fake():
    with FakeBoardsServer(board="7", token=TOKEN) as server:
        yield server


def args(url, session="5", priority="normal", level="commune"):
    return {"url": url, "session": session, "priority": priority, "level": level, "title": f"Trực tiếp {session}"}


def speaker(fake, tmp_path, moment):
    return Player(fake.url, "7", TOKEN, tmp_path / "cache", timeout=5, rng=random.Random(1), clock=Clock(moment))


def in_thread(function, *arguments):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function(*arguments)), daemon=True)
    thread.start()
    return thread, result


def wait(condition, seconds=10, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


# --- the rules ---------------------------------------------------------------------------------


def session(priority, level, told=0.0):
    return live.Session(id="1", url="http://x/", item="programme:1", priority=priority, level=level, told=told)


def test_who_cuts_into_whom():
    commune_normal, commune_urgent = session("normal", "commune"), session("emergency", "commune")
    district_urgent, province_urgent = session("emergency", "district"), session("emergency", "province")
    assert live.cuts_into(commune_urgent, commune_normal)  # an emergency cuts into a normal broadcast
    assert not live.cuts_into(commune_normal, commune_urgent)  # a normal one never cuts in
    assert not live.cuts_into(session("normal", "province"), commune_normal)
    assert live.cuts_into(district_urgent, commune_urgent)  # a unit above cuts into an emergency …
    assert live.cuts_into(province_urgent, district_urgent)
    assert not live.cuts_into(commune_urgent, district_urgent)  # … one below does not
    assert not live.cuts_into(session("emergency", "district", 5), district_urgent)  # the same level waits
    waiting = [commune_normal, session("emergency", "commune", 2), district_urgent]
    assert sorted(waiting, key=live.order)[0] is district_urgent
    # Before a bulletin starts: any broadcast, except a normal one before an emergency bulletin.
    assert live.goes_before(commune_normal, {"priority": "normal"})
    assert not live.goes_before(commune_normal, {"priority": "emergency"})
    assert live.goes_before(commune_urgent, {"priority": "emergency"})


@pytest.mark.parametrize(
    "bad",
    [
        {"url": "file:///etc/passwd"},
        {"session": "abc"},
        {"priority": "urgent"},
        {"level": "hamlet"},
    ],
)
def test_a_live_command_with_bad_arguments_is_refused(bad):
    with pytest.raises(ValueError):
        live.parse_args({**args("http://127.0.0.1:1/live.mp3"), **bad})


def test_the_channel_refuses_bad_live_commands_in_the_ack_and_acks_live_end(fake, tmp_path):
    player = speaker(fake, tmp_path, datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    channel = Channel(player, {"prefix": "tincoso", "url": "mqtt://127.0.0.1:1", "username": "7"})
    acks = []
    channel._publish_ack = acks.append
    expires = "2099-01-01T00:00:00Z"
    bad = {"id": "c1", "cmd": "live", "args": {"url": "ftp://x/", "session": "1"}, "expires_at": expires}
    channel.handle(json.dumps(bad).encode())
    assert acks[-1]["ok"] is False and acks[-1]["message"].startswith("Tham số sai") and acks[-1]["error"] == "bad_args"
    end = {"id": "c2", "cmd": "live_end", "args": {"session": "1"}, "expires_at": expires}
    channel.handle(json.dumps(end).encode())
    assert acks[-1]["ok"] is True and "đã kết thúc" in acks[-1]["message"]


# --- airing ------------------------------------------------------------------------------------------


def test_an_emergency_broadcast_cuts_a_bulletin_which_plays_again_whole_after_it(fake, stream, tmp_path):
    fake.publish(1, [bulletin(fake, "long", duration=2.0)], **SPEAKERS)
    player = speaker(fake, tmp_path, datetime(2026, 11, 23, 17, 0, 1, tzinfo=VN))
    player.poll_once()
    runner, _ = in_thread(player.audio_step)
    time.sleep(0.5)
    tuning, acked = in_thread(player.live_tuner().tune, args(stream.url, priority="emergency"))
    tuning.join(10)
    ok, message, result = acked["value"]
    assert ok and result == {"session": "5", "on_air": True} and message == "Đang phát trực tiếp."
    assert player.playing == "programme:5" and played(player) == ["long"]
    assert player.pending_plays[0]["duration_s"] < 1.5  # cut short
    time.sleep(0.6)
    assert player.live_tuner().end("5")[0]
    runner.join(10)
    assert not runner.is_alive()
    assert played(player) == ["long", "programme:5", "long"]
    assert player.pending_plays[2]["duration_s"] >= 1.9  # the bulletin again, whole
    data, index = live.recorded(tmp_path / "cache", "5")
    assert len(data) > 1000 and index[0][0] == 0 and index[-1][0] < len(data)


def test_a_normal_broadcast_waits_for_the_bulletin_then_goes_before_the_next(fake, stream, tmp_path):
    fake.publish(1, [bulletin(fake, "a", duration=2.5), bulletin(fake, "b", duration=0.3)], **SPEAKERS)
    player = speaker(fake, tmp_path, datetime(2026, 11, 23, 17, 0, 1, tzinfo=VN))
    player.poll_once()
    runner, _ = in_thread(player.audio_step)
    time.sleep(0.3)
    ok, message, result = player.live_tuner().tune(args(stream.url))
    assert ok and result == {"session": "5", "on_air": False}
    assert message == "Chờ hết “Bản tin a” rồi phát trực tiếp."
    assert wait(lambda: player.playing == "programme:5")
    assert played(player) == ["a"] and player.pending_plays[0]["duration_s"] >= 2.4  # a played whole
    time.sleep(0.4)
    player.live_tuner().end("5")
    runner.join(10)
    assert played(player) == ["a", "programme:5", "b"]


def test_a_normal_broadcast_yields_to_an_emergency_bulletin_and_comes_back(fake, stream, tmp_path):
    fake.publish(1, [], refresh_seconds=300, jitter_seconds=0, **SPEAKERS)
    player = Player(fake.url, "7", TOKEN, tmp_path / "cache", timeout=5, rng=random.Random(1))
    runner = threading.Thread(target=player.run_forever, daemon=True)
    runner.start()
    try:
        assert wait(lambda: player.held_version() == 1)
        ok, _, result = player.live_tuner().tune(args(stream.url))
        assert ok and result["on_air"] is True
        fake.publish(2, [bulletin(fake, "storm", duration=0.5, priority="emergency")], **SPEAKERS)
        player.request_poll()  # the channel's collect, in real life
        assert wait(lambda: "storm" in played(player))
        assert wait(lambda: player.playing == "programme:5"), "the broadcast did not come back"
        player.live_tuner().end("5")
        assert wait(lambda: player.playing is None)
        # The end of a broadcast sends the proof of play at once (a poll, then the reports).
        assert wait(lambda: len(fake.plays) >= 3), fake.plays
    finally:
        player.stop.set()
        runner.join(10)
    assert [p["item_id"] for p in fake.plays][:3] == ["programme:5", "storm", "programme:5"]


def test_a_stream_that_drops_is_joined_again_and_one_that_is_gone_ends_the_session(fake, stream, tmp_path, monkeypatch):
    monkeypatch.setattr(live, "GIVE_UP_S", 1.0)
    fake.publish(1, [], **SPEAKERS)
    player = speaker(fake, tmp_path, datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    player.poll_once()
    stream.drop_after = 4000
    tuning, acked = in_thread(player.live_tuner().tune, args(stream.url))
    assert wait(lambda: player.live.waiting())
    airing, _ = in_thread(player.air_live)  # the playback loop's turn
    tuning.join(10)
    assert acked["value"][0]
    assert wait(lambda: stream.connections >= 2), "the player did not join the stream again"
    assert wait(lambda: live.recorded(tmp_path / "cache", "5")[0].__len__() > 6000)
    stream.gone = True  # the source has gone and no live_end came: the player gives up by itself
    airing.join(10)
    assert not airing.is_alive() and player.playing is None
    assert played(player) == ["programme:5"]
    ok, message, _ = player.live_tuner().tune(args(stream.url))  # a late resend of the same command
    assert not ok and message == "Buổi phát trực tiếp này đã kết thúc."


def test_a_stream_never_reached_is_refused_in_the_ack(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(live, "GIVE_UP_S", 0.5)
    fake.publish(1, [], **SPEAKERS)
    player = speaker(fake, tmp_path, datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    player.poll_once()
    tuning, acked = in_thread(player.live_tuner().tune, args("http://127.0.0.1:9/khong-co.mp3"))
    assert wait(lambda: player.live.waiting())
    airing, _ = in_thread(player.air_live)
    tuning.join(15)
    airing.join(10)
    ok, message, _ = acked["value"]
    assert not ok and message.startswith("Không bắt được luồng phát trực tiếp")
    assert played(player) == []
