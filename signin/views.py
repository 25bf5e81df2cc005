"""The admin's pages of the second factor (signin/two_factor.py), under /admin/xac-thuc-hai-buoc/.

Pages of a sign-in in progress, laid out like Wagtail's login page (no sidebar: the rest of the
admin is closed until they are done, signin/middleware.py):

- "ma/" (VerifyView): after the password, a 6-digit code of the app or a recovery code. Wrong
  codes count with wrong passwords towards the lockout (signin/lockout.py) and each wait
  django-otp's back-off (1, 2, 4 … s); the page says how many tries are left.
- "bat/" (EnrolView): the QR code (an inline SVG drawn here) and the key to type by hand; the
  first code from the app confirms it. Open to a session without an app, or a verified one (a
  new phone); never to a half-signed-in session, which could otherwise swap the app.
- "ma-du-phong/" (CodesView): the new recovery codes, shown once, to download or print.

Pages of the admin:

- "" (ManageView): the state, new recovery codes, turning off (not for those who must); both
  ask for the password or a current code.
- "can-bo/" and "can-bo/<id>/" (StaffView, PersonView): for superusers and a province's staff,
  the people of their scope, their state, a reset of the second factor (a lost phone) and the
  lifting of a login lockout, both written in Wagtail's audit log.
"""

from urllib.parse import quote, urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from signin import lockout
from signin.forms import CodeForm, ConfirmForm
from signin.two_factor import (
    CODES_URL,
    LOG_UNLOCK,
    MANAGE_URL,
    PERSON_URL,
    STAFF_URL,
    VERIFY_URL,
    app_device,
    confirm,
    has_two_factor,
    issuer,
    may_reset_others,
    new_recovery_codes,
    otpauth_url,
    pending_device,
    people_in_scope,
    qr_svg,
    recovery_codes_left,
    requirement_reason,
    requires_two_factor,
    reset,
    secret,
    token_kind,
    turn_off,
    verify,
    verify_pending,
)

TITLE = "Xác thực hai bước"
STAFF_TITLE = "Xác thực hai bước của cán bộ"
SESSION_CODES = "signin_new_codes"
NO_RIGHT = "Chỉ quản trị viên và cán bộ của tỉnh đặt lại được xác thực hai bước của người khác."


def _next_url(request, default=None):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("wagtailadmin_home")


def _with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _wrong_code(request, user):
    """A wrong code on a sign-in page: counted (signin/lockout.py); the message says what is left."""
    left = lockout.record_failure(request, user.get_username())
    if left <= 0:
        return "Mã không đúng."  # locked now: axes' middleware answers with the lockout page
    return f"Mã không đúng hoặc đã dùng rồi. Còn {left} lần thử; sai tiếp, tài khoản sẽ bị tạm khoá {_minutes()} phút."


def _wait_message(seconds):
    return f"Vừa có mã sai: hãy đợi {seconds} giây rồi nhập lại."


# --- Pages of a sign-in in progress ---------------------------------------------------------


class VerifyView(View):
    template_name = "signin/verify.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_verified() or not has_two_factor(user):
            return redirect(_next_url(request))
        if lockout.is_locked(request, user.get_username()):
            return lockout.lockout_response(request, None, {"username": user.get_username()})
        return super().dispatch(request, *args, **kwargs)

    def show(self, request, form, status=200):
        context = {"form": form, "next": _next_url(request), "page_title": TITLE}
        return TemplateResponse(request, self.template_name, context, status=status)

    def get(self, request):
        return self.show(request, CodeForm())

    def post(self, request):
        user = request.user
        form = CodeForm(request.POST)
        if form.is_valid():
            device, wait = verify(user, form.cleaned_data["otp_token"])
            if device is not None:
                otp_login(request, device)
                lockout.forget_failures(request, user.get_username())
                if isinstance(device, StaticDevice):
                    left = recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"Bạn vừa dùng một mã dự phòng, mã đó không dùng lại được; còn {left} mã. "
                        "Tìm lại điện thoại hoặc vào Tài khoản → Xác thực hai bước để tạo mã mới.",
                    )
                return redirect(_next_url(request))
            form.add_error("otp_token", _wait_message(wait) if wait else _wrong_code(request, user))
        return self.show(request, form, status=400)


