"""Wagtail admin hooks of the boards: the "Bảng điện tử" menu (registry, media slides, groups)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from areas.scoping import UnitScopedPolicy
from boards import channel, source_delivery
from boards.admin_views import BoardsGroup
from boards.listen import listen_response
from boards.models import Board, BoardGroup, CommandKind, MediaSlide
from boards.monitoring_views import TITLE, URL_NAME, MonitoringView
from sources.admin_views import DELIVERY_URL, SENT_URL
from sources.models import TargetedPage
from sources.wagtail_hooks import UnitStaffItem

# Before the viewsets are registered (they would otherwise create model-permission policies).
for _model in (Board, MediaSlide, BoardGroup):
    register_permission_policy(_model, UnitScopedPolicy(_model))


@hooks.register("register_admin_viewset")
def register_boards():
    return BoardsGroup()


@hooks.register("register_admin_urls")
def register_monitoring_url():

    return [path("bang-dien-tu-giam-sat/", MonitoringView.as_view(), name=URL_NAME)]


@hooks.register("register_reports_menu_item")
def register_monitoring_menu_item():

    return MenuItem(TITLE, reverse(URL_NAME), name="boards-monitoring", icon_name="desktop", order=660)


# --- Source information: where an item went ("Nơi nhận", "Đã gửi và nơi nhận") ----------------


@hooks.register("register_admin_urls")
def register_delivery_urls():

    return source_delivery.admin_urls()


@hooks.register("register_sources_menu_item")
def register_sent_menu_item():

    return UnitStaffItem(_("Đã gửi và nơi nhận"), reverse(SENT_URL), icon_name="site", order=100)


def _delivery_button(page, priority):

    return Button(_("Nơi nhận"), reverse(DELIVERY_URL, args=[page.pk]), icon_name="site", priority=priority)


@hooks.register("register_page_header_buttons")
def source_delivery_header_button(page, user, view_name, next_url=None):

    if isinstance(page.specific_deferred, TargetedPage) and page.pk:
        yield _delivery_button(page, 20)


@hooks.register("register_page_listing_more_buttons")
def source_delivery_listing_button(page, user, next_url=None):

    if issubclass(page.specific_class or type(page), TargetedPage):
        yield _delivery_button(page, 30)


# --- "Nghe thông báo": the pages' listen route is answered here (cms_pages/listen.py) ---------


@hooks.register("serve_listen")
def serve_listen(request, page):

    return listen_response(request, page)


@hooks.register("register_log_actions")
def register_command_log_actions(actions):
    @actions.register_action(channel.LOG_ACTION)
    class BoardCommandRequested(LogFormatter):
        label = _("Lệnh điều khiển bảng")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            kind = dict(CommandKind.choices).get(data.get("kind"), data.get("kind", ""))
            return f"Yêu cầu “{kind}” (mã lệnh {str(data.get('command', ''))[:8]})"

    @actions.register_action(channel.ACK_LOG_ACTION)
    class BoardCommandAcked(LogFormatter):
        label = _("Đầu phát phản hồi lệnh")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            kind = dict(CommandKind.choices).get(data.get("kind"), data.get("kind", ""))
            outcome = "đã thực hiện" if data.get("ok") else "báo lỗi"
            note = f": {data['message']}" if data.get("message") else ""
            return f"Đầu phát {outcome} lệnh “{kind}”{note} (mã lệnh {str(data.get('command', ''))[:8]})"


# --- "Bản đồ bảng và loa": the map of the user's boards and clusters (boards/map_views.py) ------


@hooks.register("register_admin_urls")
def register_map_urls():
    from boards import map_views

    return [
        path("bang-dien-tu-ban-do/", map_views.BoardMapView.as_view(), name=map_views.URL_NAME),
        path(
            "bang-dien-tu-ban-do/du-lieu.geojson",
            map_views.BoardMapGeoJSONView.as_view(),
            name=map_views.GEOJSON_URL_NAME,
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_map_menu_item():
    from boards import map_views

    return MenuItem(map_views.TITLE, reverse(map_views.URL_NAME), name="boards-map", icon_name="globe", order=661)


# --- "Nguồn tin ngoài": RSS/Atom feeds and iCal calendars on boards (boards/feed_views.py) -------
# Scoped like the boards; listed in the "Bảng điện tử" menu after the boards' own screens.

from boards.feed_views import FeedSourceViewSet  # noqa: E402
from boards.models import FeedSource  # noqa: E402

register_permission_policy(FeedSource, UnitScopedPolicy(FeedSource))
BoardsGroup.items = (*BoardsGroup.items, FeedSourceViewSet)
