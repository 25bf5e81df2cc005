"""The indicators of the grassroots information network, computed from the data (never typed in).

`compute(area, period)` gives, for a province or district (an AreaPage) and a reporting
period (core.periods.Period), the figures the national plans ask for: a total for
the area, a row per district (a province in the 3-level structure), per commune type and per
commune, and a trend of the "as of" indicators. No HTML here (indicators/report.py presents).
The ministry's numbering (1.1 … 3), its targets and the facts it adds (site checks, district
communication centres, departments) are indicators/numbered.py, built on one Report.

Two kinds of indicator:

- "As of" a moment T. T is the end of the period (its last day's local midnight), or now when
  the period has not ended yet (a period that has not started is refused). Windows are
  half-open: [T − window, T).

  websites      Communes with a live website: at least one *content page* of the commune
                published in [T − 30 days, T). Content pages are news, announcements, legal
                documents, standard pages (profile sub-pages …) and answered questions made
                public inside the commune's subtree — never the commune home or the section
                pages (Tin tức, Thông báo, Giới thiệu …) that `manage.py provision` creates.
                A page counts as published at a moment m when Wagtail's audit log has a
                "wagtail.publish" entry for it at m, or when its first_published_at or
                last_published_at is m (`manage.py seed_demo` writes demo pages with those
                fields and no log entry). A page published then and unpublished or moved
                since still counts for that moment (it was on the site); deleted pages
                leave no trace and do not count.
  boards        Communes with at least one public e-board seen in [T − 24 h, T): an active
                Board owned by the commune home whose last heartbeat before T (Heartbeat
                rows, and BoardStatus.last_seen_at when it is before T) is at most 24 h old.
  large_boards  Districts with a large board connected: an active Board with large=True
                owned by the district itself — its AreaPage or its portal home — seen in
                [T − 24 h, T). Boards of the communes inside a district do not count: the
                plan speaks of district-level screens. In the 2-level structure (no
                districts) the indicator does not apply ("không áp dụng"), rather than 0%.
                For a district area the district is its own denominator (0/1 or 1/1).
  online        Boards of the area (owned by the area, its portals or its communes) online at T.
                Now (a period still running): every active board by boards.monitoring.board_state,
                seen within 1.5 × its polling interval (BoardStatus.last_seen_at). At a past
                moment: the monitoring's own record, the OnlineSample of each owner unit taken
                in the 10 minutes up to T (online / active boards then, every 5 minutes while
                the worker runs). For a unit with no sample there (the worker was down, or the
                moment precedes the monitoring) its active boards made before T are judged from
                the heartbeat history, which keeps one heartbeat an hour per board
                (boards/api.py): online when one lies within 1 h + 1.5 × the interval before T.

  loudspeakers  Indicator 1.1 of the ministry: communes whose loudspeaker system works and
                reaches every hamlet (thôn, bản, ấp, khóm, tổ dân phố). A commune counts when it
                has a Station (station/, "Sổ đài truyền thanh") with working=True, at least one
                Hamlet, and every hamlet reached: its `reached` is set and, for a station that is
                IP-based at the moment (technology "ip", converted_on ≤ the moment's date), at
                least one of its clusters (an active Board of kind "audio") was seen in
                [T − 24 h, T), the same "seen" as the boards indicator (heartbeats and
                BoardStatus.last_seen_at, which the real-time channel also sets). For a wired or
                FM station, and for an IP station before its converted_on, the register's
                declaration is what counts.
  ip_stations   Indicator 1.2 of the ministry: communes whose station has been converted to IP
                loudspeakers ("ứng dụng CNTT-VT"): technology "ip" and converted_on ≤ the moment's
                date (moment_date: T = 01/12 00:00 closes 30/11).
                The denominator of both is every commune of the area, with or without a station.

  Otherwise boards are the ones active now (the registry keeps no history of is_active), and
  the station register is the one of today (it keeps no history of working, hamlets, reached
  or clusters): at a past moment 1.2 follows converted_on exactly, 1.1 reads today's register
  with each cluster's presence at that moment (heartbeats are kept 400 days).

- Flow over the period P (local days start..end):

  inquiries     inquiries.stats figures of the communes' questions and feedback;
                "answered on time" is answered_on_time / (answered + overdue): the items
                answered on time in P over every item that had to be answered by the cut-off
                day, those answered in P and those overdue and still unanswered (stats.Figures
                on_time_base), so an unanswered backlog lowers the rate.
  pushed        Source information (SourceItemPage) and emergency alerts (EmergencyAlertPage)
                published (first_published_at) in P by the area or a unit inside it; their
                deliveries, one per (item, commune whose site it reaches — the rule of
                TargetedPage.reached_communes); and the proof-of-play records (PlayRecord,
                item "pushed:<page id>") started in P on the area's boards for any item the
                area or a unit inside it pushed, whenever it was published, with the number
                of distinct boards that played them.

Commune types: "xã" (unit types xa and dac_khu: the island special zones of 2025 are rural
commune-level units) and "phường, thị trấn" (phuong, thi_tran), reported separately.

Cost: a fixed number of queries whatever the number of communes, boards or trend points —
the publications of the whole window in two queries, each board's last heartbeat before
every point in one query (correlated subqueries on the (board, received_at) index), the
monitoring's samples around every point in one, the inquiries in one, the pushed items and
plays in a few, the station register in three and its clusters' heartbeats in one.
"""

