"""The editor's playlist of one screen in the admin ("Sắp xếp danh sách phát"): its items in the
order they play, to reorder (drag and drop, or ↑ ↓), pin to the front, give their own duration,
or leave off this board. The rules the composer keeps whatever is set here are in
boards/composition.py; the choices are stored as BoardItemSetting rows (boards/item_settings.py).

Scoped like the board's preview: another unit's board is a 404 on every method. "Lưu" posts the
whole list; every key must be a candidate of this board and every duration 3–600 seconds, or
nothing is saved and the page says why (400). A save sets `Board.recompose_at` to now (the
every-minute task rebuilds the board, as after editing the board) and writes an audit log entry.
Loudspeaker clusters are not arranged here: their order is the station's broadcast programme.
"""

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin import messages
from wagtail.log_actions import LogFormatter, log

from areas.scoping import UnitScopedPolicy
from boards.composition import Override, arrange, duration_of
from boards.item_settings import overrides_for, save_settings
from boards.models import Board
from boards.publishing import board_rules, explain_board

URL_NAME = "boards:playlist"
LOG_ACTION = "tincoso.board_playlist"
MIN_DURATION, MAX_DURATION = 3, 600


@hooks.register("register_log_actions")
def register_playlist_log_action(actions):
    @actions.register_action(LOG_ACTION)
    class PlaylistArranged(LogFormatter):
        label = _("Sắp xếp danh sách phát")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return (
                f"Sắp xếp danh sách phát: {data.get('items', 0)} mục, {data.get('pinned', 0)} ghim, "
                f"{data.get('excluded', 0)} bỏ khỏi bảng, {data.get('timed', 0)} có thời lượng riêng"
            )


class Refused(ValueError):
    """A posted list that cannot be saved; the message says why, in Vietnamese."""


@dataclass
class Posted:
    """What the editor sent: the order of the keys and, by key, pinned, excluded and the
    duration as typed (shown again as typed when the list is refused)."""

    keys: list
    pinned: set
    excluded: set
    durations: dict
    complete: bool  # one duration field per key

    @classmethod
    def from_post(cls, post):
        keys, durations = post.getlist("keys"), post.getlist("duration")
        return cls(
            keys=keys,
            pinned=set(post.getlist("pinned")),
            excluded=set(post.getlist("excluded")),
            durations=dict(zip(keys, durations, strict=False)),
            complete=len(keys) == len(durations),
        )


def _board(request, pk):
    """The board, if the user's units include its owner (else 404, like the preview)."""
    board = get_object_or_404(Board.objects.select_related("owner"), pk=pk)
    user = request.user
    if not (user.is_authenticated and UnitScopedPolicy(Board).user_has_permission_for_instance(user, "change", board)):
        raise Http404
    return board


def settings_from(posted, candidates) -> dict:
    """key → Override of a posted list (its position is its place in the list), or Refused.
    `candidates`: key → Candidate of this board, as the preview lists them. Emergencies are not
    arranged (the composer ignores any setting of theirs): none is stored for them."""
    from boards.admin_views import candidate_title  # admin_views links to this screen

    again = _("Tải lại trang rồi sắp xếp lại.")
    unknown = [k for k in [*posted.keys, *posted.pinned, *posted.excluded] if k not in candidates]
    if unknown:
        raise Refused(
            _("Mục “%(key)s” không thuộc bảng này (có thể vừa bị gỡ). %(again)s")
            % {"key": unknown[0][:80], "again": again}
        )
    if not posted.complete or len(set(posted.keys)) != len(posted.keys):
        raise Refused(_("Danh sách gửi lên bị lặp hoặc thiếu mục. %(again)s") % {"again": again})
    if not (posted.pinned | posted.excluded) <= set(posted.keys):
        raise Refused(_("Danh sách gửi lên bị lặp hoặc thiếu mục. %(again)s") % {"again": again})
    settings = {}
    for position, key in enumerate(posted.keys):
        candidate = candidates[key]
        if candidate.priority == "emergency":
            continue
        title = candidate_title(candidate)
        typed = posted.durations[key].strip()
        if typed and not (typed.isascii() and typed.isdigit() and MIN_DURATION <= int(typed) <= MAX_DURATION):
            raise Refused(
                _("Thời lượng của “%(title)s” phải là số giây nguyên từ %(min)s đến %(max)s (đã nhập “%(typed)s”).")
                % {"title": title, "min": MIN_DURATION, "max": MAX_DURATION, "typed": typed[:20]}
            )
        if key in posted.pinned and key in posted.excluded:
            raise Refused(
                _("“%(title)s” không thể vừa ghim lên đầu vừa không hiện trên bảng này: chọn một.") % {"title": title}
            )
        settings[key] = Override(
            position=position,
            pinned=key in posted.pinned,
            duration_s=int(typed) if typed else None,
            excluded=key in posted.excluded,
        )
    return settings


