"""The ministry's numbered indicators with their targets (indicators/numbered.py) for the demo-sized
province: Trà Vinh (9 districts, 104 communes), with bench_indicators.py's data over --days days
plus a month of site checks (every 6 hours for every commune), district communication centres,
departments with their items, and the shipped targets (the ministry's and Trà Vinh's own).

    .venv/bin/python bench/bench_indicators_targets.py            # SQLite, throwaway database
    .venv/bin/python bench/bench_indicators_targets.py --postgres # PostgreSQL (must be running)

Timed (in process, DEBUG on): compute without trend + numbered (what the exchange and the
directives call), numbered alone on a computed report, as_json, the admin dashboard (with the
12-point trend) and the CSV of the numbered indicators as a superuser. Median and max of --runs
runs, and the SQL queries of one run.
"""

import argparse
import datetime
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

PG_NAME = "tincoso_bench_indicator_targets"


def fill_more(rng):
    """Site checks, centres, departments and their items, the targets: the counts made."""
    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Page

    from areas.models import AreaPage, CommuneHomePage, Department, PortalHomePage
    from indicators.models import CommunicationCentre, SiteCheck
    from sources.models import SourceIndexPage, SourceItemPage

    now = timezone.now()
    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    districts = list(AreaPage.objects.filter(level="district", path__startswith=province.path).order_by("path"))
    communes = list(CommuneHomePage.objects.filter(path__startswith=province.path))
    checks = []
    for commune in communes:
        reliability = rng.choice([0.99, 0.95, 0.8, 0.3, 0.0])
        for k in range(4 * 30):
            ok = rng.random() < reliability
            checks.append(
                SiteCheck(
                    commune=commune,
                    url=f"https://{commune.slug}.example/",
                    checked_at=now - datetime.timedelta(hours=6 * k + rng.uniform(0, 1)),
                    status_code=200 if ok else 503,
                    ok=ok,
                    ms=rng.randint(40, 900),
                    error="" if ok else "Trang trả lời mã 503.",
                )
            )
    SiteCheck.objects.bulk_create(checks, batch_size=5000)
    for district in districts[:7]:
        CommunicationCentre.objects.create(owner=district, name=f"Trung tâm VH-TT-TT {district.short_name}")
    portal = PortalHomePage.objects.child_of(province).get()
    section = SourceIndexPage.objects.child_of(portal).get()
    items = 0
    for n in range(12):
        department = Department.objects.create(area=province, name=f"Sở số {n + 1}", code=f"so-{n + 1}")
        Department.objects.filter(pk=department.pk).update(created_at=now - datetime.timedelta(days=400))
        for k in range(rng.randint(0, 6)):
            page = SourceItemPage(title=f"Tin của sở {n + 1} số {k + 1}", summary="Nội dung", valid_from=now, live=True)
            section.add_child(instance=page)
            moment = now - datetime.timedelta(days=rng.uniform(0, 300))
            Page.objects.filter(pk=page.pk).update(first_published_at=moment, last_published_at=moment)
            SourceItemPage.objects.filter(pk=page.pk).update(department=department)
            items += 1
    import io

    call_command("load_indicator_targets", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    return {"site checks": len(checks), "centres": 7, "departments": 12, "department items": items}


def timed(fn, runs):
    """(result, [seconds], SQL statements of the first call): counted by an execute wrapper, which
    a request's reset of connection.queries does not clear."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return result, times, count[0]


def _pass_second_factor(client, user):
    """The admin asks for a second factor (signin/): mark the session verified, as tests do."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def child_run(a):
    c.django_setup(a.db_url, debug=True)
    from bench_indicators import fill
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from machine import machine_info

    from areas.models import AreaPage
    from core.periods import Period
    from indicators.compute import compute
    from indicators.numbered import as_json, numbered

    rng = random.Random(a.seed)
    t0 = time.perf_counter()
    counts = fill(a, rng)
    counts.update(fill_more(rng))
    fill_seconds = time.perf_counter() - t0
    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    year = Period.year(datetime.date.today().year)
    user = get_user_model().objects.create_superuser("bench_admin", "bench@example.vn", "bench-only-pass-123")
    client = Client(HTTP_HOST="tra-vinh.localhost")
    client.force_login(user)
    _pass_second_factor(client, user)
    params = {"don_vi": province.pk, "ky": year.key}

    def get(path):
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.status_code)
        return response

    numbered(province, year)  # warm-up
    steps = []
    result, times, queries = timed(lambda: numbered(province, year), a.runs)
    steps.append(("compute (no trend) + numbered: province, this year", times, queries))
    report = compute(province, year, trend=False)
    _, times, queries = timed(lambda: numbered(province, year, report=report), a.runs)
    steps.append(("numbered alone, on a computed report", times, queries))
    _, times, queries = timed(lambda: as_json(province, year), a.runs)
    steps.append(("as_json (compute + numbered + dict)", times, queries))
    _, times, queries = timed(lambda: get("/admin/chi-tieu-thong-tin-co-so/"), a.runs)
    steps.append(("GET dashboard (with the 12-point trend)", times, queries))
    _, times, queries = timed(lambda: get("/admin/chi-tieu-thong-tin-co-so/csv-chi-tieu-bo/"), a.runs)
    steps.append(("GET CSV of the numbered indicators", times, queries))
    figures = {
        line.code: f"{line.ratio.count}/{line.ratio.total}" if line.ratio.applicable else "n/a" for line in result.lines
    }
    c.emit(
        {
            "machine": machine_info(connection),
            "counts": counts,
            "fill_seconds": fill_seconds,
            "steps": steps,
            "figures": figures,
            "peak_rss_mib": c.peak_rss_mib(),
        }
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--heartbeat-minutes", type=int, default=60)
    parser.add_argument("--boards-per-commune", type=int, default=2)
    parser.add_argument("--sample-minutes", type=int, default=60)
    parser.add_argument("--questions", type=int, default=6, help="per commune")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-targets-"))
    url = c.pg_create(PG_NAME) if a.postgres else c.sqlite_url(tmp / "db.sqlite3")
    env = c.bench_env(url, tmp)
    try:
        c.migrate_and_provision(env)
        print("fill and measure …", flush=True)
        args = ["--child", "--db-url", url, "--runs", str(a.runs), "--seed", str(a.seed), "--days", str(a.days)]
        args += ["--heartbeat-minutes", str(a.heartbeat_minutes), "--sample-minutes", str(a.sample_minutes)]
        args += ["--boards-per-commune", str(a.boards_per_commune), "--questions", str(a.questions)]
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
    print(
        "data: "
        + ", ".join(f"{value:,} {name}" for name, value in result["counts"].items())
        + f" (filled in {result['fill_seconds']:.0f} s, {a.days} days)"
    )
    print("figures: " + ", ".join(f"{k} {v}" for k, v in result["figures"].items()))
    rows = [
        (name, f"{statistics.median(times) * 1000:.0f}", f"{max(times) * 1000:.0f}", queries)
        for name, times, queries in result["steps"]
    ]
    print()
    print(c.table(["step", "median ms", "max ms", "SQL queries"], rows))
    print(f"\npeak RSS of the child {result['peak_rss_mib']:.0f} MiB; {a.runs} runs")


if __name__ == "__main__":
    main()
