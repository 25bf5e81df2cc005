"""The indicators dashboard and its periodic PDF for a province with 100+ communes and a year of
boards' heartbeats, publications, questions, pushed items and plays.

    .venv/bin/python bench/bench_indicators.py                       # SQLite
    .venv/bin/python bench/bench_indicators.py --postgres            # PostgreSQL (must be running)
    .venv/bin/python bench/bench_indicators.py --heartbeat-minutes 5 # every poll of a 5-minute player

A throwaway database (migrated, Trà Vinh provisioned: 9 districts, 104 communes) is filled, in
the child process, with --days days (default 400) of:
- publications: one news page per commune and a "wagtail.publish" audit-log entry each time the
  commune published (each commune has its own rhythm, from daily to idle for months);
- boards: --boards-per-commune boards per commune, a large LED board in 6 of the 9 districts and
  two province screens; each board alive on most days (its own reliability) with a heartbeat
  every --heartbeat-minutes on those days (the server keeps one an hour), and its BoardStatus;
  the monitoring's OnlineSample of each owner unit every --sample-minutes (default 30; the
  worker takes one every 5);
- citizens' questions: --questions per commune, most answered, some late;
- source items and alerts pushed by the districts and the province, each played 12 times a day
  for a week on every board of the communes it reached.

Timed (in process, development settings like bench_home: DEBUG on, local-memory cache):
indicators.compute.compute for the province over the current year (12 monthly trend points),
the same without the trend, the current month (12 weekly points), one district; the admin
page, its CSV and its PDF through django.test.Client as a superuser; the PDF rendering alone.
Median and max of --runs runs, and the SQL queries of one run.
"""

import argparse
import datetime
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

PG_NAME = "tincoso_bench_indicators"


# --- child: fill and measure -----------------------------------------------------------------------


