"""Figures of questions and feedback per commune and period: inquiries/stats.py, the
admin report (inquiries/report.py) and `manage.py inquiry_stats`.

Every expected number below is counted by hand from the rows made in `q3`. The period is
Q3 2025 (1/7–30/9/2025) and its overdue cut-off day 30/9/2025 (Tuesday). No span of working
days used here contains a public holiday (2/9 and the day next to it are avoided).
"""

import csv
import datetime
import io
import subprocess
import sys
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage
from core.periods import Period
from inquiries import stats
from inquiries.models import CONSENT_VERSION, Inquiry, Status, new_tracking_code
from inquiries.stats import Figures

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = Period.quarter(2025, 3)
AFTER_Q3 = datetime.date(2025, 12, 1)


def at(y, m, d, hh=9, mm=0, ss=0):
    """An aware moment in Vietnamese local time."""
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=VN)


def make(
    commune, received, deadline, status=Status.RECEIVED, answered=None, closed=None, rating=None, rated=None, **fields
):
    return Inquiry.objects.create(
        code=new_tracking_code(),
        submission_key=uuid.uuid4().hex,
        commune=commune,
        title="Hỏi về đất đai",
        body="Nội dung câu hỏi",
        name="Nguyễn Văn An",
        consent_version=CONSENT_VERSION,
        consented_at=received,
        client_key="test",
        received_at=received,
        deadline=deadline,
        status=status,
        answered_at=answered,
        closed_at=closed,
        rating=rating,
        rated_at=rated,
        **fields,
    )


@pytest.fixture
def district(commune):
    return AreaPage.objects.get(structure="2024", level="district", code="844")  # Huyện Càng Long


@pytest.fixture
def my_cam(db):
    return CommuneHomePage.objects.get(structure="2024", code="29269")  # Xã Mỹ Cẩm, huyện Càng Long


@pytest.fixture
def q3(commune, other_commune, my_cam, district):
    """The rows; the comment of each says what it counts for in Q3 2025 (cut-off 30/9)."""
    d = datetime.date
    rows = {
        # An Trường
        "a1": make(
            commune,
            at(2025, 7, 1, 0, 0),
            d(2025, 7, 15),
            Status.ANSWERED,
            answered=at(2025, 7, 3, 10),
            rating=5,
            rated=at(2025, 7, 4),
        ),  # received (local midnight), on time, 2 d / 2 wd, rated 5
        "a2": make(
            commune,
            at(2025, 6, 30, 23, 59),
            d(2025, 7, 8),
            Status.CLOSED,
            answered=at(2025, 7, 10),
            closed=at(2025, 7, 12),
            rating=2,
            rated=at(2025, 7, 11),
        ),  # answered late, 10 d / 8 wd, rated 2
        "a3": make(commune, at(2025, 9, 30, 23, 59, 59), d(2025, 10, 14)),  # received, open, not yet overdue
        "a4": make(commune, at(2025, 10, 1, 0, 0), d(2025, 10, 15), Status.ASSIGNED),  # after Q3 (UTC 30/9): open
        "a5": make(commune, at(2025, 8, 1), d(2025, 8, 15), Status.ASSIGNED),  # received, open, overdue
        "a6": make(
            commune,
            at(2025, 6, 2),
            d(2025, 6, 16),
            Status.ANSWERED,
            answered=at(2025, 10, 2, 10),
            rating=4,
            rated=at(2025, 10, 3),
        ),  # overdue at 30/9 (answered later)
        "a7": make(commune, at(2025, 9, 10), d(2025, 9, 24), Status.REJECTED, closed=at(2025, 9, 12)),  # rejected
        "a8": make(
            commune,
            at(2025, 5, 5),
            d(2025, 5, 19),
            Status.ANSWERED,
            answered=at(2025, 5, 10),
            rating=3,
            rated=at(2025, 7, 2),
        ),  # only its rating (3) counts, given in Q3
        "a9": make(
            commune, at(2025, 9, 25), d(2025, 9, 30), Status.ANSWERED, answered=at(2025, 9, 30, 23, 30)
        ),  # received, answered on the deadline: on time, 5 d / 3 wd
        "a10": make(
            commune, at(2025, 9, 26), d(2025, 9, 29), Status.ANSWERED, answered=at(2025, 10, 1, 0, 30)
        ),  # received; answered after Q3 (UTC 30/9): overdue at 30/9
        "a11": make(
            commune, at(2025, 7, 20), d(2025, 8, 1), Status.ANSWERED, answered=at(2025, 7, 21), taken_up_by=district
        ),  # taken up by the district, still An Trường's: on time, 1 d / 1 wd
        # Đông Hải (another district)
        "b1": make(
            other_commune,
            at(2025, 7, 15),
            d(2025, 7, 29),
            Status.ANSWERED,
            answered=at(2025, 7, 16),
            rating=4,
            rated=at(2025, 7, 17),
        ),
        "b2": make(other_commune, at(2025, 7, 15), d(2025, 7, 29)),  # open, overdue
        # Mỹ Cẩm: answered, never rated
        "c1": make(my_cam, at(2025, 8, 5), d(2025, 8, 19), Status.ANSWERED, answered=at(2025, 8, 6)),
    }
    return rows


