"""The boards in the Wagtail admin: registry, uploaded media slides, preview (ViewSets,
registered in boards/wagtail_hooks.py).

Who sees what: a user manages the boards (and media slides) owned by one of their units or by a
unit inside one (a commune's editors their commune's boards, a district's editors its own and
its communes'); superusers everything. Another unit's board is a 404 on every URL.
"""

from django import forms
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page
from wagtail.permission_policies import BasePermissionPolicy

from cms_pages.inquiry_admin import unit_paths

from .api import pairing_view
from .models import Board, BoardGroup, BoardKind, MediaSlide


def _under(field, paths):
    query = Q()
    for prefix in paths:
        query |= Q(**{f"{field}__startswith": prefix})
    return query


def owner_choices(user):
    """The unit pages (areas, commune homes) the user may give a board to."""
    from cms_pages.models import AreaPage, CommuneHomePage

    units = Page.objects.type(AreaPage, CommuneHomePage)
    if user.is_superuser:
        return units.order_by("path")
    paths = unit_paths(user)
    return units.filter(_under("path", paths)).order_by("path") if paths else units.none()


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
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(is_active=True)

    def instances_user_has_any_permission_for(self, user, actions):
        if not user.is_active:
            return self.model.objects.none()
        if user.is_superuser:
            return self.model.objects.all()
        paths = self._paths(user)
        return self.model.objects.filter(_under("owner__path", paths)) if paths else self.model.objects.none()

    def user_has_permission_for_instance(self, user, action, instance):
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        owner_path = Page.objects.filter(pk=instance.owner_id).values_list("path", flat=True).first() or ""
        return any(owner_path.startswith(p) for p in self._paths(user))


class OwnedForm(WagtailAdminModelForm):
    """Owner limited to the user's units; many-to-many choices limited to the same units."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
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
                        self.fields[name].queryset = self.fields[name].queryset.filter(_under(model_field, paths))
            if choices.count() == 1 and not self.instance.pk:
                self.fields["owner"].initial = choices.first().pk


class BoardForm(OwnedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "emergency_repeat_minutes" in self.fields:  # only loudspeaker clusters use it
            self.fields["emergency_repeat_minutes"].required = False

    def clean(self):
        data = super().clean()
        if "emergency_repeat_minutes" in data and data["emergency_repeat_minutes"] is None:
            data["emergency_repeat_minutes"] = Board._meta.get_field("emergency_repeat_minutes").default
        if data.get("kind") == BoardKind.AUDIO:
            # A loudspeaker cluster has no screen: whatever was typed as its size is ignored.
            for name in ("width", "height"):
                self.errors.pop(name, None)
                data[name] = None
            return data
        width, height = data.get("width"), data.get("height")
        if width and height and max(width, height) / min(width, height) > 8:
            self.add_error("height", _("Tỷ lệ khung hình quá lệch (%(w)s×%(h)s, tối đa 8:1).") % {"w": width, "h": height})
        return data

    def save(self, commit=True):
        # Size, broadcast times, news count …: the every-minute task recomposes the board now.
        self.instance.recompose_at = timezone.now()
        return super().save(commit)


class _ScopedObject:
    """Another unit's row is a 404 on every URL (not Wagtail's redirect to the dashboard)."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "change", obj):
            raise Http404
        return obj


class ScopedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(self.request.user, ["change"]) \
            .filter(pk__in=super().get_base_queryset().values("pk"))


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


