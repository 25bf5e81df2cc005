"""Departments (sở, ngành, phòng) as sources: provisioning (groups, section, page permissions,
workflow; idempotent; deactivation keeps the items) and the admin screen "Sở, ngành, phòng ban",
scoped to the province's and district's staff."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, WorkflowPage

from areas.departments import DepartmentError, provision_department
from areas.models import Department
from areas.scoping import departments_for, user_departments
from sources.models import DepartmentSectionPage, SourceIndexPage
from tests.factories import section_of

PASSWORD = "Mat-khau-so-nganh-2026"
URL = "/admin/so-nganh/"


def staff(group, username):
    user = get_user_model().objects.create_user(username, password=PASSWORD, email=f"{username}@example.vn")
    user.groups.add(group)
    return user


def department(area, name, code, **fields):
    row = Department.objects.create(area=area, name=name, code=code, **fields)
    provision_department(row)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_provisioning_makes_groups_section_permissions_and_workflow(province):
    health = department(province, "Sở Y tế", "so-y-te")
    assert health.editors_group.name == "Sở Y tế – Tỉnh Trà Vinh · biên tập"
    assert health.moderators_group.name == "Sở Y tế – Tỉnh Trà Vinh · kiểm duyệt"
    section = health.section.specific
    assert isinstance(section, DepartmentSectionPage)
    assert section.get_parent().pk == section_of(province).pk
    assert section.title == "Sở Y tế" and section.slug == "so-y-te" and section.live
    assert section.department == health

    def perms(group):
        return set(GroupPagePermission.objects.filter(group=group).values_list("page_id", "permission__codename"))

    assert perms(health.editors_group) == {(section.pk, "add_page"), (section.pk, "change_page")}
    assert {c for _, c in perms(health.moderators_group)} >= {"add_page", "change_page", "publish_page"}
    assert {p for p, _ in perms(health.moderators_group)} == {section.pk}  # on its section only
    workflow = WorkflowPage.objects.get(page=section).workflow
    assert workflow.name == "Kiểm duyệt · Sở Y tế – Tỉnh Trà Vinh"
    task = workflow.tasks.get().specific
    assert list(task.groups.all()) == [health.moderators_group]
    # Its section is the one the workflow governs: closer than the province's own.
    assert section.get_workflow() == workflow


@pytest.mark.django_db
def test_provisioning_twice_changes_nothing_and_a_rename_follows(province):
    health = department(province, "Sở Y tế", "so-y-te")
    groups, pages = Group.objects.count(), DepartmentSectionPage.objects.count()
    assert not provision_department(health)  # nothing created or changed
    # A second row of the same name (made around the screen, which refuses it) does not share
    # the first one's groups: refused, nothing made.
    twin = Department.objects.create(area=province, name="Sở Y tế", code="so-y-te-2")
    with pytest.raises(DepartmentError):
        provision_department(twin)
    twin.refresh_from_db()
    assert twin.editors_group_id is None and twin.section_id is None
    twin.delete()
    assert (Group.objects.count(), DepartmentSectionPage.objects.count()) == (groups, pages)
    health.name = "Sở Y tế tỉnh"
    health.save()
    provision_department(health)
    health.refresh_from_db()
    assert health.editors_group.name == "Sở Y tế tỉnh – Tỉnh Trà Vinh · biên tập"
    assert health.section.title == "Sở Y tế tỉnh"
    assert Group.objects.count() == groups


@pytest.mark.django_db
def test_deactivating_keeps_the_section_and_takes_the_permissions(province):
    from tests.sources.test_departments import write

    health = department(province, "Sở Y tế", "so-y-te")
    editor = staff(health.editors_group, "bt-so-y-te")
    item = write(health, "Tiêm chủng mở rộng", areas=[province])
    assert user_departments(editor) == [health]
    health.is_active = False
    health.save()
    provision_department(health)
    assert not GroupPagePermission.objects.filter(group__in=[health.editors_group, health.moderators_group]).exists()
    item.refresh_from_db()
    assert item.live and item.department_id == health.pk
    editor = get_user_model().objects.get(pk=editor.pk)
    assert user_departments(editor) == []
    health.is_active = True
    health.save()
    provision_department(health)
    assert GroupPagePermission.objects.filter(group=health.editors_group).count() == 2


@pytest.mark.django_db
def test_a_district_adds_its_own_phong(district):
    culture = department(district, "Phòng Văn hóa - Thông tin", "phong-van-hoa-thong-tin", kind="phong")
    assert culture.section.get_parent().pk == SourceIndexPage.objects.descendant_of(district).get().pk
    assert culture.editors_group.name == "Phòng Văn hóa - Thông tin – Huyện Càng Long · biên tập"


# --- The admin screen ----------------------------------------------------------------------


def refused(response):
    """Wagtail's answer to a signed-in user without the permission: back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def add_data(area, name, code="", kind="so", active=True):
    data = {"area": str(area.pk), "name": name, "kind": kind, "code": code}
    if active:
        data["is_active"] = "on"
    return data


