"""The pages A-SMIL players show in a screen's clock and ticker zones (boards/static/boards/,
boards/smil.py), in Debian's chromium as a signage player's browser would show them: served
over HTTP with the layout's font, everything read from the query string."""

import functools
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
TEXT = "KHẨN CẤP: Bão số 9 đổ bộ • Thông báo lịch tiêm chủng"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """boards/static/boards/ and the theme's font on a loopback HTTP server: its base URL."""
    shutil.copytree(ROOT / "boards" / "static" / "boards", tmp_path / "static" / "boards")
    (tmp_path / "media").mkdir()
    shutil.copy(ROOT / "themes" / "default" / "fonts" / "NotoSans-Bold.ttf", tmp_path / "media" / "font.ttf")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def open_page(browser, url, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(  # every file the page needs is there (the browser's own favicon request aside)
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and errors.append(f"{response.status} {response.url}")
        ),
    )
    return context, page, errors


def test_the_clock_page_shows_the_zones_time_and_date(browser, served):
    query = urlencode(
        {
            "time": "%H:%M",
            "date": "{weekday}, %d/%m/%Y",
            "days": "|".join(WEEKDAYS),
            "offset": "+07:00",
            "fg": "#FFFFFF",
            "bg": "#0A4F95",
            "font": f"{served}/media/font.ttf",
        }
    )
    context, page, errors = open_page(browser, f"{served}/static/boards/zone-clock.html?{query}", (480, 240))
    try:
        page.clock.set_fixed_time("2026-11-22T17:59:10Z")  # 00:59 on Monday 23 November in Việt Nam
        page.goto(f"{served}/static/boards/zone-clock.html?{query}")
        assert page.locator("#time").inner_text() == "00:59"
        assert page.locator("#date").inner_text() == "Thứ Hai, 23/11/2026"
        page.clock.set_fixed_time("2026-11-22T18:00:10Z")  # a minute later
        page.wait_for_function("document.getElementById('time').textContent === '01:00'", timeout=5000)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(10, 79, 149)"
        page.wait_for_function("document.fonts.check('40px ZoneFont')", timeout=5000)  # the layout's font
        assert errors == []
    finally:
        context.close()


def test_the_ticker_page_scrolls_its_text_right_to_left(browser, served):
    query = urlencode(
        {"text": TEXT, "sep": "   •   ", "speed": 200, "px": 36, "fg": "#FFFFFF", "bg": "#B3161B"}
        | {"font": f"{served}/media/font.ttf"}
    )
    context, page, errors = open_page(browser, f"{served}/static/boards/zone-ticker.html?{query}", (640, 60))
    try:
        page.goto(f"{served}/static/boards/zone-ticker.html?{query}")
        assert TEXT in page.locator("#strip").inner_text()
        page.wait_for_function("document.fonts.check('36px ZoneFont')", timeout=5000)
        where = "document.getElementById('strip').getBoundingClientRect().left"
        first = page.evaluate(where)
        time.sleep(0.5)
        second = page.evaluate(where)
        assert second < first - 40  # about 100 px at 200 px/s
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(179, 22, 27)"
        assert errors == []
    finally:
        context.close()
