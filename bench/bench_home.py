"""How long a commune home page takes to render with 10 Sites and with every 2025 Site,
with the project's flat URL building and with Wagtail's stock one.

    .venv/bin/python bench/bench_home.py            # builds both databases (the big one: minutes)
    .venv/bin/python bench/bench_home.py --reuse    # reuse the big database cached in /tmp

Two throwaway SQLite databases (development settings: DEBUG on, local-memory cache):
  small  9 communes of Lai Châu (2025) + their province portal = 10 Sites, provisioned from a
         filtered copy of data/vn_admin_units_2025.csv;
  large  the whole 2025 structure = 3,321 commune Sites + 34 portal Sites, cached in
         --cache-dir so that --reuse skips the provisioning.
The same commune (the first of the small set, present in both) is requested each time:
GET / with its Site's Host header through django.test.Client, after a warm-up; median and
p95 over --requests, SQL queries of one request (CaptureQueriesContext). Per link: the time
of section.get_url(request) for one of its section pages, with the request's caches warm
(as for the ~8 links of one page). Each (database, mode) is measured in a fresh process.
"stock" puts back Wagtail's Page._get_relevant_site_root_paths / get_url / url, which
core/site_roots.py keeps as Page._wagtail_*.
"""

import argparse
import csv
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SMALL_PROVINCE = "12"  # Lai Châu, the smallest 2025 province
SMALL_COMMUNES = 9  # + its portal = 10 Sites
TARGET_RATIO = 1.2


# --- children -----------------------------------------------------------------------------


def child_prepare(a):
    c.django_setup(a.db_url, debug=True)
    from django.core.management import call_command
    from wagtail.models import Site

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    t1 = time.perf_counter()
    options = {"structure": "2025", "all": True, "no_progress": True}
    if a.data_dir:
        options["data_dir"] = a.data_dir
    call_command("provision", **options)
    c.emit({"migrate_s": t1 - t0, "provision_s": time.perf_counter() - t1, "sites": Site.objects.count()})


def restore_wagtail_stock():
    from wagtail.models import Page

    Page._get_relevant_site_root_paths = Page._wagtail_get_relevant_site_root_paths
    Page.get_url = Page._wagtail_get_url
    Page.url = property(Page._wagtail_get_url)


def child_measure(a):
    # Measure rendering, not the whole-page cache (bench_pages.py measures both).
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    c.django_setup(a.db_url, debug=True)
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from machine import machine_info
    from wagtail.models import Site

    from areas.models import CommuneHomePage

    if a.mode == "stock":
        restore_wagtail_stock()

    commune = CommuneHomePage.objects.get(structure="2025", code=a.commune_code)
    site = Site.objects.get(root_page=commune)
    host = f"{site.hostname}:{site.port}"
    client = Client(HTTP_HOST=host)

    response = client.get("/")
    if response.status_code != 200:
        raise SystemExit(f"GET / on {host}: HTTP {response.status_code}")
    html = response.content.decode()
    links = html.count("<a href=")
    for _ in range(a.warmup):
        client.get("/")

    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    queries = len(ctx.captured_queries)

    times, cpu = [], []
    for _ in range(a.requests):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get("/")
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)

    # One link: a section page of this commune, as the template builds it.
    section = commune.get_children().live().in_menu().first()
    request = RequestFactory().get("/", HTTP_HOST=host)
    url = section.get_url(request)  # warm the request's caches
    n = a.links
    t0 = time.perf_counter()
    for _ in range(n):
        section.get_url(request)
    per_link_us = (time.perf_counter() - t0) / n * 1e6
    # A link to another Site (the portal) takes the long path: root_url + path.
    portal = commune.area.portal
    other_url = portal.get_url(request)
    t0 = time.perf_counter()
    for _ in range(n):
        portal.get_url(request)
    other_link_us = (time.perf_counter() - t0) / n * 1e6

    times.sort()
    c.emit(
        {
            "host": host,
            "sites": Site.objects.count(),
            "links": links,
            "queries": queries,
            "median_ms": statistics.median(times) * 1e3,
            "p95_ms": times[min(len(times) - 1, round(0.95 * len(times)) - 1)] * 1e3,
            "mean_ms": statistics.fmean(times) * 1e3,
            "cpu_median_ms": statistics.median(cpu) * 1e3,
            "per_link_us": per_link_us,
            "section_url": url,
            "other_site_link_us": other_link_us,
            "other_url": other_url,
            "peak_rss_mib": c.peak_rss_mib(),
            "machine": machine_info(connection),
        }
    )


# --- parent -------------------------------------------------------------------------------


