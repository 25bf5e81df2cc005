"""How the indicators are shown: the ministry's numbered indicators with their targets, Đạt / Chưa
đạt and the bars against the targets (from indicators/numbered.py), the project's other figures
apart, the tables (per district, per commune type, per commune), the trend charts as inline SVG
geometry, the CSVs and the PDF. Shared by the admin views (indicators/views.py) and `manage.py indicators_report`.
The figures themselves come from indicators/compute.py.

The PDF is laid out as an administrative document (Nghị định 30/2020/NĐ-CP): the issuing body
and the national motto, number and symbol, place and date, the type and title, the body, then
the signature block on the right and "Nơi nhận:" on the left, as the area set them
(indicators/models.py ReportSigning).
"""

import csv

from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Site

from areas.models import SiteIdentity
from cms_pages import printing
from core import periods
from core.text import slugify_vi
from indicators import numbered
from indicators.compute import GROUP_KEYS, GROUP_LABELS, WEBSITE_WINDOW, moment_date
from indicators.models import ReportSigning
from inquiries import stats

NOT_APPLICABLE_TEXT = "không áp dụng"
NONE_TEXT = "–"
TITLE = "Chỉ tiêu thông tin cơ sở"
REPORT_KIND = "BÁO CÁO"
REPORT_TITLE = "Kết quả thực hiện các chỉ tiêu phát triển hệ thống thông tin cơ sở"
LOUDSPEAKER_HELP = (
    "Chỉ tiêu 1.1: đơn vị cấp xã có đài truyền thanh đang hoạt động, có ít nhất một thôn, bản, ấp, khóm, "
    "tổ dân phố trong sổ đài truyền thanh và loa phủ tới mọi thôn, ấp đó; với đài ứng dụng CNTT-VT (loa IP), "
    "thôn, ấp chỉ được tính là có loa khi có ít nhất một cụm loa IP phục vụ nó có tín hiệu trong 24 giờ; với đài "
    "hữu tuyến, vô tuyến FM, tính theo sổ đài. Chỉ tiêu 1.2: đơn vị cấp xã có đài đã chuyển sang ứng dụng "
    "CNTT-VT (loa IP), tính từ ngày chuyển đổi ghi trong sổ. Tổng số của cả hai là mọi đơn vị cấp xã trong địa "
    "bàn, kể cả xã chưa có đài trong sổ."
)
LOUDSPEAKER_TREND_NOTE = (
    "Sổ đài truyền thanh không lưu lịch sử: ở các mốc trước, chỉ tiêu 1.1 tính theo sổ hiện tại (đài hoạt động, "
    "thôn, ấp có loa) và tín hiệu của các cụm loa IP tại từng mốc; chỉ tiêu 1.2 theo ngày chuyển đổi."
)


# --- Numbers for people ---------------------------------------------------------------------------


def number(value):
    return stats.display(value, "int")


def percent(ratio):
    if not ratio.applicable:
        return NOT_APPLICABLE_TEXT
    return stats.display(ratio.rate, "percent")


def ratio_text(ratio):
    """'12/14 (85,7%)'; '–' when there is nothing to count; 'không áp dụng'."""
    if not ratio.applicable:
        return NOT_APPLICABLE_TEXT
    if not ratio.total:
        return NONE_TEXT
    return f"{number(ratio.count)}/{number(ratio.total)} ({percent(ratio)})"


def yes_no(ratio, yes="Có", no="Không"):
    if not ratio.applicable:
        return NOT_APPLICABLE_TEXT
    if not ratio.total:
        return NONE_TEXT
    return yes if ratio.count else no


def local_moment(moment):
    return timezone.localtime(moment, periods.local_zone())


def as_of_text(report):
    """'hết ngày 30/11/2026' (a period that has ended) or '13:05 ngày 05/12/2026' (now)."""
    if report.is_current:
        return f"{local_moment(report.as_of):%H:%M} ngày {local_moment(report.as_of):%d/%m/%Y}"
    return f"hết ngày {moment_date(report.as_of):%d/%m/%Y}"


def date_text(moment):
    return f"{local_moment(moment):%d/%m/%Y}" if moment else NONE_TEXT


# --- Summary: the ministry's numbered indicators, then the project's other figures ----------------


def target_cells(checks):
    """[{source, text, met, met_word}] of a line's targets, the ministry's first."""
    cells = []
    for check in checks:
        year = f" (năm {check.year})" if check.year else ""
        cells.append(
            {
                "source": check.source,
                "source_word": check.source_word,
                "text": f"{check.value_text}{year}",
                "value_text": check.value_text,
                "year": check.year,
                "note": check.note,
                "met": check.met,
                "met_word": check.met_word,
            }
        )
    return cells


