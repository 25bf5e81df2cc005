"""Relays (tiếp sóng, issue 16): a stream item with a daily window. The address is checked
when saved (a web page, a text file, a dead address: a Vietnamese reason, nothing saved); the
clusters' playlists carry its windows of the coming two days; the worker notices when the
stream is down; the reference player plays it in its window, reconnects when it drops, and
reports the airing, which the broadcast log shows."""

import datetime
import random

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from boards.models import Board
from boards.publishing import rebuild
from player.client import Player
from player.relay import due_relay
from station.models import Programme
from station.relays import check_relays, windows
from station.streams import StreamProblem, probe
from tests.player.fake_server import FakeBoardsServer
from tests.station.streaming import StreamServer

PASSWORD = "x-Strong-pass-123"
TOKEN = "relay-token"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


@pytest.fixture
def stream(tmp_path):
    with StreamServer(tmp_path) as server:
        yield server


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_tiepsong", password=PASSWORD)
    user.groups.add(commune.editors_group)
    return user


def relay_form(commune, url, **fields):
    return {
        "owner": commune.pk,
        "title": "Tiếp sóng Đài Phát thanh và Truyền hình tỉnh",
        "kind": "relay",
        "priority": "normal",
        "stream_url": url,
        "daily_start": "18:00",
        "daily_end": "18:30",
        # From the start of today: a test run between 18:00 and 18:30 sees today's window whole.
        "valid_from": timezone.localtime().strftime("%Y-%m-%d 00:00"),
        "valid_until": "",
        **fields,
    }


def test_probe_tells_a_stream_from_a_page_a_text_and_a_dead_address(stream):
    info = probe(stream.url())
    assert info.kind == "http" and info.codec.startswith("mp3")
    for path, reason in (("/page", "trang web"), ("/text.mp3", "không phải luồng âm thanh"), ("/nothing", "lỗi 404")):
        with pytest.raises(StreamProblem) as caught:
            probe(stream.url(path))
        assert reason in caught.value.message
    with pytest.raises(StreamProblem) as caught:
        probe("http://127.0.0.1:9/live.mp3")
    assert "Không kết nối được" in caught.value.message
    with pytest.raises(StreamProblem) as caught:
        probe("ftp://example.vn/live.mp3")
    assert "http://" in caught.value.message


@pytest.mark.django_db
def test_a_relay_is_saved_only_with_a_live_stream_and_reaches_the_playlist(client, commune, editor, stream):
    cluster = Board.objects.create(owner=commune, name="Cụm loa chợ", kind="audio")
    client.force_login(editor)
    response = client.post(reverse("programmes:add"), relay_form(commune, stream.url("/page")))
    assert response.status_code == 200 and "trang web" in response.content.decode()
    response = client.post(reverse("programmes:add"), relay_form(commune, stream.url(), daily_end=""))
    assert response.status_code == 200 and "Tiếp sóng cần giờ kết thúc" in response.content.decode()
    assert not Programme.objects.exists()
    response = client.post(reverse("programmes:add"), relay_form(commune, stream.url()))
    assert response.status_code == 302, response.content.decode()[:2000]
    relay = Programme.objects.get()
    assert relay.state == "ready" and relay.stream_ok is True and "Đang phát" in relay.stream_message
    version, *_ = rebuild(cluster)
    [entry] = version.schedule["relays"]
    assert entry["id"] == relay.key and entry["url"] == stream.url()
    assert 2 <= len(entry["windows"]) <= 3 and all(w["start"][11:16] == "18:00" for w in entry["windows"])
    assert all(w["end"][11:16] == "18:30" for w in entry["windows"])
    page = client.get(reverse("programmes:index")).content.decode()
    assert "18:00–18:30 hằng ngày" in page and "Tiếp sóng" in page
    day = timezone.localdate() + datetime.timedelta(days=1)
    page = client.get(reverse("station_programme"), {"xa": commune.pk, "ngay": f"{day}"}).content.decode()
    assert "Tiếp sóng Đài Phát thanh và Truyền hình tỉnh" in page and "18:00–18:30" in page


