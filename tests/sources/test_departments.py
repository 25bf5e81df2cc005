"""A department's staff (sở, ngành, phòng) write source items and alerts in their own section,
with targets inside their area; every item carries its department (public page, listings,
CAP); a department's editor reaches only their department's items, on every screen; and they
do not become unit staff."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from areas.departments import provision_department
from areas.models import CommuneHomePage, Department
from sources import cap
from sources.models import EmergencyAlertPage, SourceItemPage, active_items_for
from tests.factories import push, section_of

PASSWORD = "Mat-khau-so-nganh-2026"


def department(area, name, code, **fields):
    row = Department.objects.create(area=area, name=name, code=code, **fields)
    provision_department(row)
    row.refresh_from_db()
    return row


def write(dept, title, *, areas=(), communes=(), model=SourceItemPage, live=True, **fields):
    """An item (or alert) in the department's own section."""
    now = timezone.now()
    fields.setdefault("summary", f"Nội dung: {title}")
    fields.setdefault("valid_from", now - datetime.timedelta(minutes=5))
    if model is EmergencyAlertPage:
        fields.setdefault("event", "Dịch sốt xuất huyết")
        fields.setdefault("valid_until", now + datetime.timedelta(hours=12))
    page = model(title=title, **fields)
    page.target_areas = list(areas)
    page.target_communes = list(communes)
    dept.section.specific.add_child(instance=page)
    if live:
        page.save_revision().publish()
    page.refresh_from_db()
    return page


def staff(group, username):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(group)
    return user


