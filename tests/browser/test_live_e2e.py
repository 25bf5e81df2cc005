"""“Phát trực tiếp” end to end (issue 16), every part real: the server (runserver), Mosquitto
and the sender (`manage.py mqtt_sender`), Icecast 2 (Debian's icecast2, its configuration from
station/icecast.py), the live ingest (`manage.py live_ingest`), the headless reference player of
a commune cluster as its own process, and Debian's Chromium speaking through a fake microphone
(`--use-file-for-fake-audio-capture`: a WAV made here, beeps at known moments, each at its own
pitch). A commune editor broadcasts from the admin: the cluster tunes in, hears every beep within
the target delay (from the moment the page's microphone had it to the moment the player had
the MP3 frame), and the recording is in the broadcast log. A microphone that drops and a tab that
closes end the broadcast, say so, and the player stops; another commune's cluster is refused."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from player import live as player_live
from tests.icecast_servers import binary, start_icecast
from tests.mqtt_brokers import start_broker
from tests.station import live_sounds

from .conftest import CHROMIUM, ROOT, _free_port
from .test_player_offline import _serve, _shell, _stop, _wait

pytestmark = pytest.mark.browser

SERVER_PASSWORD = "mat-khau-kenh-truc-tiep"
HOST = "an-truong.cang-long.tra-vinh.localhost"
PASSWORD = "x-Strong-pass-123"
TARGET_S = 3.0
BEEPS = [1.5 + 1.0 * j for j in range(40)]  # one a second from 1.5 s, 42 s of "speech"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
other = CommuneHomePage.objects.get(structure="2024", short_name="Đông Hải")
user, _ = get_user_model().objects.get_or_create(username="bientap-truc-tiep-an-truong")
user.set_password("{PASSWORD}")
user.save()
user.groups.add(home.editors_group)
board, _ = Board.objects.get_or_create(owner=home, name="Cụm loa ấp Cao Một (trực tiếp)", defaults={{"kind": "audio"}})
theirs, _ = Board.objects.get_or_create(owner=other, name="Cụm loa Đông Hải (trực tiếp)", defaults={{"kind": "audio"}})
token = issue_token(board)
rebuild(board)
print(board.pk, token, theirs.pk)
"""


@pytest.fixture(scope="module")
def station(live_site, tmp_path_factory):
    """Everything a live broadcast goes through, started once for this module."""
    if binary() is None:
        pytest.fail("icecast2 not installed: `make test` (make browser) installs Debian's icecast2")
    tmp = tmp_path_factory.mktemp("live")
    broker = start_broker("mosquitto", tmp / "broker", server_password=SERVER_PASSWORD)
    icecast = start_icecast()
    ingest_port = _free_port()
    env = {
        **live_site.env,
        "MQTT_URL": broker.url,
        "MQTT_PUBLIC_URL": broker.url,
        "MQTT_BROKER_DIR": str(broker.dir),
        "MQTT_SERVER_PASSWORD": SERVER_PASSWORD,
        "STATION_ICECAST_URL": icecast.url,
        "STATION_LIVE_PUBLIC_URL": icecast.public_url,
        "STATION_LIVE_INGEST_URL": f"ws://127.0.0.1:{ingest_port}/",
    }
    site = type(live_site)(live_site.port, env)
    board, token, theirs = _shell(site, SETUP).split()
    port = _free_port()
    logs = open(tmp / "processes.log", "w")
    processes = [_serve(site, port, logs)]
    for command in (["mqtt_sender"], ["live_ingest", "--port", str(ingest_port)]):
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT
            )
        )
    cache = tmp / "player"
    player = subprocess.Popen(
        [
            *(sys.executable, "-m", "player", "--server", f"http://127.0.0.1:{port}"),
            *(
                "--board",
                board,
                f"--token={token}",
                "--cache",
                str(cache),
                "--timeout",
                "5",
            ),  # a token may start with "-"
        ],
        cwd=ROOT,
        stdout=logs,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wav = live_sounds.write_wav(tmp / "micro.wav", live_sounds.beeps(45.0, BEEPS))
    try:
        online = f"from boards.models import Board; print('state=' + Board.objects.get(pk={board}).channel_state)"
        assert _wait(lambda: _shell(site, online) == "state=online", 40, step=0.5), (
            "the player never joined the channel"
        )
        yield SimpleNamespace(
            site=site, port=port, board=board, theirs=theirs, cache=cache, wav=wav, icecast=icecast, logs=tmp
        )
    finally:
        if player.poll() is None:
            os.killpg(player.pid, signal.SIGTERM)
            try:
                player.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(player.pid, signal.SIGKILL)
        _stop(*reversed(processes))
        icecast.stop()
        broker.close()
        logs.close()


@pytest.fixture(scope="module")
def speaking_browser(station, browser):
    """Chromium with a fake microphone that "says" the WAV: launched by the session's Playwright
    (one per thread) beside the shared `browser`, which has no such flags."""
    speaking = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={station.wav}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield speaking
    speaking.close()


def _page(station, browser):
    context = browser.new_context(locale="vi-VN", permissions=["microphone"])
    page = context.new_page()
    page.goto(f"http://{HOST}:{station.port}/admin/login/")
    page.fill("#id_username", "bientap-truc-tiep-an-truong")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"http://{HOST}:{station.port}/admin/dai-truyen-thanh/phat-truc-tiep/")
    return page