def summary(report, result=None):
    """[{number, code, label, count, total, rate, targets, note, sub}]: the ministry's indicators
    under its numbering (indicators/numbered.py), with their targets and whether they are met."""
    result = result or numbered.numbered(report.area, report.period, report=report)
    lines = []
    for line in result.lines:
        ratio = line.ratio
        lines.append(
            {
                "number": line.code,
                "shown_number": line.number if not line.sub else "",
                "code": line.code,
                "label": line.label,
                "sub": line.sub,
                "count": number(ratio.count) if ratio.applicable else NOT_APPLICABLE_TEXT,
                "total": number(ratio.total) if ratio.applicable else "",
                "rate": percent(ratio) if ratio.total or not ratio.applicable else NONE_TEXT,
                "targets": target_cells(line.targets),
                "ministry": next((c for c in target_cells(line.targets) if c["source"] == "bo"), None),
                "province": next((c for c in target_cells(line.targets) if c["source"] == "tinh"), None),
                "note": line.definition
                if ratio.applicable
                else "Không có cấp huyện (chính quyền 2 cấp)."
                if line.code in ("2.1", "2.2", "huyen-cung-cap")
                else "Chỉ tính cho tỉnh.",
            }
        )
    return lines


def other_summary(report):
    """The project's own figures, outside the ministry's numbering: [{key, label, count, total, rate, note}]."""
    row = report.total
    a = row.as_of
    lines = [
        (
            "websites",
            "Đơn vị cấp xã có trang thông tin điện tử cập nhật trong 30 ngày (chung)",
            a.websites,
            "",
        ),
        ("boards", "Đơn vị cấp xã có bảng điện tử công cộng hoạt động (chung, 24 giờ)", a.boards, ""),
        ("online", "Bảng điện tử trực tuyến", a.online, "tại thời điểm tính số liệu"),
        (
            "on_time",
            "Câu hỏi, phản ánh, kiến nghị của người dân được trả lời đúng hạn (trong kỳ)",
            row.on_time,
            f"Tổng số = {number(row.inquiries.answered)} đã trả lời + {number(row.inquiries.overdue)} quá hạn "
            f"chưa trả lời; {number(row.inquiries.received)} tiếp nhận trong kỳ",
        ),
    ]
    return [
        {
            "number": key,
            "label": label,
            "sub": False,
            "count": number(ratio.count),
            "total": number(ratio.total),
            "rate": percent(ratio) if ratio.total else NONE_TEXT,
            "note": note,
        }
        for key, label, ratio, note in lines
    ]


def pushed_summary(report):
    p = report.total.pushed
    return [
        ("Thông tin nguồn đã phát hành", number(p.items)),
        ("Cảnh báo khẩn cấp đã phát hành", number(p.alerts)),
        ("Lượt xã nhận (tin × xã có trang hiện tin)", number(p.deliveries)),
        ("Lượt phát trên bảng điện tử", number(p.plays)),
        ("Số bảng đã phát", number(p.boards_played)),
    ]


# --- Tables ------------------------------------------------------------------------------------------


def _pushed_cells(pushed):
    if pushed is None:
        return [NONE_TEXT, NONE_TEXT, NONE_TEXT]
    return [number(pushed.published), number(pushed.deliveries), number(pushed.plays)]


LOUDSPEAKER_HEADINGS = ["Loa phủ khắp thôn, ấp (1.1)", "Loa ứng dụng CNTT-VT (1.2)"]

DISTRICT_HEADINGS = [
    "Số đơn vị",
    "TTĐT hoạt động",
    "Có bảng điện tử hoạt động",
    "Bảng cỡ lớn kết nối",
    "Bảng trực tuyến",
    *LOUDSPEAKER_HEADINGS,
    "Trả lời đúng hạn",
    "Tin nguồn, cảnh báo",
    "Lượt xã nhận",
    "Lượt phát",
]


def district_table(report):
    """Per district (a province in the 3-level structure), with the total."""

    def cells(row, district):
        a = row.as_of
        large = yes_no(a.large_boards) if district else ratio_text(a.large_boards)
        return [
            number(row.communes),
            ratio_text(a.websites),
            ratio_text(a.boards),
            large,
            ratio_text(a.online),
            ratio_text(a.loudspeakers),
            ratio_text(a.ip_stations),
            ratio_text(row.on_time),
            *_pushed_cells(row.pushed),
        ]

    return {
        "first": "Huyện",
        "headings": DISTRICT_HEADINGS,
        "rows": [{"name": r.name, "code": r.code, "cells": cells(r, True)} for r in report.districts],
        "total": {"name": "Tổng cộng", "cells": cells(report.total, False)},
    }