@pytest.mark.django_db
def test_the_worker_notices_a_stream_that_is_down(commune, stream):
    now = timezone.localtime()
    start = (now - datetime.timedelta(minutes=5)).time()
    end = (now + datetime.timedelta(minutes=30)).time()
    relay = Programme.objects.create(
        owner=commune,
        title="Tiếp sóng VOV1",
        kind="relay",
        state="ready",
        stream_url=stream.url(),
        daily_start=start,
        daily_end=end,
    )
    assert check_relays() == {relay.pk: True}
    stream.go_down()
    assert check_relays() == {relay.pk: False}
    relay.refresh_from_db()
    assert relay.stream_ok is False and "503" in relay.stream_message


def test_windows_across_midnight_and_validity():
    tz = timezone.get_current_timezone()
    relay = Programme(
        daily_start=datetime.time(23, 30),
        daily_end=datetime.time(0, 30),
        valid_from=datetime.datetime(2026, 12, 6, 0, 0, tzinfo=tz),
        valid_until=datetime.datetime(2026, 12, 8, 0, 0, tzinfo=tz),
    )
    found = windows(
        relay, datetime.datetime(2026, 12, 6, 12, 0, tzinfo=tz), datetime.datetime(2026, 12, 9, 12, 0, tzinfo=tz)
    )
    assert [(a.strftime("%d %H:%M"), b.strftime("%d %H:%M")) for a, b in found] == [
        ("06 23:30", "07 00:30"),
        ("07 23:30", "08 00:00"),  # cut at the end of its validity
    ]


def test_the_player_plays_a_relay_in_its_window_reconnects_and_reports_it(tmp_path, stream):
    now = datetime.datetime.now(datetime.UTC)
    window = {
        "start": (now - datetime.timedelta(seconds=1)).isoformat(),
        "end": (now + datetime.timedelta(seconds=4)).isoformat(),
    }
    relay = {
        "id": "programme:7",
        "title": "Tiếp sóng VOV1",
        "url": stream.url("/drops.mp3"),
        "priority": "normal",
        "windows": [window],
    }
    with FakeBoardsServer(board="7", token=TOKEN) as fake:
        fake.publish(1, [], broadcast_times=[], relays=[relay], board={"kind": "audio"})
        player = Player(fake.url, "7", TOKEN, tmp_path / "cache", timeout=5, rng=random.Random(1))
        player.poll_once()
        assert due_relay(player.playlist, player.clock(), set()) is not None
        assert player.audio_step() is True
        # The stream dropped after a second: the player went back to it until the window closed.
        assert stream.requests.count("/drops.mp3") >= 2
        assert due_relay(player.playlist, player.clock(), player.relays.done) is None  # aired once
        player.report()
        [posted] = [p for p in fake.plays if p["item_id"] == "programme:7"]
        assert 2.0 <= posted["duration_s"] <= 5.5


@pytest.mark.django_db
def test_monitoring_says_when_a_relay_on_air_is_down(client, commune, other_commune, editor, stream):
    now = timezone.localtime()
    for owner, title in ((commune, "Tiếp sóng đài tỉnh"), (other_commune, "Tiếp sóng của Đông Hải")):
        Programme.objects.create(
            owner=owner,
            title=title,
            kind="relay",
            state="ready",
            stream_url=stream.url(),
            daily_start=(now - datetime.timedelta(minutes=5)).time(),
            daily_end=(now + datetime.timedelta(minutes=30)).time(),
        )
    stream.go_down()
    check_relays()
    client.force_login(editor)
    page = client.get(reverse("boards_monitoring")).content.decode()
    assert "Tiếp sóng “Tiếp sóng đài tỉnh” (Xã An Trường): luồng đang ngắt" in page
    assert "Đông Hải" not in page  # another commune's relay
    stream.go_down(False)
    check_relays()
    assert "luồng đang ngắt" not in client.get(reverse("boards_monitoring")).content.decode()
