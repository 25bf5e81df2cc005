"""The broadcast programme as Thông tư 39/2020/TT-BTTTT frames it (issue 16): a normal item from
above waits in "chờ đưa vào chương trình" until the commune places it in a slot; priority items
and the commune's own are placed automatically (priority first) and can be reordered; an
emergency airs at once. What the commune arranges reaches the clusters' playlists (`airings`),
and the reference player plays a broadcast by it."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from boards.models import Board
from boards.publishing import rebuild
from player.schedule import broadcast_order
from sources.models import EmergencyAlertPage
from station.models import SlotPlan
from tests.factories import announcement, push

PASSWORD = "x-Strong-pass-123"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True
    settings.TTS_ENGINE = "espeak"


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_ct_an_truong", password=PASSWORD)
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def cluster(commune):
    # The tests arrange tomorrow's 12:00 slot: always to come, always within the playlist's two days.
    return Board.objects.create(owner=commune, name="Cụm loa trung tâm xã", kind="audio", broadcast_times="12:00")


@pytest.fixture
def items(commune, district, cluster):
    own = announcement(commune, "Thông báo lịch tiêm chủng tháng 12")
    urgent = announcement(commune, "Thông báo cắt điện khẩn", priority="priority")
    above = push(district, "Tuyên truyền phòng chống rét đậm", communes=[commune])
    return {"own": f"announcement:{own.pk}", "urgent": f"announcement:{urgent.pk}", "above": f"pushed:{above.pk}"}


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


def slot_of(cluster, day=None):
    """The items tomorrow's (or `day`'s) 12:00 broadcast airs, by the cluster's current playlist."""
    day = day or tomorrow()
    found = [a["items"] for a in cluster.current_version.schedule["airings"] if a["at"].startswith(f"{day}T12:00")]
    return found[0] if found else None


def programme_page(client, commune, day=None):
    day = day or tomorrow()
    return client.get(reverse("station_programme"), {"xa": commune.pk, "ngay": f"{day}"}).content.decode()


def post(client, commune, **data):
    data.setdefault("ngay", f"{tomorrow()}")
    return client.post(reverse("station_programme"), {"xa": commune.pk, **data})


@pytest.mark.django_db
def test_an_item_from_above_waits_until_placed_then_airs_in_its_slot(client, commune, editor, cluster, items):
    rebuild(cluster)
    # Own and priority items are in the slot, priority first; the district's item waits.
    assert slot_of(cluster) == [items["urgent"], items["own"]]
    client.force_login(editor)
    page = programme_page(client, commune)
    waiting = page.split("Chờ đưa vào chương trình")[1].split("Khung 12:00")[0]
    assert "Tuyên truyền phòng chống rét đậm" in waiting
    response = post(client, commune, action="place", key=items["above"], slots=["12:00"])
    assert response.status_code == 302
    plan = SlotPlan.objects.get(owner=commune, day=tomorrow())
    assert plan.keys == [items["above"]] and plan.updated_by == editor
    assert slot_of(cluster) == [items["above"], items["urgent"], items["own"]]
    page = programme_page(client, commune)
    assert "Tuyên truyền phòng chống rét đậm" not in page.split("Chờ đưa vào chương trình")[1].split("Khung 12:00")[0]
    # Only that day: the other days' slots still leave it out.
    others = [a for a in cluster.current_version.schedule["airings"] if not a["at"].startswith(f"{tomorrow()}")]
    assert others and all(items["above"] not in a["items"] for a in others)


@pytest.mark.django_db
def test_reorder_take_out_and_restore(client, commune, editor, cluster, items):
    client.force_login(editor)
    post(client, commune, action="place", key=items["above"], slots=["12:00"])
    response = post(client, commune, action="order", at="12:00", keys=[items["own"], items["above"], items["urgent"]])
    assert response.status_code == 302
    assert slot_of(cluster) == [items["own"], items["above"], items["urgent"]]
    post(
        client,
        commune,
        action="up",
        at="12:00",
        key=items["urgent"],
        keys=[items["own"], items["above"], items["urgent"]],
    )
    assert slot_of(cluster) == [items["own"], items["urgent"], items["above"]]
    post(client, commune, action="remove", at="12:00", key=items["own"])
    assert slot_of(cluster) == [items["urgent"], items["above"]]
    assert "Đã bỏ khỏi khung này" in programme_page(client, commune)
    post(client, commune, action="restore", at="12:00", key=items["own"])
    assert items["own"] in slot_of(cluster)
    # Taking out an item from above sends it back to waiting.
    post(client, commune, action="remove", at="12:00", key=items["above"])
    waiting = programme_page(client, commune).split("Chờ đưa vào chương trình")[1].split("Khung 12:00")[0]
    assert "Tuyên truyền phòng chống rét đậm" in waiting


