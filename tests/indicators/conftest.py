"""A hand-made world for the indicators, on the session's provisioned Trà Vinh (2024 structure:
9 districts, 104 communes = 85 xã + 19 phường/thị trấn; Huyện Càng Long has 14 = 13 xã + thị
trấn Càng Long).

The period is November 2026, so T ("as of") = 01/12/2026 00:00 (Vietnam). Windows:
monitoring samples (T − 10 min, T],
websites [01/11 00:00, 01/12 00:00), boards seen [30/11 00:00, 01/12 00:00). The trend is weekly
(a month is a short period): its point before T is T − 7 days = 24/11 00:00, with windows
[25/10, 24/11) and [23/11, 24/11). Every fact below says what it counts for; the expected
figures are added up by hand in the tests.
"""

import datetime
import types
import uuid
from zoneinfo import ZoneInfo

import pytest
from wagtail.models import Page, PageLogEntry

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from boards.models import Board, BoardStatus, Heartbeat, OnlineSample, PlayRecord
from cms_pages.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    DocumentIndexPage,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
)
from core.periods import Period
from inquiries.models import CONSENT_VERSION, Inquiry, Status, new_tracking_code
from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = Period.month(2026, 11)
T = datetime.datetime(2026, 12, 1, tzinfo=VN)
NOW = datetime.datetime(2026, 12, 5, 12, 0, tzinfo=VN)
LONG_AGO = datetime.datetime(2026, 1, 1, tzinfo=VN)


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=VN)


def commune(code):
    return CommuneHomePage.objects.get(structure="2024", code=code)


def area(code):
    return AreaPage.objects.get(structure="2024", code=code)


# --- content ---------------------------------------------------------------------------------------


def content(home, title, first, last=None, kind="news"):
    """A live content page under one of the home's sections, published at `first` (and `last`),
    without Wagtail's publish (no log entry, no signal), as seed_demo writes demo pages."""
    if kind == "news":
        index, page = NewsIndexPage, NewsPage(title=title, date=first.date(), summary=f"Tóm tắt: {title}")
    elif kind == "announcement":
        index, page = (
            AnnouncementIndexPage,
            AnnouncementPage(title=title, summary=f"Tóm tắt: {title}", valid_from=first),
        )
    else:
        index, page = (
            DocumentIndexPage,
            LegalDocumentPage(
                title=title,
                number_symbol=f"{uuid.uuid4().int % 900 + 100}/KH-UBND",
                doc_type="ke_hoach",
                issue_date=first.date(),
                issuer=f"UBND {home.name_in_sentence}",
                summary=f"Trích yếu {title}",
                signer="Nguyễn Văn An",
            ),
        )
    page.live = True
    index.objects.child_of(home).get().add_child(instance=page)
    Page.objects.filter(pk=page.pk).update(first_published_at=first, last_published_at=last or first)
    return page


def publish_log(page, moment):
    return PageLogEntry.objects.log_action(page, "wagtail.publish", timestamp=moment)


# --- boards ----------------------------------------------------------------------------------------


def board(owner, name, created=LONG_AGO, heartbeats=(), status=None, **fields):
    fields.setdefault("width", 384)
    fields.setdefault("height", 192)
    made = Board.objects.create(owner=owner, name=name, **fields)
    Board.objects.filter(pk=made.pk).update(created_at=created)
    for moment in heartbeats:
        Heartbeat.objects.create(board=made, received_at=moment)
    if status is not None:
        BoardStatus.objects.create(board=made, last_seen_at=status)
    made.refresh_from_db()
    return made


def plays(board_obj, item_id, *moments):
    for moment in moments:
        PlayRecord.objects.create(board=board_obj, item_id=item_id, started_at=moment, duration_s=10)


# --- inquiries -------------------------------------------------------------------------------------


def inquiry(home, received, deadline, answered=None):
    return Inquiry.objects.create(
        code=new_tracking_code(),
        submission_key=uuid.uuid4().hex,
        commune=home,
        title="Hỏi về đất đai",
        body="Nội dung",
        name="Nguyễn Văn An",
        consent_version=CONSENT_VERSION,
        consented_at=received,
        client_key="test",
        received_at=received,
        deadline=deadline,
        status=Status.ANSWERED if answered else Status.RECEIVED,
        answered_at=answered,
    )


