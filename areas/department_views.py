"""The admin screen "Sở, ngành, phòng ban" (/admin/so-nganh/): a province's or district's staff
add their departments (sở, ngành, phòng) as sources of information.

Scoped by areas.scoping.departments_for: a superuser sees every department; a province's staff
the province's and its districts'; a district's staff its own; commune staff and department
staff get 403 on every URL, and another area's department is a 404. Saving a department (new,
renamed or (de)activated) runs areas.departments.provision_department in the same transaction:
its groups, section, page permissions and workflow; when it cannot (the area has no portal or
no "Thông tin nguồn"), the form says why and nothing is saved. A department is never deleted:
turned off, it keeps its items (areas/departments.py).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy

from areas.departments import DepartmentError, department_section, provision_department
from areas.models import AreaPage, Department, PortalHomePage
from areas.scoping import area_units, departments_for, under
from core.text import slugify_vi

TITLE = _("Sở, ngành, phòng ban")


class DepartmentPolicy(BasePermissionPolicy):
    """Staff of a province or district (and superusers) manage the departments of their areas;
    nobody deletes one (it is turned off instead, keeping its items)."""

    def user_has_permission(self, user, action):
        if action == "delete" or not user.is_active:
            return False
        return user.is_superuser or bool(area_units(user))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True)

    def instances_user_has_any_permission_for(self, user, actions):
        return departments_for(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and departments_for(user).filter(pk=instance.pk).exists()


class DepartmentForm(WagtailAdminModelForm):
    """The area limited to the user's province and districts; the code made from the name when
    left empty; the area must have a portal with "Thông tin nguồn" (checked before saving)."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["code"].required = False
        field = self.fields.get("area")
        if field is not None:
            areas = AreaPage.objects.filter(level__in=["province", "district"]).order_by("path")
            if for_user is not None and not for_user.is_superuser:
                paths = [u.path for u in area_units(for_user)]
                areas = areas.filter(under("path", paths)) if paths else areas.none()
            field.queryset = areas
            field.label_from_instance = lambda area: area.title
            field.widget = forms.Select(choices=field.choices)
            own = area_units(for_user) if for_user is not None else []
            if self.instance.pk:
                field.disabled = True  # a department does not move: its section and items stay
            elif len(own) == 1:
                field.initial = own[0].pk  # the user's own province (or district) first
            elif areas.count() == 1:
                field.initial = areas.first().pk

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        if name and not data.get("code"):
            data["code"] = slugify_vi(name)[:50].strip("-")
            self.instance.code = data["code"]
            if not data["code"]:
                self.add_error("code", _("Nhập mã: chữ thường không dấu, ví dụ so-y-te."))
        area = data.get("area")
        if area is not None and name:
            # The groups, collection and workflow are named after "name – area": one name an area.
            same = Department.objects.filter(area=area, name__iexact=name).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error("name", _("%(area)s đã có cơ quan tên này.") % {"area": area.title})
        if area is not None and "code" in data:
            clash = Department.objects.filter(area=area, code=data["code"]).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("code", _("Mã này đã có trong %(area)s.") % {"area": area.title})
        if area is not None and not self.instance.section_id and department_section() is not None:
            portal = PortalHomePage.objects.child_of(area).first()
            shape = department_section()
            if portal is None or not shape.parent.objects.child_of(portal).exists():
                self.add_error(
                    "area", _("Cổng của %(area)s chưa có chuyên mục Thông tin nguồn.") % {"area": area.title}
                )
        return data


class _Provisioned:
    """Saving provisions in the same transaction; a DepartmentError is the form's error."""

    def form_valid(self, form):
        creating = form.instance.pk is None
        try:
            return super().form_valid(form)
        except DepartmentError as exc:
            if creating:
                form.instance.pk = None
            form.add_error(None, str(exc))
            return self.form_invalid(form)

    def save_instance(self):
        instance = super().save_instance()
        provision_department(instance)
        return instance


class _ScopedObject:
    """Another area's department is a 404 on every URL."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not departments_for(self.request.user).filter(pk=obj.pk).exists():
            raise Http404
        return obj


class DepartmentHistoryView(_ScopedObject, history.HistoryView):
    pass


class DepartmentUsageView(_ScopedObject, usage.UsageView):
    pass


class DepartmentIndexView(generic.IndexView):
    def get_base_queryset(self):
        # The staff count of every row in the same query (a subquery), not one query a row.
        staff = (
            get_user_model()
            .objects.filter(
                Q(groups=OuterRef("editors_group")) | Q(groups=OuterRef("moderators_group")), is_active=True
            )
            .order_by()
            .values("is_active")
            .annotate(n=Count("pk", distinct=True))
            .values("n")[:1]
        )
        return (
            departments_for(self.request.user).select_related("area").annotate(staff_count=Coalesce(Subquery(staff), 0))
        )


class DepartmentCreateView(_Provisioned, generic.CreateView):
    pass


class DepartmentEditView(_Provisioned, _ScopedObject, generic.EditView):
    pass


def _staff(department):
    return getattr(department, "staff_count", 0)


def _section_link(department):
    if not department.section_id:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', reverse("wagtailadmin_explore", args=[department.section_id]), _("Mở chuyên mục")
    )


class DepartmentViewSet(ModelViewSet):
    model = Department
    edit_handler = ObjectList(
        [FieldPanel("area"), FieldPanel("name"), FieldPanel("kind"), FieldPanel("code"), FieldPanel("is_active")],
        base_form_class=DepartmentForm,
    )
    icon = "group"
    menu_label = TITLE
    menu_name = "so-nganh"
    menu_order = 690
    url_prefix = "so-nganh"
    name = "departments"
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    search_fields = ["name", "code"]
    list_filter = ["kind", "is_active"]
    index_view_class = DepartmentIndexView
    add_view_class = DepartmentCreateView
    edit_view_class = DepartmentEditView
    history_view_class = DepartmentHistoryView
    usage_view_class = DepartmentUsageView

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Tên cơ quan"), url_name=self.get_url_name("edit")),
            Column("area", label=_("Địa bàn"), accessor=lambda d: d.area.title),
            Column("kind", label=_("Loại"), accessor="get_kind_display"),
            Column("is_active", label=_("Hoạt động"), accessor=lambda d: _("Có") if d.is_active else _("Đã tắt")),
            Column("staff", label=_("Cán bộ"), accessor=_staff),
            Column("section", label=_("Chuyên mục"), accessor=_section_link),
        ]
