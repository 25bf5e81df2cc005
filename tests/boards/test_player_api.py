"""Player API v1: tokens, conditional polls that never compose, the three playlist formats,
immutable media with byte ranges, heartbeats, proof of play and screenshots, pairing."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from lxml import etree
from PIL import Image

from boards.api import is_not_modified, issue_token, pairing_view, revoke_token
from boards.models import Board, BoardStatus, Heartbeat, PlaylistVersion, PlayRecord
from boards.publishing import file_url, store_file
from boards.smil import build_m3u, build_smil
from core.http import parse_range

API = "/api/boards/v1"
XSD = Path(__file__).resolve().parents[2] / "boards" / "schemas" / "asmil.xsd"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BOARDS_API_CACHE_SECONDS = 0
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"  # where players reach the server (boards.api.public_base)


def png_bytes(size=(64, 32), colour=(200, 30, 30), kind="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def make_board(owner, **fields):
    board = Board.objects.create(
        owner=owner, name=fields.pop("name", "Bảng chợ An Trường"), width=384, height=192, **fields
    )
    token = issue_token(board)
    return board, token


def publish(board, items_spec, number=None):
    """A PlaylistVersion with real content-addressed files (no rendering)."""
    items = []
    for n, (priority, valid_from, valid_to) in enumerate(items_spec):
        file = store_file(png_bytes(colour=(n * 20 % 255, 80, 120 + number_or(number, board))), "png", 384, 192)
        items.append(
            {
                "id": f"media:{n}",
                "kind": "image",
                "url": file_url(file),
                "sha256": file.sha256,
                "bytes": file.size,
                "duration_s": 10,
                "priority": priority,
                "title": f"Thông báo số {n}",
                "valid_from": valid_from.isoformat() if valid_from else None,
                "valid_to": valid_to.isoformat() if valid_to else None,
            }
        )
    current = board.current_version
    number = number or ((current.number + 1) if current else 1)
    return PlaylistVersion.objects.create(
        board=board,
        number=number,
        items=items,
        fingerprint=f"{board.pk:08d}{number:056d}",
        generated_at=timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10 - number),
        emergency=any(p == "emergency" for p, *_ in items_spec),
    )


def number_or(number, board):
    return (number or (board.versions.count() + 1)) % 100


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def err(response):
    return response.json()["error"]["code"]


@pytest.fixture
def live(commune):
    board, token = make_board(commune)
    now = timezone.now()
    version = publish(
        board,
        [
            ("normal", None, None),
            ("priority", now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)),
            ("emergency", now - datetime.timedelta(minutes=5), now + datetime.timedelta(hours=3)),
        ],
    )
    return board, token, version


# --- Playlists ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_playlist_json_with_validators_and_absolute_media_urls(client, live):
    board, token, version = live
    response = client.get(f"{API}/{board.pk}/playlist.json", **auth(token))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["ETag"] == f'"{version.fingerprint}"'
    assert response["Last-Modified"] == http_date(version.generated_at.timestamp())
    assert response["Cache-Control"] == "no-cache"
    body = response.json()
    assert body["version"] == version.number and body["refresh_seconds"] == 300 and body["jitter_seconds"] == 30
    assert body["board"] == {"id": board.pk, "name": board.name, "width": 384, "height": 192}
    assert body["video"] is None and body["emergency"] is True
    assert [i["id"] for i in body["items"]] == ["media:0", "media:1", "media:2"]
    first = body["items"][0]
    assert first["url"] == f"http://testserver{API}/media/{first['sha256']}.png"
    media = client.get(first["url"].removeprefix("http://testserver"))
    assert media.status_code == 200 and b"".join(media.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ['"{fp}"', 'W/"{fp}"', '"other", W/"{fp}"', "*"])
def test_304_by_etag_answers_from_at_most_two_queries(client, live, header):
    board, token, version = live
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"{API}/{board.pk}/playlist.smil", HTTP_IF_NONE_MATCH=header.format(fp=version.fingerprint), **auth(token)
        )
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == f'"{version.fingerprint}"' and "Last-Modified" in response
    ours = [q["sql"] for q in queries.captured_queries]
    assert len(ours) <= 2 and not any("items" in q for q in ours), ours  # never reads the items, never composes
    # The board and its newest version in one statement (the other one, if any, is the site
    # middleware looking up the request's hostname).
    assert len([q for q in ours if "boards_" in q]) == 1


@pytest.mark.django_db
def test_304_by_if_modified_since_and_etag_wins(client, live):
    board, token, version = live
    url = f"{API}/{board.pk}/playlist.json"
    stamp = version.generated_at.timestamp()
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(stamp), **auth(token)).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(stamp + 60), **auth(token)).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(stamp - 60), **auth(token)).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="nonsense", **auth(token)).status_code == 200
    # If-None-Match present and not matching: 200 whatever If-Modified-Since says.
    assert (
        client.get(
            url, HTTP_IF_NONE_MATCH='"old"', HTTP_IF_MODIFIED_SINCE=http_date(stamp + 60), **auth(token)
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_a_new_version_changes_the_etag(client, live):
    board, token, version = live
    url = f"{API}/{board.pk}/playlist.json"
    etag = client.get(url, **auth(token))["ETag"]
    newer = publish(board, [("normal", None, None)])
    response = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth(token))
    assert response.status_code == 200 and response["ETag"] == f'"{newer.fingerprint}"' != etag
    assert response.json()["version"] == version.number + 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "smil", "m3u"])
def test_head_answers_headers_only(client, live, fmt):
    board, token, _version = live
    full = client.get(f"{API}/{board.pk}/playlist.{fmt}", **auth(token))
    head = client.head(f"{API}/{board.pk}/playlist.{fmt}", **auth(token))
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == full["ETag"] and head["Last-Modified"] == full["Last-Modified"]
    assert head["Content-Length"] == str(len(full.content))


@pytest.mark.django_db
def test_smil_validates_and_orders_priority_classes_with_wallclock_windows(client, live):
    board, token, version = live
    response = client.get(f"{API}/{board.pk}/playlist.smil", **auth(token))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/smil+xml")
    document = etree.fromstring(response.content)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(document), schema.error_log
    assert document.find("head/meta").get("content") == "300"
    assert document.find("head/layout/root-layout").attrib == {"width": "384", "height": "192"}
    # The emergency class, then one loop of the priority item and the normal one (priority first).
    classes = document.findall("body/excl/priorityClass")
    assert [c.get("id") for c in classes] == ["emergency", "normal"]
    assert [c.get("higher") for c in classes] == ["stop", "pause"]
    # The window sits on the class's <par>; the media carry none of their own.
    window = classes[0].find("par")
    valid_to = datetime.datetime.fromisoformat(version.items[2]["valid_to"]).astimezone(datetime.UTC)
    assert window.get("end") == f"wallclock({valid_to:%Y-%m-%dT%H:%M:%SZ})"
    assert window.get("begin").startswith("wallclock(")
    emergency_img = window.find("seq/img")
    assert emergency_img.get("dur") == "10s" and emergency_img.get("begin") is emergency_img.get("end") is None
    loop = classes[1].find("par/seq")
    assert [i.get("src").split("/")[-1] for i in loop] == [f"{version.items[n]['sha256']}.png" for n in (1, 0)]
    assert classes[1].find("par").get("end") is None  # the normal item has no end: always
    prefetched = [p.get("src") for p in document.findall("body/seq/prefetch")]
    assert len(prefetched) == 3 and all(p.startswith(f"http://testserver{API}/media/") for p in prefetched)
    assert document.find("body/prefetch") is None


def test_smil_schema_rejects_what_we_do_not_emit():
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    good = build_smil(
        192,
        96,
        60,
        [
            {
                "kind": "video",
                "url": "http://x/a.mp4",
                "duration_s": 12.5,
                "priority": "normal",
                "valid_from": None,
                "valid_to": None,
            }
        ],
    )
    assert schema.validate(etree.fromstring(good)), schema.error_log
    assert b'<video src="http://x/a.mp4" region="main" dur="12.500s"' in good
    bad = good.replace(b"<excl>", b"<excl><par/>")
    assert not schema.validate(etree.fromstring(bad))
    timed = good.replace(b'<video src="', b'<video end="wallclock(2026-11-23T09:00:00Z)" src="')
    assert not schema.validate(etree.fromstring(timed))  # timing belongs on the containers


@pytest.mark.django_db
def test_m3u_lists_every_item(client, live):
    board, token, version = live
    response = client.get(f"{API}/{board.pk}/playlist.m3u", **auth(token))
    text = response.content.decode()
    assert response.status_code == 200 and text.startswith("#EXTM3U\n")
    assert text.count("#EXTINF:10,Thông báo số") == 3
    for item in version.items:
        assert f"http://testserver{API}/media/{item['sha256']}.png\n" in text
    assert (
        "#EXTINF:7,a，b"
        in build_m3u("x", [{"url": "http://x/v.mp4", "kind": "video", "duration_s": 7, "title": "a,b"}]).decode()
    )


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tokens_and_board_errors(client, live, commune):
    board, token, _version = live
    url = f"{API}/{board.pk}/playlist.json"
    missing = client.get(url)
    assert missing.status_code == 401 and err(missing) == "missing_token"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url, HTTP_AUTHORIZATION="Basic abc").status_code == 401
    wrong = client.get(url, **auth("not-the-token"))
    assert wrong.status_code == 401 and err(wrong) == "invalid_token"
    other, other_token = make_board(commune, name="Bảng trường học")
    theirs = client.get(url, **auth(other_token))
    assert theirs.status_code == 403 and err(theirs) == "wrong_board"
    # A good token on a board number that is not its own: the same answer whether it exists or not.
    unknown = client.get(f"{API}/999999/playlist.json", **auth(token))
    assert unknown.status_code == 403 and err(unknown) == "wrong_board"
    assert client.get(f"{API}/99999999999/playlist.json", **auth(token)).status_code == 403
    no_version = client.get(f"{API}/{other.pk}/playlist.json", **auth(other_token))
    assert no_version.status_code == 404 and err(no_version) == "no_playlist" and no_version["Retry-After"] == "300"
    Board.objects.filter(pk=board.pk).update(is_active=False)
    inactive = client.get(url, **auth(token))
    assert inactive.status_code == 403 and err(inactive) == "inactive_board"
    assert "message" in inactive.json()["error"]


@pytest.mark.django_db
def test_rotating_and_revoking_tokens(client, live):
    board, token, _version = live
    url = f"{API}/{board.pk}/playlist.json"
    new = issue_token(board)
    assert new != token
    assert client.get(url, **auth(token)).status_code == 401
    assert client.get(url, **auth(new)).status_code == 200
    revoke_token(board)
    assert Board.objects.get(pk=board.pk).token_hash == ""
    revoked = client.get(url, **auth(new))
    assert revoked.status_code == 401 and err(revoked) == "invalid_token"
    assert client.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.django_db
def test_wrong_methods_are_405_json(client, live):
    board, token, _version = live
    response = client.post(f"{API}/{board.pk}/playlist.json", **auth(token))
    assert response.status_code == 405 and err(response) == "method_not_allowed" and "GET" in response["Allow"]
    assert client.get(f"{API}/{board.pk}/heartbeat", **auth(token)).status_code == 405
    assert client.put(f"{API}/{board.pk}/plays", **auth(token)).status_code == 405


# --- Media -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_media_ranges_and_immutability(client, live):
    _board, _token, version = live
    item = version.items[0]
    url = f"{API}/media/{item['sha256']}.png"
    data = (Path(__import__("django.conf").conf.settings.MEDIA_ROOT) / item["url"].split("/media/", 1)[-1]).read_bytes()
    size = len(data)
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    assert whole["Cache-Control"] == "public, max-age=31536000, immutable"
    assert whole["ETag"] == f'"{item["sha256"]}"' and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(size)
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{size}" and part["Content-Length"] == "10"
    tail = client.get(url, HTTP_RANGE="bytes=-7")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-7:]
    rest = client.get(url, HTTP_RANGE=f"bytes={size - 5}-")
    assert rest.status_code == 206 and b"".join(rest.streaming_content) == data[-5:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    assert client.get(url, HTTP_RANGE="bytes=5-2").status_code == 416
    assert client.get(url, HTTP_RANGE="bytes=0-1,4-5").status_code == 200  # multi-range: the whole file
    assert client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"other"').status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"{item["sha256"]}"').status_code == 304
    head = client.head(url, HTTP_RANGE="bytes=0-99")
    assert head.status_code == 206 and head["Content-Length"] == "100" and head.content == b""
    assert client.get(f"{API}/media/{'a' * 64}.png").status_code == 404
    assert client.get(f"{API}/media/{item['sha256']}.mp4").status_code == 404


def test_parse_range():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=5-100", 10) == (5, 9)
    assert parse_range("bytes=-100", 10) == (0, 9)
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("items=0-1", 10) is None and parse_range("", 10) is None


def test_conditional_helpers():
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_IF_NONE_MATCH='W/"a" , "b"')
    assert is_not_modified(request, '"b"', 0) and not is_not_modified(request, '"c"', 0)


# --- Reports ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_heartbeat_is_stored_and_answers_the_current_version(client, live):
    board, token, version = live
    body = {
        "version": version.number,
        "playing": "media:1",
        "cache_bytes": 123456,
        "free_bytes": 9_000_000_000,
        "uptime_s": 3600,
        "errors": ["tải tệp lỗi: hết thời gian"],
        "player": {"name": "tincoso-player", "version": "1.0"},
    }
    response = client.post(
        f"{API}/{board.pk}/heartbeat", json.dumps(body), content_type="application/json", **auth(token)
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "version": version.number, "refresh_seconds": 300, "jitter_seconds": 30}
    beat = Heartbeat.objects.get(board=board)
    assert beat.playing == "media:1" and beat.errors == body["errors"] and beat.player == "tincoso-player 1.0"
    status = BoardStatus.objects.get(board=board)
    assert status.version == version.number and status.free_bytes == 9_000_000_000 and status.address == "127.0.0.1"
    # The same state again within the hour: "last seen" moves, the history keeps one row an hour.
    again = {**body, "errors": []}
    client.post(f"{API}/{board.pk}/heartbeat", json.dumps(again), content_type="application/json", **auth(token))
    assert Heartbeat.objects.filter(board=board).count() == 1
    assert BoardStatus.objects.get(board=board).last_seen_at > beat.received_at
    # A new version (or errors) is always kept.
    client.post(f"{API}/{board.pk}/heartbeat", "{}", content_type="application/json", **auth(token))
    assert Heartbeat.objects.filter(board=board).count() == 2 and BoardStatus.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '"x"',
        json.dumps({"version": "3"}),
        json.dumps({"cache_bytes": -1}),
        json.dumps({"uptime_s": True}),
        json.dumps({"errors": ["x"] * 21}),
        json.dumps({"errors": ["x" * 501]}),
        json.dumps({"errors": "boom"}),
        json.dumps({"player": "vlc"}),
        json.dumps({"playing": "x" * 61}),
        json.dumps({"errors": ["x" * 400] * 20, "pad": "y" * 10000}),
        b"\xff\xfe",
        json.dumps({"playing": "a\u0000b"}),
        json.dumps({"errors": ["nul \u0000 byte"]}),
        json.dumps({"player": {"name": "\u0000"}}),
    ],
)
def test_bad_heartbeats_are_400_and_store_nothing(client, live, body):
    board, token, _version = live
    response = client.post(f"{API}/{board.pk}/heartbeat", body, content_type="application/json", **auth(token))
    assert response.status_code == 400 and response.json()["error"]["message"]
    assert not Heartbeat.objects.exists() and not BoardStatus.objects.exists()


@pytest.mark.django_db
def test_reports_need_the_boards_token(client, live, commune):
    board, _token, _version = live
    _other, other_token = make_board(commune, name="Bảng khác")
    assert client.post(f"{API}/{board.pk}/heartbeat", "{}", content_type="application/json").status_code == 401
    assert (
        client.post(f"{API}/{board.pk}/plays", "[]", content_type="application/json", **auth(other_token)).status_code
        == 403
    )
    assert not Heartbeat.objects.exists()


@pytest.mark.django_db
def test_plays_are_idempotent(client, live):
    board, token, _version = live
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    plays = [
        {"item_id": "media:0", "started_at": (start + datetime.timedelta(seconds=10 * n)).isoformat(), "duration_s": 10}
        for n in range(5)
    ]
    url = f"{API}/{board.pk}/plays"
    first = client.post(url, json.dumps(plays), content_type="application/json", **auth(token))
    assert first.status_code == 200 and first.json() == {"accepted": 5, "duplicates": 0}
    # The same moment written in another offset is the same play.
    again = plays[:2] + [
        {
            **plays[2],
            "started_at": (start + datetime.timedelta(seconds=20))
            .astimezone(datetime.timezone(datetime.timedelta(hours=7)))
            .isoformat(),
        }
    ]
    again.append({"item_id": "media:1", "started_at": start.isoformat(), "duration_s": 9.5})
    second = client.post(url, json.dumps(again), content_type="application/json", **auth(token))
    assert second.json() == {"accepted": 1, "duplicates": 3}
    assert PlayRecord.objects.filter(board=board).count() == 6
    assert client.post(url, "[]", content_type="application/json", **auth(token)).json() == {
        "accepted": 0,
        "duplicates": 0,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entry",
    [
        {"item_id": "media:0", "started_at": "2026-01-01T10:00:00", "duration_s": 10},  # no timezone
        {"item_id": "media:0", "started_at": "hôm qua", "duration_s": 10},
        {"item_id": "media:0", "started_at": "2999-01-01T10:00:00+07:00", "duration_s": 10},  # far future
        {"item_id": "media:0", "started_at": "0001-01-01T00:00:00+07:00", "duration_s": 10},  # overflows in UTC
        {"item_id": "media:0", "started_at": "1970-01-01T00:00:00Z", "duration_s": 10},  # a clock never set
        {"item_id": "media\u00000", "started_at": "2026-01-01T10:00:00Z", "duration_s": 10},  # NUL
        {"item_id": "", "started_at": "2026-01-01T10:00:00Z", "duration_s": 10},
        {"item_id": 7, "started_at": "2026-01-01T10:00:00Z", "duration_s": 10},
        {"item_id": "media:0", "started_at": "2026-01-01T10:00:00Z", "duration_s": "10"},
        {"item_id": "media:0", "started_at": "2026-01-01T10:00:00Z", "duration_s": -1},
        "not an object",
    ],
)
def test_bad_plays_are_400_and_store_nothing(client, live, entry):
    board, token, _version = live
    good = {"item_id": "media:0", "started_at": "2026-01-01T09:00:00Z", "duration_s": 10}
    response = client.post(
        f"{API}/{board.pk}/plays", json.dumps([good, entry]), content_type="application/json", **auth(token)
    )
    assert response.status_code == 400 and "error" in response.json()
    assert not PlayRecord.objects.exists()


@pytest.mark.django_db
def test_plays_limits(client, live):
    board, token, _version = live
    url = f"{API}/{board.pk}/plays"
    many = [
        {"item_id": "m", "started_at": f"2026-01-01T09:00:{n % 60:02d}.{n:06d}Z", "duration_s": 1} for n in range(501)
    ]
    assert err(client.post(url, json.dumps(many), content_type="application/json", **auth(token))) == "too_many"
    assert (
        err(client.post(url, json.dumps({"plays": []}), content_type="application/json", **auth(token)))
        == "invalid_body"
    )
    huge = "[" + " " * (300 * 1024) + "]"
    assert err(client.post(url, huge, content_type="application/json", **auth(token))) == "too_large"
    assert not PlayRecord.objects.exists()


@pytest.mark.django_db
def test_screenshots_are_checked(client, live):
    from django.core.files.uploadedfile import SimpleUploadedFile

    board, token, _version = live
    url = f"{API}/{board.pk}/screenshot"

    def send(data, name="screen.png"):
        return client.post(url, {"screenshot": SimpleUploadedFile(name, data)}, **auth(token))

    for fake in (b"\x89PNG\r\n\x1a\nnot really a png", b"GIF89a....", png_bytes(kind="GIF"), png_bytes(kind="BMP")):
        response = send(fake)
        assert response.status_code == 400 and err(response) == "bad_image"
    assert err(client.post(url, {}, **auth(token))) == "missing_file"
    broken = client.post(
        url,
        b'--x\r\nContent-Disposition: form-data; name="screenshot"; filename="a.png"\r\n',
        content_type="multipart/form-data",
        **auth(token),
    )  # no boundary: unparseable
    assert broken.status_code == 400 and err(broken) == "invalid_body"
    noise = Image.frombytes("RGB", (700, 700), __import__("os").urandom(700 * 700 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1024 * 1024
    assert err(send(buffer.getvalue())) == "too_large"
    assert not BoardStatus.objects.exists()
    ok = send(png_bytes((192, 96)))
    assert ok.status_code == 200 and ok.json() == {"ok": True, "width": 192, "height": 96}
    first = BoardStatus.objects.get(board=board).screenshot
    assert first.name.endswith(".png")
    send(png_bytes((192, 96), kind="JPEG"), "screen.jpg")
    status = BoardStatus.objects.get(board=board)
    assert status.screenshot.name.endswith(".jpg") and not first.storage.exists(first.name)  # the old one is gone


# --- Pairing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pairing_shows_the_token_once_with_a_qr_code(rf, live, django_user_model):
    from django.contrib.messages.storage.fallback import FallbackStorage

    board, token, _version = live
    admin = django_user_model.objects.create_superuser("quantri", "qt@example.com", "x")

    def call(method, data=None):
        request = getattr(rf, method)(f"/admin/bang-dien-tu/pairing/{board.pk}/", data or {})
        request.user = admin
        request.session = {}
        request._messages = FallbackStorage(request)
        response = pairing_view(request, board.pk)
        if hasattr(response, "render"):
            response.render()
        return response

    shown = call("get")
    assert shown.status_code == 200 and b'pairing-qr"' not in shown.content and token.encode() not in shown.content
    rotated = call("post", {"action": "rotate"})
    html = rotated.content.decode()
    assert rotated["Cache-Control"] == "private, no-store" and "<svg" in html.split("pairing-qr", 1)[1]
    new = html.split('id="pairing-token">', 1)[1].split("<", 1)[0]
    assert (
        new != token
        and Board.objects.get(pk=board.pk).token_hash == __import__("hashlib").sha256(new.encode()).hexdigest()
    )
    assert f"&quot;board&quot;:{board.pk}" in html and "&quot;server&quot;:&quot;http://testserver&quot;" in html
    revoked = call("post", {"action": "revoke"})
    assert "Đã thu hồi" in revoked.content.decode() and Board.objects.get(pk=board.pk).token_hash == ""
    assert call("post", {"action": "?"}).status_code == 400
    editor = django_user_model.objects.create_user("bientap", "bt@example.com", "x")
    request = rf.get("/")
    request.user = editor
    with pytest.raises(__import__("django.http").http.Http404):
        pairing_view(request, board.pk)


@pytest.mark.django_db
def test_optional_cache_answers_polls_without_queries_and_revoking_is_immediate(client, live, settings):
    settings.BOARDS_API_CACHE_SECONDS = 60  # capped at 5 s
    board, token, version = live
    url = f"{API}/{board.pk}/playlist.json"
    headers = {"HTTP_IF_NONE_MATCH": f'"{version.fingerprint}"', **auth(token)}
    assert client.get(url, **headers).status_code == 304
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 304
    assert not [q for q in queries.captured_queries if "boards_" in q["sql"]]
    revoke_token(board)
    assert client.get(url, **headers).status_code == 401


@pytest.mark.django_db
def test_a_token_tells_its_board(client, live):
    board, token, _version = live
    answer = client.get(f"{API}/me", **auth(token))
    assert answer.status_code == 200 and answer.json() == {"board": board.pk, "name": board.name, "channel": None}
    assert client.get(f"{API}/me", **auth("not-a-token")).status_code == 401
    assert client.get(f"{API}/me").status_code == 401
    assert client.post(f"{API}/me", **auth(token)).status_code == 405