import bisect
import calendar
import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from boards.api import HEARTBEAT_HISTORY_EVERY
from boards.delivery import item_key
from boards.models import Board, BoardKind, Heartbeat, OnlineSample, PlayRecord
from boards.monitoring import SAMPLE_EVERY, board_state, offline_after
from cms_pages.models import AnnouncementPage, LegalDocumentPage, NewsPage, StandardPage
from core import periods
from core.text import name_key
from core.tree_queries import next_path
from inquiries import stats
from inquiries.models import AnsweredQuestionPage, Inquiry
from sources.models import EmergencyAlertPage, SourceItemPage
from station.models import Hamlet, Station, Technology

WEBSITE_WINDOW = datetime.timedelta(days=30)
BOARD_WINDOW = datetime.timedelta(hours=24)
SAMPLE_WINDOW = 2 * SAMPLE_EVERY  # an OnlineSample this recent stands for the moment
TREND_POINTS = 12
# Periods up to this many days get weekly trend points; longer ones monthly.
SHORT_PERIOD_DAYS = 31
PUSHED_PREFIX = "pushed:"  # boards.delivery.item_key(page) == "pushed:<page id>"

TYPE_GROUPS = [
    ("xa", "Xã", ("xa", "dac_khu")),
    ("phuong_thi_tran", "Phường, thị trấn", ("phuong", "thi_tran")),
]
GROUP_OF_TYPE = {unit_type: key for key, _, types in TYPE_GROUPS for unit_type in types}
GROUP_LABELS = {key: label for key, label, _ in TYPE_GROUPS}
GROUP_KEYS = [key for key, _, _ in TYPE_GROUPS]


class PeriodError(ValueError):
    """A period the indicators cannot be computed for (the message is for people)."""


def content_models():

    return (NewsPage, AnnouncementPage, LegalDocumentPage, StandardPage, AnsweredQuestionPage)


def pushed_models():

    return (SourceItemPage, EmergencyAlertPage)


# --- Values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """count of total; `applicable=False` when the indicator makes no sense here."""

    count: int = 0
    total: int = 0
    applicable: bool = True

    @property
    def rate(self):
        if not self.applicable or not self.total:
            return None
        return self.count / self.total

    def __add__(self, other):
        return Ratio(self.count + other.count, self.total + other.total, self.applicable or other.applicable)


NOT_APPLICABLE = Ratio(applicable=False)


@dataclass
class Pushed:
    """Source items and alerts pushed down, their deliveries and plays (see the module's docstring)."""

    items: int = 0
    alerts: int = 0
    deliveries: int = 0
    plays: int = 0
    boards: frozenset = frozenset()  # ids of the boards that played them

    @property
    def published(self):
        return self.items + self.alerts

    @property
    def boards_played(self):
        return len(self.boards)


