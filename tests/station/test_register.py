"""“Sổ đài truyền thanh” in the admin (station/register_views.py): a commune's editors see and edit
only their commune's station, a district's staff its communes'; the owner is a commune without a
station; the clusters of a hamlet are the commune's own active loudspeaker clusters; the index
shows the technology, since when, the hamlets reached and the clusters online; Vietnamese messages."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from boards.models import Board, BoardStatus
from station.models import Hamlet, Station

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"
URL = "/admin/so-dai-truyen-thanh/"


def user_in(name, *groups):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    for group in groups:
        user.groups.add(group)
    return user


@pytest.fixture
def editor(commune):
    return user_in("bt_dai_an_truong", commune.editors_group)


@pytest.fixture
def district_editor(district):
    return user_in("bt_dai_cang_long", district.editors_group)


def cluster(owner, name, **fields):
    return Board.objects.create(owner=owner, name=name, kind="audio", width=None, height=None, **fields)


def station(owner, technology="wired", converted_on=None, hamlets=(("ap", "Phú Hoà", True, ()),), **fields):
    made = Station.objects.create(owner=owner, technology=technology, converted_on=converted_on, **fields)
    for order, (kind, name, reached, clusters) in enumerate(hamlets):
        hamlet = Hamlet.objects.create(station=made, kind=kind, name=name, reached=reached, sort_order=order)
        hamlet.clusters.set(clusters)
        hamlet.clusters.commit()  # a ParentalManyToManyField: written on commit
    return made


def form_data(owner, hamlets, **fields):
    """The create/edit form as the browser posts it: the station and its inline hamlets."""
    data = {
        "owner": owner.pk,
        "technology": "wired",
        "converted_on": "",
        "working": "on",
        "volume_normal": "80",
        "volume_priority": "90",
        "volume_emergency": "100",
        "note": "",
        "hamlets-TOTAL_FORMS": str(len(hamlets)),
        "hamlets-INITIAL_FORMS": "0",
        "hamlets-MIN_NUM_FORMS": "0",
        "hamlets-MAX_NUM_FORMS": "1000",
    }
    for index, hamlet in enumerate(hamlets):
        prefix = f"hamlets-{index}-"
        data.update(
            {
                f"{prefix}kind": hamlet.get("kind", "ap"),
                f"{prefix}name": hamlet["name"],
                f"{prefix}ORDER": str(index + 1),
                f"{prefix}DELETE": "",
                f"{prefix}id": hamlet.get("id", ""),
            }
        )
        if hamlet.get("reached", True):
            data[f"{prefix}reached"] = "on"
        if hamlet.get("clusters"):
            data[f"{prefix}clusters"] = [board.pk for board in hamlet["clusters"]]
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def text(response):
    return response.content.decode()


# --- Who sees what --------------------------------------------------------------------------------


def test_a_commune_editor_cannot_see_or_edit_another_communes_station(client, editor, commune, other_commune):
    mine = station(commune)
    theirs = station(other_commune, hamlets=(("ap", "Ấp Cồn Tàu", True, ()),))
    client.force_login(editor)

    index = client.get(URL)
    assert index.status_code == 200
    listed = {row.pk for row in index.context["object_list"]}
    assert listed == {mine.pk}
    assert "Xã An Trường" in text(index) and "Xã Đông Hải" not in text(index)
    assert client.get(f"{URL}edit/{mine.pk}/").status_code == 200
    for path in (f"edit/{theirs.pk}/", f"delete/{theirs.pk}/", f"history/{theirs.pk}/", f"usage/{theirs.pk}/"):
        assert client.get(URL + path).status_code == 404, path
    # Nor by posting: the edit and the delete are refused and change nothing.
    changed = form_data(other_commune, [{"name": "Cồn Tàu", "reached": False}])
    assert client.post(f"{URL}edit/{theirs.pk}/", changed).status_code == 404
    assert client.post(f"{URL}delete/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert Station.objects.filter(pk=theirs.pk).exists() and theirs.hamlets.get().reached


def test_a_district_editor_sees_the_stations_of_its_communes(client, district_editor, commune, other_commune):
    mine = station(commune)
    station(other_commune)
    client.force_login(district_editor)
    assert {row.pk for row in client.get(URL).context["object_list"]} == {mine.pk}


def test_the_menu_of_the_station(client, editor):
    client.force_login(editor)
    home = text(client.get("/admin/"))  # the sidebar is JSON for Wagtail's script
    assert json.dumps("Đài truyền thanh") in home and json.dumps("Sổ đài truyền thanh") in home
    assert f'"url": "{URL}"' in home
    # Someone who may enter the admin but acts for no unit has no register, in the menu or at its address.
    group = Group.objects.create(name="Chỉ vào trang quản trị (đài)")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    client.force_login(user_in("khong_don_vi_dai", group))
    assert json.dumps("Sổ đài truyền thanh") not in text(client.get("/admin/"))
    assert client.get(URL).status_code in (302, 403)


# --- The owner: a commune of the user's, without a station ------------------------------------------


def test_the_owner_is_one_of_the_users_communes_without_a_station(client, district_editor, district, commune):
    neighbour = commune.get_siblings().type(type(commune)).exclude(pk=commune.pk).first()
    client.force_login(district_editor)
    form = client.get(f"{URL}new/").context["form"]
    offered = set(form.fields["owner"].queryset.values_list("pk", flat=True))
    assert commune.pk in offered and neighbour.pk in offered
    assert district.pk not in offered  # the district itself has no commune station
    assert len(offered) == 14  # Càng Long's 14 communes, none of another district

    station(commune)
    form = client.get(f"{URL}new/").context["form"]
    offered = set(form.fields["owner"].queryset.values_list("pk", flat=True))
    assert commune.pk not in offered and len(offered) == 13
    refused = client.post(f"{URL}new/", form_data(commune, [{"name": "Phú Hoà"}]))
    assert refused.status_code == 200
    assert "đã có đài trong sổ" in text(refused)
    assert Station.objects.filter(owner=commune).count() == 1


def test_a_commune_editor_registers_their_station(client, editor, commune, other_commune):
    client.force_login(editor)
    form = client.get(f"{URL}new/").context["form"]
    assert list(form.fields["owner"].queryset.values_list("pk", flat=True)) == [commune.pk]
    assert form.fields["owner"].initial == commune.pk
    refused = client.post(f"{URL}new/", form_data(other_commune, [{"name": "Phú Hoà"}]))
    assert refused.status_code == 200 and not Station.objects.exists()

    created = client.post(
        f"{URL}new/",
        form_data(
            commune,
            [{"name": "Phú Hoà"}, {"kind": "khom", "name": "3", "reached": False}],
            technology="fm",
        ),
    )
    assert created.status_code == 302
    saved = Station.objects.get(owner=commune)
    assert saved.technology == "fm" and saved.working
    assert [(h.kind, h.name, h.reached) for h in saved.hamlets.order_by("sort_order")] == [
        ("ap", "Phú Hoà", True),
        ("khom", "3", False),
    ]
    listing = text(client.get(URL))
    assert "Vô tuyến FM" in listing and "1/2" in listing
    # One station per commune: nothing left to add, and the form says so.
    assert "Mọi xã, phường, thị trấn của bạn đã có đài trong sổ" in text(client.get(f"{URL}new/"))


# --- Hamlets and their clusters --------------------------------------------------------------------


def test_cluster_choices_are_the_communes_active_loudspeakers(client, district_editor, commune, other_commune):
    own = cluster(commune, "Cụm loa ấp Phú Hoà")
    off = cluster(commune, "Cụm loa cũ", is_active=False)
    screen = Board.objects.create(owner=commune, name="Bảng LED", kind="led", width=384, height=192)
    neighbour = commune.get_siblings().type(type(commune)).exclude(pk=commune.pk).first()
    next_door = cluster(neighbour, "Cụm loa xã bên")
    far = cluster(other_commune, "Cụm loa Đông Hải")
    client.force_login(district_editor)

    # A new station: the district's clusters (its commune is chosen in the same form).
    empty = client.get(f"{URL}new/").context["form"].formsets["hamlets"].empty_form
    assert set(empty.fields["clusters"].queryset) == {own, next_door}
    assert not {off, screen, far} & set(empty.fields["clusters"].queryset)
    # Saved with another commune's cluster: refused, in Vietnamese.
    refused = client.post(
        f"{URL}new/",
        form_data(commune, [{"name": "Phú Hoà", "clusters": [next_door]}], technology="ip", converted_on="2025-03-01"),
    )
    assert refused.status_code == 200 and not Station.objects.exists()
    assert "Cụm loa “Cụm loa xã bên” không thuộc Xã An Trường." in text(refused)

    made = station(commune, "ip", datetime.date(2025, 3, 1), hamlets=(("ap", "Phú Hoà", True, (own,)),))
    # Editing: only that commune's active clusters.
    edit = client.get(f"{URL}edit/{made.pk}/")
    hamlet_form = edit.context["form"].formsets["hamlets"].forms[0]
    assert set(hamlet_form.fields["clusters"].queryset) == {own}  # not next_door, nor off, screen, far
    assert "Cụm loa ấp Phú Hoà" in text(edit) and "Cụm loa Đông Hải" not in text(edit)


def test_the_clusters_chosen_are_saved_and_changed(client, editor, commune):
    centre, market = cluster(commune, "Cụm loa trung tâm"), cluster(commune, "Cụm loa chợ")
    client.force_login(editor)
    created = client.post(
        f"{URL}new/",
        form_data(
            commune,
            [{"name": "Phú Hoà", "clusters": [centre, market]}, {"kind": "khom", "name": "3", "clusters": [market]}],
            technology="ip",
            converted_on="2025-03-01",
        ),
    )
    assert created.status_code == 302
    saved = Station.objects.get(owner=commune)
    first, second = saved.hamlets.order_by("sort_order")
    assert set(first.clusters.all()) == {centre, market} and set(second.clusters.all()) == {market}

    edited = form_data(
        commune,
        [
            {"name": "Phú Hoà", "id": first.pk, "clusters": [centre]},
            {"kind": "khom", "name": "3", "id": second.pk, "reached": False},
        ],
        technology="ip",
        converted_on="2025-03-01",
        **{"hamlets-INITIAL_FORMS": "2"},
    )
    assert client.post(f"{URL}edit/{saved.pk}/", edited).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert list(first.clusters.all()) == [centre]
    assert list(second.clusters.all()) == [] and second.reached is False


@pytest.mark.parametrize(
    "fields, hamlets, message",
    [
        ({"technology": "ip"}, [{"name": "Phú Hoà"}], "Đài ứng dụng CNTT-VT cần ngày bắt đầu dùng loa IP."),
        (
            {"converted_on": "2024-05-01"},
            [{"name": "Phú Hoà"}],
            "Chỉ ghi ngày chuyển đổi khi công nghệ là ứng dụng CNTT-VT (loa IP).",
        ),
        ({"technology": "ip", "converted_on": "2099-01-01"}, [{"name": "Phú Hoà"}], "không thể ở tương lai"),
        ({}, [], "Đài cần ít nhất một thôn, bản, ấp, khóm hoặc tổ dân phố"),
        ({}, [{"name": "Phú Hoà"}, {"name": "Phú  hoà"}], "Trùng với một thôn, ấp khác của đài"),
        ({}, [{"name": ""}], "Nhập tên thôn, ấp, khóm, tổ dân phố."),
        (
            {"technology": "ip", "converted_on": "2024-05-01"},
            [{"name": "Phú Hoà"}],
            "Đài ứng dụng CNTT-VT: chọn cụm loa IP phục vụ nơi này",
        ),
    ],
)
def test_validation_messages_are_vietnamese(client, editor, commune, fields, hamlets, message):
    client.force_login(editor)
    response = client.post(f"{URL}new/", form_data(commune, hamlets, **fields))
    assert response.status_code == 200
    assert message in text(response)
    assert not Station.objects.exists()


def test_an_ip_hamlet_without_loudspeakers_may_be_registered_as_not_reached(client, editor, commune):
    client.force_login(editor)
    response = client.post(
        f"{URL}new/",
        form_data(commune, [{"name": "Phú Hoà", "reached": False}], technology="ip", converted_on="2024-05-01"),
    )
    assert response.status_code == 302
    assert Station.objects.get(owner=commune).hamlets.get().reached is False


# --- The index ------------------------------------------------------------------------------------


def test_the_index_shows_technology_since_hamlets_and_clusters_online(client, editor, commune):
    now = timezone.now()
    online = cluster(commune, "Cụm loa trung tâm")
    BoardStatus.objects.create(board=online, last_seen_at=now - datetime.timedelta(minutes=2))
    silent = cluster(commune, "Cụm loa ấp Trà Mềm")
    BoardStatus.objects.create(board=silent, last_seen_at=now - datetime.timedelta(days=3))
    station(
        commune,
        "ip",
        datetime.date(2024, 3, 15),
        hamlets=(
            ("ap", "Phú Hoà", True, (online,)),
            ("ap", "Trà Mềm", True, (silent,)),
            ("khom", "3", False, ()),
        ),
    )
    client.force_login(editor)
    html = text(client.get(URL))
    for words in ("Xã An Trường", "Ứng dụng CNTT-VT (loa IP)", "15/03/2024", "2/3", "1/2"):
        assert words in html, words
    for heading in ("Công nghệ", "Ứng dụng CNTT-VT từ", "Thôn, ấp có loa / tổng số", "Cụm loa trực tuyến"):
        assert heading in html, heading