TYPE_HEADINGS = [
    "Số đơn vị",
    "TTĐT hoạt động",
    "Có bảng điện tử hoạt động",
    *LOUDSPEAKER_HEADINGS,
    "Trả lời đúng hạn",
]


def type_table(report):
    def cells(row):
        return [
            number(row.communes),
            ratio_text(row.as_of.websites),
            ratio_text(row.as_of.boards),
            ratio_text(row.as_of.loudspeakers),
            ratio_text(row.as_of.ip_stations),
            ratio_text(row.on_time),
        ]

    return {
        "first": "Loại đơn vị",
        "headings": TYPE_HEADINGS,
        "rows": [{"name": r.name, "code": r.code, "cells": cells(r)} for r in report.types],
        "total": {"name": "Tổng cộng", "cells": cells(report.total)},
    }


COMMUNE_HEADINGS = [
    "Loại",
    "TTĐT hoạt động",  # updated in 30 days
    "Lần đăng gần nhất",
    "Số bảng",
    "Bảng hoạt động (24 giờ)",
    "Bảng trực tuyến",
    "Đài truyền thanh",
    "Thôn, ấp có loa",
    *LOUDSPEAKER_HEADINGS,
    "Trả lời đúng hạn",
]

TECHNOLOGY_WORDS = {"wired": "Hữu tuyến", "fm": "Vô tuyến FM", "ip": "CNTT-VT"}


def station_text(facts):
    """A commune's station in a few words: 'CNTT-VT từ 15/03/2024', 'Hữu tuyến · ngừng hoạt
    động', 'Chưa có'."""
    if facts is None:
        return "Chưa có"
    if facts.ip:
        text = f"CNTT-VT từ {facts.converted_on:%d/%m/%Y}"
    elif facts.technology == "ip":  # converted after the moment
        text = f"Chuyển CNTT-VT ngày {facts.converted_on:%d/%m/%Y}" if facts.converted_on else "CNTT-VT"
    else:
        text = TECHNOLOGY_WORDS.get(facts.technology, facts.technology_label)
    return text if facts.working else f"{text} · ngừng hoạt động"


def hamlets_text(facts):
    if facts is None or not facts.hamlets:
        return NONE_TEXT
    return f"{number(facts.reached)}/{number(facts.hamlets)}"


SITE_CHECK_HEADING = "Trang trả lời (lần kiểm tra gần nhất)"


def site_check_text(check):
    """'Có · 30/11 18:00', 'Không · mã 500 · 30/11 06:00', 'Không · máy chủ từ chối … · …', '–'."""
    if check is None:
        return NONE_TEXT
    when = f"{local_moment(check.checked_at):%d/%m %H:%M}"
    if check.ok:
        return f"Có · {when}"
    reason = f"mã {check.status_code}" if check.status_code else (check.error.rstrip(".") or "Không trả lời")
    reason = reason[:1].lower() + reason[1:]
    return f"Không · {reason} · {when}"


def commune_table(report, result=None):
    """Per commune: whether its site and boards are alive, and its answers on time; with `result`
    (indicators.numbered), whether its site answered its latest check (1.3, 1.4)."""
    headings = list(COMMUNE_HEADINGS)
    if result is not None:
        headings.insert(headings.index("TTĐT hoạt động") + 1, SITE_CHECK_HEADING)

    def cells(row):
        a = row.as_of
        check = [site_check_text(result.site_checks.get(row.unit.pk))] if result is not None else []
        return [
            GROUP_LABELS.get(_group(row), ""),
            yes_no(a.websites),
            *check,
            date_text(row.last_publication),
            number(row.board_count or 0),
            yes_no(a.boards),
            ratio_text(a.online),
            station_text(row.station),
            hamlets_text(row.station),
            yes_no(a.loudspeakers),
            yes_no(a.ip_stations),
            ratio_text(row.on_time),
        ]

    return {
        "first": "Xã, phường, thị trấn",
        "headings": headings,
        "rows": [{"name": r.name, "code": r.code, "cells": cells(r)} for r in report.communes],
        "total": None,
        # Words, not figures: the print wraps them (indicators/_print_table.html).
        "text_columns": [
            headings.index(name) for name in ("Loại", "Đài truyền thanh", SITE_CHECK_HEADING) if name in headings
        ],
    }


def _group(row):
    return next((key for key in GROUP_KEYS if row.communes_by_type.get(key)), "")


def main_table(report, result=None):
    """The table under the summary: per district for a province with districts, else per commune."""
    if report.districts:
        return district_table(report)
    return commune_table(report, result)


# --- CSV -------------------------------------------------------------------------------------------


def _rate(ratio):
    if not ratio.applicable or ratio.rate is None:
        return None
    return round(ratio.rate * 100, 1)


