"""Figures of citizens' questions and feedback (hỏi đáp, phản ánh) per commune and period.

The figures the regulations ask for, later summed by the province into its national
indicators. The core, `figures_from_rows`, is a pure function of plain rows, a period and a
day; `figures` reads those rows from a queryset in one query. Every date is a local date in
the project's time zone (settings.TIME_ZONE, Asia/Ho_Chi_Minh), whatever time zone the
request has activated: a day starts at local midnight.

Definitions (P = the period, start..end inclusive; "in P" = the local date lies in P):

- received            received_at in P
- answered            answered_at in P (whatever the status now)
- answered_on_time    answered in P, and answered_at's local date ≤ deadline
- answered_late       answered − answered_on_time
- overdue             at the cut-off day C = min(P.end, today) (none when C < P.start): received
                      on or before C, deadline < C, and still open at the end of C: open now
                      (received/assigned), or resolved (answered_at, else closed_at) after C
- rejected            status rejected, and closed_at in P (received_at when closed_at is empty)
- open_now            status received/assigned now (a snapshot: it does not depend on P)
- avg_days_to_answer  mean calendar days from received to answered (local dates), over the
                      items answered in P; None when none
- avg_working_days_to_answer  the same in working days: working_days_between(received, answered),
                      the working days in (received, answered]; None when none
- rated               items with a rating given in P (rated_at; answered_at when rated_at is empty)
- avg_rating          mean of those ratings (1–5); None when none
- satisfied           those ratings ≥ 4
- satisfaction_rate   satisfied / rated, a fraction 0–1; None when rated = 0
- on_time_base        answered + overdue: every item that had to be answered by C — answered in
                      P, or overdue and still unanswered (the two never overlap)
- on_time_rate        answered_on_time / on_time_base, a fraction 0–1; None when the base is 0.
                      Overdue unanswered items count against it: a commune that answers a few
                      questions on time and leaves the rest unanswered does not score 100 %.
                      Shown with both parts, "489 / 674" (on_time_parts)

Items count for the commune whose queue they are in (`commune_id`), also when a district or
the province took them up. `figures(..., key="channel")` breaks the same figures down by the
channel an item arrived by (models.Channel: online, phone, in person, letter) instead.
"""

import csv
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from functools import reduce

from django.db.models import Q

from areas.models import CommuneHomePage
from core.periods import local_date, local_today
from core.text import fold_key, name_key
from core.working_days import load_holidays, working_days_between
from inquiries.models import OPEN_STATUSES, Channel, Inquiry, Status