AN_TRUONG_Q3 = {
    "received": 7,
    "answered": 4,
    "answered_on_time": 3,
    "answered_late": 1,
    "overdue": 3,
    "rejected": 1,
    "open_now": 3,
    "rated": 3,
    "satisfied": 1,
    "days_to_answer_sum": 18,
    "working_days_to_answer_sum": 14,
    "rating_sum": 10,
    "avg_days_to_answer": 4.5,
    "avg_working_days_to_answer": 3.5,
    "avg_rating": 10 / 3,
    "satisfaction_rate": 1 / 3,
    "on_time_base": 7,  # 4 answered + 3 overdue unanswered
    "on_time_parts": (3, 7),
    "on_time_rate": 3 / 7,  # the overdue ones count against the rate
}
DONG_HAI_Q3 = {
    "received": 2,
    "answered": 1,
    "answered_on_time": 1,
    "answered_late": 0,
    "overdue": 1,
    "rejected": 0,
    "open_now": 1,
    "rated": 1,
    "satisfied": 1,
    "days_to_answer_sum": 1,
    "working_days_to_answer_sum": 1,
    "rating_sum": 4,
    "avg_days_to_answer": 1.0,
    "avg_working_days_to_answer": 1.0,
    "avg_rating": 4.0,
    "satisfaction_rate": 1.0,
    "on_time_base": 2,  # 1 answered + 1 overdue (b2)
    "on_time_rate": 0.5,
}
MY_CAM_Q3 = {
    "received": 1,
    "answered": 1,
    "answered_on_time": 1,
    "answered_late": 0,
    "overdue": 0,
    "rejected": 0,
    "open_now": 0,
    "rated": 0,
    "satisfied": 0,
    "days_to_answer_sum": 1,
    "working_days_to_answer_sum": 1,
    "rating_sum": 0,
    "avg_days_to_answer": 1.0,
    "avg_working_days_to_answer": 1.0,
    "avg_rating": None,
    "satisfaction_rate": None,
    "on_time_base": 1,
    "on_time_rate": 1.0,
}


def assert_figures(figures, expected):
    actual = figures.as_dict()
    for key, value in expected.items():
        if value is None or isinstance(value, int):
            assert actual[key] == value, f"{key}: {actual[key]!r} ≠ {value!r}"
        else:
            assert actual[key] == pytest.approx(value), f"{key}: {actual[key]!r} ≠ {value!r}"


