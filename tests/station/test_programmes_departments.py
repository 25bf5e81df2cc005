"""Programmes by departments (sở, ngành, phòng): owned by the department's section, aimed at
units inside the department's area only (not chosen clusters: a commune's equipment), reaching
those units' clusters; a department's staff
see and touch only their department's programmes, and the district's or province's staff
still see theirs."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from areas.departments import provision_department
from areas.models import Department
from station.models import Programme
from tests.station.test_programmes import _commits, _media, form, speakers, upload  # noqa: F401

PASSWORD = "x-Strong-pass-123"


def department(area, name, code, **fields):
    row = Department.objects.create(area=area, name=name, code=code, **fields)
    provision_department(row)
    row.refresh_from_db()
    return row


def member(group, username):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(group)
    return user


@pytest.fixture
def culture(district):
    return department(district, "Phòng Văn hóa - Thông tin", "phong-vh-tt", kind="phong")


@pytest.fixture
def health(province):
    return department(province, "Sở Y tế", "so-y-te")


@pytest.mark.django_db
def test_a_department_makes_a_programme_for_units_of_its_area(
    client, district, culture, commune, other_commune, tmp_path
):
    mine, theirs = speakers(commune), speakers(other_commune, "Cụm loa Đông Hải")
    editor = member(culture.editors_group, "bt-phong-vh-dai")
    client.force_login(editor)
    page = client.get(reverse("programmes:add")).content.decode()
    assert "Phòng Văn hóa - Thông tin – Huyện Càng Long" in page  # the owner offered
    assert commune.title in page and other_commune.title not in page
    # Outside the district: refused, nothing saved.
    refused = client.post(
        reverse("programmes:add"),
        form(culture.section, upload(tmp_path, seconds=3), target_units=[other_commune.pk]),
    )
    assert refused.status_code == 200 and not Programme.objects.exists()
    # A commune's loudspeaker clusters are its own staff's: not offered to a department, and a
    # tampered form naming one is refused.
    assert mine.name not in page
    tampered = client.post(
        reverse("programmes:add"),
        form(culture.section, upload(tmp_path, seconds=3), target_units=[commune.pk], target_clusters=[mine.pk]),
    )
    assert tampered.status_code == 200 and not Programme.objects.exists()
    # No target: a department has no clusters of its own.
    empty = client.post(reverse("programmes:add"), form(culture.section, upload(tmp_path, seconds=3)))
    assert empty.status_code == 200 and "Chọn nơi nhận" in empty.content.decode()
    assert not Programme.objects.exists()
    # Inside: saved, owned by the department's section, on the commune's cluster.
    response = client.post(
        reverse("programmes:add"),
        form(culture.section, upload(tmp_path, seconds=3), target_units=[commune.pk], priority="priority"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get()
    assert programme.owner_id == culture.section_id
    assert any(i["id"] == programme.key for i in mine.current_version.items)
    assert theirs.current_version is None or all(i["id"] != programme.key for i in theirs.current_version.items)
    assert client.get(reverse("programmes:delivery", args=[programme.pk])).status_code == 200
    # Not in another unit's name either.
    response = client.post(
        reverse("programmes:add"), form(district, upload(tmp_path, seconds=3), target_units=[commune.pk])
    )
    assert response.status_code == 200 and Programme.objects.count() == 1


@pytest.mark.django_db
def test_a_department_sees_only_its_own_programmes(client, district, culture, health, commune, tmp_path):
    speakers(commune)
    ours_editor = member(culture.editors_group, "bt-phong-vh-2")
    theirs_editor = member(health.editors_group, "bt-so-yte-dai")
    district_editor = member(district.editors_group, "bt-huyen-dai")
    Client().force_login(ours_editor)
    c = Client()
    c.force_login(theirs_editor)
    c.post(
        reverse("programmes:add"),
        form(health.section, upload(tmp_path, seconds=3), title="Chương trình Sở Y tế", target_units=[commune.pk]),
    )
    c.force_login(district_editor)
    c.post(reverse("programmes:add"), form(district, upload(tmp_path, seconds=3), title="Chương trình của huyện"))
    c.force_login(ours_editor)
    c.post(
        reverse("programmes:add"),
        form(culture.section, upload(tmp_path, seconds=3), title="Chương trình Phòng VH", target_units=[commune.pk]),
    )
    health_programme = Programme.objects.get(title="Chương trình Sở Y tế")
    district_programme = Programme.objects.get(title="Chương trình của huyện")
    ours = Programme.objects.get(title="Chương trình Phòng VH")

    client.force_login(ours_editor)
    listing = client.get(reverse("programmes:index")).content.decode()
    assert "Chương trình Phòng VH" in listing
    assert "Chương trình Sở Y tế" not in listing and "Chương trình của huyện" not in listing
    for other in (health_programme, district_programme):
        assert client.get(reverse("programmes:edit", args=[other.pk])).status_code == 404
        assert client.get(reverse("programmes:delivery", args=[other.pk])).status_code == 404
        assert client.post(reverse("programmes:delete", args=[other.pk])).status_code == 404
    assert Programme.objects.count() == 3
    assert client.get(reverse("programmes:edit", args=[ours.pk])).status_code == 200
    # The district's staff see their department's programme; not the province's department's.
    client.force_login(district_editor)
    listing = client.get(reverse("programmes:index")).content.decode()
    assert "Chương trình Phòng VH" in listing and "Chương trình Sở Y tế" not in listing
    assert client.get(reverse("programmes:edit", args=[ours.pk])).status_code == 200
