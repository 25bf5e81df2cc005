"""The boards in the Wagtail admin: registry, uploaded media slides, preview (ViewSets,
registered in boards/wagtail_hooks.py).

Who sees what: a user manages the boards (and media slides) owned by one of their units or by a
unit inside one (a commune's editors their commune's boards, a district's editors its own and
its communes'); superusers everything. Another unit's board is a 404 on every URL.
"""

import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSetGroup

from areas.models.site_settings import VOICE_CHOICES
from areas.scoping import OwnedForm, ScopedViewSet
from boards import screen
from boards.api import ApiError, pairing_view, serve_file
from boards.bulletins import bulletin_file, candidate_text, speech_problem
from boards.composition import VideoClip, compose_audio
from boards.control_views import control_view
from boards.feeds import feed_problems
from boards.models import Board, BoardGroup, BoardKind, MediaSlide, RenderedFile
from boards.playlist_views import playlist_view
from boards.publishing import (
    audio_rules,
    board_voice,
    candidates_for,
    explain_board,
    file_url,
    rebuild,
    slide_size,
    slides_of,
)
from boards.rendering import encode_png, load_theme, render_slide
from speech import EmptyText, SpeechFailed, SpeechUnavailable
from speech.engines import engine_description, get_engine


class BoardForm(OwnedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "emergency_repeat_minutes" in self.fields:  # only loudspeaker clusters use it
            self.fields["emergency_repeat_minutes"].required = False
        for name in ("layout", "ticker_speed"):  # screens only: a loudspeaker cluster leaves them
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if "emergency_repeat_minutes" in data and data["emergency_repeat_minutes"] is None:
            data["emergency_repeat_minutes"] = Board._meta.get_field("emergency_repeat_minutes").default
        for name in ("layout", "ticker_speed"):
            if name in data and not data[name]:
                data[name] = Board._meta.get_field(name).default
        if data.get("kind") == BoardKind.AUDIO:
            # A loudspeaker cluster has no screen: whatever was typed as its size is ignored.
            for name in ("width", "height"):
                self.errors.pop(name, None)
                data[name] = None
            return data
        width, height = data.get("width"), data.get("height")
        if width and height and max(width, height) / min(width, height) > 8:
            self.add_error(
                "height", _("Tỷ lệ khung hình quá lệch (%(w)s×%(h)s, tối đa 8:1).") % {"w": width, "h": height}
            )
        return data

    def save(self, commit=True):
        # Size, broadcast times, news count …: the every-minute task recomposes the board now.
        self.instance.recompose_at = timezone.now()
        return super().save(commit)


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
            Column("output", label=_("Đầu ra"), accessor="output_label"),
            Column("version", label=_("Danh sách phát"), accessor=lambda b: _version_label(b)),
            TitleColumn(
                "preview",
                label=_("Xem trước"),
                accessor=lambda b: _("Xem trước"),
                url_name=self.get_url_name("preview"),
            ),
            TitleColumn(
                "control",
                label=_("Điều khiển"),
                accessor=lambda b: _("Điều khiển"),
                url_name=self.get_url_name("control"),
            ),
        ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("preview/<int:pk>/", self.preview_view, name="preview"),
            path("preview/<int:pk>/slide/<str:key>/", self.slide_view, name="slide"),
            path("preview/<int:pk>/screen.png", self.screen_view, name="screen"),
            path("pairing/<int:pk>/", pairing_view, name="pairing"),
            path("dieu-khien/<int:pk>/", control_view, name="control"),
            path("danh-sach-phat/<int:pk>/", playlist_view, name="playlist"),
        ]

    def _board(self, request, pk):
        board = get_object_or_404(Board.objects.select_related("owner"), pk=pk)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "view", board):
            raise Http404
        return board

    def preview_view(self, request, pk):

        board = self._board(request, pk)
        if request.method == "POST":
            version, created, rendered, problems = rebuild(board)
            if created:
                messages.success(
                    request,
                    _("Đã dựng danh sách phát mới (phiên bản %(n)s, %(r)s trang dựng mới).")
                    % {"n": version.number, "r": rendered},
                )
            else:
                messages.success(request, _("Danh sách phát không thay đổi (phiên bản %(n)s).") % {"n": version.number})
            for candidate, message in problems:
                messages.error(
                    request,
                    _("Bỏ qua “%(title)s”: %(message)s") % {"title": candidate_title(candidate), "message": message},
                )
            return redirect(self.get_url_name("preview"), pk=board.pk)
        now = timezone.localtime()
        version = board.current_version
        verdicts = explain_board(board, now)
        candidates = [v.candidate for v in verdicts]
        context = {
            "board": board,
            "version": version,
            "video_url": _media_url(version.video) if version and version.video else "",
            "rows": preview_rows(board, verdicts, version),
            "problems": board.problems.all()[:20],
            "aspect": f"{board.width} / {board.height}",
            "header_title": _("Xem trước: %(name)s") % {"name": board.name},
            "page_title": board.name,
            "header_icon": "desktop",
            "breadcrumbs_items": [
                {"url": reverse(self.get_url_name("index")), "label": self.menu_label},
                {"url": "", "label": board.name},
            ],
            "edit_url": reverse(self.get_url_name("edit"), args=[board.pk]),
            "pairing_url": reverse(self.get_url_name("pairing"), args=[board.pk]),
            "control_url": reverse(self.get_url_name("control"), args=[board.pk]),
        }
        if board.is_audio:
            context.update(_audio_context(board, candidates, now))
        else:
            context.update(_screen_context(board, version))
        return TemplateResponse(request, "boards/admin/preview.html", context)

    def screen_view(self, request, pk):
        """The whole zoned screen of the current version at its exact size, as the reference
        player shows it now (the clock at the server's time, the line at its start)."""
        board = self._board(request, pk)
        version = board.current_version
        layout = (version.schedule or {}).get("layout") if version is not None and not board.is_audio else None
        if not layout:
            raise Http404
        response = HttpResponse(encode_png(screen_preview(board, version, timezone.localtime())), "image/png")
        response["Cache-Control"] = "private, no-store"
        return response

    def slide_view(self, request, pk, key):
        """Any candidate slide at full size, rendered now (also items not yet, or no longer, playing)."""

        board = self._board(request, pk)
        found = next(
            (
                (candidate, payload)
                for candidate in candidates_for(board, timezone.localtime(), everything=True)
                for item_id, payload in slides_of(candidate)
                if item_id == key
            ),
            None,
        )
        if found is None or isinstance(found[1], VideoClip):
            raise Http404
        candidate, payload = found
        if board.is_audio:
            return _listen_to_candidate(request, board, candidate)
        try:
            data = render_slide(payload, *slide_size(board), board.theme)
        except Exception as exc:  # noqa: BLE001 - shown to the editor, never a 500
            return HttpResponse(
                _("Không dựng được trang này: %(e)s") % {"e": getattr(exc, "message", exc)},
                status=422,
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(data, content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response


KIND_LABELS = {"announcement": _("Thông báo"), "news": _("Tin tức"), "feed": _("Nguồn tin ngoài")}


def kind_label(candidate):
    """What an item is, for people."""
    if candidate.kind == "pushed":
        return _("Cảnh báo khẩn cấp") if candidate.priority == "emergency" else _("Thông tin nguồn")
    if candidate.kind == "media":
        return _("Video tải lên") if isinstance(candidate.payload, VideoClip) else _("Ảnh tải lên")
    return KIND_LABELS.get(candidate.kind, candidate.kind)


def candidate_title(candidate):
    if isinstance(candidate.payload, VideoClip):
        return candidate.payload.document.title
    return getattr(candidate.payload, "title", "") or "—"


def preview_rows(board, verdicts, version):
    """The preview's table: every item with its title, type, and whether it plays on the board
    now (its current playlist), and if not why, in Vietnamese. Playing first, in playlist order."""
    order = {item["id"]: n for n, item in enumerate(version.items)} if version else {}
    failed = {}
    for problem in board.problems.order_by("at"):
        failed[problem.item_key] = problem.message  # the latest per item
    rows = []
    for verdict in verdicts:
        candidate = verdict.candidate
        playing = candidate.key in order
        reason = verdict.reason
        if playing and not verdict.plays:
            reason = _("còn phát đến lần dựng lại tới (%(reason)s)") % {"reason": verdict.reason}
        elif not playing and verdict.plays:
            reason = (
                _("không dựng được trang: %(message)s") % {"message": failed[candidate.key]}
                if candidate.key in failed
                else _("chờ dựng lại danh sách phát (bấm “Dựng lại ngay”)")
            )
        slides = [] if isinstance(candidate.payload, VideoClip) else [item_id for item_id, _p in slides_of(candidate)]
        rows.append(
            {
                "candidate": candidate,
                "title": candidate_title(candidate),
                "kind": kind_label(candidate),
                "playing": playing,
                "reason": reason,
                "slides": slides,
            }
        )
    rows.sort(key=lambda r: (not r["playing"], order.get(r["candidate"].key, 0)))
    return rows


def _audio_context(board, candidates, now):
    """The preview of a loudspeaker cluster: its voice, whether speech works here (else why, in
    Vietnamese), the broadcast times and what airs when in the next 24 hours."""

    voice = board_voice(board)
    problem = speech_problem(voice)
    try:
        engine = engine_description(get_engine())
    except Exception:  # noqa: BLE001 - the problem above says why
        engine = ""
    titles = {c.key: candidate_title(c) for c in candidates}
    plan = compose_audio(candidates, now, audio_rules(board, now))
    airings = [
        {"at": a.at, "emergency": a.emergency, "titles": [titles.get(k, k) for k in a.keys]} for a in plan.airings[:12]
    ]
    return {
        "voice_label": dict(VOICE_CHOICES).get(voice, voice),
        "speech_problem": problem,
        "engine": engine,
        "airings": airings,
        "repeat_minutes": board.emergency_repeat_minutes,
        "broadcast_label": ", ".join(f"{t:%H:%M}" for t in board.broadcast_schedule),
    }


def _listen_to_candidate(request, board, candidate):
    """A candidate of a loudspeaker cluster read aloud now (stored like the board's own bulletins)."""

    try:
        file, _new = bulletin_file(candidate_text(candidate), board_voice(board))
    except (EmptyText, SpeechUnavailable, SpeechFailed, ValueError) as exc:
        return HttpResponse(
            _("Không đọc được mục này: %(e)s") % {"e": exc}, status=503, content_type="text/plain; charset=utf-8"
        )

    try:
        return serve_file(
            request,
            os.path.join(settings.MEDIA_ROOT, file.path),
            "audio/mpeg",
            etag=file.sha256,
            last_modified=file.created_at.timestamp(),
            cache_control="private, no-cache",
        )
    except ApiError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


def _media_url(file):

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


def _stored_picture(sha256):
    file = RenderedFile.objects.filter(sha256=sha256).first()
    if file is None:
        return None
    with Image.open(os.path.join(settings.MEDIA_ROOT, file.path)) as picture:
        return picture.convert("RGB")


def screen_preview(board, version, moment):
    """The zoned screen (boards/screen.py): the version's first slide, its panel, its line at
    the start and the clock at `moment`."""
    from boards import ticker  # Pillow text strips: only for zoned screens

    layout = version.schedule["layout"]
    zone_list = []
    band = None
    for zone in layout["zones"]:
        zone = dict(zone)
        if zone["role"] == "image":
            zone["picture"] = _stored_picture(zone["sha256"])
        elif zone["role"] == "ticker":
            strip = ticker.strip(
                zone["text"],
                zone["separator"],
                zone["height"],
                load_theme(board.theme).fonts["bold"],
                zone["font_px"],
                zone["colour"],
                zone["background"],
                crisp=zone.get("crisp", False),
            )
            band = ticker.frame_at(strip, zone["width"], 0)
        zone_list.append(zone)
    first = next((i for i in version.items if i.get("kind") == "image"), None)
    main = _stored_picture(first["sha256"]) if first else None
    parts = {**layout, "zones": zone_list, "theme": board.theme}
    return screen.preview_image(layout["width"], layout["height"], parts, main, moment, band)


def _screen_context(board, version):
    layout = (version.schedule or {}).get("layout") if version is not None else None
    ticker_zone = next((z for z in (layout or {}).get("zones", []) if z["role"] == "ticker"), None)
    return {
        "layout": layout,
        "screen_url": reverse("boards:screen", args=[board.pk]) if layout else "",
        "ticker_text": ticker_zone["text"] if ticker_zone else "",
        "feed_problems": feed_problems(board),
        "slide_size": "{}×{}".format(*slide_size(board)),
    }
