"""The ministry's indicators under its own numbering, with their yearly targets, met or not.

`numbered(area, period)` takes the figures of indicators/compute.py (one `compute` Report) and
adds what the numbering needs, in a fixed number of queries (nine, whatever the size of the
area):

  1.1  communes whose loudspeakers reach every hamlet           (compute: loudspeakers)
  1.2  communes whose station is IP-based                       (compute: ip_stations)
  1.3  phường, thị trấn with a website, 1.4 xã with a website, each by two definitions:
       - the plans': the site exists and answers — the commune's latest SiteCheck (a real HTTP
         GET, indicators/sitecheck.py) in [T − 7 days, T) answered 2xx; seven days because the
         check runs every six hours and a worker down for a few days should not wipe the figure,
         while a site dead for a week no longer counts;
       - the stricter one ("1.3-30", "1.4-30"): a content page published in the 30 days
         before T (compute: websites).
  1.5  phường, thị trấn with a public e-board, 1.6 xã           (compute: boards, seen in 24 h)
  2.1  districts with a communication centre: a CommunicationCentre registered for the district,
       operating, decided on or before T's day (no date: counts). The register keeps no history.
  2.2  districts with a large e-board connected (compute: large_boards — a large board of the
       district seen in 24 h, so connected to the platform that carries the source information),
       split by district type when the province set split targets: "do_thi" (thành phố, thị xã,
       quận) and "huyen" (huyện).
  3    the province has a source information system: its portal has a live "Thông tin nguồn"
       section (SourceIndexPage) AND at least one public source item or alert was published in
       the period by the province or a unit or department inside it. A province's figure is
       0/1 or 1/1; it does not apply to a district's report.
  so-nganh        the area's active departments (areas.Department: sở, ngành of a province;
                  phòng of a district) that published at least one source item or public alert
                  (TargetedPage.department) in the period.
  huyen-cung-cap  a province's districts that published a source item or alert in the period
                  (the district's AreaPage subtree: its portal and its departments' sections).
2.1, 2.2 and huyen-cung-cap do not apply in the 2-level structure (no districts).

Targets (IndicatorTarget): for the period's year, the ministry's and the province's own; when
a year has none, the latest earlier year's stands (the 2025 targets after 2025), and the line
says which year. Met: rate ≥ value (or > for a "trên …" target), compared exactly (count/total
against the value, not the rate rounded for display: 99,96 % does not meet 100 %).
`as_json(area, period)` gives the same as a plain dict (exchange, directives).
"""

from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Q
from django.utils import timezone

from areas.models import AreaPage, Department, PortalHomePage
from indicators.compute import (
    GROUP_KEYS,
    GROUP_LABELS,
    GROUP_OF_TYPE,
    NOT_APPLICABLE,
    Ratio,
    compute,
    moment_date,
)
from indicators.models import AppliesTo, CommunicationCentre, IndicatorTarget, SiteCheck, TargetSource
from indicators.sitecheck import CHECK_WINDOW
from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage

TOWN_TYPES = ("thanh_pho", "thi_xa", "quan")
DISTRICT_GROUPS = [(AppliesTo.TOWNS.value, "Thành phố, thị xã"), (AppliesTo.RURAL.value, "Huyện")]

