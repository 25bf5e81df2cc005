"""The editor's playlist of a screen ("Sắp xếp danh sách phát"): the composer's rules with the
editor's overrides (order, pin, own duration, left off this board), then the admin screen that
saves them: scoped to the board's unit, refusing bad input with nothing saved, and what the
next rebuild puts in the board's playlist."""

import datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import ModelLogEntry

from boards.composition import (
    LEFT_OFF,
    Candidate,
    Daypart,
    Override,
    Rules,
    arrange,
    compose,
    explain,
)
from boards.models import Board, BoardItemSetting
from boards.publishing import explain_board, rebuild
from sources.models import EmergencyAlertPage
from tests.factories import announcement, push

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=VN)  # a Monday morning


def at(days=0, hours=0):
    return NOW + datetime.timedelta(days=days, hours=hours)


def ann(key, priority="normal", days=-1, **kw):
    return Candidate(key=f"announcement:{key}", kind="announcement", priority=priority, date=at(days), **kw)


def news(key, days):
    return Candidate(key=f"news:{key}", kind="news", date=at(days))


# Default order: priority class, then newest first.
A, B, C = ann("a", days=-1), ann("b", days=-2), ann("c", days=-3)
P = ann("p", "priority", days=-9)


def test_no_overrides_is_the_default_order():
    items = [A, B, C, P]
    assert compose(items, NOW, overrides={}).keys == compose(items, NOW).keys
    assert compose(items, NOW).keys == ["announcement:p", "announcement:a", "announcement:b", "announcement:c"]
    assert [c.key for c in arrange(items)] == compose(items, NOW).keys


def test_positions_order_the_items_even_across_priority_classes():
    overrides = {
        "announcement:c": Override(position=0),
        "announcement:a": Override(position=1),
        "announcement:p": Override(position=2),
        "announcement:b": Override(position=3),
    }
    result = compose([A, B, C, P], NOW, overrides=overrides)
    assert result.keys == ["announcement:c", "announcement:a", "announcement:p", "announcement:b"]


def test_pinned_items_come_first_in_their_position_order():
    overrides = {
        "announcement:a": Override(position=0),
        "announcement:b": Override(position=1),
        "announcement:c": Override(position=2, pinned=True),
        "announcement:p": Override(position=3, pinned=True),
    }
    result = compose([A, B, C, P], NOW, overrides=overrides)
    assert result.keys == ["announcement:c", "announcement:p", "announcement:a", "announcement:b"]


def test_items_not_yet_placed_come_first_in_the_default_order_after_the_pinned():
    overrides = {
        "announcement:a": Override(position=0),
        "announcement:b": Override(position=1),
        "announcement:c": Override(position=5, pinned=True),
    }
    fresh = ann("new", days=0)  # published after the editor's last save
    result = compose([A, B, C, P, fresh], NOW, overrides=overrides)
    assert result.keys == [
        "announcement:c",  # pinned
        "announcement:p",  # not placed: default order (priority first, then newest)
        "announcement:new",
        "announcement:a",  # placed, by position
        "announcement:b",
    ]


def test_order_is_stable_whatever_the_input_order_and_whatever_else_is_valid():
    expiring = ann("x", valid_until=at(hours=1))
    overrides = {
        "announcement:x": Override(position=1),
        "announcement:a": Override(position=2),
        "announcement:b": Override(position=2),  # a tie: the default order decides (a is newer)
        "announcement:c": Override(position=0),
    }
    items = [A, B, C, P, expiring]
    now = compose(items, NOW, overrides=overrides).keys
    assert now == ["announcement:p", "announcement:c", "announcement:x", "announcement:a", "announcement:b"]
    assert compose(list(reversed(items)), NOW, overrides=overrides).keys == now
    # When one item expires the others keep their order.
    later = compose(items, at(hours=2), overrides=overrides).keys
    assert later == [k for k in now if k != "announcement:x"]


def test_an_excluded_emergency_still_plays_in_its_own_order():
    storm = ann("storm", "emergency", days=-1)
    flood = ann("flood", "emergency", days=-2)
    overrides = {
        "announcement:storm": Override(position=9, excluded=True, duration_s=3),
        "announcement:flood": Override(position=0, pinned=True),
        "announcement:a": Override(pinned=True),
    }
    result = compose([A, storm, flood], NOW, Rules(default_duration_s=8), overrides=overrides)
    assert result.emergency
    assert [(e.candidate.key, e.duration_s) for e in result.entries] == [
        ("announcement:storm", 8.0),  # newest first, the board's duration: no override applies
        ("announcement:flood", 8.0),
    ]
    verdicts = {v.candidate.key: v for v in explain([A, storm, flood], NOW, overrides=overrides)}
    assert verdicts["announcement:storm"].plays
    assert not verdicts["announcement:a"].plays and verdicts["announcement:a"].reason.startswith("tạm dừng")


