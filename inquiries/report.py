"""Figures of citizens' questions and feedback per commune and period (admin report).

"Thống kê hỏi đáp" in the admin's Reports menu, at /admin/hoi-dap-thong-ke/: a period
(month, quarter or year; the current month by default) and a unit (one the user belongs to),
a table per commune with a total row, the same figures by channel (online, phone, in person,
letter), a bar chart of answers on time, late and overdue, and CSV (UTF-8 with BOM) and XLSX
downloads of the table per commune. The figures are those of inquiries.stats; the rate of
answers on time counts the overdue unanswered items too, and shows both its parts.

A user's units are the communes and areas whose editors or moderators group the user is in;
a superuser's are every province and district. A user with none gets 403. Wagtail's report
framework (ReportView) lists querysets; these rows are computed, so this is a plain admin
view that borrows the framework's spreadsheet export (for XLSX) and its page furniture.

Registered here, at import time (inquiries/wagtail_hooks.py imports this module).
"""

import io

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from areas.scoping import request_units
from core import periods
from core.text import slugify_vi
from inquiries import stats

URL_NAME = "tincoso_inquiry_stats"
TITLE = "Thống kê hỏi đáp"
UNIT_PARAM = "don_vi"
PERIOD_PARAM = "ky"


# --- Periods offered ---------------------------------------------------------------------------


