"""Admin screens of the ministry's indicators (Wagtail ViewSets, registered in wagtail_hooks.py):

- "Chỉ tiêu kế hoạch" (IndicatorTarget): everyone with a unit reads the ministry's targets and
  their own province's; a province's staff add and edit their province's own targets (source
  "tinh", area = their province); the ministry's rows are read-only except for superusers;
  a district's or commune's staff only read. Another province's row, or a row the user may not
  change, is a 404 on the edit and delete URLs.
- "Trung tâm truyền thông cấp huyện" (CommunicationCentre, indicator 2.1): the district's staff
  and the province's, scoped like the other unit-owned rows (areas.scoping.ScopedViewSet); the
  owner can only be a district.
A form with bad input (a value outside 0–100 %, a year outside 2021–2030, a duplicate) is shown
again with Vietnamese messages and status 400; nothing is saved.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy

from areas.models import AreaPage
from areas.scoping import OwnedForm, ScopedEditView, ScopedIndexView, ScopedViewSet, unit_paths, user_units
from indicators.models import FIRST_YEAR, LAST_YEAR, CommunicationCentre, IndicatorTarget, TargetSource

# --- Who may do what with a target ---------------------------------------------------------------


def own_provinces(user):
    """The provinces whose own targets `user` may edit: those whose staff they are."""
    return [u for u in user_units(user) if isinstance(u, AreaPage) and u.level == "province"]


def readable_provinces(user):
    """Province ids whose own targets `user` may read: those of any of their units."""
    paths = unit_paths(user)
    if not paths:
        return []
    provinces = AreaPage.objects.filter(level="province").values_list("pk", "path")
    return [pk for pk, path in provinces if any(p.startswith(path) for p in paths)]


class TargetPolicy(BasePermissionPolicy):
    def __init__(self):
        super().__init__(IndicatorTarget)

    def user_has_permission(self, user, action):
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        if action == "add":
            return bool(own_provinces(user))
        # view, change, delete: decided row by row (another unit's row or a ministry's is a 404).
        return bool(user_units(user))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True)

    def instances_user_has_any_permission_for(self, user, actions):
        rows = IndicatorTarget.objects.all()
        if not user.is_active:
            return rows.none()
        if user.is_superuser:
            return rows
        if set(actions) <= {"view"}:
            return rows.filter(source=TargetSource.MINISTRY) | rows.filter(
                source=TargetSource.PROVINCE, area__in=readable_provinces(user)
            )
        return rows.filter(source=TargetSource.PROVINCE, area__in=[p.pk for p in own_provinces(user)])

    def user_has_permission_for_instance(self, user, action, instance):
        return self.instances_user_has_any_permission_for(user, [action]).filter(pk=instance.pk).exists()


# --- The target form -----------------------------------------------------------------------------


class TargetForm(WagtailAdminModelForm):
    """A province's staff: source "tinh", their province. A superuser: any source and province."""

    class Meta:
        model = IndicatorTarget
        fields = ["code", "year", "value", "comparison", "applies_to", "source", "area", "note"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.user = for_user
        self.fields["year"].widget = forms.NumberInput(attrs={"min": FIRST_YEAR, "max": LAST_YEAR})
        self.fields["value"].widget = forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.1"})
        self.fields["year"].error_messages.update(required="Vui lòng nhập năm.", invalid="Năm phải là số, ví dụ 2025.")
        self.fields["value"].error_messages.update(
            required="Vui lòng nhập chỉ tiêu (%).",
            invalid="Chỉ tiêu là một số phần trăm, ví dụ 85 hoặc 70,5.",
            max_digits="Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100.",
            max_whole_digits="Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100.",
            max_decimal_places="Chỉ tiêu có tối đa một chữ số thập phân.",
        )
        self.fields["value"].localize = True
        self.fields["code"].error_messages["required"] = "Vui lòng chọn chỉ tiêu."
        provinces = AreaPage.objects.filter(level="province").order_by("structure", "title")
        if for_user is not None and not for_user.is_superuser:
            provinces = provinces.filter(pk__in=[p.pk for p in own_provinces(for_user)])
            self.fields.pop("source")
        self.fields["area"].queryset = provinces
        self.fields["area"].widget = forms.Select(choices=self.fields["area"].choices)
        self.fields["area"].label_from_instance = lambda page: page.title
        if for_user is not None and not for_user.is_superuser:
            self.fields["area"].required = True
            self.fields["area"].empty_label = None
            self.fields["area"].error_messages["invalid_choice"] = "Bạn chỉ đặt được chỉ tiêu của tỉnh mình."

    def clean(self):
        data = super().clean()
        source = data.get("source", TargetSource.PROVINCE)
        if "source" not in self.fields:
            self.instance.source = source = TargetSource.PROVINCE
        area = data.get("area")
        if source == TargetSource.MINISTRY:
            data["area"] = area = None
        elif area is None:
            self.add_error("area", "Chỉ tiêu riêng của tỉnh phải chọn tỉnh.")
        code, year, applies_to = data.get("code"), data.get("year"), data.get("applies_to") or ""
        if applies_to and code != "2.2":
            self.add_error("applies_to", "Chỉ tiêu 2.2 mới tách được theo thành phố, thị xã và huyện.")
        if code and year and not self.errors:
            same = IndicatorTarget.objects.filter(code=code, year=year, applies_to=applies_to, source=source)
            same = same.filter(area__isnull=True) if area is None else same.filter(area=area)
            if self.instance.pk:
                same = same.exclude(pk=self.instance.pk)
            if same.exists():
                owner = "của Bộ" if source == TargetSource.MINISTRY else f"của {area.title}"
                raise forms.ValidationError(
                    f"Chỉ tiêu {code} năm {year} {owner} đã có: hãy sửa dòng đó thay vì thêm dòng mới."
                )
        return data

    def validate_unique(self):
        """Checked in clean() with a clearer message (the constraints stay in the database)."""


TARGET_PANELS = [
    FieldPanel("code"),
    FieldPanel("year"),
    FieldPanel("value"),
    FieldPanel("comparison"),
    FieldPanel("applies_to"),
    FieldPanel("source"),
    FieldPanel("area"),
    FieldPanel("note"),
]


class _BadRequestOnInvalid:
    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class _InstanceScoped:
    """A row the user may not change (`action`) is a 404 (not a redirect to the dashboard)."""

    action = "change"

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, self.action, obj):
            raise Http404
        return obj


