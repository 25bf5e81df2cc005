"""“Bản đồ bảng và loa” (boards/map_views.py): the GeoJSON of the markers and the page, scoped to
the user's units like monitoring; each board's state and colour; boards without coordinates listed
with a link to their form; the tile settings read from the environment and the tile host allowed
by the admin's Content-Security-Policy (core/security.py), and by nothing else."""

import datetime
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from boards.models import Board, BoardStatus, ChannelLink, OperatingHours, PlaylistVersion

PASSWORD = "x-Strong-pass-123"
GEOJSON = "/admin/bang-dien-tu-ban-do/du-lieu.geojson"
PAGE = "/admin/bang-dien-tu-ban-do/"
GREEN, AMBER, PURPLE, RED, GREY = "#2e7d32", "#f9a825", "#6a1b9a", "#c62828", "#757575"


def make_user(name, *groups):
    user = get_user_model().objects.create_user(name, email=f"{name}@example.vn", password=PASSWORD)
    for group in groups:
        user.groups.add(group)
    return user


def board(owner, name, lat=None, lon=None, kind="lcd", **fields):
    size = {} if kind == "audio" else {"width": 384, "height": 192}
    return Board.objects.create(owner=owner, name=name, latitude=lat, longitude=lon, kind=kind, **{**size, **fields})


def seen(b, ago, version=None):
    BoardStatus.objects.update_or_create(
        board=b, defaults={"last_seen_at": timezone.now() - ago, "version": version, "player": "tincoso-player 1"}
    )


def geojson(client):
    response = client.get(GEOJSON)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "no-store" in response["Cache-Control"]  # states change every minute
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    return {f["properties"]["name"]: f for f in data["features"]}, response.content.decode()


