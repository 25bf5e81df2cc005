"""The admin's "Liên thông" menu (hooks in exchange/wagtail_hooks.py), for superusers and the
staff of a province (or district) — the units that speak with other installations:

- "Hệ thống liên thông": peers (a ViewSet; keys shown as fingerprints);
- "Bản tin gửi đi": the outbox, states, attempts, the peer's reason, "Gửi lại";
- "Nhật ký nhận": every request that arrived, accepted or refused, and why;
- "Số liệu nhận từ các tỉnh": indicators and device status sent up by peers.

A user sees the rows of peers whose area (`owner`) lies within one of their provinces or
districts; another's row is a 404. Refusals from an unknown key belong to no peer: only
superusers see those.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.models import AreaPage
from areas.scoping import OwnedForm, ScopedViewSet, UnitScopedPolicy, under, user_units
from exchange import outbox
from exchange.models import InboxEntry, MessageKind, OutgoingMessage, OutgoingState, Peer, PeerReport

OUTBOX_URL = "exchange_outbox"
INBOX_URL = "exchange_inbox"
REPORTS_URL = "exchange_reports"
REPORT_URL = "exchange_report"


def exchange_paths(user):
    """None: everything (superuser); else the paths of the user's provinces and districts."""
    if not user.is_active:
        return []
    if user.is_superuser:
        return None
    return [u.path for u in user_units(user) if getattr(u, "level", "") in ("province", "district")]


def pairing_paths(user):
    """None: everything (superuser); else the paths of the provinces and districts the user
    MODERATES. Registering a peer lets whoever holds its key publish items and alerts there
    without the moderation workflow, so an editor (who only submits) may not."""
    if not user.is_active:
        return []
    if user.is_superuser:
        return None
    group_ids = set(user.groups.values_list("pk", flat=True))
    return [
        u.path
        for u in user_units(user)
        if getattr(u, "level", "") in ("province", "district") and u.moderators_group_id in group_ids
    ]


def may_pair(user):
    paths = pairing_paths(user)
    return paths is None or bool(paths)


def may_use(user):
    paths = exchange_paths(user)
    return paths is None or bool(paths)


class PeerPolicy(UnitScopedPolicy):
    """UnitScopedPolicy, limited to the moderators of provinces and districts (pairing_paths)."""

    def _paths(self, user):
        return pairing_paths(user) or []


class PeerForm(OwnedForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("owner")
        if field is not None:
            field.queryset = AreaPage.objects.filter(
                pk__in=field.queryset.values("pk"), level__in=["province", "district"]
            ).order_by("path")
            field.widget.choices = field.choices
        self.fields["public_key"].widget = forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"})
        self.fields["subscriptions"].widget = forms.Textarea(attrs={"rows": 2})


class PeerViewSet(ScopedViewSet):
    model = Peer
    edit_handler = ObjectList(
        [
            FieldPanel("owner"),
            FieldPanel("name"),
            FieldPanel("base_url"),
            FieldPanel("public_key"),
            FieldPanel("role"),
            FieldPanel("subscriptions"),
            FieldPanel("is_active"),
        ],
        base_form_class=PeerForm,
    )
    icon = "link"
    menu_label = _("Hệ thống liên thông")
    url_prefix = "lien-thong/he-thong"
    name = "exchange_peers"
    add_to_admin_menu = False

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Hệ thống"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Địa bàn của ta"), accessor=lambda p: p.owner.title),
            Column("role", label=_("Vai trò"), accessor=lambda p: p.get_role_display().split(" (")[0]),
            Column("key_id", label=_("Dấu vân tay khoá")),
            Column("base_url", label=_("Địa chỉ")),
            BooleanColumn("is_active", label=_("Đang kết nối")),
        ]


class ExchangeView(WagtailAdminTemplateMixin, TemplateView):
    """A list of the user's peers' rows; 403 for a user of no province or district."""

    header_icon = "link"

    def dispatch(self, request, *args, **kwargs):
        self.paths = exchange_paths(request.user)
        if self.paths is not None and not self.paths:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def scoped(self, queryset, field="peer__owner__path"):
        return queryset if self.paths is None else queryset.filter(under(field, self.paths))

    def page_of(self, queryset):
        return Paginator(queryset, 50).get_page(self.request.GET.get("p"))


