"""Where source information went, in the admin (registered in boards/wagtail_hooks.py):

- "Nơi nhận": for one item, per target commune whether its site shows it, on which boards it
  is in the current playlist (and if not, why: the reasons of the board's preview), and how
  many times it played (proof of play); a CAP test or exercise is tagged as such;
- "Thông tin nguồn đã gửi": the recent items of the user's units with those counts.

Both read the boards' playlists and plays, so they live with the boards; the URL names are the
sources app's (sources/admin_views.py), which links to them.
"""

import dataclasses

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Page

from boards.composition import why_not
from boards.delivery import NOT_LIVE, current_versions, item_key, plays_by_board, reached_boards, reason_not_held
from boards.publishing import pushed_candidate
from sources.admin_views import DELIVERY_URL, IMPORT_URL, SENT_URL
from sources.models import EmergencyAlertPage, SourceItemPage, with_sources


def _editable(user, page):
    return user.is_active and (user.is_superuser or page.permissions_for_user(user).can_edit())


def site_reason(page, now):
    """Why the targeted communes' sites do not show `page` ("" when they do)."""
    if not page.live:
        return NOT_LIVE
    if not page.is_public:
        return page.not_public_reason
    if not getattr(page, "show_on_sites", True):
        return _("không chọn hiện trên trang chủ xã")
    return why_not(dataclasses.replace(pushed_candidate(page), held_back=""), timezone.localtime(now))


def delivery(page, now=None, reasons=False):
    """Where `page` (a SourceItemPage or EmergencyAlertPage) went, from the data; `reasons`:
    why each board that does not hold it does not (a query or more per such board)."""
    now = now or timezone.now()
    key = item_key(page)
    in_force = page.live and page.is_valid_at(now)
    on_sites = page.is_public and in_force and getattr(page, "show_on_sites", True)
    boards = list(reached_boards(page))
    versions = current_versions(boards)
    plays = plays_by_board(key)
    communes = list(page.reached_communes())
    by_owner = {}
    for board in boards:
        version = versions.get(board.pk)
        count, seconds, last = plays.get(board.pk, (0, 0.0, None))
        holding = bool(version and any(i.get("id") == key for i in version.items))
        by_owner.setdefault(board.owner_id, []).append(
            {
                "board": board,
                "holding": holding,
                "reason": reason_not_held(page, board, version, now) if reasons and not holding else "",
                "version": version.number if version else None,
                "plays": count,
                "seconds": seconds,
                "last": timezone.localtime(last) if last else None,
            }
        )
    rows = [{"unit": c, "site": on_sites, "boards": by_owner.pop(c.pk, [])} for c in communes]
    if by_owner:  # boards of districts or provinces, or boards chosen one by one
        owners = {p.pk: p for p in Page.objects.filter(pk__in=by_owner)}
        rows += [
            {"unit": owners.get(pk), "site": None, "boards": entries}
            for pk, entries in sorted(by_owner.items(), key=lambda kv: owners[kv[0]].path if kv[0] in owners else "")
        ]
    all_boards = [b for row in rows for b in row["boards"]]
    return {
        "rows": rows,
        "in_force": in_force,
        "site_reason": "" if on_sites else site_reason(page, now),
        "totals": {
            "communes": len(communes),
            "sites": len(communes) if on_sites else 0,
            "boards": len(all_boards),
            "holding": sum(b["holding"] for b in all_boards),
            "plays": sum(b["plays"] for b in all_boards),
            "seconds": sum(b["seconds"] for b in all_boards),
        },
    }


class DeliveryView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "tincoso_admin/sources/delivery.html"
    header_icon = "site"

    def dispatch(self, request, page_id, *args, **kwargs):
        page = get_object_or_404(Page, pk=page_id).specific
        if not isinstance(page, SourceItemPage | EmergencyAlertPage) or not _editable(request.user, page):
            raise Http404
        self.page = page
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Nơi nhận: %(title)s") % {"title": self.page.title}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(SENT_URL), "label": _("Thông tin nguồn đã gửi")},
            {"url": "", "label": self.page.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(delivery(self.page, reasons=True))
        context.update(
            {
                "item": self.page,
                "now": timezone.localtime(),
                "edit_url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
                "is_alert": isinstance(self.page, EmergencyAlertPage),
            }
        )
        return context


class SentView(WagtailAdminTemplateMixin, TemplateView):
    """The recent source items and alerts the user may edit, with their reach."""

    template_name = "tincoso_admin/sources/sent.html"
    page_title = _("Thông tin nguồn đã gửi")
    header_icon = "site"
    limit = 50

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        pages = []
        for model in (EmergencyAlertPage, SourceItemPage):
            pages += list(model.objects.order_by("-latest_revision_created_at")[: self.limit * 4])
        pages = [p for p in pages if _editable(user, p)]
        pages.sort(key=lambda p: p.latest_revision_created_at or p.valid_from, reverse=True)
        rows = []
        for page in with_sources(pages[: self.limit]):  # the sender of each: "Sở Y tế", "UBND tỉnh …"
            totals = delivery(page)["totals"]  # the same figures as the item's "Nơi nhận" page
            rows.append(
                {
                    "page": page,
                    "alert": isinstance(page, EmergencyAlertPage),
                    "in_force": page.live and page.is_current,
                    "tag": page.status_tag,
                    "communes": totals["communes"],
                    "boards": totals["boards"],
                    "holding": totals["holding"],
                    "plays": totals["plays"],
                    "url": reverse(DELIVERY_URL, args=[page.pk]),
                }
            )
        context.update({"rows": rows, "import_url": reverse(IMPORT_URL)})
        return context


def admin_urls():

    return [
        path("thong-tin-nguon/", SentView.as_view(), name=SENT_URL),
        path("thong-tin-nguon/<int:page_id>/noi-nhan/", DeliveryView.as_view(), name=DELIVERY_URL),
    ]
