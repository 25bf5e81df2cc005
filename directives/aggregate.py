"""A report request's answers beside the computed indicators, per commune (the sender's
"Tổng hợp báo cáo"), and as CSV.

The indicators come from indicators.compute.compute(sender, period) presented by
indicators.report.commune_table (its headings and, per commune, its cells), matched to the
recipients by the commune's administrative code: only those public parts are read, so the
indicators' own numbering and columns show here as the indicators app defines them.
"""

import csv
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from cms_pages import printing
from core import periods
from indicators.compute import PeriodError, compute
from indicators.report import commune_table, pdf_header


@dataclass
class Line:
    recipient: object  # DirectiveRecipient
    cells: list = field(default_factory=list)  # indicator cells, in `headings` order


@dataclass
class Aggregate:
    lines: list
    headings: list
    note: str = ""  # why there are no indicators (period not started …)


def aggregate(directive, recipients):
    """The Aggregate of `directive` for its commune `recipients` (departments have no indicators)."""
    period = directive.period
    headings, by_code, note = [], {}, ""
    if period is None:
        note = "Văn bản không có kỳ báo cáo: không kèm chỉ tiêu."
    else:
        try:
            report = compute(directive.sender, period, trend=False)
        except PeriodError as error:
            note = str(error)
        else:
            table = commune_table(report)
            headings = list(table["headings"])
            by_code = {row["code"]: row["cells"] for row in table["rows"]}
    empty = [""] * len(headings)
    lines = [Line(r, by_code.get(r.commune.code, empty) if r.commune_id else empty) for r in recipients]
    return Aggregate(lines, headings, note)


def write_csv(fh, directive, result):
    """UTF-8 with a BOM (Excel reads Vietnamese), like the indicators' CSV."""
    fh.write("\ufeff")
    writer = csv.writer(fh)
    writer.writerow(
        ["Mã", "Nơi nhận", "Thuộc", "Tình trạng", "Trễ hạn", "Trả lời lúc", "Nội dung trả lời", "Tệp", *result.headings]
    )
    for line in result.lines:
        r = line.recipient
        writer.writerow(
            [
                r.commune.code if r.commune_id else r.department.code,
                r.unit_name,
                getattr(r, "place", ""),
                r.state_label,
                "có" if r.late else "",
                _local(r.answered_at),
                r.answer,
                "; ".join(f.name for f in r.files.all()),
                *line.cells,
            ]
        )


def render_pdf(directive, result, counts):
    """The aggregate as an A4 landscape PDF under the sender's header, like the indicators' report
    (print/base.html: emblem, agency, national name and motto)."""
    html = render_to_string(
        "directives/aggregate_pdf.html",
        {
            "directive": directive,
            "result": result,
            "counts": counts,
            "header": pdf_header(directive.sender, periods.local_today()),
            "font_family": printing.FONT_FAMILY,
            "font_regular_url": printing.FONT_REGULAR.as_uri(),
            "font_bold_url": printing.FONT_BOLD.as_uri(),
            "emblem_url": printing.EMBLEM.as_uri(),
        },
    )
    return printing.render_pdf(html)


def _local(moment):
    return "" if moment is None else f"{timezone.localtime(moment, periods.local_zone()):%d/%m/%Y %H:%M}"