class OutboxView(ExchangeView):
    template_name = "exchange/admin/outbox.html"
    page_title = _("Bản tin gửi đi")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.scoped(OutgoingMessage.objects.select_related("peer").defer("body"))
        state = self.request.GET.get("trang-thai", "")
        if state in OutgoingState.values:
            rows = rows.filter(state=state)
        context.update({"page": self.page_of(rows), "states": OutgoingState.choices, "state": state})
        return context

    def post(self, request, *args, **kwargs):
        pk = request.POST.get("message", "")
        if not pk.isdigit():
            raise Http404
        message = get_object_or_404(self.scoped(OutgoingMessage.objects.all()), pk=pk)
        outbox.resend(message)
        messages.success(request, _("Đã đưa bản tin “%(s)s” vào hàng đợi gửi lại.") % {"s": message.subject})
        return redirect(reverse(OUTBOX_URL))


class InboxView(ExchangeView):
    template_name = "exchange/admin/inbox.html"
    page_title = _("Nhật ký nhận")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.scoped(InboxEntry.objects.select_related("peer"))
        shown = self.request.GET.get("loai", "")
        if shown == "tu-choi":
            rows = rows.filter(accepted=False)
        elif shown == "da-nhan":
            rows = rows.filter(accepted=True)
        context.update({"page": self.page_of(rows), "shown": shown})
        return context


class ReportsView(ExchangeView):
    template_name = "exchange/admin/reports.html"
    page_title = _("Số liệu nhận từ các tỉnh")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.scoped(PeerReport.objects.select_related("peer").defer("data"))
        kind = self.request.GET.get("loai", "")
        if kind in (MessageKind.INDICATORS, MessageKind.DEVICE_STATUS):
            rows = rows.filter(kind=kind)
        context.update({"page": self.page_of(rows), "kind": kind})
        return context


class ReportView(ExchangeView):
    model = PeerReport  # for tests/areas/test_admin_walk.py, which names rows by a view's model
    template_name = "exchange/admin/report.html"

    def get(self, request, pk, *args, **kwargs):
        self.report = self.scoped(PeerReport.objects.select_related("peer")).filter(pk=pk).first()
        if self.report is None:
            raise Http404
        self.page_title = str(self.report)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.report.data if isinstance(self.report.data, dict) else {}
        context["report"] = self.report
        context["totals"] = indicator_lines(data.get("totals") or {})
        context["rows"] = data.get("rows") or []
        context["devices"] = [
            dict(d, last_seen=_moment(d.get("last_seen_at"))) for d in data.get("devices") or [] if isinstance(d, dict)
        ]
        context["counts"] = data.get("counts") or {}
        return context


def _moment(value):
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # a peer's report: well formed but no such moment
        return None
    return timezone.localtime(parsed) if parsed is not None and parsed.tzinfo is not None else None


LABELS = {
    "websites": "Xã có trang thông tin điện tử",
    "boards": "Xã có bảng điện tử",
    "large_boards": "Huyện có bảng điện tử cỡ lớn",
    "online": "Bảng điện tử đang hoạt động",
    "loudspeakers": "Đài truyền thanh phủ mọi thôn",
    "ip_stations": "Đài truyền thanh ứng dụng CNTT-VT",
    "inquiries_on_time": "Câu hỏi trả lời đúng hạn",
}


def indicator_lines(totals):
    """(label, count, total, rate in %) for each ratio among the totals, whatever their format."""
    lines = []
    for key, value in totals.items():
        if not isinstance(value, dict) or "count" not in value:
            continue
        rate = value.get("rate")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or rate != rate:  # a peer's: any JSON
            rate = None
        if rate is not None and rate <= 1 and "label" not in value:
            rate = rate * 100
        label = value.get("label") or LABELS.get(key, key)
        lines.append(
            {
                "code": value.get("code", key),
                "label": label,
                "count": value.get("count"),
                "total": value.get("total"),
                "rate": None if rate is None else round(rate, 1),
                "applicable": value.get("applicable", True),
            }
        )
    return lines


def admin_urls():
    return [
        path("lien-thong/gui-di/", OutboxView.as_view(), name=OUTBOX_URL),
        path("lien-thong/nhat-ky-nhan/", InboxView.as_view(), name=INBOX_URL),
        path("lien-thong/so-lieu/", ReportsView.as_view(), name=REPORTS_URL),
        path("lien-thong/so-lieu/<int:pk>/", ReportView.as_view(), name=REPORT_URL),
    ]