def test_excluded_items_never_play_and_explain_says_so():
    overrides = {"announcement:b": Override(excluded=True, pinned=False, position=0)}
    assert "announcement:b" not in compose([A, B, C], NOW, overrides=overrides).keys
    verdicts = explain([A, B, C], NOW, overrides=overrides)
    assert [(v.candidate.key, v.plays, v.reason) for v in verdicts] == [
        ("announcement:a", True, ""),
        ("announcement:b", False, "đã bỏ khỏi bảng này"),
        ("announcement:c", True, ""),
    ]
    assert LEFT_OFF == "đã bỏ khỏi bảng này"


def test_a_pinned_item_outside_its_validity_or_daypart_does_not_play():
    expired = ann("old", valid_until=at(hours=-1))
    evening = ann("evening", dayparts=(Daypart(start=datetime.time(18), end=datetime.time(22)),))
    overrides = {"announcement:old": Override(pinned=True), "announcement:evening": Override(pinned=True, position=0)}
    assert compose([A, expired, evening], NOW, overrides=overrides).keys == ["announcement:a"]
    verdicts = {v.candidate.key: v for v in explain([A, expired, evening], NOW, overrides=overrides)}
    assert verdicts["announcement:old"].reason.startswith("đã hết hiệu lực")
    assert verdicts["announcement:evening"].reason == "ngoài khung giờ (18:00–22:00)"
    # In its daypart the pinned item leads.
    assert compose([A, expired, evening], at(hours=10), overrides=overrides).keys[0] == "announcement:evening"


def test_own_duration_replaces_the_board_default_and_the_items_own():
    clip = Candidate(key="media:1", kind="media", date=at(-1), duration_s=25)
    overrides = {"announcement:a": Override(duration_s=30), "media:1": Override(duration_s=5)}
    result = compose([A, B, clip], NOW, Rules(default_duration_s=8), overrides=overrides)
    assert {e.candidate.key: e.duration_s for e in result.entries} == {
        "announcement:a": 30.0,
        "announcement:b": 8.0,  # no override: the board's default
        "media:1": 5.0,
    }


def test_the_news_limit_still_applies_pinned_news_counting_first():
    old, mid, new = news("old", -5), news("mid", -3), news("new", -1)
    rules = Rules(news_count=2)
    assert compose([old, mid, new], NOW, rules).keys == ["news:new", "news:mid"]
    pinned_old = {"news:old": Override(pinned=True)}
    assert compose([old, mid, new], NOW, rules, overrides=pinned_old).keys == ["news:old", "news:new"]
    reasons = {v.candidate.key: v.reason for v in explain([old, mid, new], NOW, rules, overrides=pinned_old)}
    assert reasons["news:mid"] == "quá số tin tối đa của bảng (2 tin)"
    # A placed (not pinned) old news does not push out a newer one; an excluded one frees a place.
    placed = {"news:old": Override(position=0), "news:new": Override(excluded=True)}
    assert compose([old, mid, new], NOW, rules, overrides=placed).keys == ["news:mid", "news:old"]


# --- The admin screen ------------------------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def staff(unit, username):
    user = get_user_model().objects.create_user(username, password="x-Strong-pass-123")
    user.groups.add(unit.editors_group)
    return user


def screen_of(owner, **fields):
    return Board.objects.create(owner=owner, name="Bảng chợ An Trường", width=384, height=192, **fields)


def url_of(board):
    return f"/admin/bang-dien-tu/danh-sach-phat/{board.pk}/"


def four_announcements(commune):
    """Four announcements, newest first: the default order is the order of the list."""
    now = timezone.now()
    titles = ["Lịch tiêm chủng tháng 12", "Thu thuế đất", "Họp dân ấp 3", "Cắt điện chủ nhật"]
    return [
        announcement(commune, title, valid_from=now - datetime.timedelta(hours=n + 1)) for n, title in enumerate(titles)
    ]


