"""Admin hooks of the sign-in: the second factor's pages (signin/views.py) under
/admin/xac-thuc-hai-buoc/, their entry on the account page ("Tài khoản" → "Thao tác khác"), the
administrators' page in "Cài đặt", and their entries in Wagtail's audit log."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from signin import views
from signin.two_factor import (
    CODES_URL,
    ENROL_URL,
    LOG_CODES,
    LOG_OFF,
    LOG_ON,
    LOG_RESET,
    LOG_UNLOCK,
    MANAGE_URL,
    PERSON_URL,
    STAFF_URL,
    VERIFY_URL,
    may_reset_others,
)


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("xac-thuc-hai-buoc/", views.ManageView.as_view(), name=MANAGE_URL),
        path("xac-thuc-hai-buoc/ma/", views.VerifyView.as_view(), name=VERIFY_URL),
        path("xac-thuc-hai-buoc/bat/", views.EnrolView.as_view(), name=ENROL_URL),
        path("xac-thuc-hai-buoc/ma-du-phong/", views.CodesView.as_view(), name=CODES_URL),
        path("xac-thuc-hai-buoc/can-bo/", views.StaffView.as_view(), name=STAFF_URL),
        path("xac-thuc-hai-buoc/can-bo/<int:pk>/", views.PersonView.as_view(), name=PERSON_URL),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse(MANAGE_URL),
        "label": views.TITLE,
        "help_text": "Đăng nhập bằng mật khẩu và mã trên điện thoại; mã dự phòng; đổi điện thoại.",
    }


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return may_reset_others(request.user)


@hooks.register("register_settings_menu_item")
def two_factor_staff_menu_item():
    return StaffMenuItem(views.STAFF_TITLE, reverse(STAFF_URL), name="xac-thuc-hai-buoc", icon_name="key", order=650)


@hooks.register("register_log_actions")
def register_two_factor_log_actions(actions):
    def formatter(action, label, message):
        class Formatter(LogFormatter):
            def format_message(self, log_entry):
                data = log_entry.data or {}
                return message.format(username=data.get("username", ""), name=data.get("name", ""))

        Formatter.label = label
        actions.register_action(action)(Formatter)

    formatter(LOG_ON, "Bật xác thực hai bước", "Bật xác thực hai bước cho “{username}”")
    formatter(LOG_CODES, "Tạo mã dự phòng mới", "Tạo mã dự phòng mới cho “{username}”")
    formatter(LOG_OFF, "Tắt xác thực hai bước", "Tắt xác thực hai bước của “{username}”")
    formatter(LOG_RESET, "Đặt lại xác thực hai bước", "Đặt lại xác thực hai bước của “{username}”")
    formatter(LOG_UNLOCK, "Mở khoá đăng nhập", "Mở khoá đăng nhập của “{username}”")
