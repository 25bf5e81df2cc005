"""Remote control of a board in the admin (boards/control_views.py) and what the Player API
tells a player about the channel (boards/api.py): only the board's unit and the units above it
command it; every command is in the board's history and Wagtail's audit log; bad values are
refused with a message; "tắt theo lịch" outside the hours; the playlist names the channel and
the screen's hours, and a player paired before the channel gets its broker credentials from
its own token."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import ModelLogEntry

from boards.api import issue_token
from boards.broker import check_password
from boards.models import Board, BoardCommand, BoardStatus, ChannelLink, CommandKind, OperatingHours
from boards.monitoring import board_state, scheduled_off
from boards.publishing import rebuild
from tests.factories import announcement

API = "/api/boards/v1"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True
    settings.MQTT_URL = settings.MQTT_PUBLIC_URL = "mqtt://bang.tinh.example.vn:1883"
    settings.MQTT_PREFIX = "tincoso"


def staff(unit, username):
    user = get_user_model().objects.create_user(username, password="x-Strong-pass-123")
    user.groups.add(unit.editors_group)
    return user


def board_of(owner, name="Bảng chợ An Trường", **fields):
    return Board.objects.create(owner=owner, name=name, width=384, height=192, **fields)


@pytest.mark.django_db
def test_only_the_boards_unit_and_those_above_command_it(client, commune, other_commune, district):
    board = board_of(commune)
    url = f"/admin/bang-dien-tu/dieu-khien/{board.pk}/"
    client.force_login(staff(other_commune, "bt_dong_hai"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"command": "restart"}).status_code in (403, 404)
    assert not BoardCommand.objects.exists()

    for user in (staff(commune, "bt_an_truong"), staff(district, "bt_cang_long")):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        for label in ("Cập nhật ngay", "Chụp màn hình", "Khởi động lại đầu phát", "Đặt âm lượng", "Lịch sử lệnh"):
            assert label in text
        response = client.post(url, {"command": "screenshot"}, follow=True)
        assert "Đã gửi lệnh “Chụp màn hình”." in response.content.decode()
    commands = BoardCommand.objects.filter(board=board, kind=CommandKind.SCREENSHOT)
    assert commands.count() == 2
    assert {c.created_by.username for c in commands} == {"bt_an_truong", "bt_cang_long"}
    entries = ModelLogEntry.objects.filter(action="tincoso.board_command", object_id=str(board.pk))
    assert entries.count() == 2
    history = client.get(url).content.decode()
    assert history.count("chờ gửi") >= 2 and "bt_cang_long" in history


@pytest.mark.django_db
def test_bad_values_are_refused_with_a_message(client, commune):
    board = board_of(commune)
    speakers = Board.objects.create(owner=commune, name="Cụm loa ấp 1", kind="audio")
    client.force_login(staff(commune, "bt_an_truong"))
    url = f"/admin/bang-dien-tu/dieu-khien/{board.pk}/"
    for data, message in [
        ({"command": "volume", "level": "150"}, "Âm lượng phải từ 0 đến 100."),
        ({"command": "volume", "level": "to lắm"}, "Âm lượng phải là một số từ 0 đến 100."),
        ({"command": "power", "on": "0", "until": "ngày mai"}, "Thời điểm không hợp lệ."),
    ]:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200 and message in response.content.decode()
    assert client.post(url, {"command": "self-destruct"}).status_code == 400
    response = client.post(f"/admin/bang-dien-tu/dieu-khien/{speakers.pk}/", {"command": "screenshot"}, follow=True)
    assert "Cụm loa không có màn hình để chụp." in response.content.decode()
    assert not BoardCommand.objects.exists()
    client.post(url, {"command": "volume", "level": "35"})
    assert BoardCommand.objects.get().args == {"level": 35}


@pytest.mark.django_db
def test_a_board_off_by_its_schedule_is_not_lost(commune):
    board = board_of(commune, refresh_seconds=60)
    OperatingHours.objects.create(board=board, weekday=0, start=datetime.time(6), end=datetime.time(21))
    monday_night = timezone.make_aware(datetime.datetime(2026, 11, 23, 23, 30))
    BoardStatus.objects.create(board=board, last_seen_at=monday_night - datetime.timedelta(hours=2))
    state = board_state(board, board.status, monday_night, trusted=False)
    assert state.kind == "offline" and scheduled_off(board, state, monday_night)
    monday_noon = monday_night.replace(hour=12)
    BoardStatus.objects.filter(board=board).update(last_seen_at=monday_noon - datetime.timedelta(hours=1))
    board.status.refresh_from_db()
    state = board_state(board, board.status, monday_noon, trusted=False)
    assert state.kind == "offline" and not scheduled_off(board, state, monday_noon)  # mất kết nối


@pytest.mark.django_db
def test_the_monitoring_page_says_tat_theo_lich(client, commune):
    board = board_of(commune, refresh_seconds=60)
    now = timezone.localtime()
    for weekday in range(7):  # hours that exclude the present moment, whenever the test runs
        start = (now + datetime.timedelta(hours=2)).time().replace(minute=0, second=0, microsecond=0)
        end = (now + datetime.timedelta(hours=3)).time().replace(minute=0, second=0, microsecond=0)
        if end <= start:
            start, end = datetime.time(1), datetime.time(2)
        OperatingHours.objects.create(board=board, weekday=weekday, start=start, end=end)
    BoardStatus.objects.create(board=board, last_seen_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(staff(commune, "bt_an_truong"))
    html = client.get("/admin/bang-dien-tu-giam-sat/").content.decode()
    assert "Tắt theo lịch" in html and f"/admin/bang-dien-tu/dieu-khien/{board.pk}/" in html


@pytest.mark.django_db
def test_the_player_api_names_the_channel_and_the_screens_hours(client, commune, settings):
    board = board_of(commune)
    OperatingHours.objects.create(board=board, weekday=0, start=datetime.time(6), end=datetime.time(18))
    OperatingHours.objects.create(
        board=board, weekday=0, start=datetime.time(18), end=datetime.time(21, 30), brightness=60
    )
    announcement(commune, "Thông báo lịch tiếp dân", show_on_boards=True)
    token = issue_token(board)
    rebuild(board)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = client.get(f"{API}/{board.pk}/playlist.json", **auth).json()
    assert body["channel"] == {
        "url": "mqtt://bang.tinh.example.vn:1883",
        "username": str(board.pk),
        "prefix": "tincoso",
        "keepalive": 10,
    }
    assert body["power"]["hours"] == [[0, "06:00", "18:00", 100], [0, "18:00", "21:30", 60]]
    assert body["power"]["utc_offset"] == "+07:00"
    me = client.get(f"{API}/me", **auth).json()
    assert me["channel"]["username"] == str(board.pk)
    # Without a public broker address the players are told nothing (they poll, as before).
    settings.MQTT_PUBLIC_URL = ""
    assert client.get(f"{API}/{board.pk}/playlist.json", **auth).json()["channel"] is None


@pytest.mark.django_db
def test_a_board_paired_before_the_channel_gets_its_credentials_from_its_token(client, commune, settings):
    board = board_of(commune)
    announcement(commune, "Thông báo lịch tiếp dân", show_on_boards=True)
    token = issue_token(board)
    Board.objects.filter(pk=board.pk).update(mqtt_hash="", credentials_at=None)  # as before the upgrade
    rebuild(board)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    settings.MQTT_PUBLIC_URL = ""
    first = client.get(f"{API}/{board.pk}/playlist.json", **auth)
    assert first.json()["channel"] is None
    settings.MQTT_PUBLIC_URL = "mqtt://bang.tinh.example.vn:1883"
    # The channel was turned on: the old ETag no longer matches, so the player learns of it.
    again = client.get(f"{API}/{board.pk}/playlist.json", HTTP_IF_NONE_MATCH=first["ETag"], **auth)
    assert again.status_code == 200 and again.json()["channel"]["username"] == str(board.pk)
    board.refresh_from_db()
    assert check_password(token, board.mqtt_hash) and board.credentials_at is not None
    # A wrong token never writes a hash.
    Board.objects.filter(pk=board.pk).update(mqtt_hash="")
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Board.objects.get(pk=board.pk).mqtt_hash == ""


@pytest.mark.django_db
def test_the_pairing_qr_code_carries_the_channel(client, commune):
    board = board_of(commune)
    client.force_login(staff(commune, "bt_an_truong"))
    page = client.post(f"/admin/bang-dien-tu/pairing/{board.pk}/", {"action": "rotate"})
    text = page.content.decode()
    assert '"mqtt":{"url":"mqtt://bang.tinh.example.vn:1883"' in text.replace("&quot;", '"')
    assert "Kênh thời gian thực (MQTT)" in text


@pytest.mark.django_db
def test_a_stale_sender_is_not_trusted(commune):
    board = board_of(commune)
    Board.objects.filter(pk=board.pk).update(channel_state="online", channel_at=timezone.now())
    board.refresh_from_db()
    ChannelLink.objects.create(pk=1, seen_at=timezone.now(), connected=True)
    assert board_state(board, None, timezone.now()).kind == "online"
    ChannelLink.objects.filter(pk=1).update(connected=False)
    assert board_state(board, None, timezone.now()).kind == "never"
