"""“Bản đồ bảng và loa” in a real browser (Debian's chromium): a commune editor opens the map; the
tiles come from a tile server of the test's own on 127.0.0.1 (MAP_TILE_URL, another origin, which
the admin's Content-Security-Policy must allow); the markers of their commune's boards and cluster
show in the colours of their states and the right shapes, the other commune's board never; a
popup tells the board's details and links to its screens; the filter hides markers; the board
without coordinates is listed with its link; on a phone the map fits the screen. No request goes
to any origin but the site and the tile server."""

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from PIL import Image

from .conftest import _free_port, sign_in
from .test_player_offline import _serve, _stop

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
USERNAME = "bt-ban-do-an-truong"
PASSWORD = "Mat-khau-ban-do-2026"
# The colours a user sees (boards/map_views.py STATES), as the browser computes them.
GREEN, RED, GREY = "rgb(46, 125, 50)", "rgb(198, 40, 40)", "rgb(117, 117, 117)"

SETUP = f"""
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from areas.models import CommuneHomePage
from boards.models import Board, BoardStatus
home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
other = CommuneHomePage.objects.get(structure="2024", short_name="Đông Hải")
user, _ = get_user_model().objects.get_or_create(username="{USERNAME}")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(home.editors_group)
def board(owner, name, **fields):
    board, _ = Board.objects.update_or_create(owner=owner, name=name, defaults=fields)
    return board
screen = board(home, "Màn hình UBND xã (bản đồ)", latitude="9.9921", longitude="106.2012", width=1920,
               height=1080, address="Ấp Chợ, xã An Trường", refresh_seconds=3600)
led = board(home, "Bảng LED chợ (bản đồ)", kind="led", latitude="9.9804", longitude="106.2155", width=192, height=96,
            address="Chợ An Trường")
cluster = board(home, "Cụm loa ấp Giồng (bản đồ)", kind="audio", latitude="9.9712", longitude="106.1893")
unlocated = board(home, "Bảng trường học chưa định vị (bản đồ)", width=384, height=192)
foreign = board(other, "Bảng bến cá Đông Hải (bản đồ)", latitude="9.6101", longitude="106.5202", width=384, height=192)
now = timezone.now()
BoardStatus.objects.update_or_create(board=screen, defaults={{"last_seen_at": now}})
BoardStatus.objects.update_or_create(board=led, defaults={{"last_seen_at": now - datetime.timedelta(hours=5)}})
BoardStatus.objects.update_or_create(board=foreign, defaults={{"last_seen_at": now}})
located = Board.objects.filter(owner=home, is_active=True, latitude__isnull=False).values_list("pk", flat=True)
print(json.dumps({{"screen": screen.pk, "led": led.pk, "cluster": cluster.pk, "unlocated": unlocated.pk,
                  "foreign": foreign.pk, "located": sorted(located)}}))
"""


def _tile_png():
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (228, 236, 222)).save(out, "PNG")
    return out.getvalue()