def period_choices(today, selected=None, months=24, quarters=8, years=4):
    """[(group label, [(key, label)])]: recent months, quarters and years, newest first; the
    selected period too when it is not among them."""
    month_list, quarter_list, year_list = [], [], []
    year, month = today.year, today.month
    for _ in range(months):
        period = periods.Period.month(year, month)
        month_list.append((period.key, period.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(quarters):
        period = periods.Period.quarter(year, quarter)
        quarter_list.append((period.key, period.label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    for offset in range(years):
        period = periods.Period.year(today.year - offset)
        year_list.append((period.key, period.label))
    groups = [("Tháng", month_list), ("Quý", quarter_list), ("Năm", year_list)]
    if selected is not None and all(selected.key != key for _, items in groups for key, _ in items):
        groups.append(("Khác", [(selected.key, selected.label)]))
    return groups


# --- Chart -------------------------------------------------------------------------------------

CHART_SERIES = [
    ("answered_on_time", "Trả lời đúng hạn", "#2e7d32"),
    ("answered_late", "Trả lời trễ hạn", "#e65100"),
    ("overdue", "Quá hạn chưa trả lời", "#b71c1c"),
]


def bar_chart(table, width=720, label_width=200, row_height=26, bar_height=16, top=34):
    """Geometry of a horizontal stacked bar chart (on time, late, overdue per commune) for an
    inline SVG; a plain-text description for screen readers."""
    plot_width = width - label_width - 60
    biggest = max((sum(getattr(f, key) for key, _, _ in CHART_SERIES) for _, f in table), default=0)
    scale = plot_width / biggest if biggest else 0
    bars = []
    description = []
    for index, (commune, figures) in enumerate(table):
        y = top + index * row_height
        x = label_width
        segments = []
        parts = []
        for key, label, colour in CHART_SERIES:
            count = getattr(figures, key)
            parts.append(f"{count} {label.lower()}")
            if count:
                segment_width = count * scale
                segments.append(
                    {
                        "x": round(x, 2),
                        "width": round(max(segment_width, 1), 2),
                        "colour": colour,
                        "title": f"{commune.title}: {count} {label.lower()}",
                    }
                )
                x += segment_width
        count_total = sum(getattr(figures, key) for key, _, _ in CHART_SERIES)
        bars.append(
            {
                "name": commune.title,
                "y": y,
                "bar_y": y + (row_height - bar_height) / 2,
                "text_y": y + row_height / 2 + 4,
                "segments": segments,
                "total": count_total,
                "total_x": round(x + 6, 2),
            }
        )
        description.append(f"{commune.title}: " + ", ".join(parts))
    legend = []
    x = label_width
    for _key, label, colour in CHART_SERIES:
        legend.append({"x": x, "text_x": x + 18, "label": label, "colour": colour})
        x += 20 + 8 * len(label) + 24
    return {
        "width": width,
        "height": top + len(table) * row_height + 8,
        "label_width": label_width,
        "label_x": label_width - 8,
        "bar_height": bar_height,
        "bars": bars,
        "legend": legend,
        "description": "; ".join(description) + ".",
    }


# --- The view ----------------------------------------------------------------------------------


class InquiryStatsView(SpreadsheetExportMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "tincoso_admin/report/inquiry_stats.html"
    forbidden_template_name = "tincoso_admin/report/forbidden.html"
    page_title = TITLE
    header_icon = "table"
    # Spreadsheet export (XLSX by Wagtail; CSV here, with a BOM).
    list_export = ["code", "unit"] + [key for key, _ in stats.EXPORT_COLUMNS]
    export_headings = dict(zip(list_export, stats.export_header()))

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": TITLE}]

    @cached_property
    def today(self):
        return periods.local_today()

    def get(self, request, *args, **kwargs):
        units = request_units(request)
        if not units:
            return self.forbidden("Bạn chưa thuộc đơn vị nào nên không xem được thống kê hỏi đáp.")
        self.units = units
        unit = units[0]
        wanted = request.GET.get(UNIT_PARAM, "").strip()
        if wanted:
            unit = next((u for u in units if str(u.pk) == wanted), None)
            if unit is None:
                return self.forbidden("Bạn không có quyền xem thống kê của đơn vị này.")
        self.unit = unit
        self.period_error = ""
        text = request.GET.get(PERIOD_PARAM, "").strip()
        try:
            self.period = periods.Period.parse(text) if text else periods.Period.current_month(self.today)
        except ValueError as exc:
            self.period_error = str(exc)
            self.period = periods.Period.current_month(self.today)
        self.table, self.total = stats.rows_for(unit, self.period, today=self.today)
        if self.is_export:
            return self.as_spreadsheet(stats.export_rows(self.table, self.total), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def forbidden(self, message):
        context = {
            "page_title": TITLE,
            "header_title": TITLE,
            "header_icon": self.header_icon,
            "message": message,
            "breadcrumbs_items": self.get_breadcrumbs_items(),
            "header_buttons": [],
        }
        return TemplateResponse(self.request, self.forbidden_template_name, context, status=403)

    # Exports

    def get_filename(self):
        return f"thong-ke-hoi-dap-{slugify_vi(self.unit.title)}-{self.period.key.replace('..', '_')}"

    def get_export_url(self, format):
        # The unit and period shown, spelled out (the page may show defaults the URL does not carry).
        params = self.request.GET.copy()
        params[UNIT_PARAM] = self.unit.pk
        params[PERIOD_PARAM] = self.period.key
        params["export"] = format
        return f"{self.request.path}?{params.urlencode()}"

    def to_row_dict(self, item):
        return dict(zip(self.list_export, item))

    def write_csv_response(self, queryset):
        buffer = io.StringIO(newline="")
        stats.write_csv(buffer, self.table, self.total)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response

    # Page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for commune, figures in self.table:
            data = figures.as_dict()
            rows.append(
                {
                    "name": commune.title,
                    "code": commune.code,
                    "cells": [stats.display(data[key], kind) for key, _, kind in stats.TABLE_COLUMNS],
                }
            )
        total_data = self.total.as_dict()
        channel_table, _channel_total = stats.rows_by_channel_for(self.unit, self.period, today=self.today)
        channel_rows = [
            {
                "name": line.title,
                "code": line.code,
                "cells": [stats.display(figures.as_dict()[key], kind) for key, _, kind in stats.TABLE_COLUMNS],
            }
            for line, figures in channel_table
        ]
        context.update(
            {
                "units": self.units,
                "unit": self.unit,
                "period": self.period,
                "period_error": self.period_error,
                "period_groups": period_choices(self.today, self.period),
                "unit_param": UNIT_PARAM,
                "period_param": PERIOD_PARAM,
                "headings": [heading for _, heading, _ in stats.TABLE_COLUMNS],
                "rows": rows,
                "total_cells": [stats.display(total_data[key], kind) for key, _, kind in stats.TABLE_COLUMNS],
                "total_label": stats.TOTAL_LABEL,
                "channel_rows": channel_rows,
                "chart": bar_chart(self.table),
                "csv_url": self.csv_export_url,
                "xlsx_url": self.xlsx_export_url,
                "today": self.today,
                "cutoff": min(self.period.end, self.today),
            }
        )
        return context


# --- Registration ------------------------------------------------------------------------------


class InquiryStatsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(request_units(request))


@hooks.register("register_admin_urls")
def register_inquiry_stats_url():
    return [path("hoi-dap-thong-ke/", InquiryStatsView.as_view(), name=URL_NAME)]


@hooks.register("register_reports_menu_item")
def register_inquiry_stats_menu_item():
    return InquiryStatsMenuItem(TITLE, reverse(URL_NAME), name="inquiry-stats", icon_name="table", order=650)