class BoardViewSet(ScopedViewSet):
    model = Board
    edit_handler = ObjectList(Board.panels, base_form_class=BoardForm)
    icon = "desktop"
    menu_label = _("Bảng điện tử")
    url_prefix = "bang-dien-tu"
    name = "boards"
    add_to_admin_menu = False
    search_fields = ["name", "address"]
    list_filter = ["kind", "output", "is_active"]

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Tên bảng"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Đơn vị"), accessor=lambda b: b.owner.title),
            Column("size", label=_("Kích thước"), accessor="size_label"),
            Column("kind", label=_("Loại"), accessor="get_kind_display"),
            Column("output", label=_("Đầu ra"), accessor="get_output_display"),
            Column("version", label=_("Danh sách phát"), accessor=lambda b: _version_label(b)),
            TitleColumn("preview", label=_("Xem trước"), accessor=lambda b: _("Xem trước"),
                        url_name=self.get_url_name("preview")),
        ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("preview/<int:pk>/", self.preview_view, name="preview"),
            path("preview/<int:pk>/slide/<str:key>/", self.slide_view, name="slide"),
            path("pairing/<int:pk>/", pairing_view, name="pairing"),
        ]

    def _board(self, request, pk):
        board = get_object_or_404(Board.objects.select_related("owner"), pk=pk)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "view", board):
            raise Http404
        return board

    def preview_view(self, request, pk):
        from .publishing import candidates_for, rebuild

        board = self._board(request, pk)
        if request.method == "POST":
            version, created, rendered, problems = rebuild(board)
            if created:
                messages.success(request, _("Đã dựng danh sách phát mới (phiên bản %(n)s, %(r)s trang dựng mới).")
                                 % {"n": version.number, "r": rendered})
            else:
                messages.success(request, _("Danh sách phát không thay đổi (phiên bản %(n)s).") % {"n": version.number})
            for candidate, message in problems:
                messages.error(request, _("Bỏ qua %(key)s: %(message)s") % {"key": candidate.key, "message": message})
            return redirect(self.get_url_name("preview"), pk=board.pk)
        now = timezone.localtime()
        version = board.current_version
        candidates = sorted(candidates_for(board, now), key=lambda c: (c.valid_at(now) is False, c.key))
        playing = {item["id"] for item in version.items} if version else set()
        context = {
            "board": board, "version": version, "video_url": _media_url(version.video) if version and version.video else "",
            "candidates": [(c, c.key in playing, c.valid_at(now)) for c in candidates],
            "problems": board.problems.all()[:20], "aspect": f"{board.width} / {board.height}",
            "header_title": _("Xem trước: %(name)s") % {"name": board.name}, "page_title": board.name,
            "header_icon": "desktop", "breadcrumbs_items": [
                {"url": reverse(self.get_url_name("index")), "label": self.menu_label},
                {"url": "", "label": board.name},
            ],
            "edit_url": reverse(self.get_url_name("edit"), args=[board.pk]),
            "pairing_url": reverse(self.get_url_name("pairing"), args=[board.pk]),
        }
        if board.is_audio:
            context.update(_audio_context(board, candidates, now))
        return TemplateResponse(request, "boards/admin/preview.html", context)

    def slide_view(self, request, pk, key):
        """Any candidate slide at full size, rendered now (also items not yet, or no longer, playing)."""
        from .publishing import candidates_for
        from .rendering import render_slide

        board = self._board(request, pk)
        candidate = next((c for c in candidates_for(board, timezone.localtime()) if c.key == key), None)
        if candidate is None or isinstance(candidate.payload, tuple):
            raise Http404
        if board.is_audio:
            return _listen_to_candidate(request, board, candidate)
        try:
            data = render_slide(candidate.payload, board.width, board.height, board.theme)
        except Exception as exc:  # noqa: BLE001 - shown to the editor, never a 500
            return HttpResponse(_("Không dựng được trang này: %(e)s") % {"e": getattr(exc, "message", exc)},
                                status=422, content_type="text/plain; charset=utf-8")
        response = HttpResponse(data, content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response


def _audio_context(board, candidates, now):
    """The preview of a loudspeaker cluster: its voice, whether speech works here (else why, in
    Vietnamese), the broadcast times and what airs when in the next 24 hours."""
    from cms_pages.models.site_settings import VOICE_CHOICES

    from .bulletins import speech_problem
    from .composition import compose_audio
    from .publishing import audio_rules, board_voice
    from .speech.engines import engine_description, get_engine

    voice = board_voice(board)
    problem = speech_problem(voice)
    try:
        engine = engine_description(get_engine())
    except Exception:  # noqa: BLE001 - the problem above says why
        engine = ""
    titles = {c.key: getattr(c.payload, "title", c.key) for c in candidates}
    plan = compose_audio(candidates, now, audio_rules(board))
    airings = [{"at": a.at, "emergency": a.emergency, "titles": [titles.get(k, k) for k in a.keys]}
               for a in plan.airings[:12]]
    return {"voice_label": dict(VOICE_CHOICES).get(voice, voice), "speech_problem": problem, "engine": engine,
            "airings": airings, "repeat_minutes": board.emergency_repeat_minutes,
            "broadcast_label": ", ".join(f"{t:%H:%M}" for t in board.broadcast_schedule)}


def _listen_to_candidate(request, board, candidate):
    """A candidate of a loudspeaker cluster read aloud now (stored like the board's own bulletins)."""
    from .api import ApiError, serve_file
    from .bulletins import bulletin_file, candidate_text
    from .publishing import board_voice
    from .speech import EmptyText, SpeechFailed, SpeechUnavailable

    try:
        file, _new = bulletin_file(candidate_text(candidate), board_voice(board))
    except (EmptyText, SpeechUnavailable, SpeechFailed, ValueError) as exc:
        return HttpResponse(_("Không đọc được mục này: %(e)s") % {"e": exc}, status=503,
                            content_type="text/plain; charset=utf-8")
    import os

    from django.conf import settings

    try:
        return serve_file(request, os.path.join(settings.MEDIA_ROOT, file.path), "audio/mpeg", etag=file.sha256,
                          last_modified=file.created_at.timestamp(), cache_control="private, no-cache")
    except ApiError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


def _media_url(file):
    from .publishing import file_url

    return file_url(file)


def _version_label(board):
    version = board.current_version
    if version is None:
        return _("chưa dựng")
    return _("phiên bản %(n)s · %(c)s mục") % {"n": version.number, "c": len(version.items)}


class MediaSlideForm(OwnedForm):
    pass


class MediaSlideViewSet(ScopedViewSet):
    model = MediaSlide
    edit_handler = ObjectList(MediaSlide.panels, base_form_class=MediaSlideForm)
    icon = "image"
    menu_label = _("Trang trình chiếu tải lên")
    url_prefix = "trang-trinh-chieu"
    name = "media_slides"
    add_to_admin_menu = False
    list_display = ["title", "valid_from", "valid_until"]


class BoardGroupViewSet(ScopedViewSet):
    model = BoardGroup
    edit_handler = ObjectList([FieldPanel("owner"), FieldPanel("name")], base_form_class=OwnedForm)
    icon = "folder-open-inverse"
    menu_label = _("Nhóm bảng")
    url_prefix = "nhom-bang"
    name = "board_groups"
    add_to_admin_menu = False
    list_display = ["name", "owner"]


class BoardsGroup(ViewSetGroup):
    menu_label = _("Bảng điện tử")
    menu_icon = "desktop"
    menu_order = 250
    items = (BoardViewSet, MediaSlideViewSet, BoardGroupViewSet)

