"""An emergency alert end to end: a district publishes it for its whole area; a real task worker
rebuilds the targeted board; the reference player (a separate process, polling a real server)
holds only the alert within one refresh interval, and reports plays of it; the commune site
shows the banner on every page, read in a real browser; withdrawing it ends it on the board and
the site. A board in another district never gets it."""

import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import PHONE, ROOT, _free_port
from .test_player_offline import REFRESH, _items, _serve, _shell, _stop, _wait

pytestmark = pytest.mark.browser

HOST = "binh-phu.cang-long.tra-vinh.localhost"

SETUP = f"""
from areas.models import CommuneHomePage
from cms_pages.models import NewsIndexPage, NewsPage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29287")  # Bình Phú, Càng Long
other = CommuneHomePage.objects.get(structure="2024", code="29536")  # Đông Hải, Duyên Hải
index = NewsIndexPage.objects.child_of(home).get()
news = NewsPage(title="Bình Phú ra quân làm đường giao thông nông thôn", summary="Tin thường ngày.")
index.add_child(instance=news)
news.save_revision().publish()
ours = Board.objects.create(owner=home, name="Bảng chợ Bình Phú", width=384, height=192)
theirs = Board.objects.create(owner=other, name="Bảng chợ Đông Hải (đối chứng)", width=384, height=192)
for board in (ours, theirs):
    Board.objects.filter(pk=board.pk).update(refresh_seconds={REFRESH})
    board.refresh_from_db()
    rebuild(board)
print(ours.pk, theirs.pk, issue_token(ours))
"""

ALERT = """
import datetime
from django.utils import timezone
from areas.models import AreaPage, PortalHomePage
from sources.models import EmergencyAlertPage, SourceIndexPage
district = AreaPage.objects.get(structure="2024", level="district", code="844")
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(district).get()).get()
now = timezone.now()
alert = EmergencyAlertPage(title="Lũ quét ở huyện Càng Long, sơ tán khẩn cấp", event="Lũ quét",
                           summary="Mưa lớn gây lũ quét ở các xã ven sông.", instruction="Di dời ngay đến nơi cao.",
                           valid_from=now - datetime.timedelta(minutes=1), valid_until=now + datetime.timedelta(hours=6))
alert.target_areas = [district]
section.add_child(instance=alert)
alert.save_revision().publish()
print(alert.pk)
"""


def _only(key, ids):
    """The ids are the alert's pages only: its headline, then its instruction and end time
    ("<key>", "<key>:2", "<key>:3")."""
    return bool(ids) and ids[0] == key and len(ids) > 1 and all(i.startswith(f"{key}:") for i in ids[1:])


def _version_items(live_site, board):
    return (
        _shell(
            live_site,
            (
                f"from boards.models import PlaylistVersion; v = PlaylistVersion.objects.filter(board_id={board})"
                ".order_by('-number').first(); print('ids=' + ','.join(i['id'] for i in v.items))"
            ),
        )
        .removeprefix("ids=")
        .split(",")
    )


def test_an_alert_preempts_the_board_and_the_site_until_withdrawn(live_site, browser, tmp_path, artifacts_dir):
    ours, theirs, token = _shell(live_site, SETUP).split()
    port = _free_port()
    cache = tmp_path / "player"
    logs = open(tmp_path / "processes.log", "w")
    server = _serve(live_site, port, logs)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=live_site.env, stdout=logs, stderr=subprocess.STDOUT
    )
    player = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            f"http://127.0.0.1:{port}",
            "--board",
            ours,
            f"--token={token}",
            "--cache",
            str(cache),
            "--timeout",
            "5",
        ],
        cwd=ROOT,
        stdout=logs,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait(lambda: _items(cache), 30), "the player never held a playlist"
        assert [i["id"].split(":")[0] for i in _items(cache)] == ["news"]

        alert = _shell(live_site, ALERT)
        key = f"pushed:{alert}"
        version_at = _wait(lambda: _only(key, _version_items(live_site, ours)) and time.monotonic(), 60, step=0.5)
        assert version_at, "the worker did not put the alert on the targeted board"
        held_at = _wait(lambda: _only(key, [i["id"] for i in _items(cache)]) and time.monotonic(), REFRESH * 3)
        assert held_at, "the player did not switch to the alert"
        assert held_at - version_at <= REFRESH * 1.1 + 2  # within one refresh interval
        assert _items(cache)[0]["priority"] == "emergency"
        assert key not in _version_items(live_site, theirs)  # another district's board

        # The commune site: the banner on the home and on an article, read in a real browser.
        page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
        page.goto(live_site.url(HOST, "/"))
        banner = page.get_by_role("alert")
        assert "Lũ quét ở huyện Càng Long, sơ tán khẩn cấp" in banner.inner_text()
        page.screenshot(path=str(artifacts_dir / "emergency-banner-phone.png"))
        page.get_by_role("link", name="Bình Phú ra quân làm đường giao thông nông thôn").first.click()
        assert "Lũ quét ở huyện Càng Long" in page.get_by_role("alert").inner_text()
        page.goto(live_site.url("tra-vinh.localhost", "/"))  # the province portal: not targeted
        assert page.get_by_role("alert").count() == 0

        # Plays of the alert reach the server (the source's "Nơi nhận" counts them).
        assert _wait(
            lambda: (
                int(
                    _shell(
                        live_site,
                        (
                            f"from boards.models import PlayRecord; print(PlayRecord.objects.filter(board_id={ours}, item_id='{key}').count())"
                        ),
                    )
                )
                > 0
            ),
            REFRESH * 4,
        ), "no proof of play for the alert"

        # Withdrawn: the board goes back to its own content, the banner goes.
        _shell(
            live_site,
            f"from sources.models import EmergencyAlertPage; EmergencyAlertPage.objects.get(pk={alert}).unpublish(); print('ok')",
        )
        assert _wait(lambda: key not in [i["id"] for i in _items(cache)] and _items(cache), REFRESH * 3 + 30), (
            "the player kept the withdrawn alert"
        )
        # Without a shared cache (SQLite runs) the server's page cache lives to the end of the minute.
        home = urllib.request.Request(live_site.url("127.0.0.1", "/"), headers={"Host": f"{HOST}:{live_site.port}"})
        assert _wait(
            lambda: "emergency-banner" not in urllib.request.urlopen(home, timeout=10).read().decode(), 65, step=1
        ), "the banner stayed"
        page.context.close()
    finally:
        _stop(player, worker, server)
        logs.close()
