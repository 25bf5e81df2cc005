"""The admin's own help: the “Hướng dẫn” menu and pages (the guide in docs/huong-dan, rendered
by core/guide.py) instead of Wagtail's help menu, whose “What's new” and “Editor guide” lead to
English pages on wagtail.org. Only Django and Wagtail are imported here: core is the lowest layer.
"""

from django.http import Http404
from django.urls import path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core import guide

GUIDE_URL_NAME = "tincoso_guide"
GUIDE_MENU_TITLE = "Hướng dẫn"
# Wagtail's “Trợ giúp” menu (name "help"): replaced by the guide menu below, which keeps its
# keyboard-shortcuts item.
WAGTAIL_HELP_MENU = "help"
KEYBOARD_SHORTCUTS_ATTRS = {
    "role": "button",
    "data-a11y-dialog-show": "keyboard-shortcuts-dialog",
    "data-action": "w-action#noop:prevent:stop",
    "data-controller": "w-kbd w-action",
    "data-w-kbd-key-value": "?",
}


def guide_url(slug="", anchor=""):
    if slug:
        return reverse(GUIDE_URL_NAME, kwargs={"slug": slug}) + anchor
    return reverse(GUIDE_URL_NAME + "_index") + anchor


class GuideView(WagtailAdminTemplateMixin, TemplateView):
    """One page of the guide, for every user who may enter the admin (Wagtail's admin URLs
    require it); an unknown or malformed name is a 404."""

    template_name = "tincoso_admin/core/guide.html"
    header_icon = "help"

    def dispatch(self, request, *args, slug="", **kwargs):
        self.guide = guide.find(slug)
        if self.guide is None:
            raise Http404("Không có trang hướng dẫn này.")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.guide.title

    def get_breadcrumbs_items(self):
        items = self.breadcrumbs_items
        if self.guide.slug:
            items = items + [{"url": guide_url(), "label": GUIDE_MENU_TITLE}]
        return items + [{"url": "", "label": self.guide.title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body = guide.render(self.guide.path.read_text(encoding="utf-8"), guide_url)
        context.update(
            body=body,
            contents=guide.contents(body),
            guide=self.guide,
            guides=[(g, guide_url(g.slug)) for g in guide.guides()],
        )
        return context


@hooks.register("register_admin_urls")
def register_guide_urls():
    view = GuideView.as_view()
    return [
        path("huong-dan/", view, name=GUIDE_URL_NAME + "_index"),
        path("huong-dan/<str:slug>/", view, name=GUIDE_URL_NAME),
    ]


@hooks.register("register_admin_menu_item")
def register_guide_menu():
    items = [
        MenuItem(
            "Mục lục" if not g.slug else g.title,
            guide_url(g.slug),
            name="guide-" + (g.slug or "index"),
            icon_name="help",
            order=10 * n,
        )
        for n, g in enumerate(guide.guides(), start=1)
    ]
    items.append(
        MenuItem(
            "Phím tắt",
            "#",
            name="keyboard-shortcuts-trigger",
            icon_name="keyboard",
            order=1000,
            attrs=KEYBOARD_SHORTCUTS_ATTRS,
        )
    )
    return SubmenuMenuItem(GUIDE_MENU_TITLE, Menu(items=items), name="guide", icon_name="help", order=11000)


@hooks.register("construct_main_menu")
def drop_wagtail_help_menu(request, menu_items):
    menu_items[:] = [item for item in menu_items if item.name != WAGTAIL_HELP_MENU]
