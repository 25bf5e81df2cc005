"""“Sổ đài truyền thanh”: the register of the communes' loudspeaker stations in the admin (a
ModelViewSet, registered in station/wagtail_hooks.py under the "Đài truyền thanh" menu).

Who sees what (areas/scoping.py): a commune's editors and moderators their commune's station, a
district's staff the stations of its communes, a province's every station of the province;
superusers everything. Another unit's station is a 404 on every URL (edit, delete, history,
usage) and is not listed.

- The owner is a commune (CommuneHomePage) the user acts for and, on create, one without a
  station yet (a station is one per commune: Station.owner is a OneToOne).
- Hamlets (thôn, bản, ấp, khóm, tổ dân phố) are an inline list: kind, name, reached, clusters.
  The cluster choices are the active loudspeaker clusters (boards of kind "audio") of the
  station's commune when it is known (editing), else those of the user's units (a new station:
  the commune is chosen in the same form); either way saving checks that every cluster chosen
  belongs to the station's commune.
- The index lists the commune, the technology, since when it is IP-based, the hamlets reached
  out of all, and how many of its clusters are online now (boards.monitoring.board_state, as
  the monitoring page shows them).

These fields feed the ministry's indicators 1.1 and 1.2 (indicators/compute.py).
"""

from django import forms
from django.db.models import Prefetch
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.models import Page

from areas.models import CommuneHomePage
from areas.scoping import OwnedForm, ScopedIndexView, ScopedViewSet, under, unit_paths
from areas.widgets import GroupedRadioSelect
from boards.models import Board, BoardKind
from boards.monitoring import board_state, channel_trusted
from station.models import Hamlet, Station, Technology

NONE_TEXT = "–"


def cluster_choices(user, commune_id=None):
    """The loudspeaker clusters a hamlet may be served by: the active boards of kind "audio" of
    the commune `commune_id` when known, else of the user's units (every one for a superuser)."""
    found = Board.objects.filter(is_active=True, kind=BoardKind.AUDIO).select_related("owner").order_by("name")
    if commune_id is not None:
        return found.filter(owner_id=commune_id)
    if user is None or user.is_superuser:
        return found
    paths = unit_paths(user)
    return found.filter(under("owner__path", paths)) if paths else found.none()


def commune_choices(user, station=None):
    """The communes (as wagtailcore Page rows) the user acts for that have no station yet, or
    whose station is `station` (the one being edited)."""
    communes = Page.objects.type(CommuneHomePage).order_by("path")
    if user is not None and not user.is_superuser:
        paths = unit_paths(user)
        communes = communes.filter(under("path", paths)) if paths else communes.none()
    taken = Station.objects.all()
    if station is not None and station.pk:
        taken = taken.exclude(pk=station.pk)
    return communes.exclude(pk__in=taken.values("owner_id"))