def arranged_rows(html):
    """[(key, title)] of the form's rows, in the page's order."""
    doc = lxml.html.fromstring(html)
    return [
        (li.get("data-key"), li.xpath("string(.//*[contains(@class,'playlist-title')])").strip())
        for li in doc.xpath("//form[@data-playlist]//li[contains(@class,'playlist-item')]")
    ]


def now_playing(html):
    """The titles of the "Thứ tự phát hiện nay" list, in order, with their seconds."""
    doc = lxml.html.fromstring(html)
    return [" ".join(li.text_content().split()) for li in doc.xpath("//ol[contains(@class,'playlist-now-items')]/li")]


def payload(order, pinned=(), excluded=(), durations=None):
    durations = durations or {}
    return {
        "keys": list(order),
        "duration": [durations.get(k, "") for k in order],
        "pinned": list(pinned),
        "excluded": list(excluded),
    }


@pytest.mark.django_db
def test_another_units_editor_gets_a_404_and_saves_nothing(client, _media, commune, other_commune, district):
    board = screen_of(commune)
    first, *_ = four_announcements(commune)
    key = f"announcement:{first.pk}"
    client.force_login(staff(other_commune, "bt_dong_hai"))
    assert client.get(url_of(board)).status_code == 404
    assert client.post(url_of(board), payload([key], pinned=[key])).status_code == 404
    assert not BoardItemSetting.objects.exists()

    for user in (staff(commune, "bt_an_truong"), staff(district, "bt_cang_long")):
        client.force_login(user)
        page = client.get(url_of(board))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Sắp xếp danh sách phát" in text and "Lịch tiêm chủng tháng 12" in text
    # The preview links to it.
    assert url_of(board) in client.get(f"/admin/bang-dien-tu/preview/{board.pk}/").content.decode()


@pytest.mark.django_db
def test_bad_keys_and_durations_are_refused_with_nothing_saved(client, _media, commune, other_commune):
    board = screen_of(commune)
    pages = four_announcements(commune)
    keys = [f"announcement:{p.pk}" for p in pages]
    stranger = announcement(other_commune, "Thông báo của xã Đông Hải")
    client.force_login(staff(commune, "bt_an_truong"))
    assert client.post(url_of(board), payload(keys, durations={keys[1]: "20"})).status_code == 302
    saved = list(BoardItemSetting.objects.values_list("key", "position", "pinned", "duration_s", "excluded"))
    Board.objects.filter(pk=board.pk).update(recompose_at=None)

    refused = [
        (payload([*keys, f"announcement:{stranger.pk}"]), "không thuộc bảng này"),
        (payload([*keys, "announcement:999999"]), "không thuộc bảng này"),
        (payload(keys, pinned=["news:1"]), "không thuộc bảng này"),
        (payload([*keys, keys[0]]), "bị lặp hoặc thiếu mục"),
        ({**payload(keys), "duration": ["", ""]}, "bị lặp hoặc thiếu mục"),
        (payload(keys, durations={keys[0]: "2"}), "phải là số giây nguyên từ 3 đến 600 (đã nhập “2”)"),
        (payload(keys, durations={keys[0]: "601"}), "phải là số giây nguyên từ 3 đến 600"),
        (payload(keys, durations={keys[2]: "mười"}), "Thời lượng của “Họp dân ấp 3”"),
        (payload(keys, durations={keys[0]: "7.5"}), "phải là số giây nguyên"),
        (payload(keys, pinned=[keys[3]], excluded=[keys[3]]), "“Cắt điện chủ nhật” không thể vừa ghim"),
    ]
    for data, message in refused:
        response = client.post(url_of(board), data)
        assert response.status_code == 400, message
        assert message in response.content.decode()
        assert (
            list(BoardItemSetting.objects.values_list("key", "position", "pinned", "duration_s", "excluded")) == saved
        )
        assert Board.objects.get(pk=board.pk).recompose_at is None
    # A refused list is shown as it was sent (the editor's moves are not lost), the bad value kept.
    response = client.post(url_of(board), payload(keys[::-1], durations={keys[0]: "2"}))
    assert [k for k, _t in arranged_rows(response.content.decode())] == keys[::-1]
    assert 'value="2"' in response.content.decode()