def refused(response):
    """Wagtail's answer to a signed-in user without the permission: back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def add_form(title, **targets):
    from tests.sources.test_sources import add_form as form

    return form(None, title, **targets)


@pytest.fixture
def health(province):
    return department(province, "Sở Y tế", "so-y-te")


@pytest.fixture
def agriculture(province):
    return department(province, "Sở Nông nghiệp và Môi trường", "so-nn-mt")


@pytest.fixture
def culture(district):
    return department(district, "Phòng Văn hóa - Thông tin", "phong-vh-tt", kind="phong")


# --- Every item carries its department --------------------------------------------------------


@pytest.mark.django_db
def test_items_carry_their_department_and_the_province_own_none(province, health, commune):
    item = write(health, "Phòng chống sốt xuất huyết", communes=[commune])
    alert = write(health, "Dịch sốt xuất huyết tăng", communes=[commune], model=EmergencyAlertPage)
    own = push(province, "Tin của UBND tỉnh", communes=[commune])
    assert item.department == health and alert.department == health
    assert own.department is None
    # Moved out of the department's section (Wagtail saves a moved page as a plain Page), it no
    # longer carries it, at once and after its next publish; moved back in, it does again.
    item.move(section_of(province), pos="last-child")
    assert SourceItemPage.objects.get(pk=item.pk).department is None
    SourceItemPage.objects.get(pk=item.pk).save_revision().publish()
    assert SourceItemPage.objects.get(pk=item.pk).department is None
    SourceItemPage.objects.get(pk=item.pk).move(health.section, pos="last-child")
    assert SourceItemPage.objects.get(pk=item.pk).department == health
    # A copy carries the department of the section it is copied into.
    copied = own.copy(to=health.section, update_attrs={"slug": "ban-sao-tinh"})
    assert SourceItemPage.objects.get(pk=copied.pk).department == health
    back = alert.copy(
        to=section_of(province), update_attrs={"slug": "ban-sao-canh-bao", "cap_identifier": "ban-sao-canh-bao"}
    )
    assert EmergencyAlertPage.objects.get(pk=back.pk).department is None


@pytest.mark.django_db
def test_the_department_is_shown_everywhere(client, province, health, commune):
    item = write(health, "Phòng chống sốt xuất huyết", communes=[commune])
    alert = write(health, "Dịch sốt xuất huyết tăng", communes=[commune], model=EmergencyAlertPage)
    own = push(province, "Tin của UBND tỉnh", communes=[commune])
    site = item.get_site()
    page = client.get(item.get_url(), HTTP_HOST=site.hostname)
    assert page.status_code == 200
    assert "Nguồn: Sở Y tế tỉnh Trà Vinh" in page.content.decode()
    theirs = client.get(own.get_url(), HTTP_HOST=site.hostname).content.decode()
    assert "Uỷ ban nhân dân tỉnh Trà Vinh" in theirs and "Nguồn: Sở" not in theirs
    # The province's source section lists the department's items, and filters by department.
    section = section_of(province)
    site = section.get_site()
    listing = client.get(section.get_url(), HTTP_HOST=site.hostname).content.decode()
    assert "Phòng chống sốt xuất huyết" in listing and "Tin của UBND tỉnh" in listing
    assert "Dịch sốt xuất huyết tăng" in listing
    only = client.get(section.get_url(), {"co-quan": health.pk}, HTTP_HOST=site.hostname).content.decode()
    assert "Phòng chống sốt xuất huyết" in only and "Tin của UBND tỉnh" not in only
    ubnd = client.get(section.get_url(), {"co-quan": "ubnd"}, HTTP_HOST=site.hostname).content.decode()
    assert "Tin của UBND tỉnh" in ubnd and "Phòng chống sốt xuất huyết" not in ubnd
    # The department's own section lists its items and alerts only.
    own_section = client.get(health.section.specific.get_url(), HTTP_HOST=site.hostname).content.decode()
    assert "Thông tin do Sở Y tế cung cấp" in own_section
    assert "Phòng chống sốt xuất huyết" in own_section and "Dịch sốt xuất huyết tăng" in own_section
    assert "Tin của UBND tỉnh" not in own_section
    # The commune's home says who it comes from.
    names = {i.title: i.source_name for i in active_items_for(commune)}
    assert names == {"Phòng chống sốt xuất huyết": "Sở Y tế", "Tin của UBND tỉnh": "UBND tỉnh Trà Vinh"}
    # CAP: the sender's name is the department's.
    message = cap.alert_from_page(EmergencyAlertPage.objects.get(pk=alert.pk))
    assert "Sở Y tế tỉnh Trà Vinh" in cap.to_xml(message).decode()
    assert own.department is None


@pytest.mark.django_db
def test_the_source_section_lists_in_a_fixed_number_of_queries(client, province, health, agriculture, commune):
    section = section_of(province)
    site = section.get_site()
    write(health, "Tin sở y tế 1", communes=[commune])
    push(province, "Tin tỉnh 1", communes=[commune])
    client.get(section.get_url(), HTTP_HOST=site.hostname)  # warm caches of the site and settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(section.get_url(), {"p": 1}, HTTP_HOST=site.hostname)
    for n in range(3):
        write(agriculture, f"Tin sở nông nghiệp {n}", communes=[commune])
        write(health, f"Tin sở y tế thêm {n}", communes=[commune])
    with CaptureQueriesContext(connection) as many:
        response = client.get(section.get_url(), {"p": 1}, HTTP_HOST=site.hostname)
    assert "Tin sở nông nghiệp 2" in response.content.decode()
    assert len(many) == len(few)


# --- Writing: targets inside the area -----------------------------------------------------------


@pytest.mark.django_db
def test_a_department_editor_writes_inside_the_area_only(client, district, culture, commune, other_commune):
    client.force_login(staff(culture.editors_group, "bt-phong-vh"))
    url = f"/admin/pages/add/sources/sourceitempage/{culture.section_id}/"
    assert client.get(url).status_code == 200
    assert other_commune.title not in client.get(url).content.decode()
    outside = client.post(url, add_form("Gửi nhầm huyện khác", target_communes=[other_commune]))
    assert outside.status_code == 200
    assert not SourceItemPage.objects.filter(title="Gửi nhầm huyện khác").exists()
    client.post(url, add_form("Lịch chiếu phim lưu động", target_communes=[commune]))
    item = SourceItemPage.objects.get(title="Lịch chiếu phim lưu động")
    assert item.department == culture and not item.live
    # An alert too.
    assert client.get(f"/admin/pages/add/sources/emergencyalertpage/{culture.section_id}/").status_code == 200
    # Not in the district's own section, nor in another department's.
    assert refused(client.get(f"/admin/pages/add/sources/sourceitempage/{section_of(district).pk}/"))
    assert refused(
        client.post(
            f"/admin/pages/add/sources/sourceitempage/{section_of(district).pk}/",
            add_form("Lạc chỗ", target_communes=[commune]),
        )
    )
    assert not SourceItemPage.objects.filter(title="Lạc chỗ").exists()


@pytest.mark.django_db
def test_the_editor_submits_and_the_department_moderator_publishes(
    client, province, district, health, agriculture, commune
):
    editor, moderator = staff(health.editors_group, "bt-yte"), staff(health.moderators_group, "kd-yte")
    client.force_login(editor)
    url = f"/admin/pages/add/sources/sourceitempage/{health.section_id}/"
    data = add_form("Khám sàng lọc miễn phí", target_communes=[commune])
    response = client.post(url, {**data, "picture_fit": "cover", "action-submit": "1"})
    html = response.content.decode()
    assert response.status_code == 302, html[:200]
    item = SourceItemPage.objects.get(title="Khám sàng lọc miễn phí")
    assert not item.live
    state = item.current_workflow_state
    assert state is not None and state.workflow.name == "Kiểm duyệt · Sở Y tế – Tỉnh Trà Vinh"
    # The editor cannot publish.
    assert not item.permissions_for_user(editor).can_publish()
    approve = reverse("wagtailadmin_pages:workflow_action", args=[item.pk, "approve", state.current_task_state.pk])
    # Another department's moderator, or the district's, cannot approve it.
    for stranger in (
        staff(agriculture.moderators_group, "kd-nn"),
        staff(district.moderators_group, "kd-huyen-x"),
    ):
        client.force_login(stranger)
        assert refused(client.post(approve, {"comment": ""}))
        item.refresh_from_db()
        assert not item.live
    # The department's moderator approves: published.
    client.force_login(moderator)
    response = client.post(approve, {"comment": "Đồng ý"})
    assert response.status_code == 302 and response["Location"] != "/admin/"
    item.refresh_from_db()
    assert item.live and item.department == health


# --- A department's editor reaches only their department's items --------------------------------


@pytest.mark.django_db
def test_a_department_editor_reaches_only_their_items(client, province, health, agriculture, commune):
    ours = write(health, "Tin của sở y tế", communes=[commune])
    theirs = write(agriculture, "Tin của sở nông nghiệp", communes=[commune])
    own = push(province, "Tin của UBND tỉnh", communes=[commune])
    editor, moderator = staff(health.editors_group, "bt-yte-2"), staff(health.moderators_group, "kd-yte-2")
    for user in (editor, moderator):
        client.force_login(user)
        # Edit: ours yes; another department's or the province's own: no.
        assert client.get(f"/admin/pages/{ours.pk}/edit/").status_code == 200
        for other in (theirs, own):
            assert refused(client.get(f"/admin/pages/{other.pk}/edit/"))
            assert refused(client.get(f"/admin/pages/{other.pk}/delete/"))
            assert refused(client.post(f"/admin/pages/{other.pk}/delete/"))
            assert refused(client.post(f"/admin/pages/{other.pk}/unpublish/"))
            assert client.get(f"/admin/thong-tin-nguon/{other.pk}/noi-nhan/").status_code == 404
        # The explorer of the department's section lists theirs; the province's section is closed.
        listing = client.get(f"/admin/pages/{health.section_id}/").content.decode()
        assert "Tin của sở y tế" in listing
        # Another department's section: the explorer sends them back to their own.
        elsewhere = client.get(f"/admin/pages/{agriculture.section_id}/")
        assert elsewhere.status_code == 302 and elsewhere["Location"] == f"/admin/pages/{health.section_id}/"
        # "Đã gửi và nơi nhận": only their own.
        sent = client.get("/admin/thong-tin-nguon/").content.decode()
        assert "Tin của sở y tế" in sent
        assert "Tin của sở nông nghiệp" not in sent and "Tin của UBND tỉnh" not in sent
        assert client.get(f"/admin/thong-tin-nguon/{ours.pk}/noi-nhan/").status_code == 200
    for other in (theirs, own):
        assert SourceItemPage.objects.get(pk=other.pk).live
    # The moderator publishes ours, and only ours.
    client.force_login(moderator)
    assert ours.permissions_for_user(moderator).can_publish()
    assert not theirs.permissions_for_user(moderator).can_publish()
    assert not own.permissions_for_user(moderator).can_publish()
    # The editor deletes nothing published.
    client.force_login(editor)
    assert refused(client.post(f"/admin/pages/{ours.pk}/delete/"))
    assert SourceItemPage.objects.filter(pk=ours.pk).exists()


@pytest.mark.django_db
def test_the_sources_admin_screens(client, province, health, agriculture, commune):
    editor = staff(health.moderators_group, "kd-yte-3")
    client.force_login(editor)
    # CAP import: into their own section only.
    form = client.get("/admin/thong-tin-nguon/nhap-cap/")
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{health.section_id}"' in html
    assert f'value="{agriculture.section_id}"' not in html and f'value="{section_of(province).pk}"' not in html
    # CAP feeds belong to the province and district: closed.
    assert refused(client.get("/admin/nguon-canh-bao-cap/"))
    # A CAP file into the province's own section: refused, nothing made; into theirs: it carries
    # the department.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.sources.test_cap import SAMPLE

    url = "/admin/thong-tin-nguon/nhap-cap/"
    wrong = client.post(
        url,
        {"file": SimpleUploadedFile("bao.xml", SAMPLE.encode()), "section": str(section_of(province).pk)},
    )
    assert wrong.status_code == 200 and not EmergencyAlertPage.objects.exists()
    done = client.post(
        url,
        {"file": SimpleUploadedFile("bao.xml", SAMPLE.encode()), "section": str(health.section_id), "publish": "on"},
    )
    assert done.status_code == 302
    alert = EmergencyAlertPage.objects.get()
    assert alert.live and alert.department == health and alert.get_parent().pk == health.section_id


@pytest.mark.django_db
def test_department_staff_do_not_become_unit_staff(client, province, health, commune):
    user = staff(health.editors_group, "bt-yte-4")
    client.force_login(user)
    # Wagtail's viewsets send them back to the dashboard; the project's own screens say 403.
    for url in (
        "/admin/bang-dien-tu/",  # boards
        "/admin/bang-dien-tu-giam-sat/",  # monitoring
        "/admin/nguon-canh-bao-cap/",
        "/admin/so-nganh/",
        "/admin/so-dai-truyen-thanh/",  # the station register
        f"/admin/pages/{commune.pk}/edit/",
        f"/admin/pages/{province.pk}/edit/",
    ):
        assert refused(client.get(url)), url
    for url in (
        "/admin/tai-khoan-xa/",  # commune accounts
        "/admin/tai-khoan-so-nganh/",
        "/admin/chi-tieu-thong-tin-co-so/",  # indicators
        "/admin/hoi-dap/",  # the questions' queue
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_the_province_staff_still_reach_their_departments_items(client, province, health, commune):
    item = write(health, "Tin của sở y tế", communes=[commune])
    user = get_user_model().objects.create_user("kd-tinh-2", password=PASSWORD)
    user.groups.add(province.moderators_group)
    assert item.permissions_for_user(user).can_publish()
    assert CommuneHomePage.objects.filter(pk=commune.pk).exists()


@pytest.mark.django_db
def test_the_demo_seeds_departments_once(province, district):
    from demo.departments import seed_departments

    user = get_user_model().objects.create_user("demo-nguon", password=PASSWORD)
    assert seed_departments(province, user) == 8
    assert seed_departments(province, user) == 0
    names = set(Department.objects.filter(area__path__startswith=province.path).values_list("name", flat=True))
    assert names == {
        "Sở Y tế",
        "Sở Nông nghiệp và Môi trường",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Phòng Văn hóa - Thông tin",
    }
    items = SourceItemPage.objects.filter(department__isnull=False).live()
    assert items.count() == 8
    for item in items.select_related("department__area"):
        assert all(c.path.startswith(item.department.area.path) for c in item.target_communes.all())


@pytest.mark.django_db
def test_the_provinces_sent_list_names_each_sender(client, province, health, commune):
    write(health, "Tin của sở y tế", communes=[commune])
    push(province, "Tin của UBND tỉnh", communes=[commune])
    client.force_login(staff(province.moderators_group, "kd-tinh-gui"))
    html = client.get("/admin/thong-tin-nguon/").content.decode()
    assert '<th scope="col">Cơ quan gửi</th>' in html
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in html.split("<tr>")[2:]}
    assert "<td>Sở Y tế</td>" in rows["Tin của sở y tế"]
    assert f"<td>UBND {province.name_in_sentence}</td>" in rows["Tin của UBND tỉnh"]