# --- Figures -----------------------------------------------------------------------------------


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """The counts of one commune (or a total) for one period; averages and rates derive from them."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue: int = 0
    rejected: int = 0
    open_now: int = 0
    rated: int = 0
    satisfied: int = 0
    # Sums behind the averages, so that totals are exact (not averages of averages).
    days_to_answer_sum: int = 0
    working_days_to_answer_sum: int = 0
    rating_sum: int = 0

    @property
    def answered_late(self):
        return self.answered - self.answered_on_time

    @property
    def avg_days_to_answer(self):
        return _ratio(self.days_to_answer_sum, self.answered)

    @property
    def avg_working_days_to_answer(self):
        return _ratio(self.working_days_to_answer_sum, self.answered)

    @property
    def avg_rating(self):
        return _ratio(self.rating_sum, self.rated)

    @property
    def satisfaction_rate(self):
        return _ratio(self.satisfied, self.rated)

    @property
    def on_time_base(self):
        return self.answered + self.overdue

    @property
    def on_time_parts(self):
        """(answered on time, answered + overdue): the two parts of on_time_rate."""
        return (self.answered_on_time, self.on_time_base)

    @property
    def on_time_rate(self):
        return _ratio(self.answered_on_time, self.on_time_base)

    def is_empty(self):
        return not any(getattr(self, f.name) for f in dataclass_fields(self))

    def __add__(self, other):
        if not isinstance(other, Figures):
            return NotImplemented
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in dataclass_fields(self)})

    def as_dict(self):
        """Every figure, counts and derived, by name."""
        data = asdict(self)
        for name in DERIVED:
            data[name] = getattr(self, name)
        return data


DERIVED = (
    "answered_late",
    "avg_days_to_answer",
    "avg_working_days_to_answer",
    "avg_rating",
    "satisfaction_rate",
    "on_time_base",
    "on_time_parts",
    "on_time_rate",
)

# The columns read from the database: everything the figures need, nothing else.
ROW_FIELDS = (
    "commune_id",
    "channel",
    "status",
    "received_at",
    "answered_at",
    "closed_at",
    "deadline",
    "rating",
    "rated_at",
)


def total(figures_list):
    """The sum of several Figures (a district's or province's total); Figures() for none."""
    return reduce(lambda a, b: a + b, figures_list, Figures())


def _load_holidays():

    return load_holidays()


def figures_from_rows(rows, period, today=None, holidays=None, key="commune_id"):
    """{commune_id: Figures} from dicts with the keys of ROW_FIELDS. Pure (given the holidays).
    `key="channel"`: {channel: Figures} instead.

    Communes (channels) none of whose rows counts for anything are left out: read a missing
    one as Figures()."""

    today = today or local_today()
    if holidays is None:
        holidays = _load_holidays()
    cutoff = min(period.end, today)
    count_overdue = cutoff >= period.start
    result = {}
    for row in rows:
        figures = result.get(row[key])
        if figures is None:
            figures = result[row[key]] = Figures()
        status = row["status"]
        is_open = status in OPEN_STATUSES
        received = local_date(row["received_at"])
        answered = local_date(row["answered_at"])
        deadline = row["deadline"]

        if received in period:
            figures.received += 1
        if answered in period:
            figures.answered += 1
            if answered <= deadline:
                figures.answered_on_time += 1
            figures.days_to_answer_sum += max(0, (answered - received).days)
            figures.working_days_to_answer_sum += max(0, working_days_between(received, answered, holidays))
        if status == Status.REJECTED and (local_date(row["closed_at"]) or received) in period:
            figures.rejected += 1
        if is_open:
            figures.open_now += 1
        if count_overdue and received <= cutoff and deadline < cutoff:
            resolved = local_date(row["answered_at"] or row["closed_at"])
            if is_open or (resolved is not None and resolved > cutoff):
                figures.overdue += 1
        rating = row["rating"]
        if rating is not None and (local_date(row["rated_at"]) or answered) in period:
            figures.rated += 1
            figures.rating_sum += rating
            if rating >= 4:
                figures.satisfied += 1
    return {group: f for group, f in result.items() if not f.is_empty()}


def relevant_q(period):
    """A superset of the rows that can count for `period` (the rest count for nothing)."""
    start, end = period.bounds()
    touched = (
        Q(received_at__gte=start)
        | Q(answered_at__gte=start)
        | Q(closed_at__gte=start)
        | Q(rated_at__gte=start)
        | Q(answered_at__isnull=True, closed_at__isnull=True)
    )
    return Q(status__in=OPEN_STATUSES) | (Q(received_at__lt=end) & touched)


def rows(inquiries, period):
    """The rows `figures_from_rows` needs, from a queryset of Inquiry: one query."""
    return list(inquiries.filter(relevant_q(period)).order_by().values(*ROW_FIELDS))


def figures(inquiries, period, today=None, holidays=None, key="commune_id"):
    """{commune_id: Figures} of a queryset of Inquiry for a period; see the module's docstring.
    `key="channel"`: {channel: Figures}.

    `today` (default: the local today) caps the day at which overdue items are counted."""
    return figures_from_rows(rows(inquiries, period), period, today=today, holidays=holidays, key=key)


# --- Per unit ----------------------------------------------------------------------------------


def communes_under(page):
    """The commune homes in a page's subtree (the page itself when it is one), by name."""

    page = page.specific
    communes = [page] if isinstance(page, CommuneHomePage) else list(CommuneHomePage.objects.descendant_of(page))
    return sorted(communes, key=lambda c: (name_key(c.short_name), fold_key(c.title), c.code))


def rows_for_communes(communes, period, today=None, holidays=None, inquiries=None):
    """([(commune, Figures)], total) for the given communes, in the given order. `inquiries`:
    a queryset holding (at least) their items; by default, selected by their ids."""

    communes = list(communes)
    if inquiries is None:
        inquiries = Inquiry.objects.filter(commune__in=[c.pk for c in communes])
    by_commune = figures(inquiries, period, today=today, holidays=holidays) if communes else {}
    table = [(commune, by_commune.get(commune.pk, Figures())) for commune in communes]
    return table, total(f for _, f in table)


def rows_for(page, period, today=None, holidays=None):
    """([(commune page, Figures)] for every commune under `page` (an AreaPage or a
    CommuneHomePage) — those with no items too — sorted by name, total Figures)."""

    communes = communes_under(page)
    subtree = CommuneHomePage.objects.descendant_of(page, inclusive=True).values("pk")
    return rows_for_communes(
        communes, period, today=today, holidays=holidays, inquiries=Inquiry.objects.filter(commune__in=subtree)
    )


@dataclass(frozen=True)
class ChannelLine:
    """A line of the table by channel: shaped like a commune (code, title) for the exports."""

    code: str
    title: str