class TileServer:
    """A tile server on 127.0.0.1: every /{z}/{x}/{y}.png is the same pale square; the paths asked
    for are kept."""

    def __init__(self):
        tile, asked = _tile_png(), []
        self.asked = asked

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(self.path)
                if not re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def map_site(live_site, tmp_path):
    """The live site's database served by a server of its own whose MAP_TILE_URL is the tile server."""
    tiles = TileServer()
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    site = live_site.__class__(port, {**live_site.env, "MAP_TILE_URL": tiles.origin + "/{z}/{x}/{y}.png"})
    server = _serve(site, port, log)
    try:
        yield site, tiles
    finally:
        _stop(server)
        log.close()
        tiles.close()


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_editor_sees_the_map_of_their_boards(live_site, map_site, browser, artifacts_dir):
    site, tiles = map_site
    ids = json.loads(live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1])
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested, problems = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    origin = site.url(HOST, "").rstrip("/")
    sign_in(page, origin, USERNAME, PASSWORD)

    # The menu leads there, beside "Giám sát bảng điện tử".
    page.get_by_role("button", name=re.compile("Báo cáo")).click()
    page.get_by_role("link", name="Bản đồ bảng và loa").click()
    page.wait_for_url(re.compile(r"/admin/bang-dien-tu-ban-do/$"))
    page.locator("[data-board-map][data-ready=true]").wait_for()
    assert page.get_by_role("heading", name="Bản đồ bảng và loa").is_visible()

    markers = page.locator(".tincoso-marker")
    shown = sorted(int(b) for b in page.eval_on_selector_all(".tincoso-marker", "m => m.map(e => e.dataset.board)"))
    assert shown == ids["located"]  # the commune's located boards, each once
    assert {ids["screen"], ids["led"], ids["cluster"]} <= set(shown)
    assert ids["foreign"] not in shown and ids["unlocated"] not in shown
    assert "Đông Hải" not in page.content()

    def marker(board):
        return page.locator(f'.tincoso-marker[data-board="{board}"]')

    def colour(board):
        return marker(board).evaluate("m => getComputedStyle(m.querySelector('.tincoso-marker-fill')).fill")

    assert colour(ids["screen"]) == GREEN
    assert colour(ids["led"]) == RED
    assert colour(ids["cluster"]) == GREY
    assert "tincoso-marker--screen" in marker(ids["screen"]).get_attribute("class")
    assert "tincoso-marker--screen" in marker(ids["led"]).get_attribute("class")
    assert "tincoso-marker--speaker" in marker(ids["cluster"]).get_attribute("class")
    assert marker(ids["led"]).get_attribute("title") == "Bảng LED chợ (bản đồ) – Bảng LED – Ngoại tuyến"

    # The map fits the markers: every one lies inside the map's box.
    box = page.locator("[data-board-map]").bounding_box()
    for board in shown:
        spot = marker(board).bounding_box()
        assert box["x"] <= spot["x"] and spot["x"] + spot["width"] <= box["x"] + box["width"]
        assert box["y"] <= spot["y"] and spot["y"] + spot["height"] <= box["y"] + box["height"]
    # The tiles came from the tile server and are drawn.
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    assert any(re.fullmatch(r"/\d+/\d+/\d+\.png", path) for path in tiles.asked)
    legend = page.locator("[data-map-filter]")
    assert legend.get_by_text("Trực tuyến (").is_visible() and legend.get_by_text("Ngoại tuyến (").is_visible()

    # A popup with the board's details and its screens.
    marker(ids["led"]).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    for expected in ("Bảng LED chợ (bản đồ)", "Ngoại tuyến từ", "Xã An Trường", "Chợ An Trường", "192×96", "Bảng LED"):
        assert expected in text, text
    assert re.search(r"Tín hiệu cuối: \d\d:\d\d \d\d/\d\d/\d{4}", text), text
    assert popup.get_by_role("link", name="Xem trước").get_attribute("href") == (
        f"/admin/bang-dien-tu/preview/{ids['led']}/"
    )
    assert page.locator(".leaflet-popup-close-button").get_attribute("aria-label") == "Đóng"
    page.screenshot(path=str(artifacts_dir / "board-map-admin.png"), full_page=True)

    # The filter: offline boards, then loudspeaker clusters, hidden.
    page.get_by_role("checkbox", name=re.compile(r"^Ngoại tuyến")).uncheck()
    assert marker(ids["led"]).count() == 0 and markers.count() == len(shown) - 1
    page.get_by_role("checkbox", name=re.compile(r"^Cụm loa truyền thanh")).uncheck()
    assert marker(ids["cluster"]).count() == 0 and marker(ids["screen"]).count() == 1
    assert "Đang hiện" in page.locator("[data-map-status]").inner_text()
    page.get_by_role("checkbox", name=re.compile(r"^Ngoại tuyến")).check()
    assert marker(ids["led"]).count() == 1

    # Below the map: the board without coordinates, with the link to give it some.
    row = page.locator(f'[data-unlocated-board="{ids["unlocated"]}"]')
    assert "Bảng trường học chưa định vị (bản đồ)" in row.inner_text()
    assert row.get_by_role("link", name=re.compile("Nhập tọa độ")).get_attribute("href") == (
        f"/admin/bang-dien-tu/edit/{ids['unlocated']}/"
    )

    # The popup's "Điều khiển" opens the board's control screen.
    marker(ids["screen"]).click()
    page.locator(".leaflet-popup-content").get_by_role("link", name="Điều khiển").click()
    page.wait_for_url(re.compile(rf"/admin/bang-dien-tu/dieu-khien/{ids['screen']}/$"))
    assert "Màn hình UBND xã (bản đồ)" in page.content()

    # On a phone the map fills the width without a horizontal scroll, markers still there.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(origin + "/admin/bang-dien-tu-ban-do/")
    page.locator("[data-board-map][data-ready=true]").wait_for()
    assert markers.count() == len(shown)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    phone_box = page.locator("[data-board-map]").bounding_box()
    assert phone_box["width"] <= 360 and phone_box["height"] >= 300
    page.screenshot(path=str(artifacts_dir / "board-map-phone.png"), full_page=True)

    # Nothing left the site but the tiles; no script error, no policy violation.
    origins = {_origin(url) for url in requested if url.startswith("http")}
    assert origins == {origin, tiles.origin}, origins
    assert not problems, problems
    context.close()
