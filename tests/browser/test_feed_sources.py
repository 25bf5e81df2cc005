"""A commune editor adds an external feed in a real browser ("Nguồn tin ngoài"), whose address
is on the server's own network: "Kiểm tra ngay" reads it at once and shows why it is refused,
in red in the list too, and the board's preview warns that the source is skipped. The server
runs with FEEDS_ALLOW_PRIVATE_ADDRESSES off, as in production; the feed itself is real (an RSS
file served on 127.0.0.1), and it is never requested."""

import http.server
import re
import threading

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-nguon-tin-2026"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
from boards.models import Board
home = CommuneHomePage.objects.get(structure="2024", code="29302")  # Nhị Long, Càng Long
user, _ = get_user_model().objects.get_or_create(username="bientap-nguon-nhi-long")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(home.editors_group)
board = Board.objects.create(owner=home, name="Bảng hội trường Nhị Long", width=1920, height=1080, layout="side")
print(board.pk, home.get_site().hostname)
"""


class _Feed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hits += 1
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    httpd.hits = 0
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_an_editor_adds_a_feed_and_sees_why_it_is_refused(live_site, browser, feed_server, artifacts_dir):
    out = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    board, host = out.split()
    feed_url = f"http://127.0.0.1:{feed_server.server_address[1]}/tin.rss"
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        origin = live_site.url(host, "").rstrip("/")
        sign_in(page, origin, "bientap-nguon-nhi-long", PASSWORD)
        page.goto(origin + "/admin/nguon-tin-ngoai/new/")
        page.fill("#id_name", "Cổng thông tin tỉnh")
        page.fill("#id_url", feed_url)
        page.check("#id_show_in_panel")
        page.get_by_role("button", name="Tạo", exact=True).click()
        page.wait_for_url(re.compile(r"/admin/nguon-tin-ngoai/$"))
        page.get_by_role("link", name="Kiểm tra ngay").click()
        page.wait_for_url(re.compile(r"/admin/nguon-tin-ngoai/kiem-tra/\d+/$"))
        assert "Chưa có mục nào" in page.content()
        page.get_by_role("button", name="Kiểm tra ngay").click()
        page.wait_for_load_state()
        alert = page.get_by_role("alert").filter(has_text="Lỗi lần đọc gần nhất")
        assert "trỏ vào mạng nội bộ (127.0.0.1)" in alert.inner_text()
        page.screenshot(path=str(artifacts_dir / "feed-source-refused.png"), full_page=True)
        assert feed_server.hits == 0  # refused before connecting

        page.goto(origin + "/admin/nguon-tin-ngoai/")
        error = page.locator(".feed-error").first
        assert "mạng nội bộ" in error.inner_text()
        red, green, blue = map(int, re.findall(r"\d+", error.evaluate("e => getComputedStyle(e).color"))[:3])
        assert red > 150 and green < 100 and blue < 100  # shown in red

        page.goto(origin + f"/admin/bang-dien-tu/preview/{board}/")
        warning = page.locator(".help-warning", has_text="Nguồn tin ngoài đang lỗi")
        assert "Cổng thông tin tỉnh" in warning.inner_text() and "mạng nội bộ" in warning.inner_text()
    finally:
        context.close()
