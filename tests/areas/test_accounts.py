"""“Tạo tài khoản cho xã” (areas/accounts.py): a district's official creates an account for one of
the district's communes; the person gets a Vietnamese e-mail with a set-password link on their
commune's host, sets a password there, logs in and sees only their commune. Communes outside the
official's units, commune staff, duplicates and bad input are refused with a message and a 4xx,
creating nothing; the action is in Wagtail's audit log."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from lxml import html as lxml_html

from areas.accounts import TITLE, URL_NAME, split_full_name, username_candidates
from areas.models import CommuneHomePage

PASSWORD = "Mat-khau-can-bo-2026"
NEW_PASSWORD = "Dat-mat-khau-moi-2026"
URL = "/admin/tai-khoan-xa/"


@pytest.fixture(autouse=True)
def _sync_tasks(settings):
    settings.TASKS_SYNC = True


def staff(unit, username, role="editors", **fields):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
    user.groups.add(getattr(unit, f"{role}_group"))
    return user


def form(commune, name="Trần Văn Minh", email="Minh.Tran@AnTruong.gov.vn", role="editors"):
    return {"commune": str(commune.pk), "role": role, "name": name, "email": email}


def offered_communes(response):
    tree = lxml_html.fromstring(response.content.decode())
    return [" ".join(label.text_content().split()) for label in tree.xpath('//*[@id="id_commune"]//li/label')]


def menu_labels(response):
    """The labels of the admin's sidebar menu (Wagtail renders it from JSON)."""
    tree = lxml_html.fromstring(response.content.decode())
    props = json.loads(tree.xpath('//script[@id="wagtail-sidebar-props"]')[0].text)
    return re.findall(r'"label": "([^"]*)"', json.dumps(props, ensure_ascii=False))


def messages_on(response):
    return " ".join(lxml_html.fromstring(response.content.decode()).text_content().split())


@pytest.mark.django_db
def test_a_district_creates_an_account_that_sets_its_password_and_sees_only_its_commune(
    client, district, commune, other_commune, django_capture_on_commit_callbacks, django_user_model
):
    official = staff(district, "kd-cang-long", "moderators", first_name="Nguyễn Thị", last_name="Hoa")
    client.force_login(official)
    # The menu has the item; the form offers the district's communes, grouped, searchable.
    assert TITLE in menu_labels(client.get("/admin/"))
    page = client.get(URL)
    assert page.status_code == 200
    assert sorted(offered_communes(page)) == sorted(c.title for c in CommuneHomePage.objects.child_of(district))
    assert "data-grouped-search" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(URL, form(commune))
    assert created.status_code == 302
    user = django_user_model.objects.get(email="Minh.Tran@antruong.gov.vn")
    assert (user.username, user.first_name, user.last_name) == ("minh.tran", "Trần Văn", "Minh")
    assert user.get_full_name() == "Trần Văn Minh"
    assert list(user.groups.all()) == [commune.editors_group]
    shown = messages_on(client.get(created.url))
    assert "Đã tạo tài khoản “minh.tran” (Trần Văn Minh, biên tập viên Xã An Trường)" in shown

    # The e-mail: by name, in Vietnamese, the link on the commune's own host.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Minh.Tran@antruong.gov.vn"]
    assert message.subject == "Tài khoản biên tập viên trang thông tin điện tử xã An Trường"
    assert message.body.startswith("Kính gửi ông/bà Trần Văn Minh,")
    assert "Ông/bà Nguyễn Thị Hoa đã tạo cho ông/bà tài khoản biên tập viên" in message.body
    assert "Tên đăng nhập: minh.tran" in message.body
    site = commune.get_site()
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(urlsplit(link).netloc == f"{site.hostname}:{site.port}" for link in links)
    assert site.hostname.startswith("an-truong.")
    reset = urlsplit(next(link for link in links if "/password_reset/confirm/" in link))

    # The person sets a password on the commune's host …
    person = client_class_for(client)
    host = {"HTTP_HOST": f"{site.hostname}:{site.port}"}
    opened = person.get(reset.path, **host)
    assert opened.status_code == 302  # Django hides the token: on to the set-password form
    assert person.get(opened.url, **host).status_code == 200
    done = person.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **host)
    assert done.status_code == 302 and "complete" in done.url
    # … the link is spent …
    spent = person.get(reset.path, follow=True, **host)
    assert spent.status_code == 200 and "Liên kết đặt lại mật khẩu không hợp lệ" in messages_on(spent)
    # … logs in there and sees only their commune.
    logged_in = person.post("/admin/login/", {"username": "minh.tran", "password": NEW_PASSWORD}, **host)
    assert logged_in.status_code == 302 and logged_in.url.endswith("/admin/")
    assert person.get(f"/admin/pages/{commune.pk}/", **host).status_code == 200
    assert person.get(f"/admin/pages/{commune.pk}/edit/", **host).status_code == 200
    refused = person.get(f"/admin/pages/{other_commune.pk}/edit/", **host)
    assert refused.status_code in (302, 403)
    assert person.get(f"/admin/pages/{district.portal.pk}/edit/", **host).status_code in (302, 403)
    # A commune's staff create no accounts: no menu item, 403 with a message.
    assert TITLE not in menu_labels(person.get("/admin/", **host))
    forbidden = person.get(URL, **host)
    assert forbidden.status_code == 403 and "Chỉ cán bộ biên tập, kiểm duyệt của huyện hoặc tỉnh" in messages_on(
        forbidden
    )

    # Wagtail's audit log names who created it, for whom.
    admin = django_user_model.objects.create_superuser("quantri-tk", "qt@example.vn", PASSWORD)
    client.force_login(admin)
    history = messages_on(client.get("/admin/reports/site-history/"))
    assert "Tạo tài khoản “minh.tran” cho Trần Văn Minh (Minh.Tran@antruong.gov.vn), biên tập viên Xã An Trường" in (
        history
    )


