"""A commune's home page and one of its news pages: median, p95 and SQL queries per request,
with the page cache cold and warm, with 10 Sites and with every 2025 Site and 10,000+ news.

    .venv/bin/python bench/bench_pages.py            # builds both databases (the big one: minutes)
    .venv/bin/python bench/bench_pages.py --reuse    # reuse the seeded big database cached in /tmp

Requirement: "Commune home and news page: median and p95 time and SQL queries per request,
cold and warm cache, with 10 and with 3,000+ Sites and 10,000 news pages. The number of
queries must not grow with the number of items or Sites. Target: warm median under 15 ms."

Two throwaway SQLite databases (development settings: DEBUG on, local-memory cache):
  small  bench_home's small set (9 communes of Lai Châu + their portal = 10 Sites), then
         `seed_demo --news N` on it;
  large  the whole 2025 structure (3,321 commune Sites + 34 portals), then `seed_demo --news N`
         on every Site, N chosen so that there are at least --min-news news pages in all.
         Cached in --cache-dir (with the images and files seed_demo wrote) under a key made of
         bench_home's fingerprint (data file + cms_pages code) and the seeding options. It
         starts from a copy of bench_home's cached provisioned database when that one is
         current (never modified), else provisions anew. Each measuring run works on a copy.
The commune is bench_home's (the first of the small set, present in both). Requests go
through django.test.Client with the Site's Host header, anonymous, like a citizen's:
  cold  page_cache.new_content_version() before each timed request (outside the timing), so
        the page renders (X-Cache: MISS); renditions already exist (made by a first render,
        reported separately as "first render");
  warm  the same request again and again: answered from the page cache (X-Cache: HIT).
SQL queries: one more request of the same kind inside CaptureQueriesContext. Each X-Cache
header of the timed requests is checked (a warm run counts its misses: the cache key
changes when the minute turns). Last, on its throwaway copy, more news are added to the
commune (with featured images) and the cold home's queries are counted again: few vs many
items must give the same number. Each database is measured in a fresh process.
"""

import argparse
import math
import os
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import bench_home

TARGET_WARM_MS = 15.0
MEDIA_LINKED = ("original_images", "documents")  # what seeding wrote; renditions go to images/


# --- children -----------------------------------------------------------------------------


def child_seed(a):
    """seed_demo on every provisioned Site of the database, then count what is there."""
    c.django_setup(a.db_url, debug=True)
    from django.core.management import call_command
    from wagtail.models import Site

    from cms_pages.models import NewsPage

    t0 = time.perf_counter()
    call_command("seed_demo", news=a.news, no_progress=True)
    seconds = time.perf_counter() - t0
    c.emit(
        {
            "seed_s": seconds,
            "sites": Site.objects.count(),
            "news": NewsPage.objects.count(),
            "live_news": NewsPage.objects.live().count(),
        }
    )


def _percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))]


