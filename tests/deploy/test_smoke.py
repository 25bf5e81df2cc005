"""The deployed stack, as citizens, players and officials meet it: through nginx over HTTPS, on
the installation's own services (gunicorn on its socket, the worker, the MQTT sender and the
project's Mosquitto, the live ingest and Icecast), set up only with its management commands
(no admin sign-in). deploy/ci.sh runs it after deploy/install.sh; without TINCOSO_DEPLOY_URL it
is skipped (tests/deploy/conftest.py).

- the province, a district and a commune site answer on their own names, with a certificate
  that checks, HSTS, the page cache shared by every gunicorn worker, HTTP sent to HTTPS, and
  hashed static files cached for a year;
- a citizen's question (proof of work, CSRF, a photo) reaches the commune, counted by the
  address that connected, not the one a client claims in X-Forwarded-For;
- the reference player pairs by its token alone, downloads its slides (straight from nginx,
  immutable, verified by hash), joins the real-time channel; an emergency alert published for the
  district reaches it through the worker and MQTT long before its next poll, and the commune's
  pages show the banner at once;
- bodies are limited by address (413 from nginx), the live ingest's WebSocket answers through
  nginx, Icecast answers, documents are never served from /media/, every unit runs.
"""

import asyncio
import hashlib
import io
import json
import random
import re
import subprocess
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.deploy

SITES = """
import json
from areas.models import AreaPage, CommuneHomePage
province = AreaPage.objects.filter(level="province").order_by("path").first()
district = AreaPage.objects.child_of(province).filter(level="district", unit_type="huyen").order_by("path").first()
commune = CommuneHomePage.objects.descendant_of(district).filter(unit_type="xa").order_by("path").first()
print(json.dumps({
    "province": [province.portal.get_site().hostname, province.title],
    "district": [district.portal.get_site().hostname, district.title],
    "commune": [commune.get_site().hostname, commune.title],
}))
"""


def run(coroutine):
    return asyncio.run(coroutine)


async def fetch(stack, url, method="GET", timeout=30, **options):
    """(status, headers, body bytes) of one request through the stack."""
    async with stack.session(timeout=timeout) as session, session.request(method, url, **options) as response:
        return response.status, response.headers, await response.read()


async def raw_head(stack, host, request_head):
    """Send only a request's head (no body) over TLS and return the status nginx answers with:
    a body over the limit is refused on its Content-Length, before a byte of it is sent."""
    reader, writer = await asyncio.open_connection(
        stack.connect or host, stack.port, ssl=stack.ssl_context(), server_hostname=host
    )
    try:
        writer.write(request_head.encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 20)
        return int(status_line.split()[1])
    finally:
        writer.close()


@pytest.fixture(scope="module")
def sites(stack):
    return {level: (host, title) for level, (host, title) in stack.shell_json(SITES).items()}


def test_every_level_answers_on_its_own_name_over_https(stack, sites):
    for level, (host, title) in sites.items():
        status, headers, body = run(fetch(stack, stack.site_url(host)))
        html = body.decode()
        assert status == 200, (level, host, status)
        page_title = re.search(r"<title>([^<]*)</title>", html)[1]
        assert title.lower() in page_title.lower(), f"{host}: {page_title!r} does not name {title}"
        assert "max-age=31536000" in headers.get("Strict-Transport-Security", ""), host
        # The page cache is Redis, shared by every worker: the same page again is a hit.
        hits = [run(fetch(stack, stack.site_url(host)))[1].get("X-Cache") for _ in range(3)]
        assert "HIT" in hits, (host, hits)

        # Plain HTTP is sent to HTTPS, path kept.
        status, headers, _ = run(fetch(stack, stack.site_url(host, "/tin-tuc/?trang=2", "http"), allow_redirects=False))
        assert status == 301 and headers["Location"] == stack.site_url(host, "/tin-tuc/?trang=2"), headers

    # Hashed static files: from nginx, compressed, cached for a year; unhashed ones for an hour.
    host = sites["commune"][0]
    html = run(fetch(stack, stack.site_url(host)))[2].decode()
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html)[1]
    status, headers, body = run(fetch(stack, stack.site_url(host, css), headers={"Accept-Encoding": "gzip"}))
    assert status == 200 and body
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers.get("Content-Encoding") == "gzip"
    plain = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", css)
    assert run(fetch(stack, stack.site_url(host, plain)))[1]["Cache-Control"] == "public, max-age=3600"


