"""Playlist composition with a frozen clock: validity windows, dayparts, priority classes,
emergencies pre-empting everything, the news limit, and when the playlist changes by itself;
for loudspeaker clusters, what airs when (broadcast times, emergencies at once and repeated)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from boards.composition import (
    AudioRules,
    Candidate,
    Daypart,
    Rules,
    broadcast_moments,
    compose,
    compose_audio,
    format_broadcast_times,
    next_change,
    parse_broadcast_times,
)

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
        news("old", at(-5)),
        news("new", at(-1)),
        news("mid", at(-3)),
        ann("normal-new", date=at(-1)),
        ann("prio-old", "priority", date=at(-9)),
        ann("normal-old", date=at(-8)),
    ]
    result = compose(items, NOW, Rules(news_count=2))
    assert result.keys == [
        "announcement:prio-old",
        "announcement:normal-new",
        "news:new",
        "news:mid",
        "announcement:normal-old",
    ]
    assert not result.emergency
    # The input's order never matters.
    assert compose(list(reversed(items)), NOW, Rules(news_count=2)).keys == result.keys


def test_an_emergency_pre_empts_everything_until_it_expires():
    items = [
        ann("a", "priority"),
        news("n", at(-1)),
        ann("storm", "emergency", valid_until=at(hours=2)),
        ann("flood", "emergency", date=at(-2), valid_until=at(hours=5)),
    ]
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
    items = [
        ann("m", dayparts=(morning_weekdays,)),
        ann("e", dayparts=(evenings,)),
        ann("o", dayparts=(overnight_sat,)),
    ]
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
    items = [
        ann(1, valid_until=at(hours=5)),
        ann(2, valid_from=at(hours=3)),
        ann(3, dayparts=(Daypart(frozenset(range(7)), datetime.time(11), datetime.time(12)),)),
    ]
    assert next_change(items, NOW) == datetime.datetime(2026, 11, 23, 11, 0, tzinfo=VN)
    assert compose(items, NOW).next_change == datetime.datetime(2026, 11, 23, 11, 0, tzinfo=VN)
    assert next_change([ann(9)], NOW) is None


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        compose([], NOW.replace(tzinfo=None))


# --- Loudspeaker clusters: compose_audio ----------------------------------------------------------

SIX, FIVE_PM = datetime.time(6), datetime.time(17)
SPEAKERS = AudioRules(broadcast_times=(SIX, FIVE_PM), emergency_repeat_s=15 * 60, news_count=1)


def media(key):
    return Candidate(key=f"media:{key}", kind="media", date=at(-1), duration_s=10)


def pushed(key, priority="normal", date=None, **kw):
    return Candidate(key=f"pushed:{key}", kind="pushed", priority=priority, date=date or at(-1), **kw)


def times_of(plan):
    return [(a.at, a.keys, a.emergency) for a in plan.airings]


def test_speakers_read_announcements_news_and_pushed_items_at_the_broadcast_times():
    items = [
        ann("n", date=at(-2)),
        ann("p", "priority", date=at(-3)),
        news("old", at(-5)),
        news("new", at(-1)),
        media("poster"),
        pushed("district", date=at(-4)),
    ]
    plan = compose_audio(items, NOW, SPEAKERS)  # Monday 09:30
    # What it holds: no picture (nothing to read), one news (the board's limit), priority first.
    assert plan.keys == ["announcement:p", "news:new", "announcement:n", "pushed:district"]
    assert not plan.emergency
    order = ("announcement:p", "news:new", "announcement:n", "pushed:district")
    assert times_of(plan) == [
        (datetime.datetime(2026, 11, 23, 17, 0, tzinfo=VN), order, False),
        (datetime.datetime(2026, 11, 24, 6, 0, tzinfo=VN), order, False),
    ]
    assert plan.next_broadcast.at == datetime.datetime(2026, 11, 23, 17, 0, tzinfo=VN)
    # The same answer whatever the input's order: a pure function.
    assert compose_audio(list(reversed(items)), NOW, SPEAKERS) == plan


def test_each_broadcast_reads_what_is_valid_at_its_time():
    items = [
        ann("until-noon", valid_until=at(hours=3)),
        ann("from-4pm", valid_from=at(hours=6, minutes=30)),
        ann("tomorrow-only", valid_from=at(days=1, hours=-4), valid_until=at(days=1, hours=-2)),
    ]
    plan = compose_audio(items, NOW, SPEAKERS)
    assert plan.keys == ["announcement:until-noon"]  # held now; the board recomposes at the next change
    assert plan.next_change == at(hours=3)
    assert times_of(plan) == [
        (datetime.datetime(2026, 11, 23, 17, 0, tzinfo=VN), ("announcement:from-4pm",), False),
        (
            datetime.datetime(2026, 11, 24, 6, 0, tzinfo=VN),
            ("announcement:from-4pm", "announcement:tomorrow-only"),
            False,
        ),
    ]


def test_an_emergency_airs_at_once_repeats_and_pre_empts_the_broadcasts_while_valid():
    storm = pushed("storm", "emergency", valid_from=at(minutes=-10), valid_until=at(hours=8))  # until 17:30
    items = [ann("n"), ann("p", "priority"), storm]
    plan = compose_audio(items, NOW, SPEAKERS)
    assert plan.emergency and plan.keys == ["pushed:storm"]
    emergency = [a for a in plan.airings if a.emergency]
    assert emergency[0].at == NOW  # at once, not at the next broadcast time
    assert [a.at - NOW for a in emergency[:3]] == [datetime.timedelta(minutes=m) for m in (0, 15, 30)]
    assert emergency[-1].at < storm.valid_until and len(emergency) == 8 * 4
    broadcasts = [a for a in plan.airings if not a.emergency]
    # 17:00 falls inside the storm: pre-empted. Tomorrow 06:00 it is over: the usual bulletin.
    assert [a.at for a in broadcasts] == [datetime.datetime(2026, 11, 24, 6, 0, tzinfo=VN)]
    assert broadcasts[0].keys == ("announcement:p", "announcement:n")


def test_an_emergency_starting_later_airs_when_it_starts_and_once_when_repeat_is_zero():
    flood = ann("flood", "emergency", valid_from=at(hours=2), valid_until=at(hours=4))
    once = AudioRules(broadcast_times=(FIVE_PM,), emergency_repeat_s=0)
    plan = compose_audio([ann("n"), flood], NOW, once)
    assert not plan.emergency and plan.keys == ["announcement:n"]
    assert times_of(plan) == [
        (at(hours=2), ("announcement:flood",), True),
        (datetime.datetime(2026, 11, 23, 17, 0, tzinfo=VN), ("announcement:n",), False),
    ]
    assert plan.next_change == at(hours=2)  # the board recomposes when the flood warning starts


def test_two_emergencies_keep_their_own_clocks_and_merge_when_due_together():
    a = ann("a", "emergency", date=at(-1), valid_until=at(hours=1))
    b = ann("b", "emergency", date=at(-2), valid_from=at(minutes=5), valid_until=at(hours=1))
    plan = compose_audio([a, b], NOW, AudioRules(broadcast_times=(), emergency_repeat_s=30 * 60))
    assert times_of(plan) == [
        (NOW, ("announcement:a",), True),
        (at(minutes=5), ("announcement:b",), True),
        (at(minutes=30), ("announcement:a",), True),
        (at(minutes=35), ("announcement:b",), True),
    ]


def test_no_broadcast_times_only_emergencies_air():
    plan = compose_audio([ann("n"), news("x", at(-1))], NOW, AudioRules(broadcast_times=()))
    assert plan.keys == ["announcement:n", "news:x"] and plan.airings == () and plan.next_broadcast is None


def test_broadcast_moments_are_local_clock_times_across_midnight():
    late = datetime.datetime(2026, 11, 23, 23, 0, tzinfo=VN)
    moments = broadcast_moments((SIX, FIVE_PM), late, late + datetime.timedelta(hours=24))
    assert moments == [
        datetime.datetime(2026, 11, 24, 6, 0, tzinfo=VN),
        datetime.datetime(2026, 11, 24, 17, 0, tzinfo=VN),
    ]
    assert broadcast_moments((SIX,), at(days=1, hours=-3, minutes=-30), at(days=1, hours=-3, minutes=-29)) == [
        datetime.datetime(2026, 11, 24, 6, 0, tzinfo=VN)
    ]  # start inclusive


@pytest.mark.parametrize(
    "text,expected",
    [
        ("6:00, 17:00", "06:00, 17:00"),
        ("17h, 6h", "06:00, 17:00"),
        ("6h30; 17h30", "06:30, 17:30"),
        ("06:00\n11:15\n17:00", "06:00, 11:15, 17:00"),
        ("6:00, 6:00, 06:00", "06:00"),
        ("0:00, 23:59", "00:00, 23:59"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_broadcast_times_are_read_leniently_and_written_plainly(text, expected):
    assert format_broadcast_times(parse_broadcast_times(text)) == expected


@pytest.mark.parametrize("text", ["25:00", "6:60", "sáng", "6:00, chiều", "-1:00", "6:00:00"])
def test_bad_broadcast_times_are_refused_with_a_vietnamese_message(text):
    with pytest.raises(ValueError, match="Giờ phát không hợp lệ"):
        parse_broadcast_times(text)