def _applicable(ratio, value):
    return value if ratio.applicable else NOT_APPLICABLE_TEXT


def _pushed(row, name):
    return None if row.pushed is None else getattr(row.pushed, name)


LEVEL_WORDS = {"total": "tổng", "district": "huyện", "commune": "xã", "type": "loại"}

# (heading, value of a Row): numbers for machines, rates in percent with one decimal.
CSV_COLUMNS = [
    ("Mã", lambda r: r.code),
    ("Đơn vị", lambda r: r.name),
    ("Cấp", lambda r: LEVEL_WORDS[r.kind]),
    ("Số đơn vị cấp xã", lambda r: r.communes),
    ("Số xã", lambda r: r.communes_by_type["xa"]),
    ("Số phường, thị trấn", lambda r: r.communes_by_type["phuong_thi_tran"]),
    ("Có TTĐT hoạt động", lambda r: r.as_of.websites.count),
    ("Tỷ lệ có TTĐT hoạt động (%)", lambda r: _rate(r.as_of.websites)),
    ("Xã có TTĐT hoạt động", lambda r: r.as_of.websites_by_type["xa"].count),
    ("Tỷ lệ xã có TTĐT hoạt động (%)", lambda r: _rate(r.as_of.websites_by_type["xa"])),
    ("Phường, thị trấn có TTĐT hoạt động", lambda r: r.as_of.websites_by_type["phuong_thi_tran"].count),
    ("Tỷ lệ phường, thị trấn có TTĐT hoạt động (%)", lambda r: _rate(r.as_of.websites_by_type["phuong_thi_tran"])),
    ("Có bảng điện tử hoạt động (24 giờ)", lambda r: r.as_of.boards.count),
    ("Tỷ lệ có bảng điện tử hoạt động (%)", lambda r: _rate(r.as_of.boards)),
    ("Huyện có bảng cỡ lớn kết nối", lambda r: _applicable(r.as_of.large_boards, r.as_of.large_boards.count)),
    ("Số huyện", lambda r: _applicable(r.as_of.large_boards, r.as_of.large_boards.total)),
    ("Tỷ lệ huyện có bảng cỡ lớn (%)", lambda r: _applicable(r.as_of.large_boards, _rate(r.as_of.large_boards))),
    ("Bảng trực tuyến", lambda r: r.as_of.online.count),
    ("Bảng đang hoạt động", lambda r: r.as_of.online.total),
    ("Có loa phủ khắp thôn, ấp (1.1)", lambda r: r.as_of.loudspeakers.count),
    ("Tỷ lệ có loa phủ khắp thôn, ấp (1.1) (%)", lambda r: _rate(r.as_of.loudspeakers)),
    ("Xã có loa phủ khắp thôn, ấp", lambda r: r.as_of.loudspeakers_by_type["xa"].count),
    ("Tỷ lệ xã có loa phủ khắp thôn, ấp (%)", lambda r: _rate(r.as_of.loudspeakers_by_type["xa"])),
    ("Phường, thị trấn có loa phủ khắp", lambda r: r.as_of.loudspeakers_by_type["phuong_thi_tran"].count),
    (
        "Tỷ lệ phường, thị trấn có loa phủ khắp (%)",
        lambda r: _rate(r.as_of.loudspeakers_by_type["phuong_thi_tran"]),
    ),
    ("Có loa ứng dụng CNTT-VT (1.2)", lambda r: r.as_of.ip_stations.count),
    ("Tỷ lệ có loa ứng dụng CNTT-VT (1.2) (%)", lambda r: _rate(r.as_of.ip_stations)),
    ("Xã có loa ứng dụng CNTT-VT", lambda r: r.as_of.ip_stations_by_type["xa"].count),
    ("Tỷ lệ xã có loa ứng dụng CNTT-VT (%)", lambda r: _rate(r.as_of.ip_stations_by_type["xa"])),
    ("Phường, thị trấn có loa ứng dụng CNTT-VT", lambda r: r.as_of.ip_stations_by_type["phuong_thi_tran"].count),
    (
        "Tỷ lệ phường, thị trấn có loa ứng dụng CNTT-VT (%)",
        lambda r: _rate(r.as_of.ip_stations_by_type["phuong_thi_tran"]),
    ),
    ("Câu hỏi, phản ánh tiếp nhận", lambda r: r.inquiries.received),
    ("Đã trả lời", lambda r: r.inquiries.answered),
    ("Trả lời đúng hạn", lambda r: r.inquiries.answered_on_time),
    ("Quá hạn chưa trả lời", lambda r: r.inquiries.overdue),
    ("Đã trả lời + quá hạn", lambda r: r.on_time.total),
    ("Tỷ lệ trả lời đúng hạn (%)", lambda r: _rate(r.on_time)),
    ("Thông tin nguồn", lambda r: _pushed(r, "items")),
    ("Cảnh báo khẩn cấp", lambda r: _pushed(r, "alerts")),
    ("Lượt xã nhận", lambda r: _pushed(r, "deliveries")),
    ("Lượt phát trên bảng", lambda r: _pushed(r, "plays")),
    ("Số bảng đã phát", lambda r: _pushed(r, "boards_played")),
]


