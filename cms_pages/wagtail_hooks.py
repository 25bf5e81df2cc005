"""Wagtail admin hooks of tincoso: the "Hỏi đáp, phản ánh" queue (cms_pages/inquiry_admin.py)
and its figures (cms_pages/inquiry_report.py registers its own URL and Reports menu item)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import inquiry_admin, inquiry_report  # noqa: F401
from .models import Inquiry

# Before the viewset is registered (it would otherwise create a plain model-permission policy).
register_permission_policy(Inquiry, inquiry_admin.policy)


@hooks.register("register_admin_viewset")
def register_inquiry_viewset():
    return inquiry_admin.InquiryViewSet()


@hooks.register("register_log_actions")
def register_inquiry_log_actions(actions):
    inquiry_admin.register_log_actions(actions)


@hooks.register("construct_homepage_panels")
def add_inquiry_dashboard_panel(request, panels):
    panels.append(inquiry_admin.InquiryDashboardPanel())