@dataclass
class AsOf:
    """The "as of" indicators of a set of communes (and districts, boards) at one moment."""

    moment: datetime.datetime
    websites: Ratio
    websites_by_type: dict
    boards: Ratio
    boards_by_type: dict
    large_boards: Ratio
    online: Ratio
    loudspeakers: Ratio  # 1.1: the station works and reaches every hamlet
    loudspeakers_by_type: dict
    ip_stations: Ratio  # 1.2: converted to IP loudspeakers
    ip_stations_by_type: dict


@dataclass(frozen=True)
class StationFacts:
    """A commune's station at the report's moment, for its line of the table."""

    technology: str  # Technology value, as registered today
    ip: bool  # IP-based at the moment (indicator 1.2)
    converted_on: datetime.date | None
    working: bool
    hamlets: int
    reached: int  # hamlets reached at the moment, by indicator 1.1's rule

    @property
    def technology_label(self):
        return Technology(self.technology).label if self.technology in Technology.values else self.technology


@dataclass
class Row:
    """One line of a table: a district, a commune type, a commune, or the area's total."""

    kind: str  # total | district | type | commune
    name: str
    code: str
    communes: int
    communes_by_type: dict
    as_of: AsOf
    inquiries: stats.Figures
    pushed: Pushed | None = None  # None: not reported on this line
    last_publication: datetime.datetime | None = None  # commune lines
    board_count: int | None = None  # commune lines: its active boards
    station: StationFacts | None = None  # commune lines: its loudspeaker station (None: none registered)
    unit: object = None  # district and commune lines: the AreaPage or CommuneHomePage

    @property
    def on_time(self):
        """Answered on time / (answered + overdue unanswered): see the module's docstring."""
        return Ratio(self.inquiries.answered_on_time, self.inquiries.on_time_base)


@dataclass
class Report:
    area: object  # AreaPage
    period: periods.Period
    as_of: datetime.datetime
    is_current: bool  # the period has not ended: "as of" means now
    computed_at: datetime.datetime
    total: Row
    districts: list = field(default_factory=list)  # rows, when the area has districts below it
    types: list = field(default_factory=list)
    communes: list = field(default_factory=list)
    trend: list = field(default_factory=list)  # [AsOf] oldest first, the last at as_of
    publications_since: datetime.datetime | None = None  # the oldest publication moment looked at
    has_districts: bool = False  # the large-board indicator applies

    @property
    def trend_step(self):
        return "week" if is_short(self.period) else "month"


# --- Moments ------------------------------------------------------------------------------------


def is_short(period):
    return (period.end - period.start).days < SHORT_PERIOD_DAYS


def as_of_moment(period, now=None):
    """(T, is_current): the end of the period, or now while it runs. PeriodError before it starts."""
    now = now or timezone.now()
    start, end = period.bounds()
    if start > now:
        raise PeriodError(f"Kỳ báo cáo “{period.label}” chưa bắt đầu: chưa có số liệu.")
    return (end, False) if end <= now else (now, True)


def _months_back(moment, months):
    zone = periods.local_zone()
    local = timezone.localtime(moment, zone)
    year, month = local.year, local.month - months
    while month < 1:
        month += 12
        year -= 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return timezone.make_aware(local.replace(tzinfo=None, year=year, month=month, day=day), zone)


def trend_moments(period, as_of, points=TREND_POINTS):
    """The moments of the trend, oldest first, ending at `as_of`: weekly for a period of up
    to a month, monthly otherwise (month ends when `as_of` is a month's end)."""
    if is_short(period):
        moments = [as_of - datetime.timedelta(weeks=k) for k in range(points)]
    else:
        moments = [_months_back(as_of, k) for k in range(points)]
    return sorted(moments)


def moment_date(moment):
    """The last day a moment closes: local midnight belongs to the day before."""
    local = timezone.localtime(moment, periods.local_zone())
    if local.time() == datetime.time.min:
        return local.date() - datetime.timedelta(days=1)
    return local.date()


# --- Loading ------------------------------------------------------------------------------------


def subtree_q(field_name, page):
    """`field_name` (a path) lies in page's subtree, the page included, as an index range."""
    upper = next_path(page.path, Page.alphabet)
    if upper is None:
        return Q(**{f"{field_name}__startswith": page.path})
    return Q(**{f"{field_name}__gte": page.path, f"{field_name}__lt": upper})


