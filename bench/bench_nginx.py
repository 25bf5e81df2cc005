"""The production stack through nginx over HTTPS (deploy/): public pages from the page cache and
rendered afresh, the Player API's 304, and nginx serving a static file as large as the page (the
ceiling: no Python at all), in one run, with the ratios.

    .venv/bin/python bench/bench_nginx.py                  # brings the stack up (deploy/ci.sh up), then down
    deploy/ci.sh up; .venv/bin/python bench/bench_nginx.py --seconds 15 --connections 32; deploy/ci.sh down

With TINCOSO_DEPLOY_URL (and the rest, tests/deploy/stack.py) set, it measures that stack and
leaves it up; otherwise it runs `deploy/ci.sh up` first and `deploy/ci.sh down` after (root).
Each phase: --processes client processes × their share of --connections keep-alive connections,
closed loop (a request as soon as the last answered) for --seconds after a second of warm-up,
every request with Accept-Encoding: gzip as browsers send it:

  1. static file      nginx alone: a copy of the commune page under /static/ (same bytes)
  2. page, cached     the commune's home for an anonymous reader (core/page_cache.py, Redis)
  3. page, uncached   the same with PAGE_CACHE_SECONDS=0 (the web service restarted for it)
  4. player 304       GET playlist.json with If-None-Match, keep-alive
  5. player 304, new connection   the same, a TLS handshake per request (the reference player)

The clients share the 2 cores with nginx, gunicorn, PostgreSQL and Redis: the figures are a floor,
and the static ceiling is partly the clients' own.
"""

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_info, machine_line

c.setup_paths()
from tests.deploy.stack import Stack  # noqa: E402


def _client(args):
    """One client process: its connections in a closed loop until the deadline."""
    stack, urls, headers, connections, warmup_until, deadline, new_connection = args

    async def main():
        latencies, statuses = [], {}

        async def one(n):
            async with stack.session(limit=0 if new_connection else 1, force_close=new_connection) as session:
                i = n
                while time.monotonic() < deadline:
                    url, sent = urls[i % len(urls)], headers[i % len(headers)]
                    i += connections
                    t0 = time.perf_counter()
                    try:
                        async with session.get(url, headers=sent) as response:
                            await response.read()
                            status = response.status
                    except Exception as error:  # noqa: BLE001 - counted, shown in the table
                        status = type(error).__name__
                    if time.monotonic() >= warmup_until:
                        latencies.append(time.perf_counter() - t0)
                        statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(one(n) for n in range(connections)))
        return latencies, statuses

    return asyncio.run(main())


def measure(stack, label, urls, headers, expected, a, new_connection=False):
    per = max(1, a.connections // a.processes)
    start = time.monotonic()
    warmup_until, deadline = start + 1.0, start + 1.0 + a.seconds
    with multiprocessing.get_context("fork").Pool(a.processes) as pool:
        results = pool.map(_client, [(stack, urls, headers, per, warmup_until, deadline, new_connection)] * a.processes)
    latencies = sorted(x for r in results for x in r[0])
    statuses = {}
    for _l, s in results:
        for k, v in s.items():
            statuses[k] = statuses.get(k, 0) + v
    other = {k: v for k, v in statuses.items() if k != expected}
    rate = len(latencies) / a.seconds
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "label": label,
        "expected": expected,
        "n": len(latencies),
        "rate": rate,
        "p50": p(0.5),
        "p99": p(0.99),
        "other": other,
    }


def wait_for(stack, url, want_status=200, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = asyncio.run(_status(stack, url))
            if status == want_status:
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} does not answer {want_status}")


async def _status(stack, url):
    async with stack.session() as session, session.get(url) as response:
        await response.read()
        return response.status


async def _body(stack, url):
    async with stack.session() as session, session.get(url, headers={"Accept-Encoding": "identity"}) as response:
        return response.status, await response.read(), response.headers.get("X-Cache")


