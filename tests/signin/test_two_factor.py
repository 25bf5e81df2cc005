"""Two-factor sign-in to the admin (signin/): who must, enrolment with a real TOTP computed from
the key the page shows, codes and recovery codes at sign-in, the admin closed until then, the
lockout after wrong passwords or codes (django-axes) with its Vietnamese page, an administrator's
reset and unlock in the audit log. Sign-ins go through the real pages, password then code
(tests/conftest.py makes `force_login` verified; these tests log in by password instead)."""

import base64
import re
import time
from urllib.parse import unquote, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from signin import lockout
from signin.two_factor import LOG_OFF, LOG_ON, LOG_RESET, LOG_UNLOCK, requirement_reason, requires_two_factor
from sources.models import EmergencyAlertPage
from tests.factories import section_of

PASSWORD = "Mat-khau-hai-buoc-2026"
LOGIN = "/admin/login/"
ENROL = "/admin/xac-thuc-hai-buoc/bat/"
VERIFY = "/admin/xac-thuc-hai-buoc/ma/"
CODES = "/admin/xac-thuc-hai-buoc/ma-du-phong/"
MANAGE = "/admin/xac-thuc-hai-buoc/"
STAFF = "/admin/xac-thuc-hai-buoc/can-bo/"


def person(username, *groups, superuser=False):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@tra-vinh.gov.vn", password=PASSWORD, first_name="Trần Văn", last_name="Minh"
    )
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    user.groups.add(*groups)
    return user


def sign_in(client, user, password=PASSWORD, **extra):
    """The login form, as a browser posts it; the response (not followed)."""
    return client.post(LOGIN, {"username": user.get_username(), "password": password, "next": "/admin/"}, **extra)


def html(response):
    return response.content.decode()


def text(response):
    """The page's text, tags dropped and spaces joined: what a person reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def code_at(secret, offset=0):
    """The 6 digits an authenticator app shows for the base32 key, `offset` steps of 30 s away."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * offset
    return f"{totp.token():06d}"


def secret_on(page):
    found = re.search(r'data-totp-secret="([A-Z2-7]+)"', html(page))
    assert found, "the enrolment page carries the key"
    return found.group(1)


def enrol(client):
    """Through the pages: the QR page, its key typed into an 'app', the code, the recovery codes."""
    page = client.get(ENROL)
    assert page.status_code == 200 and "<svg" in html(page)
    secret = secret_on(page)
    done = client.post(ENROL, {"otp_token": code_at(secret), "next": "/admin/"})
    assert done.status_code == 302 and done.url.startswith(CODES), text(done)
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", html(client.get(done.url)))
    assert len(codes) == 10
    return secret, codes


@pytest.fixture
def official(province):
    """A province moderator: publishes the province's source information and alerts."""
    return person("kd-tinh-canh-bao", province.moderators_group)


@pytest.fixture
def editor(commune):
    return person("bt-an-truong-2fa", commune.editors_group)


# --- Who must --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_who_must_use_two_factors(province, district, commune):
    assert requires_two_factor(person("qt", superuser=True))  # superusers count as province level
    assert requires_two_factor(person("kd-tinh", province.moderators_group))  # publishes alerts
    assert requires_two_factor(person("bt-tinh", province.editors_group))  # manages the province's boards
    assert requires_two_factor(person("kd-huyen", district.moderators_group))
    assert requires_two_factor(person("bt-huyen", district.editors_group))
    assert not requires_two_factor(person("bt-xa", commune.editors_group))
    assert not requires_two_factor(person("kd-xa", commune.moderators_group))
    assert not requires_two_factor(person("khong-nhom"))
    both = person("ca-hai", commune.editors_group, district.editors_group)
    assert requires_two_factor(both)
    gone = person("nghi-viec", superuser=True)
    gone.is_active = False
    assert not requires_two_factor(gone)


@pytest.mark.django_db
def test_a_departments_moderators_must_its_editors_need_not(province):
    """A Sở's moderators publish alerts to the whole province from their section: a password alone
    would let whoever took it do that. Its editors only submit for approval."""
    from areas.departments import provision_department
    from areas.models import Department

    health = Department.objects.create(area=province, name="Sở Y tế", code="so-y-te-2fa")
    provision_department(health)
    health.refresh_from_db()
    moderator = person("kd-so-y-te", health.moderators_group)
    assert requires_two_factor(moderator)
    reason = requirement_reason(moderator)
    assert "kiểm duyệt viên của Sở Y tế" in reason and "bảng" not in reason  # a Sở manages no boards
    assert not requires_two_factor(person("bt-so-y-te", health.editors_group))
    health.is_active = False
    health.save()
    assert not requires_two_factor(get_user_model().objects.get(pk=moderator.pk))  # a stopped Sở publishes nothing