LABELS = {
    "1.1": "Xã, phường, thị trấn có hệ thống loa truyền thanh hoạt động tới mọi thôn, bản, tổ dân phố",
    "1.2": "Xã, phường, thị trấn có đài truyền thanh ứng dụng CNTT-VT (loa IP)",
    "1.3": "Phường, thị trấn có trang thông tin điện tử (trang tồn tại và trả lời)",
    "1.3-30": "Phường, thị trấn có trang thông tin điện tử cập nhật trong 30 ngày",
    "1.4": "Xã có trang thông tin điện tử (trang tồn tại và trả lời)",
    "1.4-30": "Xã có trang thông tin điện tử cập nhật trong 30 ngày",
    "1.5": "Phường, thị trấn có bảng điện tử công cộng",
    "1.6": "Xã có bảng điện tử công cộng",
    "2.1": "Huyện có trung tâm truyền thông (văn hóa – thể thao – truyền thông) cấp huyện",
    "2.2": "Huyện có bảng điện tử cỡ lớn (LED, LCD) kết nối hệ thống thông tin nguồn",
    "2.2-do_thi": "Thành phố, thị xã có bảng điện tử cỡ lớn kết nối",
    "2.2-huyen": "Huyện (nông thôn) có bảng điện tử cỡ lớn kết nối",
    "3": "Tỉnh có hệ thống thông tin nguồn cung cấp thông tin thiết yếu",
    "so-nganh": "Sở, ngành, phòng ban cung cấp thông tin trên hệ thống thông tin nguồn trong kỳ",
    "huyen-cung-cap": "Huyện cung cấp thông tin trên hệ thống thông tin nguồn trong kỳ",
}
DEFINITIONS = {
    "1.1": "Đài hoạt động, có thôn, tổ dân phố trong sổ đài và loa phủ tới mọi thôn (loa IP: có tín hiệu 24 giờ).",
    "1.2": "Đài đã chuyển sang ứng dụng CNTT-VT, tính từ ngày chuyển đổi ghi trong sổ.",
    "1.3": "Theo kế hoạch: lần kiểm tra gần nhất trong 7 ngày, trang chủ của xã trả lời (mã 2xx).",
    "1.3-30": "Chặt hơn: có tin, bài, văn bản đăng trong 30 ngày.",
    "1.4": "Theo kế hoạch: lần kiểm tra gần nhất trong 7 ngày, trang chủ của xã trả lời (mã 2xx).",
    "1.4-30": "Chặt hơn: có tin, bài, văn bản đăng trong 30 ngày.",
    "1.5": "Có ít nhất một bảng điện tử công cộng có tín hiệu trong 24 giờ.",
    "1.6": "Có ít nhất một bảng điện tử công cộng có tín hiệu trong 24 giờ.",
    "2.1": "Theo sổ “Trung tâm truyền thông cấp huyện”: đang hoạt động, quyết định thành lập đến ngày tính.",
    "2.2": "Bảng cỡ lớn của chính huyện (cổng huyện) có tín hiệu trong 24 giờ.",
    "3": "Có chuyên mục Thông tin nguồn đang hoạt động và ít nhất một tin nguồn, cảnh báo phát hành trong kỳ.",
    "so-nganh": "Có ít nhất một tin nguồn hoặc cảnh báo của cơ quan phát hành trong kỳ.",
    "huyen-cung-cap": "Huyện (cổng huyện, phòng ban) phát hành ít nhất một tin nguồn hoặc cảnh báo trong kỳ.",
}
TARGET_CODE = {"1.3-30": "1.3", "1.4-30": "1.4"}  # the stricter definition, judged by the same target
SOURCE_WORDS = {TargetSource.MINISTRY.value: "Bộ", TargetSource.PROVINCE.value: "Tỉnh"}
MET_WORDS = {True: "Đạt", False: "Chưa đạt", None: "–"}


@dataclass(frozen=True)
class TargetCheck:
    source: str  # "bo" | "tinh"
    year: int
    value: float
    comparison: str  # "gte" | "gt"
    value_text: str  # "≥ 85 %", "> 70 %"
    note: str
    met: bool | None  # None: nothing to judge (no denominator, not applicable)

    @property
    def source_word(self):
        return SOURCE_WORDS.get(self.source, self.source)

    @property
    def met_word(self):
        return MET_WORDS[self.met]


@dataclass
class Line:
    code: str
    label: str
    ratio: Ratio
    targets: list = field(default_factory=list)  # [TargetCheck]
    definition: str = ""
    sub: bool = False  # a second definition or a part of the line above

    @property
    def number(self):
        """The ministry's number as printed: '1.3', '1.3' for '1.3-30', '' for the project's lines."""
        base = self.code.split("-")[0]
        return base if base[:1].isdigit() else ""


@dataclass
class UnitRow:
    """A district, or a commune type, with its ratios and checks per code."""

    kind: str  # district | type | district_type
    name: str
    code: str
    ratios: dict  # {code: Ratio}
    checks: dict  # {code: [TargetCheck]}


@dataclass
class Numbered:
    area: object
    period: object
    year: int
    report: object  # the compute.Report it was built on
    lines: list  # [Line]
    districts: list  # [UnitRow]
    types: list  # [UnitRow]
    district_types: list  # [UnitRow] thành phố, thị xã / huyện
    departments: list  # [(Department, supplied)]
    supplying_districts: list  # [(name, supplied)]
    site_checks: dict  # {commune id: latest SiteCheck in the window, or None}
    province: object = None

    @property
    def has_districts(self):
        return self.report.has_districts

    def line(self, code):
        return next((line for line in self.lines if line.code == code), None)


