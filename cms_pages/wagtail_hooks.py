"""Wagtail admin hooks of tincoso: the "Hỏi đáp, phản ánh" queue (cms_pages/inquiry_admin.py)
and its figures (cms_pages/inquiry_report.py registers its own URL and Reports menu item);
source information and emergency alerts (cms_pages/source_admin.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy

from boards.admin_views import UnitScopedPolicy

from . import inquiry_admin, inquiry_report, source_admin  # noqa: F401
from .models import CapFeed, Inquiry
from .models.sources import TargetedPage

# Before the viewsets are registered (they would otherwise create plain model-permission policies).
register_permission_policy(Inquiry, inquiry_admin.policy)
register_permission_policy(CapFeed, UnitScopedPolicy(CapFeed))
CAP_FEEDS = source_admin.CapFeedViewSet()


@hooks.register("register_admin_viewset")
def register_inquiry_viewset():
    return inquiry_admin.InquiryViewSet()


@hooks.register("register_admin_viewset")
def register_cap_feed_viewset():
    return CAP_FEEDS


@hooks.register("register_admin_urls")
def register_source_urls():
    return source_admin.admin_urls()


class _UnitStaffItem(MenuItem):
    """Shown to superusers and to staff of a province or district (who push information down)."""

    def is_shown(self, request):
        from .inquiry_report import _request_units

        user = request.user
        return user.is_superuser or any(getattr(u, "level", "") in ("province", "district")
                                        for u in _request_units(request))


@hooks.register("register_admin_menu_item")
def register_sources_menu():
    return SubmenuMenuItem(_("Thông tin nguồn"), Menu(items=[
        _UnitStaffItem(_("Đã gửi và nơi nhận"), reverse(source_admin.SENT_URL), icon_name="site", order=100),
        _UnitStaffItem(_("Nhập cảnh báo CAP"), reverse(source_admin.IMPORT_URL), icon_name="upload", order=200),
        _UnitStaffItem(_("Nguồn cảnh báo CAP"), reverse(CAP_FEEDS.get_url_name("index")), icon_name="warning",
                       order=300),
    ]), icon_name="site", name="thong-tin-nguon", order=260)


def _delivery_button(page, priority):
    return Button(_("Nơi nhận"), reverse(source_admin.DELIVERY_URL, args=[page.pk]), icon_name="site",
                  priority=priority)


@hooks.register("register_page_header_buttons")
def source_delivery_header_button(page, user, view_name, next_url=None):
    if isinstance(page.specific_deferred, TargetedPage) and page.pk:
        yield _delivery_button(page, 20)


@hooks.register("register_page_listing_more_buttons")
def source_delivery_listing_button(page, user, next_url=None):
    if issubclass(page.specific_class or type(page), TargetedPage):
        yield _delivery_button(page, 30)


@hooks.register("register_log_actions")
def register_inquiry_log_actions(actions):
    inquiry_admin.register_log_actions(actions)


@hooks.register("construct_homepage_panels")
def add_inquiry_dashboard_panel(request, panels):
    panels.append(inquiry_admin.InquiryDashboardPanel())