def _commune_index(communes):
    by_path = {c.path: c.pk for c in communes}
    lengths = sorted({len(path) for path in by_path})
    return by_path, lengths


def _owner_commune(path, by_path, lengths):
    for length in lengths:
        found = by_path.get(path[:length])
        if found is not None:
            return found
    return None


def publication_moments(area, communes, since, until):
    """{commune id: sorted moments} at which a content page of the commune was published in
    [since, until): audit-log entries and first/last publication dates (two queries)."""
    by_path, lengths = _commune_index(communes)
    content = Page.objects.filter(subtree_q("path", area)).type(*content_models())
    in_window = Q(first_published_at__gte=since, first_published_at__lt=until) | Q(
        last_published_at__gte=since, last_published_at__lt=until
    )
    found = {}

    def add(path, moment):
        if moment is None or not since <= moment < until:
            return
        commune = _owner_commune(path, by_path, lengths)
        if commune is not None:
            found.setdefault(commune, set()).add(moment)

    for path, first, last in content.filter(in_window).values_list("path", "first_published_at", "last_published_at"):
        add(path, first)
        add(path, last)
    logs = PageLogEntry.objects.filter(
        action="wagtail.publish", timestamp__gte=since, timestamp__lt=until, page__in=content.values("pk")
    ).order_by()  # not the log's newest-first
    for path, moment in logs.values_list("page__path", "timestamp"):
        add(path, moment)
    return {commune: sorted(moments) for commune, moments in found.items()}


@dataclass
class BoardRow:
    pk: int
    owner_id: int
    owner_path: str
    large: bool  # a large screen (a loudspeaker cluster never is)
    screen: bool  # an e-board (LED/LCD), not a loudspeaker cluster
    refresh_seconds: int
    created_at: datetime.datetime
    last_seen: list  # the last heartbeat before each trend moment (None: never)


class _Status:
    """What board_state reads from a BoardStatus."""

    def __init__(self, last_seen_at):
        self.last_seen_at = last_seen_at
        self.version = None


def board_rows(area, moments, boards=None):
    """The active boards of the area (or the `boards` queryset) with their last heartbeat before
    each moment (one query)."""

    annotations = {
        f"seen_{index}": Subquery(
            Heartbeat.objects.filter(board=OuterRef("pk"), received_at__lt=moment)
            .order_by("-received_at")
            .values("received_at")[:1]
        )
        for index, moment in enumerate(moments)
    }
    if boards is None:
        boards = Board.objects.filter(subtree_q("owner__path", area), is_active=True)
    boards = boards.annotate(**annotations).values(
        "pk",
        "owner_id",
        "owner__path",
        "large",
        "kind",
        "refresh_seconds",
        "created_at",
        "status__last_seen_at",
        *annotations,
    )
    rows = []
    for values in boards:
        status_seen = values["status__last_seen_at"]
        last_seen = []
        for index, moment in enumerate(moments):
            seen = values[f"seen_{index}"]
            if status_seen is not None and status_seen < moment and (seen is None or status_seen > seen):
                seen = status_seen
            last_seen.append(seen)
        rows.append(
            BoardRow(
                values["pk"],
                values["owner_id"],
                values["owner__path"],
                values["large"] and values["kind"] != "audio",
                values["kind"] != "audio",
                values["refresh_seconds"],
                values["created_at"],
                last_seen,
            )
        )
    return rows


def online_samples(area, moments):
    """[{unit path: (online, total)}] per moment: each owner unit's latest OnlineSample in
    (moment − SAMPLE_WINDOW, moment] (one query for every moment)."""

    found = [{} for _ in moments]
    if not moments:
        return found
    windows = Q()
    for moment in moments:
        windows |= Q(at__gt=moment - SAMPLE_WINDOW, at__lte=moment)
    latest = [{} for _ in moments]
    rows = (
        OnlineSample.objects.filter(subtree_q("unit__path", area))
        .filter(windows)
        .order_by()
        .values_list("unit__path", "at", "online", "total")
    )
    for path, at, online, total in rows:
        for index, moment in enumerate(moments):
            if moment - SAMPLE_WINDOW < at <= moment and (path not in latest[index] or at > latest[index][path]):
                latest[index][path] = at
                found[index][path] = (online, total)
    return found