class EnrolView(View):
    template_name = "signin/enrol.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if has_two_factor(user) and not user.is_verified():
            return redirect(_with_next(VERIFY_URL, _next_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def show(self, request, form, status=200):
        user = request.user
        device = pending_device(user)
        url = otpauth_url(device, user.get_username())
        must = requires_two_factor(user) and not has_two_factor(user)
        context = {
            "form": form,
            "next": _next_url(request),
            "page_title": TITLE,
            "qr_svg": mark_safe(qr_svg(url)),  # drawn here from our own data
            "otpauth_url": url,
            "secret": secret(device),
            "secret_plain": secret(device).replace(" ", ""),
            "issuer": issuer(),
            "username": user.get_username(),
            "reason": requirement_reason(user) if must else "",
            "replacing": has_two_factor(user),
        }
        return TemplateResponse(request, self.template_name, context, status=status)

    def get(self, request):
        return self.show(request, CodeForm(recovery=False))

    def post(self, request):
        user = request.user
        form = CodeForm(request.POST, recovery=False)
        if form.is_valid():
            device = pending_device(user)
            ok, wait = verify_pending(device, form.cleaned_data["otp_token"])
            if ok:
                request.session[SESSION_CODES] = confirm(request, device)
                lockout.forget_failures(request, user.get_username())
                return redirect(_with_next(CODES_URL, _next_url(request)))
            form.add_error(
                "otp_token",
                _wait_message(wait)
                if wait
                else "Mã không đúng. Hãy nhập mã đang hiện trong ứng dụng (mỗi mã đổi sau 30 giây); nếu vẫn sai, "
                "kiểm tra giờ của điện thoại đã đặt tự động theo mạng chưa.",
            )
        return self.show(request, form, status=400)


class CodesView(View):
    template_name = "signin/codes.html"

    def get(self, request):
        user = request.user
        if not has_two_factor(user):
            return redirect(MANAGE_URL)
        codes = request.session.pop(SESSION_CODES, None)
        text = ""
        if codes:
            text = (
                f"Mã dự phòng – {issuer()} – tài khoản {user.get_username()}\n"
                f"Tạo lúc {timezone.localtime():%H:%M %d/%m/%Y}. Mỗi mã chỉ dùng được một lần.\n\n"
                + "\n".join(codes)
                + "\n"
            )
        context = {
            "page_title": "Mã dự phòng",
            "codes": codes,
            "download_href": "data:text/plain;charset=utf-8," + quote(text) if text else "",
            "download_name": f"ma-du-phong-{user.get_username()}.txt",
            "left": recovery_codes_left(user),
            "next": _next_url(request, reverse(MANAGE_URL)),
        }
        return TemplateResponse(request, self.template_name, context)


# --- The person's own page ------------------------------------------------------------------


class ManageView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "signin/manage.html"
    page_title = TITLE
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return (
            self.breadcrumbs_items
            + [{"url": reverse("wagtailadmin_account"), "label": "Tài khoản"}]
            + [{"url": "", "label": TITLE}]
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        device = app_device(user)
        context.update(
            {
                "on": device is not None,
                "device": device,
                "left": recovery_codes_left(user) if device else 0,
                "required": requires_two_factor(user),
                "codes_form": self.form_for("codes", form),
                "off_form": self.form_for("off", form),
            }
        )
        return context

    @staticmethod
    def form_for(action, posted):
        """The page's two forms (ids apart); the one just posted keeps its errors."""
        if posted is not None and posted.data.get("action") == action:
            return posted
        return ConfirmForm(initial={"action": action}, auto_id=f"{action}_%s")

    def post(self, request):
        user = request.user
        action = "off" if request.POST.get("action") == "off" else "codes"
        form = ConfirmForm(request.POST, auto_id=f"{action}_%s")
        if not has_two_factor(user):
            return redirect(MANAGE_URL)
        if form.is_valid():
            action = form.cleaned_data["action"]
            if action == "off" and requires_two_factor(user):
                form.add_error(None, "Tài khoản của bạn phải dùng xác thực hai bước, không tắt được.")
            elif lockout.is_locked(request, user.get_username()):
                return lockout.lockout_response(request, None, {"username": user.get_username()})
            elif self.confirmed(request, form):
                if action == "codes":
                    request.session[SESSION_CODES] = new_recovery_codes(user)
                    return redirect(_with_next(CODES_URL, reverse(MANAGE_URL)))
                turn_off(user)
                messages.success(request, "Đã tắt xác thực hai bước. Từ nay đăng nhập chỉ cần mật khẩu.")
                return redirect(MANAGE_URL)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def confirmed(self, request, form):
        user, value = request.user, form.cleaned_data["confirm"]
        if user.check_password(value):
            return True
        if token_kind(value.strip().replace(" ", "").replace("-", "").lower()):
            device, wait = verify(user, value)
            if device is not None:
                return True
            if wait:
                form.add_error("confirm", _wait_message(wait))
                return False
        left = lockout.record_failure(request, user.get_username())
        form.add_error("confirm", f"Mật khẩu hoặc mã không đúng. Còn {left} lần thử.")
        return False


# --- Administrators: other people's second factor --------------------------------------------


class _AdministratorView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if not may_reset_others(request.user):
            context = {"page_title": STAFF_TITLE, "header_title": STAFF_TITLE, "message": NO_RIGHT}
            return TemplateResponse(request, "signin/forbidden.html", context, status=403)
        return super().dispatch(request, *args, **kwargs)


def _lockouts(usernames):
    """{username: (failures, locked until)} of those locked out now from some address."""
    cool_off = get_cool_off()
    limit = settings.AXES_FAILURE_LIMIT
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=timezone.now() - cool_off)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    found = {}
    for row in rows:
        if row["failures"] >= limit:
            until = row["last"] + cool_off
            failures, known = found.get(row["username"], (0, until))
            found[row["username"]] = (failures + row["failures"], max(until, known))
    return found


class StaffView(_AdministratorView):
    template_name = "signin/staff.html"
    page_title = STAFF_TITLE

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": STAFF_TITLE}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        people = people_in_scope(self.request.user)
        if query:
            people = people.filter(
                Q(username__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(email__icontains=query)
            )
        page = Paginator(people, 50).get_page(self.request.GET.get("p"))
        ids = [person.pk for person in page]
        on = set(TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True))
        codes = dict(
            StaticToken.objects.filter(device__user_id__in=ids, device__confirmed=True)
            .values_list("device__user_id")
            .annotate(n=Count("pk"))
        )
        locked = _lockouts([person.get_username() for person in page])
        rows = [
            {
                "person": person,
                "name": " ".join(person.get_full_name().split()),
                "on": person.pk in on,
                "codes": codes.get(person.pk, 0),
                "locked_until": locked[person.get_username()][1] if person.get_username() in locked else None,
                "url": reverse(PERSON_URL, args=[person.pk]),
            }
            for person in page
        ]
        context.update({"rows": rows, "paginated": page, "query": query})
        return context


class PersonView(_AdministratorView):
    template_name = "signin/person.html"

    def dispatch(self, request, *args, **kwargs):
        if may_reset_others(request.user):
            self.person = get_object_or_404(people_in_scope(request.user), pk=kwargs["pk"])
            self.page_title = f"{STAFF_TITLE}: {self.person.get_username()}"
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(STAFF_URL), "label": STAFF_TITLE},
            {"url": "", "label": self.person.get_username()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.person
        locked = _lockouts([person.get_username()]).get(person.get_username())
        context.update(
            {
                "person": person,
                "name": " ".join(person.get_full_name().split()),
                "device": app_device(person),
                "codes": recovery_codes_left(person),
                "required": requires_two_factor(person),
                "locked_until": locked[1] if locked else None,
            }
        )
        return context

    def post(self, request, pk):
        person, action = self.person, request.POST.get("action")
        if action == "reset":
            reset(person, by=request.user)
            messages.success(
                request,
                f"Đã đặt lại xác thực hai bước của “{person.get_username()}”. Ứng dụng và mã dự phòng cũ không "
                "còn dùng được; lần đăng nhập tới, người đó bật lại với điện thoại mới.",
            )
        elif action == "unlock":
            AxesProxyHandler.reset_attempts(username=person.get_username())
            log(instance=person, action=LOG_UNLOCK, user=request.user, data={"username": person.get_username()})
            messages.success(request, f"Đã mở khoá đăng nhập của “{person.get_username()}”.")
        else:
            return TemplateResponse(
                request,
                "signin/forbidden.html",
                {"page_title": STAFF_TITLE, "header_title": STAFF_TITLE, "message": "Thao tác không hợp lệ."},
                status=400,
            )
        return redirect(reverse(PERSON_URL, args=[person.pk]))
