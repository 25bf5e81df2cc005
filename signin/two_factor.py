"""Two-factor sign-in to the admin: who must, the person's devices, their recovery codes.

**Who must** (`requires_two_factor`): superusers (they act for the whole province), and the staff
of a province or district (editors or moderators of an AreaPage, areas/scoping.py) who may
publish source information or emergency alerts there (Wagtail's page permission `publish` on
pages of the `sources` app inside their area) or manage its boards and loudspeaker clusters
(the permission policy registered for `boards.Board`); and the moderators of a department (sở,
ngành, phòng: areas.Department) who may publish in its section, since a Sở Y tế's alert goes to
the whole province. Decided from the permissions, by app label and codename, so this app imports
nothing above `areas`. Commune staff and departments' editors may turn it on.

**Devices** are django-otp's: one `TOTPDevice` per person, "Ứng dụng xác thực" (any TOTP app:
Google Authenticator, Microsoft Authenticator, FreeOTP …), and one `StaticDevice`, "Mã dự
phòng", holding RECOVERY_CODES one-time codes; a code verified is deleted. A device waits
unconfirmed until the person types a code from it (`confirm`), which also issues the recovery
codes, replaces any older app and marks the session verified (`django_otp.login`).

**Sessions.** django-otp's OTPMiddleware sets `request.user.is_verified()`; signin/middleware.py
keeps an unverified session with a device, or one that must enrol, out of the admin. Deleting a
person's devices (turning off, an administrator's reset) unverifies their sessions at once:
OTPMiddleware drops a session's device that no longer exists.
"""

import base64
import math
import re
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from areas.models import AreaPage
from areas.scoping import area_units, under, user_departments
from signin import lockout

# URL names of the views (signin/views.py, registered in signin/wagtail_hooks.py).
MANAGE_URL = "signin_manage"
VERIFY_URL = "signin_verify"
ENROL_URL = "signin_enrol"
CODES_URL = "signin_codes"
STAFF_URL = "signin_staff"
PERSON_URL = "signin_person"

APP_DEVICE_NAME = "Ứng dụng xác thực"
CODES_DEVICE_NAME = "Mã dự phòng"
RECOVERY_CODES = 10
SOURCES_APP = "sources"  # source information and emergency alerts are page types of this app
BOARD_MODEL = ("boards", "Board")  # boards and loudspeaker clusters

LOG_ON = "tincoso.two_factor_on"
LOG_CODES = "tincoso.two_factor_codes"
LOG_OFF = "tincoso.two_factor_off"
LOG_RESET = "tincoso.two_factor_reset"
LOG_UNLOCK = "tincoso.login_unlock"

_SEPARATORS = re.compile(r"[\s\-–.]+")
_TOTP = re.compile(r"^\d{6}$")
_RECOVERY = re.compile(r"^[a-z2-7]{8}$")


# --- Who must -----------------------------------------------------------------------------


def department_section_paths(user):
    """Tree paths of the sections of the user's active departments."""
    return [d.section.path for d in user_departments(user) if d.section_id]


def may_publish_sources(user, paths):
    """Whether the user may publish a page of the sources app (source information, alerts, their
    section) under one of the tree `paths`: Wagtail's page permission "publish" there."""
    if not paths:
        return False
    pages = PagePermissionPolicy().instances_user_has_permission_for(user, "publish")
    return pages.filter(content_type__app_label=SOURCES_APP).filter(under("path", paths)).exists()


def may_manage_boards(user):
    """Whether the policy the boards app registered for its boards lets the user change some."""
    try:
        model = apps.get_model(*BOARD_MODEL)
    except LookupError:  # boards not installed
        return False
    hooks.search_for_hooks()  # the app's wagtail_hooks register its policy; before, a fallback would answer
    return policy_registry.get_by_type(model).user_has_permission(user, "change")


def requires_two_factor(user):
    """True for the people who must sign in with a second factor (module doc)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    areas = area_units(user)
    if areas and (may_manage_boards(user) or may_publish_sources(user, [a.path for a in areas])):
        return True
    return may_publish_sources(user, department_section_paths(user))


def requirement_reason(user):
    """Why the user must: shown on the enrolment page, in Vietnamese."""
    if user.is_superuser:
        return (
            "Tài khoản của bạn là tài khoản quản trị, có mọi quyền trên toàn tỉnh, nên phải bật xác thực hai bước "
            "trước khi dùng trang quản trị."
        )
    units = area_units(user)
    if not units:  # a department's moderator only
        names = ", ".join(d.full_name for d in user_departments(user))
        return (
            f"Tài khoản của bạn là kiểm duyệt viên của {names}, có quyền phát hành thông tin nguồn và cảnh báo khẩn "
            "cấp tới các xã trong địa bàn, nên phải bật xác thực hai bước trước khi dùng trang quản trị. Chỉ có mật "
            "khẩu, người lấy được mật khẩu của bạn có thể phát cảnh báo ra toàn địa bàn."
        )
    names = ", ".join([unit.title for unit in units] + [d.full_name for d in user_departments(user)])
    return (
        f"Tài khoản của bạn là cán bộ {names}, có quyền gửi thông tin nguồn, cảnh báo khẩn cấp hoặc quản lý bảng "
        "điện tử, loa của địa bàn, nên phải bật xác thực hai bước trước khi dùng trang quản trị. Chỉ có mật khẩu, "
        "người lấy được mật khẩu của bạn có thể phát cảnh báo ra toàn địa bàn."
    )


# --- Devices ------------------------------------------------------------------------------


def app_device(user):
    """The person's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_two_factor(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def codes_device(user):
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_device(user):
    """The app being set up: the same one while the person has not confirmed it, so reloading the
    page shows the QR code they may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret(device):
    """The key as the apps type it by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def issuer():
    return getattr(settings, "WAGTAIL_SITE_NAME", "") or "tincoso"


