"""“Nhật ký phát thanh” (/admin/dai-truyen-thanh/nhat-ky/): the airings of the user's clusters
(those of their units and the units inside), filtered by cluster, dates and kind, exported as
CSV, XLSX or PDF under the unit's header (station/log.py). Registered in station/wagtail_hooks.py."""

import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from areas.scoping import UnitStaffView, under
from core.periods import query_date
from station import log
from station.reach import clusters

URL_NAME = "station_log"
TITLE = "Nhật ký phát thanh"
PER_PAGE = 100
DEFAULT_DAYS = 7
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class LogView(UnitStaffView, WagtailAdminTemplateMixin, TemplateView):
    template_name = "station/log.html"
    page_title = TITLE
    header_icon = "media"

    def clusters(self):
        found = clusters().select_related("owner").order_by("owner__path", "name")
        return found.filter(under("owner__path", self.paths)) if self.paths is not None else found

    def filters(self):
        """The chosen filters and the problems with them (shown above the table, never a 500)."""
        get, errors = self.request.GET, []
        today = timezone.localdate()
        since, until = query_date(get.get("tu"), False), query_date(get.get("den"), False)
        if since is False or until is False:
            errors.append("Ngày không hợp lệ: ghi theo dạng năm-tháng-ngày, ví dụ 2026-12-01.")
        since = since or today - datetime.timedelta(days=DEFAULT_DAYS - 1)
        until = until or today
        if until < since:
            errors.append("“Đến ngày” phải sau “từ ngày”: đã đổi chỗ hai ngày.")
            since, until = until, since
        mine = self.clusters()
        cluster = None
        if get.get("cum"):
            if not get["cum"].isdigit():
                raise Http404
            cluster = mine.filter(pk=int(get["cum"])).first()
            if cluster is None:  # another unit's cluster, or none: the same answer
                raise Http404
        kind = get.get("loai") if get.get("loai") in dict(log.KIND_FILTERS) else None
        return {"since": since, "until": until, "cluster": cluster, "kind": kind, "clusters": mine, "errors": errors}

    def records(self, chosen):
        start = timezone.make_aware(datetime.datetime.combine(chosen["since"], datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(chosen["until"] + datetime.timedelta(days=1), datetime.time())
        )
        shown = [chosen["cluster"]] if chosen["cluster"] is not None else chosen["clusters"]
        return log.airings(shown, start, end, chosen["kind"])

    def period_label(self, chosen):
        return f"từ {chosen['since']:%d/%m/%Y} đến {chosen['until']:%d/%m/%Y}"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("dinh_dang")
        if not fmt:
            return super().get(request, *args, **kwargs)
        if fmt not in FORMATS:
            return HttpResponse("Định dạng xuất không hỗ trợ: chọn csv, xlsx hoặc pdf.", status=400)
        chosen = self.filters()
        rows = log.describe(self.records(chosen))
        cluster = chosen["cluster"]
        unit = self.unit_for(chosen)
        title = f"Nhật ký phát thanh – {unit.title} – {self.period_label(chosen)}"
        if fmt == "csv":
            body = log.as_csv(rows)
        elif fmt == "xlsx":
            body = log.as_xlsx(rows, title)
        else:
            body = log.as_pdf(rows, unit, self.period_label(chosen), cluster.name if cluster else "tất cả cụm loa")
        response = HttpResponse(body, content_type=FORMATS[fmt])
        name = f"nhat-ky-phat-thanh-{chosen['since']:%Y%m%d}-{chosen['until']:%Y%m%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def unit_for(self, chosen):
        """Whose header the export carries: the cluster's unit, the one unit of all the clusters
        shown, or the user's widest unit."""
        if chosen["cluster"] is not None:
            return chosen["cluster"].owner
        owners = {c.owner_id: c.owner for c in chosen["clusters"]}
        if len(owners) == 1:
            return next(iter(owners.values()))
        if self.paths:
            return Page.objects.filter(path=min(self.paths, key=len)).first()
        return Page.objects.filter(depth=2).order_by("path").first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.filters()
        records = self.records(chosen)
        page = Paginator(records, PER_PAGE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        query.pop("dinh_dang", None)
        context.update(
            {
                "chosen": chosen,
                "rows": log.describe(page.object_list),
                "page": page,
                "count": page.paginator.count,
                "kinds": log.KIND_FILTERS,
                "query": query.urlencode(),
                "period_label": self.period_label(chosen),
            }
        )
        return context
