"""Brute-force protection of the admin's sign-in, with django-axes (settings "Sign-in").

Failures are counted per username and client address (AXES_LOCKOUT_PARAMETERS): wrong passwords
on the login page (axes' authentication backend and its `user_login_failed` receiver) and wrong
codes on the second-factor page (`record_failure`) count together. At LOGIN_FAILURE_LIMIT the
username is locked from that address for LOGIN_LOCKOUT_MINUTES, counted from the last failure
(a try during the lockout does not extend it). The answer is the login page again, status 429,
saying in Vietnamese until when (`lockout_response`, AXES_LOCKOUT_CALLABLE); a half-signed-in
session (password right, code wrong) is signed out. A whole sign-in forgets the failures of that
username and address (`forget_failures`). Administrators unlock early from "Xác thực hai bước
của cán bộ" (signin/views.py) or with axes' own `manage.py axes_reset_username USERNAME`.

The client's address is REMOTE_ADDR, or with TRUST_X_FORWARDED_FOR (behind nginx) the last
address of X-Forwarded-For: the one nginx appended ($proxy_add_x_forwarded_for). Addresses to
its left are whatever the client sent, and would let one client pose as many.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from wagtail.admin.forms.auth import LoginForm
from wagtail.admin.views.account import password_reset_enabled

from core import http


def client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the address failures are counted against (core.http.client_ip)."""
    return http.client_ip(request)


def _credentials(username):
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def is_locked(request, username):
    return not AxesProxyHandler.is_allowed(request, _credentials(username))


def record_failure(request, username):
    """A wrong second-factor code, counted like a wrong password. Returns the tries left before
    the lockout (0: locked now; the middleware of axes then answers with `lockout_response`)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        failures = AxesProxyHandler.get_failures(request, _credentials(username))
    return max(0, get_failure_limit(request, _credentials(username)) - failures)


def forget_failures(request, username):
    """The failures of this username from this address, after a whole sign-in."""
    AxesProxyHandler.update_request(request)
    if request.axes_ip_address and username:  # both, or axes would forget every address's failures
        AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=username)


def locked_until(request, username):
    """When the lockout of `username` from the request's address ends."""
    AxesProxyHandler.update_request(request)
    last = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return (last or timezone.now()) + (get_cool_off(request) or timezone.timedelta(0))


def lockout_message(request, username):
    until = locked_until(request, username)
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    limit = get_failure_limit(request, _credentials(username))
    who = f"Tài khoản “{username}”" if username else "Tài khoản này"
    return (
        f"{who} đang tạm khoá vì nhập sai mật khẩu hoặc mã xác thực {limit} lần liên tiếp. "
        f"Hãy thử lại sau {timezone.localtime(until):%H:%M} (khoảng {minutes} phút nữa). "
        "Nếu cần đăng nhập ngay, hãy nhờ quản trị viên mở khoá."
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page with the lockout explained, status 429."""
    username = get_client_username(request, credentials) or ""
    message = lockout_message(request, username)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        logout(request)  # the password was right, the codes were not: start again, later
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    context = {
        "form": LoginForm(request=request, initial={"username": username}),
        "lockout_message": message,
        "next": next_url if next_url.startswith("/") and not next_url.startswith("//") else "",
        "show_password_reset": password_reset_enabled(),
    }
    return render(request, "signin/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