def child_measure(a):
    os.environ["PAGE_CACHE_SECONDS"] = "60"  # the page cache on, whatever the environment says
    c.django_setup(a.db_url, debug=True)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from machine import load_average, machine_info
    from wagtail.models import Page, Site

    from areas.models import CommuneHomePage
    from cms_pages.models import NewsIndexPage, NewsPage
    from core import page_cache

    call_command("migrate", verbosity=0, interactive=False)  # a cached copy made before a new migration
    load_before = load_average()
    commune = CommuneHomePage.objects.get(structure="2025", code=a.commune_code)
    site = Site.objects.get(root_page=commune)
    host = f"{site.hostname}:{site.port}"
    client = Client(HTTP_HOST=host)
    news_index = NewsIndexPage.objects.child_of(commune).get()
    own_news = NewsPage.objects.child_of(news_index).live()
    item = own_news.order_by("-date", "-pk").first()
    if item is None:
        raise SystemExit(f"{commune.title}: no news page (was the database seeded?)")
    paths = {"home": "/", "news": item.get_url_parts()[2]}

    def get(path):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} on {host}: HTTP {response.status_code}")
        return response

    def queries_of(path, cold):
        if cold:
            page_cache.new_content_version()
        with CaptureQueriesContext(connection) as ctx:
            response = get(path)
        return len(ctx.captured_queries), response.get("X-Cache"), [q["sql"] for q in ctx.captured_queries]

    def query_times(sqls, repeat=7):
        """Each SELECT of one request run again on its own, with its rows fetched: best of
        `repeat`, in ms (the request's other statements: None)."""
        out = []
        with connection.cursor() as cursor:
            for sql in sqls:
                if not sql.lstrip().upper().startswith("SELECT"):
                    out.append(None)
                    continue
                best = math.inf
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    cursor.execute(sql)
                    cursor.fetchall()
                    best = min(best, time.perf_counter() - t0)
                out.append(best * 1e3)
        return out

    # The first requests of a Site create its settings rows (which start a new content version)
    # and the renditions of the pictures shown: "first render", once per page.
    first = {}
    for name, path in paths.items():
        page_cache.new_content_version()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            get(path)
            first[name] = {"ms": (time.perf_counter() - t0) * 1e3, "queries": len(ctx.captured_queries)}

    profiler = None
    if a.profile:
        import cProfile

        profiler = cProfile.Profile()

    rows = {}
    for name, path in paths.items():
        for kind in ("cold", "warm"):
            cold = kind == "cold"
            for _ in range(a.warmup):
                if cold:
                    page_cache.new_content_version()
                get(path)
            queries, header, sqls = queries_of(path, cold)
            expected = "MISS" if cold else "HIT"
            if header != expected:
                raise SystemExit(f"{kind} {name}: X-Cache {header!r}, expected {expected}")
            times, misses = [], 0
            n = a.cold_requests if cold else a.requests
            for _ in range(n):
                if cold:
                    page_cache.new_content_version()
                if profiler is not None and cold:
                    profiler.enable()
                t0 = time.perf_counter()
                response = get(path)
                elapsed = time.perf_counter() - t0
                if profiler is not None and cold:
                    profiler.disable()
                times.append(elapsed)
                misses += response.get("X-Cache") != "HIT"
            times.sort()
            rows[f"{name}/{kind}"] = {
                "median_ms": statistics.median(times) * 1e3,
                "p95_ms": _percentile(times, 0.95) * 1e3,
                "mean_ms": statistics.fmean(times) * 1e3,
                "n": n,
                "queries": queries,
                "hits": n - misses,
                "bytes": len(response.content),
                "sql": sqls,
                "sql_ms": query_times(sqls),
            }

    counts = {"sites": Site.objects.count(), "pages": Page.objects.count(), "news_total": NewsPage.objects.count()}

    # Few vs many: more news in this commune, then the cold home's queries again.
    few = {"news": own_news.count(), "home": rows["home/cold"]["queries"], "news_page": rows["news/cold"]["queries"]}
    from wagtail.images import get_image_model

    images = list(get_image_model().objects.order_by("pk")[:12])
    for i in range(a.add_news):
        page = NewsPage(
            title=f"Tin thêm để đếm truy vấn số {i + 1}",
            summary="Tin thêm.",
            featured_image=images[i % len(images)] if images else None,
        )
        news_index.add_child(instance=page)
        page.save_revision().publish()
    get("/")  # renditions of the new cards
    many_home, _, many_sql = queries_of("/", cold=True)
    newest = own_news.order_by("-date", "-pk").first()
    newest_path = newest.get_url_parts()[2]
    get(newest_path)
    many_news_page, _, _ = queries_of(newest_path, cold=True)
    many = {"news": own_news.count(), "home": many_home, "news_page": many_news_page}

    profile_text = None
    if profiler is not None:
        import io
        import pstats

        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(40)
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(25)
        profile_text = out.getvalue()

    c.emit(
        {
            "host": host,
            "paths": paths,
            "load_before": load_before,
            "news_title": item.title,
            **counts,
            "rows": rows,
            "first": first,
            "few": few,
            "many": many,
            "many_home_sql": many_sql,
            "profile": profile_text,
            "peak_rss_mib": c.peak_rss_mib(),
            "machine": machine_info(connection),
        }
    )