def playlist_rows(board, verdicts, overrides, posted=None):
    """The screen's rows: every candidate, emergencies first (locked), then in the order the board
    plays them (arrange(): the playing ones in the playlist's order), each with what the editor
    set and whether it plays now (or why not). `posted`: a refused list, shown as it was sent."""
    from boards.admin_views import candidate_title, kind_label  # admin_views links to this screen

    rules = board_rules(board)
    by_key = {v.candidate.key: v for v in verdicts}
    order = arrange([v.candidate for v in verdicts], overrides)
    if posted is not None:
        sent = {k: n for n, k in enumerate(posted.keys)}
        order.sort(key=lambda c: (c.priority != "emergency", sent.get(c.key, -1)))
    rows = []
    for candidate in order:
        verdict = by_key[candidate.key]
        setting = overrides.get(candidate.key, Override())
        emergency = candidate.priority == "emergency"
        if emergency:
            duration, pinned, left_off = "", False, False
        elif posted is not None:
            duration = posted.durations.get(candidate.key, "")
            pinned, left_off = candidate.key in posted.pinned, candidate.key in posted.excluded
        else:
            duration = f"{setting.duration_s:g}" if setting.duration_s else ""
            pinned, left_off = setting.pinned, setting.excluded
        rows.append(
            {
                "key": candidate.key,
                "title": candidate_title(candidate),
                "kind": kind_label(candidate),
                "validity": validity_label(candidate),
                "candidate": candidate,
                "locked": emergency,
                "pinned": pinned,
                "excluded": left_off,
                "duration": duration,
                "default_duration": f"{float(candidate.duration_s or rules.default_duration_s):g}",
                "plays": verdict.plays,
                "plays_for": f"{duration_of(candidate, rules, overrides):g}",
                "reason": verdict.reason,
            }
        )
    return rows


def validity_label(candidate):
    """ "từ 08:00 01/12/2026 đến 17:00 05/12/2026", in local time; "không giới hạn thời gian"."""
    parts = []
    if candidate.valid_from is not None:
        parts.append(f"từ {timezone.localtime(candidate.valid_from):%H:%M %d/%m/%Y}")
    if candidate.valid_until is not None:
        parts.append(f"đến {timezone.localtime(candidate.valid_until):%H:%M %d/%m/%Y}")
    return " ".join(parts) or _("không giới hạn thời gian")


@require_http_methods(["GET", "POST"])
def playlist_view(request, pk):
    board = _board(request, pk)
    if board.is_audio:
        return _render(request, board, [])
    verdicts = explain_board(board, timezone.localtime())
    if request.method == "POST":
        posted = Posted.from_post(request.POST)
        try:
            settings = settings_from(posted, {v.candidate.key: v.candidate for v in verdicts})
        except Refused as exc:
            messages.error(request, str(exc))
            return _render(request, board, playlist_rows(board, verdicts, overrides_for(board), posted), status=400)
        with transaction.atomic():
            save_settings(board, settings, request.user)
            Board.objects.filter(pk=board.pk).update(recompose_at=timezone.now())
            log(
                instance=board,
                action=LOG_ACTION,
                user=request.user,
                data={
                    "items": len(settings),
                    "pinned": sum(s.pinned for s in settings.values()),
                    "excluded": sum(s.excluded for s in settings.values()),
                    "timed": sum(s.duration_s is not None for s in settings.values()),
                },
            )
        messages.success(
            request,
            _(
                "Đã lưu thứ tự danh sách phát. Bảng nhận danh sách mới trong khoảng một phút (hoặc bấm “Dựng lại ngay”)."
            ),
        )
        return redirect(URL_NAME, pk=board.pk)
    return _render(request, board, playlist_rows(board, verdicts, overrides_for(board)))


def _render(request, board, rows, status=200):
    context = {
        "board": board,
        "rows": rows,
        "arranged": [r for r in rows if not r["locked"]],
        "emergencies": [r for r in rows if r["locked"]],
        "playing": [r for r in rows if r["plays"]],
        "min_duration": MIN_DURATION,
        "max_duration": MAX_DURATION,
        "default_duration": f"{board.default_slide_seconds:g}",
        "preview_url": reverse("boards:preview", args=[board.pk]),
        "header_title": _("Sắp xếp danh sách phát: %(name)s") % {"name": board.name},
        "page_title": _("Sắp xếp danh sách phát"),
        "header_icon": "list-ol",
        "breadcrumbs_items": [
            {"url": reverse("boards:index"), "label": _("Bảng điện tử")},
            {"url": reverse("boards:preview", args=[board.pk]), "label": board.name},
            {"url": "", "label": _("Sắp xếp danh sách phát")},
        ],
    }
    response = TemplateResponse(request, "boards/admin/playlist_edit.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
