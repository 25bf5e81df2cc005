"""How long `manage.py provision` takes, and how much memory it needs.

    .venv/bin/python bench/bench_provision.py                       # Trà Vinh (2024) on SQLite
    .venv/bin/python bench/bench_provision.py --postgres            # the same on PostgreSQL
    .venv/bin/python bench/bench_provision.py --postgres --national # 3,321 communes (2025) on PostgreSQL
    .venv/bin/python bench/bench_provision.py --structure 2025 --province 86 --profile /tmp/p.prof

Each step runs in a fresh subprocess on a throwaway database (a temporary SQLite file, or a
PostgreSQL database tincoso_bench_* created and dropped here): migrate (not timed), a first
run that creates everything, then an idempotent second run that should change nothing. The
time is that of call_command("provision", …) inside the child (interpreter and Django start
not included; the child's total wall time is shown too); peak RSS is the child's own.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGETS = {"province": 60.0, "national": 600.0}


def child(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--child", required=True, choices=["migrate", "provision"])
    p.add_argument("--db-url", required=True)
    p.add_argument("--structure")
    p.add_argument("--province", action="append")
    p.add_argument("--all", action="store_true")
    p.add_argument("--profile")
    a = p.parse_args(argv)

    c.django_setup(a.db_url, debug=False)
    from django.core.management import call_command
    from django.db import connection
    from machine import machine_info

    if a.child == "migrate":
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        c.emit({"seconds": time.perf_counter() - t0, "machine": machine_info(connection)})
        return

    options = {"structure": a.structure, "no_progress": True}
    if a.all:
        options["all"] = True
    else:
        options["province"] = a.province
    profiler = None
    if a.profile:
        import cProfile

        profiler = cProfile.Profile()
    load_before = os.getloadavg()[0]
    db0 = c.db_server_cpu_seconds(connection)
    cpu0, t0 = c.cpu_seconds(), time.perf_counter()
    if profiler:
        profiler.enable()
    call_command("provision", **options)
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - t0, c.cpu_seconds() - cpu0
    db1 = c.db_server_cpu_seconds(connection)
    db_cpu = db1 - db0 if db0 is not None and db1 is not None else None
    if profiler:
        import pstats

        profiler.dump_stats(a.profile)
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
    c.emit(
        {
            "seconds": seconds,
            "cpu_s": cpu,
            "db_cpu_s": db_cpu,
            "peak_rss_mib": c.peak_rss_mib(),
            "counts": counts(),
            "load": [load_before, os.getloadavg()[0]],
        }
    )


def counts():
    from django.contrib.auth.models import Group
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

    from areas.models import AreaPage, CommuneHomePage, PortalHomePage

    return {
        "sites": Site.objects.count(),
        "pages": Page.objects.filter(depth__gt=1).count(),
        "areas": AreaPage.objects.count(),
        "portals": PortalHomePage.objects.count(),
        "communes": CommuneHomePage.objects.count(),
        "groups": Group.objects.count(),
        "collections": Collection.objects.filter(depth__gt=1).count(),
        "page_perms": GroupPagePermission.objects.count(),
        "collection_perms": GroupCollectionPermission.objects.count(),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite")
    p.add_argument(
        "--national",
        action="store_true",
        help="the whole 2025 structure (--structure 2025 --all): 34 provinces, 3,321 communes",
    )
    p.add_argument("--structure", choices=["2024", "2025"], help="default 2024 (2025 with --national)")
    p.add_argument("--province", action="append", help="code or name; default 84 (Trà Vinh)")
    p.add_argument("--runs", type=int, default=1, help="idempotent re-runs after the first (default 1)")
    p.add_argument("--profile", metavar="FILE", help="cProfile the first run into FILE and print a summary")
    p.add_argument("--keep", action="store_true", help="keep the throwaway database (its URL is printed)")
    a = p.parse_args()

    structure = a.structure or ("2025" if a.national else "2024")
    if a.national:
        scope_args, scope = ["--all"], f"{structure} --all"
    else:
        provinces = a.province or ["84"]
        scope_args = [x for prov in provinces for x in ("--province", prov)]
        scope = f"{structure} --province {' --province '.join(provinces)}"
    kind = "national" if a.national else "province"

    if a.postgres:
        db_name = f"tincoso_bench_provision_{os.getpid()}"
        db_url = c.pg_create(db_name)
        cleanup = lambda: c.pg_drop(db_name)  # noqa: E731
    else:
        tmp = tempfile.mkdtemp(prefix="tincoso-bench-")
        db_path = os.path.join(tmp, "provision.sqlite3")
        db_url = c.sqlite_url(db_path)
        cleanup = lambda: (c.remove_sqlite(db_path), os.rmdir(tmp))  # noqa: E731

    me = Path(__file__).resolve()
    rows = []
    try:
        print(f"Database: {db_url} (throwaway)")
        mig, _ = c.run_child(me, ["--child", "migrate", "--db-url", db_url])
        machine = mig["machine"]
        print(f"migrate: {mig['seconds']:.1f} s (not counted)")
        for run in range(1 + a.runs):
            args = ["--child", "provision", "--db-url", db_url, "--structure", structure, *scope_args]
            if run == 0 and a.profile:
                args += ["--profile", a.profile]
            label = "first run (creates)" if run == 0 else f"re-run {run} (idempotent)"
            print(f"{label}: provision --structure {scope} …", flush=True)
            res, wall = c.run_child(me, args)
            rows.append((label, res, wall))
            db_cpu = f", {res['db_cpu_s']:.1f} s in the PostgreSQL backend" if res.get("db_cpu_s") is not None else ""
            print(
                f"  {res['seconds']:.1f} s ({res['cpu_s']:.1f} s CPU in Python{db_cpu}), peak RSS "
                f"{res['peak_rss_mib']:.0f} MiB (child wall {wall:.1f} s), load {res['load'][0]:.1f}→{res['load'][1]:.1f}"
            )
    finally:
        if a.keep:
            print(f"kept: DATABASE_URL={db_url}")
        else:
            cleanup()

    from machine import machine_line

    counts = rows[0][1]["counts"]
    print()
    print(
        f"provision --structure {scope} on {machine['database']}" + (" (profiled: times inflated)" if a.profile else "")
    )
    print(
        c.table(
            [
                "run",
                "time (s)",
                "Python CPU (s)",
                "DB server CPU (s)",
                "peak RSS (MiB)",
                "child wall (s)",
                "load avg before→after",
            ],
            [
                (
                    label,
                    f"{r['seconds']:.1f}",
                    f"{r['cpu_s']:.1f}",
                    "–" if r.get("db_cpu_s") is None else f"{r['db_cpu_s']:.1f}",
                    f"{r['peak_rss_mib']:.0f}",
                    f"{wall:.1f}",
                    f"{r['load'][0]:.1f}→{r['load'][1]:.1f}",
                )
                for label, r, wall in rows
            ],
        )
    )
    print()
    print("Created: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()))
    changed = [k for k in counts if rows[-1][1]["counts"][k] != counts[k]]
    print("Re-run changed counts: " + (", ".join(changed) if changed else "none (idempotent)"))
    target = TARGETS[kind]
    first = rows[0][1]["seconds"]
    print(f"Target: first run under {target:.0f} s → {'met' if first < target else 'NOT met'} ({first:.1f} s)")
    print(machine_line(machine))
    if max(max(r["load"]) for _, r, _ in rows) > (machine.get("cores") or 1):
        print(
            "Note: the load average exceeded the core count during a run: other processes shared the CPUs,"
            " so wall times are pessimistic; the CPU columns are much less affected (Python CPU + DB server"
            " CPU approximates the wall time of the same run on an idle machine)."
        )


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[1:])
    else:
        main()