def test_a_name_outside_the_domain_gets_no_certificate(stack):
    async def handshake():
        try:
            await asyncio.open_connection(
                stack.connect or stack.host, stack.port, ssl=stack.ssl_context(), server_hostname="not-ours.example"
            )
        except (OSError, ConnectionError) as error:  # ssl.SSLError is an OSError
            return error
        return None

    error = run(handshake())
    assert error is not None and "UNRECOGNIZED_NAME" in str(error), error  # ssl_reject_handshake


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_citizens_question_reaches_the_commune_counted_by_the_real_address(stack, sites):
    import aiohttp

    from inquiries.captcha import solve

    host = sites["commune"][0]
    form_url = stack.site_url(host, "/hoi-dap/gui/")

    # From another loopback address than nginx's own: what the app counts is then the client's
    # address (X-Forwarded-For from nginx), not nginx's (REMOTE_ADDR), nor what the client claims.
    # A fresh one each run (and a fresh phone number): the limits per address and per phone hold.
    rng = random.SystemRandom()
    source = (
        f"127.0.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}" if (stack.connect or "").startswith("127.") else None
    )
    phone = f"09{rng.randrange(10**7, 10**8)}"

    async def ask():
        async with stack.session(local_addr=source) as session:
            async with session.get(form_url) as response:
                assert response.status == 200
                html = await response.text()
            hidden = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', html))
            difficulty = int(re.search(r'data-pow-difficulty="(\d+)"', html)[1])
            form = aiohttp.FormData()
            fields = {
                "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"],
                "kind": "phan_anh",
                "topic": "moi_truong",
                "title": "Phản ánh rác thải đổ trộm ven kênh (kiểm thử triển khai)",
                "body": "Rác thải sinh hoạt bị đổ trộm ven kênh gần cầu, đề nghị xã cho thu gom và nhắc nhở.",
                "location": "Ấp Xóm Giữa, gần cầu",
                "name": "Nguyễn Văn Ba",
                "phone": phone,
                "email": "ba@example.vn",
                "consent": "on",
                "website": "",
                "pow_token": hidden["pow_token"],
                "pow_nonce": solve(hidden["pow_token"], difficulty),
                "submission_key": hidden["submission_key"],
            }
            for name, value in fields.items():
                form.add_field(name, value)
            form.add_field("photos", _jpeg(), filename="rac-thai.jpg", content_type="image/jpeg")
            headers = {
                "Referer": form_url,
                "Origin": stack.site_url(host, "").rstrip("/"),
                # A client claiming another address: nginx replaces it with the one that connected.
                "X-Forwarded-For": "203.0.113.9",
            }
            async with session.post(form_url, data=form, headers=headers, allow_redirects=False) as response:
                body = await response.text()
                assert response.status == 303, body[:3000]
                receipt = response.headers["Location"]
            async with session.get(stack.site_url(host, receipt)) as response:
                return receipt, response.status, await response.text()

    receipt, status, html = run(ask())
    code = re.fullmatch(r"/hoi-dap/da-gui/([^/]+)/", receipt)[1]
    assert status == 200
    found = stack.shell_json(f"""
import json
from inquiries.handling import client_key
from inquiries.models import Inquiry
inquiry = Inquiry.objects.get(code={code!r})
print(json.dumps({{
    "display": inquiry.display_code, "commune": inquiry.commune.get_site().hostname,
    "photos": inquiry.photos.count(),
    "client": inquiry.client_key == client_key({source!r}),
    "proxy": inquiry.client_key == client_key("127.0.0.1"),
    "claimed": inquiry.client_key == client_key("203.0.113.9"),
}}))
""")
    assert found["display"] in html
    assert found["commune"] == host and found["photos"] == 1
    assert not found["claimed"], "the rate limits would count the address the client claimed"
    if source:
        assert found["client"] and not found["proxy"], "the rate limits would count nginx's address for everyone"