def otpauth_url(device, username):
    """otpauth://totp/<issuer>:<username>?secret=…&issuer=…: what the QR code holds (Key URI
    Format; the apps show the issuer and the username)."""
    name = issuer().replace(":", "")
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    query = urlencode({"secret": key, "algorithm": "SHA1", "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{quote(name + ':' + username)}?{query}&issuer={quote(name)}"


def qr_svg(text):
    """An inline SVG QR code (no XML declaration): drawn on the server, nothing fetched."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode").split("?>", 1)[-1].strip()


def normalise(token):
    """'123 456' → '123456'; 'ABCD-EFGH' → 'abcdefgh'."""
    return _SEPARATORS.sub("", token or "").lower()


def token_kind(token):
    """'app', 'recovery' or None (neither form) for a normalised token."""
    if _TOTP.match(token):
        return "app"
    if _RECOVERY.match(token):
        return "recovery"
    return None


def _wait(device):
    """Seconds before `device` accepts another try: django-otp's back-off after wrong codes
    (1, 2, 4 … s), 0 when it does."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def verify(user, token):
    """(device, 0) for the device that accepts `token` (a 6-digit code of the app, or a
    recovery code, then used up); (None, seconds) while the devices of that kind wait after
    wrong codes; (None, 0) for a wrong code. Devices are locked for the check."""
    token = normalise(token)
    model = {"app": TOTPDevice, "recovery": StaticDevice}.get(token_kind(token))
    if model is None:
        return None, 0
    wait = 0
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            device_wait = _wait(device)
            if device_wait:
                wait = max(wait, device_wait)
            elif device.verify_token(token):
                return device, 0
    return None, wait


def verify_pending(device, token):
    """(True, 0), (False, seconds to wait) or (False, 0) for a code from the app being set up."""
    wait = _wait(device)
    if wait:
        return False, wait
    return device.verify_token(normalise(token)), 0


def _new_codes(user):
    """Fresh recovery codes: the old ones stop working. Returns them as shown (abcd-efgh)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=CODES_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [shown(code) for code in codes]


def shown(code):
    return f"{code[:4]}-{code[4:]}"


def _logged(user):
    """The user itself for Wagtail's audit log, which finds its log model by the instance's type:
    request.user is wrapped in lazy objects (Django's, then django-otp's)."""
    return get_user_model().objects.get(pk=user.pk)


def confirm(request, device):
    """The pending app confirmed: older apps removed, new recovery codes (returned), the session
    verified, the audit log told."""
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.name = APP_DEVICE_NAME
        device.save()
        codes = _new_codes(user)
        log(instance=_logged(user), action=LOG_ON, user=_logged(user), data={"username": user.get_username()})
    otp_login(request, device)
    return codes


def new_recovery_codes(user):
    with transaction.atomic():
        codes = _new_codes(user)
        log(instance=_logged(user), action=LOG_CODES, user=_logged(user), data={"username": user.get_username()})
    return codes


def remove_devices(user):
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def turn_off(user):
    with transaction.atomic():
        remove_devices(user)
        log(instance=_logged(user), action=LOG_OFF, user=_logged(user), data={"username": user.get_username()})


def reset(target, by):
    """An administrator's reset of another person's second factor (a lost phone): their app and
    recovery codes are gone, their sessions no longer verified; one who must enrols again at
    their next page. `by` is None for `manage.py two_factor_reset`."""
    with transaction.atomic():
        remove_devices(target)
        log(
            instance=target,
            action=LOG_RESET,
            user=by,
            data={"username": target.get_username(), "name": " ".join(target.get_full_name().split())},
        )


# --- Who may reset whom -------------------------------------------------------------------


def province_units(user):
    return [unit for unit in area_units(user) if unit.level == "province"]


def may_reset_others(user):
    """Superusers, and the staff of a province (for the people of their province)."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and (user.is_superuser or province_units(user))
    )


def people_in_scope(user):
    """The accounts whose second factor `user` may reset: anyone else for a superuser; for a
    province's staff, the non-superusers in a unit group inside their province."""
    from django.db.models import Q

    from areas.models import CommuneHomePage

    people = get_user_model().objects.exclude(pk=user.pk).order_by("username")
    if not may_reset_others(user):
        return people.none()
    if user.is_superuser:
        return people
    paths = [unit.path for unit in province_units(user)]
    group_ids = set()
    for model in (AreaPage, CommuneHomePage):
        for editors, moderators in model.objects.filter(under("path", paths)).values_list(
            "editors_group_id", "moderators_group_id"
        ):
            group_ids |= {g for g in (editors, moderators) if g}
    return people.filter(Q(groups__in=group_ids), is_superuser=False).distinct()


# --- Signals ------------------------------------------------------------------------------


def connect_signals():
    """A password sign-in of someone without a second factor is a whole sign-in: their earlier
    failures (django-axes) are forgotten, as after a code (signin/views.py)."""
    user_logged_in.connect(_signed_in, dispatch_uid="signin.signed_in")


def _signed_in(sender, request, user, **kwargs):
    if request is not None and not has_two_factor(user):
        lockout.forget_failures(request, user.get_username())
