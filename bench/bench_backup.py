"""How long `manage.py backup` and `manage.py restore` take for the demo province, and how big
the archive is.

    .venv/bin/python bench/bench_backup.py                 # SQLite, the Makefile's demo province
    .venv/bin/python bench/bench_backup.py --postgres      # the same on PostgreSQL
    .venv/bin/python bench/bench_backup.py --small         # two communes, one board rendered (quick)

The data is built first (not timed) by `tests/core/backup_drill.py seed --full`: `make demo`'s
steps (migrate, provision Trà Vinh, seed_demo, seed_boards, render_boards, seed_stations,
seed_programmes) plus a citizen's question with a photo and audit log entries, into a throwaway database (a temporary SQLite file, or
tincoso_bench_backup_* on PostgreSQL) and temporary media folders. Then each measured step runs
in a fresh subprocess with production settings (DEBUG off): core.backup.create (the backup),
core.backup.verify (reading the archive back), core.backup.restore into a second fresh database
and fresh folders (verify + database + files + the count and checksum check). Times are those of
the call inside the child (interpreter and Django start-up not included); peak RSS is the
child's own.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DRILL = c.REPO / "tests" / "core" / "backup_drill.py"


def child(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--child", required=True, choices=["backup", "verify", "restore"])
    p.add_argument("--db-url", required=True)
    p.add_argument("--archive")
    p.add_argument("--output")
    a = p.parse_args(argv)

    c.django_setup(a.db_url, debug=False)
    from django.db import connection
    from machine import machine_info

    from core import backup

    t0, cpu0 = time.perf_counter(), c.cpu_seconds()
    if a.child == "backup":
        result = backup.create(a.output, progress=False)
        seconds = time.perf_counter() - t0
        manifest = result.manifest
        media = [e for e in manifest["files"] if e["path"].startswith("media/")]
        private = [e for e in manifest["files"] if e["path"].startswith("private/")]
        extra = {
            "archive": str(result.path),
            "archive_bytes": result.path.stat().st_size,
            "db_bytes": manifest["database"]["size"],
            "db_seconds": manifest["database"]["seconds"],
            "media_files": len(media),
            "media_bytes": sum(e["size"] for e in media),
            "private_files": len(private),
            "private_bytes": sum(e["size"] for e in private),
            "tables": len(manifest["counts"]),
            "rows": sum(manifest["counts"].values()),
            "pages": manifest["counts"].get("wagtailcore_page"),
        }
    elif a.child == "verify":
        backup.verify(a.archive, progress=False)
        seconds = time.perf_counter() - t0
        extra = {}
    else:
        report = backup.restore(a.archive, progress=False)
        seconds = time.perf_counter() - t0
        extra = {"ok": report.ok}
    c.emit(
        {
            "seconds": seconds,
            "cpu_s": c.cpu_seconds() - cpu0,
            "peak_rss_mib": c.peak_rss_mib(),
            "machine": machine_info(connection),
            **extra,
        }
    )


def _mib(n):
    return f"{n / 1024 / 1024:.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite")
    p.add_argument("--small", action="store_true", help="the test drill's data: two communes, one board rendered")
    p.add_argument("--keep", action="store_true", help="keep the throwaway databases and folders (paths printed)")
    a = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-backup-"))
    names = []

    def database(label):
        if a.postgres:
            name = f"tincoso_bench_backup_{label}_{os.getpid()}"
            names.append(name)
            return c.pg_create(name)
        return c.sqlite_url(tmp / f"{label}.sqlite3")

    def env_for(label, url):
        env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL", "MQTT_URL")}
        env.update(
            DATABASE_URL=url,
            MEDIA_ROOT=str(tmp / label / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp / label / "private"),
            DEBUG="1",
            TINCOSO_DEMO="1",
            LOG_LEVEL="ERROR",
        )
        return env

    me = Path(__file__).resolve()
    try:
        source_url, target_url = database("src"), database("dst")
        source_env, target_env = env_for("src", source_url), env_for("dst", target_url)
        print(f"Databases: {source_url} → {target_url} (throwaway); folders under {tmp}")
        t0 = time.perf_counter()
        subprocess.run(
            [c.PYTHON, str(DRILL), "seed", *([] if a.small else ["--full"])], cwd=c.REPO, env=source_env, check=True
        )
        print(f"data built in {time.perf_counter() - t0:.0f} s (not counted)")

        def measured(mode, env, *args):
            # run_child merges its env over os.environ: these variables must be set explicitly.
            wanted = {k: env[k] for k in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "LOG_LEVEL")}
            res, wall = c.run_child(me, ["--child", mode, "--db-url", env["DATABASE_URL"], *args], env=wanted)
            print(
                f"{mode}: {res['seconds']:.1f} s ({res['cpu_s']:.1f} s CPU in Python), peak RSS {res['peak_rss_mib']:.0f} MiB"
            )
            return res, wall

        backup_res, _ = measured("backup", source_env, "--output", str(tmp / "backups"))
        archive = backup_res["archive"]
        verify_res, _ = measured("verify", source_env, "--archive", archive)
        restore_res, _ = measured("restore", target_env, "--archive", archive)
        if not restore_res["ok"]:
            raise SystemExit("restore: counts or checksums differ from the manifest")
    finally:
        if a.keep:
            print(f"kept: {tmp} and databases {names or '(SQLite files in it)'}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            for name in names:
                c.pg_drop(name)

    from machine import machine_line

    r = backup_res
    data = "the test drill's data" if a.small else "the demo province (make demo)"
    print()
    print(
        f"{data} on {r['machine']['database']}: {r['pages']:,} pages, {r['tables']} tables, {r['rows']:,} rows; "
        f"database dump {_mib(r['db_bytes'])} MiB, {r['media_files']:,} media files ({_mib(r['media_bytes'])} MiB), "
        f"{r['private_files']} private files ({_mib(r['private_bytes'])} MiB); archive {_mib(r['archive_bytes'])} MiB"
    )
    print(
        c.table(
            ["step", "time (s)", "Python CPU (s)", "peak RSS (MiB)", "MiB/s of archive"],
            [
                (
                    label,
                    f"{res['seconds']:.1f}",
                    f"{res['cpu_s']:.1f}",
                    f"{res['peak_rss_mib']:.0f}",
                    f"{r['archive_bytes'] / 1024 / 1024 / res['seconds']:.0f}",
                )
                for label, res in (
                    (f"backup (of which database {r['db_seconds']:.1f} s)", backup_res),
                    ("verify (read back, every sha256)", verify_res),
                    ("restore into a fresh database and folders", restore_res),
                )
            ],
        )
    )
    print()
    print(machine_line(r["machine"]))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[1:])
    else:
        main()
