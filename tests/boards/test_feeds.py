"""External feeds and calendars on boards (boards/feeds.py, boards/feed_views.py), served by a
real HTTP server on 127.0.0.1: RSS 2.0, Atom and an iCal calendar with a recurring event become
board items as plain text with their own validity; broken and hostile sources give a clear
Vietnamese message and keep what was read before; the scheduled task reads only due sources;
an editor of one commune never sees another's sources."""

import datetime
import http.server
import socket
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from boards import feeds
from boards.models import Board, BoardLayout, FeedEntry, FeedSource
from boards.tasks import fetch_feeds

TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 12, 6, 10, 0, tzinfo=TZ)  # a Sunday


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers from `server.routes[path]`: {"status", "body", "headers", "delay", "etag"}."""

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        if route.get("delay"):
            time.sleep(route["delay"])
        etag = route.get("etag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        body = route.get("body", b"")
        self.send_response(route.get("status", 200))
        for name, value in route.get("headers", {}).items():
            self.send_header(name, value)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    settings.FEEDS_TIMEOUT_S = 1
    settings.FEEDS_MAX_BYTES = 64 * 1024
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.routes, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_address[1]}{path}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def rss(*items, title="Cổng thông tin điện tử tỉnh Trà Vinh"):
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{guid}</guid><pubDate>{date}</pubDate>"
        f"<description>{description}</description></item>"
        for t, link, guid, date, description in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://travinh.gov.vn/</link>{body}</channel></rss>"
    ).encode()


NEWS = rss(
    (
        "Trà Vinh khởi công cầu Long Bình 3",
        "https://travinh.gov.vn/tin/cau-long-binh-3",
        "tin-1",
        "Sun, 06 Dec 2026 07:30:00 +0700",
        "&lt;p&gt;Sáng nay, &lt;b&gt;UBND tỉnh&lt;/b&gt; tổ chức lễ khởi công.&lt;/p&gt;",
    ),
    (
        "Lịch cắt điện tuần tới",
        "https://travinh.gov.vn/tin/cat-dien",
        "tin-2",
        "Sat, 05 Dec 2026 16:00:00 +0700",
        "Điện lực Càng Long thông báo lịch cắt điện.",
    ),
)

CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//UBND xa An Truong//Lich tiep cong dan//VI\r
BEGIN:VEVENT\r
UID:tiep-cong-dan@antruong\r
SUMMARY:Tiếp công dân định kỳ\r
LOCATION:Trụ sở UBND xã\r
DTSTART:20261208T080000\r
DTEND:20261208T110000\r
RRULE:FREQ=WEEKLY;BYDAY=TU\r
EXDATE:20261215T080000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:ngay-hoi@antruong\r
SUMMARY:Ngày hội đại đoàn kết\r
DTSTART;VALUE=DATE:20261210\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:sai-ngay@antruong\r
SUMMARY:Họp sai ngày\r
DTSTART:20261332T250000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:nguoc@antruong\r
SUMMARY:Họp ngược giờ\r
DTSTART:20261209T150000\r
DTEND:20261209T140000\r
END:VEVENT\r
END:VCALENDAR\r
""".encode()


def source(owner, url, **fields):
    fields.setdefault("name", "Cổng thông tin tỉnh")
    return FeedSource.objects.create(owner=owner, url=url, **fields)


def board(owner, layout=BoardLayout.SIDE_TICKER):
    return Board.objects.create(owner=owner, name="Bảng UBND", width=1920, height=1080, layout=layout)


def titles(src):
    return sorted(src.entries.values_list("title", flat=True))