def set_page_cache(stack, env_file, seconds):
    """PAGE_CACHE_SECONDS in the installation's environment file (None: the line removed), then
    the web service restarted to read it."""
    lines = [line for line in Path(env_file).read_text().splitlines() if not line.startswith("PAGE_CACHE_SECONDS=")]
    if seconds is not None:
        lines.append(f"PAGE_CACHE_SECONDS={seconds}")
    Path(env_file).write_text("\n".join(lines) + "\n")
    done = stack.units("restart", "web")
    if done.returncode != 0:
        raise SystemExit(f"restarting web failed: {done.stdout}{done.stderr}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=10, help="per phase (at most 30)")
    p.add_argument("--connections", type=int, default=16, help="keep-alive connections in all")
    p.add_argument("--processes", type=int, default=2, help="client processes")
    p.add_argument("--boards", type=int, default=200, help="boards polling in the 304 phases")
    a = p.parse_args()
    a.seconds = min(a.seconds, 30)

    brought_up = False
    stack = Stack.from_environment()
    if stack is None:
        if os.geteuid() != 0:
            raise SystemExit("no TINCOSO_DEPLOY_URL: run as root so that deploy/ci.sh can bring the stack up")
        print("bringing the stack up: deploy/ci.sh up …", flush=True)
        subprocess.run([str(c.REPO / "deploy" / "ci.sh"), "up"], check=True, stdout=subprocess.DEVNULL)
        brought_up = True
        portal = next(
            line.split("=", 1)[1]
            for line in Path("/etc/tincoso-ci/tincoso.env").read_text().splitlines()
            if line.startswith("WAGTAILADMIN_BASE_URL=")
        )
        os.environ.update(
            TINCOSO_DEPLOY_URL=portal + "/",
            TINCOSO_DEPLOY_PREFIX="/srv/tincoso-ci",
            TINCOSO_DEPLOY_CONNECT="127.0.0.1",
            TINCOSO_DEPLOY_CA="/etc/tincoso-ci/tls/ca.pem",
        )
        stack = Stack.from_environment()
    env_file = stack.env_file
    static_copy = None
    try:
        facts = stack.shell_json(
            "import json, os; from django.db import connection; connection.ensure_connection(); "
            "v = connection.pg_version; print(json.dumps({'db': f'PostgreSQL {v // 10000}.{v % 100}', "
            "'workers': os.environ.get('WEB_WORKERS', '2 per core'), 'threads': os.environ.get('WEB_THREADS', '4'), "
            "'static': os.environ['STATIC_ROOT']}))"
        )
        seeded = stack.seed_load(a.boards)
        host = seeded["pages"][0][0]
        page = stack.site_url(host, "/")
        status, body, _cache = asyncio.run(_body(stack, page))
        assert status == 200, status
        static_copy = Path(facts["static"]) / "bench" / "commune-home.html"
        static_copy.parent.mkdir(parents=True, exist_ok=True)
        static_copy.write_bytes(body)
        static_copy.chmod(0o644)
        static_url = stack.site_url(host, "/static/bench/commune-home.html")
        wait_for(stack, static_url)

        info = machine_info(connection=False)
        info["database"] = facts["db"]
        print(machine_line(info))
        print(
            f"nginx {subprocess.run(['nginx', '-v'], capture_output=True, text=True).stderr.strip().split('/')[-1]} "
            f"(TLS 1.3, HTTP/1.1 from the clients) → gunicorn {facts['workers']} workers × {facts['threads']} threads; "
            f"Redis page cache; clients: {a.processes} processes × {a.connections // a.processes} connections, same machine; "
            f"page {len(body):,} bytes ({host}); {a.seconds:.0f} s per phase"
        )
        gzip = [{"Accept-Encoding": "gzip"}]
        players = seeded["players"]
        polls = [stack.site_url(stack.host, f"/api/boards/v1/{b}/playlist.json") for b, _t in players]
        etags = asyncio.run(_etags(stack, players, polls))
        poll_headers = [
            {"Authorization": f"Bearer {token}", "If-None-Match": etag} for (_b, token), etag in zip(players, etags)
        ]

        rows = [measure(stack, "static file (nginx)", [static_url], gzip, 200, a)]
        rows.append(measure(stack, "page, cached", [page], gzip, 200, a))
        set_page_cache(stack, env_file, 0)
        try:
            wait_for(stack, page)
            rows.append(measure(stack, "page, uncached", [page], gzip, 200, a))
        finally:
            set_page_cache(stack, env_file, 60)
            wait_for(stack, page)
        rows.append(measure(stack, "player 304", polls, poll_headers, 304, a))
        rows.append(measure(stack, "player 304, new TLS connection", polls, poll_headers, 304, a, new_connection=True))

        ceiling = rows[0]["rate"]
        print(
            c.table(
                ["phase", "status", "requests", "req/s", "p50 ms", "p99 ms", "of the ceiling", "unexpected"],
                [
                    (
                        r["label"],
                        r["expected"],
                        r["n"],
                        f"{r['rate']:.0f}",
                        f"{r['p50']:.1f}",
                        f"{r['p99']:.1f}",
                        f"{r['rate'] / ceiling:.1%}" if ceiling else "-",
                        r["other"] or "-",
                    )
                    for r in rows
                ],
            )
        )
        cached, uncached = rows[1]["rate"], rows[2]["rate"]
        print(f"cached / uncached: {cached / uncached:.1f}×; static / cached: {ceiling / cached:.1f}×")
    finally:
        if static_copy is not None:
            static_copy.unlink(missing_ok=True)
            stack.remove_load()
        if brought_up:
            subprocess.run([str(c.REPO / "deploy" / "ci.sh"), "down"], check=False, stdout=subprocess.DEVNULL)


async def _etags(stack, players, polls):
    async with stack.session(limit=16) as session:

        async def one(board_token, url):
            async with session.get(url, headers={"Authorization": f"Bearer {board_token[1]}"}) as response:
                await response.read()
                assert response.status == 200, (url, response.status)
                return response.headers["ETag"]

        return await asyncio.gather(*(one(bt, u) for bt, u in zip(players, polls)))


if __name__ == "__main__":
    main()
