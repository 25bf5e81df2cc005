"""The broadcast log (nhật ký phát thanh): every airing of every loudspeaker cluster, from the
players' proof of play (boards.models.PlayRecord, never pruned: kept well beyond the two years
Thông tư 39 asks), with what aired, from which unit, and when the player reported it.

    airings(clusters, since, until, kind=None) -> PlayRecord queryset, newest first
    describe(records) -> [Airing]   titles and sources looked up in bulk
    as_csv / as_xlsx / as_pdf       the same rows, exported under the unit's header
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import Page, Site

from areas.models import AreaPage, CommuneHomePage
from areas.models.site_settings import SiteIdentity
from boards.models import PlayRecord
from cms_pages import printing
from core.periods import clock
from station.models import Programme, ProgrammeKind

KINDS = {
    "programme": "Chương trình thu sẵn",
    "live": "Phát trực tiếp",
    "relay": "Tiếp sóng",
    "announcement": "Thông báo (đọc tự động)",
    "news": "Tin tức (đọc tự động)",
    "pushed": "Thông tin nguồn (đọc tự động)",
}
KIND_FILTERS = [("programme", "Chương trình thu sẵn, trực tiếp, tiếp sóng"), ("bulletin", "Bản tin đọc tự động")]
COLUMNS = [
    "Cụm loa",
    "Đơn vị quản lý cụm",
    "Nội dung",
    "Loại",
    "Nguồn",
    "Bắt đầu",
    "Kết thúc",
    "Thời lượng",
    "Đầu phát báo lúc",
]
PDF_LIMIT = 5000  # rows in one PDF (a month of a busy commune); CSV and XLSX have no limit


@dataclass
class Airing:
    cluster: str
    cluster_unit: str
    title: str
    kind: str
    source: str
    started_at: datetime.datetime
    ended_at: datetime.datetime
    duration_s: float
    reported_at: datetime.datetime

    @property
    def duration_label(self):
        return clock(self.duration_s)

    def row(self):
        return [
            self.cluster,
            self.cluster_unit,
            self.title,
            self.kind,
            self.source,
            f"{timezone.localtime(self.started_at):%d/%m/%Y %H:%M:%S}",
            f"{timezone.localtime(self.ended_at):%d/%m/%Y %H:%M:%S}",
            self.duration_label,
            f"{timezone.localtime(self.reported_at):%d/%m/%Y %H:%M:%S}",
        ]


def airings(clusters, since=None, until=None, kind=None):
    records = PlayRecord.objects.filter(board__in=clusters)
    if since is not None:
        records = records.filter(started_at__gte=since)
    if until is not None:
        records = records.filter(started_at__lt=until)
    if kind == "programme":
        records = records.filter(item_id__startswith="programme:")
    elif kind == "bulletin":
        records = records.exclude(item_id__startswith="programme:")
    return records.select_related("board", "board__owner").order_by("-started_at", "board__name")


def _split(item_id):
    prefix, _, rest = item_id.partition(":")
    number = rest.split(":", 1)[0]
    return prefix, int(number) if number.isdigit() else None


def _unit_of(path, units):
    """The deepest unit (an area or a commune) whose tree path prefixes `path`."""
    best = None
    for unit_path, title in units.items():
        if path.startswith(unit_path) and (best is None or len(unit_path) > len(best[0])):
            best = (unit_path, title)
    return best[1] if best else ""


def describe(records):
    """[Airing] for PlayRecords: titles and sources in three queries, whatever the count."""
    records = list(records)
    wanted = {}
    for record in records:
        prefix, number = _split(record.item_id)
        if number is not None:
            wanted.setdefault(prefix, set()).add(number)
    programmes = {p.pk: p for p in Programme.objects.filter(pk__in=wanted.get("programme", ())).select_related("owner")}
    page_ids = set().union(*(ids for prefix, ids in wanted.items() if prefix != "programme"))
    pages = {p["pk"]: p for p in Page.objects.filter(pk__in=page_ids).values("pk", "title", "path")}
    prefixes = {
        page["path"][:end]
        for page in pages.values()
        for end in range(Page.steplen, len(page["path"]) + 1, Page.steplen)
    }
    units = {
        row["path"]: row["title"]
        for model in (AreaPage, CommuneHomePage)
        for row in model.objects.filter(path__in=prefixes).values("path", "title")
    }
    found = []
    for record in records:
        prefix, number = _split(record.item_id)
        if prefix == "programme" and number in programmes:
            programme = programmes[number]
            title, source = programme.title, programme.owner.title
            kind = KINDS["live" if programme.kind == ProgrammeKind.LIVE else "programme"]
        elif number in pages:
            page = pages[number]
            title, source, kind = page["title"], _unit_of(page["path"], units), KINDS.get(prefix, prefix)
        else:
            title, source, kind = f"(đã xoá) {record.item_id}", "", KINDS.get(prefix, prefix)
        end = record.started_at + datetime.timedelta(seconds=record.duration_s)
        found.append(
            Airing(
                cluster=record.board.name,
                cluster_unit=record.board.owner.title,
                title=title,
                kind=kind,
                source=source,
                started_at=record.started_at,
                ended_at=end,
                duration_s=record.duration_s,
                reported_at=record.received_at,
            )
        )
    return found


# --- Exports -------------------------------------------------------------------------------------


def as_csv(rows):
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for airing in rows:
        writer.writerow(airing.row())
    return buffer.getvalue().encode("utf-8")


def as_xlsx(rows, title):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Nhật ký phát thanh"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for airing in rows:
        sheet.append(
            [
                airing.cluster,
                airing.cluster_unit,
                airing.title,
                airing.kind,
                airing.source,
                timezone.localtime(airing.started_at).replace(tzinfo=None),
                timezone.localtime(airing.ended_at).replace(tzinfo=None),
                round(airing.duration_s),
                timezone.localtime(airing.reported_at).replace(tzinfo=None),
            ]
        )
    for column, width in zip("ABCDEFGHI", (24, 22, 48, 24, 24, 20, 20, 12, 20), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for index in (5, 6, 8):
            row[index].number_format = "dd/mm/yyyy hh:mm:ss"
    sheet.cell(row=2, column=8).value = "Thời lượng (giây)"
    sheet.freeze_panes = "A3"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def header_for(unit, day):
    """The document header (print/base.html) of `unit`: its agency, the national name, the date."""
    home = unit.specific
    if isinstance(home, AreaPage):
        home = home.portal or home
    site = Site.objects.filter(root_page_id=home.pk).first()
    identity = SiteIdentity.objects.filter(site=site).first() if site is not None else None
    specific = unit.specific
    name = specific.name_in_sentence if hasattr(specific, "name_in_sentence") else specific.title
    agency = identity.agency if identity is not None and identity.agency else f"Uỷ ban nhân dân {name}"
    place = getattr(specific, "short_name", "") or specific.title
    return printing.header(
        agency,
        place,
        day,
        site_name=identity.display_name if identity is not None and identity.display_name else unit.title,
        hostname=site.hostname if site is not None else "",
    )


def as_pdf(rows, unit, period_label, cluster_label):
    day = timezone.localdate()
    html = render_to_string(
        "station/log_pdf.html",
        {
            "header": header_for(unit, day),
            "rows": rows[:PDF_LIMIT],
            "cut": len(rows) > PDF_LIMIT,
            "limit": PDF_LIMIT,
            "period_label": period_label,
            "cluster_label": cluster_label,
            "total_label": _total(rows),
            "columns": COLUMNS,
            "font_family": printing.FONT_FAMILY,
            "font_regular_url": printing.FONT_REGULAR.as_uri(),
            "font_bold_url": printing.FONT_BOLD.as_uri(),
            "emblem_url": printing.EMBLEM.as_uri(),
        },
    )
    return printing.render_pdf(html)


def _total(rows):
    seconds = round(sum(a.duration_s for a in rows))
    return f"{len(rows)} lượt phát, tổng {seconds // 3600} giờ {seconds % 3600 // 60} phút"