@pytest.mark.django_db
def test_place_for_the_week_and_bad_requests_say_why(client, commune, editor, cluster, items):
    client.force_login(editor)
    post(client, commune, action="place", key=items["above"], slots=["12:00"], ca_tuan="1")
    assert SlotPlan.objects.filter(owner=commune).count() == 7
    airs = [a for a in cluster.current_version.schedule["airings"] if a["at"] >= f"{tomorrow()}"]
    assert airs and all(items["above"] in a["items"] for a in airs)
    # A time that is not a broadcast time, a past day, no slot chosen: a message, nothing changed.
    for data, message in (
        ({"action": "order", "at": "07:15", "keys": [items["own"]]}, "không phải giờ phát"),
        (
            {
                "action": "place",
                "key": items["above"],
                "ngay": f"{timezone.localdate() - datetime.timedelta(days=1)}",
                "slots": ["12:00"],
            },
            "ngày đã qua",
        ),
        ({"action": "place", "key": items["above"]}, "Chọn ít nhất một khung giờ"),
        ({"action": "xoa-het", "at": "12:00"}, "Thao tác không hợp lệ"),
    ):
        response = post(client, commune, **data)
        assert response.status_code == 302
        assert message in client.get(response["Location"]).content.decode()
    assert SlotPlan.objects.filter(owner=commune).count() == 7


@pytest.mark.django_db
def test_an_emergency_airs_at_once_and_the_slot_makes_way(client, commune, district, editor, cluster, items):
    until = timezone.now() + datetime.timedelta(days=3)
    alert = push(district, "Bão số 9 đổ bộ", model=EmergencyAlertPage, communes=[commune], valid_until=until)
    version, *_ = rebuild(cluster)
    assert version.emergency and any(
        i["id"] == f"pushed:{alert.pk}" and i["priority"] == "emergency" for i in version.items
    )
    client.force_login(editor)
    assert "nhường cho tin khẩn cấp" in programme_page(client, commune)


@pytest.mark.django_db
def test_another_communes_programme_is_a_404(client, other_commune, editor, items):
    Board.objects.create(owner=other_commune, name="Cụm loa Đông Hải", kind="audio", broadcast_times="12:00")
    client.force_login(editor)
    assert client.get(reverse("station_programme"), {"xa": other_commune.pk}).status_code == 404
    response = post(client, other_commune, action="place", key=items["above"], slots=["12:00"])
    assert response.status_code == 404 and not SlotPlan.objects.exists()


@pytest.mark.django_db
def test_overlapping_slots_are_shown(client, commune, editor, items, cluster):
    """Two slots a minute apart, the first holding an hour's programme: it runs into the second."""
    from boards.models import RenderedFile
    from station.models import Programme

    cluster.broadcast_times = "12:00, 12:01"
    cluster.save()
    hour = RenderedFile.objects.create(
        sha256="ab" * 32, kind="mp3", path="boards/ab/x.mp3", size=1, width=0, height=0, duration_s=3600
    )
    Programme.objects.create(owner=commune, title="Chương trình một giờ", state="ready", file=hour)
    client.force_login(editor)
    page = programme_page(client, commune)
    assert "Khung 12:00 dài 1:00:" in page and "chồng lên khung sau 59:" in page


def test_the_player_plays_a_broadcast_in_the_programmes_order():
    at = "2026-12-06T17:00:00+07:00"
    playlist = {"airings": [{"at": at, "items": ["b", "a"]}], "airings_until": "2026-12-07T10:00:00+07:00"}
    moment = datetime.datetime.fromisoformat(at)
    assert broadcast_order(playlist, moment) == ["b", "a"]
    assert broadcast_order(playlist, moment + datetime.timedelta(hours=1)) == []  # nothing placed then
    assert broadcast_order(playlist, moment + datetime.timedelta(days=1)) is None  # beyond: the old rule
    assert broadcast_order({}, moment) is None
    assert json.loads(json.dumps(playlist)) == playlist


@pytest.mark.django_db
def test_volume_per_class_is_in_the_playlist_and_the_player_applies_it(commune, cluster, items):
    from player.schedule import class_volume
    from station.models import Station

    Station.objects.create(owner=commune, technology="wired", volume_normal=60, volume_priority=75)
    version, *_ = rebuild(cluster)
    assert version.schedule["volumes"] == {"normal": 60, "priority": 75, "emergency": 100}
    playlist = {"volumes": version.schedule["volumes"]}
    # The cluster's own volume (set remotely, 80) times the class's share.
    assert class_volume(playlist, {"priority": "normal"}, 80) == 48
    assert class_volume(playlist, {"priority": "priority"}, 80) == 60
    assert class_volume(playlist, {"priority": "emergency"}, None) == 100
    assert class_volume({}, {"priority": "normal"}, 80) == 80
