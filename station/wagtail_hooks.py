"""The station's admin screens and what it adds to the boards (docs/architecture.md, "Loudspeaker station")."""

import datetime

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from areas.scoping import UnitScopedPolicy, request_units, under
from station.candidates import programme_candidates
from station.log_views import TITLE as LOG_TITLE
from station.log_views import URL_NAME as LOG_URL
from station.log_views import LogView
from station.models import Programme, Station
from station.programme_views import ProgrammeMenuItem, ProgrammePolicy, ProgrammeViewSet
from station.register_views import StationViewSet
from station.relays import playlist_relays, windows
from station.schedule import slot_plans
from station.schedule_views import TITLE as PROGRAMME_TITLE
from station.schedule_views import URL_NAME as PROGRAMME_URL
from station.schedule_views import ProgrammeView


@hooks.register("construct_board_candidates")
def add_programmes(board, now, everything):
    return programme_candidates(board, now, everything)


# --- Recorded programmes ("Chương trình thu sẵn") ---------------------------------------------

register_permission_policy(Programme, ProgrammePolicy(Programme))  # departments' too
programme_viewset = ProgrammeViewSet()


@hooks.register("register_admin_viewset")
def register_programmes():
    return programme_viewset


@hooks.register("register_station_menu_item")
def register_programmes_menu_item():
    return ProgrammeMenuItem(
        _("Chương trình thu sẵn, tiếp sóng"),
        reverse(programme_viewset.get_url_name("index")),
        icon_name="media",
        order=200,
    )


# --- The broadcast log ("Nhật ký phát thanh") -----------------------------------------------


@hooks.register("register_admin_urls")
def register_log_url():
    return [path("dai-truyen-thanh/nhat-ky/", LogView.as_view(), name=LOG_URL)]


@hooks.register("register_station_menu_item")
def register_log_menu_item():
    return UnitItem(_(LOG_TITLE), reverse(LOG_URL), icon_name="list-ul", order=400)


# --- The "Đài truyền thanh" menu; the station register ("Sổ đài truyền thanh") ---------------
# Every screen of the station joins the submenu through the hook `register_station_menu_item`.

register_permission_policy(Station, UnitScopedPolicy(Station))
station_viewset = StationViewSet()


class UnitItem(MenuItem):
    """Shown to superusers and to the staff of any unit (a commune keeps its own station's register)."""

    def is_shown(self, request):
        return request.user.is_superuser or bool(request_units(request))


@hooks.register("register_admin_viewset")
def register_stations():
    return station_viewset


@hooks.register("register_station_menu_item")
def register_stations_menu_item():
    return UnitItem(
        _("Sổ đài truyền thanh"),
        reverse(station_viewset.get_url_name("index")),
        name="so-dai-truyen-thanh",
        icon_name="clipboard-list",
        order=100,
    )


@hooks.register("register_admin_menu_item")
def register_station_menu():
    return SubmenuMenuItem(
        _("Đài truyền thanh"),
        Menu(register_hook_name="register_station_menu_item"),
        icon_name="media",
        name="dai-truyen-thanh",
        order=255,
    )


# --- The broadcast programme (Thông tư 39) ------------------------------------------------------


@hooks.register("construct_broadcast_plans")
def add_slot_plans(board, start, end):
    return slot_plans(board, start, end)


@hooks.register("register_admin_urls")
def register_programme_url():
    return [path("dai-truyen-thanh/chuong-trinh/", ProgrammeView.as_view(), name=PROGRAMME_URL)]


@hooks.register("register_station_menu_item")
def register_programme_menu_item():
    return UnitItem(_(PROGRAMME_TITLE), reverse(PROGRAMME_URL), icon_name="date", order=150)


@hooks.register("construct_audio_schedule")
def add_volumes(board):
    """The commune's volume per class of item (its station's register) and the relays, for its clusters."""
    station = Station.objects.filter(owner_id=board.owner_id).first()
    schedule = {"volumes": (station or Station()).volumes()}
    relays = playlist_relays(board)
    if relays:
        schedule["relays"] = relays
    return schedule


# --- Live broadcasts ("Phát trực tiếp", station/live.py) ----------------------------------------


@hooks.register("register_admin_urls")
def register_live_urls():
    from station import live_views

    return [
        path("dai-truyen-thanh/phat-truc-tiep/", live_views.LiveView.as_view(), name=live_views.URL_NAME),
        path("dai-truyen-thanh/phat-truc-tiep/ve/", live_views.ticket_view, name=live_views.TICKET_URL_NAME),
    ]


@hooks.register("register_station_menu_item")
def register_live_menu_item():
    from station import live_views

    return UnitItem(
        _(live_views.TITLE), reverse(live_views.URL_NAME), name="phat-truc-tiep", icon_name="media", order=300
    )


@hooks.register("construct_monitoring_notices")
def relays_down(request, paths):
    """On "Giám sát bảng điện tử": the relays on air now whose stream the worker found down."""
    found = Programme.objects.filter(kind="relay", stream_ok=False).select_related("owner")
    if paths is not None:
        found = found.filter(under("owner__path", paths))
    now = timezone.now()
    return [
        f"Tiếp sóng “{relay.title}” ({relay.owner.title}): luồng đang ngắt – {relay.stream_message} "
        f"Các cụm loa vẫn phát chương trình đã xếp."
        for relay in found
        if windows(relay, now - datetime.timedelta(minutes=2), now + datetime.timedelta(minutes=1))
    ]