# --- parent -------------------------------------------------------------------------------


def sqlite_copy(src, dst):
    """A consistent copy of an SQLite database (WAL included) through the backup API."""
    c.remove_sqlite(dst)
    with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
        s.backup(d)
    s.close()
    d.close()


def media_view(cached_media, tmp):
    """A media root for one measuring run: the seeded originals linked, renditions its own."""
    root = Path(tmp) / "media"
    root.mkdir(parents=True, exist_ok=True)
    for name in MEDIA_LINKED:
        if (Path(cached_media) / name).exists() and not (root / name).exists():
            (root / name).symlink_to(Path(cached_media).resolve() / name)
    return root


def build_small(me, tmp, data_dir, news):
    path = os.path.join(tmp, "small.sqlite3")
    media = Path(tmp) / "small_media"
    print(
        f"small: provisioning {bench_home.SMALL_COMMUNES} communes of province {bench_home.SMALL_PROVINCE} "
        f"and seeding {news} news a Site …",
        flush=True,
    )
    res, _ = c.run_child(
        bench_home.__file__, ["--child", "prepare", "--db-url", c.sqlite_url(path), "--data-dir", str(data_dir)]
    )
    seeded, _ = c.run_child(
        me, ["--child", "seed", "--db-url", c.sqlite_url(path), "--news", str(news)], env={"MEDIA_ROOT": str(media)}
    )
    print(
        f"  {seeded['sites']} Sites, {seeded['news']:,} news; provisioned in {res['provision_s']:.1f} s, "
        f"seeded in {seeded['seed_s']:.1f} s"
    )
    return path, media