@dataclass
class StationRow:
    """A commune's station as registered (station.Station and its hamlets)."""

    owner_id: int
    technology: str
    converted_on: datetime.date | None
    working: bool
    hamlets: list = field(default_factory=list)  # [(reached, (cluster board ids))]

    def is_ip_on(self, day):
        """IP-based on `day` (indicator 1.2; station.models.Station.is_ip_on)."""
        return self.technology == Technology.IP and self.converted_on is not None and self.converted_on <= day

    def hamlets_reached(self, day, seen):
        """How many hamlets are reached on `day`: `reached` declared and, while the station is
        IP-based, one of its clusters seen (`seen(board id)`)."""
        ip = self.is_ip_on(day)
        return sum(1 for reached, clusters in self.hamlets if reached and (not ip or any(map(seen, clusters))))


def station_rows(area, communes):
    """{commune id: StationRow}: the stations of the area's communes with their hamlets and
    each hamlet's clusters (three queries)."""

    commune_ids = {c.pk for c in communes}
    stations = {}
    for pk, owner_id, technology, converted_on, working in Station.objects.filter(
        subtree_q("owner__path", area)
    ).values_list("pk", "owner_id", "technology", "converted_on", "working"):
        if owner_id in commune_ids:  # a station is a commune's (its owner, a CommuneHomePage)
            stations[pk] = StationRow(owner_id, technology, converted_on, working)
    if not stations:
        return {}
    hamlets = {}
    for pk, station_id, reached in Hamlet.objects.filter(subtree_q("station__owner__path", area)).values_list(
        "pk", "station_id", "reached"
    ):
        if station_id in stations:
            hamlets[pk] = (station_id, reached, [])
    links = _hamlet_clusters().objects.filter(subtree_q("hamlet__station__owner__path", area))
    for hamlet_id, board_id in links.values_list("hamlet_id", "board_id"):
        if hamlet_id in hamlets:
            hamlets[hamlet_id][2].append(board_id)
    for station_id, reached, clusters in hamlets.values():
        stations[station_id].hamlets.append((reached, tuple(clusters)))
    return {row.owner_id: row for row in stations.values()}


def _hamlet_clusters():
    """The through model of Hamlet.clusters."""
    return Hamlet._meta.get_field("clusters").remote_field.through


def cluster_rows(area, moments, stations):
    """BoardRow of every active loudspeaker cluster serving a hamlet of an IP station of the
    area, wherever the cluster is owned (one query; none without such a station)."""

    if not any(row.technology == Technology.IP and row.hamlets for row in stations.values()):
        return []
    linked = _hamlet_clusters().objects.filter(
        subtree_q("hamlet__station__owner__path", area), hamlet__station__technology=Technology.IP
    )
    boards = Board.objects.filter(pk__in=linked.values("board_id"), is_active=True, kind=BoardKind.AUDIO)
    return board_rows(area, moments, boards)


def districts_of(area):
    """The districts the large-board indicator is about: those below a province (3-level
    structure), the area itself when it is a district, none in the 2-level structure."""

    if area.level == "district":
        return [area]
    districts = AreaPage.objects.filter(subtree_q("path", area), level="district").exclude(pk=area.pk)
    return sorted(districts, key=lambda d: (name_key(d.short_name), d.code))


def district_owner_ids(districts):
    """{page id: district id} for each district's AreaPage and its portal home."""

    owners = {d.pk: d.pk for d in districts}
    by_path = {d.path: d.pk for d in districts}
    if districts:
        query = Q()
        for district in districts:
            query |= Q(depth=district.depth + 1, path__startswith=district.path)
        portals = PortalHomePage.objects.filter(query).values_list("pk", "path")
        for pk, path in portals:
            district = by_path.get(path[: -Page.steplen])
            if district is not None:
                owners[pk] = district
    return owners


