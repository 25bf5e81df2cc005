"""The admin screens of the ministry's indicators: "Chỉ tiêu kế hoạch" (a province's staff edit
their province's own targets; the ministry's rows are read-only but for superusers; district and
commune staff only read) and the register of district communication centres (2.1), each scoped;
bad input is a 400 with a Vietnamese message and nothing saved; the targets' data file loads
idempotently."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from areas.models import AreaPage
from indicators.models import CommunicationCentre, IndicatorTarget

from .test_numbered import bac_lieu, provision_bac_lieu  # noqa: F401

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"
INDEX, ADD = "indicator_targets:index", "indicator_targets:add"


def user_in(name, group):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    user.groups.add(group)
    return user


def edit_url(row):
    return reverse("indicator_targets:edit", args=[row.pk])


def form(area, **values):
    data = {"code": "1.3", "year": "2026", "value": "90", "comparison": "gte", "applies_to": "", "note": ""}
    data["area"] = area.pk
    data.update(values)
    return data


@pytest.fixture
def people(bac_lieu):  # noqa: F811
    w = bac_lieu
    return {
        "province": user_in("kd_bac_lieu", w.province.moderators_group),
        "district": user_in("bt_hong_dan", w.hong_dan.editors_group),
        "commune": user_in("bt_ninh_hoa", w.ninh_hoa.editors_group),
        "other_province": user_in(
            "kd_tra_vinh", AreaPage.objects.get(structure="2024", level="province", code="84").moderators_group
        ),
        "superuser": get_user_model().objects.create_superuser("root_ct", "root@example.vn", PASSWORD),
    }


def ministry_row(code="1.3", year=2025):
    return IndicatorTarget.objects.get(source="bo", code=code, year=year)


def test_a_province_sets_its_own_target(client, bac_lieu, people):  # noqa: F811
    client.force_login(people["province"])
    response = client.post(reverse(ADD), form(bac_lieu.province))
    assert response.status_code == 302
    made = IndicatorTarget.objects.get(area=bac_lieu.province, code="1.3", year=2026)
    assert (made.source, float(made.value), made.comparison) == ("tinh", 90.0, "gte")
    listing = client.get(reverse(INDEX)).content.decode()
    assert edit_url(made) in listing  # their own: editable
    assert "Toàn quốc" in listing and edit_url(ministry_row()) not in listing  # the ministry's: read only


@pytest.mark.parametrize(
    "values, message",
    [
        ({"value": "101"}, "Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100."),
        ({"value": "-5"}, "Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100."),
        ({"year": "2035"}, "Năm phải từ 2021 đến 2030."),
        ({"year": "2020"}, "Năm phải từ 2021 đến 2030."),
        ({"code": "1.4", "year": "2026", "value": "75"}, "Chỉ tiêu 1.4 năm 2026 của Tỉnh Bạc Liêu đã có"),
        ({"code": "1.3", "applies_to": "huyen"}, "Chỉ tiêu 2.2 mới tách được theo thành phố, thị xã và huyện."),
        ({"value": "NaN"}, "Chỉ tiêu là một số phần trăm, ví dụ 85 hoặc 70,5."),
        ({"value": "chín mươi"}, "Chỉ tiêu là một số phần trăm, ví dụ 85 hoặc 70,5."),
        ({"value": "70,55"}, "Chỉ tiêu có tối đa một chữ số thập phân."),
        ({"year": "năm nay"}, "Năm phải là số, ví dụ 2025."),
        ({"code": "9.9"}, "9.9"),  # not one of the choices: Django's own message names the value
    ],
)
def test_bad_input_is_refused_and_nothing_saved(client, bac_lieu, people, values, message):  # noqa: F811
    client.force_login(people["province"])
    before = IndicatorTarget.objects.count()
    response = client.post(reverse(ADD), form(bac_lieu.province, **values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert IndicatorTarget.objects.count() == before


def test_an_edit_with_bad_input_changes_nothing(client, bac_lieu, people):  # noqa: F811
    client.force_login(people["province"])
    own = IndicatorTarget.objects.get(area=bac_lieu.province, code="1.4", year=2026)
    response = client.post(edit_url(own), form(bac_lieu.province, code="1.4", value="120"))
    assert response.status_code == 400 and "từ 0 đến 100" in response.content.decode()
    own.refresh_from_db()
    assert float(own.value) == 70.0


def test_ministry_rows_are_read_only_but_for_superusers(client, bac_lieu, people):  # noqa: F811
    row = ministry_row()
    client.force_login(people["province"])
    assert client.get(edit_url(row)).status_code == 404
    assert client.post(edit_url(row), form(bac_lieu.province, year="2025", value="10")).status_code == 404
    assert client.post(reverse("indicator_targets:delete", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert float(row.value) == 100.0
    client.force_login(people["superuser"])
    response = client.post(
        edit_url(row), {**form(bac_lieu.province, year="2025", value="95"), "source": "bo", "area": ""}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (float(row.value), row.area_id) == (95.0, None)


def test_district_and_commune_staff_only_read(client, bac_lieu, people):  # noqa: F811
    own = IndicatorTarget.objects.get(area=bac_lieu.province, code="1.4", year=2026)
    for who in ("district", "commune"):
        client.force_login(people[who])
        listing = client.get(reverse(INDEX))
        assert listing.status_code == 200 and "Bạc Liêu" in listing.content.decode()
        assert edit_url(own) not in listing.content.decode()
        assert client.get(reverse(ADD)).status_code == 403
        assert client.post(reverse(ADD), form(bac_lieu.province)).status_code == 403
        assert client.get(edit_url(own)).status_code == 404
        assert client.post(edit_url(own), form(bac_lieu.province, code="1.4", value="10")).status_code == 404
    own.refresh_from_db()
    assert float(own.value) == 70.0


def test_another_province_neither_sees_nor_touches_these_targets(client, bac_lieu, people):  # noqa: F811
    own = IndicatorTarget.objects.get(area=bac_lieu.province, code="1.4", year=2026)
    client.force_login(people["other_province"])
    assert edit_url(own) not in client.get(reverse(INDEX)).content.decode()
    assert client.get(edit_url(own)).status_code == 404
    response = client.post(reverse(ADD), form(bac_lieu.province))
    assert response.status_code == 400 and "Bạn chỉ đặt được chỉ tiêu của tỉnh mình." in response.content.decode()
    assert not IndicatorTarget.objects.filter(area=bac_lieu.province, code="1.3").exists()


def test_a_tampered_post_cannot_make_a_ministry_row(client, bac_lieu, people):  # noqa: F811
    """The source field is not on a province's form: "bo" in the POST is ignored, the row is the
    province's own; without a province it is refused."""
    client.force_login(people["province"])
    ministry_before = IndicatorTarget.objects.filter(source="bo").count()
    response = client.post(reverse(ADD), {**form(bac_lieu.province), "source": "bo", "area": ""})
    assert response.status_code == 400
    response = client.post(reverse(ADD), {**form(bac_lieu.province, code="1.5"), "source": "bo"})
    assert response.status_code == 302
    made = IndicatorTarget.objects.get(code="1.5", year=2026, area=bac_lieu.province)
    assert made.source == "tinh"
    assert IndicatorTarget.objects.filter(source="bo").count() == ministry_before


