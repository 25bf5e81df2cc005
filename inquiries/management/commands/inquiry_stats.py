"""Print the figures of citizens' questions and feedback per commune for a period.

    manage.py inquiry_stats --period 2026-Q3 --unit "Càng Long"
    manage.py inquiry_stats --period 2026-11 --code 29275 --csv an-truong.csv
    manage.py inquiry_stats --period 2026                       # every commune of the installation
    manage.py inquiry_stats --period 2026-Q3 --unit "Càng Long" --by-channel

--period: 2026-11 (month), 2026-Q3 (quarter), 2026 (year) or 2026-01-01..2026-03-31; the
current month by default. --unit: a province, district or commune by name, with or without
diacritics or its type word ("Càng Long", "huyen cang long"); when a district and a commune
share the name, the higher level wins. --code: the unit's official code (2, 3 or 5 digits).
--structure 2024|2025 picks between the two administrative structures when both are loaded.
--by-channel: one line per channel the questions arrived by (online, phone, in person, letter)
instead of one per commune, in the table and the CSV. Figures as defined in inquiries/stats.py.
"""

import difflib
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from areas.models import AreaPage, CommuneHomePage
from core import periods
from core.text import fold_key, name_key
from inquiries import stats
from inquiries.models import Inquiry

LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}
LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def display_width(text):
    """Columns a string takes in a terminal: combining marks take none, wide characters two."""
    width = 0
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text, width, right=False):
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def format_table(header, lines, total_line):
    """Aligned plain text: the first column to the left, numbers to the right."""
    widths = [max(display_width(row[i]) for row in [header, *lines, total_line]) for i in range(len(header))]

    def render(row):
        cells = [pad(row[0], widths[0])] + [pad(cell, widths[i], right=True) for i, cell in enumerate(row[1:], 1)]
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([render(header), rule, *(render(line) for line in lines), rule, render(total_line)])


def _all_units():

    columns = ("pk", "path", "depth", "title", "short_name", "structure", "level", "code", "unit_type")
    return list(AreaPage.objects.only(*columns)) + list(CommuneHomePage.objects.only(*columns))


def describe(unit, with_parent=False):
    parent = unit.get_parent() if with_parent else None
    where = f" – {parent.title}" if parent is not None and parent.depth > 1 else ""
    return f"{unit.title}{where} (mã {unit.code}, cấu trúc {unit.structure})"


def find_unit(name=None, code=None, structure=None):
    """The AreaPage or CommuneHomePage named or coded so; CommandError when none or several."""
    units = [u for u in _all_units() if structure is None or u.structure == structure]
    if code is not None:
        code = code.strip()
        candidates = [u for u in units if u.code == code]
        asked = f"mã “{code}”"
    else:
        key = fold_key(name or "")
        if not key:
            raise CommandError("Tên đơn vị trống.")
        candidates = [u for u in units if fold_key(u.title) == key] or [
            u for u in units if fold_key(u.short_name) == key
        ]
        asked = f"tên “{name}”"
    if not candidates:
        message = f"Không tìm thấy đơn vị có {asked}."
        if code is None:
            names = {fold_key(u.title): u for u in units}
            names.update({fold_key(u.short_name): u for u in units})
            close = difflib.get_close_matches(fold_key(name), list(names), n=3, cutoff=0.6)
            if close:
                message += " Có phải: " + "; ".join(describe(names[c]) for c in close) + "?"
        raise CommandError(message)
    top = min(LEVEL_ORDER.get(u.level, 3) for u in candidates)
    candidates = [u for u in candidates if LEVEL_ORDER.get(u.level, 3) == top]
    if len(candidates) > 1:
        ordered = sorted(candidates, key=lambda u: (u.structure, u.path))
        listed = "; ".join(describe(u, with_parent=True) for u in ordered)
        raise CommandError(
            f"Có {len(candidates)} đơn vị có {asked}: {listed}. Hãy chỉ rõ bằng --code hoặc --structure."
        )
    found = candidates[0]
    return type(found).objects.get(pk=found.pk)


