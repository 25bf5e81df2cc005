"""Zoned screens from content to player: slides at the main zone's size, the scrolling line of
valid announcements (emergencies first), the clock left to the player (no date in the slides, no
midnight rebuild), the side panel's picture, the layout in playlist.json, the admin's preview of
the whole screen at its exact size, and a layout that no longer fits recorded, not fatal."""

import datetime
import io
import json
import os

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from boards.api import issue_token
from boards.models import Board, BoardLayout, RenderProblem
from boards.publishing import rebuild, slide_size
from sources.models import EmergencyAlertPage
from tests.factories import announcement, news, push


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def board(owner, width, height, layout, **fields):
    return Board.objects.create(
        owner=owner, name=f"Bảng {width}×{height}", width=width, height=height, layout=layout, **fields
    )


def on_disk(item):
    return os.path.join(settings.MEDIA_ROOT, item["url"].removeprefix(settings.MEDIA_URL))


def zone(version, zone_id):
    return next(z for z in version.schedule["layout"]["zones"] if z["id"] == zone_id)


@pytest.mark.django_db
def test_an_led_board_shows_headlines_above_a_line_of_valid_announcements(commune):
    led = board(commune, 384, 192, BoardLayout.LED_SCROLL, kind="led", ticker_text="Đường dây nóng: 0294 3860 111")
    first = announcement(commune, "Lịch tiêm chủng tháng 12")
    second = announcement(commune, "Họp dân ấp Tân Định")
    news(commune, "Ra quân làm đường giao thông")
    version, created, _rendered, problems = rebuild(led)
    assert created and not problems
    for item in version.items:
        with Image.open(on_disk(item)) as png:
            assert png.size == (384, 128)  # the main zone, not the whole panel
    line = zone(version, "ticker")
    assert (line["x"], line["y"], line["width"], line["height"]) == (0, 128, 384, 64)
    # Announcements only (not news), newest first, then the board's own line.
    assert line["text"].split(" • ") == [second.title, first.title, "Đường dây nóng: 0294 3860 111"]
    assert line["emergency"] is False and line["crisp"] is True
    assert line["speed_px_s"] == 128.0 and 20 <= line["font_px"] <= 64
    font = version.schedule["layout"]["font"]
    assert os.path.getsize(on_disk(font)) == font["bytes"] and font["url"].endswith(".ttf")


@pytest.mark.django_db
def test_an_emergency_takes_the_whole_line_in_red(commune, province):
    screen = board(commune, 1920, 1080, BoardLayout.TICKER, ticker_text="Chào mừng")
    announcement(commune, "Lịch tiêm chủng tháng 12")
    alert = push(province, "Bão số 9 đổ bộ", communes=[commune], model=EmergencyAlertPage, instruction="Sơ tán ngay.")
    version, *_ = rebuild(screen)
    line = zone(version, "ticker")
    assert line["text"] == f"KHẨN CẤP: {alert.title}"
    assert line["emergency"] is True and line["background"] == "#B3161B"


@pytest.mark.django_db
def test_with_a_clock_zone_slides_leave_the_date_to_the_player(commune):
    side = board(commune, 1920, 1080, BoardLayout.SIDE_TICKER)
    plain = board(commune, 1920, 1080, BoardLayout.FULL)
    announcement(commune, "Lịch tiêm chủng tháng 12", valid_until=None)
    version, *_ = rebuild(side)
    assert slide_size(side) == (1440, 999)
    with Image.open(on_disk(version.items[0])) as png:
        assert png.size == (1440, 999)
    clock = zone(version, "clock")
    assert clock["time_format"] == "%H:%M" and clock["weekdays"][6] == "Chủ nhật"
    assert clock["utc_offset"] == "+07:00" and clock["timezone"] == "Asia/Ho_Chi_Minh"
    side.refresh_from_db()
    assert side.recompose_at is None  # nothing is dated: no midnight rebuild
    rebuild(plain)
    plain.refresh_from_db()
    assert plain.recompose_at is not None  # the full-screen board bakes the date in: it does
    assert timezone.localtime(plain.recompose_at).time() == datetime.time(0, 0)
    panel = zone(version, "panel")
    with Image.open(on_disk(panel)) as png:
        assert png.size == (panel["width"], panel["height"]) == (480, 759)