# --- The register of district communication centres (2.1) ------------------------------------------


def centre_form(owner, **values):
    return {"owner": owner.pk, "name": "Trung tâm truyền thông", "decision_number": "", "decision_date": "", **values}


def test_the_centre_register_is_scoped(client, bac_lieu, people):  # noqa: F811
    w = bac_lieu
    city_centre = CommunicationCentre.objects.get(owner=w.city)
    edit = lambda centre: reverse("communication_centres:edit", args=[centre.pk])  # noqa: E731
    add = reverse("communication_centres:add")

    client.force_login(people["district"])  # Hồng Dân's editor
    response = client.post(add, centre_form(w.hong_dan, name="Trung tâm VH-TT-TT Hồng Dân", is_operating="on"))
    assert response.status_code == 302
    assert CommunicationCentre.objects.filter(owner=w.hong_dan, name="Trung tâm VH-TT-TT Hồng Dân").exists()
    assert client.get(edit(city_centre)).status_code == 404  # another district's
    before = CommunicationCentre.objects.count()
    response = client.post(add, centre_form(w.city))
    assert response.status_code == 400 and "Chỉ chọn được huyện thuộc đơn vị của bạn." in response.content.decode()
    response = client.post(add, centre_form(w.hong_dan, name=""))
    assert response.status_code == 400 and "Vui lòng nhập tên trung tâm." in response.content.decode()
    assert CommunicationCentre.objects.count() == before

    client.force_login(people["commune"])
    assert client.get(edit(city_centre)).status_code == 404
    assert city_centre.name not in client.get(reverse("communication_centres:index")).content.decode()

    client.force_login(people["province"])
    assert client.get(edit(city_centre)).status_code == 200
    response = client.post(edit(city_centre), centre_form(w.city, name=city_centre.name))  # not operating any more
    assert response.status_code == 302
    city_centre.refresh_from_db()
    assert city_centre.is_operating is False


