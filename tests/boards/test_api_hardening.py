"""The Player API and the other places that read what devices send, against hostile input: every
bad request is a 4xx with a clear Vietnamese reason, never a 500, and stores nothing.

Text with NUL or half a UTF-16 surrogate pair ("\\ud800", which JSON can carry and no UTF-8
encoder or database takes), JSON nested deeper than 32 levels, a Content-Length that is not a
whole number (through a real runserver-style WSGI server too), a PNG whose header promises more
pixels than its data holds, a token no board holds (one answer whether the board in the URL
exists or not, found by the token's hash alone), an inactive board, and a forged Host header
(media URLs and the pairing QR code come from configuration)."""

import datetime
import io
import json
import socket
import struct
import threading
import zlib

import pytest
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from wagtail.models import Site

from boards import channel
from boards.api import issue_token
from boards.models import Board, BoardStatus, Heartbeat, PlaylistVersion, PlayRecord
from boards.publishing import file_url, store_file
from core.http import MAX_JSON_DEPTH, BadRequestData, parse_json
from station.ingest import _is_end

API = "/api/boards/v1"
CONFIGURED = "https://bang.tra-vinh.example"  # where players reach this installation


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BOARDS_API_CACHE_SECONDS = 0
    settings.WAGTAILADMIN_BASE_URL = CONFIGURED