# --- Periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, start, end, label, key",
    [
        ("2026-11", (2026, 11, 1), (2026, 11, 30), "Tháng 11/2026", "2026-11"),
        ("2026-2", (2026, 2, 1), (2026, 2, 28), "Tháng 2/2026", "2026-02"),
        ("2028-02", (2028, 2, 1), (2028, 2, 29), "Tháng 2/2028", "2028-02"),
        ("2026-Q3", (2026, 7, 1), (2026, 9, 30), "Quý III/2026", "2026-Q3"),
        ("2026-q1", (2026, 1, 1), (2026, 3, 31), "Quý I/2026", "2026-Q1"),
        ("2026-Q4", (2026, 10, 1), (2026, 12, 31), "Quý IV/2026", "2026-Q4"),
        (" 2026 ", (2026, 1, 1), (2026, 12, 31), "Năm 2026", "2026"),
        ("2026-01-01..2026-03-31", (2026, 1, 1), (2026, 3, 31), "01/01/2026 – 31/03/2026", "2026-01-01..2026-03-31"),
        ("2026-05-07..2026-05-07", (2026, 5, 7), (2026, 5, 7), "07/05/2026 – 07/05/2026", "2026-05-07..2026-05-07"),
    ],
)
def test_period_parse(text, start, end, label, key):
    period = Period.parse(text)
    assert (period.start, period.end, period.label, period.key) == (
        datetime.date(*start),
        datetime.date(*end),
        label,
        key,
    )
    assert Period.parse(period.key) == period


def test_period_constructors():
    assert Period.month(2025, 12) == Period.parse("2025-12")
    assert Period.quarter(2025, 2).end == datetime.date(2025, 6, 30)
    assert Period.year(2025).label == "Năm 2025"
    assert Period.current_month(datetime.date(2026, 11, 23)).key == "2026-11"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Chưa chọn kỳ báo cáo"),
        ("2026-13", "Tháng 13 không hợp lệ"),
        ("2026-00", "Tháng 0 không hợp lệ"),
        ("2026-Q5", "không hợp lệ"),
        ("Q3-2026", "Kỳ báo cáo “Q3-2026” không hợp lệ"),
        ("tháng 11", "không hợp lệ"),
        ("2026-02-30..2026-03-31", "ngày không tồn tại"),
        ("2026-03-31..2026-01-01", "trước ngày bắt đầu"),
        ("0999", "Năm 999 không hợp lệ"),
    ],
)
def test_period_parse_refuses_in_vietnamese(text, message):
    with pytest.raises(ValueError, match=message):
        Period.parse(text)
    with pytest.raises(ValueError):
        Period.month(2026, 13)
    with pytest.raises(ValueError):
        Period.quarter(2026, 0)


def test_period_bounds_are_local_midnights():
    start, end = Q3.bounds()
    assert start == datetime.datetime(2025, 6, 30, 17, 0, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2025, 9, 30, 17, 0, tzinfo=datetime.UTC)
    assert datetime.date(2025, 7, 1) in Q3 and datetime.date(2025, 9, 30) in Q3
    assert datetime.date(2025, 6, 30) not in Q3 and datetime.date(2025, 10, 1) not in Q3


# --- Figures -----------------------------------------------------------------------------------


def test_figures_per_commune(q3, commune, other_commune, my_cam):
    result = stats.figures(Inquiry.objects.all(), Q3, today=AFTER_Q3)
    assert set(result) >= {commune.pk, other_commune.pk, my_cam.pk}
    assert_figures(result[commune.pk], AN_TRUONG_Q3)
    assert_figures(result[other_commune.pk], DONG_HAI_Q3)
    assert_figures(result[my_cam.pk], MY_CAM_Q3)


def test_figures_do_not_depend_on_the_time_zone_of_the_request(q3, commune):
    with timezone.override("UTC"):
        result = stats.figures(Inquiry.objects.filter(commune=commune), Q3, today=AFTER_Q3)
    assert_figures(result[commune.pk], AN_TRUONG_Q3)


