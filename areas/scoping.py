"""Which units a user may see and act on: the one place every admin view, report and API asks.

A user acts for the units (AreaPage: a province or district; CommuneHomePage: a commune) whose
editors or moderators group they are in, and for every unit inside one: a commune's editors
their commune, a district's staff the district and its communes, a province's the whole
province. Superusers act everywhere. The answer is computed once per user object (so once per
request) and shared by every caller.

Rows that belong to a unit carry an `owner` (boards, media slides, board groups, CAP feeds) or a
`commune` (questions); `under(field, paths)` narrows any queryset to the part of the tree of the
user's units. UnitScopedPolicy, ScopedViewSet and OwnedForm apply that to Wagtail admin ViewSets:
another unit's row is a 404 on every URL.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page
from wagtail.permission_policies import BasePermissionPolicy

from areas.models import AreaPage, CommuneHomePage, Department
from areas.widgets import GroupedCheckboxSelectMultiple
from core.text import name_key

STRUCTURE_NOTES = {"2024": "trước 1/7/2025", "2025": "từ 1/7/2025"}
LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


# --- The user's units -----------------------------------------------------------------------


def _staff_rows(user, attribute, rows):
    """What `rows(in_groups)` gives for a user, `in_groups` matching the rows whose editors or
    moderators group is one of the user's; cached on the user object as `attribute` (so once per
    request); [] for an anonymous or inactive user and for one in no group."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    found = getattr(user, attribute, None)
    if found is None:
        group_ids = list(user.groups.values_list("pk", flat=True))
        found = []
        if group_ids:
            found = rows(Q(editors_group_id__in=group_ids) | Q(moderators_group_id__in=group_ids))
        setattr(user, attribute, found)
    return found


def user_units(user):
    """The AreaPage and CommuneHomePage rows the user is an editor or moderator of, cached on the
    user object (so once per request). Superusers need none: they act everywhere."""
    return _staff_rows(
        user,
        "_tincoso_units",
        lambda in_groups: [*AreaPage.objects.filter(in_groups), *CommuneHomePage.objects.filter(in_groups)],
    )


def user_departments(user):
    """The active Department rows (sở, ngành, phòng) the user is an editor or moderator of, cached
    on the user object like user_units. A department's staff act for their department only: it
    is not a unit, so it widens nothing that user_units decides."""
    return _staff_rows(
        user,
        "_tincoso_departments",
        lambda in_groups: list(Department.objects.filter(in_groups, is_active=True).select_related("area", "section")),
    )


def department_sections(user):
    """The section pages (their ids) of the user's active departments: what their staff write in."""
    return [d.section_id for d in user_departments(user) if d.section_id]


def area_units(user):
    """The user's province and district units (AreaPage), not communes: who may add departments."""
    return [unit for unit in user_units(user) if isinstance(unit, AreaPage)]


def departments_for(user):
    """The Department rows `user` may manage: a superuser every one; a province's staff those
    of the province and its districts; a district's staff the district's; anyone else none
    (commune staff, department staff)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    paths = [unit.path for unit in area_units(user)]
    return Department.objects.filter(under("area__path", paths)) if paths else Department.objects.none()


def unit_paths(user):
    """Tree paths of the user's units: a row is theirs when its unit's path starts with one."""
    return [unit.path for unit in user_units(user)]


def under(field, paths):
    """A filter for rows whose `field` (a tree path) lies under one of `paths`."""
    query = Q()
    for prefix in paths:
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def scope_paths(user):
    """None: everything (superuser); else the path prefixes of the user's units."""
    if not user.is_active:
        return []
    if user.is_superuser:
        return None
    return unit_paths(user)


def units_for_user(user):
    """The units whose figures `user` may see (reports, indicators), labelled and in tree-and-name
    order: a superuser's are every province and district; anyone else's are their own units.
    Cached on the user object like user_units."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    labelled = getattr(user, "_tincoso_labelled_units", None)
    if labelled is None:
        if user.is_superuser:
            units = list(AreaPage.objects.filter(level__in=["province", "district"]))
        else:
            units = list(user_units(user))
        labelled = user._tincoso_labelled_units = labelled_in_order(units, "report_label")
    return labelled


def labelled_in_order(units, attribute):
    """`units` (AreaPage, CommuneHomePage) in structure, province, level and name order, each
    with its label ("Huyện Càng Long – Tỉnh Trà Vinh", plus the structure when both occur) set
    as `attribute`."""
    provinces = {p.path: p for p in AreaPage.objects.filter(level="province").only("path", "title", "short_name")}
    structures = {u.structure for u in units}

    def province_of(unit):
        for length in range(len(unit.path), 0, -AreaPage.steplen):
            found = provinces.get(unit.path[:length])
            if found is not None:
                return found
        return None

    decorated = []
    for unit in units:
        province = province_of(unit)
        label = unit.title
        if province is not None and province.pk != unit.pk:
            label = f"{label} – {province.title}"
        if len(structures) > 1:
            label = f"{label} ({STRUCTURE_NOTES.get(unit.structure, unit.structure)})"
        setattr(unit, attribute, label)
        key = (
            unit.structure,
            name_key(province.short_name) if province else [],
            province.path if province else "",
            LEVEL_ORDER.get(unit.level, 3),
            name_key(unit.short_name),
            unit.path,
        )
        decorated.append((key, unit))
    decorated.sort(key=lambda pair: pair[0])
    return [unit for _, unit in decorated]


def request_units(request):
    """Units of the request's user (the admin menu asks on every page; computed once)."""
    return units_for_user(request.user)


