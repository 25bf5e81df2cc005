"""Board monitoring: online/offline at 1.5 × the refresh interval, transitions recorded, editors
e-mailed once per outage within operating hours and again on recovery, the scoped admin page."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from boards.models import Board, BoardEvent, BoardHealth, BoardStatus, OnlineSample, OperatingHours, PlaylistVersion
from boards.monitoring import NEVER, OFFLINE, ONLINE, board_state, check_boards

TZ = timezone.get_fixed_timezone(7 * 60)
MONDAY_9 = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user(
        "bt_giam_sat", email="bientap@antruong.example", password="x-Strong-pass-123"
    )
    user.groups.add(commune.editors_group)
    return user


def make_board(owner, name="Bảng chợ An Trường", refresh=300, hours=None):
    board = Board.objects.create(owner=owner, name=name, width=384, height=192, refresh_seconds=refresh)
    for weekday, start, end in hours or []:
        OperatingHours.objects.create(board=board, weekday=weekday, start=start, end=end)
    return board


def seen(board, at, version=None, **fields):
    BoardStatus.objects.update_or_create(board=board, defaults={"last_seen_at": at, "version": version, **fields})


@pytest.mark.django_db
def test_state_at_the_one_and_a_half_boundary(commune):
    board = make_board(commune, refresh=300)
    assert board_state(board, None, MONDAY_9).kind == NEVER
    seen(board, MONDAY_9)
    status = BoardStatus.objects.get(board=board)
    assert board_state(board, status, MONDAY_9 + datetime.timedelta(seconds=450)).kind == ONLINE
    later = board_state(board, status, MONDAY_9 + datetime.timedelta(seconds=451))
    assert later.kind == OFFLINE and later.offline_since == MONDAY_9 + datetime.timedelta(seconds=450)


@pytest.mark.django_db
def test_behind_when_playing_an_older_version(commune):
    board = make_board(commune)
    for number in (1, 2):
        PlaylistVersion.objects.create(board=board, number=number, fingerprint=str(number))
    seen(board, MONDAY_9, version=1)
    state = board_state(board, BoardStatus.objects.get(board=board), MONDAY_9)
    assert (state.version_playing, state.version_current, state.behind) == (1, 2, True)
    seen(board, MONDAY_9, version=2)
    assert not board_state(board, BoardStatus.objects.get(board=board), MONDAY_9).behind


@pytest.mark.django_db
def test_outage_in_hours_one_alert_then_recovery_with_downtime(commune, editor):
    board = make_board(commune)  # no hours: always operating
    seen(board, MONDAY_9)
    check_boards(MONDAY_9 + datetime.timedelta(minutes=1))
    assert BoardHealth.objects.get(board=board).state == ONLINE and not mail.outbox
    for minutes in (8, 9, 10):
        check_boards(MONDAY_9 + datetime.timedelta(minutes=minutes))
    events = list(BoardEvent.objects.filter(board=board))
    assert [e.kind for e in events] == [BoardEvent.WENT_OFFLINE]
    assert events[0].at == MONDAY_9 + datetime.timedelta(minutes=7, seconds=30)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bientap@antruong.example"]
    assert "mất kết nối" in mail.outbox[0].subject and "09:07" in mail.outbox[0].body
    back = MONDAY_9 + datetime.timedelta(hours=1, minutes=37, seconds=30)
    seen(board, back)
    check_boards(back + datetime.timedelta(seconds=20))
    assert [e.kind for e in BoardEvent.objects.filter(board=board).order_by("at")] == [
        BoardEvent.WENT_OFFLINE,
        BoardEvent.CAME_BACK,
    ]
    assert len(mail.outbox) == 2
    assert "hoạt động trở lại" in mail.outbox[1].subject and "1 giờ 30 phút" in mail.outbox[1].body
    check_boards(back + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_outage_outside_hours_no_mail_until_hours_start(commune, editor):
    board = make_board(commune, hours=[(0, datetime.time(6, 0), datetime.time(22, 0))])  # Mondays 6–22
    night = datetime.datetime(2026, 11, 23, 4, 0, tzinfo=TZ)
    seen(board, night)
    check_boards(night + datetime.timedelta(minutes=30))
    assert BoardHealth.objects.get(board=board).state == OFFLINE
    event = BoardEvent.objects.get(board=board)
    assert event.kind == BoardEvent.WENT_OFFLINE and "ngoài giờ" in event.note
    assert not mail.outbox
    check_boards(datetime.datetime(2026, 11, 23, 5, 59, tzinfo=TZ))
    assert not mail.outbox
    check_boards(datetime.datetime(2026, 11, 23, 6, 0, tzinfo=TZ))
    check_boards(datetime.datetime(2026, 11, 23, 6, 1, tzinfo=TZ))
    assert len(mail.outbox) == 1 and BoardEvent.objects.filter(board=board).count() == 1


@pytest.mark.django_db
def test_recovery_of_an_unalerted_outage_sends_nothing(commune, editor):
    board = make_board(commune, hours=[(0, datetime.time(6, 0), datetime.time(22, 0))])
    night = datetime.datetime(2026, 11, 23, 1, 0, tzinfo=TZ)
    seen(board, night)
    check_boards(night + datetime.timedelta(minutes=30))
    seen(board, night + datetime.timedelta(hours=2))
    check_boards(night + datetime.timedelta(hours=2, minutes=1))
    assert [e.kind for e in BoardEvent.objects.filter(board=board).order_by("at")] == [
        BoardEvent.WENT_OFFLINE,
        BoardEvent.CAME_BACK,
    ]
    assert not mail.outbox


@pytest.mark.django_db
def test_never_seen_boards_are_not_alerted_and_samples_every_five_minutes(commune, editor):
    make_board(commune)
    for minutes in range(11):
        check_boards(MONDAY_9 + datetime.timedelta(minutes=minutes))
    assert not mail.outbox and not BoardEvent.objects.exists()
    assert OnlineSample.objects.count() == 3  # 9:00, 9:05, 9:10


@pytest.mark.django_db
def test_schedule_exists():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="Giám sát bảng điện tử")
    assert schedule.func == "boards.monitoring.check_boards" and schedule.minutes == 1


@pytest.mark.django_db
def test_commune_editor_sees_only_their_boards_counts_and_chart(client, editor, commune, other_commune):
    now = timezone.now()
    up = make_board(commune, "Bảng UBND An Trường")
    down = make_board(commune, "Bảng chợ An Trường")
    make_board(commune, "Bảng trường học An Trường")  # never seen
    theirs = make_board(other_commune, "Bảng UBND Đông Hải")
    for number in (1, 2):
        PlaylistVersion.objects.create(board=up, number=number, fingerprint=str(number))
    seen(up, now - datetime.timedelta(seconds=30), version=1, player="tincoso-player 1.0")
    seen(down, now - datetime.timedelta(hours=2))
    seen(theirs, now)
    check_boards(now - datetime.timedelta(hours=1))
    check_boards(now)
    client.force_login(editor)
    response = client.get("/admin/bang-dien-tu-giam-sat/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giám sát bảng điện tử" in html
    assert "Bảng UBND An Trường" in html and "Bảng chợ An Trường" in html and "Bảng UBND Đông Hải" not in html
    assert "chậm phiên bản" in html and "tincoso-player 1.0" in html
    offline_since = timezone.localtime(
        BoardStatus.objects.get(board=down).last_seen_at + datetime.timedelta(seconds=450)
    )
    assert f"Ngoại tuyến</span> từ {offline_since:%H:%M %d/%m}" in html
    areas = response.context["areas"]
    assert len(areas) == 1 and areas[0]["name"] == commune.get_parent().title
    assert (areas[0]["online"], areas[0]["offline"], areas[0]["never"], areas[0]["total"]) == (1, 1, 1, 3)
    chart = response.context["chart"]
    assert chart["count"] == 2 and 'role="img"' in html and '<title id="chart-title">' in html
    assert "tincoso-line-online" in html and '<desc id="chart-desc">' in html
    assert "1/3 bảng trực tuyến" in chart["description"]  # the other commune's board not counted


@pytest.mark.django_db
def test_user_without_units_is_refused(client):
    user = get_user_model().objects.create_user("bt_khong_don_vi", password="x-Strong-pass-123")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get("/admin/bang-dien-tu-giam-sat/").status_code in (302, 403)


@pytest.mark.django_db
def test_history_is_pruned_daily(commune):
    import datetime

    from boards.models import Board, Heartbeat, RenderProblem
    from boards.tasks import prune_history

    board = Board.objects.create(owner=commune, name="Bảng dọn lịch sử", width=192, height=96)
    now = timezone.now()
    for days in (1, 399, 401):
        Heartbeat.objects.create(board=board, received_at=now - datetime.timedelta(days=days))
    for days in (10, 91):
        RenderProblem.objects.create(
            board=board, item_key="news:1", message="x", at=now - datetime.timedelta(days=days)
        )
    from boards.models import BoardCommand

    user = get_user_model().objects.create_user("bt_lenh_cu", password="x-Strong-pass-123")
    for days, by in ((10, None), (91, None), (91, user)):  # a person's command stays, with the audit log
        BoardCommand.objects.create(
            board=board, kind="collect", created_by=by, created_at=now - datetime.timedelta(days=days), expires_at=now
        )
    assert prune_history(now) == {"heartbeats": 1, "problems": 1, "samples": 0, "commands": 1}
    assert sorted((now - h.received_at).days for h in Heartbeat.objects.all()) == [1, 399]
    assert sorted(((now - c.created_at).days, c.created_by_id is not None) for c in BoardCommand.objects.all()) == [
        (10, False),
        (91, True),
    ]