def test_figures_read_one_query_and_the_prefilter_changes_nothing(q3, commune, django_assert_num_queries):
    holidays = stats._load_holidays()
    with django_assert_num_queries(1):
        result = stats.figures(Inquiry.objects.all(), Q3, today=AFTER_Q3, holidays=holidays)
    everything = list(Inquiry.objects.values(*stats.ROW_FIELDS))
    assert stats.figures_from_rows(everything, Q3, today=AFTER_Q3, holidays=holidays) == result


def test_month_boundaries_at_local_midnight(q3, commune):
    june = stats.figures(Inquiry.objects.filter(commune=commune), Period.month(2025, 6), today=AFTER_Q3)[commune.pk]
    july = stats.figures(Inquiry.objects.filter(commune=commune), Period.month(2025, 7), today=AFTER_Q3)[commune.pk]
    october = stats.figures(Inquiry.objects.filter(commune=commune), Period.month(2025, 10), today=AFTER_Q3)[commune.pk]
    # 30/6 23:59 (a2) and 2/6 (a6) are June's; 1/7 00:00 (a1) and 20/7 (a11) July's;
    # 1/10 00:00 (a4), which is still 30/9 in UTC, is October's.
    assert june.received == 2
    assert july.received == 2
    assert october.received == 1
    # Answered in July: a1, a2 (late), a11. In October: a6 (2/10), a10 (1/10 00:30, still 30/9 in UTC).
    assert (july.answered, july.answered_on_time, july.answered_late) == (3, 2, 1)
    assert (october.answered, october.answered_on_time, october.answered_late) == (2, 0, 2)
    # Overdue at 31/7: a6 only (a2 was answered on 10/7, a5 arrived on 1/8).
    assert july.overdue == 1
    # Ratings given in July: a1 (5), a2 (2), a8 (3).
    assert (july.rated, july.satisfied) == (3, 1)
    assert july.avg_rating == pytest.approx(10 / 3)


def test_overdue_is_counted_at_today_when_the_period_is_not_over(q3, commune):
    result = stats.figures(Inquiry.objects.filter(commune=commune), Q3, today=datetime.date(2025, 8, 20))
    # At 20/8: a5 (deadline 15/8, open) and a6 (deadline 16/6, answered on 2/10).
    assert result[commune.pk].overdue == 2
    # A period that has not begun has nothing overdue.
    later = stats.figures(
        Inquiry.objects.filter(commune=commune), Period.quarter(2025, 4), today=datetime.date(2025, 9, 15)
    )
    assert later[commune.pk].overdue == 0


def test_overdue_starts_the_day_after_the_deadline(commune):
    make(commune, at(2025, 9, 1), datetime.date(2025, 9, 30))  # deadline on the cut-off day: not yet
    make(commune, at(2025, 9, 1), datetime.date(2025, 9, 29))  # the day before: overdue
    make(
        commune, at(2025, 9, 1), datetime.date(2025, 9, 10), Status.ANSWERED, answered=at(2025, 9, 30, 23, 59)
    )  # answered late but before the end of the cut-off day
    make(
        commune, at(2025, 9, 1), datetime.date(2025, 9, 10), Status.REJECTED, closed=at(2025, 10, 1, 8)
    )  # rejected after the cut-off: still pending at 30/9
    result = stats.figures(Inquiry.objects.filter(commune=commune), Q3, today=AFTER_Q3)[commune.pk]
    assert result.overdue == 2
    assert (result.answered, result.answered_late, result.rejected) == (1, 1, 0)


def test_no_ratings_give_none_not_zero(commune):
    make(commune, at(2025, 7, 7), datetime.date(2025, 7, 21), Status.ANSWERED, answered=at(2025, 7, 8))
    figures = stats.figures(Inquiry.objects.filter(commune=commune), Q3, today=AFTER_Q3)[commune.pk]
    assert figures.rated == 0
    assert figures.avg_rating is None
    assert figures.satisfaction_rate is None
    assert figures.on_time_rate == 1.0