def _start(page, station):
    page.locator(f'input[name="clusters"][value="{station.board}"]').check()
    page.get_by_role("button", name="Bắt đầu phát").click()
    page.wait_for_function("() => window.tincosoLive.state === 'on_air'", timeout=15_000)
    return page.evaluate("window.tincosoLive.session")


def _cluster_state(page, station):
    row = page.locator(f'#live-clusters tr[data-cluster="{station.board}"]')
    return row.get_attribute("data-state") if row.count() else None


def _playing(station):
    code = f"from boards.models import Board; print('playing=' + str(Board.objects.get(pk={station.board}).channel_status.get('playing')))"
    return _shell(station.site, code).removeprefix("playing=")


def _programme(station, session):
    code = (
        "import json; from station.models import Programme; "
        f"p = Programme.objects.filter(pk={session}).first(); "
        "print(json.dumps(p and [p.kind, p.state, p.title, p.message, p.duration_s]))"
    )
    return json.loads(_shell(station.site, code))


def test_an_official_speaks_and_the_cluster_airs_it_within_seconds(station, speaking_browser, artifacts_dir):
    page = _page(station, speaking_browser)
    assert "Cụm loa ấp Cao Một (trực tiếp)" in page.content()
    assert "Cụm loa Đông Hải" not in page.content()  # another commune's cluster is not offered
    session = _start(page, station)
    # The cluster tunes in: its row says so (the player's ack and status through the channel).
    page.wait_for_function(
        f"() => document.querySelector('#live-clusters tr[data-cluster=\"{station.board}\"]')?.dataset.state === 'on_air'",
        timeout=15_000,
    )
    assert page.locator(f'#live-clusters tr[data-cluster="{station.board}"]').inner_text().endswith("Đang phát")
    assert _playing(station) == f"programme:{session}"
    time.sleep(6)
    page.screenshot(path=str(artifacts_dir / "live-on-air.png"))
    page.get_by_role("button", name="Kết thúc").click()
    page.wait_for_function("() => window.tincosoLive.state === 'ended'", timeout=30_000)
    assert "đã lưu vào nhật ký phát thanh" in page.locator("#live-message").inner_text()
    spoken = page.evaluate("window.tincosoLive.onsets")
    page.context.close()

    # What the cluster received: every beep the microphone gave while on air, each in time.
    data, index = player_live.recorded(station.cache, session)
    heard = live_sounds.heard(data, index)
    delays = live_sounds.delays(heard, [t / 1000 for t in spoken])
    assert len(delays) >= 5, (heard, spoken)
    assert max(delays) < TARGET_S, delays
    print("mouth-to-speaker delays (s):", [round(d, 2) for d in delays])

    # The player stopped; the recording is the programme, and its airing is in the broadcast log.
    assert _wait(lambda: _playing(station) != f"programme:{session}", 15, step=0.5)
    kind, state, title, message, seconds = _programme(station, session)
    assert kind == "live" and state == "ready" and 6 < seconds < 20, (state, message)
    log = speaking_browser.new_context(locale="vi-VN")
    page = log.new_page()
    page.goto(f"http://{HOST}:{station.port}/admin/login/")
    page.fill("#id_username", "bientap-truc-tiep-an-truong")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    url = f"http://{HOST}:{station.port}/admin/dai-truyen-thanh/nhat-ky/?cum={station.board}"
    deadline = time.time() + 30
    while time.time() < deadline:
        page.goto(url)
        if title in page.locator("table.listing").inner_text():
            break
        time.sleep(1)
    row = page.locator("table.listing tbody tr").filter(has_text=title).first
    assert "Phát trực tiếp" in row.inner_text()
    log.close()


