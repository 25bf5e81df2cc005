"""Each indicator against the hand-made world of conftest.py (November 2026, T = 01/12/2026 00:00).
The comments add the expected figures up from the facts listed there."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from areas.models import AreaPage, CommuneHomePage
from boards.delivery import item_key
from core.periods import Period
from indicators.compute import NOT_APPLICABLE, PUSHED_PREFIX, PeriodError, Ratio, as_of_moment, compute, trend_moments

from .conftest import NOVEMBER, NOW, T, at, board, content

pytestmark = pytest.mark.django_db


def r(count, total):
    return Ratio(count, total)


def test_the_moment_is_the_end_of_a_past_period_or_now():
    assert as_of_moment(NOVEMBER, NOW) == (T, False)
    assert as_of_moment(Period.month(2026, 12), NOW) == (NOW, True)
    assert as_of_moment(Period.year(2026), NOW) == (NOW, True)
    with pytest.raises(PeriodError, match="chưa bắt đầu"):
        as_of_moment(Period.year(2027), NOW)


def test_district_figures(world):
    report = compute(world.cang_long, NOVEMBER, now=NOW)
    assert report.as_of == T and not report.is_current
    row = report.total
    assert (row.communes, row.communes_by_type) == (14, {"xa": 13, "phuong_thi_tran": 1})
    a = row.as_of
    # An Trường (news 20/11), Mỹ Cẩm (publish log 10/11), thị trấn (last published 30/11 23:00);
    # not Tân An (31/10 23:59:59, 02/12), Tân Bình (section and home only), the portal's news.
    assert a.websites == r(3, 14)
    assert a.websites_by_type == {"xa": r(2, 13), "phuong_thi_tran": r(1, 1)}
    # An Trường (23:56), thị trấn (status 20:00); not Mỹ Cẩm (29/11 23:59; its seen board is inactive),
    # nor Tân An (after T).
    assert a.boards == r(2, 14)
    assert a.boards_by_type == {"xa": r(1, 13), "phuong_thi_tran": r(1, 1)}
    assert a.large_boards == r(1, 1)  # the district's own LED screen, 23:10
    # The samples of 30/11 23:58: An Trường 1/1, the district (its LED) 1/1, Mỹ Cẩm 0/1; thị trấn has
    # none recent enough, so its board (made before T) is judged from its history: last seen 20:00,
    # more than 1 h + 7.5 min before T: offline. Tân An's board was made after T.
    assert a.online == r(2, 4)
    # Answered in November: An Trường 2 (1 on time), Mỹ Cẩm 1 (on its deadline day) → 2 of 3.
    assert (row.inquiries.received, row.inquiries.answered, row.inquiries.answered_on_time) == (3, 3, 2)
    assert row.on_time == r(2, 3)
    # S1 (14 communes) and E1 (2) published in November; plays: S1 × 3 and S0 × 2 on A1, E1 × 1 on the LED.
    p = row.pushed
    assert (p.items, p.alerts, p.deliveries, p.plays, p.boards_played) == (1, 1, 16, 6, 2)
    assert report.districts == []  # a district has no district table


def test_province_figures_and_district_rows(world):
    report = compute(world.province, NOVEMBER, now=NOW)
    a = report.total.as_of
    assert report.total.communes == 104 and report.total.communes_by_type == {"xa": 85, "phuong_thi_tran": 19}
    assert a.websites == r(4, 104)  # Càng Long's 3 + Đông Hải
    assert a.websites_by_type == {"xa": r(3, 85), "phuong_thi_tran": r(1, 19)}
    assert a.boards == r(3, 104)  # An Trường, thị trấn Càng Long, the Trà Cú commune
    assert a.boards_by_type == {"xa": r(2, 85), "phuong_thi_tran": r(1, 19)}
    assert a.large_boards == r(1, 9)  # Càng Long only (Duyên Hải's not seen; Cầu Kè's not large)
    assert a.online == r(3, 7)  # samples: An Trường, the LED, the Trà Cú commune; thị trấn from history
    assert report.total.on_time == r(3, 4)
    p = report.total.pushed
    # S1, E1 and the province's P1 (Duyên Hải's 7 communes + An Trường); P1 × 2 on Duyên Hải's LED.
    assert (p.items, p.alerts, p.deliveries, p.plays, p.boards_played) == (2, 1, 24, 8, 3)

    rows = {row.code: row for row in report.districts}
    assert len(rows) == 9
    cl, dh, ck, tc = rows["844"], rows["850"], rows["845"], rows["849"]
    assert (cl.as_of.websites, cl.as_of.boards, cl.as_of.large_boards, cl.as_of.online) == (
        r(3, 14),
        r(2, 14),
        r(1, 1),
        r(2, 4),
    )
    assert (cl.pushed.published, cl.pushed.deliveries, cl.pushed.plays) == (2, 16, 6)
    assert (dh.communes, dh.as_of.websites, dh.as_of.boards, dh.as_of.large_boards, dh.as_of.online) == (
        7,
        r(1, 7),
        r(0, 7),
        r(0, 1),
        r(0, 1),
    )
    assert dh.on_time == r(1, 1)
    assert (dh.pushed.published, dh.pushed.deliveries, dh.pushed.plays) == (0, 0, 0)  # P1 is the province's
    assert (ck.as_of.large_boards, ck.as_of.online) == (r(0, 1), r(0, 1))
    assert tc.as_of.boards.count == 1 and tc.as_of.large_boards == r(0, 1) and tc.as_of.online == r(1, 1)
    # The district rows add up to the total (the province's own item only in the total).
    assert sum(row.communes for row in report.districts) == 104
    assert sum((row.as_of.websites for row in report.districts), Ratio()) == a.websites
    assert sum((row.as_of.large_boards for row in report.districts), Ratio()) == a.large_boards


def test_type_and_commune_rows(world):
    report = compute(world.cang_long, NOVEMBER, now=NOW)
    xa, pt = report.types
    assert (xa.name, xa.communes, xa.as_of.websites, xa.as_of.boards, xa.on_time) == (
        "Xã",
        13,
        r(2, 13),
        r(1, 13),
        r(2, 3),
    )
    assert (pt.name, pt.communes, pt.as_of.websites, pt.as_of.boards, pt.on_time) == (
        "Phường, thị trấn",
        1,
        r(1, 1),
        r(1, 1),
        Ratio(0, 0),
    )
    assert xa.as_of.large_boards == NOT_APPLICABLE and xa.pushed is None
    communes = {row.code: row for row in report.communes}
    assert len(communes) == 14
    an_truong, tan_an = communes["29275"], communes["29281"]
    assert an_truong.as_of.websites == r(1, 1) and an_truong.last_publication == at(2026, 11, 20, 9)
    assert an_truong.board_count == 1 and an_truong.as_of.online == r(1, 1)
    assert tan_an.as_of.websites == r(0, 1) and tan_an.last_publication == at(2026, 10, 31, 23, 59, 59)
    assert tan_an.board_count == 1 and tan_an.as_of.online == r(0, 0)  # made after T
    assert communes["29269"].as_of.boards == r(0, 1)  # Mỹ Cẩm


def test_weekly_trend_of_a_month(world):
    report = compute(world.cang_long, NOVEMBER, now=NOW)
    moments = [p.moment for p in report.trend]
    assert len(moments) == 12 and moments[-1] == T
    assert moments[0] == T - datetime.timedelta(weeks=11)
    assert report.trend[-1] == report.total.as_of
    before = report.trend[-2]  # 24/11 00:00
    assert before.moment == at(2026, 11, 24)
    # [25/10, 24/11): An Trường, Mỹ Cẩm, Tân An (31/10 23:59:59); not thị trấn (30/11).
    assert before.websites == r(3, 14)
    assert before.websites_by_type == {"xa": r(3, 13), "phuong_thi_tran": r(0, 1)}
    assert before.boards == r(1, 14)  # A1 on 23/11 12:00
    assert before.large_boards == r(0, 1)
    assert before.online == r(1, 4)  # An Trường's sample of 23/11 23:57; the others from history: offline
    province = compute(world.province, NOVEMBER, now=NOW)
    assert province.trend[-2].websites == r(3, 104)  # Đông Hải only on 25/11


def test_monthly_trend_of_a_year_ends_at_month_ends():
    moments = trend_moments(Period.year(2025), as_of_moment(Period.year(2025), NOW)[0])
    assert moments == [at(2025, month, 1) for month in range(2, 13)] + [at(2026, 1, 1)]
    # The current year: the same day of each month, up to now.
    current = trend_moments(Period.year(2026), NOW)
    assert current[-1] == NOW and current[0] == at(2026, 1, 5, 12)
    # 31st of a month, one month back: the last day of the shorter month.
    assert trend_moments(Period.quarter(2026, 1), at(2026, 3, 31, 10))[-2] == at(2026, 2, 28, 10)


def test_current_period_is_counted_up_to_now(world):
    report = compute(world.cang_long, Period.month(2026, 12), now=NOW)
    assert report.is_current and report.as_of == NOW
    # Now: [05/11 12:00, 05/12 12:00): An Trường (20/11), Mỹ Cẩm (log 10/11), thị trấn (30/11), Tân An (02/12).
    assert report.total.as_of.websites == r(4, 14)
    # A1's latest heartbeat (its status, 04/12 10:00) is 26 h old; nothing else is newer.
    assert report.total.as_of.boards == r(0, 14)
    assert report.total.as_of.online.total == 5  # Tân An's board exists now


def test_online_at_a_past_moment_without_samples_reads_the_hourly_history(world):
    """No sample near T for a unit: its boards count from the heartbeat history (one an hour)."""
    from areas.models import CommuneHomePage
    from boards.models import OnlineSample

    district = AreaPage.objects.get(structure="2024", level="district", code="846")  # Tiểu Cần
    first, second = CommuneHomePage.objects.filter(path__startswith=district.path).order_by("path")[:2]
    board(first, "55 phút trước", heartbeats=[T - datetime.timedelta(minutes=55)])  # ≤ 1 h + 7.5 min: online
    board(first, "70 phút trước", heartbeats=[T - datetime.timedelta(minutes=70)])  # > 1 h + 7.5 min: offline
    board(first, "Chu kỳ 1 giờ", refresh_seconds=3600, heartbeats=[T - datetime.timedelta(hours=2)])  # ≤ 2.5 h
    board(second, "Có mẫu giám sát", heartbeats=[T - datetime.timedelta(minutes=1)])
    OnlineSample.objects.create(unit=second, at=T - datetime.timedelta(minutes=3), online=0, total=1)  # wins
    report = compute(district, NOVEMBER, now=NOW)
    assert report.total.as_of.online == r(2, 4)
    rows = {row.code: row for row in report.communes}
    assert rows[first.code].as_of.online == r(2, 3) and rows[second.code].as_of.online == r(0, 1)
    # Now (a running period) every board is judged from its last heartbeat by board_state.
    assert compute(district, Period.month(2026, 12), now=T + datetime.timedelta(minutes=1)).total.as_of.online == r(
        1, 4
    )


def test_deliveries_follow_reached_communes(world):
    """The deliveries are counted without a query per item; they agree with TargetedPage.reached_communes."""
    report = compute(world.province, NOVEMBER, now=NOW)
    expected = sum(page.reached_communes().count() for page in (world.s1, world.e1, world.p1))
    assert report.total.pushed.deliveries == expected == 24
    assert item_key(world.s1).startswith(PUSHED_PREFIX)


def test_queries_do_not_grow_with_boards_or_communes(world):
    with CaptureQueriesContext(connection) as first:
        compute(world.province, NOVEMBER, now=NOW)
    for n in range(15):
        board(world.dong_hai, f"Bảng thêm {n}", heartbeats=[at(2026, 11, 30, 12), at(2026, 11, 20)])
    with CaptureQueriesContext(connection) as second:
        report = compute(world.province, NOVEMBER, now=NOW)
    assert len(second) == len(first) <= 20
    assert report.total.as_of.boards == r(4, 104)  # Đông Hải now has boards seen


def test_nothing_to_count(db):
    """A district with no content, boards, questions or items: zeros and no rates, never an error."""
    district = AreaPage.objects.get(structure="2024", level="district", code="846")  # Tiểu Cần
    report = compute(district, Period.year(2025), now=NOW)
    a = report.total.as_of
    assert a.websites == r(0, 11) and a.boards == r(0, 11) and a.large_boards == r(0, 1)
    assert a.online == Ratio(0, 0) and a.online.rate is None
    assert report.total.on_time.rate is None and report.total.pushed.plays == 0


@pytest.fixture
def two_level_province(db, tmp_path):
    """A 2025 province (no districts) of three communes, provisioned from a copy of the data."""
    (tmp_path / "vn_admin_units_2025.csv").write_text(
        "province_code,province_name,commune_code,commune_name,commune_type\n"
        "12,Lai Châu,03388,Đoàn Kết,phường\n"
        "12,Lai Châu,03390,Bình Lư,xã\n"
        "12,Lai Châu,03394,Sin Suối Hồ,xã\n",
        encoding="utf-8",
    )
    call_command(
        "provision",
        structure="2025",
        province=["Lai Châu"],
        data_dir=str(tmp_path),
        no_progress=True,
        stdout=io.StringIO(),
    )
    return AreaPage.objects.get(structure="2025", level="province", code="12")


def test_two_level_structure_has_no_district_indicator(two_level_province):
    province = two_level_province
    commune = CommuneHomePage.objects.get(structure="2025", code="03390")
    content(commune, "Tin Bình Lư", at(2026, 11, 3))
    board(province, "LED tỉnh", large=True, heartbeats=[at(2026, 11, 30, 23, 59)])
    report = compute(province, NOVEMBER, now=NOW)
    assert not report.has_districts and report.districts == []
    assert report.total.as_of.large_boards == NOT_APPLICABLE and report.total.as_of.large_boards.rate is None
    assert report.total.as_of.websites == r(1, 3)
    assert report.total.as_of.websites_by_type == {"xa": r(1, 2), "phuong_thi_tran": r(0, 1)}
    assert report.total.as_of.online == r(1, 1)  # the province's own board
    assert [row.code for row in report.communes] == [
        "03390",
        "03388",
        "03394",
    ]  # by name: Bình Lư, Đoàn Kết, Sin Suối Hồ
    assert all(p.large_boards == NOT_APPLICABLE for p in report.trend)


def test_a_loudspeaker_cluster_is_not_an_e_board(world):
    """Tân Bình has no e-board; a loudspeaker cluster seen on 30/11 does not make it one, nor does a
    "large" cluster of the district count as a large screen."""
    from .conftest import at, board, commune

    before = compute(world.cang_long, NOVEMBER, now=NOW).total.as_of
    board(
        commune("29284"),
        "Cụm loa trung tâm xã Tân Bình",
        kind="audio",
        width=None,
        height=None,
        heartbeats=[at(2026, 11, 30, 12)],
    )
    board(
        world.cang_long,
        "Cụm loa lớn của huyện",
        kind="audio",
        width=None,
        height=None,
        large=True,
        heartbeats=[at(2026, 11, 30, 23, 50)],
    )
    after = compute(world.cang_long, NOVEMBER, now=NOW).total.as_of
    assert after.boards == before.boards == r(2, 14)
    assert after.large_boards == before.large_boards