SETUP_BOARD = """
import json
from areas.models import CommuneHomePage
from boards.api import issue_token
from boards.models import Board
from boards.publishing import rebuild
from cms_pages.models import NewsIndexPage, NewsPage
home = CommuneHomePage.objects.get(structure="2024", code="29287")  # Bình Phú, Càng Long
news = NewsPage(title="Bình Phú ra quân làm đường giao thông nông thôn", summary="Tin thường ngày của xã.")
NewsIndexPage.objects.child_of(home).get().add_child(instance=news)
news.save_revision().publish()
board = Board.objects.create(owner=home, name="Bảng chợ Bình Phú (kiểm thử triển khai)", width=384, height=192)
# A poll every ten minutes: what reaches the player sooner came through the real-time channel.
Board.objects.filter(pk=board.pk).update(refresh_seconds=600)
board.refresh_from_db()
rebuild(board)
print(json.dumps({"board": board.pk, "token": issue_token(board), "host": home.get_site().hostname}))
"""

WAIT_ONLINE = """
import json, time
from boards.models import Board, BoardStatus, ChannelLink
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    board = Board.objects.get(pk={board})
    if board.channel_state == "online":
        break
    time.sleep(0.5)
link = ChannelLink.objects.filter(pk=1).first()
status = BoardStatus.objects.filter(board_id={board}).first()
print(json.dumps({{"state": board.channel_state, "sender": bool(link and link.connected),
                   "seen": bool(status and status.last_seen_at)}}))
"""

ALERT = """
import datetime, json
from django.utils import timezone
from areas.models import AreaPage, PortalHomePage
from sources.models import EmergencyAlertPage, SourceIndexPage
district = AreaPage.objects.get(structure="2024", level="district", code="844")  # Càng Long
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(district).get()).get()
now = timezone.now()
alert = EmergencyAlertPage(
    title="Lũ quét ở huyện Càng Long, sơ tán khẩn cấp (kiểm thử triển khai)", event="Lũ quét",
    summary="Mưa lớn gây lũ quét ở các xã ven sông.", instruction="Di dời ngay đến nơi cao.",
    valid_from=now - datetime.timedelta(minutes=1), valid_until=now + datetime.timedelta(hours=2))
alert.target_areas = [district]
section.add_child(instance=alert)
alert.save_revision().publish()
print(json.dumps({"alert": alert.pk, "title": alert.title}))
"""

DELIVERED = """
import json, time
from boards.models import Board, BoardCommand, PlaylistVersion
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    newest = PlaylistVersion.objects.filter(board_id={board}).order_by("-number").first()
    board = Board.objects.get(pk={board})
    if (board.channel_status or {{}}).get("version") == newest.number:
        break
    time.sleep(0.5)
collects = list(BoardCommand.objects.filter(board_id={board}, kind="collect").values_list("state", flat=True))
print(json.dumps({{"newest": newest.number, "reported": (board.channel_status or {{}}).get("version"),
                   "collects": collects}}))
"""


def _items(cache):
    try:
        return json.loads((cache / "playlist.json").read_text())["items"]
    except (OSError, ValueError, KeyError):
        return []