def build_large(me, a, news):
    """The seeded 2025 database in the cache: (path, media dir), rebuilt unless --reuse finds
    it current."""
    os.makedirs(a.cache_dir, exist_ok=True)
    key = f"{bench_home.fingerprint()} news={news} seed=default"
    path = os.path.join(a.cache_dir, f"pages_2025_all_news{news}.sqlite3")
    media = Path(a.cache_dir) / f"pages_2025_all_news{news}_media"
    stamp = Path(path + ".fingerprint")
    if a.reuse and os.path.exists(path) and stamp.exists() and stamp.read_text() == key:
        print(f"large: reusing {path}")
        return path, media
    if a.reuse:
        print("large: no current cached seeded database; building it")
    c.remove_sqlite(path)
    stamp.unlink(missing_ok=True)
    shutil.rmtree(media, ignore_errors=True)

    home_db = os.path.join(a.cache_dir, "home_2025_all.sqlite3")
    home_stamp = Path(home_db + ".fingerprint")
    if os.path.exists(home_db) and home_stamp.exists() and home_stamp.read_text() == bench_home.fingerprint():
        print(f"large: copying bench_home's provisioned database {home_db}", flush=True)
        sqlite_copy(home_db, path)
    else:
        print(
            "large: bench_home's cached database is missing or not current; provisioning the whole "
            "2025 structure (several minutes) …",
            flush=True,
        )
        res, _ = c.run_child(bench_home.__file__, ["--child", "prepare", "--db-url", c.sqlite_url(path)])
        print(f"  {res['sites']} Sites, provisioned in {res['provision_s']:.1f} s")
    print(f"large: seeding {news} news a Site on every Site (several minutes) …", flush=True)
    seeded, _ = c.run_child(
        me, ["--child", "seed", "--db-url", c.sqlite_url(path), "--news", str(news)], env={"MEDIA_ROOT": str(media)}
    )
    print(f"  {seeded['sites']:,} Sites, {seeded['news']:,} news, seeded in {seeded['seed_s']:.1f} s")
    if seeded["news"] < a.min_news:
        raise SystemExit(f"only {seeded['news']:,} news after seeding (want {a.min_news:,}): raise --news")
    with sqlite3.connect(path) as conn:  # fold the WAL in, so that the cached file stands alone
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    stamp.write_text(key)
    print("  cached for --reuse")
    return path, media


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=300, help="timed warm requests per row (default 300)")
    p.add_argument("--cold-requests", type=int, default=200, help="timed cold requests per row (default 200)")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--news", type=int, default=3, help="news per Site seeded (default 3; raised to reach --min-news)")
    p.add_argument("--min-news", type=int, default=10000, help="news pages at least in the large database")
    p.add_argument("--add-news", type=int, default=30, help="news added for the few-vs-many check (default 30)")
    p.add_argument("--reuse", action="store_true", help="reuse the cached seeded 2025 database if still current")
    p.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "tincoso-bench-cache"))
    p.add_argument(
        "--only",
        choices=["small", "large", "postgres"],
        help="measure one database only (postgres: the large case on PostgreSQL only)",
    )
    p.add_argument("--profile", action="store_true", help="cProfile the timed cold renders (times inflated)")
    p.add_argument(
        "--postgres",
        action="store_true",
        help="also the large case on a throwaway PostgreSQL database (provisioned and seeded anew: 20+ minutes)",
    )
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument(
        "--max-load",
        type=float,
        default=1.0,
        help="before timing, wait (up to --patience s) for the 1-minute load to fall under this",
    )
    p.add_argument("--patience", type=int, default=600)
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="time even while other benchmarks run (to try the script out: figures unreliable)",
    )
    a = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the temporary files go
    me = Path(__file__).resolve()
    # Enough news a Site for --min-news over the 3,355 Sites of 2025.
    large_news = max(a.news, math.ceil(a.min_news / 3355))
    tmp = tempfile.mkdtemp(prefix="tincoso-bench-pages-")
    by = {}
    pg_name = None

    def measure(label, db_url, media_root):
        import fcntl

        args = [
            "--child",
            "measure",
            "--db-url",
            db_url,
            "--commune-code",
            commune_code,
            "--requests",
            str(a.requests),
            "--cold-requests",
            str(a.cold_requests),
            "--warmup",
            str(a.warmup),
            "--add-news",
            str(a.add_news),
        ]
        if a.profile:
            args.append("--profile")
        # One bench_pages measures at a time (two waiting here could otherwise start together).
        os.makedirs(a.cache_dir, exist_ok=True)
        with open(os.path.join(a.cache_dir, "bench_pages.measure.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not a.no_wait:
                wait_for_quiet(a.max_load, a.patience)
            print(f"measuring {label} …", flush=True)
            res, _ = c.run_child(me, args, env={"MEDIA_ROOT": str(media_root)})
        by[label] = res

    try:
        data_dir, commune_code = bench_home.small_data_dir(tmp)
        dbs = []
        if a.only not in ("large", "postgres"):
            path, media = build_small(me, tmp, data_dir, a.news)
            dbs.append(("small", path, media))
        if a.only in (None, "large"):
            path, media = build_large(me, a, large_news)
            dbs.append(("large", path, media))
        for label, path, media in dbs:
            work = os.path.join(tmp, f"measure_{label}.sqlite3")
            sqlite_copy(path, work)  # measuring writes (renditions, settings rows, added news)
            measure(label, c.sqlite_url(work), media_view(media, os.path.join(tmp, label)))
            c.remove_sqlite(work)
        if (a.postgres and a.only in (None, "large")) or a.only == "postgres":
            pg_name = f"tincoso_bench_pages_{os.getpid()}"
            url = c.pg_create(pg_name)
            media = Path(tmp) / "pg_media"
            print(f"large on PostgreSQL ({pg_name}): provisioning the whole 2025 structure (10+ minutes) …", flush=True)
            res, _ = c.run_child(bench_home.__file__, ["--child", "prepare", "--db-url", url])
            print(f"  {res['sites']} Sites, provisioned in {res['provision_s']:.1f} s")
            print(f"  seeding {large_news} news a Site …", flush=True)
            seeded, _ = c.run_child(
                me, ["--child", "seed", "--db-url", url, "--news", str(large_news)], env={"MEDIA_ROOT": str(media)}
            )
            print(f"  {seeded['sites']:,} Sites, {seeded['news']:,} news, seeded in {seeded['seed_s']:.1f} s")
            measure("large-pg", url, media)
    finally:
        if pg_name and not a.keep:
            c.pg_drop(pg_name)
        elif pg_name:
            print(f"kept PostgreSQL database {pg_name}")
        shutil.rmtree(tmp, ignore_errors=True)
    report(a, by)


def busy_benchmarks():
    """Other benchmark processes at work: bench_home.py / bench_provision.py, or a child of
    bench_pages.py (building or measuring). Parents of bench_pages waiting here do not count,
    so two of them never wait for each other."""
    import subprocess

    out = subprocess.run(
        ["pgrep", "-af", r"bench/bench_(home|provision|pages)\.py"], stdout=subprocess.PIPE, text=True
    ).stdout
    busy = []
    for line in out.splitlines():
        pid, _, cmd = line.partition(" ")
        if int(pid) == os.getpid() or "pgrep" in cmd:
            continue
        if "bench_pages.py" in cmd and "--child" not in cmd:
            continue
        busy.append(line)
    return busy


def wait_for_quiet(max_load, patience):
    """Timing waits while another benchmark runs or builds (the 2 cores are shared), and up to
    `patience` seconds for the 1-minute load average to fall under `max_load` (others' test
    suites, say); the load is reported with the figures either way."""
    from machine import load_average

    waited = 0
    while True:
        busy = busy_benchmarks()
        load = load_average()
        if busy:
            if waited % 300 == 0:
                print(f"waiting for other benchmarks to finish before timing: {busy[0][:120]} …", flush=True)
        elif load is None or load <= max_load or patience <= 0:
            break
        else:
            if waited % 300 == 0:
                print(f"load {load:.1f} > {max_load:g}: waiting (up to {patience} s more) for it to fall …", flush=True)
            patience -= 10
        time.sleep(10)
        waited += 10
    if waited:
        print(f"  waited {waited} s; load now {load_average():.1f}", flush=True)


def short_sql(sql, width):
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql)
    return re.sub(r'"\w+"\.("\w+")', r"\1", sql)[:width]


DB_LABEL = {"small": "SQLite", "large": "SQLite", "large-pg": "PostgreSQL"}


def report(a, by):
    from machine import machine_line

    if not by:
        print("nothing measured")
        return
    rows = []
    for label, res in by.items():
        for name in ("home", "news"):
            for kind in ("cold", "warm"):
                r = res["rows"][f"{name}/{kind}"]
                rows.append(
                    (
                        DB_LABEL[label],
                        f"{res['sites']:,}",
                        f"{res['news_total']:,}",
                        f"{res['pages']:,}",
                        "commune home" if name == "home" else "news page",
                        kind,
                        f"{r['median_ms']:.2f}",
                        f"{r['p95_ms']:.2f}",
                        r["queries"],
                        f"{r['hits']}/{r['n']}",
                        f"{r['bytes'] / 1024:.1f}",
                    )
                )
    print()
    for label, res in by.items():
        print(f"{label}: commune {res['host']}: GET {res['paths']['home']} and GET {res['paths']['news']}")
    print(f"cold {a.cold_requests}, warm {a.requests} timed requests each after {a.warmup} warm-up")
    print(
        c.table(
            [
                "database",
                "Sites",
                "news",
                "pages",
                "page",
                "cache",
                "median (ms)",
                "p95 (ms)",
                "SQL queries",
                "X-Cache HIT",
                "KiB",
            ],
            rows,
        )
    )
    print()
    for label, res in by.items():
        f = res["first"]
        print(
            f"{label}: first render (settings rows, renditions): home {f['home']['ms']:.1f} ms / "
            f"{f['home']['queries']} queries, news page {f['news']['ms']:.1f} ms / {f['news']['queries']} queries"
        )
    for label, res in by.items():
        few, many = res["few"], res["many"]
        same = few["home"] == many["home"] and few["news_page"] == many["news_page"]
        print(
            f"{label}: cold queries with {few['news']} vs {many['news']} news in the commune: "
            f"home {few['home']} vs {many['home']}, news page {few['news_page']} vs {many['news_page']} "
            f"→ {'same' if same else 'GROWS'}"
        )
    if "small" in by:
        s = by["small"]["rows"]
        for label in [key for key in by if key != "small"]:
            other = by[label]["rows"]
            differ = [k for k in s if s[k]["queries"] != other[k]["queries"]]
            print(
                "queries, 10 vs {:,} Sites ({}): {}".format(
                    by[label]["sites"], label, "same for every row" if not differ else "DIFFER for " + ", ".join(differ)
                )
            )
    worst = max(
        (res["rows"][f"{n}/warm"]["median_ms"], label, n) for label, res in by.items() for n in ("home", "news")
    )
    print(
        f"target warm median < {TARGET_WARM_MS:g} ms: {'met' if worst[0] < TARGET_WARM_MS else 'NOT met'} "
        f"(slowest: {worst[1]} {worst[2]}, {worst[0]:.2f} ms)"
    )
    for label, res in by.items():
        for key, r in res["rows"].items():
            if len(r.get("sql_ms", [])) != len(r["sql"]):
                continue
            timed = [(ms, sql) for ms, sql in zip(r["sql_ms"], r["sql"]) if ms is not None]
            total = sum(ms for ms, _ in timed)
            slow = sorted(timed, reverse=True)[:2]
            print(
                f"{label} {key}: SQL {total:.2f} ms in all; slowest: "
                + "; ".join(f"{ms:.2f} ms {short_sql(sql, 110)}" for ms, sql in slow)
            )
    for label, res in by.items():
        if res.get("profile"):
            print(f"\n--- profile of the timed cold renders, {label} ---\n{res['profile']}")
    for label, res in by.items():
        print(f"{label}: news page {res['news_title']!r}; load {res['load_before']:.1f} before measuring")
        print("  " + machine_line(res["machine"]) + " (DEBUG on, local-memory cache)")
    if os.environ.get("BENCH_PAGES_SQL"):
        for label, res in by.items():
            for k, r in res["rows"].items():
                print(f"\n--- {label} {k}: {r['queries']} queries ---")
                for ms, q in zip(r.get("sql_ms") or [None] * len(r["sql"]), r["sql"]):
                    print(("        " if ms is None else f"  {ms:6.2f} ms  ") + short_sql(q, 400))
            print(f"\n--- {label} home/cold with {res['many']['news']} news: {res['many']['home']} queries ---")
            for q in res["many_home_sql"]:
                print("  " + short_sql(q, 400))


if __name__ == "__main__":
    if "--child" in sys.argv:
        p = argparse.ArgumentParser()
        p.add_argument("--child", choices=["seed", "measure"])
        p.add_argument("--db-url", required=True)
        p.add_argument("--news", type=int)
        p.add_argument("--commune-code")
        p.add_argument("--requests", type=int)
        p.add_argument("--cold-requests", type=int)
        p.add_argument("--warmup", type=int)
        p.add_argument("--add-news", type=int)
        p.add_argument("--profile", action="store_true")
        args = p.parse_args()
        child_seed(args) if args.child == "seed" else child_measure(args)
    else:
        main()
