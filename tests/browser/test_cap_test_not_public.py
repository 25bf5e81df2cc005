"""A CAP message with status Test, imported through the admin's "Nhập cảnh báo CAP" form by a
district's staff with "Xuất bản ngay" ticked, is saved and published as a test: the admin tags
it, a real task worker rebuilds the commune's board, and yet the board's playlist JSON holds no
emergency, the commune's home shows no banner (read on a phone in a real browser) and the
alert's page answers 404 to the public. The same form with an Actual message puts the banner
up and the emergency on the board (the checks can fail)."""

import datetime
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import ROOT, sign_in
from .test_player_offline import _shell, _stop, _wait

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-cap-thu-2026"
USER = "kd-cau-ke-cap-thu"
DISTRICT_HOST = "cau-ke.tra-vinh.localhost"
COMMUNE_HOST = "ninh-thoi.cau-ke.tra-vinh.localhost"  # Xã Ninh Thới (29323): no other test uses it
TEST_HEADLINE = "Thử nghiệm: lũ quét ở xã Ninh Thới"
REAL_HEADLINE = "Lũ quét ở xã Ninh Thới, di dời ngay"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage, CommuneHomePage
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
district = AreaPage.objects.get(structure="2024", level="district", code="845")
user, _ = get_user_model().objects.get_or_create(username="{USER}")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(district.moderators_group)
home = CommuneHomePage.objects.get(structure="2024", code="29323")
index = AnnouncementIndexPage.objects.child_of(home).get()
notice = AnnouncementPage(title="Thông báo họp dân ấp Ninh Thới", summary="Họp dân tại nhà văn hoá ấp.")
index.add_child(instance=notice)
notice.save_revision().publish()
board = Board.objects.create(owner=home, name="Bảng LED chợ Ninh Thới", width=384, height=192)
rebuild(board)
print(board.pk, issue_token(board))
"""


def cap_xml(identifier, headline, status):
    now = datetime.datetime.now(datetime.UTC).astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    now = now.replace(microsecond=0)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>kttv.travinh.gov.vn</sender>
  <sent>{now.isoformat()}</sent>
  <status>{status}</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Lũ quét</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <onset>{(now - datetime.timedelta(minutes=5)).isoformat()}</onset>
    <expires>{(now + datetime.timedelta(hours=3)).isoformat()}</expires>
    <headline>{headline}</headline>
    <description>Mưa lớn gây lũ quét ở các ấp ven sông.</description>
    <instruction>Di dời người và tài sản đến nơi cao ngay.</instruction>
    <area>
      <areaDesc>Xã Ninh Thới</areaDesc>
      <geocode><valueName>VN-DVHC</valueName><value>29323</value></geocode>
    </area>
  </info>
</alert>
"""


def _get(live_site, host, path, token=None):
    """(status, body) of a GET through 127.0.0.1 with the site's Host header."""
    headers = {"Host": f"{host}:{live_site.port}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{live_site.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _playlist(live_site, board, token):
    status, body = _get(live_site, DISTRICT_HOST, f"/api/boards/v1/{board}/playlist.json", token)
    assert status == 200, status
    return json.loads(body)


def _rebuilt_since(live_site, board, since):
    """Whether the worker finished rebuilding `board` after `since` (a UNIX time)."""
    code = (
        "import datetime; from django_q.models import Success; "
        f"since = datetime.datetime.fromtimestamp({since}, datetime.UTC); "
        "print(any((t.result or {}).get('board') == " + board + " for t in "
        "Success.objects.filter(func='boards.tasks.rebuild_board', stopped__gte=since)))"
    )
    return _shell(live_site, code) == "True"


def _import(desk, live_site, identifier, headline, status):
    desk.goto(live_site.url(DISTRICT_HOST, "/admin/thong-tin-nguon/nhap-cap/"))
    desk.locator("textarea[name=text]").fill(cap_xml(identifier, headline, status))
    desk.get_by_label("Xuất bản ngay").check()
    desk.get_by_role("button", name="Nhập", exact=True).click()
    desk.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))


def test_a_cap_test_alert_is_saved_but_reaches_no_one(live_site, browser, phone, artifacts_dir, tmp_path):
    board, token = _shell(live_site, SETUP).split()
    assert _playlist(live_site, board, token)["emergency"] is False
    logs = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=live_site.env, stdout=logs, stderr=subprocess.STDOUT
    )
    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000}).new_page()
    try:
        sign_in(desk, live_site.url(DISTRICT_HOST, ""), USER, PASSWORD)  # password, then the second factor

        since = time.time()
        _import(desk, live_site, "VN-KTTV-TV-THU-NGHIEM-1", TEST_HEADLINE, "Test")
        # Saved, published, and tagged as a test in the admin.
        assert f"[Thử nghiệm] {TEST_HEADLINE}" in desk.title()
        assert "không hiện công khai" in desk.locator(".messages").inner_text()
        desk.screenshot(path=str(artifacts_dir / "cap-test-admin.png"), full_page=True)
        live, status, url = _shell(
            live_site,
            "from sources.models import EmergencyAlertPage; "
            f"p = EmergencyAlertPage.objects.get(title='{TEST_HEADLINE}'); print(p.live, p.cap_status, p.full_url)",
        ).split()
        assert (live, status) == ("True", "Test")

        # The worker rebuilt the board the alert targets: its playlist has no emergency.
        assert _wait(lambda: _rebuilt_since(live_site, board, since), 90, step=1), "the worker never rebuilt the board"
        playlist = _playlist(live_site, board, token)
        assert playlist["emergency"] is False
        assert [item["title"] for item in playlist["items"]] == ["Thông báo họp dân ấp Ninh Thới"]

        # The commune's home on a phone: no banner. The alert's own page: 404 for the public.
        phone.goto(live_site.url(COMMUNE_HOST, "/?lan=1"))
        assert phone.get_by_role("alert").count() == 0 and TEST_HEADLINE not in phone.content()
        phone.screenshot(path=str(artifacts_dir / "cap-test-commune-phone.png"), full_page=True)
        assert _get(live_site, DISTRICT_HOST, urllib.parse.urlsplit(url).path)[0] == 404
        assert TEST_HEADLINE not in _get(live_site, DISTRICT_HOST, "/thong-tin-nguon/")[1]

        # The same form with an Actual message: the banner and the board's emergency.
        _import(desk, live_site, "VN-KTTV-TV-THAT-1", REAL_HEADLINE, "Actual")
        assert REAL_HEADLINE in desk.title() and "[Thử nghiệm]" not in desk.title()
        assert _wait(lambda: _playlist(live_site, board, token)["emergency"], 90, step=1), "no emergency on the board"
        phone.goto(live_site.url(COMMUNE_HOST, "/?lan=2"))
        assert REAL_HEADLINE in phone.get_by_role("alert").inner_text()
    finally:
        _shell(
            live_site,
            "from sources.models import EmergencyAlertPage\n"
            f"for p in EmergencyAlertPage.objects.filter(title__in=['{TEST_HEADLINE}', '{REAL_HEADLINE}'], live=True):\n"
            "    p.unpublish()\n"
            "print('ok')",
        )
        desk.context.close()
        _stop(worker)
        logs.close()
