"""Wagtail admin hooks of the boards: the "Bảng điện tử" menu (registry, media slides, groups)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import BoardsGroup, UnitScopedPolicy
from .models import Board, BoardGroup, MediaSlide

# Before the viewsets are registered (they would otherwise create model-permission policies).
for _model in (Board, MediaSlide, BoardGroup):
    register_permission_policy(_model, UnitScopedPolicy(_model))


@hooks.register("register_admin_viewset")
def register_boards():
    return BoardsGroup()


@hooks.register("register_admin_urls")
def register_monitoring_url():
    from django.urls import path

    from .monitoring_views import URL_NAME, MonitoringView

    return [path("bang-dien-tu-giam-sat/", MonitoringView.as_view(), name=URL_NAME)]


@hooks.register("register_reports_menu_item")
def register_monitoring_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    from .monitoring_views import TITLE, URL_NAME

    return MenuItem(TITLE, reverse(URL_NAME), name="boards-monitoring", icon_name="desktop", order=660)