def png(size=(64, 32), colour=(10, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg(size=(64, 32), colour=(10, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def lying_png(width, height, data=b"\x00" * 1000):
    """A well-formed PNG (right signature, chunks and CRCs) whose header says width×height but
    whose compressed data holds only a few rows."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def error_of(response):
    return response.json()["error"]


@pytest.fixture
def board(commune):
    made = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    token = issue_token(made)
    file = store_file(png((384, 192)), "png", 384, 192)
    PlaylistVersion.objects.create(
        board=made,
        number=1,
        items=[
            {
                "id": "media:1",
                "kind": "image",
                "url": file_url(file),
                "sha256": file.sha256,
                "bytes": file.size,
                "duration_s": 10,
                "priority": "normal",
                "title": "Thông báo lịch tiêm chủng",
                "valid_from": None,
                "valid_to": None,
            }
        ],
        fingerprint="f" * 64,
        generated_at=timezone.now().replace(microsecond=0),
    )
    return made, token


def post_json(client, url, token, raw, **extra):
    body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()  # json.dumps writes \ud800 as is
    return client.post(url, body, content_type="application/json", **auth(token), **extra)


# --- Text a database cannot store ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"version": 1, "playing": "\ud800"}, "playing"),
        ({"version": 1, "playing": "news:1\x00"}, "playing"),
        ({"version": 1, "player": {"name": "trình phát \udfff", "version": "1.0"}}, "player.name"),
        ({"version": 1, "errors": ["ổ đĩa đầy", "lỗi \ud83d"]}, "errors[1]"),
        ({"version": 1, "\ud800": "x"}, None),  # a key: never echoed back
    ],
)
def test_heartbeat_text_with_nul_or_a_lone_surrogate_is_refused(client, board, payload, field):
    row, token = board
    response = post_json(client, f"{API}/{row.pk}/heartbeat", token, payload)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_text"
    assert "ký tự không hợp lệ" in error["message"] and "NUL" in error["message"]
    if field:
        assert f"Trường “{field}”" in error["message"]
    assert not BoardStatus.objects.filter(board=row).exists() and not Heartbeat.objects.filter(board=row).exists()


@pytest.mark.django_db
def test_a_play_with_a_lone_surrogate_refuses_the_whole_report(client, board):
    row, token = board
    now = timezone.now().isoformat()
    plays = [
        {"item_id": "media:1", "started_at": now, "duration_s": 10},
        {"item_id": "media:\ud800", "started_at": now, "duration_s": 10},
    ]
    response = post_json(client, f"{API}/{row.pk}/plays", token, plays)
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_text"
    assert "Trường “[1].item_id”" in error_of(response)["message"]
    assert not PlayRecord.objects.exists()


@pytest.mark.django_db
def test_real_unicode_beyond_the_basic_plane_is_kept(client, board):
    """A surrogate PAIR in JSON is one real character (an emoji): accepted and stored."""
    row, token = board
    response = post_json(client, f"{API}/{row.pk}/heartbeat", token, {"version": 1, "playing": "tin \U0001f4e2"})
    assert response.status_code == 200
    assert BoardStatus.objects.get(board=row).playing == "tin \U0001f4e2"


@pytest.mark.django_db
def test_bytes_that_are_not_utf8_are_refused(client, board):
    row, token = board
    # The UTF-8 form of a surrogate (CESU-8) and a stray continuation byte.
    for raw in (b'{"playing": "\xed\xa0\x80"}', b'{"playing": "\x80"}'):
        response = post_json(client, f"{API}/{row.pk}/heartbeat", token, raw)
        assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"
        assert "không phải JSON" in error_of(response)["message"]


# --- JSON depth ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, board):
    row, token = board
    # 8,000 levels fit in the heartbeat's 16 KiB: deep enough for Python's json to recurse out.
    for raw in (b"[" * 8000 + b"]" * 8000, b'{"a":' * 2700 + b"1" + b"}" * 2700):
        response = post_json(client, f"{API}/{row.pk}/heartbeat", token, raw)
        assert response.status_code == 400, response.content[:200]
        assert error_of(response) == {"code": "too_deep", "message": "JSON lồng nhau quá sâu (tối đa 32 cấp)."}
    plays = [{"item_id": "x"}]
    for _ in range(MAX_JSON_DEPTH):
        plays = [plays]
    response = post_json(client, f"{API}/{row.pk}/plays", token, plays)
    assert response.status_code == 400 and error_of(response)["code"] == "too_deep"


def test_the_depth_limit_is_exact():
    def nested(levels):
        value = "lá"
        for _ in range(levels - 1):
            value = {"con": value}
        return json.dumps(value)

    assert parse_json(nested(MAX_JSON_DEPTH + 1))  # 32 containers around a string: 33 values deep
    with pytest.raises(BadRequestData) as caught:
        parse_json(nested(MAX_JSON_DEPTH + 2))
    assert caught.value.code == "too_deep"
    with pytest.raises(BadRequestData) as caught:
        parse_json('{"a": NaN}')
    assert caught.value.code == "invalid_json"


# --- Content-Length ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "+12", "12 34"])
def test_a_content_length_that_is_not_a_whole_number_is_a_400(client, board, commune, length):
    row, token = board
    response = post_json(client, f"{API}/{row.pk}/heartbeat", token, {"version": 1}, CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_content_length"
    assert "Content-Length" in error_of(response)["message"]
    # Any other POST, a form on a commune's site (CSRF reads the body first): 400 as text, not 500.
    site = Site.objects.get(root_page=commune)
    page = client.post(
        "/",
        "ho_ten=Nguyen",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=f"{site.hostname}:{site.port}",
        CONTENT_LENGTH=length,
    )
    assert page.status_code == 400 and "Content-Length" in page.content.decode()


def test_a_bad_content_length_through_a_real_wsgi_server_is_a_400():
    """runserver's own server class (Django's WSGIServer over wsgiref) hands the header on as it
    came; gunicorn refuses it itself. Nothing here touches the database."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        answers = []
        for length in ("abc", "-1"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(
                    f"POST {API}/1/heartbeat HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer x\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
                    '{"version": 1}'.encode()
                )
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            answers.append(answer)
    finally:
        server.shutdown()
        server.server_close()
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), head
        assert json.loads(body)["error"]["code"] == "bad_content_length"


# --- Screenshots ---------------------------------------------------------------------------------


def send_screenshot(client, row, token, data, name="man-hinh.png"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(f"{API}/{row.pk}/screenshot", {"screenshot": upload}, **auth(token))


@pytest.mark.django_db
def test_a_png_whose_header_promises_8k_but_holds_1_kb_is_refused(client, board):
    row, token = board
    data = lying_png(7680, 4320)
    assert len(data) < 1500
    response = send_screenshot(client, row, token, data)
    assert response.status_code == 400 and error_of(response)["code"] == "bad_image"
    assert "7680×4320" in error_of(response)["message"]
    assert not BoardStatus.objects.filter(board=row, screenshot__gt="").exists()


@pytest.mark.django_db
def test_cut_off_pictures_are_refused_whole_ones_kept(client, board):
    row, token = board
    # A header of 640×480 whose data is enough to pass the cheap bound but holds only some rows.
    short = lying_png(640, 480, data=b"\x00" + b"\x7f" * (640 * 3) * 1)
    cut_png = png((640, 480), (200, 10, 10))[:-300] + png((1, 1))[-12:]
    full_jpeg = jpeg((2000, 1000))
    cut_jpeg = full_jpeg[: len(full_jpeg) // 2]
    for data in (short, cut_png, cut_jpeg):
        response = send_screenshot(client, row, token, data)
        assert response.status_code == 400, response.content
        assert error_of(response)["code"] == "bad_image"
        assert "dữ liệu không đủ" in error_of(response)["message"]
    assert not BoardStatus.objects.filter(board=row, screenshot__gt="").exists()
    whole = send_screenshot(client, row, token, full_jpeg, "man-hinh.jpg")
    assert whole.status_code == 200 and whole.json() == {"ok": True, "width": 2000, "height": 1000}
    whole = send_screenshot(client, row, token, png((384, 192)))
    assert whole.status_code == 200 and whole.json()["width"] == 384
    status = BoardStatus.objects.get(board=row)
    with status.screenshot.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (384, 192)


# --- Tokens and inactive boards ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_token_gets_one_answer_whether_the_board_exists_or_not(client, board):
    row, _token = board
    answers, lookups = [], []
    for board_id in (row.pk, 987654, 99999999999):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{board_id}/playlist.json", **auth("ma-bia-dat-ra-0123456789"))
        boards_sql = [q["sql"] for q in queries.captured_queries if "boards_board" in q["sql"]]
        answers.append((response.status_code, response.content, response["WWW-Authenticate"]))
        lookups.append(boards_sql)
    assert len(set(answers)) == 1
    status, content, challenge = answers[0]
    assert status == 401 and json.loads(content)["error"] == {
        "code": "invalid_token",
        "message": "Mã truy cập không đúng hoặc đã bị thu hồi.",
    }
    assert 'error="invalid_token"' in challenge
    # One look-up, by the token's hash, the same for every board number: nothing to time.
    assert all(len(sql) == 1 and "token_hash" in sql[0] for sql in lookups)
    assert lookups[0] == lookups[1] == lookups[2]


@pytest.mark.django_db
def test_an_inactive_board_is_refused_everywhere_me_included(client, board):
    row, token = board
    assert client.get(f"{API}/me", **auth(token)).status_code == 200
    Board.objects.filter(pk=row.pk).update(is_active=False)
    now = timezone.now().isoformat()
    answers = [
        client.get(f"{API}/me", **auth(token)),
        client.get(f"{API}/{row.pk}/playlist.json", **auth(token)),
        client.get(f"{API}/{row.pk}/playlist.smil", **auth(token)),
        client.get(f"{API}/{row.pk}/playlist.m3u", **auth(token)),
        post_json(client, f"{API}/{row.pk}/heartbeat", token, {"version": 1}),
        post_json(client, f"{API}/{row.pk}/plays", token, [{"item_id": "media:1", "started_at": now, "duration_s": 1}]),
        send_screenshot(client, row, token, png()),
    ]
    for answer in answers:
        assert answer.status_code == 403
        assert error_of(answer) == {"code": "inactive_board", "message": "Bảng này đang tạm ngừng hoạt động."}
    assert not BoardStatus.objects.filter(board=row).exists() and not PlayRecord.objects.exists()


# --- Host header ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_media_urls_come_from_configuration_not_from_the_host_header(client, board, commune):
    row, token = board
    url = f"{API}/{row.pk}/playlist.json"
    assert client.get(url, HTTP_HOST="evil.example", **auth(token)).status_code == 400  # not an allowed host
    # An allowed name that is no Site (ALLOWED_HOSTS has ".localhost" in development): the configured address.
    for host in ("evil.localhost", "127.0.0.1:8000"):
        item = client.get(url, HTTP_HOST=host, **auth(token)).json()["items"][0]
        assert item["url"] == f"{CONFIGURED}{API}/media/{item['sha256']}.png"
        smil = client.get(f"{API}/{row.pk}/playlist.smil", HTTP_HOST=host, **auth(token)).content.decode()
        assert f'src="{CONFIGURED}{API}/media/' in smil and "evil" not in smil
        m3u = client.get(f"{API}/{row.pk}/playlist.m3u", HTTP_HOST=host, **auth(token)).content.decode()
        assert f"{CONFIGURED}{API}/media/" in m3u and "evil" not in m3u
    # A player that reached a commune's site: that Site's own address (scheme and port from the Site).
    site = Site.objects.get(root_page=commune)
    Site.objects.filter(pk=site.pk).update(port=443)
    from core import site_roots

    site_roots.invalidate()
    item = client.get(url, HTTP_HOST=f"{site.hostname}:8000", **auth(token)).json()["items"][0]
    assert item["url"] == f"https://{site.hostname}{API}/media/{item['sha256']}.png"


@pytest.mark.django_db
def test_the_pairing_code_names_the_configured_server(client, board, commune, django_user_model):
    row, _token = board
    editor = django_user_model.objects.create_user("bientap_ghep_noi", password="x-Strong-pass-123")
    editor.groups.add(commune.editors_group)
    client.force_login(editor)
    response = client.post(reverse("boards:pairing", args=[row.pk]), {"action": "rotate"}, HTTP_HOST="sneaky.localhost")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"&quot;server&quot;:&quot;{CONFIGURED}&quot;" in html and "sneaky" not in html.split("<main", 1)[-1]


# --- The real-time channel and the live ingest read the same way ---------------------------------


@pytest.mark.django_db
def test_channel_messages_with_bad_text_or_depth_are_refused(board):
    row, _token = board
    for payload, reason in (
        (json.dumps({"state": "online", "playing": "\ud800"}).encode(), "ký tự không hợp lệ"),
        (b'{"state": "online", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "quá sâu"),
        (b'{"state": "online", "x": ' + b"[" * 40 + b"]" * 40 + b"}", "quá sâu"),
    ):
        with pytest.raises(channel.MessageError) as caught:
            channel.record_status(row.pk, payload)
        assert reason in str(caught.value)
    assert Board.objects.get(pk=row.pk).channel_state == ""
    channel.record_status(row.pk, json.dumps({"state": "online", "playing": "news:1"}).encode())
    assert Board.objects.get(pk=row.pk).channel_status["playing"] == "news:1"


def test_the_live_ingest_ignores_deep_or_broken_control_messages():
    assert _is_end('{"type": "end"}') == "end"
    assert _is_end("[" * 100000 + "]" * 100000) is None
    assert _is_end('{"type": "end", "reason": "\\ud800"}') is None


def test_a_real_players_heartbeat_passes_the_checks():
    """The limits leave real players' reports alone: the reference player's heartbeat shape."""
    report = {
        "version": 3,
        "playing": "announcement:42",
        "cache_bytes": 123456,
        "free_bytes": 9876543,
        "uptime_s": 3600,
        "errors": ["tải tệp 3f2a…: HTTP 503"],
        "player": {"name": "tincoso-player", "version": "1.4"},
        "at": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    assert parse_json(json.dumps(report, ensure_ascii=False).encode()) == report


@pytest.mark.django_db
def test_the_live_ticket_refuses_cluster_numbers_beyond_a_database_integer(commune, django_user_model):
    """station/live.py: a number no database integer holds was an OverflowError (SQLite): a 500."""
    from station import live

    editor = django_user_model.objects.create_user("bt_phat_truc_tiep", password="x-Strong-pass-123")
    editor.groups.add(commune.editors_group)
    for ids in (["99999999999999999999"], ["0"], ["-4"]):
        with pytest.raises(live.LiveRefused) as refused:
            live.check(editor, ids, "normal")
        assert refused.value.status == 400 and refused.value.message == "Danh sách cụm loa không hợp lệ."