# --- Targets -----------------------------------------------------------------------------------


def province_of(area):
    """The province AreaPage of `area` (itself, or its nearest province ancestor), or None."""
    if area.level == "province":
        return area
    return AreaPage.objects.ancestor_of(area).filter(level="province").order_by("-depth").first()


def targets_for(province, year):
    """{(code, applies_to, source): IndicatorTarget} in force in `year`: for each, the row of
    that year or else of the latest earlier year (one query)."""
    query = Q(source=TargetSource.MINISTRY, area__isnull=True)
    if province is not None:
        query |= Q(source=TargetSource.PROVINCE, area=province)
    found = {}
    for target in IndicatorTarget.objects.filter(query, year__lte=year).order_by("year"):
        found[(target.code, target.applies_to, target.source)] = target
    return found


def judge(targets, code, applies_to, ratio):
    """[TargetCheck] of a ratio against the ministry's then the province's target of `code`."""
    checks = []
    for source in (TargetSource.MINISTRY.value, TargetSource.PROVINCE.value):
        target = targets.get((TARGET_CODE.get(code, code), applies_to, source))
        if target is None:
            continue
        rate = Fraction(ratio.count, ratio.total) if ratio.applicable and ratio.total else None
        checks.append(
            TargetCheck(
                source=source,
                year=target.year,
                value=float(target.value),
                comparison=target.comparison,
                value_text=target.value_text,
                note=target.note,
                met=target.is_met(rate),
            )
        )
    return checks


# --- Facts beyond compute ------------------------------------------------------------------------


def latest_checks(communes, moment):
    """{commune id: its latest SiteCheck in [moment − CHECK_WINDOW, moment)} (one query)."""
    latest = dict.fromkeys((c.pk for c in communes), None)
    rows = SiteCheck.objects.filter(
        commune__in=[c.pk for c in communes], checked_at__gte=moment - CHECK_WINDOW, checked_at__lt=moment
    ).order_by("checked_at", "pk")
    for check in rows:
        latest[check.commune_id] = check
    return latest


def centre_districts(districts, moment):
    """Ids of the districts with an operating communication centre decided by the moment (one query)."""
    if not districts:
        return set()
    day = moment_date(moment)
    return set(
        CommunicationCentre.objects.filter(owner__in=[d.pk for d in districts], is_operating=True)
        .filter(Q(decision_date__isnull=True) | Q(decision_date__lte=day))
        .values_list("owner_id", flat=True)
    )


def has_source_section(area):
    """A live "Thông tin nguồn" section (SourceIndexPage) on the area's portal: a child of a
    PortalHomePage that is a child of the area (two queries)."""
    portals = set(
        PortalHomePage.objects.filter(path__startswith=area.path, depth=area.depth + 1).values_list("path", flat=True)
    )
    sections = SourceIndexPage.objects.live().filter(path__startswith=area.path, depth=area.depth + 2)
    return any(path[: -SourceIndexPage.steplen] in portals for path in sections.values_list("path", flat=True))


def departments_supplied(area, period):
    """[(Department, supplied)] of the area's active departments made before the period's end
    (three queries: the departments, then the items and alerts of the period carrying one)."""
    start, end = period.bounds()
    departments = list(Department.objects.filter(area=area, is_active=True, created_at__lt=end).order_by("name"))
    if not departments:
        return []
    ids = [d.pk for d in departments]
    supplied = set()
    published = Q(first_published_at__gte=start, first_published_at__lt=end, department__in=ids)
    supplied.update(SourceItemPage.objects.filter(published).values_list("department_id", flat=True))
    supplied.update(
        EmergencyAlertPage.objects.filter(published, EmergencyAlertPage.public_q()).values_list(
            "department_id", flat=True
        )
    )
    return [(d, d.pk in supplied) for d in departments]


# --- The numbered indicators ------------------------------------------------------------------


def _yes(flag):
    return Ratio(int(bool(flag)), 1)


