"""Citizens' questions: what the anti-spam proof of work costs a phone, and how the server takes
a burst of submissions.

    .venv/bin/python bench/bench_inquiries.py                 # SQLite, gunicorn 2 workers × 4 threads
    .venv/bin/python bench/bench_inquiries.py --postgres      # PostgreSQL + Redis (must be running)
    .venv/bin/python bench/bench_inquiries.py --server runserver

1. Proof of work at the configured difficulty (INQUIRY_POW_DIFFICULTY, 16 bits): time to solve,
   in Python (hashlib) and in the JavaScript the form runs (themes/default/static/js/pow.js,
   its pure-JS SHA-256, under Node's V8 like a phone's Chrome; a cheap phone is several times
   slower than this machine, so multiply). --pow-tokens tokens each.
2. A burst: --submissions questions from --clients parallel clients, each doing what a browser
   does: GET the form (cookie, CSRF token, challenge), solve (outside the timing), POST, follow
   nothing. Timed: the POST (validation, captcha check, rate-limit queries, insert, redirect)
   and the GET of the form; wall time and throughput for the whole burst. Then the records
   are counted (must equal --submissions).
   Then --sequential submissions by a single client, for the latency without contention.
3. The status page by code (GET /hoi-dap/tra-cuu/?ma=…), sequentially, for every code.

The server runs in its own process on a throwaway database (migrated, Trà Vinh provisioned),
with the per-address limits raised (one client address sends everything).
"""

import argparse
import concurrent.futures
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line

HOST = "an-truong.cang-long.tra-vinh.localhost"
PG_NAME = "tincoso_bench_inquiries"


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ms(values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
    return f"{statistics.median(values) * 1000:.1f}", f"{p95 * 1000:.1f}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _req(port, path, data=None):
    return urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Host": f"{HOST}:{port}", "Referer": f"http://{HOST}:{port}{path}"},
    )


def pow_figures(tokens, difficulty):
    from inquiries import captcha

    py, js = [], []
    for _ in range(tokens):
        token = captcha.new_challenge(difficulty).token
        t0 = time.perf_counter()
        captcha.solve(token, difficulty)
        py.append(time.perf_counter() - t0)
    node = shutil.which("node")
    if node:
        script = c.REPO / "themes" / "default" / "static" / "js" / "pow.js"
        tokens_js = [captcha.new_challenge(difficulty).token for _ in range(tokens)]
        program = (
            f"const p = require({str(script)!r}); const out = [];"
            f"for (const t of {tokens_js!r}) {{ const t0 = process.hrtime.bigint();"
            f" p.solveSync(t, {difficulty}); out.push(Number(process.hrtime.bigint() - t0) / 1e9); }}"
            "console.log(out.join(' '));"
        )
        result = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=600)
        if result.returncode == 0:
            js = [float(x) for x in result.stdout.split()]
        else:
            print("node failed:", result.stderr[:500])
    return py, js


def burst(port, submissions, clients, difficulty, offset=0):
    from inquiries import captcha

    get_times, post_times, failures = [], [], []

    def one(n):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        t0 = time.perf_counter()
        html = opener.open(_req(port, "/hoi-dap/gui/"), timeout=120).read().decode()
        get_times.append(time.perf_counter() - t0)
        fields = dict(re.findall(r'name="(csrfmiddlewaretoken|pow_token|submission_key)" value="([^"]*)"', html))
        data = urllib.parse.urlencode(
            {
                **fields,
                "pow_nonce": captcha.solve(fields["pow_token"], difficulty),
                "kind": "phan_anh",
                "topic": "moi_truong",
                "title": f"Phản ánh thử tải số {n}",
                "location": "Ấp Xóm Giữa",
                "body": "Rác thải sinh hoạt bị đổ ven kênh, đề nghị xã cho thu gom và xử lý. " * 3,
                "name": "Người thử tải",
                "phone": f"09{n:08d}",
                "email": "",
                "consent": "on",
                "website": "",
            }
        ).encode()
        t0 = time.perf_counter()
        try:
            opener.open(_req(port, "/hoi-dap/gui/", data), timeout=120)
            failures.append("no redirect")
        except urllib.error.HTTPError as exc:
            post_times.append(time.perf_counter() - t0)
            if exc.code != 303:
                failures.append(f"{exc.code}: {exc.read()[:200]!r}")
                return None
            return exc.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        return None

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        codes = [code for code in pool.map(one, range(offset, offset + submissions)) if code]
    wall = time.perf_counter() - t0
    return codes, get_times, post_times, failures, wall