def csv_rows(report):
    """The main table's lines (districts, or communes) then the total."""
    lines = report.districts if report.districts else report.communes
    return [*lines, report.total]


def write_csv(fh, report):
    """UTF-8 with a BOM (Excel reads Vietnamese), comma-separated, decimal point; `fh` is a text
    file opened with newline="" — like inquiries.stats.write_csv."""
    fh.write("\ufeff")
    writer = csv.writer(fh)
    writer.writerow([heading for heading, _ in CSV_COLUMNS])
    for row in csv_rows(report):
        writer.writerow(["" if value is None else value for value in (get(row) for _, get in CSV_COLUMNS)])


def filename(report, extension):
    return f"chi-tieu-ttcs-{slugify_vi(report.area.title)}-{report.period.key.replace('..', '_')}.{extension}"


# --- Trend charts ---------------------------------------------------------------------------------

SERIES_COLOURS = {"total": "#1565c0", "xa": "#2e7d32", "phuong_thi_tran": "#e65100", "single": "#1565c0"}


def line_chart(labels, series, width=720, height=230, left=48, right=16, top=34, bottom=34):
    """Geometry of a percentage line chart (0–100 %) for an inline SVG: `labels` one per point,
    `series` [(key, label, [Ratio])]. Points without a value (no denominator, not applicable)
    break the line. A plain-text description for screen readers and the PDF's text."""
    count = len(labels)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / (count - 1) if count > 1 else 0

    def x_of(index):
        return left + (index * step if count > 1 else plot_w / 2)

    def y_of(rate):
        return top + plot_h - rate * plot_h

    lines, descriptions = [], []
    legend_x = left
    for key, label, ratios in series:
        segments, current, dots = [], [], []
        for index, ratio in enumerate(ratios):
            rate = ratio.rate
            if rate is None:
                if current:
                    segments.append(" ".join(current))
                    current = []
                continue
            x, y = x_of(index), y_of(rate)
            current.append(f"{x:.1f},{y:.1f}")
            dots.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "title": f"{label}, {labels[index]}: {ratio_text(ratio)}"})
        if current:
            segments.append(" ".join(current))
        values = [(labels[i], r) for i, r in enumerate(ratios) if r.rate is not None]
        if len(values) > 1:
            first, last = values[0], values[-1]
            descriptions.append(f"{label}: {percent(first[1])} ngày {first[0]}, {percent(last[1])} ngày {last[0]}")
        elif values:
            descriptions.append(f"{label}: {percent(values[0][1])} ngày {values[0][0]}")
        else:
            descriptions.append(f"{label}: chưa có số liệu")
        lines.append(
            {
                "key": key,
                "label": label,
                "colour": SERIES_COLOURS.get(key, "#1565c0"),
                "segments": segments,
                "dots": dots,
                "legend_x": legend_x,
                "legend_text_x": legend_x + 16,
            }
        )
        legend_x += 28 + 7 * len(label)
    # Every label when they fit, else every other one (the last always).
    every = 1 if count <= 12 else 2
    ticks = [{"x": f"{x_of(i):.1f}", "label": labels[i]} for i in range(count) if i % every == 0 or i == count - 1]
    y_ticks = [{"y": f"{y_of(v / 100):.1f}", "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "bottom_y": top + plot_h,
        "label_y": top + plot_h + 18,
        "y_label_x": left - 6,
        "lines": lines,
        "ticks": ticks,
        "y_ticks": y_ticks,
        "empty": not any(line["dots"] for line in lines),
        "description": "; ".join(descriptions) + ".",
    }


def trend_labels(report):
    return [f"{moment_date(point.moment):%d/%m}" for point in report.trend]


def trend_charts(report):
    """[{id, title, chart}] for the trend of the "as of" indicators."""
    labels = trend_labels(report)
    points = report.trend
    by_type = [("total", "Chung", [p.websites for p in points])] + [
        (key, GROUP_LABELS[key], [p.websites_by_type[key] for p in points]) for key in GROUP_KEYS
    ]
    boards = [("total", "Chung", [p.boards for p in points])] + [
        (key, GROUP_LABELS[key], [p.boards_by_type[key] for p in points]) for key in GROUP_KEYS
    ]
    charts = [
        ("websites", "Tỷ lệ đơn vị cấp xã có trang thông tin điện tử hoạt động", by_type),
        ("boards", "Tỷ lệ đơn vị cấp xã có bảng điện tử hoạt động (24 giờ)", boards),
    ]
    if report.has_districts:
        charts.append(
            (
                "large",
                "Tỷ lệ huyện có bảng điện tử cỡ lớn kết nối",
                [("single", "Huyện có bảng cỡ lớn", [p.large_boards for p in points])],
            )
        )
    charts.append(
        ("online", "Tỷ lệ bảng điện tử trực tuyến", [("single", "Bảng trực tuyến", [p.online for p in points])])
    )
    loudspeakers = [("total", "Chung", [p.loudspeakers for p in points])] + [
        (key, GROUP_LABELS[key], [p.loudspeakers_by_type[key] for p in points]) for key in GROUP_KEYS
    ]
    ip_stations = [("total", "Chung", [p.ip_stations for p in points])] + [
        (key, GROUP_LABELS[key], [p.ip_stations_by_type[key] for p in points]) for key in GROUP_KEYS
    ]
    charts += [
        (
            "loudspeakers",
            "Tỷ lệ đơn vị cấp xã có loa truyền thanh hoạt động, phủ khắp thôn, ấp (chỉ tiêu 1.1)",
            loudspeakers,
        ),
        ("ip_stations", "Tỷ lệ đơn vị cấp xã có loa ứng dụng CNTT-VT (chỉ tiêu 1.2)", ip_stations),
    ]
    notes = {"loudspeakers": LOUDSPEAKER_TREND_NOTE}
    return [
        {"id": key, "title": title, "chart": line_chart(labels, series), "note": notes.get(key, "")}
        for key, title, series in charts
    ]


def trend_caption(report):
    if not report.trend:
        return ""
    first, last = report.trend[0].moment, report.trend[-1].moment
    step = "tuần" if report.trend_step == "week" else "tháng"
    return (
        f"{len(report.trend)} mốc, mỗi {step} một mốc, từ {moment_date(first):%d/%m/%Y} "
        f"đến {moment_date(last):%d/%m/%Y}."
    )


# --- The ministry's indicators: tables, bars, CSV -------------------------------------------------


def met_lines(checks):
    """[{"word", "ok"}]: 'Đạt' / 'Chưa đạt' against the one target, 'Bộ: Đạt', 'Tỉnh: Chưa đạt'
    when both, each with its own verdict (so each is coloured by its own); []."""
    judged = [c for c in checks if c.met is not None]
    if len(judged) == 1:
        return [{"word": judged[0].met_word, "ok": judged[0].met}]
    return [{"word": f"{c.source_word}: {c.met_word}", "ok": c.met} for c in judged]


def _ratio_met(ratio, checks, yes_no_cell=False):
    text = yes_no(ratio) if yes_no_cell else ratio_text(ratio)
    verdicts = [c.met for c in checks if c.met is not None]
    return {"text": text, "met": met_lines(checks), "ok": all(verdicts) if verdicts else None}


NUMBERED_DISTRICT_CODES = [
    ("1.1", "1.1 Loa tới mọi thôn"),
    ("1.2", "1.2 Loa CNTT-VT"),
    ("1.3", "1.3 Phường, TT có trang (trả lời)"),
    ("1.3-30", "1.3 cập nhật 30 ngày"),
    ("1.4", "1.4 Xã có trang (trả lời)"),
    ("1.4-30", "1.4 cập nhật 30 ngày"),
    ("1.5", "1.5 Phường, TT có bảng"),
    ("1.6", "1.6 Xã có bảng"),
    ("2.1", "2.1 Trung tâm truyền thông"),
    ("2.2", "2.2 Bảng cỡ lớn"),
    ("huyen-cung-cap", "Cung cấp thông tin nguồn"),
]
YES_NO_CODES = {"2.1", "2.2", "huyen-cung-cap"}


def _unit_table(first, codes, rows, yes_no=frozenset()):
    """A table of UnitRows (numbered.py): one cell per code, Đạt / Chưa đạt against its targets;
    the codes in `yes_no` are shown as "Có" / "Không" (a district's own 2.1, 2.2 …)."""
    return {
        "first": first,
        "headings": [label for _, label in codes],
        "rows": [
            {
                "name": row.name,
                "code": row.code,
                "cells": [_ratio_met(row.ratios[code], row.checks.get(code, []), code in yes_no) for code, _ in codes],
            }
            for row in rows
        ],
    }


def numbered_district_table(result):
    """Per district: each numbered indicator with Đạt / Chưa đạt against its target."""
    return _unit_table("Huyện", NUMBERED_DISTRICT_CODES, result.districts, YES_NO_CODES)


TYPE_CODES = [
    ("1.1", "1.1 Loa tới mọi thôn"),
    ("1.2", "1.2 Loa CNTT-VT"),
    ("website", "Có trang (trả lời) — 1.3 / 1.4"),
    ("website-30", "Trang cập nhật 30 ngày"),
    ("board", "Có bảng điện tử — 1.5 / 1.6"),
]


def numbered_type_table(result):
    """Per commune type: phường, thị trấn (1.3, 1.5) and xã (1.4, 1.6), with 1.1 and 1.2."""
    return _unit_table("Loại đơn vị", TYPE_CODES, result.types)


DISTRICT_TYPE_CODES = [("2.1", "2.1 Trung tâm truyền thông"), ("2.2", "2.2 Bảng cỡ lớn kết nối")]


def district_type_table(result):
    """2.1 and 2.2 for thành phố, thị xã and for huyện (provinces set split targets for 2.2)."""
    if not result.district_types:
        return None
    return _unit_table("Loại huyện", DISTRICT_TYPE_CODES, result.district_types)


BAR_COLOURS = {True: "#2e7d32", False: "#c62828", None: "#1565c0"}
TARGET_COLOURS = {"bo": "#212121", "tinh": "#6a1b9a"}


def target_chart(result, width=360, label_width=96, bar_height=16, gap=8, top=46, right=46):
    """Geometry of a horizontal bar chart for an inline SVG: one bar per applicable numbered
    indicator (its actual rate, 0–100 %), a mark for each target (black: the ministry's, purple:
    the province's); the bar green when every target is met, red when one is not, blue when there
    is none. Narrow (360 units) so that a phone shows it whole; the page scales it up on a wider
    screen. A plain-text description for screen readers and the PDF's text."""
    plot_w = width - label_width - right
    bars, descriptions = [], []
    y = top
    for line in result.lines:
        ratio = line.ratio
        if not ratio.applicable or ratio.rate is None:
            continue
        judged = [c for c in line.targets if c.met is not None]
        verdict = None if not judged else all(c.met for c in judged)
        rate = ratio.rate
        marks = [
            {
                "x": f"{label_width + plot_w * min(c.value, 100) / 100:.1f}",
                "colour": TARGET_COLOURS.get(c.source, "#212121"),
                "title": f"Chỉ tiêu {c.source_word.lower()}: {c.value_text}",
            }
            for c in line.targets
        ]
        shown = line.number + (" (30 ngày)" if line.code.endswith("-30") else "")
        if line.code.startswith("2.2-"):
            shown = "2.2 " + ("TP, TX" if line.code.endswith("do_thi") else "huyện")
        if not line.number:
            shown = "Sở, ngành" if line.code == "so-nganh" else "Huyện cung cấp"
        bars.append(
            {
                "y": y,
                "text_y": y + bar_height - 4,
                "label": shown,
                "title": line.label,
                "width": f"{plot_w * rate:.1f}",
                "value_x": f"{label_width + plot_w * rate + 4:.1f}",
                "value": percent(ratio),
                "colour": BAR_COLOURS[verdict],
                "marks": marks,
            }
        )
        target_words = ", ".join(
            f"chỉ tiêu {c.source_word.lower()} {c.value_text} {c.met_word.lower()}" for c in judged
        )
        descriptions.append(f"{shown}: {percent(ratio)}" + (f" ({target_words})" if target_words else ""))
        y += bar_height + gap
    height = y + 20
    return {
        "width": width,
        "height": height,
        "left": label_width,
        "plot_w": plot_w,
        "top": top,
        "bottom_y": y,
        "bar_height": bar_height,
        "mark_top": -3,
        "bars": bars,
        "grid": [
            {"x": f"{label_width + plot_w * v / 100:.1f}", "label": f"{v}%", "label_y": y + 14}
            for v in (0, 25, 50, 75, 100)
        ],
        "empty": not bars,
        "description": "; ".join(descriptions) + "." if descriptions else "Chưa có số liệu.",
    }


NUMBERED_CSV_HEADINGS = [
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Đơn vị",
    "Đạt (số)",
    "Tổng số",
    "Tỷ lệ (%)",
    "Chỉ tiêu của Bộ (%)",
    "Năm chỉ tiêu của Bộ",
    "Đạt chỉ tiêu của Bộ",
    "Chỉ tiêu của tỉnh (%)",
    "Năm chỉ tiêu của tỉnh",
    "Đạt chỉ tiêu của tỉnh",
    "Cách tính",
]


def _target_columns(checks):
    out = []
    for source in ("bo", "tinh"):
        check = next((c for c in checks if c.source == source), None)
        if check is None:
            out += ["", "", ""]
        else:
            value = f"{'>' if check.comparison == 'gt' else ''}{check.value:g}"
            out += [value, check.year, MET_CSV[check.met]]
    return out


MET_CSV = {True: "Đạt", False: "Chưa đạt", None: ""}


def _numbered_row(code, label, unit, ratio, checks, definition=""):
    if not ratio.applicable:
        return [code, label, unit, NOT_APPLICABLE_TEXT, "", "", *_target_columns([]), definition]
    return [code, label, unit, ratio.count, ratio.total, _rate(ratio), *_target_columns(checks), definition]


def write_numbered_csv(fh, result):
    """The ministry's indicators (UTF-8 with BOM): the area's lines, then each district's."""
    fh.write("\ufeff")
    writer = csv.writer(fh)
    writer.writerow(NUMBERED_CSV_HEADINGS)
    for line in result.lines:
        writer.writerow(
            _numbered_row(line.code, line.label, result.area.title, line.ratio, line.targets, line.definition)
        )
    for row in result.districts:
        for code, _ in NUMBERED_DISTRICT_CODES:
            writer.writerow(
                _numbered_row(code, numbered.LABELS[code], row.name, row.ratios[code], row.checks.get(code, []))
            )


def numbered_filename(report, extension):
    return f"chi-tieu-bo-{slugify_vi(report.area.title)}-{report.period.key.replace('..', '_')}.{extension}"


# --- Everything a page or a print needs -------------------------------------------------------------


def context(report, result=None):
    result = result or numbered.numbered(report.area, report.period, report=report)
    return {
        "report": report,
        "numbered": result,
        "as_of_text": as_of_text(report),
        "summary": summary(report, result),
        "other_summary": other_summary(report),
        "target_chart": target_chart(result),
        "numbered_district_table": numbered_district_table(result) if result.districts else None,
        "numbered_type_table": numbered_type_table(result),
        "district_type_table": district_type_table(result),
        "departments": result.departments,
        "supplying_districts": result.supplying_districts,
        "check_days": numbered.CHECK_WINDOW.days,
        "target_year": result.year,
        "pushed_summary": pushed_summary(report),
        "main_table": main_table(report, result),
        "type_table": type_table(report),
        "charts": trend_charts(report),
        "trend_caption": trend_caption(report),
        "publications_since": date_text(report.publications_since),
        "website_days": WEBSITE_WINDOW.days,
        "loudspeaker_help": LOUDSPEAKER_HELP,
    }


# --- PDF -------------------------------------------------------------------------------------------


def issuing_body(area):
    """(agency, portal Site or None, site name): the agency is the portal's SiteIdentity.agency
    where set, else "Uỷ ban nhân dân <area>"."""

    portal = area.portal
    site = Site.objects.filter(root_page_id=portal.pk).first() if portal is not None else None
    identity = SiteIdentity.objects.filter(site=site).first() if site is not None else None
    agency = identity.agency if identity is not None and identity.agency else f"Uỷ ban nhân dân {area.name_in_sentence}"
    site_name = (
        identity.display_name
        if identity is not None and identity.display_name
        else (portal.title if portal is not None else area.title)
    )
    return agency, site, site_name


def pdf_header(area, issued_on, signing=None):
    signing = signing or ReportSigning.for_area(area)
    agency, site, site_name = issuing_body(area)
    place = area.short_name
    return printing.header(
        agency,
        place,
        issued_on,
        site_name=site_name,
        hostname=site.hostname if site is not None else "",
        number="\u00a0" * 8 + f"/{signing.symbol}",  # the number is written in by hand
    )


def render_pdf(report, issued_on=None, result=None):
    """The report as an A4 PDF (bytes), laid out like the other printed documents
    (themes/default/templates/print/base.html: emblem, agency, national name and motto), and
    closed by the area's signature block and recipients (ReportSigning)."""
    issued_on = issued_on or periods.local_today()
    signing = ReportSigning.for_area(report.area)
    data = context(report, result)
    data.update(
        {
            "header": pdf_header(report.area, issued_on, signing),
            "signing": signing,
            "issued_on": issued_on,
            "report_kind": REPORT_KIND,
            "report_title": REPORT_TITLE,
            "font_family": printing.FONT_FAMILY,
            "font_regular_url": printing.FONT_REGULAR.as_uri(),
            "font_bold_url": printing.FONT_BOLD.as_uri(),
            "emblem_url": printing.EMBLEM.as_uri(),
            "communes_table": commune_table(report, data["numbered"]) if report.districts else None,
        }
    )
    html = render_to_string("indicators/report_pdf.html", data)
    return printing.render_pdf(html)