def fill(a, rng):
    """The year of data; returns the counts of what was made."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page, PageLogEntry

    from areas.models import AreaPage, CommuneHomePage, PortalHomePage
    from boards.models import Board, BoardStatus, Heartbeat, PlayRecord
    from cms_pages.models import NewsIndexPage, NewsPage
    from inquiries.models import CONSENT_VERSION, Inquiry, Status, new_tracking_code
    from sources.models import SourceIndexPage, SourceItemPage

    now = timezone.now()
    start = now - datetime.timedelta(days=a.days)
    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    districts = list(AreaPage.objects.filter(level="district", path__startswith=province.path).order_by("path"))
    communes = list(CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path"))
    counts = {"communes": len(communes), "districts": len(districts)}

    # Publications.
    news_ct = ContentType.objects.get_for_model(NewsPage)
    logs = []
    for commune in communes:
        rhythm = rng.choice([1, 2, 3, 7, 14, 45])  # mean days between publications
        idle_from = now - datetime.timedelta(days=rng.randint(0, 200)) if rng.random() < 0.15 else None
        moments, moment = [], start + datetime.timedelta(hours=rng.uniform(0, 48))
        while moment < now:
            if idle_from is None or moment < idle_from:
                moments.append(moment)
            moment += datetime.timedelta(days=rng.expovariate(1 / rhythm))
        if not moments:
            continue
        page = NewsPage(
            title=f"Tin hoạt động của {commune.title}",
            date=moments[-1].date(),
            summary="Tin tổng hợp hoạt động của xã.",
            live=True,
        )
        NewsIndexPage.objects.child_of(commune).get().add_child(instance=page)
        Page.objects.filter(pk=page.pk).update(first_published_at=moments[0], last_published_at=moments[-1])
        logs += [
            PageLogEntry(
                page_id=page.pk, content_type=news_ct, label=page.title, action="wagtail.publish", timestamp=m, data={}
            )
            for m in moments
        ]
    PageLogEntry.objects.bulk_create(logs, batch_size=5000)
    counts["publish log entries"] = len(logs)

    # Boards and heartbeats.
    boards = []
    for commune in communes:
        for n in range(a.boards_per_commune):
            boards.append(
                Board(
                    owner=commune,
                    name=f"Bảng {n + 1} {commune.title}",
                    width=384,
                    height=192,
                    kind="led",
                    refresh_seconds=300,
                )
            )
    for district in districts[:6]:
        boards.append(
            Board(
                owner=district,
                name=f"LED cỡ lớn {district.title}",
                width=1920,
                height=1080,
                kind="led",
                large=True,
                refresh_seconds=300,
            )
        )
    refresh = max(30, a.heartbeat_minutes * 60)  # a player polls (and reports) once per refresh
    for board in boards:
        board.refresh_seconds = refresh
    for n in range(2):
        boards.append(
            Board(
                owner=PortalHomePage.objects.child_of(province).get(),
                name=f"Màn hình tỉnh {n + 1}",
                width=1920,
                height=1080,
                refresh_seconds=refresh,
            )
        )
    boards = Board.objects.bulk_create(boards)
    Board.objects.update(created_at=start - datetime.timedelta(days=1))
    step = datetime.timedelta(minutes=a.heartbeat_minutes)
    per_day = int(datetime.timedelta(days=1) / step)
    total_heartbeats = 0
    statuses = []
    alive_days = {}  # board id: (first day, [alive on day n])
    with transaction.atomic():
        for board in boards:
            reliability = rng.choice([0.2, 0.6, 0.9, 0.97, 0.99])
            born = start + datetime.timedelta(days=rng.randint(0, 120))
            batch, last = [], None
            day = born
            alive_days[board.pk] = (born, [])
            while day < now:
                alive_days[board.pk][1].append(rng.random() < reliability)
                if alive_days[board.pk][1][-1]:
                    for k in range(per_day):
                        moment = day + k * step
                        if moment >= now:
                            break
                        batch.append(Heartbeat(board_id=board.pk, received_at=moment, errors=[]))
                        last = moment
                day += datetime.timedelta(days=1)
                if len(batch) >= 20000:
                    Heartbeat.objects.bulk_create(batch, batch_size=5000)
                    total_heartbeats += len(batch)
                    batch = []
            Heartbeat.objects.bulk_create(batch, batch_size=5000)
            total_heartbeats += len(batch)
            if last is not None:
                statuses.append(BoardStatus(board_id=board.pk, last_seen_at=last))
        # The boards alive at the end of their history report once more now that the fill is done
        # (it took minutes: without this, short polling intervals would all look offline).
        latest = timezone.now()
        for status in statuses:
            if status.last_seen_at >= now - step:
                Heartbeat.objects.create(board_id=status.board_id, received_at=latest, errors=[])
                status.last_seen_at = latest
                total_heartbeats += 1
        BoardStatus.objects.bulk_create(statuses)
    counts["boards"] = len(boards)
    counts["heartbeats"] = total_heartbeats

    # The monitoring's samples (OnlineSample per owner unit), every --sample-minutes back from now
    # (so that the trend's moments, whole days before now, fall on one).
    from boards.models import OnlineSample

    sample_step = datetime.timedelta(minutes=a.sample_minutes)
    one_day = datetime.timedelta(days=1)
    by_unit = {}
    for board in boards:
        by_unit.setdefault(board.owner_id, []).append(alive_days[board.pk])
    samples, total_samples = [], 0
    moment = now - sample_step
    with transaction.atomic():
        while moment >= start:
            for unit, histories in by_unit.items():
                online = total = 0
                for born, alive in histories:
                    if born <= moment:
                        total += 1
                        index = int((moment - born) / one_day)
                        online += index < len(alive) and alive[index]
                samples.append(OnlineSample(at=moment, unit_id=unit, online=online, total=total))
            if len(samples) >= 20000:
                OnlineSample.objects.bulk_create(samples, batch_size=5000)
                total_samples += len(samples)
                samples = []
            moment -= sample_step
        OnlineSample.objects.bulk_create(samples, batch_size=5000)
        total_samples += len(samples)
    counts["online samples"] = total_samples

    # Questions.
    inquiries = []
    for commune in communes:
        for _ in range(a.questions):
            received = start + datetime.timedelta(seconds=rng.uniform(0, (now - start).total_seconds()))
            deadline = (received + datetime.timedelta(days=14)).date()
            answered = None
            if rng.random() < 0.85:
                answered = min(received + datetime.timedelta(days=rng.uniform(0.5, 20)), now)
            inquiries.append(
                Inquiry(
                    code=new_tracking_code(),
                    submission_key=uuid.uuid4().hex,
                    commune=commune,
                    title="Hỏi về đất đai",
                    body="Nội dung",
                    name="Người dân",
                    consent_version=CONSENT_VERSION,
                    consented_at=received,
                    client_key="bench",
                    received_at=received,
                    deadline=deadline,
                    status=Status.ANSWERED if answered else Status.RECEIVED,
                    answered_at=answered,
                )
            )
    Inquiry.objects.bulk_create(inquiries, batch_size=2000)
    counts["questions"] = len(inquiries)

    # Pushed items and their plays.
    boards_by_owner = {}
    for board in boards:
        boards_by_owner.setdefault(board.owner_id, []).append(board.pk)
    plays, items = [], 0
    sources = [(d, [d]) for d in districts for _ in range(3)] + [(province, rng.sample(districts, 2)) for _ in range(8)]
    for source, targets in sources:
        section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(source).get()).get()
        published = start + datetime.timedelta(days=rng.uniform(30, a.days))
        page = SourceItemPage(
            title=f"Thông tin nguồn số {items + 1}",
            summary="Nội dung thông tin nguồn.",
            valid_from=published,
            live=True,
        )
        page.target_areas = targets
        section.add_child(instance=page)
        Page.objects.filter(pk=page.pk).update(first_published_at=published, last_published_at=published)
        items += 1
        reached = [
            b
            for c in communes
            if any(c.path.startswith(t.path) for t in targets)
            for b in boards_by_owner.get(c.pk, [])
        ]
        for board_id in reached:
            for day in range(7):
                for k in range(12):
                    moment = published + datetime.timedelta(days=day, hours=6 + k)
                    if moment < now:
                        plays.append(
                            PlayRecord(board_id=board_id, item_id=f"pushed:{page.pk}", started_at=moment, duration_s=10)
                        )
    PlayRecord.objects.bulk_create(plays, batch_size=5000)
    counts["source items"] = items
    counts["plays"] = len(plays)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum / a nightly ANALYZE would give
        cursor.execute("ANALYZE")
    return counts


def timed(fn, runs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the log keeps 9,000 queries at most: a full log would count none
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return result, times, len(queries)


def child_run(a):
    c.django_setup(a.db_url, debug=True)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from machine import machine_info

    from areas.models import AreaPage
    from core.periods import Period
    from indicators.compute import compute
    from indicators.report import render_pdf

    rng = random.Random(a.seed)
    t0 = time.perf_counter()
    counts = fill(a, rng)
    fill_seconds = time.perf_counter() - t0

    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    district = AreaPage.objects.get(structure="2024", level="district", code="844")
    year = Period.year(datetime.date.today().year)
    month = Period.current_month()
    user = get_user_model().objects.create_superuser("bench_admin", "bench@example.vn", "bench-only-pass-123")
    client = Client(HTTP_HOST="tra-vinh.localhost")
    client.force_login(user)
    base = "/admin/chi-tieu-thong-tin-co-so/"
    params = {"don_vi": province.pk, "ky": year.key}

    def get(path):
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.status_code)
        return response

    compute(province, year)  # warm-up: content types and the like are cached once per process
    steps = []
    report, times, queries = timed(lambda: compute(province, year), a.runs)
    steps.append(("compute: province, this year, 12 monthly points", times, queries))
    _, times, queries = timed(lambda: compute(province, year, trend=False), a.runs)
    steps.append(("compute: province, this year, no trend (1 point)", times, queries))
    _, times, queries = timed(lambda: compute(province, month), a.runs)
    steps.append(("compute: province, this month, 12 weekly points", times, queries))
    _, times, queries = timed(lambda: compute(district, year), a.runs)
    steps.append(("compute: one district (14 communes), this year", times, queries))
    _, times, queries = timed(lambda: get(base), a.runs)
    steps.append(("GET dashboard (province, year)", times, queries))
    _, times, queries = timed(lambda: get(base + "csv/"), a.runs)
    steps.append(("GET CSV (province, year)", times, queries))
    pdf, times, queries = timed(lambda: render_pdf(report), max(1, a.runs // 3))
    steps.append(("render_pdf (province, year)", times, queries))
    _, times, queries = timed(lambda: get(base + "pdf/"), max(1, a.runs // 3))
    steps.append(("GET PDF (province, year)", times, queries))

    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    figures = {
        "websites": f"{report.total.as_of.websites.count}/{report.total.as_of.websites.total}",
        "boards seen": f"{report.total.as_of.boards.count}/{report.total.as_of.boards.total}",
        "large boards": f"{report.total.as_of.large_boards.count}/{report.total.as_of.large_boards.total}",
        "online": f"{report.total.as_of.online.count}/{report.total.as_of.online.total}",
        "answered on time": f"{report.total.on_time.count}/{report.total.on_time.total}",
        "plays this year": report.total.pushed.plays,
        "online at the trend's points": " ".join(f"{p.online.count}/{p.online.total}" for p in report.trend),
    }
    c.emit(
        {
            "machine": machine_info(connection),
            "counts": counts,
            "fill_seconds": fill_seconds,
            "steps": [(name, times, queries) for name, times, queries in steps],
            "pdf_pages": pages,
            "pdf_bytes": len(pdf),
            "figures": figures,
            "peak_rss_mib": c.peak_rss_mib(),
        }
    )


# --- parent ------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--heartbeat-minutes", type=int, default=60)
    parser.add_argument("--boards-per-commune", type=int, default=2)
    parser.add_argument(
        "--sample-minutes",
        type=int,
        default=30,
        help="monitoring samples (the worker takes one every 5 minutes; 30 keeps the fill short)",
    )
    parser.add_argument("--questions", type=int, default=12, help="per commune")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=20261215)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-indicators-"))
    url = c.pg_create(PG_NAME) if a.postgres else c.sqlite_url(tmp / "db.sqlite3")
    env = c.bench_env(url, tmp)
    try:
        c.migrate_and_provision(env)
        print("fill a year of data and measure …", flush=True)
        args = [
            "--child",
            "--db-url",
            url,
            "--days",
            str(a.days),
            "--heartbeat-minutes",
            str(a.heartbeat_minutes),
            "--sample-minutes",
            str(a.sample_minutes),
            "--boards-per-commune",
            str(a.boards_per_commune),
            "--questions",
            str(a.questions),
            "--runs",
            str(a.runs),
            "--seed",
            str(a.seed),
        ]
        result, _ = c.run_child(__file__, args, env={"MEDIA_ROOT": str(tmp / "media")})
    finally:
        if not a.keep:
            if a.postgres:
                c.pg_drop(PG_NAME)
            else:
                c.remove_sqlite(tmp / "db.sqlite3")
        else:
            print(f"kept: {url}")

    print()
    print(machine_line(result["machine"]))
    counts = result["counts"]
    print(
        "data: "
        + ", ".join(f"{value:,} {name}" for name, value in counts.items())
        + f" (filled in {result['fill_seconds']:.0f} s); heartbeat every {a.heartbeat_minutes} min over {a.days} days"
    )
    print("figures: " + ", ".join(f"{k} {v}" for k, v in result["figures"].items()))
    rows = []
    for name, times, queries in result["steps"]:
        rows.append((name, f"{statistics.median(times) * 1000:.0f}", f"{max(times) * 1000:.0f}", queries))
    print()
    print(c.table(["step", "median ms", "max ms", "SQL queries"], rows))
    print(
        f"\nPDF: {result['pdf_pages']} pages, {result['pdf_bytes'] / 1024:.0f} KiB; "
        f"peak RSS of the child {result['peak_rss_mib']:.0f} MiB; {a.runs} runs (PDF {max(1, a.runs // 3)})"
    )


if __name__ == "__main__":
    main()