class TargetHistoryView(_InstanceScoped, history.HistoryView):
    """Who changed a target and when: for those who may read it (another province's own is a 404)."""

    action = "view"


class TargetUsageView(_InstanceScoped, usage.UsageView):
    action = "view"


class TargetIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            self.permission_policy.instances_user_has_any_permission_for(self.request.user, ["view"])
            .filter(pk__in=super().get_base_queryset().values("pk"))
            .select_related("area")  # the "Địa bàn" column: one query, not one a row
        )

    def _may_change(self, instance):
        if not hasattr(self, "_editable"):
            self._editable = set(
                self.permission_policy.instances_user_has_any_permission_for(self.request.user, ["change"]).values_list(
                    "pk", flat=True
                )
            )
        return instance.pk in self._editable

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._may_change(instance) else None

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            if isinstance(column, TitleColumn):  # a link only to the rows the user may change
                column._get_url_func, column.url_name = self.get_edit_url, None
        return columns

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._may_change(instance) else None


class TargetCreateView(_BadRequestOnInvalid, generic.CreateView):
    def dispatch(self, request, *args, **kwargs):
        # A 403 with a message, not Wagtail's redirect to the dashboard.
        if not self.permission_policy.user_has_permission(request.user, "add"):
            context = {
                "page_title": "Chỉ tiêu kế hoạch",
                "header_title": "Chỉ tiêu kế hoạch",
                "header_icon": "tasks",
                "message": "Chỉ cán bộ cấp tỉnh đặt được chỉ tiêu riêng của tỉnh; chỉ tiêu của Bộ chỉ quản trị hệ thống "
                "sửa được. Bạn chỉ xem được các chỉ tiêu.",
                "breadcrumbs_items": [],
                "header_buttons": [],
            }
            return TemplateResponse(request, "indicators/forbidden.html", context, status=403)
        return super().dispatch(request, *args, **kwargs)