# --- source information ----------------------------------------------------------------------------


def push(source_area, title, first, *, areas=(), communes=(), alert=False):
    section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(source_area).get()).get()
    fields = {"summary": f"Nội dung: {title}", "valid_from": first}
    if alert:
        page = EmergencyAlertPage(
            title=title, event="Bão số 9", valid_until=first + datetime.timedelta(days=2), **fields
        )
    else:
        page = SourceItemPage(title=title, **fields)
    page.target_areas = list(areas)
    page.target_communes = list(communes)
    page.live = True
    section.add_child(instance=page)
    Page.objects.filter(pk=page.pk).update(first_published_at=first, last_published_at=first)
    page.refresh_from_db()
    return page


@pytest.fixture
def world(db):
    w = types.SimpleNamespace()
    w.province = AreaPage.objects.get(structure="2024", level="province", code="84")
    w.cang_long = area("844")
    w.duyen_hai = area("850")  # Huyện Duyên Hải: 7 communes
    w.cau_ke = area("845")
    w.tra_cu = area("849")
    w.an_truong = commune("29275")  # xã, Càng Long
    w.my_cam = commune("29269")  # xã, Càng Long
    w.thi_tran = commune("29266")  # thị trấn Càng Long
    w.tan_an = commune("29281")  # xã, Càng Long
    w.tan_binh = commune("29284")  # xã, Càng Long
    w.dong_hai = commune("29536")  # xã, Duyên Hải
    w.tra_cu_commune = CommuneHomePage.objects.filter(path__startswith=w.tra_cu.path, unit_type="xa").first()

    # Websites at T.
    content(w.an_truong, "Hội nghị tổng kết mùa vụ", at(2026, 11, 20, 9))  # live
    mc = content(w.my_cam, "Thông báo lịch tiêm chủng", at(2026, 9, 1, 8), kind="announcement")
    publish_log(mc, at(2026, 11, 10, 15))  # live through the audit log
    content(
        w.thi_tran, "Kế hoạch chuyển đổi số", at(2026, 6, 1, 8), last=at(2026, 11, 30, 23), kind="document"
    )  # live through last_published_at
    content(w.tan_an, "Tin cũ", at(2026, 10, 31, 23, 59, 59))  # one second too early for T; live at T − 7 d
    content(w.tan_an, "Tin sau kỳ", at(2026, 12, 2, 8))  # after T
    news_index = NewsIndexPage.objects.child_of(w.tan_binh).get()
    publish_log(news_index, at(2026, 11, 15))  # a section page: never counts
    Page.objects.filter(pk=w.tan_binh.pk).update(last_published_at=at(2026, 11, 15))  # nor the home
    portal = PortalHomePage.objects.child_of(w.cang_long).get()
    content(portal, "Tin của cổng huyện", at(2026, 11, 12))  # the portal's own: no commune's
    content(w.dong_hai, "Tin Đông Hải", at(2026, 11, 25, 7))  # live at T (another district)

    # Boards at T.
    w.a1 = board(
        w.an_truong,
        "Bảng chợ An Trường",
        heartbeats=[at(2026, 11, 23, 12), at(2026, 11, 30, 12), at(2026, 11, 30, 23, 56)],
        status=at(2026, 12, 4, 10),
    )  # seen and online at T (refresh 300 s); seen at T − 7 d
    board(w.my_cam, "Bảng Mỹ Cẩm", heartbeats=[at(2026, 11, 29, 23, 59)])  # 24 h + 1 min before T: not seen
    board(w.my_cam, "Bảng cũ Mỹ Cẩm", heartbeats=[at(2026, 11, 30, 10)], is_active=False)  # inactive
    board(w.thi_tran, "Bảng thị trấn", status=at(2026, 11, 30, 20))  # seen through its status; offline
    board(w.tan_an, "Bảng mới Tân An", created=at(2026, 12, 1, 1), heartbeats=[at(2026, 12, 1, 0, 30)])
    w.led = board(
        w.cang_long,
        "Màn hình LED trung tâm huyện",
        width=1920,
        height=1080,
        kind="led",
        large=True,
        refresh_seconds=3600,
        heartbeats=[at(2026, 11, 30, 23, 10)],
    )  # large, seen, online
    w.dh_large = board(
        PortalHomePage.objects.child_of(w.duyen_hai).get(), "LED Duyên Hải", large=True, heartbeats=[at(2026, 11, 28)]
    )  # large, not seen
    board(w.cau_ke, "Bảng thường Cầu Kè", heartbeats=[at(2026, 11, 30, 22)])  # seen but not large; offline
    board(
        w.tra_cu_commune, "Bảng lớn của xã", large=True, heartbeats=[at(2026, 11, 30, 23, 58)]
    )  # a commune's: not a district's large board; online

    # The monitoring's samples (owner unit: online / active boards), what "online" reads at a past moment.
    sample = lambda unit, moment, online, total: OnlineSample.objects.create(  # noqa: E731
        unit=unit, at=moment, online=online, total=total
    )
    w.samples_at = at(2026, 11, 30, 23, 58)
    for unit, online, total in [
        (w.an_truong, 1, 1),
        (w.cang_long, 1, 1),
        (w.my_cam, 0, 1),
        (w.dh_large.owner, 0, 1),
        (w.cau_ke, 0, 1),
        (w.tra_cu_commune, 1, 1),
    ]:
        sample(unit, w.samples_at, online, total)
    sample(w.thi_tran, at(2026, 11, 30, 23, 49), 1, 1)  # 11 minutes before T: too old to stand for T
    sample(w.my_cam, at(2026, 12, 1, 0, 1), 1, 1)  # after T
    sample(w.an_truong, at(2026, 11, 23, 23, 57), 1, 1)  # stands for T − 7 d

    # Inquiries answered in November.
    d = datetime.date
    inquiry(w.an_truong, at(2026, 11, 2, 9), d(2026, 11, 16), answered=at(2026, 11, 10, 9))  # on time
    inquiry(w.an_truong, at(2026, 11, 3, 9), d(2026, 11, 17), answered=at(2026, 11, 20, 9))  # late
    inquiry(w.an_truong, at(2026, 10, 1, 9), d(2026, 10, 15), answered=at(2026, 10, 10, 9))  # October
    inquiry(w.my_cam, at(2026, 10, 20, 9), d(2026, 11, 3), answered=at(2026, 11, 3, 23, 30))  # on time
    inquiry(w.my_cam, at(2026, 11, 25, 9), d(2026, 12, 9))  # open
    inquiry(w.dong_hai, at(2026, 11, 5, 9), d(2026, 11, 19), answered=at(2026, 11, 18, 9))  # on time

    # Source information.
    w.s0 = push(w.cang_long, "Tin tháng Mười", at(2026, 10, 15), communes=[w.an_truong])  # before the period
    w.s1 = push(w.cang_long, "Lịch tiêm vắc xin", at(2026, 11, 5), areas=[w.cang_long])  # 14 communes
    w.e1 = push(
        w.cang_long, "Cảnh báo triều cường", at(2026, 11, 20), communes=[w.an_truong, w.my_cam], alert=True
    )  # 2 communes
    w.p1 = push(
        w.province, "Hướng dẫn phòng chống bão", at(2026, 11, 10), areas=[w.duyen_hai], communes=[w.an_truong]
    )  # 7 + 1 communes
    plays(
        w.a1, f"pushed:{w.s1.pk}", at(2026, 11, 6), at(2026, 11, 7), at(2026, 11, 30, 23, 59, 59), at(2026, 12, 1)
    )  # 3 in November
    plays(w.a1, f"pushed:{w.s0.pk}", at(2026, 11, 2), at(2026, 11, 3))  # 2: an older item played in November
    plays(w.led, f"pushed:{w.e1.pk}", at(2026, 11, 21))  # 1
    plays(w.dh_large, f"pushed:{w.p1.pk}", at(2026, 11, 11), at(2026, 11, 12))  # 2 (the province's item)
    plays(w.a1, "announcement:1", *(at(2026, 11, day) for day in range(1, 6)))  # not pushed
    return w


@pytest.fixture
def now():
    return NOW


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    """timezone.now() is 05/12/2026 12:00 (Vietnam) everywhere, so "November 2026" has ended
    and this year is current whatever day the suite runs."""
    import django.utils.timezone as tz

    monkeypatch.setattr(tz, "now", lambda: NOW)
    return NOW
