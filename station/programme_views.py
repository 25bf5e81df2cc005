"""Recorded programmes in the admin ("Chương trình thu sẵn"): upload, checked by its content
(audio.inspect) before anything is saved, normalised by the worker (station.tasks), targeted
like source items. A user sees and edits only the programmes of their units."""

import datetime
import os
import tempfile

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.models import Page

from areas.models import AreaPage, CommuneHomePage, Department
from areas.scoping import (
    OwnedForm,
    ScopedViewSet,
    SourceScopedPolicy,
    request_units,
    under,
    unit_paths,
    user_departments,
)
from areas.widgets import GroupedCheckboxSelectMultiple
from boards.delivery import current_versions, plays_by_board
from boards.publishing import file_url
from boards.tasks import enqueue
from core.periods import clock
from station.models import Programme, ProgrammeKind, ProgrammeState
from station.reach import clusters, reached_clusters
from station.streams import StreamProblem, probe

ACCEPTED = ".mp3,.m4a,.aac,.wav,.ogg,.oga,.opus,.webm,audio/*"


def check_upload(upload):
    """audio.inspect() on an uploaded file (by its content, wherever Django keeps it): the
    AudioInfo, or forms.ValidationError with the reason in Vietnamese."""
    import audio

    limits = {
        "max_bytes": settings.STATION_MAX_UPLOAD_MB * 1024 * 1024,
        "max_seconds": settings.STATION_MAX_HOURS * 3600,
    }
    if upload.size > limits["max_bytes"]:
        raise forms.ValidationError(
            _("Tệp quá lớn (%(size)s MB, tối đa %(max)s MB).")
            % {"size": round(upload.size / 1024 / 1024), "max": settings.STATION_MAX_UPLOAD_MB}
        )
    path = getattr(upload, "temporary_file_path", lambda: None)()
    temporary = None
    try:
        if path is None:  # a small upload held in memory: inspected from a temporary copy
            fd, temporary = tempfile.mkstemp(prefix="upload-")
            with os.fdopen(fd, "wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            path = temporary
        try:
            return audio.inspect(path, **limits)
        except audio.AudioRejected as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
    finally:
        if temporary is not None:
            os.remove(temporary)
        upload.seek(0)


class ProgrammeForm(OwnedForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["upload"].widget.attrs["accept"] = ACCEPTED
        if "kind" in self.fields:  # a live broadcast's recording is made by "Phát trực tiếp", not here
            self.fields["kind"].choices = [
                c for c in self.fields["kind"].choices if c[0] != ProgrammeKind.LIVE or self.instance.kind == c[0]
            ]
        self.fields["upload"].help_text = _(
            "MP3, M4A/AAC, WAV, OGG hoặc Opus, tối đa %(mb)s MB và %(hours)s giờ. Tệp được kiểm tra theo nội dung "
            "và chuẩn hoá độ to (%(lufs)s LUFS) một lần trước khi gửi tới các cụm loa."
        ) % {
            "mb": settings.STATION_MAX_UPLOAD_MB,
            "hours": settings.STATION_MAX_HOURS,
            "lufs": f"{settings.STATION_LOUDNESS_TARGET:g}",
        }
        units = Page.objects.type(AreaPage, CommuneHomePage).order_by("path")
        found = clusters().select_related("owner")
        if for_user is not None and not for_user.is_superuser:
            # A department's staff make programmes as their department (owner: its section) for
            # the units of the department's area; the loudspeaker clusters stay their units' staff's
            # (a commune's equipment: a department reaches them by choosing the commune).
            departments = user_departments(for_user)
            own = unit_paths(for_user)
            paths = own + [d.area.path for d in departments]
            units = units.filter(under("path", paths)) if paths else units.none()
            found = found.filter(under("owner__path", own)) if own else found.none()
            sections = [d.section_id for d in departments if d.section_id]
            owner = self.fields.get("owner")
            if sections and owner is not None:
                owner.queryset = Page.objects.filter(
                    Q(pk__in=owner.queryset.values("pk")) | Q(pk__in=sections)
                ).order_by("path")
                names = {d.section_id: d.full_name for d in departments}
                owner.label_from_instance = lambda page: names.get(page.pk) or page.get_admin_display_title()
                owner.widget.choices = owner.choices
                if owner.queryset.count() == 1 and not self.instance.pk:
                    owner.initial = sections[0]
        target_units = self.fields["target_units"]
        target_units.queryset = units
        target_units.label_from_instance = lambda page: page.get_admin_display_title()
        target_units.widget = forms.CheckboxSelectMultiple(choices=target_units.choices)
        target_clusters = self.fields["target_clusters"]
        target_clusters.queryset = found
        target_clusters.label_from_instance = lambda row: f"{row.name} · {row.owner.title}"
        target_clusters.widget = GroupedCheckboxSelectMultiple(owner="owner")
        target_clusters.widget.choices = target_clusters.choices

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload and hasattr(upload, "chunks") and not getattr(upload, "_committed", False):
            self.audio_info = check_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or ProgrammeKind.RECORDED
        if kind == ProgrammeKind.RECORDED:
            has_file = data.get("upload") or (self.instance.pk and self.instance.upload)
            if not has_file and "upload" not in self.errors:
                self.add_error("upload", _("Chọn tệp âm thanh của chương trình."))
        elif kind == ProgrammeKind.RELAY:
            url = data.get("stream_url")
            if url and ("stream_url" in self.changed_data or not self.instance.pk):
                try:
                    info = probe(url)
                    self.stream_status = (True, f"Đang phát ({info.codec}, {info.sample_rate} Hz).")
                except StreamProblem as exc:
                    self.add_error("stream_url", exc.message)
        owner = data.get("owner")
        department = Department.objects.filter(section=owner).select_related("area").first() if owner else None
        if department is not None:
            # A department has no clusters of its own: it speaks for its area, to chosen units.
            if not data.get("target_units") and not data.get("target_clusters"):
                self.add_error(
                    "target_units",
                    _("Chọn nơi nhận: các xã, huyện trong địa bàn của %(area)s.") % {"area": department.area.title},
                )
            owner = department.area
        if owner is not None:
            for unit in data.get("target_units") or ():
                if not unit.path.startswith(owner.path) and not owner.path.startswith(unit.path):
                    self.add_error(
                        "target_units",
                        _("“%(unit)s” không thuộc %(owner)s.") % {"unit": unit.title, "owner": owner.title},
                    )
            for board in data.get("target_clusters") or ():
                if not board.owner.path.startswith(owner.path):
                    self.add_error(
                        "target_clusters",
                        _("Cụm loa “%(name)s” không thuộc %(owner)s.") % {"name": board.name, "owner": owner.title},
                    )
        return data

    def save(self, commit=True):
        programme = self.instance
        if programme.kind == ProgrammeKind.RELAY:  # nothing to process: on air in its windows
            programme.state = ProgrammeState.READY
            programme.upload = None
            if getattr(self, "stream_status", None):
                programme.stream_ok, programme.stream_message = self.stream_status
                programme.stream_checked_at = timezone.now()
        new_file = (
            programme.kind == ProgrammeKind.RECORDED
            and "upload" in self.changed_data
            and bool(self.cleaned_data.get("upload"))
        )
        if new_file:
            programme.state = ProgrammeState.PROCESSING
            programme.message = ""
            info = getattr(self, "audio_info", None)
            programme.duration_s = info.duration_s if info is not None else None
            programme.loudness_in = info.loudness_lufs if info is not None else None  # measured once
            programme.loudness_out = None
        if programme.created_by_id is None and self.for_user is not None:
            programme.created_by = self.for_user
        saved = super().save(commit)
        if new_file:
            pk = saved.pk
            transaction.on_commit(lambda: enqueue("station.tasks.process_programme", pk))
        return saved


panels = [
    FieldPanel("owner"),
    FieldPanel("title"),
    FieldPanel("kind"),
    FieldPanel("priority"),
    FieldPanel("upload", heading=_("Tệp âm thanh (chương trình thu sẵn)")),
    MultiFieldPanel(
        [FieldPanel("stream_url"), FieldRowPanel([FieldPanel("daily_start"), FieldPanel("daily_end")])],
        heading=_("Tiếp sóng"),
        help_text=_(
            "Chỉ cho loại “Tiếp sóng”: địa chỉ nghe trực tiếp của đài (Icecast/HTTP MP3, AAC hoặc HLS .m3u8) và "
            "khung giờ hằng ngày, ví dụ 18:00–18:30. Địa chỉ được kiểm tra khi lưu."
        ),
    ),
    FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")], heading=_("Thời gian phát")),
    MultiFieldPanel(
        [FieldPanel("target_units"), FieldPanel("target_clusters")],
        heading=_("Nơi nhận"),
        help_text=_("Để trống cả hai: các cụm loa của chính đơn vị."),
    ),
]


class ProgrammePolicy(SourceScopedPolicy):
    """Programmes of the user's units, and of their departments (owner: the department's
    section): a department's staff see and edit only their department's."""


class ProgrammeMenuItem(MenuItem):
    """Shown to superusers, to the staff of any unit and to a department's staff."""

    def is_shown(self, request):
        user = request.user
        return user.is_superuser or bool(request_units(request)) or bool(user_departments(user))


def _state(programme):
    if programme.kind == ProgrammeKind.RELAY:
        window = f"{programme.daily_start:%H:%M}–{programme.daily_end:%H:%M} hằng ngày"
        if programme.stream_ok is False:
            return format_html(
                '{} · <span class="w-status w-status--label">{}</span> {}',
                window,
                _("Luồng đang ngắt"),
                programme.stream_message,
            )
        return format_html("{} · {}", window, programme.stream_message or _("chưa kiểm tra luồng"))
    if programme.state == ProgrammeState.FAILED:
        return format_html('<span class="w-status w-status--label">{}</span> {}', _("Lỗi"), programme.message)
    if programme.state == ProgrammeState.PROCESSING:
        return _("Đang chuẩn hoá…")
    return format_html(
        '<audio controls preload="none" src="{}" style="height:2rem;vertical-align:middle"></audio>',
        file_url(programme.file),
    )


def _duration(programme):
    return clock(programme.duration_s)


def _loudness(programme):
    if programme.loudness_out is None:
        return "–"
    return f"{programme.loudness_in:.1f} → {programme.loudness_out:.1f} LUFS"


def delivery_rows(programme):
    """Where a programme went: each cluster it reaches with whether its playlist holds it, the
    slots it airs in over the coming two days, and its plays (proof of play)."""
    reached = list(reached_clusters(programme).select_related("owner").order_by("owner__path", "name"))
    versions = current_versions(clusters().filter(pk__in=[c.pk for c in reached]))
    plays = plays_by_board(programme.key)
    rows = []
    for cluster in reached:
        version = versions.get(cluster.pk)
        held = bool(version and any(i.get("id") == programme.key for i in version.items))
        airings = [
            timezone.localtime(datetime.datetime.fromisoformat(a["at"]))
            for a in (version.schedule.get("airings") or [] if version else [])
            if programme.key in a.get("items", [])
        ]
        count, seconds, last = plays.get(cluster.pk, (0, 0.0, None))
        if not held:
            state = _("chưa có trong danh sách phát") if programme.state == ProgrammeState.READY else _("đang xử lý")
        elif programme.kind == ProgrammeKind.RELAY:
            state = _("tiếp sóng theo khung giờ")
        elif not airings and programme.priority == "normal" and programme.owner_id != cluster.owner_id:
            state = _("chờ xã đưa vào chương trình")
        elif not airings:
            state = _("chưa có khung giờ trong hai ngày tới")
        else:
            state = _("đã xếp lịch")
        rows.append(
            {
                "cluster": cluster,
                "state": state,
                "airings": airings,
                "plays": count,
                "seconds": seconds,
                "last": timezone.localtime(last) if last else None,
            }
        )
    return rows


class ProgrammeViewSet(ScopedViewSet):
    model = Programme
    edit_handler = ObjectList(panels, base_form_class=ProgrammeForm)
    icon = "media"
    menu_label = _("Chương trình thu sẵn, tiếp sóng")
    url_prefix = "chuong-trinh-phat-thanh"
    name = "programmes"
    add_to_admin_menu = False
    search_fields = ["title"]
    list_filter = ["kind", "priority", "state"]

    @property
    def list_display(self):
        return [
            TitleColumn("title", label=_("Chương trình"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Đơn vị"), accessor=lambda p: p.owner.title),
            Column("kind", label=_("Loại"), accessor="get_kind_display"),
            Column("priority", label=_("Mức"), accessor="get_priority_display"),
            Column("duration", label=_("Thời lượng"), accessor=_duration),
            Column("loudness", label=_("Độ to"), accessor=_loudness),
            Column("clusters", label=_("Cụm loa nhận"), accessor=lambda p: reached_clusters(p).count()),
            Column("state", label=_("Nghe / trạng thái"), accessor=_state),
            TitleColumn(
                "delivery",
                label=_("Nơi nhận"),
                accessor=lambda p: _("Nơi nhận"),
                url_name=self.get_url_name("delivery"),
            ),
        ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("noi-nhan/<int:pk>/", self.delivery_view, name="delivery")]

    def delivery_view(self, request, pk):
        programme = get_object_or_404(Programme.objects.select_related("owner"), pk=pk)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "view", programme):
            raise Http404
        return TemplateResponse(
            request,
            "station/delivery.html",
            {
                "programme": programme,
                "rows": delivery_rows(programme),
                "page_title": f"Nơi nhận: {programme.title}",
                "header_title": f"Nơi nhận: {programme.title}",
                "header_icon": "site",
            },
        )
