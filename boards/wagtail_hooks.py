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
