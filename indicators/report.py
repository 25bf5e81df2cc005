"""How the indicators are shown: the summary of the national plan's indicators, the tables (per
district, per commune type, per commune), the trend charts as inline SVG geometry, the CSV and
the PDF. Shared by the admin views (indicators/views.py) and `manage.py indicators_report`.
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
LOUDSPEAKER_TARGETS = {"1.1": "100%", "1.2": "70–100%"}  # the ministry's targets for 2025


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


# --- Summary: the national plan's indicators ------------------------------------------------------


def summary(report):
    """[{number, label, count, total, rate, note}] for the area's total."""
    row = report.total
    a = row.as_of
    lines = [
        (
            "1",
            "Tỷ lệ đơn vị cấp xã có trang thông tin điện tử hoạt động (có tin, bài đăng trong 30 ngày)",
            a.websites,
            "",
        ),
        ("1.1", "Xã", a.websites_by_type["xa"], ""),
        ("1.2", "Phường, thị trấn", a.websites_by_type["phuong_thi_tran"], ""),
        ("2", "Tỷ lệ đơn vị cấp xã có bảng điện tử công cộng hoạt động (có tín hiệu trong 24 giờ)", a.boards, ""),
        (
            "3",
            "Tỷ lệ huyện có bảng điện tử cỡ lớn (LED/LCD) kết nối (có tín hiệu trong 24 giờ)",
            a.large_boards,
            "" if report.has_districts else "Không có cấp huyện (chính quyền 2 cấp).",
        ),
        (
            "4",
            "Tỷ lệ câu hỏi, phản ánh, kiến nghị của người dân được trả lời đúng hạn (trong kỳ)",
            row.on_time,
            f"Tổng số = {number(row.inquiries.answered)} đã trả lời + {number(row.inquiries.overdue)} quá hạn "
            f"chưa trả lời; {number(row.inquiries.received)} tiếp nhận trong kỳ",
        ),
        ("5", "Bảng điện tử trực tuyến", a.online, "tại thời điểm tính số liệu"),
        (
            "6",
            "Tỷ lệ đơn vị cấp xã có hệ thống loa truyền thanh hoạt động, phủ tới mọi thôn, bản, ấp, khóm, tổ dân phố",
            a.loudspeakers,
            f"Chỉ tiêu 1.1; mục tiêu đến năm 2025: {LOUDSPEAKER_TARGETS['1.1']}",
        ),
        ("6.1", "Xã", a.loudspeakers_by_type["xa"], ""),
        ("6.2", "Phường, thị trấn", a.loudspeakers_by_type["phuong_thi_tran"], ""),
        (
            "7",
            "Tỷ lệ đơn vị cấp xã có đài truyền thanh ứng dụng công nghệ thông tin – viễn thông (loa IP)",
            a.ip_stations,
            f"Chỉ tiêu 1.2; mục tiêu đến năm 2025: {LOUDSPEAKER_TARGETS['1.2']}",
        ),
        ("7.1", "Xã", a.ip_stations_by_type["xa"], ""),
        ("7.2", "Phường, thị trấn", a.ip_stations_by_type["phuong_thi_tran"], ""),
    ]
    result = []
    for num, label, ratio, note in lines:
        result.append(
            {
                "number": num,
                "label": label,
                "sub": "." in num,
                "count": number(ratio.count) if ratio.applicable else NOT_APPLICABLE_TEXT,
                "total": number(ratio.total) if ratio.applicable else "",
                "rate": percent(ratio) if ratio.total or not ratio.applicable else NONE_TEXT,
                "note": note,
            }
        )
    return result


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
    "TTĐT hoạt động",
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


def commune_table(report):
    """Per commune: whether its site and boards are alive, and its answers on time."""

    def cells(row):
        a = row.as_of
        return [
            GROUP_LABELS.get(_group(row), ""),
            yes_no(a.websites),
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
        "headings": COMMUNE_HEADINGS,
        "rows": [{"name": r.name, "code": r.code, "cells": cells(r)} for r in report.communes],
        "total": None,
        # Words, not figures: the print wraps them (indicators/_print_table.html).
        "text_columns": [COMMUNE_HEADINGS.index("Loại"), COMMUNE_HEADINGS.index("Đài truyền thanh")],
    }


def _group(row):
    return next((key for key in GROUP_KEYS if row.communes_by_type.get(key)), "")


def main_table(report):
    """The table under the summary: per district for a province with districts, else per commune."""
    if report.districts:
        return district_table(report)
    return commune_table(report)


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


# --- Everything a page or a print needs -------------------------------------------------------------


def context(report):
    return {
        "report": report,
        "as_of_text": as_of_text(report),
        "summary": summary(report),
        "pushed_summary": pushed_summary(report),
        "main_table": main_table(report),
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


def render_pdf(report, issued_on=None):
    """The report as an A4 PDF (bytes), laid out like the other printed documents
    (themes/default/templates/print/base.html: emblem, agency, national name and motto), and
    closed by the area's signature block and recipients (ReportSigning)."""
    issued_on = issued_on or periods.local_today()
    signing = ReportSigning.for_area(report.area)
    data = context(report)
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
            "communes_table": commune_table(report) if report.districts else None,
        }
    )
    html = render_to_string("indicators/report_pdf.html", data)
    return printing.render_pdf(html)