@pytest.mark.django_db
def test_playlist_json_carries_the_layout_with_absolute_urls(commune):
    screen = board(commune, 1920, 1080, BoardLayout.SIDE)
    announcement(commune, "Lịch tiêm chủng tháng 12")
    rebuild(screen)
    token = issue_token(screen)
    client = Client(HTTP_HOST="localhost")
    response = client.get(f"/api/boards/v1/{screen.pk}/playlist.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    layout = json.loads(response.content)["layout"]
    assert layout["name"] == "side" and [z["id"] for z in layout["zones"]] == ["main", "clock", "panel"]
    panel = layout["zones"][2]
    assert panel["url"].startswith("http") and panel["url"].endswith(f"{panel['sha256']}.png")
    assert layout["font"]["url"].endswith(".ttf")
    font = client.get("/" + layout["font"]["url"].split("/", 3)[3])
    assert font.status_code == 200 and font["Content-Type"] == "font/ttf"
    plain = board(commune, 384, 192, BoardLayout.FULL)
    rebuild(plain)
    token = issue_token(plain)
    body = json.loads(
        client.get(f"/api/boards/v1/{plain.pk}/playlist.json", HTTP_AUTHORIZATION=f"Bearer {token}").content
    )
    assert body["layout"] is None


@pytest.mark.django_db
def test_a_layout_that_no_longer_fits_is_recorded_and_the_slides_play_full_screen(commune):
    small = board(commune, 384, 192, BoardLayout.FULL)
    Board.objects.filter(pk=small.pk).update(width=128, height=64, layout=BoardLayout.SIDE_TICKER)
    small.refresh_from_db()
    announcement(commune, "Họp dân")
    version, _created, _rendered, problems = rebuild(small)
    assert "layout" not in version.schedule
    with Image.open(on_disk(version.items[0])) as png:
        assert png.size == (128, 64)
    problem = RenderProblem.objects.get(board=small, item_key="layout")
    assert "128×64" in problem.message and problem.title == "Bố cục màn hình"
    assert any("128×64" in message for _c, message in problems)


@pytest.mark.django_db
def test_the_admin_preview_shows_the_whole_screen_at_its_exact_size(
    commune, other_commune, admin_client, django_user_model
):
    screen = board(commune, 1920, 1080, BoardLayout.SIDE_TICKER, ticker_text="Đường dây nóng 1022")
    announcement(commune, "Lịch tiêm chủng tháng 12")
    rebuild(screen)
    page = admin_client.get(reverse("boards:preview", args=[screen.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cả màn hình, đúng cỡ 1920×1080" in html and "Đường dây nóng 1022" in html
    response = admin_client.get(reverse("boards:screen", args=[screen.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as png:
        assert png.size == (1920, 1080)
        # The ticker band is drawn (its background colour at the band's left end).
        assert png.convert("RGB").getpixel((2, 1075)) == (10, 79, 149)
    theirs = board(other_commune, 1920, 1080, BoardLayout.SIDE)
    rebuild(theirs)
    editor = django_user_model.objects.create_user("bien-tap-an-truong", password="Mat-khau-chon-2026")
    editor.groups.add(commune.editors_group)
    client = Client()
    client.force_login(editor)
    assert client.get(reverse("boards:screen", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("boards:screen", args=[screen.pk])).status_code == 200


@pytest.mark.django_db
def test_a_video_only_led_board_gets_the_whole_screen_with_the_line_scrolling(commune):
    import av

    led = board(commune, 192, 96, BoardLayout.LED_SCROLL, kind="led", output="video", default_slide_seconds=4)
    announcement(commune, "Lịch tiêm chủng tháng 12")
    version, _created, _rendered, problems = rebuild(led)
    assert not problems and version.video is not None
    path = os.path.join(settings.MEDIA_ROOT, version.video.path)
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (192, 96)
        frames = [f.to_ndarray(format="gray") for _, f in zip(range(30), container.decode(stream))]
    band = [f[64:, :].astype(int) for f in frames]
    top = [f[:64, :].astype(int) for f in frames]
    assert abs(band[0] - band[20]).mean() > 5  # the line moves
    assert abs(top[5] - top[20]).mean() < 2  # the headline stays