@pytest.fixture
def two_communes(commune, other_commune):
    """Boards with and without coordinates in xã An Trường (Càng Long) and xã Đông Hải (Duyên Hải)."""
    return {
        "own": board(commune, "Bảng chợ An Trường", "9.934512", "106.345678"),
        "own_cluster": board(commune, "Cụm loa ấp Chợ", "9.941", "106.351", kind="audio"),
        "own_unlocated": board(commune, "Bảng trường tiểu học", address="Ấp Giồng Thanh Bạch"),
        "other": board(other_commune, "Bảng bến cá Đông Hải", "9.61", "106.52", kind="led", width=192, height=96),
        "other_unlocated": board(other_commune, "Cụm loa Đông Hải chưa định vị", kind="audio"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editors_group", "moderators_group"])
def test_a_commune_editor_sees_only_the_boards_of_their_commune(client, commune, two_communes, role):
    client.force_login(make_user("bt_ban_do", getattr(commune, role)))
    features, body = geojson(client)
    assert set(features) == {"Bảng chợ An Trường", "Cụm loa ấp Chợ"}
    assert "Đông Hải" not in body and "bến cá" not in body
    own = features["Bảng chợ An Trường"]
    assert own["id"] == two_communes["own"].pk
    assert own["geometry"] == {"type": "Point", "coordinates": [106.345678, 9.934512]}  # GeoJSON: lon, lat
    assert own["properties"]["unit"] == commune.title
    assert own["properties"]["preview_url"] == reverse("boards:preview", args=[two_communes["own"].pk])
    assert own["properties"]["control_url"] == reverse("boards:control", args=[two_communes["own"].pk])

    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bản đồ bảng và loa" in html
    # Below the map: the board without coordinates, with a link to its form; nothing of Đông Hải.
    assert "Bảng trường tiểu học" in html and "Ấp Giồng Thanh Bạch" in html
    assert reverse("boards:edit", args=[two_communes["own_unlocated"].pk]) in html
    assert "Nhập tọa độ" in html
    assert "Đông Hải" not in html
    assert reverse("boards:edit", args=[two_communes["other_unlocated"].pk]) not in html
    assert 'data-geojson-url="/admin/bang-dien-tu-ban-do/du-lieu.geojson"' in html


@pytest.mark.django_db
def test_a_district_sees_its_communes_and_a_superuser_everything(client, district, two_communes):
    client.force_login(make_user("cb_huyen_ban_do", district.editors_group))
    features, _ = geojson(client)
    assert set(features) == {"Bảng chợ An Trường", "Cụm loa ấp Chợ"}  # Đông Hải is in Duyên Hải
    superuser = get_user_model().objects.create_superuser("qt_ban_do", "qt@example.vn", PASSWORD)
    client.force_login(superuser)
    features, _ = geojson(client)
    assert {"Bảng chợ An Trường", "Cụm loa ấp Chợ", "Bảng bến cá Đông Hải"} <= set(features)
    assert "Cụm loa Đông Hải chưa định vị" not in features  # no coordinates: no marker
    assert features["Bảng bến cá Đông Hải"]["properties"]["size"] == "192×96"


@pytest.mark.django_db
def test_someone_of_no_unit_is_refused_and_a_visitor_sent_to_sign_in(client, two_communes):
    assert "/admin/login/" in client.get(GEOJSON)["Location"]
    assert "/admin/login/" in client.get(PAGE)["Location"]
    nobody = make_user("khong_don_vi")  # may open the admin, but is staff of no unit
    nobody.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    client.force_login(nobody)
    for url in (GEOJSON, PAGE):  # refused: Wagtail sends them back to the dashboard with a message
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/")


@pytest.mark.django_db
def test_states_colours_and_kinds(client, commune):
    now = timezone.now()
    online = board(commune, "Trực tuyến", "9.90", "106.30")
    seen(online, datetime.timedelta(seconds=30))
    behind = board(commune, "Chậm", "9.91", "106.31")
    for number in (1, 2):
        PlaylistVersion.objects.create(board=behind, number=number, fingerprint=f"chậm-{number}")
    seen(behind, datetime.timedelta(seconds=30), version=1)
    offline = board(commune, "Mất kết nối", "9.92", "106.32")
    seen(offline, datetime.timedelta(hours=3))
    off_hours = board(commune, "Ngoài giờ", "9.93", "106.33")
    seen(off_hours, datetime.timedelta(hours=3))
    other_day = (timezone.localtime(now).weekday() + 3) % 7  # operating on another weekday only
    OperatingHours.objects.create(board=off_hours, weekday=other_day, start=datetime.time(7), end=datetime.time(8))
    board(commune, "Chưa kết nối", "9.94", "106.34", kind="audio")
    live = board(commune, "Kênh trực tiếp", "9.95", "106.35", kind="led", width=192, height=96)
    Board.objects.filter(pk=live.pk).update(channel_state="online", channel_at=now)
    ChannelLink.objects.create(pk=1, seen_at=now, connected=True)

    client.force_login(make_user("bt_trang_thai", commune.editors_group))
    features, _ = geojson(client)
    shown = {name: (f["properties"]["state"], f["properties"]["colour"]) for name, f in features.items()}
    assert shown == {
        "Trực tuyến": ("online", GREEN),
        "Chậm": ("behind", AMBER),
        "Mất kết nối": ("offline", RED),
        "Ngoài giờ": ("scheduled", PURPLE),
        "Chưa kết nối": ("never", GREY),
        "Kênh trực tiếp": ("online", GREEN),
    }
    labels = {name: f["properties"]["state_label"] for name, f in features.items()}
    assert labels["Trực tuyến"] == "Trực tuyến" and labels["Mất kết nối"] == "Ngoại tuyến"
    assert labels["Ngoài giờ"] == "Tắt theo lịch" and labels["Chưa kết nối"] == "Chưa kết nối"
    assert labels["Chậm"] == "Chậm phiên bản"
    lost = features["Mất kết nối"]["properties"]
    expected_seen = timezone.localtime(now - datetime.timedelta(hours=3)).strftime("%H:%M %d/%m/%Y")
    assert lost["last_seen"] == expected_seen and lost["offline_since"]
    assert features["Chưa kết nối"]["properties"]["last_seen"] == ""
    assert features["Kênh trực tiếp"]["properties"]["channel"] is True
    assert features["Trực tuyến"]["properties"]["channel"] is False
    # Screens and loudspeakers are told apart.
    kinds = {name: (f["properties"]["shape"], f["properties"]["kind_label"]) for name, f in features.items()}
    assert kinds["Chưa kết nối"] == ("speaker", "Cụm loa truyền thanh")
    assert kinds["Kênh trực tiếp"] == ("screen", "Bảng LED")
    assert kinds["Trực tuyến"] == ("screen", "Màn hình LCD")
    assert features["Chưa kết nối"]["properties"]["size"] == "cụm loa"

    # The legend counts the markers per state and kind.
    html = client.get(PAGE).content.decode()
    for label, count in (
        ("Trực tuyến", 2),
        ("Chậm phiên bản", 1),
        ("Tắt theo lịch", 1),
        ("Ngoại tuyến", 1),
        ("Chưa kết nối", 1),
        ("Bảng LED", 1),
        ("Màn hình LCD", 4),
        ("Cụm loa truyền thanh", 1),
    ):
        assert f"<span>{label} ({count})</span>" in html
    assert "Mọi bảng và cụm loa đang hoạt động đều đã có tọa độ." in html


@pytest.mark.django_db
def test_inactive_boards_are_left_out(client, commune):
    board(commune, "Bảng đã tháo", "9.9", "106.3", is_active=False)
    board(commune, "Bảng cũ chưa định vị", is_active=False)
    client.force_login(make_user("bt_ngung", commune.editors_group))
    features, _ = geojson(client)
    assert features == {}
    html = client.get(PAGE).content.decode()
    assert "Bảng đã tháo" not in html and "Bảng cũ chưa định vị" not in html
    assert "Chưa có bảng hoặc cụm loa nào có tọa độ." in html


@pytest.mark.django_db
def test_the_page_takes_the_tiles_from_the_settings(client, commune):
    client.force_login(make_user("bt_o_ban_do", commune.editors_group))
    with override_settings(
        MAP_TILE_URL="https://{s}.ban-do.tra-vinh.gov.vn/{z}/{x}/{y}.png",
        MAP_TILE_ATTRIBUTION='&copy; <a href="https://ban-do.tra-vinh.gov.vn/">Sở TN&amp;MT</a>',
        MAP_TILE_MAX_ZOOM=17,
    ):
        html = client.get(PAGE).content.decode()
    assert 'data-tile-url="https://{s}.ban-do.tra-vinh.gov.vn/{z}/{x}/{y}.png"' in html
    assert 'data-tile-max-zoom="17"' in html
    # The attribution is HTML for Leaflet, escaped inside the attribute.
    assert 'data-tile-attribution="&amp;copy; &lt;a href=&quot;https://ban-do.tra-vinh.gov.vn/&quot;&gt;' in html
    # Leaflet and the page's script are the site's own files: no other host, no inline handler.
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/boards/map.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    loaded = re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(r'<link[^>]* href="([^"]+)"', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded), loaded


@pytest.mark.django_db
def test_without_a_tile_address_the_page_says_the_map_has_no_background(client, commune):
    board(commune, "Bảng chợ An Trường", "9.934512", "106.345678")
    client.force_login(make_user("bt_khong_nen", commune.editors_group))
    with override_settings(MAP_TILE_URL="", MAP_TILE_ATTRIBUTION=""):
        html = client.get(PAGE).content.decode()
    assert 'data-tile-url=""' in html
    assert "Bản đồ chưa có nền" in html and "MAP_TILE_URL" in html
    with override_settings(MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png"):
        html = client.get(PAGE).content.decode()
    assert "Bản đồ chưa có nền" not in html


# --- The admin's Content-Security-Policy allows the tile host (core/security.py) --------------


def policy(response):
    return {
        name: sources
        for name, *sources in (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tile_url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.ban-do.tra-vinh.gov.vn/{z}/{x}/{y}{r}.png", "https://*.ban-do.tra-vinh.gov.vn"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("/o-ban-do/{z}/{x}/{y}.png", None),  # the site's own tiles: 'self' already
        ("", None),  # no tiles
    ],
)
def test_the_admin_policy_allows_the_tile_host_and_the_public_one_does_not(commune, tile_url, origin):
    client = Client()
    client.force_login(make_user("bt_csp_ban_do", commune.editors_group))
    host = commune.get_site().hostname
    with override_settings(MAP_TILE_URL=tile_url):
        admin = policy(client.get(PAGE, HTTP_HOST=host))
        login = policy(Client().get("/admin/login/", HTTP_HOST=host))
        home = Client().get("/", HTTP_HOST=host)
    assert home.status_code == 200
    public = policy(home)
    base = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]["img-src"]
    expected = [*base, origin] if origin else list(base)
    assert admin["img-src"] == expected
    assert login["img-src"] == expected  # the whole admin: any of its maps
    assert public["img-src"] == settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert admin["connect-src"] == ["'self'"] and admin["script-src-attr"] == ["'none'"]


# --- The settings come from the environment ----------------------------------------------------

SHOW_MAP = (
    "import json; from django.conf import settings; "
    "print(json.dumps([settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION, settings.MAP_TILE_MAX_ZOOM]))"
)


def _shell(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAP_TILE_")}
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path}/map.sqlite3", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW_MAP],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tile_settings_come_from_the_environment_and_default_to_none(tmp_path):
    default = _shell(tmp_path)
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout.strip().splitlines()[-1]) == ["", "", 19]  # nothing leaves the site
    osm = _shell(tmp_path, MAP_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert osm.returncode == 0, osm.stderr
    url, attribution, zoom = json.loads(osm.stdout.strip().splitlines()[-1])
    assert url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png" and zoom == 19
    assert "openstreetmap.org/copyright" in attribution and "Những người đóng góp OpenStreetMap" in attribution
    chosen = _shell(
        tmp_path,
        MAP_TILE_URL="https://ban-do.tra-vinh.gov.vn/{z}/{x}/{y}.png",
        MAP_TILE_ATTRIBUTION="Sở Tài nguyên và Môi trường",
        MAP_TILE_MAX_ZOOM="18",
    )
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout.strip().splitlines()[-1]) == [
        "https://ban-do.tra-vinh.gov.vn/{z}/{x}/{y}.png",
        "Sở Tài nguyên và Môi trường",
        18,
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAP_TILE_URL": "https://ban-do.tra-vinh.gov.vn/tiles.png"}, "expected an address with {z}, {x} and {y}"),
        ({"MAP_TILE_MAX_ZOOM": "30"}, "MAP_TILE_MAX_ZOOM=30: expected between 1 and 22"),
        ({"MAP_TILE_MAX_ZOOM": "mười"}, "expected a whole number"),
    ],
)
def test_bad_tile_settings_stop_the_start(tmp_path, env, message):
    result = _shell(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_boards(client, commune):
    client.force_login(make_user("bt_nhieu_bang", commune.editors_group))
    client.get(GEOJSON)  # the session and the user's units, read once

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(GEOJSON).status_code == 200
        return len(captured.captured_queries)

    for i in range(3):
        seen(board(commune, f"Bảng số {i}", "9.9", f"106.{i}"), datetime.timedelta(seconds=10))
    few = queries()
    for i in range(3, 15):
        b = board(commune, f"Bảng số {i}", "9.9", f"106.{i}", kind="audio" if i % 2 else "led")
        OperatingHours.objects.create(board=b, weekday=0)
        PlaylistVersion.objects.create(board=b, number=1, fingerprint=f"v-{i}")
    assert queries() == few