# --- Enrolment and sign-in ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_official_is_kept_out_until_enrolled_then_signs_in_with_codes(client, official, province):
    section = section_of(province)
    add_alert = f"/admin/pages/add/sources/emergencyalertpage/{section.pk}/"

    # The password alone: every admin page sends to enrolment, with the reason.
    signed = sign_in(client, official)
    assert signed.status_code == 302 and signed.url == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 302 and home.url == f"{ENROL}?next=%2Fadmin%2F"
    page = client.get(home.url)
    assert page.status_code == 200
    assert "Tài khoản của bạn là cán bộ Tỉnh Trà Vinh, có quyền gửi thông tin nguồn, cảnh báo khẩn cấp" in text(page)
    assert "Google Authenticator, Microsoft Authenticator, FreeOTP" in text(page)
    for path in ("/admin/pages/", add_alert, "/admin/xac-thuc-hai-buoc/", "/admin/account/"):
        refused = client.get(path)
        assert refused.status_code == 302 and urlsplit(refused.url).path == ENROL, path
    # Sending an alert is refused before the view runs; a script's request gets JSON.
    before = EmergencyAlertPage.objects.count()
    posted = client.post(add_alert, {"title": "Lũ quét", "event": "Lũ quét", "action-publish": "publish"})
    assert posted.status_code == 302 and urlsplit(posted.url).path == ENROL
    assert EmergencyAlertPage.objects.count() == before
    api = client.get("/admin/pages/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"
    assert "xác thực hai bước" in api.json()["error"]["message"]
    # Open meanwhile: the public site, the JavaScript catalogue, logging out.
    assert client.get("/", HTTP_HOST="tra-vinh.localhost").status_code == 200
    assert client.get("/admin/jsi18n/").status_code == 200

    # Enrolment: a wrong code is refused, the right one (computed from the page's key) accepted.
    page = client.get(ENROL)
    secret = secret_on(page)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in text(page)  # typed by hand
    otpauth = re.search(r'href="(otpauth://totp/[^"]+)"', html(page)).group(1).replace("&amp;", "&")
    assert unquote(otpauth).startswith("otpauth://totp/Thông tin cơ sở:kd-tinh-canh-bao?secret=" + secret)
    wrong = client.post(ENROL, {"otp_token": "000000" if code_at(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Mã không đúng" in text(wrong)
    assert not TOTPDevice.objects.filter(user=official, confirmed=True).exists()
    waiting = client.post(ENROL, {"otp_token": code_at(secret)})  # within the back-off after a wrong code
    assert waiting.status_code == 400 and "hãy đợi 1 giây rồi nhập lại" in text(waiting)
    time.sleep(1.1)
    done = client.post(ENROL, {"otp_token": code_at(secret), "next": add_alert})
    assert done.status_code == 302 and urlsplit(done.url).path == CODES
    shown = client.get(done.url)
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", html(shown))
    assert len(codes) == 10 == len(set(codes))
    assert "chỉ hiện một lần" in text(shown) and 'download="ma-du-phong-kd-tinh-canh-bao.txt"' in html(shown)
    assert "data:text/plain;charset=utf-8," in html(shown)
    assert f'href="{add_alert}"' in html(shown)  # "Tôi đã lưu mã, tiếp tục" goes where they were going
    again = client.get(CODES)
    assert not re.findall(r"<code>[a-z2-7]{4}-[a-z2-7]{4}</code>", html(again))  # shown once
    assert "còn 10 mã chưa dùng" in text(again)
    assert client.get(add_alert).status_code == 200  # now the admin is open
    assert ModelLogEntry.objects.filter(action=LOG_ON, object_id=str(official.pk)).count() == 1

    # Next sign-in: a code from the app …
    client.post("/admin/logout/")
    assert sign_in(client, official).status_code == 302
    asked = client.get("/admin/pages/")
    assert asked.status_code == 302 and asked.url == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"
    assert client.get(ENROL).url.startswith(VERIFY)  # a half-signed-in session cannot swap the app
    form = client.get(asked.url)
    assert "Mã xác thực hoặc mã dự phòng" in text(form)
    verified = client.post(VERIFY, {"otp_token": code_at(secret, offset=1), "next": "/admin/pages/"})
    assert verified.status_code == 302 and verified.url == "/admin/pages/"
    assert client.get("/admin/").status_code == 200

    # … or a recovery code, used up once used.
    client.post("/admin/logout/")
    sign_in(client, official)
    used = client.post(VERIFY, {"otp_token": codes[0].upper(), "next": "/admin/"}, follow=True)
    assert used.status_code == 200 and used.redirect_chain[-1][0] == "/admin/"
    assert "Bạn vừa dùng một mã dự phòng, mã đó không dùng lại được; còn 9 mã" in text(used)
    client.post("/admin/logout/")
    sign_in(client, official)
    spent = client.post(VERIFY, {"otp_token": codes[0], "next": "/admin/"})
    assert spent.status_code == 400 and "Mã không đúng hoặc đã dùng rồi. Còn 4 lần thử" in text(spent)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_a_commune_editor_is_not_forced_and_may_turn_it_on_and_off(client, editor):
    assert sign_in(client, editor).status_code == 302
    assert client.get("/admin/").status_code == 200
    manage = client.get(MANAGE)
    assert manage.status_code == 200 and "Chưa bật." in text(manage)
    account = client.get("/admin/account/")
    assert "Xác thực hai bước" in text(account) and MANAGE in html(account)

    enrol(client)
    manage = client.get(MANAGE)
    assert "Đang bật" in text(manage) and "Còn 10 mã dự phòng" in text(manage)
    # Turning off asks for the password or a current code.
    refused = client.post(MANAGE, {"action": "off", "confirm": "sai-mat-khau"})
    assert refused.status_code == 400 and "Mật khẩu hoặc mã không đúng" in text(refused)
    assert TOTPDevice.objects.filter(user=editor).exists()
    off = client.post(MANAGE, {"action": "off", "confirm": PASSWORD}, follow=True)
    assert "Đã tắt xác thực hai bước" in text(off)
    assert not TOTPDevice.objects.filter(user=editor).exists() and not StaticToken.objects.exists()
    assert ModelLogEntry.objects.filter(action=LOG_OFF, object_id=str(editor.pk)).exists()
    client.post("/admin/logout/")
    assert sign_in(client, editor).status_code == 302
    assert client.get("/admin/").status_code == 200  # the password is enough again


@pytest.mark.django_db
def test_new_recovery_codes_need_a_current_code_and_those_who_must_cannot_turn_off(client, official):
    sign_in(client, official)
    secret, old = enrol(client)
    manage = client.get(MANAGE)
    assert "bắt buộc dùng xác thực hai bước và không tắt được" in text(manage)
    assert 'value="off"' not in html(manage)
    kept = client.post(MANAGE, {"action": "off", "confirm": PASSWORD})
    assert kept.status_code == 400 and "không tắt được" in text(kept)
    assert TOTPDevice.objects.filter(user=official, confirmed=True).exists()
    fresh = client.post(MANAGE, {"action": "codes", "confirm": code_at(secret, offset=1)})
    assert fresh.status_code == 302 and urlsplit(fresh.url).path == CODES
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", html(client.get(fresh.url)))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/admin/logout/")
    sign_in(client, official)
    assert client.post(VERIFY, {"otp_token": old[1]}).status_code == 400  # the old codes stopped working


# --- Brute force -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_lock_the_username_from_that_address(client, editor, settings):
    for attempt in range(1, 5):
        wrong = sign_in(client, editor, password=f"sai-{attempt}")
        assert wrong.status_code == 200  # Wagtail's own "did not match"
    locked = sign_in(client, editor, password="sai-5")
    assert locked.status_code == 429
    page = text(locked)
    assert "Tài khoản “bt-an-truong-2fa” đang tạm khoá vì nhập sai mật khẩu hoặc mã xác thực 5 lần liên tiếp" in page
    assert re.search(r"Hãy thử lại sau \d\d:\d\d \(khoảng 15 phút nữa\)", page)
    assert "Đăng nhập" in page and 'name="password"' in html(locked)  # the login page itself
    # The right password does not open it meanwhile, and the lockout does not move.
    until = lockout.locked_until(_request(), editor.get_username())
    still = sign_in(client, editor)
    assert still.status_code == 429 and client.get("/admin/").status_code == 302
    assert lockout.locked_until(_request(), editor.get_username()) == until
    # Another address is not locked (username and address together).
    assert sign_in(Client(), editor, REMOTE_ADDR="10.0.0.7").status_code == 302
    # An administrator unlocks it; logged.
    admin = person("quan-tri", superuser=True)
    desk = Client()
    desk.force_login(admin)
    row = desk.get(f"{STAFF}?q=bt-an-truong")
    assert "Tạm khoá đến" in text(row)
    unlocked = desk.post(f"{STAFF}{editor.pk}/", {"action": "unlock"}, follow=True)
    assert "Đã mở khoá đăng nhập của “bt-an-truong-2fa”" in text(unlocked)
    assert ModelLogEntry.objects.filter(action=LOG_UNLOCK, object_id=str(editor.pk), user=admin).exists()
    assert sign_in(client, editor).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_too_and_end_the_half_signed_in_session(client, official, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off aside: axes' count is tested here
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    sign_in(client, official)
    secret, _codes = enrol(client)
    client.post("/admin/logout/")
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    sign_in(client, official, password="sai")  # one wrong password …
    sign_in(client, official)
    for left in (3, 2, 1):  # … and wrong codes count together
        refused = client.post(VERIFY, {"otp_token": wrong})
        assert refused.status_code == 400
        assert f"Còn {left} lần thử; sai tiếp, tài khoản sẽ bị tạm khoá 15 phút" in text(refused)
    locked = client.post(VERIFY, {"otp_token": wrong})
    assert locked.status_code == 429
    assert "đang tạm khoá vì nhập sai mật khẩu hoặc mã xác thực 5 lần liên tiếp" in text(locked)
    assert client.get("/admin/").url.startswith(LOGIN)  # signed out
    # Even the right password and code wait for the lockout to end.
    assert sign_in(client, official).status_code == 429
    assert AccessAttempt.objects.get(username=official.get_username()).failures_since_start == 5


@pytest.mark.django_db
def test_the_address_comes_from_x_forwarded_for_only_when_trusted(settings):
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4", REMOTE_ADDR="127.0.0.1")
    settings.TRUST_X_FORWARDED_FOR = False
    assert lockout.client_ip(request) == "127.0.0.1"
    settings.TRUST_X_FORWARDED_FOR = True
    # The address nginx appended; the ones to its left are whatever the client sent.
    assert lockout.client_ip(request) == "198.51.100.4"
    assert lockout.client_ip(_request(REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def _request(**meta):
    return RequestFactory().get("/admin/login/", **meta)


# --- Administrators ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_resets_a_lost_phone_and_the_log_says_so(client, official, province, commune):
    sign_in(client, official)
    enrol(client)
    assert client.get("/admin/").status_code == 200
    admin = person("quan-tri-tinh", superuser=True)
    desk = Client()
    desk.force_login(admin)
    listed = desk.get(f"{STAFF}?q=kd-tinh")
    assert listed.status_code == 200 and "Đang bật, còn 10 mã dự phòng" in text(listed)
    page = desk.get(f"{STAFF}{official.pk}/")
    assert "Đặt lại xác thực hai bước" in text(page) and "(bắt buộc với tài khoản này)" in text(page)
    done = desk.post(f"{STAFF}{official.pk}/", {"action": "reset"}, follow=True)
    assert "Đã đặt lại xác thực hai bước của “kd-tinh-canh-bao”" in text(done)
    assert not TOTPDevice.objects.filter(user=official).exists()
    entry = ModelLogEntry.objects.get(action=LOG_RESET, object_id=str(official.pk))
    assert entry.user == admin and entry.data["username"] == "kd-tinh-canh-bao"
    assert "Đặt lại xác thực hai bước của “kd-tinh-canh-bao”" in entry.message
    # The official's open session is no longer verified: on to enrolment with a new phone.
    again = client.get("/admin/")
    assert again.status_code == 302 and urlsplit(again.url).path == ENROL

    # A province's staff reset the people of their province, not a superuser; a commune's none.
    chief = person("kd-tinh-2", province.moderators_group)
    desk.force_login(chief)
    assert desk.get(f"{STAFF}{official.pk}/").status_code == 200
    assert desk.get(f"{STAFF}{admin.pk}/").status_code == 404
    desk.force_login(person("bt-xa-khac", commune.editors_group))
    forbidden = desk.get(STAFF)
    assert forbidden.status_code == 403 and "Chỉ quản trị viên và cán bộ của tỉnh" in text(forbidden)


@pytest.mark.django_db
def test_the_reset_command_for_when_no_administrator_can_sign_in(client, official):
    sign_in(client, official)
    enrol(client)
    from io import StringIO

    out = StringIO()
    call_command("two_factor_reset", official.get_username(), stdout=out)
    assert "Đã đặt lại xác thực hai bước của “kd-tinh-canh-bao”. Lần đăng nhập tới, người đó phải bật lại." in (
        out.getvalue()
    )
    assert ModelLogEntry.objects.get(action=LOG_RESET, object_id=str(official.pk)).user is None
    with pytest.raises(Exception, match="Không có tài khoản “ai-do”"):
        call_command("two_factor_reset", "ai-do")