@pytest.mark.django_db
def test_an_rss_feed_becomes_plain_text_board_items_valid_for_the_sources_hours(server, commune):
    server.routes["/rss"] = {"body": NEWS, "headers": {"Content-Type": "application/rss+xml"}}
    src = source(commune, server.url("/rss"), entry_hours=24, show_in_ticker=True)
    screen = board(commune)
    ok, message = feeds.fetch_source(src, NOW)
    assert ok, message
    src.refresh_from_db()
    assert src.last_error == "" and src.last_ok_at == NOW
    first = src.entries.get(guid="tin-1")
    assert first.summary == "Sáng nay, UBND tỉnh tổ chức lễ khởi công."  # tags gone, entities decoded
    assert first.published_at == datetime.datetime(2026, 12, 6, 7, 30, tzinfo=TZ)
    assert first.valid_until == first.published_at + datetime.timedelta(hours=24)

    candidates = {c.key: c for c in feeds.feed_candidates(screen, NOW)}
    item = candidates[f"feed:{first.pk}"]
    assert item.kind == "feed" and item.priority == "normal"
    assert item.payload.kind == "news" and item.payload.title == "Trà Vinh khởi công cầu Long Bình 3"
    assert item.payload.header == "Cổng thông tin tỉnh" and item.payload.footer == "travinh.gov.vn"
    assert item.payload.qr_url == "https://travinh.gov.vn/tin/cau-long-binh-3"
    assert item.valid_at(NOW) and not item.valid_at(NOW + datetime.timedelta(hours=22))
    # Newest first in the line; the board is recomposed at the next minute.
    assert feeds.ticker_lines(screen, NOW) == ["Trà Vinh khởi công cầu Long Bình 3", "Lịch cắt điện tuần tới"]
    assert feeds.ticker_lines(screen, NOW + datetime.timedelta(hours=20)) == ["Trà Vinh khởi công cầu Long Bình 3"]
    screen.refresh_from_db()
    assert screen.recompose_at == NOW
    # A later read where one item is gone and one is new: the kept one keeps its key.
    server.routes["/rss"]["body"] = rss(
        ("Trà Vinh khởi công cầu Long Bình 3", "https://travinh.gov.vn/tin/cau-long-binh-3", "tin-1",
         "Sun, 06 Dec 2026 07:30:00 +0700", "Khởi công."),
        ("Thời tiết ngày mai", "https://travinh.gov.vn/tin/thoi-tiet", "tin-3", "Sun, 06 Dec 2026 09:00:00 +0700", ""),
    )  # fmt: skip
    assert feeds.fetch_source(src, NOW)[0]
    assert titles(src) == ["Thời tiết ngày mai", "Trà Vinh khởi công cầu Long Bình 3"]
    assert src.entries.get(guid="tin-1").pk == first.pk


@pytest.mark.django_db
def test_an_atom_feed_reads_dates_without_a_zone_as_local_time(server, commune):
    server.routes["/atom"] = {
        "body": """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Đài Khí tượng Thủy văn Trà Vinh</title>
<link href="https://kttv.travinh.gov.vn/"/><id>urn:kttv</id><updated>2026-12-06T08:00:00</updated>
<entry><title type="html">Dự báo &lt;em&gt;mưa lớn&lt;/em&gt; ven biển</title><id>urn:kttv:1</id>
<link href="/du-bao/1"/><updated>2026-12-06T08:00:00</updated>
<summary>Mưa to đến rất to trong 24 giờ tới.</summary></entry>
<entry><title>Triều cường</title><id>urn:kttv:2</id><updated>2026-12-06T01:00:00Z</updated></entry>
</feed>""".encode(),
        "headers": {"Content-Type": "text/plain"},  # the content says what it is, not the header
    }
    src = source(commune, server.url("/atom"), name="Đài KTTV tỉnh", show_in_panel=True)
    assert feeds.fetch_source(src, NOW)[0]
    rain = src.entries.get(guid="urn:kttv:1")
    assert rain.title == "Dự báo mưa lớn ven biển"
    assert rain.published_at == datetime.datetime(2026, 12, 6, 8, 0, tzinfo=TZ)
    assert rain.link == "https://kttv.travinh.gov.vn/du-bao/1"
    tide = src.entries.get(guid="urn:kttv:2")
    assert tide.published_at == datetime.datetime(2026, 12, 6, 8, 0, tzinfo=TZ)  # 01:00Z is 08:00 here
    assert feeds.panel_lines(board(commune), NOW)[0][1] in {"Dự báo mưa lớn ven biển", "Triều cường"}