def lookups(port, codes):
    times = []
    opener = urllib.request.build_opener()
    for code in codes:
        t0 = time.perf_counter()
        opener.open(_req(port, f"/hoi-dap/tra-cuu/?ma={code}"), timeout=60).read()
        times.append(time.perf_counter() - t0)
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--submissions", type=int, default=200)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--sequential", type=int, default=50, help="submissions by one client, uncontended")
    p.add_argument("--pow-tokens", type=int, default=30)
    p.add_argument("--difficulty", type=int, default=16)
    p.add_argument("--postgres", action="store_true", help="PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)")
    p.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    a = p.parse_args()

    c.setup_paths()
    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-inq-"))
    if a.postgres:
        c.pg_create(PG_NAME)
        db_url = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    else:
        db_url = c.sqlite_url(tmp / "db.sqlite3")
    port = _port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SITE_PORT": str(port),
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "INQUIRY_POW_DIFFICULTY": str(a.difficulty),
        "INQUIRY_RATE_PER_IP_HOUR": "1000000",
        "INQUIRY_RATE_PER_IP_DAY": "1000000",
        "DJANGO_SETTINGS_MODULE": "tincoso.settings",
        "PYTHONPATH": str(c.REPO / "site"),
    }
    env.pop("SECRET_KEY", None)
    if a.postgres:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    else:
        env.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    subprocess.run(
        manage + ["provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress"],
        env=env,
        check=True,
        cwd=c.REPO,
        stdout=subprocess.DEVNULL,
    )
    if a.server == "gunicorn":
        cmd = [
            str(Path(c.PYTHON).parent / "gunicorn"),
            "tincoso.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--chdir",
            str(c.REPO / "site"),
        ]
    else:
        cmd = manage + ["runserver", f"127.0.0.1:{port}", "--noreload"]
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(cmd, env=env, cwd=c.REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(_req(port, "/hoi-dap/"), timeout=2).read()
                break
            except (OSError, urllib.error.HTTPError):
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start:\n" + (tmp / "server.log").read_text()[-3000:])
                time.sleep(0.3)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincoso.settings")
        os.environ["DATABASE_URL"] = db_url
        import django
        from django.db import connection

        django.setup()
        print(machine_line(connection=connection))
        print(
            f"database: {'PostgreSQL + Redis' if a.postgres else 'SQLite (WAL) + local-memory cache'}; "
            f"server: {' '.join(Path(x).name for x in cmd[:1])} {'2 workers × 4 threads' if a.server == 'gunicorn' else '(threaded)'}"
        )

        py, js = pow_figures(a.pow_tokens, a.difficulty)
        rows = [("Python hashlib", *_ms(py), f"{max(py) * 1000:.0f}")]
        if js:
            rows.append(("pow.js under Node (V8)", *_ms(js), f"{max(js) * 1000:.0f}"))
        print(f"\nProof of work, {a.difficulty} bits, {a.pow_tokens} tokens each:")
        print(c.table(["solver", "median ms", "p95 ms", "max ms"], rows))

        codes, gets, posts, failures, wall = burst(port, a.submissions, a.clients, a.difficulty)
        counted = subprocess.run(
            manage + ["shell", "-c", "from inquiries.models import Inquiry; print(Inquiry.objects.count())"],
            env=env,
            cwd=c.REPO,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        print(
            f"\nBurst: {a.submissions} submissions from {a.clients} parallel clients "
            f"(wall {wall:.1f} s including client-side solving; {len(failures)} failures; "
            f"{counted} records, {len(set(codes))} distinct codes)"
        )
        print(c.table(["request", "median ms", "p95 ms"], [("GET form", *_ms(gets)), ("POST submission", *_ms(posts))]))
        if failures:
            print("failures:", failures[:5])
        _codes, gets1, posts1, failures1, _wall1 = burst(port, a.sequential, 1, a.difficulty, offset=a.submissions)
        print(f"\nOne client, {a.sequential} submissions one after the other ({len(failures1)} failures):")
        print(
            c.table(["request", "median ms", "p95 ms"], [("GET form", *_ms(gets1)), ("POST submission", *_ms(posts1))])
        )
        look = lookups(port, codes)
        print(
            f"\nStatus page by code, {len(look)} sequential requests: median {_ms(look)[0]} ms, p95 {_ms(look)[1]} ms"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        if a.postgres:
            c.pg_drop(PG_NAME)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