@pytest.mark.django_db
def test_a_save_changes_the_next_rebuilds_order_and_durations(client, _media, commune):
    board = screen_of(commune, default_slide_seconds=8)
    a, b, c, d = (f"announcement:{p.pk}" for p in four_announcements(commune))
    before = rebuild(board)[0]
    assert [i["id"] for i in before.items] == [a, b, c, d]

    client.force_login(staff(commune, "bt_an_truong"))
    page = client.get(url_of(board)).content.decode()
    assert [k for k, _t in arranged_rows(page)] == [a, b, c, d]  # the order they play now
    response = client.post(
        url_of(board), payload([c, a, b, d], pinned=[b], excluded=[d], durations={c: "25"}), follow=True
    )
    text = response.content.decode()
    assert "Đã lưu thứ tự danh sách phát." in text
    # The page shows the order as composed now: the pinned first, the excluded one left off.
    assert [k for k, _t in arranged_rows(text)] == [b, c, a, d]
    assert now_playing(text) == [
        "GHIM Thu thuế đất · 8 giây",
        "Họp dân ấp 3 · 25 giây",
        "Lịch tiêm chủng tháng 12 · 8 giây",
    ]
    assert "không phát: đã bỏ khỏi bảng này" in text
    board.refresh_from_db()
    assert board.recompose_at is not None and board.recompose_at <= timezone.now()
    entry = ModelLogEntry.objects.get(action="tincoso.board_playlist", object_id=str(board.pk))
    assert entry.user.username == "bt_an_truong" and entry.data["pinned"] == 1 and entry.data["excluded"] == 1
    history = client.get(f"/admin/bang-dien-tu/history/{board.pk}/").content.decode()
    assert "Sắp xếp danh sách phát: 4 mục, 1 ghim, 1 bỏ khỏi bảng, 1 có thời lượng riêng" in history

    version, created, _rendered, _problems = rebuild(Board.objects.get(pk=board.pk))
    assert created
    assert [(i["id"], i["duration_s"]) for i in version.items] == [(b, 8.0), (c, 25.0), (a, 8.0)]
    reasons = {v.candidate.key: v.reason for v in explain_board(board)}
    assert reasons[d] == "đã bỏ khỏi bảng này"
    # The preview says it too.
    assert "đã bỏ khỏi bảng này" in client.get(f"/admin/bang-dien-tu/preview/{board.pk}/").content.decode()

    # Saving the default order back (nothing pinned, timed or left off) restores the default playlist.
    client.post(url_of(board), payload([a, b, c, d]))
    again = rebuild(Board.objects.get(pk=board.pk))[0]
    assert [(i["id"], i["duration_s"]) for i in again.items] == [(a, 8.0), (b, 8.0), (c, 8.0), (d, 8.0)]


@pytest.mark.django_db
def test_an_emergency_is_first_locked_and_cannot_be_left_off(client, _media, commune, district):
    board = screen_of(commune)
    a, b, _c, _d = (f"announcement:{p.pk}" for p in four_announcements(commune))
    alert = push(district, "Bão số 9 đổ bộ", communes=[commune], model=EmergencyAlertPage)
    storm = f"pushed:{alert.pk}"
    client.force_login(staff(commune, "bt_an_truong"))
    text = client.get(url_of(board)).content.decode()
    assert "Tin khẩn cấp (luôn phát trước" in text and "Bão số 9 đổ bộ" in text
    assert storm not in [k for k, _t in arranged_rows(text)]  # locked: not in the form
    assert now_playing(text)[0].startswith("KHẨN CẤP Bão số 9 đổ bộ")
    assert "tạm dừng vì đang có cảnh báo khẩn cấp" in text
    # Even sent by hand, an emergency's "left off" is not stored and it still plays.
    response = client.post(url_of(board), payload([storm, b, a], excluded=[storm], pinned=[a]))
    assert response.status_code == 302
    assert set(BoardItemSetting.objects.values_list("key", flat=True)) == {a, b}
    version = rebuild(board)[0]
    assert version.emergency and version.items[0]["id"] == storm


@pytest.mark.django_db
def test_a_loudspeaker_cluster_is_not_arranged_here(client, _media, commune):
    speakers = Board.objects.create(owner=commune, name="Cụm loa ấp 1", kind="audio")
    four_announcements(commune)
    client.force_login(staff(commune, "bt_an_truong"))
    text = client.get(url_of(speakers)).content.decode()
    assert "Cụm loa truyền thanh không sắp xếp ở đây" in text and "data-playlist" not in text
    client.post(url_of(speakers), payload(["announcement:1"]))
    assert not BoardItemSetting.objects.exists()
