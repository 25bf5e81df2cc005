"""Wagtail hooks of the sources app: the "Thông tin nguồn" menu (CAP import and feeds; the
boards app adds "Đã gửi và nơi nhận" to it through the hook `register_sources_menu_item`), the
portals' "Thông tin nguồn" section, and the items pushed down on each commune's home."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy
from wagtail.rich_text import get_text_for_indexing

from areas.departments import DepartmentSection
from areas.models import CommuneHomePage, PortalHomePage
from areas.provisioning import PORTAL, Section
from areas.scoping import UnitScopedPolicy, request_units, user_departments
from sources import admin_views
from sources.models import (
    CapFeed,
    DepartmentSectionPage,
    EmergencyAlertPage,
    SourceIndexPage,
    active_items_for,
)

# Before the viewsets are registered (they would otherwise create plain model-permission policies).
register_permission_policy(CapFeed, UnitScopedPolicy(CapFeed))
CAP_FEEDS = admin_views.CapFeedViewSet()


class AreaStaffItem(MenuItem):
    """Shown to superusers and to staff of a province or district (CAP feeds are theirs)."""

    def is_shown(self, request):
        user = request.user
        return user.is_superuser or any(
            getattr(u, "level", "") in ("province", "district") for u in request_units(request)
        )


class UnitStaffItem(AreaStaffItem):
    """Shown to those who push information down: superusers, staff of a province or district,
    and a department's staff (sở, ngành, phòng: areas/departments.py)."""

    def is_shown(self, request):
        return super().is_shown(request) or bool(user_departments(request.user))


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
                AreaStaffItem(
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


@hooks.register("register_department_section")
def department_section():
    # A department's own section sits in its area portal's "Thông tin nguồn" (areas/departments.py).
    return DepartmentSection(DepartmentSectionPage, SourceIndexPage)


@hooks.register("construct_home_context")
def pushed_items(home, request, context):
    # Items pushed down from the district or the province, on the commune's home.
    if isinstance(home, CommuneHomePage):
        context["pushed_items"] = active_items_for(home)


def _source_item_text(page):
    body = [page.summary]
    if page.body:
        body += [get_text_for_indexing(str(part)) for part in page.body.stream_block.get_searchable_content(page.body)]
    return {
        "title": page.title,
        "date": page.date,
        "body": "\n".join(part for part in body if part),
        "issuer": page.source_label,
        # On the home of every commune it reaches, while valid (active_items_for).
        "appears_on": list(page.reached_communes()) if page.show_on_sites else [],
        "appears_from": page.valid_from,
        "appears_until": page.valid_until,
    }


def _alert_text(page):
    if getattr(page, "cap_status", "Actual") != "Actual":
        return None  # an exercise, test, system message or draft: never for the public
    # Its banner is on every page of the communes it reaches and of the portals of the areas
    # it targets, and of the areas inside them (active_alerts_for), while valid.
    homes = list(page.reached_communes())
    for area in page.target_areas.all():
        homes += list(PortalHomePage.objects.filter(path__startswith=area.path))
    body = [page.event, page.summary, page.instruction, page.area_desc, page.contact]
    return {
        "title": page.title,
        "date": timezone.localdate(page.valid_from),
        "body": "\n".join(part for part in body if part),
        "issuer": page.get_sender_name(),
        "appears_on": homes,
        "appears_from": page.valid_from,
        "appears_until": page.valid_until,
    }


@hooks.register("register_search_kinds")
def source_search_kinds():
    # The site search (search/engine.py, beside this app) finds an item or an alert on the
    # portal it was published on, and, while it is valid, on every site it appears on.
    return [
        ("source", "Thông tin nguồn", ["sources.SourceItemPage"], _source_item_text),
        ("alert", "Cảnh báo khẩn cấp", ["sources.EmergencyAlertPage"], _alert_text),
    ]


@hooks.register("construct_site_map_pages")
def leave_out_alerts_not_for_the_public(pages):
    """The site map for people (/so-do-trang/) never lists a CAP test, exercise or system alert."""
    return pages.exclude(pk__in=EmergencyAlertPage.objects.exclude(EmergencyAlertPage.public_q()).values("pk"))
