"""The date drawn into the slides changes at local midnight: boards whose layout shows the date
are recomposed at 00:00 by the every-minute task and get a new playlist version whose slides say
the new day; boards that show no date (LED titles only) keep their version. Frozen clock: every
moment is passed explicitly, nothing sleeps."""

import dataclasses
import datetime
import hashlib
from zoneinfo import ZoneInfo

import pytest

from boards.models import Board
from boards.publishing import candidates_for, rebuild
from boards.rendering import render_slide
from boards.tasks import rebuild_due
from tests.factories import announcement

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SUNDAY_EVENING = datetime.datetime(2026, 12, 6, 21, 30, tzinfo=VN)  # Chủ nhật
MIDNIGHT = datetime.datetime(2026, 12, 7, 0, 0, tzinfo=VN)  # Thứ Hai
SUNDAY = "Chủ nhật, 06/12/2026"
MONDAY = "Thứ Hai, 07/12/2026"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def board(owner, width, height):
    return Board.objects.create(owner=owner, name=f"Bảng {width}×{height}", width=width, height=height)


def played_png(board_obj):
    """sha256 of the one slide the board's current playlist plays."""
    (item,) = board_obj.current_version.items
    return item["sha256"]


def rendered_with_date(board_obj, label, now):
    """sha256 of the board's slide drawn with the date `label` written in its header."""
    (candidate,) = candidates_for(board_obj, now)
    content = dataclasses.replace(candidate.payload, date_label=label)
    return hashlib.sha256(render_slide(content, board_obj.width, board_obj.height, board_obj.theme)).hexdigest()


@pytest.mark.django_db
def test_boards_showing_the_date_are_rebuilt_at_midnight_with_the_new_date(commune):
    announcement(
        commune,
        "Thông báo lịch tiêm chủng mở rộng tháng 12",
        valid_from=SUNDAY_EVENING - datetime.timedelta(days=3),
    )
    landscape, portrait, led = board(commune, 1920, 1080), board(commune, 1080, 1920), board(commune, 384, 192)
    for screen in (landscape, portrait, led):
        version, created, _rendered, problems = rebuild(screen, now=SUNDAY_EVENING)
        assert created and version.number == 1 and not problems

    # Sunday evening: the screens' slide is the one with Sunday's date, not Monday's.
    for screen in (landscape, portrait):
        assert played_png(screen) == rendered_with_date(screen, SUNDAY, SUNDAY_EVENING)
        assert played_png(screen) != rendered_with_date(screen, MONDAY, SUNDAY_EVENING)
    # They know the playlist changes at local midnight; the LED board (titles only) does not.
    for screen in (landscape, portrait, led):
        screen.refresh_from_db()
    assert landscape.recompose_at == MIDNIGHT and portrait.recompose_at == MIDNIGHT
    assert led.recompose_at is None

    # One minute before midnight nothing is due; at 00:00:30 the two screens are, and are rebuilt.
    assert rebuild_due(now=MIDNIGHT - datetime.timedelta(minutes=1)) == []
    assert sorted(rebuild_due(now=MIDNIGHT + datetime.timedelta(seconds=30))) == sorted([landscape.pk, portrait.pk])
    for screen in (landscape, portrait):
        assert screen.current_version.number == 2
        assert played_png(screen) == rendered_with_date(screen, MONDAY, MIDNIGHT)
        screen.refresh_from_db()
        assert screen.recompose_at == MIDNIGHT + datetime.timedelta(days=1)

    # Rebuilt anyway at midnight, the LED board's playlist is unchanged: same version, same file.
    before = played_png(led)
    version, created, *_ = rebuild(led, now=MIDNIGHT + datetime.timedelta(seconds=30))
    assert not created and version.number == 1 and played_png(led) == before


@pytest.mark.django_db
def test_a_board_with_nothing_dated_to_show_is_not_rebuilt_at_midnight(commune):
    screen = board(commune, 1920, 1080)
    rebuild(screen, now=SUNDAY_EVENING)  # nothing to show: no slide carries a date
    screen.refresh_from_db()
    assert screen.current_version.items == [] and screen.recompose_at is None
    assert rebuild_due(now=MIDNIGHT + datetime.timedelta(seconds=30)) == []