def rows_by_channel(inquiries, period, today=None, holidays=None):
    """([(ChannelLine, Figures)] for every channel, in the order of models.Channel, total) of a
    queryset of Inquiry."""
    by_channel = figures(inquiries, period, today=today, holidays=holidays, key="channel")
    table = [(ChannelLine(value, str(label)), by_channel.get(value, Figures())) for value, label in Channel.choices]
    return table, total(f for _, f in table)


def rows_by_channel_for(page, period, today=None, holidays=None):
    """rows_by_channel() of the questions of every commune under `page` (an AreaPage or a
    CommuneHomePage)."""
    subtree = CommuneHomePage.objects.descendant_of(page, inclusive=True).values("pk")
    return rows_by_channel(Inquiry.objects.filter(commune__in=subtree), period, today=today, holidays=holidays)


# --- Presentation shared by the admin report, the CSV and the command ---------------------------

# (key, heading, kind): kind tells how a value is shown.
TABLE_COLUMNS = [
    ("received", "Tiếp nhận", "int"),
    ("answered", "Đã trả lời", "int"),
    ("answered_on_time", "Đúng hạn", "int"),
    ("answered_late", "Trễ hạn", "int"),
    ("overdue", "Quá hạn", "int"),
    ("avg_working_days_to_answer", "TB ngày làm việc", "decimal"),
    ("avg_rating", "Đánh giá TB", "decimal"),
    ("satisfaction_rate", "Tỷ lệ hài lòng", "percent"),
    ("on_time_rate", "Tỷ lệ đúng hạn", "percent"),
    ("on_time_parts", "Đúng hạn / (đã trả lời + quá hạn)", "parts"),
]

# Exports carry every figure (the table shows a selection).
EXPORT_COLUMNS = [
    ("received", "Tiếp nhận"),
    ("answered", "Đã trả lời"),
    ("answered_on_time", "Đúng hạn"),
    ("answered_late", "Trễ hạn"),
    ("overdue", "Quá hạn"),
    ("rejected", "Từ chối"),
    ("open_now", "Đang xử lý (hiện tại)"),
    ("avg_days_to_answer", "TB ngày (lịch)"),
    ("avg_working_days_to_answer", "TB ngày làm việc"),
    ("rated", "Số đánh giá"),
    ("avg_rating", "Đánh giá TB"),
    ("satisfied", "Hài lòng (4–5)"),
    ("satisfaction_rate", "Tỷ lệ hài lòng (%)"),
    ("on_time_base", "Đã trả lời + quá hạn"),
    ("on_time_rate", "Tỷ lệ đúng hạn (%)"),
]
PERCENT_KEYS = {"satisfaction_rate", "on_time_rate"}
TOTAL_LABEL = "Tổng cộng"


def display(value, kind):
    """Vietnamese number format for people: '4,5', '66,7%', '489 / 674' (parts of a rate),
    '–' for no value."""
    if value is None:
        return "–"
    if kind == "parts":
        numerator, denominator = value
        return f"{display(numerator, 'int')} / {display(denominator, 'int')}" if denominator else "–"
    if kind == "int":
        return f"{value:,}".replace(",", ".")
    if kind == "percent":
        return f"{value * 100:.1f}".replace(".", ",") + "%"
    return f"{value:.1f}".replace(".", ",")


def export_value(key, value):
    """Numbers for machines: rates as percentages with one decimal, averages with two; None → None."""
    if value is None:
        return None
    if key in PERCENT_KEYS:
        return round(value * 100, 1)
    if isinstance(value, float):
        return round(value, 2)
    return value


def export_header():
    return ["Mã", "Đơn vị"] + [heading for _, heading in EXPORT_COLUMNS]


def export_rows(table, total_figures):
    """Lists of values, one per commune and then the total, in export_header()'s order."""
    lines = []
    for commune, figures_ in table:
        data = figures_.as_dict()
        lines.append([commune.code, commune.title] + [export_value(k, data[k]) for k, _ in EXPORT_COLUMNS])
    data = total_figures.as_dict()
    lines.append(["", TOTAL_LABEL] + [export_value(k, data[k]) for k, _ in EXPORT_COLUMNS])
    return lines


def write_csv(fh, table, total_figures):
    """CSV for spreadsheets: UTF-8 with a BOM (so Excel reads Vietnamese), comma-separated,
    decimal point. `fh` is a text file opened with newline=""."""

    fh.write("\ufeff")
    writer = csv.writer(fh)
    writer.writerow(export_header())
    for line in export_rows(table, total_figures):
        writer.writerow(["" if value is None else value for value in line])