def test_empty_figures():
    empty = Figures()
    assert empty.is_empty()
    for name in ("avg_days_to_answer", "avg_working_days_to_answer", "avg_rating", "satisfaction_rate", "on_time_rate"):
        assert getattr(empty, name) is None
    assert stats.total([]) == Figures()


def test_working_days_skip_holidays(commune):
    # Answered on Thursday 3/7 after arriving on Tuesday 1/7: 2 working days, 1 if 2/7 were a holiday.
    make(commune, at(2025, 7, 1), datetime.date(2025, 7, 15), Status.ANSWERED, answered=at(2025, 7, 3))
    holidays = stats._load_holidays()
    plain = stats.figures(Inquiry.objects.all(), Q3, today=AFTER_Q3, holidays=holidays)[commune.pk]
    assert plain.avg_working_days_to_answer == 2.0
    with_holiday = stats.figures(
        Inquiry.objects.all(), Q3, today=AFTER_Q3, holidays=set(holidays) | {datetime.date(2025, 7, 2)}
    )[commune.pk]
    assert with_holiday.avg_working_days_to_answer == 1.0
    assert with_holiday.avg_days_to_answer == 2.0


def test_total_sums_counts_and_recomputes_averages(q3, commune, other_commune):
    result = stats.figures(Inquiry.objects.all(), Q3, today=AFTER_Q3)
    both = stats.total([result[commune.pk], result[other_commune.pk]])
    assert_figures(
        both,
        {
            "received": 9,
            "answered": 5,
            "answered_on_time": 4,
            "answered_late": 1,
            "overdue": 4,
            "rejected": 1,
            "open_now": 4,
            "rated": 4,
            "satisfied": 2,
            "avg_days_to_answer": 19 / 5,
            "avg_working_days_to_answer": 3.0,
            "avg_rating": 3.5,
            "satisfaction_rate": 0.5,
            "on_time_base": 9,
            "on_time_rate": 4 / 9,
        },
    )


# --- Per unit ----------------------------------------------------------------------------------


def test_rows_for_a_district_lists_every_commune_by_name(q3, district, commune, my_cam):
    table, total = stats.rows_for(district, Q3, today=AFTER_Q3)
    names = [c.short_name for c, _ in table]
    assert len(names) == 14  # huyện Càng Long, 2024
    assert names[:4] == ["An Trường", "An Trường A", "Bình Phú", "Càng Long"]
    assert names.index("Đại Phúc") < names.index("Đức Mỹ") < names.index("Huyền Hội")  # Đ folded to D
    figures = dict((c.pk, f) for c, f in table)
    assert_figures(figures[commune.pk], AN_TRUONG_Q3)
    assert_figures(figures[my_cam.pk], MY_CAM_Q3)
    empty = next(f for c, f in table if c.short_name == "Tân An")
    assert empty == Figures() and empty.avg_rating is None
    # Đông Hải is in another district.
    assert_figures(
        total,
        {
            "received": 8,
            "answered": 5,
            "overdue": 3,
            "rated": 3,
            "open_now": 3,
            "on_time_rate": 0.5,  # 4 on time of 5 answered + 3 overdue
            "avg_rating": 10 / 3,
        },
    )


def test_rows_for_a_commune_and_a_province(q3, commune, other_commune, province):
    table, total = stats.rows_for(commune, Q3, today=AFTER_Q3)
    assert [c.pk for c, _ in table] == [commune.pk]
    assert total == table[0][1]
    table, total = stats.rows_for(province, Q3, today=AFTER_Q3)
    assert {commune.pk, other_commune.pk} <= {c.pk for c, _ in table}
    assert (total.received, total.answered, total.overdue) == (10, 6, 4)


