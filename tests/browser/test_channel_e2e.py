"""The real-time channel end to end, with each broker: a real server, task worker and sender
(`manage.py mqtt_sender`), the reference player as its own process, a board polling only every
300 s. An emergency alert published by a district is held by the player within 5 s; a
screenshot asked for in the admin arrives; the volume is set and reported; a killed player is
shown offline in monitoring, read in a real browser, within 10 s of its death."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.mqtt_brokers import KINDS, start_broker

from .conftest import ROOT, _free_port, sign_in
from .test_player_offline import _items, _serve, _shell, _stop, _wait

pytestmark = pytest.mark.browser

SERVER_PASSWORD = "mat-khau-kenh-e2e"

SETUP = """
from areas.models import CommuneHomePage
from cms_pages.models import NewsIndexPage, NewsPage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29290")  # Huyền Hội, Càng Long
index = NewsIndexPage.objects.child_of(home).get()
if not NewsPage.objects.child_of(index).exists():
    news = NewsPage(title="Huyền Hội khánh thành cầu nông thôn", summary="Tin thường ngày.")
    index.add_child(instance=news)
    news.save_revision().publish()
board = Board.objects.create(owner=home, name="Bảng chợ Huyền Hội {kind}", width=384, height=192)
token = issue_token(board)
rebuild(board)
print(board.pk, token)
"""

ALERT = """
import datetime
from django.utils import timezone
from areas.models import AreaPage, PortalHomePage
from sources.models import EmergencyAlertPage, SourceIndexPage
from areas.models import CommuneHomePage
district = AreaPage.objects.get(structure="2024", level="district", code="844")
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(district).get()).get()
now = timezone.now()
alert = EmergencyAlertPage(title="Triều cường ở xã Huyền Hội ({kind})", event="Triều cường",
                           summary="Nước dâng cao ven sông.", instruction="Kê cao tài sản, tránh xa bờ sông.",
                           valid_from=now - datetime.timedelta(minutes=1), valid_until=now + datetime.timedelta(hours=2))
alert.target_communes = [CommuneHomePage.objects.get(structure="2024", code="29290")]
section.add_child(instance=alert)
import time
alert.save_revision().publish()
print(alert.pk, time.time())
"""

ADMIN = """
from django.contrib.auth import get_user_model
User = get_user_model()
if not User.objects.filter(username="e2e-kenh").exists():
    User.objects.create_superuser("e2e-kenh", "e2e@example.vn", "Mat-khau-e2e-2026")
print("ok")
"""


def _command(live_site, board, kind, args):
    code = (
        "from boards import channel; from boards.models import Board; "
        f"print(channel.send(Board.objects.get(pk={board}), {kind!r}, {args!r}).pk)"
    )
    return _shell(live_site, code)


def _command_state(live_site, command):
    return _shell(
        live_site,
        f"from boards.models import BoardCommand; c = BoardCommand.objects.get(pk='{command}'); "
        "import json; print(json.dumps([c.state, c.result, c.message]))",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_push_commands_and_presence_through_the_channel(live_site, browser, tmp_path, artifacts_dir, kind):
    broker = start_broker(kind, tmp_path / "broker", server_password=SERVER_PASSWORD)
    env = {
        **live_site.env,
        "MQTT_URL": broker.url,
        "MQTT_PUBLIC_URL": broker.url,
        "MQTT_BROKER_DIR": str(broker.dir),
        "MQTT_SERVER_PASSWORD": SERVER_PASSWORD,
    }
    site = type(live_site)(live_site.port, env)
    board, token = _shell(site, SETUP.replace("{kind}", kind)).split()
    port = _free_port()
    cache = tmp_path / "player"
    logs = open(tmp_path / "processes.log", "w")
    server = _serve(site, port, logs)
    processes = [server]
    for command in (["qcluster"], ["mqtt_sender"]):
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT
            )
        )
    player_cmd = [
        sys.executable,
        "-m",
        "player",
        "--server",
        f"http://127.0.0.1:{port}",
        "--board",
        board,
        f"--token={token}",
        "--cache",
        str(cache),
        "--timeout",
        "5",
    ]
    player = subprocess.Popen(player_cmd, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _wait(lambda: _items(cache), 30), "the player never held a playlist"
        online = f"from boards.models import Board; print('state=' + Board.objects.get(pk={board}).channel_state)"
        assert _wait(lambda: _shell(site, online) == "state=online", 30, step=0.5), (
            "the player never joined the channel"
        )

        # An emergency reaches the board in seconds, not at its next poll (300 s away).
        alert, published = _shell(site, ALERT.replace("{kind}", kind)).split()
        key = f"pushed:{alert}"
        held = _wait(lambda: _items(cache) and _items(cache)[0]["id"] == key and time.time(), 30, step=0.1)
        assert held, "the player did not get the alert"
        took = held - float(published)  # from the moment it was published, in the shell
        assert took < 5, f"the alert took {took:.1f} s to reach the player"
        assert _items(cache)[0]["priority"] == "emergency"

        # A screenshot asked for arrives, acked; the volume is set and reported.
        shot = _command(site, board, "screenshot", {})
        assert _wait(lambda: json.loads(_command_state(site, shot))[0] == "done", 20, step=0.5), _command_state(
            site, shot
        )
        has_shot = (
            f"from boards.models import BoardStatus; print(bool(BoardStatus.objects.get(board_id={board}).screenshot))"
        )
        assert _shell(site, has_shot) == "True"
        volume = _command(site, board, "volume", {"level": 35})
        assert _wait(lambda: json.loads(_command_state(site, volume))[0] == "done", 20, step=0.5)
        reported = f"from boards.models import Board; print(Board.objects.get(pk={board}).channel_status.get('volume'))"
        assert _wait(lambda: _shell(site, reported) == "35", 10, step=0.5)

        # A killed player: offline in monitoring within 10 s, read in the browser.
        _shell(site, ADMIN)
        os.killpg(player.pid, signal.SIGKILL)
        player.wait(10)
        died = time.time()
        offline = f"from boards.models import Board; print('state=' + Board.objects.get(pk={board}).channel_state)"
        assert _wait(lambda: _shell(site, offline) == "state=offline", 30, step=0.2), "the dead player stayed online"
        # When the server recorded it (what monitoring shows from then on), not when this test's
        # `manage.py shell` (seconds to start) got to read it.
        recorded = f"from boards.models import Board; print(Board.objects.get(pk={board}).channel_at.timestamp())"
        took = float(_shell(site, recorded)) - died
        assert took < 10, f"the dead player was shown offline {took:.1f} s after its death"
        page = browser.new_context(locale="vi-VN").new_page()
        sign_in(page, f"http://tra-vinh.localhost:{port}", "e2e-kenh", "Mat-khau-e2e-2026")  # and the second factor
        page.goto(f"http://tra-vinh.localhost:{port}/admin/bang-dien-tu-giam-sat/")
        row = page.get_by_role("row").filter(has_text=f"Bảng chợ Huyền Hội {kind}")
        assert "Ngoại tuyến" in row.inner_text()
        page.screenshot(path=str(artifacts_dir / f"channel-offline-{kind}.png"))
    finally:
        if player.poll() is None:
            os.killpg(player.pid, signal.SIGKILL)
        _stop(*reversed(processes))
        broker.close()
        logs.close()
