"""Province-scale choosers (areas/widgets.py): a province's source item offers its communes,
boards and board groups under a heading per district, with a search box, "Chọn tất cả huyện
này" and a count; a district's editors see only their district; the board form's groups use the
same widget, scoped to the user's units; Wagtail's user form gets the search script."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html as lxml_html

from areas.models import AreaPage, CommuneHomePage
from areas.widgets import area_headings
from boards.models import Board, BoardGroup
from core.text import name_key
from tests.factories import section_of

PASSWORD = "Mat-khau-chon-2026"


def staff(unit, username, role="editors"):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(getattr(unit, f"{role}_group"))
    return user


def widget_of(response, name):
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content.decode())
    found = tree.xpath(f'//*[@data-grouped-choices][@id="id_{name}"]')
    assert len(found) == 1, f"no grouped widget for {name}"
    return found[0]


def groups_of(widget):
    """[(heading, [option label, …])] as shown."""
    shown = []
    for group in widget.xpath(".//*[@data-grouped-group]"):
        heading = " ".join(group.xpath('string(.//*[contains(@class, "grouped-choices__title")])').split())
        labels = [" ".join(label.text_content().split()) for label in group.xpath(".//li[@data-grouped-option]/label")]
        shown.append((heading, labels))
    return shown


@pytest.mark.django_db
def test_a_province_item_offers_its_communes_boards_and_groups_by_district(client, province, commune, other_commune):
    district = commune.get_parent().specific
    Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    Board.objects.create(owner=district, name="Bảng LED trung tâm huyện", width=1920, height=1080)
    Board.objects.create(owner=province, name="Màn hình quảng trường tỉnh", width=1920, height=1080)
    BoardGroup.objects.create(owner=other_commune, name="Bảng trường học")
    client.force_login(staff(province, "bt-tra-vinh"))

    response = client.get(f"/admin/pages/add/sources/sourceitempage/{section_of(province).pk}/")

    communes = widget_of(response, "target_communes")
    districts = sorted(
        AreaPage.objects.child_of(province).filter(level="district"), key=lambda a: name_key(a.short_name)
    )
    groups = groups_of(communes)
    assert [heading for heading, _labels in groups] == [d.title for d in districts]
    by_heading = dict(groups)
    assert "Xã An Trường" in by_heading["Huyện Càng Long"]
    assert "Xã Đông Hải" in by_heading["Huyện Duyên Hải"] and "Xã Đông Hải" not in by_heading["Huyện Càng Long"]
    assert sorted(label for labels in by_heading.values() for label in labels) == sorted(
        c.title for c in CommuneHomePage.objects.filter(path__startswith=province.path)
    )
    # The search box, the count and a "choose all" per district (shown by the script).
    assert communes.xpath('.//input[@type="search"][@data-grouped-search]')
    total = CommuneHomePage.objects.filter(path__startswith=province.path).count()
    assert " ".join(communes.xpath("string(.//*[@data-grouped-count])").split()) == f"Đã chọn 0/{total}"
    buttons = [" ".join(b.text_content().split()) for b in communes.xpath(".//button[@data-grouped-all]")]
    assert buttons == [f"Chọn tất cả {d.name_in_sentence.removesuffix(' ' + d.short_name)} này" for d in districts]
    assert buttons[0] == "Chọn tất cả huyện này" and "Chọn tất cả thị xã này" in buttons
    # The search needs no marks: each option carries its folded name.
    assert communes.xpath('.//li[@data-search="xa an truong"]/label[contains(., "Xã An Trường")]')
    # Boards and groups: under their owner's district, or the owner itself when it is an area.
    boards = dict(groups_of(widget_of(response, "target_boards")))
    assert sorted(boards["Huyện Càng Long"]) == [
        "Bảng LED trung tâm huyện (1920×1080) · Huyện Càng Long",
        "Bảng chợ An Trường (384×192) · Xã An Trường",
    ]
    assert boards["Tỉnh Trà Vinh"] == ["Màn hình quảng trường tỉnh (1920×1080) · Tỉnh Trà Vinh"]
    assert dict(groups_of(widget_of(response, "target_board_groups"))) == {
        "Huyện Duyên Hải": ["Bảng trường học · Xã Đông Hải"]
    }
    # Its script and style come with the form (no inline script).
    page = response.content.decode()
    assert "areas/js/grouped-choices.js" in page and "areas/css/grouped-choices.css" in page


@pytest.mark.django_db
def test_a_district_editor_sees_only_the_districts_communes(client, district, other_commune):
    client.force_login(staff(district, "bt-cang-long-chon"))
    response = client.get(f"/admin/pages/add/sources/sourceitempage/{section_of(district).pk}/")
    groups = groups_of(widget_of(response, "target_communes"))
    assert [heading for heading, _labels in groups] == ["Huyện Càng Long"]
    assert sorted(groups[0][1]) == sorted(c.title for c in CommuneHomePage.objects.child_of(district))
    assert other_commune.title not in response.content.decode()


@pytest.mark.django_db
def test_the_board_forms_groups_are_grouped_and_scoped(client, district, commune, other_commune):
    BoardGroup.objects.create(owner=commune, name="Bảng chợ")
    BoardGroup.objects.create(owner=district, name="Bảng trung tâm")
    BoardGroup.objects.create(owner=other_commune, name="Bảng biển")

    client.force_login(staff(district, "bt-cang-long-nhom"))
    offered = dict(groups_of(widget_of(client.get("/admin/bang-dien-tu/new/"), "groups")))
    assert {heading: sorted(labels) for heading, labels in offered.items()} == {
        "Huyện Càng Long": ["Bảng chợ · Xã An Trường", "Bảng trung tâm · Huyện Càng Long"]
    }

    client.force_login(staff(commune, "bt-an-truong-nhom"))
    offered = dict(groups_of(widget_of(client.get("/admin/bang-dien-tu/new/"), "groups")))
    assert offered == {"Huyện Càng Long": ["Bảng chợ · Xã An Trường"]}


@pytest.mark.django_db
def test_headings_are_the_nearest_area(province, commune, district):
    found = area_headings([commune.path, district.path, province.path])
    assert found == {commune.path: district, district.path: province, province.path: None}
    inclusive = area_headings([commune.path, district.path], inclusive=True)
    assert inclusive == {commune.path: district, district.path: district}


@pytest.mark.django_db
def test_wagtails_user_form_loads_the_group_search(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri-chon", "qt@example.vn", PASSWORD)
    client.force_login(admin)
    page = client.get(reverse("wagtailusers_users:add")).content.decode()
    assert 'src="/static/areas/js/grouped-choices.js"' in page
    assert 'name="groups"' in page
