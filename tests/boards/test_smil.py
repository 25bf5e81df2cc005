"""A-SMIL that real players play (boards/smil.py, boards/schemas/asmil.xsd, served by
boards/api.py): timing on par containers, never on media (signageOS's player drops a media
element with its own wallclock begin/end, SMIL forbids wallclock on a seq's children);
prefetch in a seq of its own that ends, as in the A-SMIL example; the priority items loop with
the normal ones instead of deferring them for ever; a video-only board's playlist MP4."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from boards.api import issue_token
from boards.models import Board
from boards.publishing import rebuild
from boards.smil import build_smil, class_window
from tests.factories import announcement, news

API = "/api/boards/v1"
XSD = Path(__file__).resolve().parents[2] / "boards" / "schemas" / "asmil.xsd"
MEDIA_TAGS = ("img", "video", "audio")
CONTAINERS = ("par", "seq", "excl")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BOARDS_API_CACHE_SECONDS = 0
    settings.WAGTAILADMIN_BASE_URL = "http://testserver"  # where players reach the server (boards.api.public_base)


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def item(n, priority="normal", valid_from=None, valid_to=None, kind="image", duration=10):
    return {
        "id": f"media:{n}",
        "kind": kind,
        "url": f"https://bang.example.vn/api/boards/v1/media/{n:064x}.{'mp4' if kind == 'video' else 'png'}",
        "duration_s": duration,
        "priority": priority,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def smil_of(*items, **kwargs):
    return etree.fromstring(build_smil(1920, 1080, 300, list(items), **kwargs))


def media_of(document):
    return [e for e in document.iter() if e.tag in MEDIA_TAGS]


def timed_container(element):
    """The nearest container above `element` that has a begin (its window), or None."""
    parent = element.getparent()
    while parent is not None and parent.tag in CONTAINERS + ("priorityClass",):
        if parent.tag in CONTAINERS and parent.get("begin") is not None:
            return parent
        parent = parent.getparent()
    return None


def get(client, board, token, fmt="smil"):
    return client.get(f"{API}/{board.pk}/playlist.{fmt}", HTTP_AUTHORIZATION=f"Bearer {token}")


# --- An emergency board, end to end -------------------------------------------------------------


@pytest.mark.django_db
def test_an_emergency_boards_media_all_sit_in_a_timed_container(client, commune, schema):
    now = timezone.now()
    board = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    announcement(commune, "Lịch tiêm chủng tháng 12")
    first = announcement(
        commune,
        "Cảnh báo triều cường dâng cao",
        priority="emergency",
        valid_from=now - datetime.timedelta(hours=2),
        valid_until=now + datetime.timedelta(hours=6),
    )
    second = announcement(
        commune,
        "Cảnh báo sạt lở bờ sông",
        priority="emergency",
        valid_from=now - datetime.timedelta(hours=1),
        valid_until=now + datetime.timedelta(days=2),
    )
    version, *_ = rebuild(board)
    assert version.emergency
    token = issue_token(board)
    response = get(client, board, token)
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    media = media_of(document)
    assert len(media) == 2 and all(m.tag == "img" for m in media)
    for element in media:
        assert element.get("begin") is None and element.get("end") is None  # no timing of its own
        assert set(element.attrib) == {"src", "region", "dur"}
        window = timed_container(element)
        assert window is not None and window.tag == "par"
        assert window.getparent().tag == "priorityClass" and window.getparent().get("id") == "emergency"
    # The window: from the first alert's start to the last one's end.
    (window,) = {timed_container(m) for m in media}
    assert window.get("begin") == f"wallclock({first.valid_from.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%SZ})"
    assert window.get("end") == f"wallclock({second.valid_until.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%SZ})"
    assert window.find("seq").get("repeatCount") == "indefinite"
    # Only emergencies play: no other class.
    assert [c.get("id") for c in document.findall("body/excl/priorityClass")] == ["emergency"]
    # Every file played is prefetched, in a seq of its own before the excl.
    body = list(document.find("body"))
    assert [e.tag for e in body] == ["seq", "excl"]
    prefetched = [p.get("src") for p in body[0].findall("prefetch")]
    assert prefetched == [m.get("src") for m in media]
    assert all(p.get("src").startswith(f"http://testserver{API}/media/") for p in body[0].findall("prefetch"))


# --- Prefetch -----------------------------------------------------------------------------------


def test_prefetch_sits_in_its_own_seq_that_ends_before_the_playlist(schema):
    document = smil_of(item(1), item(2, "priority"), item(1))
    assert schema.validate(document), schema.error_log
    first, excl = list(document.find("body"))
    assert first.tag == "seq" and excl.tag == "excl"
    children = list(first)
    assert [c.tag for c in children] == ["prefetch", "prefetch", "seq"]  # each file once
    assert children[-1].attrib == {"id": "__prefetchEnd", "dur": "1s"}  # the A-SMIL marker: done
    assert {c.get("src") for c in children[:2]} == {item(1)["url"], item(2)["url"]}
    # Nowhere else: not under the body, not among the media.
    assert [p.getparent() for p in document.iter("prefetch")] == [first, first]


def test_an_empty_playlist_has_no_prefetch_and_still_validates(schema):
    document = smil_of()
    assert schema.validate(document), schema.error_log
    assert [e.tag for e in document.find("body")] == ["excl"] and len(document.find("body/excl")) == 0


# --- Timing on containers -------------------------------------------------------------------


def test_priority_items_loop_with_the_normal_ones_priority_first(schema):
    now = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    document = smil_of(
        item(
            1,
            "priority",
            (now - datetime.timedelta(hours=3)).isoformat(),
            (now + datetime.timedelta(days=1)).isoformat(),
        ),
        item(2, "normal"),
        item(3, "priority", (now - datetime.timedelta(hours=1)).isoformat(), None),
    )
    assert schema.validate(document), schema.error_log
    (klass,) = document.findall("body/excl/priorityClass")
    assert (klass.get("id"), klass.get("higher"), klass.get("lower")) == ("normal", "pause", "defer")
    window = klass.find("par")
    assert window.attrib == {"begin": "wallclock(2026-11-23T06:00:00Z)"}  # open: the news has no end
    assert [m.get("src") for m in window.find("seq")] == [item(1)["url"], item(3)["url"], item(2)["url"]]


def test_a_class_window_spans_its_items():
    assert class_window([item(1), item(2)]) == ("0", None)
    dated = [
        item(1, valid_from="2026-11-23T09:00:00+07:00", valid_to="2026-11-24T17:00:00+07:00"),
        item(2, valid_from="2026-11-22T08:00:00+07:00", valid_to="2026-11-23T12:00:00+07:00"),
    ]
    assert class_window(dated) == ("wallclock(2026-11-22T01:00:00Z)", "wallclock(2026-11-24T10:00:00Z)")
    assert class_window([*dated, item(3, valid_from="2026-11-20T00:00:00Z")])[1] is None  # one open: open


def test_the_schema_refuses_timing_on_media(schema):
    good = build_smil(384, 192, 60, [item(1, "emergency", "2026-11-23T09:00:00Z", "2026-11-23T21:00:00Z")])
    assert schema.validate(etree.fromstring(good)), schema.error_log
    for bad in (
        good.replace(b'<img src="', b'<img begin="wallclock(2026-11-23T09:00:00Z)" src="'),
        good.replace(b'<img src="', b'<img end="wallclock(2026-11-23T21:00:00Z)" src="'),
        good.replace(b"<excl>", b"<excl><img/>"),
    ):
        assert not schema.validate(etree.fromstring(bad))


def test_the_reference_example_shape_an_emergency_stops_and_the_rest_is_deferred(schema):
    document = smil_of(item(1, "emergency", "2026-11-23T03:00:00Z", "2026-11-23T05:00:00Z"), item(2))
    assert schema.validate(document), schema.error_log
    classes = document.findall("body/excl/priorityClass")
    assert [(c.get("id"), c.get("higher"), c.get("lower")) for c in classes] == [
        ("emergency", "stop", "never"),
        ("normal", "pause", "defer"),
    ]
    assert classes[0].find("par").attrib == {
        "begin": "wallclock(2026-11-23T03:00:00Z)",
        "end": "wallclock(2026-11-23T05:00:00Z)",
    }
    assert classes[1].find("par").attrib == {"begin": "0"}


# --- The playlist video -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_video_boards_smil_plays_its_playlist_mp4(client, commune, schema):
    board = Board.objects.create(
        owner=commune, name="Màn LED chợ", width=384, height=192, output="video", default_slide_seconds=4
    )
    announcement(commune, "Thông báo một")
    news(commune, "Tin hai")
    version, *_ = rebuild(board)
    assert version.video is not None
    token = issue_token(board)
    document = etree.fromstring(get(client, board, token).content)
    assert schema.validate(document), schema.error_log
    media = media_of(document)
    assert [m.tag for m in media] == ["video"]  # the slides are in it
    playlist = get(client, board, token, "json").json()
    assert media[0].get("src") == playlist["video"]["url"] and media[0].get("src").endswith(".mp4")
    assert media[0].get("dur") == "8s"  # two slides of 4 s
    assert [p.get("src") for p in document.iter("prefetch")] == [playlist["video"]["url"]]
    assert timed_container(media[0]) is not None
    # The MP4 it names is served, whole and by range.
    served = client.get(media[0].get("src").removeprefix("http://testserver"))
    assert served.status_code == 200 and served["Content-Type"] == "video/mp4"


@pytest.mark.django_db
def test_a_board_with_images_and_video_plays_the_images(client, commune, schema):
    board = Board.objects.create(owner=commune, name="Màn hình UBND", width=384, height=192, output="both")
    announcement(commune, "Thông báo một")
    version, *_ = rebuild(board)
    assert version.video is not None
    document = etree.fromstring(get(client, board, issue_token(board)).content)
    assert schema.validate(document), schema.error_log
    assert [m.tag for m in media_of(document)] == ["img"]


def test_uploaded_clips_stay_beside_the_playlist_video(schema):
    video = {"url": "https://bang.example.vn/api/boards/v1/media/" + "f" * 64 + ".mp4", "duration_s": 20}
    document = smil_of(item(1), item(2, kind="video", duration=12.5), item(3), video=video)
    assert schema.validate(document), schema.error_log
    media = media_of(document)
    assert [(m.tag, m.get("src"), m.get("dur")) for m in media] == [
        ("video", video["url"], "20s"),
        ("video", item(2, kind="video")["url"], "12.500s"),
    ]


# --- Loudspeaker clusters keep their broadcast times -------------------------------------------


def test_a_loudspeaker_clusters_smil_still_validates(schema):
    items = [item(1, "priority", kind="audio"), item(2, kind="audio")]
    for entry in items:
        entry["url"] = entry["url"].replace(".png", ".mp3")
    document = etree.fromstring(
        build_smil(None, None, 60, items, schedule={"broadcast_times": ["06:00"], "utc_offset": "+07:00"})
    )
    assert schema.validate(document), schema.error_log
    assert [e.tag for e in document.find("body")] == ["seq", "excl"]
    assert [c.get("id") for c in document.findall("body/excl/priorityClass")] == ["priority", "normal"]
    # As on a screen: the timing is on the containers, an audio element has only src and dur.
    for media in media_of(document):
        assert set(media.attrib) == {"src", "dur"}
        assert media.getparent().tag == "seq" and media.getparent().getparent().tag == "par"
    begin = document.find("body/excl/priorityClass/par/seq").get("begin")
    assert re.fullmatch(r"wallclock\(R/\d{4}-\d\d-\d\dT06:00:00\+07:00/P1D\)", begin)


# --- A screen divided into zones ---------------------------------------------------------------

MEDIA = "https://bang.example.vn/api/boards/v1/media/"
PAGES = {
    "clock": "https://bang.example.vn/static/boards/zone-clock.html",
    "ticker": "https://bang.example.vn/static/boards/zone-ticker.html",
}
CLOCK_ZONE = {
    "time_format": "%H:%M",
    "date_format": "{weekday}, %d/%m/%Y",
    "weekdays": ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"],
    "timezone": "Asia/Ho_Chi_Minh",
    "utc_offset": "+07:00",
    "colour": "#FFFFFF",
    "background": "#0A4F95",
}
TICKER_ZONE = {
    "text": "KHẨN CẤP: Bão số 9 đổ bộ • Thông báo lịch tiêm chủng",
    "separator": "   •   ",
    "speed_px_s": 120,
    "font_px": 52,
    "colour": "#FFFFFF",
    "background": "#B3161B",
    "emergency": True,
}


def zone(zone_id, role, x, y, width, height, **extra):
    return {"id": zone_id, "role": role, "x": x, "y": y, "width": width, "height": height, **extra}


def layout_of(name, width, height, *zones):
    return {
        "name": name,
        "width": width,
        "height": height,
        "background": "#0A4F95",
        "font": {"url": MEDIA + "a" * 64 + ".ttf", "sha256": "a" * 64, "bytes": 556216},
        "zones": list(zones),
    }


PANEL = {"url": MEDIA + "b" * 64 + ".png", "sha256": "b" * 64, "bytes": 1234}
LAYOUTS = {  # the four of the zone contract, at a board's size, as the lead's zones.json tiles them
    "full": layout_of("full", 1920, 1080, zone("main", "main", 0, 0, 1920, 1080)),
    "ticker": layout_of(
        "ticker",
        1920,
        1080,
        zone("main", "main", 0, 0, 1920, 1000),
        zone("ticker", "ticker", 0, 1000, 1920, 80, **TICKER_ZONE),
    ),
    "side": layout_of(
        "side",
        1920,
        1080,
        zone("main", "main", 0, 0, 1440, 1080),
        zone("clock", "clock", 1440, 0, 480, 240, **CLOCK_ZONE),
        zone("panel", "image", 1440, 240, 480, 840, **PANEL),
    ),
    "side_portrait": layout_of(
        "side",
        1080,
        1920,
        zone("main", "main", 0, 0, 1080, 1440),
        zone("clock", "clock", 0, 1440, 1080, 160, **CLOCK_ZONE),
        zone("panel", "image", 0, 1600, 1080, 320, **PANEL),
    ),
    "led_scroll": layout_of(
        "led_scroll",
        192,
        96,
        zone("main", "main", 0, 0, 192, 64),
        zone("ticker", "ticker", 0, 64, 192, 32, **TICKER_ZONE),
    ),
    "everything": layout_of(  # the contract's example
        "side",
        1920,
        1080,
        zone("main", "main", 0, 0, 1440, 1000),
        zone("clock", "clock", 1440, 0, 480, 240, **CLOCK_ZONE),
        zone("panel", "image", 1440, 240, 480, 760, **PANEL),
        zone("ticker", "ticker", 0, 1000, 1920, 80, **TICKER_ZONE),
    ),
}


def zoned_smil(layout, *items, **kwargs):
    return etree.fromstring(
        build_smil(layout["width"], layout["height"], 300, list(items), layout=layout, widgets=PAGES, **kwargs)
    )


def page_query(element):
    from urllib.parse import parse_qs, urlsplit

    return {key: values[0] for key, values in parse_qs(urlsplit(element.get("src")).query).items()}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_layout_has_one_region_per_zone_and_validates(name, schema):
    layout = LAYOUTS[name]
    document = zoned_smil(layout, item(1, "emergency", "2026-11-23T03:00:00Z", "2026-11-23T05:00:00Z"), item(2))
    assert schema.validate(document), schema.error_log
    root = document.find("head/layout/root-layout")
    assert (root.get("width"), root.get("height")) == (str(layout["width"]), str(layout["height"]))
    regions = document.findall("head/layout/region")
    assert [
        (r.get("regionName"), int(r.get("left")), int(r.get("top")), int(r.get("width")), int(r.get("height")))
        for r in regions
    ] == [(z["id"], z["x"], z["y"], z["width"], z["height"]) for z in layout["zones"]]
    for region, spec in zip(regions, layout["zones"], strict=True):
        assert region.get("backgroundColor") == spec.get("background")
    # The playlist plays in the main zone, emergency class first, as on a whole screen.
    excl = document.find("body/excl") if name == "full" else document.find("body/par/excl")
    assert [c.get("id") for c in excl.findall("priorityClass")] == ["emergency", "normal"]
    assert {m.get("region") for m in media_of(excl)} == {"main"}
    # Each other zone: one element in the body's par, in its region, for as long as the playlist.
    others = [] if name == "full" else list(document.find("body/par"))[1:]
    assert [e.get("region") for e in others] == [z["id"] for z in layout["zones"][1:]]
    assert all(e.get("dur") == "indefinite" for e in others)


def test_the_ticker_and_the_clock_are_pages_with_their_text_and_formats(schema):
    document = zoned_smil(LAYOUTS["everything"], item(1))
    assert schema.validate(document), schema.error_log
    by_region = {e.get("region"): e for e in document.find("body/par")[1:]}
    ticker, clock, panel = by_region["ticker"], by_region["clock"], by_region["panel"]
    assert (ticker.tag, ticker.get("type")) == ("ref", "text/html") and ticker.get("src").startswith(
        PAGES["ticker"] + "?"
    )
    assert page_query(ticker) == {
        "text": TICKER_ZONE["text"],
        "sep": TICKER_ZONE["separator"],
        "speed": "120",
        "px": "52",
        "fg": "#FFFFFF",
        "bg": "#B3161B",
        "font": MEDIA + "a" * 64 + ".ttf",
    }
    assert (clock.tag, clock.get("type")) == ("ref", "text/html") and clock.get("src").startswith(PAGES["clock"] + "?")
    query = page_query(clock)
    assert (query["time"], query["date"], query["offset"]) == ("%H:%M", "{weekday}, %d/%m/%Y", "+07:00")
    assert query["days"].split("|") == CLOCK_ZONE["weekdays"]
    assert (panel.tag, panel.get("src")) == ("img", PANEL["url"])
    # The panel's picture is fetched ahead with the playlist's files.
    assert [p.get("src") for p in document.iter("prefetch")] == [item(1)["url"], PANEL["url"]]


def test_the_schema_refuses_a_zone_that_is_not_laid_out(schema):
    good = build_smil(1920, 1080, 300, [item(1)], layout=LAYOUTS["everything"], widgets=PAGES)
    assert schema.validate(etree.fromstring(good))
    for bad in (
        good.replace(b'region="panel"', b'region="sidebar"'),  # no such region
        good.replace(b'type="text/html"', b'type="text/plain"', 1),
        good.replace(b'dur="indefinite"', b'dur="10s"', 1),
    ):
        assert not schema.validate(etree.fromstring(bad))


def test_the_zone_pages_are_static_files_with_their_script():
    from django.contrib.staticfiles import finders

    for page in ("boards/zone-clock.html", "boards/zone-ticker.html"):
        html = Path(finders.find(page)).read_text("utf-8")
        assert '<script src="zone.js"></script>' in html and "<script>" not in html  # no inline script
    assert finders.find("boards/zone.js") and finders.find("boards/zone.css")


def _zoned_version(board, layout):
    version, *_ = rebuild(board)
    version.schedule = {**(version.schedule or {}), "layout": layout}
    version.save(update_fields=["schedule"])
    return version


def _stored(layout):
    """The layout as a version keeps it: the files' URLs relative (boards.publishing)."""
    stored = {**layout, "font": {**layout["font"], "url": f"{API}/media/{'a' * 64}.ttf"}}
    stored["zones"] = [
        {**z, "url": f"{API}/media/{'b' * 64}.png"} if z["role"] == "image" else z for z in layout["zones"]
    ]
    return stored


