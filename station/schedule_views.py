"""“Chương trình phát thanh” (/admin/dai-truyen-thanh/chuong-trinh/): a commune's broadcast
programme by day and by week (station/schedule.py). A commune editor places the items that
wait, reorders a slot by dragging (or with the arrows), takes an item out of a slot; each change
recomposes the commune's clusters, whose players then play by it. Only communes the user acts
for, and only those with clusters."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.models import CommuneHomePage
from areas.scoping import UnitStaffView, under
from boards.tasks import enqueue
from core.periods import query_date
from station import schedule
from station.reach import clusters

URL_NAME = "station_programme"
TITLE = "Chương trình phát thanh"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def _time(text):
    try:
        return datetime.time.fromisoformat(text)
    except (TypeError, ValueError):
        return None


class ProgrammeView(UnitStaffView, WagtailAdminTemplateMixin, TemplateView):
    template_name = "station/programme.html"
    page_title = TITLE
    header_icon = "date"

    def communes(self):
        """The user's communes that have loudspeaker clusters."""
        owners = clusters().values("owner_id")
        found = CommuneHomePage.objects.filter(pk__in=owners).order_by("path")
        return found.filter(under("path", self.paths)) if self.paths is not None else found

    def commune(self, data):
        mine = self.communes()
        chosen = data.get("xa")
        if chosen:
            if not str(chosen).isdigit():
                raise Http404
            commune = mine.filter(pk=int(chosen)).first()
            if commune is None:  # another unit's commune, or none: the same answer
                raise Http404
            return commune
        return mine.first()

    def url(self, commune, day, view="ngay"):
        query = f"?xa={commune.pk}&ngay={day:%Y-%m-%d}" + ("&xem=tuan" if view == "tuan" else "")
        return reverse(URL_NAME) + query

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        get = self.request.GET
        commune = self.commune(get)
        today = timezone.localdate()
        day = query_date(get.get("ngay")) or today
        view = "tuan" if get.get("xem") == "tuan" else "ngay"
        context.update(
            {
                "communes": self.communes(),
                "commune": commune,
                "day": day,
                "today": today,
                "view": view,
                "weekday": WEEKDAYS[day.weekday()],
            }
        )
        if commune is None:
            return context
        context.update(
            {
                "previous_url": self.url(commune, day - datetime.timedelta(days=7 if view == "tuan" else 1), view),
                "next_url": self.url(commune, day + datetime.timedelta(days=7 if view == "tuan" else 1), view),
                "day_url": self.url(commune, day),
                "week_url": self.url(commune, day, "tuan"),
                "editable": day >= today,
            }
        )
        if view == "tuan":
            context["week"] = [
                {"day": d, "weekday": WEEKDAYS[d.weekday()], "slots": slots, "url": self.url(commune, d)}
                for d, slots in schedule.week_programme(commune, day)
            ]
            times = sorted({s.at for entry in context["week"] for s in entry["slots"]})
            context["week_rows"] = [
                {"at": at, "cells": [next((s for s in e["slots"] if s.at == at), None) for e in context["week"]]}
                for at in times
            ]
            return context
        slots, waiting, _items = schedule.day_programme(commune, day)
        now = timezone.now()
        context.update(
            {
                "slots": slots,
                "waiting": waiting,
                "future": [s for s in slots if s.moment > now],
                "relays": schedule.day_relays(commune, day),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        data = request.POST
        commune = self.commune(data)
        if commune is None:
            raise Http404
        day = query_date(data.get("ngay"))
        back = self.url(commune, day or timezone.localdate())
        if day is None:
            messages.error(request, "Ngày không hợp lệ.")
            return redirect(back)
        action, key = data.get("action", ""), data.get("key", "")
        try:
            if action == "place":
                times = [t for t in (_time(v) for v in data.getlist("slots")) if t is not None]
                if not times:
                    raise schedule.PlanError("Chọn ít nhất một khung giờ để đưa vào.")
                days = 7 if data.get("ca_tuan") else 1
                placed = sum(schedule.place(commune, key, day, at, request.user, days) for at in times)
                messages.success(request, f"Đã đưa vào {placed} khung giờ.")
            else:
                at = _time(data.get("at"))
                if at is None:
                    raise schedule.PlanError("Khung giờ không hợp lệ.")
                if action == "order":
                    schedule.reorder(commune, day, at, data.getlist("keys"), request.user)
                    messages.success(request, f"Đã lưu thứ tự khung {at:%H:%M}.")
                elif action in ("up", "down"):
                    current = data.getlist("keys")
                    schedule.move(commune, day, at, key, -1 if action == "up" else 1, request.user, current)
                elif action == "remove":
                    schedule.take_out(commune, day, at, key, request.user)
                    messages.success(request, f"Đã bỏ khỏi khung {at:%H:%M}.")
                elif action == "restore":
                    schedule.restore(commune, day, at, key, request.user)
                    messages.success(request, f"Đã đưa lại vào khung {at:%H:%M}.")
                else:
                    raise schedule.PlanError("Thao tác không hợp lệ.")
        except schedule.PlanError as exc:
            messages.error(request, str(exc))
            return redirect(back)
        for pk in clusters().filter(owner=commune).values_list("pk", flat=True):
            enqueue("boards.tasks.rebuild_board", pk)
        return redirect(back)
