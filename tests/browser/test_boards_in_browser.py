"""A commune editor previews their board's playlist in the admin, in a real browser: the
thumbnails keep the board's aspect and the files are the board's exact pixel size."""

import re

import pytest

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
PASSWORD = "Mat-khau-bang-2026"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from boards.models import Board
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
user, _ = get_user_model().objects.get_or_create(username="bt-bang-an-truong")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(home.editors_group)
index = AnnouncementIndexPage.objects.child_of(home).get()
if not AnnouncementPage.objects.child_of(index).filter(slug="lich-tiep-cong-dan-thang-12").exists():
    page = AnnouncementPage(title="Lịch tiếp công dân tháng 12", slug="lich-tiep-cong-dan-thang-12",
                            summary="Chủ tịch UBND xã tiếp công dân vào thứ Năm hằng tuần.")
    index.add_child(instance=page)
    page.save_revision().publish()
board, _ = Board.objects.get_or_create(owner=home, name="Màn hình đứng một cửa",
                                       defaults={{"width": 1080, "height": 1920}})
print(board.pk, rebuild(board)[0].number)
"""


def test_editor_previews_the_board_playlist(live_site, browser, artifacts_dir):
    out = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    board_id = out.split()[0]
    page = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_site.url(HOST, "/admin/login/"))
    page.fill("#id_username", "bt-bang-an-truong")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(live_site.url(HOST, "/admin/bang-dien-tu/"))
    assert "Màn hình đứng một cửa" in page.content()
    page.goto(live_site.url(HOST, f"/admin/bang-dien-tu/preview/{board_id}/"))
    thumb = page.locator("img.board-thumb").first
    thumb.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.board-thumb')].every(i => i.complete && i.naturalWidth)"
    )
    natural = page.evaluate(
        "[...document.querySelectorAll('img.board-thumb')].map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert natural and all(size == [1080, 1920] for size in natural)
    box = thumb.bounding_box()
    assert abs(box["height"] / box["width"] - 1920 / 1080) < 0.02  # the board's true aspect
    page.screenshot(path=str(artifacts_dir / "board-preview-admin.png"), full_page=True)
    # The monitoring page lists it (never seen: no player has reported yet).
    page.goto(live_site.url(HOST, "/admin/bang-dien-tu-giam-sat/"))
    assert "Màn hình đứng một cửa" in page.content()
    page.screenshot(path=str(artifacts_dir / "board-monitoring-admin.png"), full_page=True)
    page.context.close()