class TargetEditView(_BadRequestOnInvalid, _InstanceScoped, generic.EditView):
    pass


class TargetDeleteView(_InstanceScoped, generic.DeleteView):
    pass


def _area_title(target):
    return target.area.title if target.area_id else "Toàn quốc"


class TargetViewSet(ModelViewSet):
    model = IndicatorTarget
    icon = "tasks"
    menu_label = _("Chỉ tiêu kế hoạch")
    url_prefix = "chi-tieu-ke-hoach"
    name = "indicator_targets"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = TargetIndexView
    add_view_class = TargetCreateView
    edit_view_class = TargetEditView
    delete_view_class = TargetDeleteView
    history_view_class = TargetHistoryView
    usage_view_class = TargetUsageView
    edit_handler = ObjectList(TARGET_PANELS, base_form_class=TargetForm)
    list_filter = ["year", "code", "source"]
    ordering = ["-year", "code", "source", "applies_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._policy = TargetPolicy()

    @property
    def permission_policy(self):
        return self._policy

    @property
    def list_display(self):
        return [
            TitleColumn("code", label=_("Chỉ tiêu"), url_name=self.get_url_name("edit"), accessor="get_code_display"),
            Column("year", label=_("Năm")),
            Column("value", label=_("Chỉ tiêu"), accessor="value_text"),
            Column("applies_to", label=_("Áp dụng cho"), accessor="get_applies_to_display"),
            Column("source", label=_("Nguồn"), accessor="get_source_display"),
            Column("area", label=_("Địa bàn"), accessor=_area_title),
            Column("note", label=_("Ghi chú")),
        ]


# --- The district communication centres (2.1) --------------------------------------------------


class CentreForm(OwnedForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("owner")
        if field is not None:
            field.queryset = AreaPage.objects.filter(level="district", pk__in=field.queryset.values("pk")).order_by(
                "path"
            )
            field.widget.choices = field.choices
            field.label = "Huyện"
            field.error_messages["invalid_choice"] = "Chỉ chọn được huyện thuộc đơn vị của bạn."
            field.error_messages["required"] = "Vui lòng chọn huyện."
        self.fields["name"].error_messages["required"] = "Vui lòng nhập tên trung tâm."


CENTRE_PANELS = [
    FieldPanel("owner"),
    FieldPanel("name"),
    FieldPanel("decision_number"),
    FieldPanel("decision_date"),
    FieldPanel("is_operating"),
    FieldPanel("note"),
]


class CentreCreateView(_BadRequestOnInvalid, generic.CreateView):
    pass


class CentreEditView(_BadRequestOnInvalid, ScopedEditView):
    pass


class CentreIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("owner")  # the "Huyện" column


class CentreViewSet(ScopedViewSet):
    model = CommunicationCentre
    icon = "group"
    menu_label = _("Trung tâm truyền thông cấp huyện")
    url_prefix = "trung-tam-truyen-thong-huyen"
    name = "communication_centres"
    add_to_admin_menu = False
    index_view_class = CentreIndexView
    add_view_class = CentreCreateView
    edit_view_class = CentreEditView
    edit_handler = ObjectList(CENTRE_PANELS, base_form_class=CentreForm)
    list_filter = ["is_operating"]
    ordering = ["owner__path"]

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Trung tâm"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Huyện"), accessor=lambda c: c.owner.title),
            Column("decision_number", label=_("Quyết định")),
            Column("decision_date", label=_("Ngày")),
            Column("is_operating", label=_("Đang hoạt động"), accessor=lambda c: "Có" if c.is_operating else "Không"),
        ]