def pushed_figures(area, period, communes, districts):
    """(Pushed for the area, {district id: Pushed}) — see the module's docstring."""

    start, end = period.bounds()
    not_public = EmergencyAlertPage.objects.exclude(EmergencyAlertPage.public_q()).values("pk")  # CAP tests, exercises
    sources = list(
        Page.objects.filter(subtree_q("path", area))
        .type(*pushed_models())
        .exclude(pk__in=not_public)
        .only("pk", "path", "content_type", "first_published_at")
    )
    alert_ct = ContentType.objects.get_for_model(pushed_models()[1]).pk
    district_paths = [(d.path, d.pk) for d in districts if d.pk != area.pk]

    def district_of(path):
        for prefix, pk in district_paths:
            if path.startswith(prefix):
                return pk
        return None

    key_owner = {item_key(page): page for page in sources}
    published = [p for p in sources if p.first_published_at is not None and start <= p.first_published_at < end]

    # Deliveries: TargetedPage.reached_communes' rule (chosen communes, and every commune of a
    # chosen area), evaluated against the communes already loaded rather than a query per item.
    chosen, areas = {}, {}
    for model in pushed_models():
        ids = [p.pk for p in published]
        if not ids:
            break
        rows = model.objects.filter(pk__in=ids)
        for pk, commune in rows.values_list("pk", "target_communes__pk"):
            if commune is not None:
                chosen.setdefault(pk, set()).add(commune)
        for pk, path in rows.values_list("pk", "target_areas__path"):
            if path is not None:
                areas.setdefault(pk, []).append(path)
    commune_paths = [(c.path, c.pk) for c in communes]

    total = {"items": 0, "alerts": 0, "deliveries": 0, "plays": 0, "boards": set()}
    per_district = {}

    def bucket(page):
        district = district_of(page.path)
        if district is None:
            return None
        return per_district.setdefault(
            district, {"items": 0, "alerts": 0, "deliveries": 0, "plays": 0, "boards": set()}
        )

    for page in published:
        reached = set(chosen.get(page.pk, ()))
        for prefix in areas.get(page.pk, ()):
            reached.update(pk for path, pk in commune_paths if path.startswith(prefix))
        kind = "alerts" if page.content_type_id == alert_ct else "items"
        for target in (total, bucket(page)):
            if target is not None:
                target[kind] += 1
                target["deliveries"] += len(reached)

    if key_owner:
        boards = Board.objects.filter(subtree_q("owner__path", area)).values("pk")
        plays = (
            PlayRecord.objects.filter(
                board__in=boards, item_id__startswith=PUSHED_PREFIX, started_at__gte=start, started_at__lt=end
            )
            .values("item_id", "board_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in plays:
            page = key_owner.get(row["item_id"])
            if page is None:
                continue  # an item pushed from above the area
            for target in (total, bucket(page)):
                if target is not None:
                    target["plays"] += row["n"]
                    target["boards"].add(row["board_id"])

    def as_pushed(values):
        return Pushed(
            values["items"], values["alerts"], values["deliveries"], values["plays"], frozenset(values["boards"])
        )

    return as_pushed(total), {pk: as_pushed(values) for pk, values in per_district.items()}


# --- Evaluating ---------------------------------------------------------------------------------


class _State:
    """Per-commune, per-board and per-district truth values at every trend moment."""

    def __init__(
        self, communes, districts, boards, publications, moments, samples, live_index, stations=None, clusters=()
    ):
        self.moments = moments
        self.samples = samples  # per moment: {unit path: (online, total)}; {} for the live moment
        self.live_index = live_index  # the moment that is now, if any
        n = len(moments)
        self.live = {}
        for commune in communes:
            published = publications.get(commune.pk, [])
            flags = []
            for moment in moments:
                index = bisect.bisect_left(published, moment)  # first publication ≥ moment
                flags.append(index > 0 and published[index - 1] >= moment - WEBSITE_WINDOW)
            self.live[commune.pk] = flags
        self.boards_of_commune = {}
        self.large_of_district = {}
        owner_district = district_owner_ids(districts)
        commune_ids = {c.pk for c in communes}
        self.seen = {}
        self.online = {}
        self.exists = {}
        for board in boards:
            seen, online, exists = [], [], []
            for index, moment in enumerate(moments):
                last = board.last_seen[index]
                seen.append(last is not None and last >= moment - BOARD_WINDOW)
                if index == live_index:
                    online.append(board_state(board, _Status(last), moment, current_version=0, trusted=False).online)
                else:  # from the hourly history, for units the monitoring has no sample of
                    online.append(last is not None and last >= moment - HEARTBEAT_HISTORY_EVERY - offline_after(board))
                exists.append(board.created_at < moment)
            self.seen[board.pk], self.online[board.pk], self.exists[board.pk] = seen, online, exists
            if board.owner_id in commune_ids and board.screen:  # loudspeakers are not e-boards
                self.boards_of_commune.setdefault(board.owner_id, []).append(board.pk)
            district = owner_district.get(board.owner_id)
            if district is not None and board.large:
                self.large_of_district.setdefault(district, []).append(board.pk)
        self.commune_seen = {
            c.pk: [any(self.seen[b][i] for b in self.boards_of_commune.get(c.pk, ())) for i in range(n)]
            for c in communes
        }
        self.district_large = {
            d.pk: [any(self.seen[b][i] for b in self.large_of_district.get(d.pk, ())) for i in range(n)]
            for d in districts
        }
        # The loudspeaker station (1.1, 1.2): each IP cluster seen as the boards are (BOARD_WINDOW).
        self.stations = stations or {}
        self.days = [moment_date(moment) for moment in moments]
        self.cluster_seen = {
            row.pk: [last is not None and last >= moment - BOARD_WINDOW for last, moment in zip(row.last_seen, moments)]
            for row in clusters
        }
        self.hamlets_reached = {}
        self.loudspeakers = {}
        self.ip = {}
        for commune in communes:
            station = self.stations.get(commune.pk)
            if station is None:
                self.loudspeakers[commune.pk] = self.ip[commune.pk] = [False] * n
                continue
            reached = [station.hamlets_reached(day, self._seen_at(i)) for i, day in enumerate(self.days)]
            self.hamlets_reached[commune.pk] = reached
            self.loudspeakers[commune.pk] = [
                station.working and bool(station.hamlets) and count == len(station.hamlets) for count in reached
            ]
            self.ip[commune.pk] = [station.is_ip_on(day) for day in self.days]

    def _seen_at(self, index):
        """Was a cluster seen at moment `index`? (A cluster not loaded, being inactive or not a
        loudspeaker, never was.)"""

        def seen(board_id):
            flags = self.cluster_seen.get(board_id)
            return flags is not None and flags[index]

        return seen

    def station_facts(self, commune, index):
        """StationFacts of a commune's station at moment `index` (None: no station)."""
        station = self.stations.get(commune.pk)
        if station is None:
            return None
        return StationFacts(
            technology=station.technology,
            ip=self.ip[commune.pk][index],
            converted_on=station.converted_on,
            working=station.working,
            hamlets=len(station.hamlets),
            reached=self.hamlets_reached[commune.pk][index],
        )

    def online_ratio(self, index, prefix, boards):
        """Boards online at moment `index` among those owned under `prefix` (None: none)."""
        if prefix is None:
            return Ratio()
        sampled = {path: value for path, value in self.samples[index].items() if path.startswith(prefix)}
        online = sum(value[0] for value in sampled.values())
        total = sum(value[1] for value in sampled.values())
        for board in boards:
            if (
                board.owner_path in sampled
                or not board.owner_path.startswith(prefix)
                or not self.exists[board.pk][index]
            ):
                continue
            total += 1
            online += self.online[board.pk][index]
        return Ratio(online, total)

    def as_of(self, index, communes, districts, boards, large_applicable, prefix):
        websites = {key: Ratio() for key in GROUP_KEYS}
        seen = {key: Ratio() for key in GROUP_KEYS}
        loudspeakers = {key: Ratio() for key in GROUP_KEYS}
        ip = {key: Ratio() for key in GROUP_KEYS}
        for commune in communes:
            group = GROUP_OF_TYPE.get(commune.unit_type, "xa")
            websites[group] += Ratio(int(self.live[commune.pk][index]), 1)
            seen[group] += Ratio(int(self.commune_seen[commune.pk][index]), 1)
            loudspeakers[group] += Ratio(int(self.loudspeakers[commune.pk][index]), 1)
            ip[group] += Ratio(int(self.ip[commune.pk][index]), 1)
        if large_applicable:
            large = Ratio(sum(1 for d in districts if self.district_large[d.pk][index]), len(districts))
        else:
            large = NOT_APPLICABLE
        online = self.online_ratio(index, prefix, boards)
        return AsOf(
            moment=self.moments[index],
            websites=sum(websites.values(), Ratio()),
            websites_by_type=websites,
            boards=sum(seen.values(), Ratio()),
            boards_by_type=seen,
            large_boards=large,
            online=online,
            loudspeakers=sum(loudspeakers.values(), Ratio()),
            loudspeakers_by_type=loudspeakers,
            ip_stations=sum(ip.values(), Ratio()),
            ip_stations_by_type=ip,
        )


def _count_types(communes):
    counts = dict.fromkeys(GROUP_KEYS, 0)
    for commune in communes:
        counts[GROUP_OF_TYPE.get(commune.unit_type, "xa")] += 1
    return counts


def compute(area, period, now=None, trend=True):
    """The Report of `area` (a province or district AreaPage) for `period`; see the module's
    docstring. `now` (default: the current time) caps the "as of" moment; `trend=False`
    computes only that moment. PeriodError for a period that has not started."""
    area = area.specific
    now = now or timezone.now()
    as_of, is_current = as_of_moment(period, now)
    moments = trend_moments(period, as_of) if trend else [as_of]
    last = len(moments) - 1

    communes = stats.communes_under(area)
    districts = districts_of(area)
    has_districts = bool(districts)
    publications = publication_moments(area, communes, moments[0] - WEBSITE_WINDOW, moments[-1])
    boards = board_rows(area, moments)
    live_index = last if is_current else None
    samples = online_samples(area, [m for i, m in enumerate(moments) if i != live_index])
    if live_index is not None:
        samples.insert(live_index, {})
    stations = station_rows(area, communes)
    clusters = cluster_rows(area, moments, stations)
    state = _State(communes, districts, boards, publications, moments, samples, live_index, stations, clusters)

    inquiries = Inquiry.objects.filter(commune__in=CommuneHomePage.objects.filter(subtree_q("path", area)).values("pk"))
    figures = stats.figures(inquiries, period, today=periods.local_date(now))
    pushed_total, pushed_by_district = pushed_figures(area, period, communes, districts)

    def row(
        kind, name, code, members, member_districts, member_boards, large_applicable, prefix, pushed=None, unit=None
    ):
        return Row(
            unit=unit,
            kind=kind,
            name=name,
            code=code,
            communes=len(members),
            communes_by_type=_count_types(members),
            as_of=state.as_of(last, members, member_districts, member_boards, large_applicable, prefix),
            inquiries=stats.total(figures.get(c.pk, stats.Figures()) for c in members),
            pushed=pushed,
        )

    total = row("total", area.title, area.code, communes, districts, boards, has_districts, area.path, pushed_total)
    report = Report(
        area=area,
        period=period,
        as_of=as_of,
        is_current=is_current,
        computed_at=now,
        total=total,
        has_districts=has_districts,
        publications_since=moments[0] - WEBSITE_WINDOW,
    )

    if area.level != "district" and districts:
        for district in districts:
            members = [c for c in communes if c.path.startswith(district.path)]
            member_boards = [b for b in boards if b.owner_path.startswith(district.path)]
            report.districts.append(
                row(
                    "district",
                    district.title,
                    district.code,
                    members,
                    [district],
                    member_boards,
                    True,
                    district.path,
                    pushed_by_district.get(district.pk, Pushed()),
                    unit=district,
                )
            )
    for key, label, _ in TYPE_GROUPS:
        members = [c for c in communes if GROUP_OF_TYPE.get(c.unit_type, "xa") == key]
        report.types.append(row("type", label, key, members, [], [], False, None))
    for commune in communes:
        own = [b for b in boards if b.owner_id == commune.pk]
        line = row("commune", commune.title, commune.code, [commune], [], own, False, commune.path, unit=commune)
        published = publications.get(commune.pk, [])
        index = bisect.bisect_left(published, as_of)
        line.last_publication = published[index - 1] if index else None
        line.board_count = len(own)
        line.station = state.station_facts(commune, last)
        report.communes.append(line)
    if trend:
        report.trend = [
            state.as_of(i, communes, districts, boards, has_districts, area.path) for i in range(len(moments))
        ]
    else:
        report.trend = [total.as_of]
    return report
