"""“Bản đồ bảng và loa” (/admin/bang-dien-tu-ban-do/): the user's active boards (LED, LCD) and
loudspeaker clusters (kind "audio") on a map, coloured by their state, with a legend, a filter by
state and kind, and a popup per marker linking to the board's preview and control screens. Boards
without coordinates are listed below the map with a link to their form.

The markers come from a GeoJSON FeatureCollection (/admin/bang-dien-tu-ban-do/du-lieu.geojson),
scoped like monitoring (boards/monitoring_views.py): the boards owned by one of the user's units or
a unit inside one; a superuser's: all. The states are monitoring's (boards/monitoring.py,
`board_state`, the channel presence believed only while the sender is connected), refined for the
map: an online board playing an older playlist version is "chậm phiên bản", a board off outside its
operating hours (or whose player reports its screen off) is "tắt theo lịch".

The page draws with Leaflet (core/static/vendor/leaflet/) and boards/static/boards/map.js, tiles
from settings.MAP_TILE_URL (the admin's Content-Security-Policy allows that host: core/security.py;
none when it is empty, the default, and the page says so).
Registered in boards/wagtail_hooks.py."""

import dataclasses

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.scoping import UnitStaffView, under
from boards.models import Board, BoardKind
from boards.monitoring import NEVER, OFFLINE, ONLINE, board_state, channel_trusted, newest_versions, scheduled_off
from boards.monitoring_views import SCHEDULED_OFF_LABEL, STATE_LABELS
from boards.monitoring_views import URL_NAME as MONITORING_URL_NAME

URL_NAME = "boards_map"
GEOJSON_URL_NAME = "boards_map_geojson"
TITLE = "Bản đồ bảng và loa"
BEHIND, SCHEDULED = "behind", "scheduled"


@dataclasses.dataclass(frozen=True)
class MapState:
    key: str
    label: str
    colour: str  # the marker's fill; also the legend's swatch
    meaning: str  # the legend's explanation


# In the legend's order. The colours are those of the monitoring page where it has one.
STATES = [
    MapState(ONLINE, STATE_LABELS[ONLINE], "#2e7d32", "gửi tín hiệu đều, phát danh sách mới nhất"),
    MapState(BEHIND, "Chậm phiên bản", "#f9a825", "đang chạy nhưng còn phát danh sách phát cũ"),
    MapState(SCHEDULED, SCHEDULED_OFF_LABEL, "#6a1b9a", "ngoài giờ hoạt động hoặc màn hình được tắt"),
    MapState(OFFLINE, STATE_LABELS[OFFLINE], "#c62828", "không gửi tín hiệu quá 1,5 lần chu kỳ hỏi"),
    MapState(NEVER, STATE_LABELS[NEVER], "#757575", "chưa có đầu phát nào kết nối"),
]
STATE_BY_KEY = {s.key: s for s in STATES}
# (kind, label, marker shape): LED and LCD boards are screens, clusters are loudspeakers.
KINDS = [
    (BoardKind.LED.value, "Bảng LED", "screen"),
    (BoardKind.LCD.value, "Màn hình LCD", "screen"),
    (BoardKind.AUDIO.value, "Cụm loa truyền thanh", "speaker"),
]
KIND_LABELS = {kind: label for kind, label, _ in KINDS}
KIND_SHAPES = {kind: shape for kind, _, shape in KINDS}


def map_state(board, state, now):
    """The map's state of a board from monitoring's `state` (boards/monitoring.State)."""
    if scheduled_off(board, state, now):
        return SCHEDULED
    if state.kind == ONLINE and state.behind:
        return BEHIND
    return state.kind


def _local(moment):
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def scoped_boards(paths):
    """The active boards of the units under `paths` (None: all), with what the states need."""
    boards = Board.objects.filter(is_active=True).select_related("owner", "status").prefetch_related("hours")
    if paths is not None:
        boards = boards.filter(under("owner__path", paths))
    return list(boards.order_by("owner__path", "name", "pk"))


def board_rows(boards, now=None):
    """Each board with its map state and what the popup and the list show, as dicts:
    GeoJSON-ready (`feature`) for a board with coordinates, `feature` None otherwise."""
    now = now or timezone.now()
    newest = newest_versions(boards)
    trusted = channel_trusted(now)
    rows = []
    for board in boards:
        status = getattr(board, "status", None)
        # 0 when nothing is published: not "behind", and no query per board for the newest version.
        state = board_state(board, status, now, current_version=newest.get(board.pk, 0), trusted=trusted)
        shown = STATE_BY_KEY[map_state(board, state, now)]
        properties = {
            "name": board.name,
            "unit": board.owner.title,
            "address": board.address,
            "kind": board.kind,
            "kind_label": KIND_LABELS.get(board.kind, board.get_kind_display()),
            "shape": KIND_SHAPES.get(board.kind, "screen"),
            "size": board.size_label,
            "state": shown.key,
            "state_label": shown.label,
            "colour": shown.colour,
            "last_seen": _local(state.last_seen_at),
            "offline_since": _local(state.offline_since) if shown.key == OFFLINE else "",
            "channel": bool(trusted and board.channel_state == ONLINE),
            "preview_url": reverse("boards:preview", args=[board.pk]),
            "control_url": reverse("boards:control", args=[board.pk]),
            "edit_url": reverse("boards:edit", args=[board.pk]),
        }
        feature = None
        if board.latitude is not None and board.longitude is not None:
            feature = {
                "type": "Feature",
                "id": board.pk,
                "geometry": {"type": "Point", "coordinates": [float(board.longitude), float(board.latitude)]},
                "properties": properties,
            }
        rows.append({"board": board, "properties": properties, "feature": feature})
    return rows


def feature_collection(rows):
    return {"type": "FeatureCollection", "features": [r["feature"] for r in rows if r["feature"] is not None]}


class BoardMapView(UnitStaffView, WagtailAdminTemplateMixin, TemplateView):
    template_name = "boards/admin/map.html"
    page_title = TITLE
    header_icon = "globe"

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        now = timezone.now()
        rows = board_rows(scoped_boards(self.paths), now)
        located = [r for r in rows if r["feature"] is not None]
        counts = {s.key: 0 for s in STATES}
        for row in located:
            counts[row["properties"]["state"]] += 1
        context.update(
            {
                "now": timezone.localtime(now),
                "states": [{"state": s, "count": counts[s.key]} for s in STATES],
                "kinds": [
                    {
                        "kind": kind,
                        "label": label,
                        "shape": shape,
                        "count": sum(r["board"].kind == kind for r in located),
                    }
                    for kind, label, shape in KINDS
                ],
                "located_count": len(located),
                "unlocated": [r for r in rows if r["feature"] is None],
                "geojson_url": reverse(GEOJSON_URL_NAME),
                "monitoring_url": reverse(MONITORING_URL_NAME),
                "tile_url": settings.MAP_TILE_URL,
                "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
                "tile_max_zoom": settings.MAP_TILE_MAX_ZOOM,
            }
        )
        return context


class BoardMapGeoJSONView(UnitStaffView, View):
    """The markers of the map as a GeoJSON FeatureCollection (RFC 7946: [longitude, latitude]),
    scoped like the page. Never cached (the admin's URLs send no-store): states change every minute."""

    def get(self, request):
        rows = board_rows(scoped_boards(self.paths))
        return JsonResponse(feature_collection(rows), content_type="application/geo+json")
