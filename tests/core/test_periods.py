"""core.periods: the clock-style lengths and the query-parameter dates the admin screens share."""

import datetime

import pytest

from core.periods import clock, query_date


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "–"), (0, "0:00"), (4.4, "0:04"), (59.6, "1:00"), (245, "4:05"), (3600, "1:00:00"), (3723, "1:02:03")],
)
def test_clock_reads_like_a_clock(seconds, shown):
    assert clock(seconds) == shown


def test_query_date_empty_valid_and_invalid():
    assert query_date("") is None
    assert query_date(None) is None
    assert query_date("2026-12-06") == datetime.date(2026, 12, 6)
    assert query_date("06/12/2026") is None
    assert query_date("2026-13-01", invalid=False) is False