def numbered(area, period, now=None, report=None):
    """The Numbered indicators of `area` (a province or district AreaPage) for `period`; see the
    module's docstring. `report`: a compute() Report already made for the same (else made here,
    without trend). PeriodError (compute) for a period that has not started."""
    area = area.specific
    report = report or compute(area, period, now=now or timezone.now(), trend=False)
    moment = report.as_of
    year = period.end.year  # the targets of the year the period ends in
    province = province_of(area)
    targets = targets_for(province, year)
    a = report.total.as_of

    commune_rows = report.communes
    communes = [row.unit for row in commune_rows]
    checks = latest_checks(communes, moment)
    answering = {pk for pk, check in checks.items() if check is not None and check.ok}

    def answer_ratio(members, group):
        chosen = [c for c in members if GROUP_OF_TYPE.get(c.unit_type, "xa") == group]
        return Ratio(sum(1 for c in chosen if c.pk in answering), len(chosen))

    district_rows = report.districts
    districts = [row.unit for row in district_rows] if district_rows else ([area] if area.level == "district" else [])
    centres = centre_districts(districts, moment)
    large_of = {}
    if district_rows:
        large_of = {row.unit.pk: bool(row.as_of.large_boards.count) for row in district_rows}
    elif area.level == "district":
        large_of = {area.pk: bool(a.large_boards.count)}

    def district_group(district):
        return AppliesTo.TOWNS.value if district.unit_type in TOWN_TYPES else AppliesTo.RURAL.value

    has_districts = bool(districts)
    if has_districts:
        centre_ratio = Ratio(sum(1 for d in districts if d.pk in centres), len(districts))
        large_ratio = a.large_boards
        large_split = {
            key: Ratio(
                sum(1 for d in districts if district_group(d) == key and large_of.get(d.pk)),
                sum(1 for d in districts if district_group(d) == key),
            )
            for key, _ in DISTRICT_GROUPS
        }
    else:
        centre_ratio = large_ratio = NOT_APPLICABLE
        large_split = {key: NOT_APPLICABLE for key, _ in DISTRICT_GROUPS}

    pushed = report.total.pushed
    if area.level == "province":
        source_ratio = _yes(pushed.published > 0 and has_source_section(area))
    else:
        source_ratio = NOT_APPLICABLE
    departments = departments_supplied(area, period)
    department_ratio = Ratio(sum(1 for _, ok in departments if ok), len(departments))
    supplying = []
    if district_rows:
        supplying = [(row.name, bool(row.pushed and row.pushed.published)) for row in district_rows]
        district_supply_ratio = Ratio(sum(1 for _, ok in supplying if ok), len(supplying))
    else:
        district_supply_ratio = NOT_APPLICABLE

    ratios = {
        "1.1": a.loudspeakers,
        "1.2": a.ip_stations,
        "1.3": answer_ratio(communes, "phuong_thi_tran"),
        "1.3-30": a.websites_by_type["phuong_thi_tran"],
        "1.4": answer_ratio(communes, "xa"),
        "1.4-30": a.websites_by_type["xa"],
        "1.5": a.boards_by_type["phuong_thi_tran"],
        "1.6": a.boards_by_type["xa"],
        "2.1": centre_ratio,
        "2.2": large_ratio,
        "2.2-do_thi": large_split[AppliesTo.TOWNS.value],
        "2.2-huyen": large_split[AppliesTo.RURAL.value],
        "3": source_ratio,
        "so-nganh": department_ratio,
        "huyen-cung-cap": district_supply_ratio,
    }
    split_targets = any(key[0] == "2.2" and key[1] for key in targets)
    lines = []
    for code, ratio in ratios.items():
        if code.startswith("2.2-"):
            if not (has_districts and split_targets):
                continue
            applies_to = code.split("-", 1)[1]
        else:
            applies_to = ""
        lines.append(
            Line(
                code=code,
                label=LABELS[code],
                ratio=ratio,
                targets=judge(targets, code.split("-")[0] if code.startswith("2.2-") else code, applies_to, ratio),
                definition=DEFINITIONS.get(code, ""),
                sub="-" in code and code[0].isdigit(),
            )
        )

    # Per district (a province with districts): its communes' ratios, its own 2.1, 2.2 and supply.
    unit_rows = []
    for row in district_rows:
        district = row.unit
        members = [c for c in communes if c.path.startswith(district.path)]
        group = district_group(district)
        values = {
            "1.1": row.as_of.loudspeakers,
            "1.2": row.as_of.ip_stations,
            "1.3": answer_ratio(members, "phuong_thi_tran"),
            "1.4": answer_ratio(members, "xa"),
            "1.3-30": row.as_of.websites_by_type["phuong_thi_tran"],
            "1.4-30": row.as_of.websites_by_type["xa"],
            "1.5": row.as_of.boards_by_type["phuong_thi_tran"],
            "1.6": row.as_of.boards_by_type["xa"],
            "2.1": _yes(district.pk in centres),
            "2.2": _yes(large_of.get(district.pk)),
            "huyen-cung-cap": _yes(row.pushed and row.pushed.published),
        }
        checks_of = {}
        for code, ratio in values.items():
            found = judge(targets, code, "", ratio)
            if code == "2.2" and split_targets:
                found = judge(targets, "2.2", group, ratio) or found
            checks_of[code] = found
        unit_rows.append(UnitRow("district", row.name, row.code, values, checks_of))

    # Per commune type: the ministry's 1.3/1.5 are the phường, thị trấn's, 1.4/1.6 the xã's.
    type_rows = []
    own_code = {"xa": ("1.4", "1.6"), "phuong_thi_tran": ("1.3", "1.5")}
    for key in GROUP_KEYS:
        website, board = own_code[key]
        values = {
            "1.1": a.loudspeakers_by_type[key],
            "1.2": a.ip_stations_by_type[key],
            "website": ratios[website],
            "website-30": ratios[f"{website}-30"],
            "board": ratios[board],
        }
        codes = {"1.1": "1.1", "1.2": "1.2", "website": website, "website-30": website, "board": board}
        type_rows.append(
            UnitRow(
                "type",
                GROUP_LABELS[key],
                key,
                values,
                {name: judge(targets, codes[name], "", ratio) for name, ratio in values.items()},
            )
        )

    district_type_rows = []
    if has_districts:
        for key, label in DISTRICT_GROUPS:
            members = [d for d in districts if district_group(d) == key]
            values = {
                "2.1": Ratio(sum(1 for d in members if d.pk in centres), len(members)),
                "2.2": large_split[key],
            }
            checks_of = {
                "2.1": judge(targets, "2.1", "", values["2.1"]),
                "2.2": judge(targets, "2.2", key, values["2.2"]) or judge(targets, "2.2", "", values["2.2"]),
            }
            district_type_rows.append(UnitRow("district_type", label, key, values, checks_of))

    return Numbered(
        area=area,
        period=period,
        year=year,
        report=report,
        lines=lines,
        districts=unit_rows,
        types=type_rows,
        district_types=district_type_rows,
        departments=departments,
        supplying_districts=supplying,
        site_checks=checks,
        province=province,
    )