class UnitStaffView:
    """A mixin for an admin page (before WagtailAdminTemplateMixin) of the staff of some unit:
    `self.paths` is the user's scope (scope_paths: None for a superuser); a user of no unit gets
    403; the breadcrumbs end with the page's title."""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        paths = scope_paths(request.user)
        if paths is not None and not paths:
            raise PermissionDenied
        self.paths = paths
        return super().dispatch(request, *args, **kwargs)


# --- Admin ViewSets of rows owned by a unit ------------------------------------------------


def owner_choices(user):
    """The unit pages (areas, commune homes) the user may give a board to."""
    units = Page.objects.type(AreaPage, CommuneHomePage)
    if user.is_superuser:
        return units.order_by("path")
    paths = unit_paths(user)
    return units.filter(under("path", paths)).order_by("path") if paths else units.none()


class UnitScopedPolicy(BasePermissionPolicy):
    """A model with an `owner` unit page: a user may do anything with the rows owned by one of
    their units or a unit inside one."""

    def _paths(self, user):
        return unit_paths(user) if user.is_active else []

    def user_has_permission(self, user, action):
        return user.is_active and (user.is_superuser or bool(self._paths(user)))

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def users_with_any_permission(self, actions):

        return get_user_model().objects.filter(is_active=True)

    def instances_user_has_any_permission_for(self, user, actions):
        if not user.is_active:
            return self.model.objects.none()
        if user.is_superuser:
            return self.model.objects.all()
        paths = self._paths(user)
        return self.model.objects.filter(under("owner__path", paths)) if paths else self.model.objects.none()

    def user_has_permission_for_instance(self, user, action, instance):
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        owner_path = Page.objects.filter(pk=instance.owner_id).values_list("path", flat=True).first() or ""
        return any(owner_path.startswith(p) for p in self._paths(user))


def source_paths(user):
    """Tree paths of the user's units and of their departments' sections: what a writer of
    source information (items, alerts, programmes) owns."""
    if not user.is_active:
        return []
    paths = getattr(user, "_tincoso_source_paths", None)
    if paths is None:
        paths = unit_paths(user)
        sections = department_sections(user)
        if sections:
            paths = paths + list(Page.objects.filter(pk__in=sections).values_list("path", flat=True))
        user._tincoso_source_paths = paths
    return paths


class SourceScopedPolicy(UnitScopedPolicy):
    """UnitScopedPolicy for rows a department may own too (programmes): `owner` is a unit page
    or a department's section; a department's staff get the rows owned by their section only."""

    def _paths(self, user):
        return source_paths(user)


class OwnedForm(WagtailAdminModelForm):
    """Owner limited to the user's units; many-to-many choices limited to the same units."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        for name in ("groups", "boards"):
            field = self.fields.get(name)
            if isinstance(field, forms.ModelMultipleChoiceField):
                # A province's staff choose among some 100 board groups or boards: grouped by
                # district, searchable (areas/widgets.py).
                field.queryset = field.queryset.select_related("owner")
                field.label_from_instance = lambda row: f"{row.name} · {row.owner.title}"
                field.widget = GroupedCheckboxSelectMultiple(owner="owner")
                field.widget.choices = field.choices
        if for_user is not None and "owner" in self.fields:
            choices = owner_choices(for_user)
            field = self.fields["owner"]
            field.queryset = choices
            field.label_from_instance = lambda page: page.get_admin_display_title()
            field.widget = forms.Select()  # the units the user has, not a chooser over the whole tree
            field.widget.choices = field.choices
            if not for_user.is_superuser:
                paths = unit_paths(for_user)
                for name, model_field in (("groups", "owner__path"), ("boards", "owner__path")):
                    if name in self.fields:
                        self.fields[name].queryset = self.fields[name].queryset.filter(under(model_field, paths))
            if choices.count() == 1 and not self.instance.pk:
                self.fields["owner"].initial = choices.first().pk


class _ScopedObject:
    """Another unit's row is a 404 on every URL (not Wagtail's redirect to the dashboard)."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "change", obj):
            raise Http404
        return obj


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(self.request.user, ["change"]).filter(
            pk__in=super().get_base_queryset().values("pk")
        )


class ScopedEditView(_ScopedObject, generic.EditView):
    pass


class ScopedDeleteView(_ScopedObject, generic.DeleteView):
    pass


class ScopedHistoryView(_ScopedObject, history.HistoryView):
    pass


class ScopedUsageView(_ScopedObject, usage.UsageView):
    pass


class ScopedViewSet(ModelViewSet):
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
