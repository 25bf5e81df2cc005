"""Print the grassroots information indicators of a province or district for a period, and write
the periodic report as PDF and the table as CSV.

    manage.py indicators_report --area "Trà Vinh" --period 2026 --pdf bao-cao-2026.pdf
    manage.py indicators_report --area 844 --period 2026-Q4 --csv cang-long-q4.csv
    manage.py indicators_report --area "huyen cang long" --period 2026-11

--area: a province or district by name, with or without diacritics or its type word, or by its
official code (2 or 3 digits); --structure 2024|2025 picks between the two administrative
structures when both are loaded. --period: 2026 (year), 2026-Q4 (quarter), 2026-11 (month) or
2026-01-01..2026-03-31; the current month by default. The figures are those of the admin's
"Chỉ tiêu thông tin cơ sở" (indicators/compute.py). Exits non-zero with a message on a bad
area or period, or a file that cannot be written.
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from areas.models import AreaPage
from core import periods
from indicators import report as presentation
from indicators.compute import PeriodError, as_of_moment, compute
from indicators.numbered import numbered
from inquiries.management.commands.inquiry_stats import display_width, find_unit, pad


def render_table(table):
    """Aligned plain text of an indicators.report table: names left, figures right."""
    header = [table["first"], *table["headings"]]
    lines = [[row["name"], *row["cells"]] for row in table["rows"]]
    total = [table["total"]["name"], *table["total"]["cells"]] if table.get("total") else None
    everything = [header, *lines] + ([total] if total else [])
    widths = [max(display_width(row[i]) for row in everything) for i in range(len(header))]

    def render(row):
        cells = [pad(row[0], widths[0])] + [pad(cell, widths[i], right=True) for i, cell in enumerate(row[1:], 1)]
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    out = [render(header), rule, *(render(line) for line in lines)]
    if total:
        out += [rule, render(total)]
    return "\n".join(out)


def check_writable(path):
    """Refuse at once a file that cannot be written (before minutes of work, not after)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise CommandError(f"“{path}” là một thư mục, không phải tệp.")
    if not folder.is_dir():
        raise CommandError(f"Không ghi được tệp “{path}”: thư mục “{folder}” không có.")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CommandError(f"Không ghi được tệp “{path}”: không có quyền ghi.")


class Command(BaseCommand):
    help = (
        "In các chỉ tiêu thông tin cơ sở của một tỉnh hoặc huyện cho một kỳ (tháng, quý, năm); ghi báo cáo "
        "PDF và bảng CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--area",
            "--dia-ban",
            dest="area",
            required=True,
            help='Tên hoặc mã tỉnh, huyện, ví dụ "Trà Vinh", "Càng Long", 844.',
        )
        parser.add_argument(
            "--period",
            "--ky",
            dest="period",
            default="",
            help=f"Kỳ báo cáo: {periods.FORMATS_HELP}. Mặc định: tháng hiện tại.",
        )
        parser.add_argument("--structure", choices=["2024", "2025"], help="Cấu trúc đơn vị hành chính (khi có cả hai).")
        parser.add_argument("--pdf", dest="pdf_path", metavar="FILE", help="Ghi báo cáo PDF vào tệp này.")
        parser.add_argument(
            "--csv", dest="csv_path", metavar="FILE", help="Ghi bảng vào tệp CSV (UTF-8 có BOM, mở được bằng Excel)."
        )
        parser.add_argument("--no-progress", action="store_true", help="Không hiện thanh tiến độ.")

    def handle(
        self, *args, area, period="", structure=None, pdf_path=None, csv_path=None, no_progress=False, **options
    ):

        try:
            chosen = periods.Period.parse(period) if period.strip() else periods.Period.current_month()
            as_of_moment(chosen)
        except (ValueError, PeriodError) as exc:
            raise CommandError(str(exc)) from None
        text = area.strip()
        if text.isascii() and text.isdigit():
            unit = find_unit(code=text, structure=structure)
        else:
            unit = find_unit(name=text, structure=structure)
        if not isinstance(unit, AreaPage) or unit.level not in ("province", "district"):
            raise CommandError(
                f"{unit.title} là đơn vị cấp xã: chỉ tiêu thông tin cơ sở tính cho tỉnh hoặc huyện. "
                "Số liệu của một xã có trong thống kê hỏi đáp và giám sát bảng điện tử."
            )

        for path in (csv_path, pdf_path):
            if path:
                check_writable(path)

        steps = 1 + bool(csv_path) + bool(pdf_path)
        with tqdm(total=steps, desc="Chỉ tiêu", unit="bước", disable=no_progress, file=sys.stderr, leave=False) as bar:
            bar.set_postfix_str("tính số liệu")
            report = compute(unit, chosen)
            bar.update()
            if csv_path:
                bar.set_postfix_str("ghi CSV")
                try:
                    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
                        presentation.write_csv(fh, report)
                except OSError as exc:
                    raise CommandError(f"Không ghi được tệp “{csv_path}”: {exc.strerror or exc}.") from None
                bar.update()
            if pdf_path:
                bar.set_postfix_str("dựng PDF")
                pdf = presentation.render_pdf(report)
                try:
                    with open(pdf_path, "wb") as fh:
                        fh.write(pdf)
                except OSError as exc:
                    raise CommandError(f"Không ghi được tệp “{pdf_path}”: {exc.strerror or exc}.") from None
                bar.update()

        self.print_report(report)
        if csv_path:
            self.stdout.write(f"Đã ghi tệp CSV: {csv_path}")
        if pdf_path:
            self.stdout.write(f"Đã ghi báo cáo PDF: {pdf_path}")

    def print_report(self, report):
        write = self.stdout.write
        write(f"{presentation.TITLE} – {report.area.title} – {report.period.label} ({report.period.dates_label})")
        write(
            f"Số liệu tính đến {presentation.as_of_text(report)}"
            f"{' (kỳ báo cáo chưa kết thúc)' if report.is_current else ''}."
        )
        write("")
        result = numbered(report.area, report.period, report=report)
        write(f"Các chỉ tiêu theo Kế hoạch của Bộ TT&TT (chỉ tiêu năm {result.year}):")
        for line in presentation.summary(report, result):
            indent = "    " if line["sub"] else ""
            figures = line["count"] if not line["total"] else f"{line['count']}/{line['total']} = {line['rate']}"
            targets = "; ".join(
                f"chỉ tiêu {cell['source_word'].lower()} {cell['text']}: {cell['met_word']}" for cell in line["targets"]
            )
            write(
                f"{indent}{line['shown_number']:<4} {line['label']}: {figures}" + (f" — {targets}" if targets else "")
            )
        write("")
        write("Các số liệu khác:")
        for line in presentation.other_summary(report):
            figures = f"{line['count']}/{line['total']} = {line['rate']}"
            note = f" ({line['note']})" if line["note"] else ""
            write(f"     {line['label']}: {figures}{note}")
        write("")
        write(
            "Thông tin nguồn đưa xuống cơ sở trong kỳ: "
            + "; ".join(f"{label.lower()} {value}" for label, value in presentation.pushed_summary(report))
            + "."
        )
        write("")
        write(render_table(presentation.main_table(report)))
        write("")
        write(render_table(presentation.type_table(report)))
        write("")
