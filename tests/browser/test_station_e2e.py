"""The loudspeaker station end to end (issue 16), against the real server on loopback: a
commune editor uploads a recorded programme in Debian's chromium; the real django-q2 worker
normalises it; the headless reference player (a separate process) downloads it, airs it at a
broadcast time and reports it; the broadcast log shows the airing and exports it."""

import re
import subprocess
import sys
import time

import pytest

from tests.station.sounds import programme as make_programme

from .conftest import ROOT, run_player

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
PASSWORD = "x-Strong-pass-123"
TITLE = "Chương trình phát thanh tuần 49 của xã"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
from boards.models import Board
from boards.api import issue_token
home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
user, _ = get_user_model().objects.get_or_create(username="bientap-dai-an-truong")
user.set_password("{PASSWORD}")
user.save()
user.groups.add(home.editors_group)
board, _ = Board.objects.get_or_create(owner=home, name="Cụm loa ấp Cao Một", defaults={{"kind": "audio"}})
print(board.pk, issue_token(board))
"""


def _shell(live_site, code):
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def test_an_uploaded_programme_is_aired_by_the_player_and_logged(live_site, browser, tmp_path):
    board, token = _shell(live_site, SETUP).split()
    source = make_programme(tmp_path / "tuan-49.mp3", seconds=4, level_db=-30)

    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=live_site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page.goto(live_site.url(HOST, "/admin/login/"))
        page.fill("#id_username", "bientap-dai-an-truong")
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/admin/$"))
        page.goto(live_site.url(HOST, "/admin/chuong-trinh-phat-thanh/new/"))
        page.get_by_role("textbox", name=re.compile("^Tên chương trình")).fill(TITLE)
        page.locator("input[type=file][name=upload]").set_input_files(str(source))
        page.locator("#w-editor-form button[type=submit]").click()
        page.wait_for_load_state()
        errors = page.locator(".error-message, .help-critical").all_inner_texts()
        assert page.url.endswith("/admin/chuong-trinh-phat-thanh/"), errors
        assert TITLE in page.content()
        # The worker normalises it; its row then offers it to listen to (other tests' programmes
        # of the same commune may be listed too).
        row = page.locator("table tbody tr", has_text=TITLE)
        deadline = time.time() + 180
        while time.time() < deadline and row.locator("audio").count() == 0:
            time.sleep(1)
            page.reload()
        assert row.locator("audio").count() == 1, row.inner_text()
        assert re.search(r"-\d+\.\d → -1[5-7]\.\d LUFS", row.inner_text())
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    # The reference player, headless: airs it as at a broadcast time and reports the play.
    log = tmp_path / "player.log"
    result = run_player(
        live_site, board, token, tmp_path / "player", "--once", "--broadcast-now", "--log", str(log), "--timeout", "20"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"phát âm thanh: {TITLE} \(4\.\d s\)", log.read_text("utf-8"))

    # The broadcast log in the browser, and its CSV.
    page.goto(live_site.url(HOST, f"/admin/dai-truyen-thanh/nhat-ky/?cum={board}"))
    row = page.locator("table.listing tbody tr", has_text=TITLE).first
    assert "Chương trình thu sẵn" in row.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert TITLE in text and "Cụm loa ấp Cao Một" in text
    context.close()


PROGRAMME_SETUP = f"""
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from areas.models import AreaPage, CommuneHomePage
from boards.models import Board
from tests.factories import announcement, push
home = CommuneHomePage.objects.get(structure="2024", short_name="Tân An")
district = home.get_parent().specific
user, _ = get_user_model().objects.get_or_create(username="bientap-ct-tan-an")
user.set_password("{PASSWORD}")
user.save()
user.groups.add(home.editors_group)
Board.objects.get_or_create(owner=home, name="Cụm loa trung tâm", defaults={{"kind": "audio", "broadcast_times": "12:00"}})
announcement(home, "Thông báo thu thuế sử dụng đất")
announcement(home, "Thông báo lịch tiêm phòng dại cho chó mèo")
push(district, "Tuyên truyền an toàn giao thông dịp Tết", communes=[home])
print(home.pk, (timezone.localdate() + datetime.timedelta(days=1)).isoformat())
"""


def test_the_commune_places_a_waiting_item_and_reorders_a_slot_by_dragging(live_site, browser):
    commune, day = _shell(live_site, PROGRAMME_SETUP).split()
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(live_site.url(HOST, "/admin/login/"))
        page.fill("#id_username", "bientap-ct-tan-an")
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/admin/$"))
        page.goto(live_site.url(HOST, f"/admin/dai-truyen-thanh/chuong-trinh/?xa={commune}&ngay={day}"))
        waiting = page.locator(".station-waiting li", has_text="Tuyên truyền an toàn giao thông dịp Tết")
        assert waiting.count() == 1
        slot = page.locator(".station-slot", has_text="Khung 12:00")
        titles = slot.locator(".station-items li strong")
        assert "Tuyên truyền an toàn giao thông" not in " ".join(titles.all_inner_texts())
        # Place it in the 12:00 slot.
        waiting.get_by_label("12:00").check()
        waiting.get_by_role("button", name="Đưa vào").click()
        page.wait_for_load_state()
        assert "Đã đưa vào 1 khung giờ" in page.content()
        first = titles.nth(0).inner_text()
        assert first == "Tuyên truyền an toàn giao thông dịp Tết"
        assert page.locator(".station-waiting li", has_text="Tuyên truyền an toàn giao thông").count() == 0
        # Drag the last item to the top: the order is saved at once.
        last = slot.locator(".station-items li").last
        moved = last.locator("strong").inner_text()
        with page.expect_navigation():
            last.drag_to(slot.locator(".station-items li").first, target_position={"x": 20, "y": 3})
        assert "Đã lưu thứ tự khung 12:00" in page.content()
        assert (
            page.locator(".station-slot", has_text="Khung 12:00")
            .locator(".station-items li strong")
            .nth(0)
            .inner_text()
            == moved
        )
        # On a phone the page is usable too: no sideways scroll.
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
