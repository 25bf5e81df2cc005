"""The board's remote control in the admin (docs/architecture.md, "Real-time channel v1"):
"Cập nhật ngay", "Chụp màn hình", "Khởi động lại đầu phát", volume and screen power, and the
history of every command with its ack. Only users who may change the board (its own unit and
the units above it) may command it; the request only inserts a BoardCommand, the sender
publishes it."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from areas.scoping import UnitScopedPolicy
from boards import channel
from boards.models import Board, CommandKind, CommandState
from boards.monitoring import board_state, channel_trusted, scheduled_off

HISTORY = 30
STATE_CLASSES = {
    CommandState.PENDING: "warning",
    CommandState.SENT: "warning",
    CommandState.DONE: "success",
    CommandState.FAILED: "critical",
    CommandState.EXPIRED: "critical",
}


def _args_from(post, kind):
    if kind == CommandKind.VOLUME:
        try:
            return {"level": int(post.get("level", ""))}
        except ValueError as exc:
            raise ValueError("Âm lượng phải là một số từ 0 đến 100.") from exc
    if kind == CommandKind.POWER:
        until = (post.get("until") or "").strip()
        moment = None
        if until:
            moment = parse_datetime(until)
            if moment is None:
                raise ValueError("Thời điểm không hợp lệ.")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        return {"on": post.get("on") == "1", "until": moment.isoformat() if moment else None}
    return {}


def control_view(request, pk):
    board = get_object_or_404(Board.objects.select_related("owner", "status"), pk=pk)
    user = request.user
    policy = UnitScopedPolicy(Board)
    if not (user.is_authenticated and policy.user_has_permission_for_instance(user, "view", board)):
        raise Http404
    may_command = policy.user_has_permission_for_instance(user, "change", board)
    if request.method == "POST":
        if not may_command:
            return HttpResponse(
                "Bạn không có quyền điều khiển bảng này.", status=403, content_type="text/plain; charset=utf-8"
            )
        kind = request.POST.get("command", "")
        if kind not in CommandKind.values:
            return HttpResponse("Lệnh không hợp lệ.", status=400, content_type="text/plain; charset=utf-8")
        if kind == CommandKind.SCREENSHOT and board.is_audio:
            messages.error(request, "Cụm loa không có màn hình để chụp.")
            return redirect("boards:control", pk=board.pk)
        if kind == CommandKind.POWER and board.is_audio:
            messages.error(request, "Cụm loa không có màn hình để bật/tắt.")
            return redirect("boards:control", pk=board.pk)
        try:
            args = _args_from(request.POST, kind)
            if kind == CommandKind.COLLECT and board.current_version is not None:
                args = {"version": board.current_version.number}
            command = channel.send(board, kind, args, user=user)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("boards:control", pk=board.pk)
        if not channel.enabled():
            messages.warning(
                request,
                "Kênh thời gian thực chưa bật (MQTT_URL): lệnh được ghi lại nhưng chưa gửi được; bảng vẫn tự hỏi "
                "danh sách phát theo chu kỳ.",
            )
        else:
            messages.success(request, f"Đã gửi lệnh “{command.get_kind_display()}”.")
        return redirect("boards:control", pk=board.pk)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    now = timezone.now()
    status = getattr(board, "status", None)
    trusted = channel_trusted(now)
    state = board_state(board, status, now, trusted=trusted)
    commands = list(board.commands.select_related("created_by")[:HISTORY])
    for command in commands:
        command.css = STATE_CLASSES.get(command.state, "")
    reported = board.channel_status or {}
    context = {
        "board": board,
        "status": status,
        "state": state,
        "scheduled_off": scheduled_off(board, state, now),
        "channel_enabled": channel.enabled(),
        "channel_trusted": trusted,
        "channel_state": board.channel_state if trusted else "",
        "channel_at": timezone.localtime(board.channel_at) if board.channel_at else None,
        "reported": reported,
        "commands": commands,
        "may_command": may_command,
        "kinds": CommandKind,
        "volume": reported.get("volume", 80),
        "pairing_url": reverse("boards:pairing", args=[board.pk]),
        "preview_url": reverse("boards:preview", args=[board.pk]),
        "header_title": f"Điều khiển: {board.name}",
        "page_title": board.name,
        "header_icon": "desktop",
    }
    response = TemplateResponse(request, "boards/admin/control.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