def test_a_microphone_that_drops_or_a_tab_that_closes_ends_the_broadcast(station, speaking_browser):
    page = _page(station, speaking_browser)
    session = _start(page, station)
    assert _wait(lambda: _playing(station) == f"programme:{session}", 15, step=0.5)
    time.sleep(2)
    # The microphone goes away (unplugged): the page says so and ends the broadcast.
    page.evaluate(
        "() => { const t = window.tincosoLive.stream.getAudioTracks()[0]; t.stop(); t.dispatchEvent(new Event('ended')); }"
    )
    page.wait_for_function("() => window.tincosoLive.state === 'ended'", timeout=30_000)
    assert "Micrô bị ngắt" in page.locator("#live-error").inner_text()
    assert _wait(lambda: _playing(station) != f"programme:{session}", 15, step=0.5), "the player kept airing"
    _, state, _, message, _ = _programme(station, session)
    assert state == "ready" and "Micrô bị ngắt" in message

    # Again, and this time the tab is closed mid-broadcast.
    page.goto(page.url)
    session = _start(page, station)
    assert _wait(lambda: _playing(station) == f"programme:{session}", 15, step=0.5)
    time.sleep(2)
    page.context.close()
    assert _wait(lambda: _playing(station) != f"programme:{session}", 20, step=0.5), "the player kept airing"
    assert _wait(lambda: (_programme(station, session) or [None, ""])[1] == "ready", 20, step=0.5)
    # The page says nothing more as it closes (pagehide), so the ingest sees the connection go;
    # when Chromium tears a whole context down it may stop the microphone's track first, and the
    # page then reports the microphone lost: either way the broadcast ended and was kept.
    message = _programme(station, session)[3]
    assert "mất kết nối" in message or "Micrô bị ngắt" in message, message


def test_another_communes_cluster_is_refused_with_a_vietnamese_message(station, speaking_browser):
    page = _page(station, speaking_browser)
    # A cluster slipped into the form (an old page, a crafted request): the server refuses.
    page.evaluate(
        f"""() => {{
            const li = document.querySelector('input[name="clusters"]').closest('li').cloneNode(true);
            li.querySelector('input').value = '{station.theirs}';
            document.querySelector('.live-group ul').appendChild(li);
            li.querySelector('input').checked = true;
        }}"""
    )
    page.get_by_role("button", name="Bắt đầu phát").click()
    error = page.locator("#live-error")
    error.wait_for(state="visible", timeout=15_000)
    assert f"Không tìm thấy cụm loa số {station.theirs}" in error.inner_text()
    assert page.evaluate("window.tincosoLive.state") == "idle"
    # Nothing chosen: said before the microphone is even asked for.
    page.locator('input[name="clusters"]').evaluate_all("boxes => boxes.forEach(b => { b.checked = false; })")
    page.get_by_role("button", name="Bắt đầu phát").click()
    assert error.inner_text() == "Chọn ít nhất một cụm loa để phát."
    page.context.close()
