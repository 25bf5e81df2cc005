"""“Giám sát bảng điện tử” (/admin/bang-dien-tu-giam-sat/): the user's boards (those owned by
one of their units or a unit inside one; a superuser's: all), counted per district, listed with
their state, versions, last heartbeat and screenshot, and a chart of boards online over the last
24 hours or 7 days (OnlineSample rows stored by boards/monitoring.py). Registered in
boards/wagtail_hooks.py."""

import datetime

from django.db.models import Max, Sum
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.models import AreaPage
from areas.scoping import UnitStaffView, under
from boards.models import Board, OnlineSample, PlaylistVersion
from boards.monitoring import NEVER, OFFLINE, ONLINE, board_state, channel_trusted, scheduled_off

URL_NAME = "boards_monitoring"
TITLE = "Giám sát bảng điện tử"
PERIODS = {"24h": ("24 giờ qua", datetime.timedelta(hours=24)), "7d": ("7 ngày qua", datetime.timedelta(days=7))}
STATE_LABELS = {ONLINE: "Trực tuyến", OFFLINE: "Ngoại tuyến", NEVER: "Chưa kết nối"}
SCHEDULED_OFF_LABEL = "Tắt theo lịch"


def line_chart(points, since, until, width=720, height=240, left=44, right=16, top=16, bottom=36):
    """Geometry of a line chart of (moment, online, total) for an inline SVG."""
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (until - since).total_seconds() or 1
    biggest = max((t for _, _, t in points), default=0) or 1

    def xy(moment, value):
        x = left + (moment - since).total_seconds() / span * plot_w
        y = top + plot_h - value / biggest * plot_h
        return f"{x:.1f},{y:.1f}"

    ticks = []
    for i in range(5):
        moment = since + (until - since) * i / 4
        local = timezone.localtime(moment)
        ticks.append(
            {"x": round(left + plot_w * i / 4, 1), "label": local.strftime("%H:%M" if span <= 86400 else "%d/%m")}
        )
    y_ticks = [
        {"y": round(top + plot_h - v / biggest * plot_h, 1), "label": v} for v in sorted({0, biggest // 2, biggest})
    ]
    if points:
        low = min(points, key=lambda p: p[1])
        last = points[-1]
        description = (
            f"{len(points)} lần đo từ {timezone.localtime(points[0][0]):%H:%M %d/%m} đến "
            f"{timezone.localtime(last[0]):%H:%M %d/%m}; lần đo cuối {last[1]}/{last[2]} bảng trực tuyến; "
            f"thấp nhất {low[1]}/{low[2]} lúc {timezone.localtime(low[0]):%H:%M %d/%m}."
        )
    else:
        description = "Chưa có số liệu trong khoảng thời gian này."
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "bottom_y": top + plot_h,
        "label_y": top + plot_h + 20,
        "online": " ".join(xy(at, online) for at, online, _ in points),
        "total": " ".join(xy(at, total) for at, _, total in points),
        "ticks": ticks,
        "y_ticks": y_ticks,
        "description": description,
        "count": len(points),
    }


def _district_of(unit_path, districts):
    for path in sorted(districts, key=len, reverse=True):
        if unit_path.startswith(path):
            return districts[path]
    return None


class MonitoringView(UnitStaffView, WagtailAdminTemplateMixin, TemplateView):
    template_name = "boards/admin/monitoring.html"
    page_title = TITLE
    header_icon = "desktop"

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        now = timezone.now()
        boards = Board.objects.filter(is_active=True).select_related("owner", "status")
        if self.paths is not None:
            boards = boards.filter(under("owner__path", self.paths))
        boards = list(boards)
        newest = dict(
            PlaylistVersion.objects.filter(board__in=boards)
            .values("board")
            .annotate(n=Max("number"))
            .values_list("board", "n")
        )
        districts = {a.path: a for a in AreaPage.objects.filter(level__in=["district"]).only("path", "title")}
        trusted = channel_trusted(now)
        areas, rows = {}, []
        for board in boards:
            status = getattr(board, "status", None)
            state = board_state(board, status, now, current_version=newest.get(board.pk), trusted=trusted)
            area = _district_of(board.owner.path, districts) or board.owner
            counts = areas.setdefault(area.path, {"name": area.title, ONLINE: 0, OFFLINE: 0, NEVER: 0, "total": 0})
            counts[state.kind] += 1
            counts["total"] += 1
            screenshot = ""
            if status is not None and status.screenshot:
                try:
                    screenshot = status.screenshot.url
                except ValueError:
                    screenshot = ""
            off_by_schedule = scheduled_off(board, state, now)
            rows.append(
                {
                    "board": board,
                    "unit": board.owner.title,
                    "state": state,
                    "label": SCHEDULED_OFF_LABEL if off_by_schedule else STATE_LABELS[state.kind],
                    "scheduled_off": off_by_schedule,
                    "channel": board.channel_state if trusted else "",
                    "offline_since": timezone.localtime(state.offline_since) if state.offline_since else None,
                    "last_seen": timezone.localtime(state.last_seen_at) if state.last_seen_at else None,
                    "player": status.player if status is not None else "",
                    "screenshot": screenshot,
                    "screenshot_at": timezone.localtime(status.screenshot_at)
                    if status and status.screenshot_at
                    else None,
                }
            )
        order = {OFFLINE: 0, NEVER: 1, ONLINE: 2}
        rows.sort(key=lambda r: (order[r["state"].kind], r["board"].owner.path, r["board"].name))
        area_rows = [areas[p] for p in sorted(areas)]
        totals = {k: sum(a[k] for a in area_rows) for k in (ONLINE, OFFLINE, NEVER, "total")}

        period = self.request.GET.get("ky", "24h")
        if period not in PERIODS:
            period = "24h"
        since = now - PERIODS[period][1]
        samples = OnlineSample.objects.filter(at__gte=since, at__lte=now)
        if self.paths is not None:
            samples = samples.filter(under("unit__path", self.paths))
        points = [
            (s["at"], s["online"], s["total"])
            for s in samples.values("at").annotate(online=Sum("online"), total=Sum("total")).order_by("at")
        ]
        notices = []  # what apps above want the operator to see here (station/: relays whose stream is down)
        for hook in hooks.get_hooks("construct_monitoring_notices"):
            notices.extend(hook(self.request, self.paths))
        context.update(
            {
                "notices": notices,
                "rows": rows,
                "areas": area_rows,
                "totals": totals,
                "now": timezone.localtime(now),
                "periods": [(key, label) for key, (label, _) in PERIODS.items()],
                "period": period,
                "period_label": PERIODS[period][0],
                "chart": line_chart(points, since, now),
            }
        )
        return context
