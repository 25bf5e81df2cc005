"""Shared plumbing for the benchmark scripts: throwaway databases, Django set-up in a child
process, and running one measured step in a fresh subprocess (so its peak RSS is its own).

Never touches the developer's db.sqlite3: every script points DATABASE_URL at a temporary
SQLite file or at a PostgreSQL database it creates and drops itself.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PYTHON = sys.executable

PG_DSN = os.environ.get("BENCH_PG_DSN", "host=127.0.0.1 port=5432 user=postgres")
PG_URL_TEMPLATE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/{name}")

RESULT_MARK = "@@BENCH_RESULT@@ "


def setup_paths():
    for p in (str(REPO), str(REPO / "site")):
        if p not in sys.path:
            sys.path.insert(0, p)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincoso.settings")


def django_setup(database_url, debug=False):
    """Point settings at database_url and start Django (call in the child, before any import
    of project models). debug=False runs like production (a bench-only SECRET_KEY, DEBUG off);
    debug=True runs in development mode (DEBUG on, queries logged, plain static storage)."""
    setup_paths()
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # local-memory cache: per process, no network
    if debug:
        os.environ["DEBUG"] = "1"
    else:
        os.environ["SECRET_KEY"] = "bench-only-not-secret-" + "x" * 30
        os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


# --- throwaway databases ------------------------------------------------------------------


def sqlite_url(path):
    return f"sqlite:///{Path(path).resolve()}"


def remove_sqlite(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def pg_create(name):
    import psycopg

    _check_pg_name(name)
    with psycopg.connect(PG_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL_TEMPLATE.format(name=name)


def pg_drop(name):
    import psycopg

    _check_pg_name(name)
    with psycopg.connect(PG_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _check_pg_name(name):
    # Only ever create or drop databases whose name says they are the benchmark's.
    if not (name.startswith("tincoso_bench") and name.replace("_", "").isalnum()):
        raise SystemExit(f"refusing to touch database {name!r}: bench databases are named tincoso_bench*")


# --- child processes ----------------------------------------------------------------------


def run_child(script, args, env=None, echo_stderr=True):
    """Run `python script args…` and return (result dict, wall seconds, child's own figures).
    The child prints one line RESULT_MARK + json; everything else passes through."""
    cmd = [PYTHON, str(script), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=None if echo_stderr else subprocess.DEVNULL,
        text=True,
    )
    wall = time.perf_counter() - t0
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
        elif line.strip():
            print("    | " + line)
    if proc.returncode != 0 or result is None:
        raise SystemExit(f"child failed (exit {proc.returncode}): {' '.join(cmd)}")
    return result, wall


def emit(result):
    """In the child: hand the result to the parent."""
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


def cpu_seconds():
    """CPU time (user + system) this process has used so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def db_server_cpu_seconds(connection):
    """CPU time of this connection's PostgreSQL backend process, when the server runs on
    this machine and /proc can be read; None otherwise (SQLite runs inside the process)."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_mib():
    """Peak resident set size of this process so far (Linux reports KiB)."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


def table(headers, rows):
    """A GitHub-flavoured Markdown table, for pasting into bench/README.md."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def percentile(values, q):
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_port(port, process, what, timeout=60):
    """Until 127.0.0.1:`port` accepts a connection; exits the benchmark if `process` dies first."""
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not answer on {port}")


def bench_env(url, tmp):
    """The environment of a bench's manage.py runs and child: its throwaway database and media
    folder, no production secret key, no Redis (the embedded cache and broker)."""
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(Path(tmp) / "media")}
    env.pop("SECRET_KEY", None)
    env.pop("REDIS_URL", None)
    return env


def migrate_and_provision(env, province="Trà Vinh", structure="2024"):
    """`migrate` and `provision` of one province in the throwaway database (not timed)."""
    print(f"migrate + provision {province} (not timed) …", flush=True)
    manage = [PYTHON, str(REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
    subprocess.run(
        manage + ["provision", "--structure", structure, "--province", province, "--no-progress"],
        env=env,
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