class Command(BaseCommand):
    help = (
        "In thống kê hỏi đáp, phản ánh theo xã cho một kỳ (tháng, quý, năm): tiếp nhận, đã trả lời, "
        "đúng hạn, trễ hạn, quá hạn, thời gian trả lời, mức hài lòng."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            "--ky",
            dest="period",
            default="",
            help=f"Kỳ báo cáo: {periods.FORMATS_HELP}. Mặc định: tháng hiện tại.",
        )
        unit = parser.add_mutually_exclusive_group()
        unit.add_argument("--unit", "--don-vi", dest="unit", help='Tên tỉnh, huyện hoặc xã, ví dụ "Càng Long".')
        unit.add_argument("--code", "--ma", dest="code", help="Mã đơn vị hành chính, ví dụ 29275.")
        parser.add_argument("--structure", choices=["2024", "2025"], help="Cấu trúc đơn vị hành chính (khi có cả hai).")
        parser.add_argument(
            "--by-channel",
            "--theo-kenh",
            dest="by_channel",
            action="store_true",
            help="Một dòng cho mỗi kênh tiếp nhận (trực tuyến, điện thoại, trực tiếp, thư) thay cho mỗi xã.",
        )
        parser.add_argument(
            "--csv",
            dest="csv_path",
            metavar="FILE",
            help="Ghi thêm bảng vào tệp CSV (UTF-8 có BOM, mở được bằng Excel).",
        )

    def handle(
        self, *args, period="", unit=None, code=None, structure=None, csv_path=None, by_channel=False, **options
    ):

        try:
            chosen = periods.Period.parse(period) if period.strip() else periods.Period.current_month()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        today = periods.local_today()
        if unit is not None or code is not None:
            page = find_unit(name=unit, code=code, structure=structure)
            communes = stats.communes_under(page)
            if by_channel:
                table, total_figures = stats.rows_by_channel_for(page, chosen, today=today)
            else:
                table, total_figures = stats.rows_for(page, chosen, today=today)
            scope = page.title
        else:
            communes = CommuneHomePage.objects.all()
            if structure:
                communes = communes.filter(structure=structure)
            communes = sorted(communes, key=lambda c: (name_key(c.short_name), fold_key(c.title), c.code))
            if by_channel:
                table, total_figures = stats.rows_by_channel(
                    Inquiry.objects.filter(commune__in=[c.pk for c in communes]), chosen, today=today
                )
            else:
                table, total_figures = stats.rows_for_communes(communes, chosen, today=today)
            scope = "Tất cả các xã"

        header = ["Kênh" if by_channel else "Xã"] + [heading for _, heading, _ in stats.TABLE_COLUMNS]
        lines = [self._cells(line.title, figures) for line, figures in table]
        self.stdout.write(f"Thống kê hỏi đáp – {scope} – {chosen.label} ({chosen.dates_label})")
        self.stdout.write("")
        self.stdout.write(format_table(header, lines, self._cells(stats.TOTAL_LABEL, total_figures)))
        self.stdout.write("")
        self.stdout.write(
            f"Số xã: {len(communes)}. Quá hạn tính đến ngày {min(chosen.end, today):%d/%m/%Y}; "
            f"đang xử lý hiện tại: {total_figures.open_now}; từ chối trong kỳ: {total_figures.rejected}."
        )
        self.stdout.write(
            "Tỷ lệ đúng hạn = trả lời đúng hạn / (đã trả lời + quá hạn chưa trả lời): "
            f"{stats.display(total_figures.on_time_parts, 'parts')}."
        )

        if csv_path:
            try:
                with open(csv_path, "w", encoding="utf-8", newline="") as fh:
                    stats.write_csv(fh, table, total_figures)
            except OSError as exc:
                raise CommandError(f"Không ghi được tệp “{csv_path}”: {exc.strerror or exc}.") from None
            self.stdout.write(f"Đã ghi tệp CSV: {csv_path}")

    @staticmethod
    def _cells(name, figures):
        data = figures.as_dict()
        return [name] + [stats.display(data[key], kind) for key, _, kind in stats.TABLE_COLUMNS]
