"""Working days: weekends, Vietnam's public holidays (data/vn_public_holidays.csv), deadlines."""

import csv
import unicodedata
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from core.working_days import (
    add_working_days,
    deadline_for,
    is_working_day,
    load_holidays,
    working_days_between,
)

CSV_PATH = Path(django_settings.BASE_DIR) / "data" / "vn_public_holidays.csv"
YEARS = (2024, 2025, 2026, 2027)
D = date


def table_rows():
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- the table --------------------------------------------------------------------------


def test_table_is_well_formed():
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        assert f.readline() == "date,name,note\n"
    rows = table_rows()
    dates = [date.fromisoformat(row["date"]) for row in rows]  # every date parses
    assert len(dates) == len(set(dates)), "a date is listed twice"
    assert dates == sorted(dates)
    assert {d.year for d in dates} == set(YEARS)
    for row in rows:
        assert row["name"].strip(), row
        assert set(row) == {"date", "name", "note"}
        for value in row.values():
            assert unicodedata.is_normalized("NFC", value)


def test_table_has_the_fixed_holidays_of_every_year():
    days = load_holidays()
    for year in YEARS:
        for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert D(year, month, day) in days, (year, month, day)


@pytest.mark.parametrize(
    "year, new_year", [(2024, D(2024, 2, 10)), (2025, D(2025, 1, 29)), (2026, D(2026, 2, 17)), (2027, D(2027, 2, 6))]
)
def test_table_has_tet_every_year(year, new_year):
    tet = [
        date.fromisoformat(r["date"])
        for r in table_rows()
        if r["name"].startswith("Tết Nguyên đán") and r["date"].startswith(str(year))
    ]
    assert new_year in tet  # mùng 1 Tết
    assert sum(d.weekday() < 5 for d in tet) >= 5  # five days off, made up when they fall on a weekend


@pytest.mark.parametrize("day", [D(2024, 4, 18), D(2025, 4, 7), D(2026, 4, 26), D(2027, 4, 16)])
def test_table_has_gio_to_hung_vuong(day):
    assert any(r["date"] == day.isoformat() and r["name"].startswith("Giỗ Tổ") for r in table_rows())


@pytest.mark.parametrize("year", YEARS)
def test_every_year_has_at_least_the_eleven_days_of_the_labour_code(year):
    """Labour Code 2019 art. 112: 11 days off a year; falling on a weekend, they are made up."""
    weekdays_off = [d for d in load_holidays() if d.year == year and d.weekday() < 5]
    assert len(weekdays_off) >= 11


def test_unannounced_arrangements_are_marked_as_expected():
    notes = {r["date"]: r["note"] for r in table_rows()}
    for day in ("2027-02-04", "2027-02-10", "2027-09-03", "2027-05-03"):
        assert "dự kiến" in notes[day]
    assert "dự kiến" not in notes["2026-02-16"]


# --- load_holidays ----------------------------------------------------------------------


def test_load_holidays_reads_the_project_table_once():
    days = load_holidays()
    assert isinstance(days, frozenset)
    assert D(2026, 2, 17) in days and D(2026, 4, 27) in days
    assert load_holidays() is days
    assert load_holidays(CSV_PATH) is days
    assert load_holidays(str(CSV_PATH)) is days


def test_default_table_is_found_under_base_dir(settings, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "vn_public_holidays.csv").write_text(
        "date,name,note\n2030-01-01,Tết Dương lịch,\n", encoding="utf-8"
    )
    settings.BASE_DIR = tmp_path
    assert load_holidays() == frozenset({D(2030, 1, 1)})


def write(tmp_path, text):
    path = tmp_path / "holidays.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_holidays_of_another_file(tmp_path):
    path = write(tmp_path, 'date,name,note\n2030-01-01,Tết Dương lịch,\n\n2030-01-05,"Nghỉ, thử",dự kiến\n')
    assert load_holidays(path) == frozenset({D(2030, 1, 1), D(2030, 1, 5)})


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("date,name,note\n2030-01-01,A,\n2030-13-01,B,\n", 3, "not a date"),
        ("date,name,note\n01/01/2030,A,\n", 2, "not a date"),
        ("date,name,note\n2030-01-01,A,\n2030-01-02,B\n", 3, "2 fields"),
        ("date,name,note\n2030-01-01,A,,extra\n", 2, "4 fields"),
        ("date,name,note\n2030-01-01,A,\n2030-01-01,B,\n", 3, "already listed on line 2"),
        ("date,name,note\n2030-01-01, ,\n", 2, "no name"),
        ("ngay,ten\n2030-01-01,A\n", 1, "header"),
        ("", 1, "header"),
    ],
)
def test_malformed_table_names_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        load_holidays(path)
    message = str(info.value)
    assert str(path) in message and f"line {line}" in message and words in message


# --- is_working_day ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2026, 11, 23), True),  # Monday
        (D(2026, 11, 27), True),  # Friday
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 29), False),  # Sunday
        (D(2026, 2, 16), False),  # Tết
        (D(2026, 2, 23), True),  # back after Tết
        (D(2026, 4, 27), False),  # Monday off for Giỗ Tổ on a Sunday
        (D(2026, 1, 2), False),  # Friday swapped for Saturday 10/01
        (D(2025, 9, 1), False),  # the day next to Quốc khánh
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_is_working_day_with_given_holidays():
    assert is_working_day(D(2026, 2, 16), holidays=frozenset()) is True
    assert is_working_day(D(2026, 11, 24), holidays={D(2026, 11, 24)}) is False