@pytest.mark.django_db
def test_a_zoned_boards_smil_end_to_end(client, commune, schema):
    board = Board.objects.create(owner=commune, name="Màn hình UBND xã", width=1920, height=1080)
    announcement(commune, "Lịch tiêm chủng tháng 12")
    _zoned_version(board, _stored(LAYOUTS["everything"]))
    document = etree.fromstring(get(client, board, issue_token(board)).content)
    assert schema.validate(document), schema.error_log
    assert [r.get("regionName") for r in document.findall("head/layout/region")] == ["main", "clock", "panel", "ticker"]
    by_region = {e.get("region"): e for e in document.find("body/par")[1:]}
    assert by_region["panel"].get("src") == f"http://testserver{API}/media/{'b' * 64}.png"
    assert by_region["clock"].get("src").startswith("http://testserver/static/boards/zone-clock.html?")
    assert page_query(by_region["ticker"])["font"] == f"http://testserver{API}/media/{'a' * 64}.ttf"
    assert page_query(by_region["ticker"])["text"] == TICKER_ZONE["text"]


@pytest.mark.django_db
def test_a_zoned_video_board_plays_its_one_mp4(client, commune, schema):
    board = Board.objects.create(
        owner=commune, name="Màn LED chợ", width=192, height=96, output="video", default_slide_seconds=4
    )
    announcement(commune, "Thông báo một")
    news(commune, "Tin hai")
    version = _zoned_version(board, _stored(LAYOUTS["led_scroll"]))
    assert version.video is not None
    token = issue_token(board)
    video_url = get(client, board, token, "json").json()["video"]["url"]
    # M3U: one stream, the composed screen.
    lines = get(client, board, token, "m3u").content.decode().splitlines()
    assert [line for line in lines if not line.startswith("#")] == [video_url]
    assert lines[2] == "#EXTINF:8,Màn LED chợ"
    # A-SMIL: the MP4 on the whole screen, its zones already in it.
    document = etree.fromstring(get(client, board, token).content)
    assert schema.validate(document), schema.error_log
    assert [m.get("src") for m in media_of(document)] == [video_url]
    assert [r.get("regionName") for r in document.findall("head/layout/region")] == ["main"]