def _wait(condition, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


def test_a_player_pairs_plays_and_an_alert_reaches_it_through_the_channel(stack, tmp_path):
    made = stack.shell_json(SETUP_BOARD)
    cache = tmp_path / "player"
    log = open(tmp_path / "player.log", "w")
    player = subprocess.Popen(
        stack.player_command(
            "--server", stack.url.rstrip("/"), f"--token={made['token']}", "--cache", str(cache), "--timeout", "10"
        ),
        env=stack.player_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    alert = None
    try:
        # Paired by its token alone (GET /api/boards/v1/me), it holds the board's playlist.
        assert _wait(lambda: _items(cache), 60), (
            "the player never held a playlist:\n" + (tmp_path / "player.log").read_text()
        )
        items = _items(cache)
        assert {i["id"].split(":")[0] for i in items} == {"news"}, items  # the commune's news, no alert
        # Its files: absolute https:// addresses (X-Forwarded-Proto), served by nginx from the disk,
        # immutable, and exactly the bytes the hash names.
        first = items[0]
        assert urlsplit(first["url"]).scheme == "https", first["url"]
        status, headers, body = run(fetch(stack, first["url"]))
        assert status == 200 and hashlib.sha256(body).hexdigest() == first["sha256"]
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert (cache / "current.png").exists() or _wait(lambda: (cache / "current.png").exists(), 20)

        # It joins the channel: the project's Mosquitto, the credentials the sender wrote for its token.
        online = stack.shell_json(WAIT_ONLINE.format(board=made["board"]))
        assert online == {"state": "online", "sender": True, "seen": True}, online

        # An emergency for the whole district: the worker recomposes the board, the sender pushes
        # `collect`, the player fetches at once (its own next poll is ten minutes away).
        alert = stack.shell_json(ALERT)
        key = f"pushed:{alert['alert']}"
        started = time.monotonic()
        held = _wait(lambda: [i["id"] for i in _items(cache)][:1] == [key], 60)
        assert held, "the alert did not reach the player:\n" + (tmp_path / "player.log").read_text()[-3000:]
        print(f"alert held by the player {time.monotonic() - started:.1f} s after publishing")
        assert _items(cache)[0]["priority"] == "emergency"
        delivered = stack.shell_json(DELIVERED.format(board=made["board"]))
        assert delivered["reported"] == delivered["newest"], delivered  # its status over MQTT says so
        assert "done" in delivered["collects"], delivered  # and it acked the push

        # The commune's site shows the banner at once (a publish starts a new page-cache version).
        status, _headers, body = run(fetch(stack, stack.site_url(made["host"])))
        assert status == 200 and alert["title"] in body.decode()
    finally:
        player.terminate()
        try:
            player.wait(timeout=20)
        except subprocess.TimeoutExpired:
            player.kill()
        log.close()
        if alert:
            stack.shell(
                "from sources.models import EmergencyAlertPage; "
                f"EmergencyAlertPage.objects.get(pk={alert['alert']}).unpublish(); print('ok')"
            )


def test_bodies_are_limited_by_address(stack, sites):
    host = sites["province"][0]

    def head(path, size):
        return (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
        )

    mb = 1024 * 1024
    assert run(raw_head(stack, host, head("/hoi-dap/gui/", 20 * mb))) == 413  # public: 16 MB
    assert run(raw_head(stack, host, head("/api/boards/v1/1/screenshot", 3 * mb))) == 413  # players: 2 MB
    assert run(raw_head(stack, host, head("/admin/documents/multiple/add/", 120 * mb))) == 413  # admin: 110 MB
    assert run(raw_head(stack, host, head("/admin/chuong-trinh-phat-thanh/add/", 220 * mb))) == 413  # 210 MB

    # 120 MB to the recorded programmes' address goes through nginx to Django, which reads it all
    # (a multipart body with a CSRF cookie: the check looks for the form's token in it) and
    # refuses the anonymous post itself, never with nginx's 413.
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("upload", bytes(120 * mb), filename="chuong-trinh.mp3", content_type="audio/mpeg")
    origin = stack.site_url(host, "").rstrip("/")
    status, _headers, _body = run(
        fetch(
            stack,
            stack.site_url(host, "/admin/chuong-trinh-phat-thanh/add/"),
            method="POST",
            data=form,
            headers={
                "Origin": origin,
                "Referer": origin + "/admin/chuong-trinh-phat-thanh/add/",
                "Cookie": "csrftoken=" + "a" * 32,
            },
            allow_redirects=False,
            timeout=120,
        )
    )
    assert status != 413 and status < 500, status


def test_live_ingest_icecast_documents_and_units(stack, sites):
    host = sites["province"][0]

    async def ingest():
        async with (
            stack.session() as session,
            session.ws_connect(stack.site_url(host, "/phat-truc-tiep/", "wss")) as ws,
        ):
            await ws.send_json({"ticket": "khong-phai-ve-that"})
            message = await ws.receive_json(timeout=15)
            await ws.receive(timeout=15)
            return message, ws.close_code

    message, close_code = run(ingest())
    assert message["type"] == "error" and message["message"], message  # the ingest's own Vietnamese refusal
    assert close_code == 4000, close_code

    icecast = stack.shell("from django.conf import settings; print(settings.STATION_LIVE_PUBLIC_URL)")
    status, _headers, body = run(fetch(stack, icecast + "/status-json.xsl"))
    assert status == 200 and json.loads(body)["icestats"]["server_id"].startswith("Icecast 2"), body[:300]

    assert run(fetch(stack, stack.site_url(host, "/media/documents/bao-cao.pdf")))[0] == 404

    status = stack.units("status")
    assert status.returncode == 0, status.stdout + status.stderr
    if "Active:" not in status.stdout:  # deploy/units.py's lines (systemctl's exit status says the same)
        for unit in ("web", "worker", "mqtt-sender", "live", "mosquitto", "icecast"):
            assert re.search(rf"-{unit}: đang chạy", status.stdout), (unit, status.stdout)