def test_a_datetime_is_not_taken_for_a_date():
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 2, 16, 9, 0))
    with pytest.raises(TypeError):
        add_working_days("2026-02-16", 1)


# --- add_working_days -------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2026, 11, 23), 0, D(2026, 11, 23)),  # nothing to add
        (D(2026, 11, 23), 1, D(2026, 11, 24)),  # the start itself does not count
        (D(2026, 11, 23), 5, D(2026, 11, 30)),  # over a weekend
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday → Monday
        (D(2026, 11, 28), 1, D(2026, 11, 30)),  # received on Saturday
        (D(2026, 2, 13), 10, D(2026, 3, 6)),  # Tết Bính Ngọ, 14–22/02
        (D(2026, 2, 13), 1, D(2026, 2, 23)),
        (D(2025, 4, 29), 3, D(2025, 5, 7)),  # 30/4–4/5/2025
        (D(2026, 4, 24), 1, D(2026, 4, 28)),  # Giỗ Tổ on Sunday, Monday off
        (D(2026, 4, 24), 3, D(2026, 5, 4)),  # … then 30/4 and 1/5
        (D(2025, 12, 31), 1, D(2026, 1, 5)),  # 1–4/01/2026
        (D(2025, 12, 26), 10, D(2026, 1, 13)),  # across the year end
        (D(2026, 8, 28), 1, D(2026, 9, 3)),  # 29/8–2/9/2026
        (D(2024, 2, 7), 1, D(2024, 2, 15)),  # Tết Giáp Thìn, 8–14/02
        (D(2027, 2, 3), 1, D(2027, 2, 11)),  # Tết Đinh Mùi (expected)
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_add_working_days_refuses_negative_n():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


def test_add_working_days_with_given_holidays():
    assert add_working_days(D(2026, 2, 13), 1, holidays=frozenset()) == D(2026, 2, 16)
    assert add_working_days(D(2026, 2, 13), 1, holidays={D(2026, 2, 16)}) == D(2026, 2, 17)


def test_weekends_listed_in_the_table_change_nothing():
    plain = {D(2026, 2, 16), D(2026, 2, 17)}
    with_weekend = plain | {D(2026, 2, 14), D(2026, 2, 15), D(2026, 2, 21)}
    for n in range(12):
        assert add_working_days(D(2026, 2, 12), n, plain) == add_working_days(D(2026, 2, 12), n, with_weekend)


def test_the_result_is_always_a_working_day():
    day = D(2024, 1, 1)
    while day.year < 2028:
        assert is_working_day(add_working_days(day, 1))
        day += timedelta(days=3)


# --- working_days_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (D(2026, 2, 13), D(2026, 3, 6), 10),
        (D(2026, 11, 27), D(2026, 11, 28), 0),  # Friday → Saturday
        (D(2026, 11, 27), D(2026, 11, 30), 1),  # Friday → Monday: Monday counts
        (D(2026, 11, 23), D(2026, 11, 23), 0),
        (D(2026, 11, 30), D(2026, 11, 23), 0),  # end before start
        (D(2023, 12, 31), D(2024, 12, 31), 250),  # 262 weekdays, 12 of them off
        (D(2024, 12, 31), D(2025, 12, 31), 249),  # 261 weekdays, 12 off
        (D(2025, 12, 31), D(2026, 12, 31), 248),  # 261 weekdays, 13 off
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_between_undoes_add():
    holidays = load_holidays()
    day = D(2024, 1, 1)
    while day.year < 2028:
        for n in (1, 3, 10, 30):
            assert working_days_between(day, add_working_days(day, n, holidays), holidays) == n
        day += timedelta(days=5)


# --- deadline_for -----------------------------------------------------------------------


def test_deadline_counts_from_the_local_date():
    # 17:30 UTC on Thursday 26/11 is 00:30 on Friday 27/11 in Vietnam.
    received = datetime(2026, 11, 26, 17, 30, tzinfo=UTC)
    assert deadline_for(received, days=1) == D(2026, 11, 30)
    received = datetime(2026, 11, 26, 16, 59, tzinfo=UTC)  # 23:59 on Thursday
    assert deadline_for(received, days=1) == D(2026, 11, 27)


def test_deadline_default_days_from_settings(settings):
    received = datetime(2026, 2, 13, 9, 0, tzinfo=dt_timezone(timedelta(hours=7)))
    assert deadline_for(received) == D(2026, 3, 6)  # 10 working days
    settings.INQUIRY_DEADLINE_WORKING_DAYS = 3
    assert deadline_for(received) == D(2026, 2, 25)
    del settings.INQUIRY_DEADLINE_WORKING_DAYS
    assert deadline_for(received) == D(2026, 3, 6)
    assert deadline_for(received, days=0) == D(2026, 2, 13)


def test_deadline_needs_an_aware_datetime():
    with pytest.raises(ValueError):
        deadline_for(datetime(2026, 2, 13, 9, 0))
