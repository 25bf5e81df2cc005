"""Playlist composition with a frozen clock: validity windows, dayparts, priority classes,
emergencies pre-empting everything, the news limit, and when the playlist changes by itself."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from boards.composition import Candidate, Daypart, Rules, compose, next_change

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=VN)  # a Monday morning


def at(days=0, hours=0, minutes=0):
    return NOW + datetime.timedelta(days=days, hours=hours, minutes=minutes)


def ann(key, priority="normal", date=None, **kw):
    return Candidate(key=f"announcement:{key}", kind="announcement", priority=priority, date=date or at(-1), **kw)


def news(key, date):
    return Candidate(key=f"news:{key}", kind="news", date=date)


def test_validity_window_start_inclusive_end_exclusive():
    items = [ann(1, valid_from=at(hours=1)), ann(2, valid_until=NOW), ann(3, valid_from=NOW, valid_until=at(days=1))]
    assert compose(items, NOW).keys == ["announcement:3"]
    assert compose(items, at(hours=1)).keys == ["announcement:1", "announcement:3"]


def test_priority_class_then_newest_first_then_limited_news():
    items = [
        news("old", at(-5)), news("new", at(-1)), news("mid", at(-3)),
        ann("normal-new", date=at(-1)), ann("prio-old", "priority", date=at(-9)), ann("normal-old", date=at(-8)),
    ]
    result = compose(items, NOW, Rules(news_count=2))
    assert result.keys == ["announcement:prio-old", "announcement:normal-new", "news:new", "news:mid",
                           "announcement:normal-old"]
    assert not result.emergency
    # The input's order never matters.
    assert compose(list(reversed(items)), NOW, Rules(news_count=2)).keys == result.keys


def test_an_emergency_pre_empts_everything_until_it_expires():
    items = [ann("a", "priority"), news("n", at(-1)), ann("storm", "emergency", valid_until=at(hours=2)),
             ann("flood", "emergency", date=at(-2), valid_until=at(hours=5))]
    now = compose(items, NOW)
    assert now.emergency and now.keys == ["announcement:storm", "announcement:flood"]
    later = compose(items, at(hours=3))
    assert later.keys == ["announcement:flood"]
    after = compose(items, at(hours=6))
    assert not after.emergency and after.keys == ["announcement:a", "news:n"]


def test_dayparts_by_weekday_and_time_of_day():
    morning_weekdays = Daypart(frozenset(range(5)), datetime.time(6), datetime.time(11))
    evenings = Daypart(frozenset(range(7)), datetime.time(18), datetime.time(0))
    overnight_sat = Daypart(frozenset({5}), datetime.time(22), datetime.time(2))
    items = [ann("m", dayparts=(morning_weekdays,)), ann("e", dayparts=(evenings,)),
             ann("o", dayparts=(overnight_sat,))]
    assert compose(items, NOW).keys == ["announcement:m"]  # Monday 09:30
    assert compose(items, at(hours=10)).keys == ["announcement:e"]  # Monday 19:30
    sunday_1am = datetime.datetime(2026, 11, 29, 1, 0, tzinfo=VN)
    assert compose(items, sunday_1am).keys == ["announcement:o"]  # Saturday night's window
    saturday_9am = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=VN)
    assert compose(items, saturday_9am).keys == []


def test_durations_default_and_own():
    items = [ann(1), Candidate(key="media:1", kind="media", date=at(-1), duration_s=25)]
    result = compose(items, NOW, Rules(default_duration_s=8))
    assert [(e.candidate.key, e.duration_s) for e in result.entries] == [("announcement:1", 8.0), ("media:1", 25.0)]


def test_next_change_is_the_first_expiry_start_or_daypart_edge():
    items = [ann(1, valid_until=at(hours=5)), ann(2, valid_from=at(hours=3)),
             ann(3, dayparts=(Daypart(frozenset(range(7)), datetime.time(11), datetime.time(12)),))]
    assert next_change(items, NOW) == datetime.datetime(2026, 11, 23, 11, 0, tzinfo=VN)
    assert compose(items, NOW).next_change == datetime.datetime(2026, 11, 23, 11, 0, tzinfo=VN)
    assert next_change([ann(9)], NOW) is None


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        compose([], NOW.replace(tzinfo=None))