@pytest.mark.django_db
def test_a_calendar_expands_its_recurring_event_and_skips_impossible_ones_with_the_reason(server, commune):
    server.routes["/lich.ics"] = {"body": CALENDAR, "headers": {"Content-Type": "text/calendar"}}
    src = source(
        commune, server.url("/lich.ics"), name="Lịch tiếp công dân", days_ahead=21, max_entries=10,
        show_as_slides=True, show_in_panel=True,
    )  # fmt: skip
    screen = board(commune)
    assert feeds.fetch_source(src, NOW)[0]
    src.refresh_from_db()
    starts = sorted(timezone.localtime(e.starts_at) for e in src.entries.filter(title="Tiếp công dân định kỳ"))
    # Tuesdays at 08:00 local time within 21 days, without the cancelled 15/12.
    assert [(d.day, d.month, d.hour) for d in starts] == [(8, 12, 8), (22, 12, 8)]
    assert "Họp sai ngày" in src.last_skipped and "ngày bắt đầu không hợp lệ" in src.last_skipped
    assert "Họp ngược giờ" in src.last_skipped and "trước khi bắt đầu" in src.last_skipped
    assert not src.entries.filter(title__startswith="Họp").exists()

    lines = feeds.panel_lines(screen, NOW)
    assert lines[0] == ("Thứ Ba 08/12 08:00", "Tiếp công dân định kỳ")
    assert ("Thứ Năm 10/12", "Ngày hội đại đoàn kết") in lines
    meeting = src.entries.get(starts_at=starts[0])
    assert meeting.summary.startswith("Thứ Ba 08/12 08:00 – 11:00 · Trụ sở UBND xã")
    assert meeting.valid_until == datetime.datetime(2026, 12, 8, 11, 0, tzinfo=TZ)
    slides = [c for c in feeds.feed_candidates(screen, NOW) if c.payload.title == "Tiếp công dân định kỳ"]
    assert {c.payload.kind for c in slides} == {"announcement"} and len(slides) == 2
    # After the meeting ends it is gone from the panel; the next one shows.
    later = datetime.datetime(2026, 12, 8, 11, 30, tzinfo=TZ)
    assert feeds.panel_lines(screen, later)[0] == ("Thứ Năm 10/12", "Ngày hội đại đoàn kết")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>"""

BROKEN = {
    "404": ({"status": 404, "body": b"not here"}, "HTTP 404 (không tìm thấy)"),
    "500": ({"status": 500, "body": b"oops"}, "HTTP 500 (lỗi máy chủ)"),
    "timeout": ({"body": NEWS, "delay": 2.5}, "Quá thời gian chờ (1 giây)"),
    "truncated": ({"body": NEWS[: len(NEWS) // 2]}, "Nội dung XML hỏng hoặc bị cắt cụt (dòng 1"),
    "html": (
        {"body": b"<!DOCTYPE html><html><head><title>Trang chu</title></head><body>Xin chao</body></html>"},
        "là một trang web (HTML), không phải nguồn RSS/Atom hay lịch iCal",
    ),
    "oversize": ({"body": NEWS + b"<!--" + b"x" * 70_000 + b"-->"}, "Nội dung nguồn quá lớn (trên 64 KiB)"),
    "bomb": ({"body": BILLION_LAUGHS}, "bom XML"),
    "impossible-calendar": (
        {
            "body": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Hop\r\n"
            b"DTSTART:20269945T990000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        },
        "Không mục nào hiện được",
    ),
    "not-a-feed": ({"body": b"\x89PNG\r\n\x1a\n\x00\x00binary"}, "không phải nguồn RSS/Atom hay lịch iCal"),
    "other-xml": ({"body": b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>"}, "thẻ gốc <svg>"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_source_says_why_and_keeps_what_it_had(server, commune, case):
    server.routes["/nguon"] = {"body": NEWS}
    src = source(commune, server.url("/nguon"))
    screen = board(commune)
    assert feeds.fetch_source(src, NOW)[0]
    before = sorted(src.entries.values_list("pk", "title"))
    assert len(before) == 2
    route, expected = BROKEN[case]
    server.routes["/nguon"] = route
    later = NOW + datetime.timedelta(minutes=30)
    ok, message = feeds.fetch_source(src, later)
    assert not ok and expected in message
    src.refresh_from_db()
    assert src.last_error == message and src.last_fetched_at == later and src.last_ok_at == NOW
    assert sorted(src.entries.values_list("pk", "title")) == before  # nothing lost
    assert feeds.feed_problems(screen) == [("Cổng thông tin tỉnh", message)]
    # The board still shows what was read before.
    assert len(feeds.feed_candidates(screen, later)) == 2


@pytest.mark.django_db
def test_hostile_content_is_stored_as_harmless_plain_text(server, commune):
    huge = "Rất dài " * 2000
    server.routes["/rss"] = {
        "body": rss(
            (
                "&lt;script&gt;alert('x')&lt;/script&gt;Thông báo &lt;img src=x onerror=alert(1)&gt;họp dân",
                "javascript:alert(document.cookie)",
                "g1",
                "Sun, 06 Dec 2026 08:00:00 +0700",
                "&lt;style&gt;body{display:none}&lt;/style&gt;Nội&amp;#x7; dung&#x202E; &lt;a href='javascript:x'&gt;đây&lt;/a&gt;",
            ),
            (huge, "data:text/html,<b>x</b>", "g2", "Sun, 06 Dec 2026 08:00:00 +0700", ""),
            ("Tin có ngày giả", "https://a.vn/x", "g3", "Mon, 31 Feb 2026 10:00:00 +0700", ""),
        )
    }
    src = source(commune, server.url("/rss"))
    assert feeds.fetch_source(src, NOW)[0]
    first = src.entries.get(guid="g1")
    assert first.title == "Thông báo họp dân" and first.link == ""
    assert first.summary == "Nội dung đây"  # style dropped with its content, control and override gone
    long = src.entries.get(guid="g2")
    assert len(long.title) <= 300 and long.title.endswith("…") and long.link == ""
    assert not src.entries.filter(guid="g3").exists()
    src.refresh_from_db()
    assert "Tin có ngày giả" in src.last_skipped and "ngày đăng không hợp lệ" in src.last_skipped


@pytest.mark.django_db
def test_an_unchanged_feed_answers_304_and_keeps_its_entries(server, commune):
    server.routes["/rss"] = {"body": NEWS, "etag": '"v1"'}
    src = source(commune, server.url("/rss"))
    assert feeds.fetch_source(src, NOW)[0]
    src.refresh_from_db()
    assert src.etag == '"v1"'
    pks = sorted(src.entries.values_list("pk", flat=True))
    later = NOW + datetime.timedelta(minutes=30)
    ok, message = feeds.fetch_source(src, later)
    assert ok, message
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    src.refresh_from_db()
    assert src.last_ok_at == later and sorted(src.entries.values_list("pk", flat=True)) == pks


@pytest.mark.django_db
def test_private_addresses_and_other_schemes_are_refused(server, commune, settings):
    server.routes["/rss"] = {"body": NEWS}
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    src = source(commune, server.url("/rss"))
    ok, message = feeds.fetch_source(src, NOW)
    assert not ok and "mạng nội bộ (127.0.0.1)" in message
    assert server.requests == []  # never connected
    # A redirect is checked again: to file:// (or to too many hops) is refused.
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    server.routes["/chuyen"] = {"status": 302, "headers": {"Location": "file:///etc/passwd"}}
    server.routes["/vong"] = {"status": 301, "headers": {"Location": "/vong"}}
    src.url = server.url("/chuyen")
    assert "Chỉ đọc được địa chỉ bắt đầu bằng http:// hoặc https://" in feeds.fetch_source(src, NOW)[1]
    src.url = server.url("/vong")
    assert "chuyển hướng quá nhiều lần" in feeds.fetch_source(src, NOW)[1]


@pytest.mark.django_db
def test_the_scheduled_task_reads_only_due_sources_and_one_failure_stops_none(server, commune):
    for path in ("/a", "/b", "/c", "/d"):
        server.routes[path] = {"body": NEWS}
    server.routes["/loi"] = {"status": 500}
    never = source(commune, server.url("/a"), name="Chưa đọc")
    recent = source(commune, server.url("/b"), name="Vừa đọc", last_fetched_at=NOW - datetime.timedelta(minutes=2))
    old = source(commune, server.url("/c"), name="Đến hạn", last_fetched_at=NOW - datetime.timedelta(minutes=31))
    source(commune, server.url("/d"), name="Tạm dừng", is_active=False)
    failing = source(commune, server.url("/loi"), name="Lỗi")
    results = fetch_feeds(NOW)
    assert results == {never.pk: True, old.pk: True, failing.pk: False}
    assert sorted(path for path, _headers in server.requests) == ["/a", "/c", "/loi"]
    recent.refresh_from_db()
    assert recent.entries.count() == 0 and recent.last_fetched_at == NOW - datetime.timedelta(minutes=2)
    # A minute later nothing is due.
    assert fetch_feeds(NOW + datetime.timedelta(minutes=1)) == {}


@pytest.mark.django_db
def test_a_province_source_shows_on_its_communes_boards_only_when_asked(server, province, commune):
    server.routes["/rss"] = {"body": NEWS}
    src = source(province, server.url("/rss"), show_in_ticker=True)
    screen = board(commune)
    assert feeds.fetch_source(src, NOW)[0]
    assert feeds.feed_candidates(screen, NOW) == [] and feeds.ticker_lines(screen, NOW) == []
    src.show_inside = True
    src.save()
    assert len(feeds.feed_candidates(screen, NOW)) == 2 and len(feeds.ticker_lines(screen, NOW)) == 2


# --- The admin ------------------------------------------------------------------------------------


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_nguon_an_truong", password="x-Strong-pass-123")
    user.groups.add(commune.editors_group)
    return user


@pytest.mark.django_db
def test_a_commune_editor_sees_and_checks_only_their_own_sources(client, server, editor, commune, other_commune):
    server.routes["/rss"] = {"body": NEWS}
    mine = source(commune, server.url("/rss"), name="Tin tỉnh cho An Trường")
    theirs = source(other_commune, server.url("/rss"), name="Tin tỉnh cho Đông Hải", last_error="Lỗi riêng")
    client.force_login(editor)
    listing = client.get("/admin/nguon-tin-ngoai/").content.decode()
    assert "Tin tỉnh cho An Trường" in listing and "Tin tỉnh cho Đông Hải" not in listing
    for url in (
        f"/admin/nguon-tin-ngoai/edit/{theirs.pk}/",
        f"/admin/nguon-tin-ngoai/delete/{theirs.pk}/",
        f"/admin/nguon-tin-ngoai/kiem-tra/{theirs.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/nguon-tin-ngoai/kiem-tra/{theirs.pk}/").status_code == 404
    assert server.requests == []
    # Their own: "Kiểm tra ngay" reads it and shows the entries.
    checked = client.post(f"/admin/nguon-tin-ngoai/kiem-tra/{mine.pk}/", follow=True)
    page = checked.content.decode()
    assert "Đã đọc “Tin tỉnh cho An Trường”: Đọc được 2 mục." in page
    assert "Trà Vinh khởi công cầu Long Bình 3" in page and "đang hiện" in page
    # A failing read shows its error, in the list too.
    server.routes["/rss"] = {"status": 503}
    page = client.post(f"/admin/nguon-tin-ngoai/kiem-tra/{mine.pk}/", follow=True).content.decode()
    assert "Máy chủ nguồn trả lỗi HTTP 503 (tạm ngừng phục vụ)." in page and "Lịch cắt điện tuần tới" in page
    assert "Máy chủ nguồn trả lỗi HTTP 503" in client.get("/admin/nguon-tin-ngoai/").content.decode()
    # The owner can only be their commune; only http(s) addresses.
    form = {
        "name": "Lịch tiếp dân",
        "url": "https://antruong.travinh.gov.vn/lich.ics",
        "kind": "auto",
        "show_as_slides": "on",
        "refresh_minutes": "30",
        "entry_hours": "48",
        "max_entries": "5",
        "days_ahead": "7",
        "is_active": "on",
    }
    assert client.post("/admin/nguon-tin-ngoai/new/", {**form, "owner": other_commune.pk}).status_code == 200
    refused = client.post("/admin/nguon-tin-ngoai/new/", {**form, "owner": commune.pk, "url": "ftp://a.vn/x.ics"})
    assert "Chỉ nhận địa chỉ bắt đầu bằng http:// hoặc https://." in refused.content.decode()
    too_often = client.post("/admin/nguon-tin-ngoai/new/", {**form, "owner": commune.pk, "refresh_minutes": "1"})
    assert too_often.status_code == 200 and not FeedSource.objects.filter(name="Lịch tiếp dân").exists()
    nowhere = {k: v for k, v in form.items() if k != "show_as_slides"}
    shown_nowhere = client.post("/admin/nguon-tin-ngoai/new/", {**nowhere, "owner": commune.pk})
    assert "Chọn ít nhất một nơi hiện" in shown_nowhere.content.decode()
    assert client.post("/admin/nguon-tin-ngoai/new/", {**form, "owner": commune.pk}).status_code == 302
    assert FeedSource.objects.get(name="Lịch tiếp dân").owner_id == commune.pk


@pytest.mark.django_db
def test_the_board_preview_shows_a_failing_source(client, server, editor, commune):
    server.routes["/rss"] = {"body": "<html><body>Trang chủ</body></html>".encode()}
    src = source(commune, server.url("/rss"), name="Cổng tỉnh (sai đường dẫn)")
    screen = board(commune)
    feeds.fetch_source(src)
    client.force_login(editor)
    page = client.get(f"/admin/bang-dien-tu/preview/{screen.pk}/").content.decode()
    assert "Nguồn tin ngoài đang lỗi, tạm bỏ qua" in page and "Cổng tỉnh (sai đường dẫn)" in page
    assert "không phải nguồn RSS/Atom hay lịch iCal" in page
    assert FeedEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_boards_playlist_plays_the_feed_and_scrolls_its_titles(server, commune, settings, tmp_path):
    from boards.publishing import rebuild

    settings.MEDIA_ROOT = str(tmp_path / "media")
    server.routes["/rss"] = {"body": NEWS}
    src = source(commune, server.url("/rss"), show_in_ticker=True)
    led = Board.objects.create(
        owner=commune, name="Bảng LED chợ", kind="led", width=384, height=192, layout=BoardLayout.LED_SCROLL
    )
    assert feeds.fetch_source(src, NOW)[0]
    version, _created, _rendered, problems = rebuild(led, NOW)
    assert not problems
    keys = {f"feed:{pk}" for pk in src.entries.values_list("pk", flat=True)}
    assert keys <= {item["id"] for item in version.items}
    line = next(z for z in version.schedule["layout"]["zones"] if z["id"] == "ticker")
    assert "Trà Vinh khởi công cầu Long Bình 3" in line["text"] and "Lịch cắt điện tuần tới" in line["text"]
    # Paused: the next composition leaves its entries out.
    src.is_active = False
    src.save()
    version, *_rest = rebuild(led, NOW + datetime.timedelta(minutes=1))
    assert not keys & {item["id"] for item in version.items}


@pytest.mark.django_db
def test_a_calendar_that_repeats_without_end_costs_only_what_is_kept(server, commune):
    server.routes["/lap.ics"] = {
        "body": (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "BEGIN:VEVENT\r\nUID:moi-gio\r\nSUMMARY:Phát thanh mỗi giờ\r\nDTSTART:20200101T000000Z\r\n"
            "DURATION:PT10M\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:moi-giay\r\nSUMMARY:Lặp mỗi giây\r\nDTSTART:20261206T000000Z\r\n"
            "RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:hong\r\nSUMMARY:Quy tắc hỏng\r\nDTSTART:20261207T000000Z\r\n"
            "RRULE:FREQ=NEVER;COUNT=x\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n"
        ).encode()
    }
    src = source(commune, server.url("/lap.ics"), max_entries=5, days_ahead=90)
    assert feeds.fetch_source(src, NOW)[0]
    starts = sorted(src.entries.values_list("starts_at", flat=True))
    # The five soonest hours still running or to come (10:00 local is 03:00Z; 02:00Z ends 02:10Z).
    assert [timezone.localtime(s).hour for s in starts] == [10, 11, 12, 13, 14]
    src.refresh_from_db()
    assert "Lặp mỗi giây" in src.last_skipped and "mỗi giây hoặc mỗi phút" in src.last_skipped
    assert "Quy tắc hỏng" in src.last_skipped and "quy tắc lặp (RRULE) không hợp lệ" in src.last_skipped


@pytest.mark.django_db
def test_a_source_declared_as_a_calendar_refuses_a_news_feed_and_a_closed_port_is_said(server, commune):
    server.routes["/rss"] = {"body": NEWS}
    src = source(commune, server.url("/rss"), kind="ical")
    ok, message = feeds.fetch_source(src, NOW)
    assert not ok and "Nguồn khai báo là lịch iCal nhưng nội dung là XML" in message
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        src.url = f"http://127.0.0.1:{closed.getsockname()[1]}/rss"
        ok, message = feeds.fetch_source(src, NOW)
    assert not ok and "Không kết nối được đến máy chủ 127.0.0.1" in message
