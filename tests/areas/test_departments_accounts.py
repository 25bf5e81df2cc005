"""“Tạo tài khoản cho sở, ngành” (areas/accounts.py): a province's or district's official creates
an editor or moderator for one of their departments; the person gets the Vietnamese e-mail with
a set-password link on the area portal's host, sets the password, logs in and reaches only the
department's section. Departments of other areas, commune and department staff, duplicates and
bad input are refused with a message and a 4xx, creating nothing."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from areas.accounts import DEPARTMENT_TITLE
from areas.departments import provision_department
from areas.models import Department
from tests.areas.test_accounts import menu_labels, messages_on

PASSWORD = "Mat-khau-can-bo-2026"
NEW_PASSWORD = "Dat-mat-khau-moi-2026"
URL = "/admin/tai-khoan-so-nganh/"


@pytest.fixture(autouse=True)
def _sync_tasks(settings):
    settings.TASKS_SYNC = True


def staff(group, username, **fields):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
    user.groups.add(group)
    return user


def department(area, name, code, **fields):
    row = Department.objects.create(area=area, name=name, code=code, **fields)
    provision_department(row)
    row.refresh_from_db()
    return row


def form(dept, name="Lê Thị Thu", email="Thu.Le@SoYTe.gov.vn", role="editors"):
    return {"department": str(dept.pk), "role": role, "name": name, "email": email}


@pytest.mark.django_db
def test_a_province_creates_a_department_editor_who_reaches_only_the_department(
    client, province, django_capture_on_commit_callbacks, django_user_model
):
    health = department(province, "Sở Y tế", "so-y-te")
    agriculture = department(province, "Sở Nông nghiệp và Môi trường", "so-nn-mt")
    official = staff(province.moderators_group, "kd-tinh-tk", first_name="Nguyễn Thị", last_name="Hoa")
    client.force_login(official)
    assert DEPARTMENT_TITLE in menu_labels(client.get("/admin/"))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sở Y tế – Tỉnh Trà Vinh" in html and "Sở Nông nghiệp và Môi trường – Tỉnh Trà Vinh" in html

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(URL, form(health))
    assert created.status_code == 302
    user = django_user_model.objects.get(email="Thu.Le@soyte.gov.vn")
    assert list(user.groups.all()) == [health.editors_group]
    assert "biên tập viên Sở Y tế – Tỉnh Trà Vinh" in messages_on(client.get(created.url))

    [message] = mail.outbox
    assert message.subject == "Tài khoản biên tập viên thông tin nguồn · Sở Y tế – Tỉnh Trà Vinh"
    assert message.body.startswith("Kính gửi ông/bà Lê Thị Thu,")
    site = province.portal.get_site()
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(urlsplit(link).netloc == f"{site.hostname}:{site.port}" for link in links)
    reset = urlsplit(next(link for link in links if "/password_reset/confirm/" in link))

    person = type(client)()
    host = {"HTTP_HOST": f"{site.hostname}:{site.port}"}
    opened = person.get(reset.path, **host)
    done = person.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **host)
    assert done.status_code == 302
    assert (
        person.post("/admin/login/", {"username": user.username, "password": NEW_PASSWORD}, **host).status_code == 302
    )
    # Department staff must use a second factor only if they publish at a province (they do not here):
    # the department's section opens; another department's and the province's pages do not.
    assert person.get(f"/admin/pages/{health.section_id}/", **host).status_code == 200
    assert person.get(f"/admin/pages/add/sources/sourceitempage/{health.section_id}/", **host).status_code == 200
    for url in (
        f"/admin/pages/add/sources/sourceitempage/{agriculture.section_id}/",
        f"/admin/pages/{province.portal.pk}/edit/",
    ):
        refused = person.get(url, **host)
        assert refused.status_code == 302 and refused["Location"] == "/admin/", url
    # A department's staff create no accounts.
    assert DEPARTMENT_TITLE not in menu_labels(person.get("/admin/", **host))
    assert person.get(URL, **host).status_code == 403

    # The audit log names who created it, for which department.
    admin = django_user_model.objects.create_superuser("quantri-tk-sn", "qt@example.vn", PASSWORD)
    client.force_login(admin)
    history = messages_on(client.get("/admin/reports/site-history/"))
    assert "biên tập viên Sở Y tế – Tỉnh Trà Vinh" in history


@pytest.mark.django_db
def test_refusals_create_nothing(client, province, district, commune):
    health = department(province, "Sở Y tế", "so-y-te")
    culture = department(district, "Phòng Văn hóa - Thông tin", "phong-vh-tt", kind="phong")
    closed = department(district, "Phòng đã giải thể", "phong-cu", is_active=False)
    users = get_user_model().objects.count()
    # A district official: their own phòng only, not the province's sở nor a closed one.
    client.force_login(staff(district.editors_group, "bt-huyen-tk"))
    html = client.get(URL).content.decode()
    assert "Phòng Văn hóa - Thông tin" in html and "Sở Y tế" not in html and "Phòng đã giải thể" not in html
    for dept in (health, closed):
        refused = client.post(URL, form(dept, email=f"x{dept.pk}@example.vn"))
        assert refused.status_code == 400
        assert "không thuộc địa bàn của bạn" in messages_on(refused)
    bad = client.post(URL, form(culture, name="Thu", email="khong-phai-thu"))
    assert bad.status_code == 400
    text = messages_on(bad)
    assert "Nhập đủ họ và tên" in text and "Địa chỉ thư điện tử không hợp lệ" in text
    assert get_user_model().objects.count() == users + 1  # only the official
    # A duplicate e-mail.
    client.post(URL, form(culture, email="trung@example.vn"))
    again = client.post(URL, form(culture, name="Lê Văn Hai", email="Trung@example.vn"))
    assert again.status_code == 400 and "Đã có tài khoản dùng địa chỉ thư điện tử này" in messages_on(again)
    # Commune and department staff: 403.
    for user in (staff(commune.editors_group, "bt-xa-tk"), staff(culture.moderators_group, "kd-phong-tk")):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, form(culture, email="z@example.vn")).status_code == 403
    assert not get_user_model().objects.filter(email="z@example.vn").exists()
