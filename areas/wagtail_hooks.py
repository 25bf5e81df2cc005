"""Admin hooks of areas: "Tạo tài khoản cho xã" (areas/accounts.py), its entry in Wagtail's audit
log, and the searchable unit groups on Wagtail's own user form (areas/static/areas/js/)."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from areas.accounts import LOG_ACTION, TITLE, URL_NAME, CommuneAccountView, may_create_accounts


class CommuneAccountMenuItem(MenuItem):
    """Shown to superusers and to the staff of a province or district."""

    def is_shown(self, request):
        return may_create_accounts(request.user)


@hooks.register("register_admin_urls")
def register_account_urls():
    return [path("tai-khoan-xa/", CommuneAccountView.as_view(), name=URL_NAME)]


@hooks.register("register_admin_menu_item")
def register_account_menu_item():
    return CommuneAccountMenuItem(TITLE, reverse(URL_NAME), name="tai-khoan-xa", icon_name="user", order=700)


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


# Wagtail's user create/edit form lists every unit's groups (two per province, district and
# commune: some 230) as one column of checkboxes; the script adds a folded search box and a
# count to it (nothing else on other pages). A file, not an inline script.
@hooks.register("insert_global_admin_js")
def user_groups_search_js():
    return format_html('<script src="{}" defer></script>', static("areas/js/grouped-choices.js"))


@hooks.register("insert_global_admin_css")
def grouped_choices_css():
    return format_html('<link rel="stylesheet" href="{}">', static("areas/css/grouped-choices.css"))