def client_class_for(client):
    """A second browser: the person, not logged in."""
    return type(client)()


@pytest.mark.django_db
def test_a_commune_outside_the_officials_units_is_refused(client, district, commune, other_commune, django_user_model):
    client.force_login(staff(district, "bt-cang-long-tk"))
    assert other_commune.title not in offered_communes(client.get(URL))
    refused = client.post(URL, form(other_commune, email="ai@donghai.gov.vn"))
    assert refused.status_code == 400
    assert "Xã này không thuộc địa bàn của bạn" in messages_on(refused)
    assert not django_user_model.objects.filter(email="ai@donghai.gov.vn").exists() and not mail.outbox


@pytest.mark.django_db
def test_commune_staff_and_visitors_create_nothing(client, commune, django_user_model):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(staff(commune, "bt-an-truong-tk"))
    refused = client.post(URL, form(commune, email="ban@antruong.gov.vn"))
    assert refused.status_code == 403
    assert not django_user_model.objects.filter(email="ban@antruong.gov.vn").exists()


@pytest.mark.django_db
def test_a_province_official_offers_every_commune_of_the_province(client, province, other_commune):
    client.force_login(staff(province, "bt-tra-vinh-tk"))
    offered = offered_communes(client.get(URL))
    assert len(offered) == CommuneHomePage.objects.filter(path__startswith=province.path).count()
    assert "Xã Đông Hải" in offered and "Xã An Trường" in offered


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "minh.tran@antruong.gov.vn"}, "Đã có tài khoản dùng địa chỉ thư điện tử này"),
        ({"email": "MINH.TRAN@ANTRUONG.GOV.VN"}, "Đã có tài khoản dùng địa chỉ thư điện tử này"),
        ({"name": "Minh"}, "Nhập đủ họ và tên (ít nhất hai chữ)"),
        ({"name": "Trần Văn 2"}, "Họ và tên chỉ gồm chữ cái"),
        ({"name": ""}, "Nhập họ và tên."),
        ({"email": "khong-phai-thu"}, "Địa chỉ thư điện tử không hợp lệ."),
        ({"role": "quantri"}, "Vai trò không hợp lệ."),
    ],
)
def test_duplicates_and_bad_input_get_a_message_and_create_nothing(
    client, district, commune, django_user_model, fields, message
):
    django_user_model.objects.create_user("minh-cu", email="Minh.Tran@antruong.gov.vn")
    client.force_login(staff(district, "bt-cang-long-sai"))
    before = django_user_model.objects.count()
    response = client.post(URL, {**form(commune, email="moi@antruong.gov.vn"), **fields})
    assert response.status_code == 400
    assert message in messages_on(response)
    assert django_user_model.objects.count() == before and not mail.outbox


@pytest.mark.django_db
def test_usernames_are_folded_and_unique(
    client, district, commune, django_user_model, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_user("tran.minh")
    client.force_login(staff(district, "bt-cang-long-ten"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, form(commune, name="Trần Minh", email="Tran+Minh@antruong.gov.vn"))
    assert django_user_model.objects.filter(username="tran.minh2", last_name="Minh", first_name="Trần").exists()
    assert list(username_candidates("@x", "Đỗ Thị Ánh"))[:2] == ["do.thi.anh", "do.thi.anh2"]
    assert split_full_name("  Nguyễn   Thị  Minh  Khai ") == ("Nguyễn Thị Minh", "Khai")
    assert reverse(URL_NAME) == URL