# --- JSON ---------------------------------------------------------------------------------------


def _ratio_json(ratio):
    return {
        "count": ratio.count if ratio.applicable else None,
        "total": ratio.total if ratio.applicable else None,
        "rate": None if ratio.rate is None else round(ratio.rate * 100, 1),
        "applicable": ratio.applicable,
    }


def _checks_json(checks):
    return [
        {"source": c.source, "year": c.year, "value": c.value, "comparison": c.comparison, "note": c.note, "met": c.met}
        for c in checks
    ]


def as_json(area, period, now=None, report=None, result=None):
    """The numbered indicators as a plain JSON-able dict (see /work/notes/api-indicators.md)."""
    result = result or numbered(area, period, now=now, report=report)
    report = result.report
    total = report.total
    return {
        "area": {"id": result.area.pk, "code": result.area.code, "name": result.area.title, "level": result.area.level},
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "as_of": report.as_of.isoformat(),
        "is_current": report.is_current,
        "year": result.year,
        "indicators": [
            {
                "code": line.code,
                "number": line.number,
                "label": line.label,
                "definition": line.definition,
                **_ratio_json(line.ratio),
                "targets": _checks_json(line.targets),
            }
            for line in result.lines
        ],
        "districts": [
            {
                "code": row.code,
                "name": row.name,
                "indicators": {
                    code: {**_ratio_json(ratio), "targets": _checks_json(row.checks.get(code, []))}
                    for code, ratio in row.ratios.items()
                },
            }
            for row in result.districts
        ],
        "departments": [{"id": d.pk, "code": d.code, "name": d.name, "supplied": ok} for d, ok in result.departments],
        "other": {
            "boards_online": _ratio_json(total.as_of.online),
            "inquiries_on_time": _ratio_json(total.on_time),
            "source_items": total.pushed.items,
            "alerts": total.pushed.alerts,
            "deliveries": total.pushed.deliveries,
            "plays": total.pushed.plays,
        },
        "computed_at": report.computed_at.isoformat(),
        "check_window_days": CHECK_WINDOW.days,
    }