# --- The data file ------------------------------------------------------------------------------------


def test_the_targets_file_loads_idempotently(db, tmp_path):
    tra_vinh = AreaPage.objects.get(structure="2024", level="province", code="84")
    assert IndicatorTarget.objects.filter(source="bo").count() == 24  # the migration loaded the ministry's
    assert not IndicatorTarget.objects.filter(area=tra_vinh).exists()  # Trà Vinh came after the migration
    IndicatorTarget.objects.filter(source="bo", code="1.1", year=2024).update(value=1)
    out = io.StringIO()
    call_command("load_indicator_targets", stdout=out, stderr=io.StringIO())
    assert "Thêm 6, cập nhật 1, giữ nguyên 23" in out.getvalue()
    assert float(IndicatorTarget.objects.get(source="bo", code="1.1", year=2024).value) == 98.0
    split = IndicatorTarget.objects.get(area=tra_vinh, code="2.2", applies_to="huyen")
    assert (float(split.value), split.comparison, split.year) == (80.0, "gt", 2025)
    split.value = 85
    split.save()  # the province's own edit survives a reload
    out = io.StringIO()
    call_command("load_indicator_targets", stdout=out, stderr=io.StringIO())
    assert "Thêm 0, cập nhật 0, giữ nguyên 30" in out.getvalue()
    split.refresh_from_db()
    assert float(split.value) == 85.0

    bad = tmp_path / "bad.csv"
    bad.write_text("code,year,value,comparison,applies_to,source,province_code,note\n1.1,2040,50,gte,,bo,,\n")
    with pytest.raises(CommandError, match="Dòng 2: năm phải từ 2021 đến 2030"):
        call_command("load_indicator_targets", "--file", str(bad), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize(
    "content, message",
    [
        (b"tincoso-host\n", "thiếu cột code, year, value"),  # not a targets file: no header
        (b"code,year,value\n", "không có dòng chỉ tiêu nào"),  # a header and nothing else
        (b"\xff\xfe\x00binary", "không phải tệp CSV UTF-8"),
    ],
)
def test_a_file_that_is_no_targets_file_is_refused(tmp_path, content, message):
    """Reloading from the wrong file must fail loudly, not report "Thêm 0" and exit 0."""
    from indicators.models import IndicatorTarget

    before = IndicatorTarget.objects.count()
    wrong = tmp_path / "khong-phai.csv"
    wrong.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("load_indicator_targets", "--file", str(wrong), stdout=io.StringIO(), stderr=io.StringIO())
    assert IndicatorTarget.objects.count() == before