class HamletForm(WagtailAdminModelForm):
    """One hamlet of the inline list; its cluster choices limited as the module says."""

    def __init__(self, *args, for_user=None, station_commune=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["name"].error_messages["required"] = _("Nhập tên thôn, ấp, khóm, tổ dân phố.")
        field = self.fields.get("clusters")
        if field is not None:
            field.queryset = cluster_choices(for_user, station_commune)
            field.label_from_instance = lambda board: f"{board.name} · {board.owner.title}"
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
            field.help_text = _(
                "Các cụm loa IP (bảng loại “Cụm loa truyền thanh” đang hoạt động) của xã phục vụ nơi này. "
                "Với đài ứng dụng CNTT-VT, thôn, ấp chỉ được tính là có loa khi một cụm loa của nó có tín hiệu "
                "trong 24 giờ."
            )


class HamletsPanel(InlinePanel):
    """The hamlets, each form built with HamletForm, told the user and the station's commune."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name].update(
            {"form": HamletForm, "inherit_kwargs": ["for_user", "station_commune"]}
        )
        return options


class StationForm(OwnedForm):
    def __init__(self, *args, for_user=None, instance=None, **kwargs):
        # Read by the hamlets' forms (HamletsPanel: inherit_kwargs), so set before they are built.
        self.station_commune = instance.owner_id if instance is not None and instance.owner_id else None
        super().__init__(*args, for_user=for_user, instance=instance, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = commune_choices(for_user, self.instance)
        owner.label_from_instance = lambda page: page.get_admin_display_title()
        owner.widget = GroupedRadioSelect(choices=owner.choices)
        owner.empty_label = None
        owner.help_text = _("Xã, phường, thị trấn có đài (mỗi xã một đài: chỉ hiện các xã chưa có đài trong sổ).")
        owner.error_messages["required"] = _("Chọn xã, phường, thị trấn của đài.")
        owner.error_messages["invalid_choice"] = _(
            "Xã này không thuộc đơn vị của bạn hoặc đã có đài trong sổ: hãy chọn xã khác trong danh sách."
        )
        if not self.instance.pk:
            count = owner.queryset.count()
            if count == 1:
                owner.initial = owner.queryset.first().pk
            elif count == 0:
                owner.help_text = _(
                    "Mọi xã, phường, thị trấn của bạn đã có đài trong sổ: hãy sửa đài của xã trong danh sách."
                )

    def is_valid(self):
        """The form, its hamlets, then what ties them together: at least one hamlet, names not
        repeated, every cluster the commune's own, an IP station's reached hamlets served by a
        cluster."""
        valid = super().is_valid()
        if not valid:
            return False
        owner = self.cleaned_data.get("owner")
        technology = self.cleaned_data.get("technology")
        formset = self.formsets["hamlets"]
        kept = [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get(DELETION_FIELD_NAME)]
        if not kept:
            self.add_error(
                None,
                _(
                    "Đài cần ít nhất một thôn, bản, ấp, khóm hoặc tổ dân phố: đó là những nơi chỉ tiêu 1.1 xét "
                    "loa có phủ tới hay không."
                ),
            )
            return False
        names = {}
        for form in kept:
            data = form.cleaned_data
            key = (data.get("kind"), " ".join((data.get("name") or "").split()).casefold())
            if key in names:
                form.add_error("name", _("Trùng với một thôn, ấp khác của đài: “%(name)s”.") % {"name": data["name"]})
            names[key] = form
            for board in data.get("clusters") or ():
                if owner is not None and board.owner_id != owner.pk:
                    form.add_error(
                        "clusters",
                        _("Cụm loa “%(name)s” không thuộc %(commune)s.") % {"name": board.name, "commune": owner.title},
                    )
            if technology == Technology.IP and data.get("reached") and not data.get("clusters"):
                form.add_error(
                    "clusters",
                    _(
                        "Đài ứng dụng CNTT-VT: chọn cụm loa IP phục vụ nơi này, hoặc bỏ chọn “loa phủ tới” nếu "
                        "chưa có loa."
                    ),
                )
        return not any(form.errors for form in kept) and not self.errors


PANELS = [
    FieldPanel("owner"),
    FieldRowPanel([FieldPanel("technology"), FieldPanel("converted_on")], heading=_("Công nghệ")),
    FieldPanel("working"),
    FieldRowPanel(
        [FieldPanel("volume_normal"), FieldPanel("volume_priority"), FieldPanel("volume_emergency")],
        heading=_("Âm lượng theo loại tin"),
    ),
    HamletsPanel(
        "hamlets",
        heading=_("Thôn, bản, ấp, khóm, tổ dân phố"),
        label=_("Thôn, ấp"),
        panels=[
            FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]),
            FieldPanel("reached"),
            FieldPanel("clusters"),
        ],
    ),
    FieldPanel("note"),
]


# --- The index ---------------------------------------------------------------------------------


def _since(station):
    if station.technology == Technology.IP and station.converted_on:
        return f"{station.converted_on:%d/%m/%Y}"
    return NONE_TEXT


def _hamlets(station):
    hamlets = list(station.hamlets.all())
    if not hamlets:
        return _("chưa ghi thôn, ấp")
    return f"{sum(1 for h in hamlets if h.reached)}/{len(hamlets)}"


def _technology(station):
    label = station.get_technology_display()
    return label if station.working else f"{label} · {_('ngừng hoạt động')}"


def _online(station):
    online, total = getattr(station, "clusters_online", (0, 0))
    if not total:
        return NONE_TEXT
    return f"{online}/{total}"


class StationIndexView(ScopedIndexView):
    def get_base_queryset(self):
        clusters = Prefetch("clusters", queryset=Board.objects.select_related("status"))
        hamlets = Prefetch("hamlets", queryset=Hamlet.objects.prefetch_related(clusters))
        return super().get_base_queryset().select_related("owner").prefetch_related(hamlets)

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        object_list = list(object_list)
        now = timezone.now()
        trusted = channel_trusted(now)
        for station in object_list:
            boards = {
                board.pk: board
                for hamlet in station.hamlets.all()
                for board in hamlet.clusters.all()
                if board.is_active and board.kind == BoardKind.AUDIO
            }
            online = sum(
                board_state(board, getattr(board, "status", None), now, current_version=0, trusted=trusted).online
                for board in boards.values()
            )
            station.clusters_online = (online, len(boards))
        page.object_list = object_list
        return paginator, page, object_list, is_paginated


class StationViewSet(ScopedViewSet):
    model = Station
    edit_handler = ObjectList(PANELS, base_form_class=StationForm)
    icon = "clipboard-list"
    menu_label = _("Sổ đài truyền thanh")
    url_prefix = "so-dai-truyen-thanh"
    name = "stations"
    add_to_admin_menu = False
    index_view_class = StationIndexView
    list_filter = ["technology", "working"]
    ordering = ["owner__path"]

    @property
    def list_display(self):
        return [
            TitleColumn(
                "owner",
                label=_("Xã, phường, thị trấn"),
                url_name=self.get_url_name("edit"),
                accessor=lambda s: s.owner.title,
            ),
            Column("technology", label=_("Công nghệ"), accessor=_technology),
            Column("converted_on", label=_("Ứng dụng CNTT-VT từ"), accessor=_since),
            Column("hamlets", label=_("Thôn, ấp có loa / tổng số"), accessor=_hamlets),
            Column("clusters", label=_("Cụm loa trực tuyến"), accessor=_online),
        ]
