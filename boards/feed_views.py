"""The "Nguồn tin ngoài" admin screens: RSS/Atom feeds and iCal calendars shown on boards
(boards/feeds.py), in the "Bảng điện tử" menu (registered in boards/wagtail_hooks.py).

Scoped like the boards: a user manages the sources of their units and the units inside them;
another unit's source is a 404 on every URL. "Kiểm tra" shows what a source holds now and its
last error; its button reads the source at once (POST) and shows the entries or the error.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn

from areas.scoping import OwnedForm, ScopedDeleteView, ScopedViewSet
from boards.feeds import boards_showing, fetch_source
from boards.models import Board, FeedSource


def _boards_under(source):
    """Every active board of the source's unit and the units inside it (a superset of those
    showing it): they are recomposed when the source changes or goes."""
    return Board.objects.filter(is_active=True, owner__path__startswith=source.owner.path)


class FeedSourceForm(OwnedForm):
    PLACES = ("show_as_slides", "show_in_ticker", "show_in_panel")

    def clean(self):
        data = super().clean()
        if all(name in self.fields for name in self.PLACES) and not any(data.get(name) for name in self.PLACES):
            self.add_error(
                "show_as_slides", _("Chọn ít nhất một nơi hiện: trang trình chiếu, dòng chữ chạy hoặc cột bên.")
            )
        return data

    def save(self, commit=True):
        source = self.instance
        if {"url", "kind"} & set(self.changed_data):
            # Another address or kind: read it in full, not "unchanged since" the old one.
            source.etag = source.last_modified = ""
            source.last_parsed_at = None
        source.last_fetched_at = None  # read at the next minute, with the new settings
        saved = super().save(commit)
        if commit:
            _boards_under(saved).update(recompose_at=timezone.now())
        return saved


class FeedSourceDeleteView(ScopedDeleteView):
    def delete_action(self):
        boards = list(_boards_under(self.object).values_list("pk", flat=True))
        super().delete_action()
        Board.objects.filter(pk__in=boards).update(recompose_at=timezone.now())


class ErrorColumn(Column):
    """The last error, in red, or "—"."""

    cell_template_name = "boards/admin/feeds/error_cell.html"


def _when(moment):
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else "—"


class FeedSourceViewSet(ScopedViewSet):
    model = FeedSource
    edit_handler = ObjectList(FeedSource.panels, base_form_class=FeedSourceForm)
    delete_view_class = FeedSourceDeleteView
    icon = "link-external"
    menu_label = _("Nguồn tin ngoài")
    url_prefix = "nguon-tin-ngoai"
    name = "feed_sources"
    add_to_admin_menu = False
    search_fields = ["name", "url"]
    list_filter = ["kind", "is_active"]

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Nguồn"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Đơn vị"), accessor=lambda s: s.owner.title),
            Column("kind", label=_("Loại"), accessor="get_kind_display"),
            Column("last_ok_at", label=_("Đọc được lần cuối"), accessor=lambda s: _when(s.last_ok_at)),
            ErrorColumn("last_error", label=_("Lỗi")),
            TitleColumn(
                "check", label=_("Kiểm tra"), accessor=lambda s: _("Kiểm tra ngay"), url_name=self.get_url_name("check")
            ),
        ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("kiem-tra/<int:pk>/", self.check_view, name="check")]

    def check_view(self, request, pk):
        """GET: the source's state and entries. POST: read it now, then show them (or the error)."""
        source = get_object_or_404(FeedSource.objects.select_related("owner"), pk=pk)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "change", source):
            raise Http404
        if request.method == "POST":
            ok, message = fetch_source(source)
            if ok:
                messages.success(
                    request, _("Đã đọc “%(name)s”: %(message)s") % {"name": source.name, "message": message}
                )
            else:
                messages.warning(  # not error: Wagtail adds "Đến lỗi đầu tiên" (a form's) to errors
                    request, _("Không đọc được “%(name)s”: %(message)s") % {"name": source.name, "message": message}
                )
            return redirect(self.get_url_name("check"), pk=source.pk)
        if request.method != "GET":
            return HttpResponse(status=405, headers={"Allow": "GET, POST"})
        now = timezone.now()
        entries = list(source.entries.order_by("starts_at", "-published_at", "pk"))
        for entry in entries:
            if entry.valid_until is not None and entry.valid_until <= now:
                entry.state = _("đã hết hạn")
            elif entry.valid_from is not None and entry.valid_from > now:
                entry.state = _("hiện từ %(when)s") % {"when": _when(entry.valid_from)}
            else:
                entry.state = _("đang hiện")
        places = [
            label
            for flag, label in (
                (source.show_as_slides, _("trang trình chiếu")),
                (source.show_in_ticker, _("dòng chữ chạy")),
                (source.show_in_panel, _("cột bên")),
            )
            if flag
        ]
        return TemplateResponse(
            request,
            "boards/admin/feeds/check.html",
            {
                "source": source,
                "entries": entries,
                "skipped": [line for line in source.last_skipped.splitlines() if line],
                "places": ", ".join(str(p) for p in places) or _("không nơi nào (chưa chọn)"),
                "last_fetched": _when(source.last_fetched_at),
                "last_ok": _when(source.last_ok_at),
                "boards": boards_showing(source).count(),
                "header_title": _("Kiểm tra nguồn: %(name)s") % {"name": source.name},
                "page_title": _("Kiểm tra nguồn: %(name)s") % {"name": source.name},
                "header_icon": "link-external",
                "breadcrumbs_items": [
                    {"url": reverse(self.get_url_name("index")), "label": self.menu_label},
                    {"url": "", "label": source.name},
                ],
                "edit_url": reverse(self.get_url_name("edit"), args=[source.pk]),
            },
        )
