"""Admin hooks of areas: "Sở, ngành, phòng ban" (areas/department_views.py), "Tạo tài khoản cho
xã" and "… cho sở, ngành" (areas/accounts.py), their entries in Wagtail's audit log, the
searchable unit groups on Wagtail's own user form (areas/static/areas/js/), and Wagtail's own
screens kept to the user's part of the tree through Wagtail's hooks (the page chooser, the
admin API's images and documents, the move confirmation). Where Wagtail has no hook, the fix is in
core/wagtail_patches.py (5.–10.); tests/areas/test_admin_walk.py walks every admin URL."""

from django.core.exceptions import PermissionDenied
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from areas.accounts import (
    DEPARTMENT_LOG_ACTION,
    DEPARTMENT_TITLE,
    DEPARTMENT_URL_NAME,
    LOG_ACTION,
    TITLE,
    URL_NAME,
    CommuneAccountView,
    DepartmentAccountView,
    may_create_accounts,
)
from areas.department_views import DepartmentPolicy, DepartmentViewSet
from areas.models import Department
from core.wagtail_patches import explorable_pages, visible_instances


class CommuneAccountMenuItem(MenuItem):
    """Shown to superusers and to the staff of a province or district."""

    def is_shown(self, request):
        return may_create_accounts(request.user)


# Before the viewset is registered (it would otherwise make a plain model-permission policy).
register_permission_policy(Department, DepartmentPolicy(Department))


@hooks.register("register_admin_viewset")
def register_departments():
    # "Sở, ngành, phòng ban": a province's or district's departments (areas/department_views.py).
    return DepartmentViewSet()


@hooks.register("register_admin_urls")
def register_account_urls():
    return [
        path("tai-khoan-xa/", CommuneAccountView.as_view(), name=URL_NAME),
        path("tai-khoan-so-nganh/", DepartmentAccountView.as_view(), name=DEPARTMENT_URL_NAME),
    ]


@hooks.register("register_admin_menu_item")
def register_account_menu_item():
    return CommuneAccountMenuItem(TITLE, reverse(URL_NAME), name="tai-khoan-xa", icon_name="user", order=700)


@hooks.register("register_admin_menu_item")
def register_department_account_menu_item():
    return CommuneAccountMenuItem(
        DEPARTMENT_TITLE,
        reverse(DEPARTMENT_URL_NAME),
        name="tai-khoan-so-nganh",
        icon_name="user",
        order=701,
    )


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    @actions.register_action(LOG_ACTION)
    class CommuneAccountCreated(LogFormatter):
        label = TITLE

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return (
                f"Tạo tài khoản “{data.get('username', '')}” cho {data.get('name', '')} "
                f"({data.get('email', '')}), {data.get('role_label', '')} {data.get('commune', '')}"
            )

    @actions.register_action(DEPARTMENT_LOG_ACTION)
    class DepartmentAccountCreated(LogFormatter):
        label = DEPARTMENT_TITLE

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return (
                f"Tạo tài khoản “{data.get('username', '')}” cho {data.get('name', '')} "
                f"({data.get('email', '')}), {data.get('role_label', '')} {data.get('department', '')}"
            )


# Wagtail's user create/edit form lists every unit's groups (two per province, district and
# commune: some 230) as one column of checkboxes; the script adds a folded search box and a
# count to it (nothing else on other pages). A file, not an inline script.
@hooks.register("insert_global_admin_js")
def user_groups_search_js():
    return format_html('<script src="{}" defer></script>', static("areas/js/grouped-choices.js"))


@hooks.register("insert_global_admin_css")
def grouped_choices_css():
    return format_html('<link rel="stylesheet" href="{}">', static("areas/css/grouped-choices.css"))


# --- Wagtail's screens, kept to the user's part of the tree ----------------------------------


@hooks.register("construct_page_chooser_queryset")
def chooser_pages(pages, request):
    """The page chooser lists (browsing and searching) only the pages the user may explore: their
    units' pages and the ancestors leading to them, not another commune's drafts."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=explorable_pages(request.user).values("pk"))


@hooks.register("before_move_page")
def move_only_within_reach(request, page, destination):
    """The move confirmation (GET too) names both pages: it is shown only for a move the user may
    make (Wagtail checks this on POST only)."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


class VisibleMediaMixin:
    """Wagtail's admin API lists every image or document of every collection; these list the
    ones the user may see (their units' collections)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if user.is_superuser:
            return queryset
        return queryset.filter(pk__in=visible_instances(user, self.model).values("pk"))


class ScopedImagesAdminAPIViewSet(VisibleMediaMixin, ImagesAdminAPIViewSet):
    pass


class ScopedDocumentsAdminAPIViewSet(VisibleMediaMixin, DocumentsAdminAPIViewSet):
    pass


@hooks.register("construct_admin_api", order=100)  # after wagtail.images' and wagtail.documents' own
def scoped_media_endpoints(router):
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
