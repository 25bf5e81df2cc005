"""A commune editor arranges a screen's playlist in a real browser ("Sắp xếp danh sách phát"):
drags an item to the top, moves another up with the ↑ button, pins a third, gives one its own
duration, leaves one off the board, saves; the page shows the new order as the server composes
it, and after "Dựng lại ngay" the board's playlist (PlaylistVersion.items) plays it."""

import json
import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-sap-xep-2026"
TITLES = [  # newest first: the default order
    "Lịch tiêm chủng mở rộng tháng 12",
    "Thông báo thu thuế sử dụng đất",
    "Họp dân ấp Nhị Hòa bàn làm đường",
    "Lịch cắt điện ngày chủ nhật",
]

SETUP = f"""
import datetime
from django.contrib.auth import get_user_model
from django.utils import timezone
from areas.models import CommuneHomePage
from boards.models import Board
from boards.publishing import rebuild
from tests.factories import announcement
home = CommuneHomePage.objects.get(structure="2024", code="29302")  # Nhị Long, Càng Long
user, _ = get_user_model().objects.get_or_create(username="bientap-sx-nhi-long")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(home.editors_group)
now = timezone.now()
for n, title in enumerate({TITLES!r}):
    announcement(home, title, valid_from=now - datetime.timedelta(hours=n + 1))
board = Board.objects.create(owner=home, name="Bảng tin chợ Nhị Long", width=384, height=192, default_slide_seconds=8)
rebuild(board)
print(board.pk, home.get_site().hostname)
"""

VERSION = """
from boards.models import Board
import json
version = Board.objects.get(pk={board}).current_version
print(json.dumps([[i["title"], i["duration_s"]] for i in version.items], ensure_ascii=False))
"""


def _shell(live_site, code):
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def test_an_editor_reorders_pins_times_and_leaves_off_items(live_site, browser, artifacts_dir):
    board, host = _shell(live_site, SETUP).split()
    a, b, c, d = TITLES
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors = []  # a script refused by the admin's Content-Security-Policy shows here
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        origin = live_site.url(host, "").rstrip("/")
        sign_in(page, origin, "bientap-sx-nhi-long", PASSWORD)
        page.goto(live_site.url(host, f"/admin/bang-dien-tu/preview/{board}/"))
        page.get_by_role("link", name="Sắp xếp danh sách phát").click()
        page.wait_for_url(re.compile(rf"/admin/bang-dien-tu/danh-sach-phat/{board}/$"))
        rows = page.locator("form[data-playlist] li.playlist-item")
        titles = rows.locator(".playlist-title")
        assert titles.all_inner_texts() == [a, b, c, d]  # the order they play now
        assert "Cụm loa truyền thanh không sắp xếp ở đây" in page.content()

        def row(title):
            return page.locator("form[data-playlist] li.playlist-item", has_text=title)

        # Drag the last item to the top.
        row(d).drag_to(rows.first, target_position={"x": 40, "y": 3})
        assert titles.all_inner_texts() == [d, a, b, c]
        # Move "c" up with the keyboard: focus its ↑ button and press Enter.
        row(c).get_by_role("button", name=f"Lên trên: {c}").press("Enter")
        assert titles.all_inner_texts() == [d, a, c, b]
        # Pin "b": it goes to the top, where pinned items play.
        row(b).get_by_text("Ghim lên đầu").click()
        assert titles.all_inner_texts() == [b, d, a, c]
        # Twenty seconds for "a"; leave "c" off this board.
        row(a).get_by_label(f"Thời lượng (giây) của {a}").fill("20")
        row(c).get_by_text("Không hiện trên bảng này").click()
        page.screenshot(path=str(artifacts_dir / "playlist-edit-before-save.png"), full_page=True)
        page.get_by_role("button", name="Lưu", exact=True).click()
        page.wait_for_load_state()

        assert "Đã lưu thứ tự danh sách phát." in page.content()
        # The page now shows the server's order: pinned first, the excluded one off the board.
        assert titles.all_inner_texts() == [b, d, a, c]
        playing = [" ".join(t.split()) for t in page.locator(".playlist-now-items li").all_inner_texts()]
        assert playing == [f"GHIM {b} · 8 giây", f"{d} · 8 giây", f"{a} · 20 giây"]
        assert "không phát: đã bỏ khỏi bảng này" in row(c).inner_text()
        assert row(b).get_by_label(f"Ghim lên đầu: {b}").is_checked()
        assert row(a).get_by_label(f"Thời lượng (giây) của {a}").input_value() == "20"
        page.screenshot(path=str(artifacts_dir / "playlist-edit-saved.png"), full_page=True)

        # The board's playlist after a rebuild ("Dựng lại ngay" on the preview).
        page.get_by_role("link", name="Xem trước và dựng lại danh sách phát").click()
        page.get_by_role("button", name="Dựng lại ngay").click()
        page.wait_for_load_state()
        assert "Đã dựng danh sách phát mới" in page.content()
        items = json.loads(_shell(live_site, VERSION.format(board=board)))
        assert items == [[b, 8.0], [d, 8.0], [a, 20.0]]

        # On a phone the screen is usable: no sideways scroll, the ↑ ↓ buttons big enough to tap.
        page.goto(live_site.url(host, f"/admin/bang-dien-tu/danh-sach-phat/{board}/"))
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        button = row(d).get_by_role("button", name=f"Lên trên: {d}").bounding_box()
        assert button["height"] >= 40 and button["width"] >= 40
        page.screenshot(path=str(artifacts_dir / "playlist-edit-phone.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