def small_data_dir(tmp):
    """A data dir with the first SMALL_COMMUNES communes of SMALL_PROVINCE (2025)."""
    src = c.REPO / "data" / "vn_admin_units_2025.csv"
    dst_dir = Path(tmp) / "data"
    dst_dir.mkdir()
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if r and r[0] == SMALL_PROVINCE]
    body = sorted(body, key=lambda r: r[2])[:SMALL_COMMUNES]
    with (dst_dir / "vn_admin_units_2025.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *body])
    return dst_dir, body[0][2]


def fingerprint():
    """What the cached big database depends on: the data file and the Python code of
    cms_pages (models, migrations, provisioning …). Any change there rebuilds the cache,
    even with --reuse."""
    h = hashlib.sha256()
    paths = [c.REPO / "data" / "vn_admin_units_2025.csv"]
    paths += sorted(p for p in (c.REPO / "cms_pages").rglob("*.py") if "__pycache__" not in p.parts)
    for p in paths:
        h.update(str(p.relative_to(c.REPO)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=300, help="timed requests per row (default 300)")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds; each row keeps its best")
    p.add_argument("--links", type=int, default=20000, help="get_url calls timed per row")
    p.add_argument("--reuse", action="store_true", help="reuse the cached 2025 database if still current")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "tincoso-bench-cache"))
    p.add_argument("--only", choices=["small", "large"], help="measure one database only")
    a = p.parse_args()

    me = Path(__file__).resolve()
    tmp = tempfile.mkdtemp(prefix="tincoso-bench-home-")
    try:
        data_dir, commune_code = small_data_dir(tmp)
        dbs = []
        if a.only != "large":
            small = os.path.join(tmp, "small.sqlite3")
            print(f"small: provisioning {SMALL_COMMUNES} communes of province {SMALL_PROVINCE} …", flush=True)
            res, _ = c.run_child(
                me, ["--child", "prepare", "--db-url", c.sqlite_url(small), "--data-dir", str(data_dir)]
            )
            print(f"  {res['sites']} Sites, provisioned in {res['provision_s']:.1f} s")
            dbs.append(("small", small))
        if a.only != "small":
            os.makedirs(a.cache_dir, exist_ok=True)
            large = os.path.join(a.cache_dir, "home_2025_all.sqlite3")
            stamp = Path(large + ".fingerprint")
            current = fingerprint()
            if a.reuse and os.path.exists(large) and stamp.exists() and stamp.read_text() == current:
                print(f"large: reusing {large}")
            else:
                if a.reuse:
                    print("large: no current cached database; building it")
                c.remove_sqlite(large)
                stamp.unlink(missing_ok=True)
                print("large: provisioning the whole 2025 structure (several minutes) …", flush=True)
                res, _ = c.run_child(me, ["--child", "prepare", "--db-url", c.sqlite_url(large)])
                stamp.write_text(current)
                print(f"  {res['sites']} Sites, provisioned in {res['provision_s']:.1f} s (cached for --reuse)")
            dbs.append(("large", large))

        # Small and large are measured in alternating rounds and each keeps its best round
        # (lowest median): drift in the machine's load then hits both alike.
        by = {}
        for round_no in range(1, a.rounds + 1):
            for label, path in dbs:
                for mode in ("flat", "stock"):
                    print(f"round {round_no}: measuring {label} / {mode} …", flush=True)
                    res, _ = c.run_child(
                        me,
                        [
                            "--child",
                            "measure",
                            "--db-url",
                            c.sqlite_url(path),
                            "--mode",
                            mode,
                            "--commune-code",
                            commune_code,
                            "--requests",
                            str(a.requests),
                            "--warmup",
                            str(a.warmup),
                            "--links",
                            str(a.links),
                        ],
                    )
                    best = by.get((label, mode))
                    if best is None or res["median_ms"] < best["median_ms"]:
                        by[(label, mode)] = res
        rows = [
            (
                f"{res['sites']:,}",
                "flat (tincoso)" if mode == "flat" else "Wagtail stock",
                f"{res['median_ms']:.2f}",
                f"{res['p95_ms']:.2f}",
                f"{res['cpu_median_ms']:.2f}",
                res["queries"],
                res["links"],
                f"{res['per_link_us']:.1f}",
                f"{res['other_site_link_us']:.1f}",
            )
            for (label, mode), res in by.items()
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    from machine import machine_line

    any_res = next(iter(by.values()))
    print()
    print(
        f"GET / on {any_res['host']} (commune home), {a.requests} requests after {a.warmup} warm-up, "
        f"best of {a.rounds} alternating rounds"
    )
    print(
        c.table(
            [
                "Sites",
                "URL building",
                "median (ms)",
                "p95 (ms)",
                "CPU median (ms)",
                "SQL queries",
                "links",
                "get_url same site (µs)",
                "get_url other site (µs)",
            ],
            rows,
        )
    )
    print()
    for mode in ("flat", "stock"):
        if ("small", mode) in by and ("large", mode) in by:
            small, large = by[("small", mode)], by[("large", mode)]
            ratio = large["median_ms"] / small["median_ms"]
            verdict = ("met" if ratio <= TARGET_RATIO else "NOT met") if mode == "flat" else "for comparison"
            print(
                f"{mode}: median {large['sites']:,} Sites / {small['sites']} Sites = {ratio:.2f}x "
                f"(target ≤ {TARGET_RATIO}x: {verdict}); per link {small['per_link_us']:.1f} → {large['per_link_us']:.1f} µs"
            )
    print(f"section link built: {any_res['section_url']}; portal link: {any_res['other_url']}")
    print(machine_line(any_res["machine"]) + " (SQLite file, DEBUG on, local-memory cache)")


if __name__ == "__main__":
    if "--child" in sys.argv:
        p = argparse.ArgumentParser()
        p.add_argument("--child", choices=["prepare", "measure"])
        p.add_argument("--db-url", required=True)
        p.add_argument("--data-dir")
        p.add_argument("--mode", choices=["flat", "stock"])
        p.add_argument("--commune-code")
        p.add_argument("--requests", type=int)
        p.add_argument("--warmup", type=int)
        p.add_argument("--links", type=int)
        args = p.parse_args()
        child_prepare(args) if args.child == "prepare" else child_measure(args)
    else:
        main()