def test_csv_writer(q3, commune):
    table, total = stats.rows_for(commune, Q3, today=AFTER_Q3)
    buffer = io.StringIO(newline="")
    stats.write_csv(buffer, table, total)
    text = buffer.getvalue()
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert lines[0][:4] == ["Mã", "Đơn vị", "Tiếp nhận", "Đã trả lời"]
    assert lines[1] == [
        "29275",
        "Xã An Trường",
        "7",
        "4",
        "3",
        "1",
        "3",
        "1",
        "3",
        "4.5",
        "3.5",
        "3",
        "3.33",
        "1",
        "33.3",
        "7",
        "42.9",
    ]
    assert lines[2][:3] == ["", "Tổng cộng", "7"]


# --- Admin report ------------------------------------------------------------------------------


@pytest.fixture
def report_url(db):
    try:
        return reverse("tincoso_inquiry_stats")
    except NoReverseMatch:
        pytest.fail("The report is not registered: inquiries/wagtail_hooks.py must import inquiries.report.")


@pytest.fixture
def commune_editor(commune):
    user = get_user_model().objects.create_user("bientap_an_truong_tk", password="x-Strong-pass-123")
    user.groups.add(commune.editors_group)
    return user


def test_report_for_a_commune_editor(client, report_url, q3, commune_editor, commune, other_commune, my_cam):
    client.force_login(commune_editor)
    response = client.get(report_url, {"ky": "2025-Q3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thống kê hỏi đáp" in html
    assert "Quý III/2025" in html
    assert commune.title in html
    assert other_commune.title not in html and my_cam.title not in html
    # Only their commune to choose from.
    assert html.count(f'<option value="{commune.pk}"') == 1
    assert [u.pk for u in response.context["units"]] == [commune.pk]
    # Its row: Tiếp nhận 7, Đã trả lời 4, Đúng hạn 3, Trễ hạn 1, Quá hạn 3, 3,5 ngày, 3,3 điểm, 33,3%,
    # and on time 3 of 4 answered + 3 overdue unanswered: 42,9%, "3 / 7".
    cells = ["7", "4", "3", "1", "3", "3,5", "3,3", "33,3%", "42,9%", "3 / 7"]
    assert response.context["rows"] == [{"name": commune.title, "code": commune.code, "cells": cells}]
    assert response.context["total_cells"] == cells
    assert "3 / 7" in html
    for heading in (
        "Xã",
        "Tiếp nhận",
        "Đã trả lời",
        "Đúng hạn",
        "Trễ hạn",
        "Quá hạn",
        "TB ngày làm việc",
        "Đánh giá TB",
        "Tỷ lệ hài lòng",
        "Tỷ lệ đúng hạn",
        "Đúng hạn / (đã trả lời + quá hạn)",
        "Tổng cộng",
    ):
        assert heading in html
    # The chart: an inline SVG with a role and a title.
    assert "<svg" in html and 'role="img"' in html and '<title id="chart-title">' in html


def test_report_chart(client, report_url, q3, commune_editor, commune):
    client.force_login(commune_editor)
    html = client.get(report_url, {"ky": "2025-Q3"}).content.decode()
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" role="img"') :]
    svg = svg[: svg.index("</svg>")]
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert "Xã An Trường: 3 trả lời đúng hạn, 1 trả lời trễ hạn, 3 quá hạn chưa trả lời" in svg
    # Three segments, 3 : 1 : 3, with dots for decimals whatever the language of the page.
    from inquiries.report import bar_chart

    table, _ = stats.rows_for(commune, Q3, today=AFTER_Q3)
    segments = bar_chart(table)["bars"][0]["segments"]
    assert [s["colour"] for s in segments] == ["#2e7d32", "#e65100", "#b71c1c"]
    assert segments[0]["width"] == pytest.approx(3 * segments[1]["width"], abs=0.05)
    assert segments[0]["width"] == segments[2]["width"]
    assert f'width="{segments[0]["width"]}"' in svg
    assert bar_chart([(table[0][0], Figures())])["bars"][0]["segments"] == []


def test_report_in_the_reports_menu_of_unit_users_only(client, report_url, commune_editor):
    client.force_login(commune_editor)
    assert report_url in client.get(reverse("wagtailadmin_home")).content.decode()
    group = Group.objects.create(name="Chỉ vào trang quản trị (menu)")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    other = get_user_model().objects.create_user("khong_don_vi_menu", password="x-Strong-pass-123")
    other.groups.add(group)
    client.force_login(other)
    assert report_url not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_report_refuses_another_unit(client, report_url, commune_editor, other_commune, district):
    client.force_login(commune_editor)
    assert client.get(report_url, {"don_vi": other_commune.pk}).status_code == 403
    assert client.get(report_url, {"don_vi": district.pk}).status_code == 403
    assert client.get(report_url, {"don_vi": "abc"}).status_code == 403


def test_report_default_period_is_the_current_month(client, report_url, commune_editor, commune):
    client.force_login(commune_editor)
    response = client.get(report_url)
    assert response.status_code == 200
    assert response.context["period"] == Period.current_month()


def test_report_shows_a_bad_period(client, report_url, commune_editor):
    client.force_login(commune_editor)
    response = client.get(report_url, {"ky": "2025-13"})
    assert response.status_code == 200
    assert "Tháng 13 không hợp lệ" in response.content.decode()


def test_report_403_for_a_user_without_unit(client, report_url):
    group = Group.objects.create(name="Chỉ vào trang quản trị")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    user = get_user_model().objects.create_user("khong_don_vi", password="x-Strong-pass-123")
    user.groups.add(group)
    client.force_login(user)
    response = client.get(report_url)
    assert response.status_code == 403
    assert "chưa thuộc đơn vị nào" in response.content.decode()


def test_report_for_a_district_moderator(client, report_url, q3, district):
    user = get_user_model().objects.create_user("kiemduyet_cang_long_tk", password="x-Strong-pass-123")
    user.groups.add(district.moderators_group)
    client.force_login(user)
    response = client.get(report_url, {"ky": "2025-Q3", "don_vi": district.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 14
    assert response.context["total_cells"][:5] == ["8", "5", "4", "1", "3"]


def test_report_units_of_a_superuser(client, report_url, province, district):
    admin = get_user_model().objects.create_superuser("quantri_tk", password="x-Strong-pass-123")
    client.force_login(admin)
    response = client.get(report_url)
    assert response.status_code == 200
    units = response.context["units"]
    assert units[0].pk == province.pk and district.pk in {u.pk for u in units}
    assert all(isinstance(u, AreaPage) and u.level in ("province", "district") for u in units)


def test_report_csv(client, report_url, q3, commune_editor, commune):
    client.force_login(commune_editor)
    response = client.get(report_url, {"ky": "2025-Q3", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == [
        "Mã",
        "Đơn vị",
        "Tiếp nhận",
        "Đã trả lời",
        "Đúng hạn",
        "Trễ hạn",
        "Quá hạn",
        "Từ chối",
        "Đang xử lý (hiện tại)",
        "TB ngày (lịch)",
        "TB ngày làm việc",
        "Số đánh giá",
        "Đánh giá TB",
        "Hài lòng (4–5)",
        "Tỷ lệ hài lòng (%)",
        "Đã trả lời + quá hạn",
        "Tỷ lệ đúng hạn (%)",
    ]
    assert lines[1] == [
        "29275",
        "Xã An Trường",
        "7",
        "4",
        "3",
        "1",
        "3",
        "1",
        "3",
        "4.5",
        "3.5",
        "3",
        "3.33",
        "1",
        "33.3",
        "7",
        "42.9",
    ]
    assert lines[2][1] == "Tổng cộng"
    assert len(lines) == 3


def test_report_xlsx(client, report_url, q3, commune_editor):
    from openpyxl import load_workbook

    client.force_login(commune_editor)
    response = client.get(report_url, {"ky": "2025-Q3", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Mã", "Đơn vị", "Tiếp nhận"]
    assert values[1][:7] == ["29275", "Xã An Trường", 7, 4, 3, 1, 3]
    assert values[1][12] == 3.33 and values[1][14] == 33.3


# --- Command -----------------------------------------------------------------------------------


def run(**options):
    out = io.StringIO()
    call_command("inquiry_stats", stdout=out, **options)
    return out.getvalue()


def test_command_prints_an_aligned_table(q3):
    output = run(period="2025-Q3", unit="Càng Long")  # the district, not thị trấn Càng Long
    lines = output.splitlines()
    assert lines[0] == "Thống kê hỏi đáp – Huyện Càng Long – Quý III/2025 (01/07/2025 – 30/09/2025)"
    header = next(line for line in lines if line.startswith("Xã "))
    assert header.split("  ")[0].strip() == "Xã"
    for heading in (
        "Tiếp nhận",
        "Đã trả lời",
        "Đúng hạn",
        "Trễ hạn",
        "Quá hạn",
        "TB ngày làm việc",
        "Đánh giá TB",
        "Tỷ lệ hài lòng",
        "Tỷ lệ đúng hạn",
    ):
        assert heading in header
    start = lines.index(header)
    table = lines[start : start + 14 + 4]  # header, rule, 14 communes, rule, total
    assert len({len(line) for line in table}) == 1, "columns are not aligned"
    an_truong = next(line for line in table if line.startswith("Xã An Trường "))
    assert an_truong.split()[3:] == ["7", "4", "3", "1", "3", "3,5", "3,3", "33,3%", "42,9%", "3", "/", "7"]
    tan_an = next(line for line in table if line.startswith("Xã Tân An "))
    assert tan_an.split()[3:] == ["0", "0", "0", "0", "0", "–", "–", "–", "–", "–"]
    total = table[-1]
    assert total.startswith("Tổng cộng")
    assert total.split()[2:] == ["8", "5", "4", "1", "3", "3,0", "3,3", "33,3%", "50,0%", "4", "/", "8"]
    assert "Số xã: 14" in output
    assert "Tỷ lệ đúng hạn = trả lời đúng hạn / (đã trả lời + quá hạn chưa trả lời): 4 / 8." in output


def test_command_by_code_and_csv(q3, tmp_path):
    target = tmp_path / "an-truong.csv"
    output = run(period="2025-Q3", code="29275", csv_path=str(target))
    assert "Xã An Trường" in output and "Xã Mỹ Cẩm" not in output
    assert f"Đã ghi tệp CSV: {target}" in output
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[1][:7] == ["29275", "Xã An Trường", "7", "4", "3", "1", "3"]


def test_command_finds_a_commune_by_full_name(q3):
    output = run(period="2025-Q3", unit="thi tran cang long")
    assert "Thống kê hỏi đáp – Thị trấn Càng Long –" in output
    assert "Số xã: 1" in output


@pytest.mark.parametrize(
    "options, message",
    [
        ({"period": "2025-13", "unit": "Càng Long"}, "Tháng 13 không hợp lệ"),
        ({"period": "quy 3", "unit": "Càng Long"}, "Kỳ báo cáo “quy 3” không hợp lệ"),
        ({"period": "2025-Q3", "unit": "Càng Lon"}, "Không tìm thấy đơn vị có tên “Càng Lon”. Có phải"),
        ({"period": "2025-Q3", "code": "99999"}, "Không tìm thấy đơn vị có mã “99999”"),
        (
            {"period": "2025-Q3", "unit": "Phường 1"},
            "Có 2 đơn vị có tên “Phường 1”: Phường 1 – Thành phố Trà Vinh .*--code",
        ),
    ],
)
def test_command_errors(db, options, message):
    with pytest.raises(CommandError, match=message):
        run(**options)


def test_command_exit_code_and_stderr_on_a_bad_period():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "inquiry_stats", "--period", "2025-Q9"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Kỳ báo cáo “2025-Q9” không hợp lệ" in result.stderr
    assert result.stdout == ""
