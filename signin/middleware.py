"""The admin stays closed to a session that has not passed its second factor (signin/two_factor.py).

Wagtail's own login page checks the password; then, on every admin URL:

- a verified session (django-otp's OTPMiddleware: `request.user.is_verified()`) passes;
- someone with an authenticator app is sent to the code page;
- someone who must use two factors (`requires_two_factor`) and has none yet is sent to the
  enrolment page, which says why;
- anyone else passes (commune staff who have not turned it on).

Open to all: Wagtail's login, logout, password reset, JavaScript catalogue and icon sprite, and this
app's code and enrolment pages (which check for themselves what a half-signed-in session may do).
Outside the admin's prefix (the public sites, the player API and its tokens, static files) nothing
is looked at, not even the session's user. A page is redirected (with `next`); a script's request
(fetch, XMLHttpRequest, JSON) gets 403 and a JSON error, like the project's APIs.
"""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from signin.two_factor import ENROL_URL, VERIFY_URL, has_two_factor, requires_two_factor

OPEN = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_password_reset",
    "wagtailadmin_password_reset_done",
    "wagtailadmin_password_reset_confirm",
    "wagtailadmin_password_reset_complete",
    VERIFY_URL,
    ENROL_URL,
}
MESSAGES = {
    VERIFY_URL: "Hãy nhập mã xác thực trên điện thoại (hoặc một mã dự phòng) để tiếp tục.",
    ENROL_URL: "Tài khoản của bạn phải bật xác thực hai bước trước khi dùng trang quản trị.",
}


def _wants_json(request):
    accept = request.headers.get("accept", "")
    return request.headers.get("x-requested-with") == "XMLHttpRequest" or (
        "application/json" in accept and "text/html" not in accept
    )


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if self.prefix is None:
            self.prefix = reverse("wagtailadmin_home")
        if not request.path.startswith(self.prefix):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if has_two_factor(user):
            target = VERIFY_URL
        elif requires_two_factor(user):
            target = ENROL_URL
        else:
            return None
        if _wants_json(request):
            return JsonResponse({"error": {"code": "two_factor_required", "message": MESSAGES[target]}}, status=403)
        back = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        return redirect(f"{reverse(target)}?{urlencode({'next': back})}")