@pytest.mark.django_db
def test_a_province_moderator_adds_a_department_through_the_screen(client, province, district):
    client.force_login(staff(province.moderators_group, "kd-tinh"))
    assert client.get(URL).status_code == 200
    form = client.get(f"{URL}new/").content.decode()
    assert "Huyện Càng Long" in form and "Tỉnh Trà Vinh" in form
    response = client.post(f"{URL}new/", add_data(province, "Sở Nông nghiệp và Môi trường"))
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Department.objects.get(name="Sở Nông nghiệp và Môi trường")
    assert created.code == "so-nong-nghiep-va-moi-truong"  # made from the name
    assert created.section is not None and created.editors_group is not None
    # The same code again in the same area: refused, nothing saved.
    again = client.post(f"{URL}new/", add_data(province, "Sở NN&MT", code="so-nong-nghiep-va-moi-truong"))
    assert again.status_code == 200
    assert "Mã này đã có" in again.content.decode()
    # The same name again under another code: refused too (its groups would be the first one's).
    twin = client.post(f"{URL}new/", add_data(province, "sở nông nghiệp và môi trường", code="so-nn-2"))
    assert twin.status_code == 200 and "đã có cơ quan tên này" in twin.content.decode()
    # Bad input: an empty name, an area that does not exist, a code with capitals and spaces.
    for bad in (
        add_data(province, "   "),
        {**add_data(province, "Sở Tư pháp"), "area": "999999999"},
        {**add_data(province, "Sở Tư pháp"), "area": "abc"},
        add_data(province, "Sở Tư pháp", code="Sở Tư Pháp"),
    ):
        assert client.post(f"{URL}new/", bad).status_code == 200
    assert Department.objects.filter(area=province).count() == 1
    for absurd in ("999999999999999999999", "abc"):
        assert client.get(f"{URL}edit/{absurd}/").status_code == 404
    # The province's staff see and manage a district's departments too.
    culture = department(district, "Phòng Văn hóa - Thông tin", "phong-vh-tt", kind="phong")
    listing = client.get(URL).content.decode()
    assert "Sở Nông nghiệp và Môi trường" in listing and "Phòng Văn hóa - Thông tin" in listing
    assert client.get(f"{URL}edit/{culture.pk}/").status_code == 200
    # A department's section is made with its department, never by hand in the page tree.
    by_hand = client.get(f"/admin/pages/add/sources/departmentsectionpage/{section_of(province).pk}/")
    assert refused(by_hand)
    # Nobody deletes a department (turned off instead).
    assert refused(client.get(f"{URL}delete/{culture.pk}/"))
    assert refused(client.post(f"{URL}delete/{culture.pk}/"))
    assert Department.objects.filter(pk=culture.pk).exists()


@pytest.mark.django_db
def test_a_district_sees_only_its_own_and_cannot_add_to_the_province(client, province, district):
    health = department(province, "Sở Y tế", "so-y-te")
    ours = department(district, "Phòng Văn hóa - Thông tin", "phong-vh-tt", kind="phong")
    user = staff(district.editors_group, "bt-cang-long-dep")
    assert list(departments_for(user)) == [ours]
    client.force_login(user)
    listing = client.get(URL).content.decode()
    assert "Phòng Văn hóa - Thông tin" in listing and "Sở Y tế" not in listing
    assert client.get(f"{URL}edit/{health.pk}/").status_code == 404
    assert client.get(f"{URL}history/{health.pk}/").status_code == 404
    assert client.get(f"{URL}usage/{health.pk}/").status_code == 404
    renamed = client.post(f"{URL}edit/{health.pk}/", add_data(province, "Sở bị đổi tên", code="so-y-te"))
    assert renamed.status_code == 404
    health.refresh_from_db()
    assert health.name == "Sở Y tế" and health.is_active
    assert client.get(f"{URL}history/{ours.pk}/").status_code == 200
    form = client.get(f"{URL}new/").content.decode()
    assert "Tỉnh Trà Vinh</option>" not in form
    refused = client.post(f"{URL}new/", add_data(province, "Sở giả mạo", code="so-gia-mao"))
    assert refused.status_code == 200
    assert not Department.objects.filter(code="so-gia-mao").exists()
    # Editing one's own: renamed, provisioned again.
    response = client.post(f"{URL}edit/{ours.pk}/", add_data(district, "Phòng VH-TT", code="phong-vh-tt"))
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.section.title == "Phòng VH-TT"


@pytest.mark.django_db
def test_commune_and_department_staff_get_nothing(client, province, commune):
    health = department(province, "Sở Y tế", "so-y-te")
    for user in (
        staff(commune.editors_group, "bt-an-truong-dep"),
        staff(commune.moderators_group, "kd-an-truong-dep"),
        staff(health.editors_group, "bt-so-y-te-dep"),
        staff(health.moderators_group, "kd-so-y-te-dep"),
    ):
        client.force_login(user)
        assert refused(client.get(URL)), user.username
        assert refused(client.get(f"{URL}new/"))
        assert refused(client.get(f"{URL}edit/{health.pk}/"))
        assert refused(client.post(f"{URL}edit/{health.pk}/", add_data(province, "Sở đổi tên", code="so-y-te")))
        assert refused(client.post(f"{URL}new/", add_data(province, "Sở khác", code="so-khac")))
        assert not Department.objects.filter(code="so-khac").exists()
        assert "Sở, ngành, phòng ban" not in client.get("/admin/").content.decode()
    health.refresh_from_db()
    assert health.name == "Sở Y tế"


@pytest.mark.django_db
def test_the_list_counts_staff_in_a_fixed_number_of_queries(client, province, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff(province.moderators_group, "kd-tinh-dem"))
    health = department(province, "Sở Y tế", "so-y-te")
    staff(health.editors_group, "bt-yte-dem")
    both = staff(health.moderators_group, "kd-yte-dem")
    both.groups.add(health.editors_group)  # in both groups: counted once
    gone = staff(health.editors_group, "bt-yte-nghi")
    gone.is_active = False
    gone.save()
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(3):
        row = department(district, f"Phòng thử {n}", f"phong-thu-{n}", kind="phong")
        staff(row.editors_group, f"bt-phong-thu-{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(many) == len(few)
    counts = {row.name: row.staff_count for row in response.context["object_list"]}
    assert counts == {"Sở Y tế": 2, "Phòng thử 0": 1, "Phòng thử 1": 1, "Phòng thử 2": 1}
