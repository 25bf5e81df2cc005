"""Wagtail hooks of the sources app: the "Thông tin nguồn" menu (CAP import and feeds; the
boards app adds "Đã gửi và nơi nhận" to it through the hook `register_sources_menu_item`), the
portals' "Thông tin nguồn" section, and the items pushed down on each commune's home."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from areas.models import CommuneHomePage
from areas.provisioning import PORTAL, Section
from areas.scoping import UnitScopedPolicy, request_units
from sources import admin_views
from sources.models import CapFeed, SourceIndexPage, active_items_for

# Before the viewsets are registered (they would otherwise create plain model-permission policies).
register_permission_policy(CapFeed, UnitScopedPolicy(CapFeed))
CAP_FEEDS = admin_views.CapFeedViewSet()


class UnitStaffItem(MenuItem):
    """Shown to superusers and to staff of a province or district (who push information down)."""

    def is_shown(self, request):
        user = request.user
        return user.is_superuser or any(
            getattr(u, "level", "") in ("province", "district") for u in request_units(request)
        )


@hooks.register("register_admin_viewset")
def register_cap_feed_viewset():
    return CAP_FEEDS


@hooks.register("register_admin_urls")
def register_source_urls():
    return admin_views.admin_urls()


@hooks.register("register_admin_menu_item")
def register_sources_menu():
    return SubmenuMenuItem(
        _("Thông tin nguồn"),
        Menu(
            register_hook_name="register_sources_menu_item",
            items=[
                UnitStaffItem(_("Nhập cảnh báo CAP"), reverse(admin_views.IMPORT_URL), icon_name="upload", order=200),
                UnitStaffItem(
                    _("Nguồn cảnh báo CAP"), reverse(CAP_FEEDS.get_url_name("index")), icon_name="warning", order=300
                ),
            ],
        ),
        icon_name="site",
        name="thong-tin-nguon",
        order=260,
    )


@hooks.register("register_site_sections")
def source_sections():
    # Portals push source information and emergency alerts down to their communes.
    return [Section(SourceIndexPage, "thong-tin-nguon", "Thông tin nguồn", order=40, on=(PORTAL,))]


@hooks.register("construct_home_context")
def pushed_items(home, request, context):
    # Items pushed down from the district or the province, on the commune's home.
    if isinstance(home, CommuneHomePage):
        context["pushed_items"] = active_items_for(home)
