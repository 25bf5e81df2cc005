"""Player API v1 under a fleet of simulated players: conditional polls (the 304 path) and full
fetches, against gunicorn on loopback.

    .venv/bin/python bench/bench_player_api.py                      # SQLite, 2 workers × 4 threads
    .venv/bin/python bench/bench_player_api.py --boards 2000 --seconds 20 --clients 3 --threads 4
    .venv/bin/python bench/bench_player_api.py --cache-seconds 5    # BOARDS_API_CACHE_SECONDS

A throwaway database is migrated and seeded with --boards boards (a token each, one
PlaylistVersion of --items images each, real content-addressed files), then for each phase
(bounded by --seconds) --clients processes × --threads keep-alive connections each ask for a
random board's playlist as fast as they can:

  1. poll 304      GET playlist.json with the current ETag (what 10,000 boards polling every
                   60 s do, at 167 req/s)
  2. poll IMS 304  GET playlist.smil with If-Modified-Since
  3. full JSON     GET playlist.json, no validator (items read, URLs composed)
  4. full SMIL     GET playlist.smil, no validator
  5. media range   GET media/<sha>.png with Range: bytes=0-4095
  6. heartbeat     POST heartbeat (what each poll is followed by: a write per request)
  7. fleet         the fleet's real load, paced: --boards boards each doing a 304 poll and a
                   heartbeat a minute (2 × boards / 60 requests/s), latency at that rate

For each: requests/s, p50 and p99 latency, and any unexpected status. The clients share the
machine with the server, so the figures are a floor.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line

HOST = "boards.localhost"


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(boards, items, media_root):
    """Boards with tokens and one version each; returns [(id, token, etag, last_modified, media path)]."""
    import datetime

    from django.conf import settings
    from django.utils import timezone
    from django.utils.http import http_date
    from PIL import Image
    from wagtail.models import Page

    from boards.api import issue_token
    from boards.models import Board, PlaylistVersion
    from boards.publishing import file_url, store_file

    settings.MEDIA_ROOT = media_root
    owner = Page.objects.order_by("depth", "pk").first()
    files = []
    for n in range(max(items, 4)):
        import io

        buffer = io.BytesIO()
        Image.effect_noise((384, 192), 40 + n).convert("RGB").save(buffer, "PNG")
        files.append(store_file(buffer.getvalue(), "png", 384, 192))
    out = []
    now = timezone.now().replace(microsecond=0)
    for b in range(boards):
        board = Board.objects.create(owner=owner, name=f"Bảng thử tải {b}", width=384, height=192, refresh_seconds=60)
        token = issue_token(board)
        chosen = [files[(b + i) % len(files)] for i in range(items)]
        entries = [
            {
                "id": f"media:{i}",
                "kind": "image",
                "url": file_url(f),
                "sha256": f.sha256,
                "bytes": f.size,
                "duration_s": 10,
                "priority": ("emergency", "priority", "normal")[i % 3],
                "title": f"Tin {i}",
                "valid_from": (now - datetime.timedelta(hours=1)).isoformat(),
                "valid_to": (now + datetime.timedelta(days=1)).isoformat(),
            }
            for i, f in enumerate(chosen)
        ]
        version = PlaylistVersion.objects.create(
            board=board, number=1, items=entries, generated_at=now, fingerprint=f"{b:064x}"
        )
        out.append((board.pk, token, f'"{version.fingerprint}"', http_date(now.timestamp()), chosen[0].sha256))
    return out


def _client(args):
    """One client process: `threads` keep-alive connections until the deadline. Phase "fleet":
    each connection paced to `interval` seconds a request, alternating a conditional poll and a
    heartbeat (what a board does every refresh)."""
    port, phase, boards, threads, deadline, seed_, interval = args
    rng = random.Random(seed_)
    latencies, statuses, lock = [], {}, threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], {}
        turn, due = 0, time.time() + rng.uniform(0, interval or 0)
        while time.time() < deadline:
            board_id, token, etag, last_modified, sha = boards[rng.randrange(len(boards))]
            phase_ = phase
            if phase == "fleet":
                time.sleep(max(0.0, due - time.time()))
                due += interval
                phase_, turn = ("poll 304", "heartbeat")[turn % 2], turn + 1
            headers = {"Host": HOST, "Authorization": f"Bearer {token}"}
            if phase_ == "poll 304":
                path, headers["If-None-Match"] = f"/api/boards/v1/{board_id}/playlist.json", etag
            elif phase_ == "poll IMS 304":
                path, headers["If-Modified-Since"] = f"/api/boards/v1/{board_id}/playlist.smil", last_modified
            elif phase_ == "full JSON":
                path = f"/api/boards/v1/{board_id}/playlist.json"
            elif phase_ == "full SMIL":
                path = f"/api/boards/v1/{board_id}/playlist.smil"
            elif phase_ == "heartbeat":
                path = f"/api/boards/v1/{board_id}/heartbeat"
                headers["Content-Type"] = "application/json"
            else:
                path, headers = f"/api/boards/v1/media/{sha}.png", {"Host": HOST, "Range": "bytes=0-4095"}
            method = "POST" if phase_ == "heartbeat" else "GET"
            body = HEARTBEAT_BODY if phase_ == "heartbeat" else None
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = "conn-error"
            mine.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, statuses


EXPECTED = {
    "poll 304": 304,
    "poll IMS 304": 304,
    "full JSON": 200,
    "full SMIL": 200,
    "media range": 206,
    "heartbeat": 200,
    "fleet": (304, 200),
}
# What the reference player sends after each poll (same version each time: the history keeps one an hour).
HEARTBEAT_BODY = json.dumps(
    {
        "version": 1,
        "playing": "media:0",
        "cache_bytes": 1234567,
        "free_bytes": 9876543210,
        "uptime_s": 3600,
        "errors": [],
        "player": {"name": "tincoso-player", "version": "1"},
    }
)


def run_phase(port, phase, boards, clients, threads, seconds, fleet_rate=0.0):
    deadline = time.time() + seconds
    interval = clients * threads / fleet_rate if phase == "fleet" else 0
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_client, [(port, phase, boards, threads, deadline, n, interval) for n in range(clients)])
    wall = time.perf_counter() - t0
    latencies = sorted(x for r in results for x in r[0])
    statuses = {}
    for _l, s in results:
        for k, v in s.items():
            statuses[k] = statuses.get(k, 0) + v
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    expected = EXPECTED[phase] if isinstance(EXPECTED[phase], tuple) else (EXPECTED[phase],)
    other = {k: v for k, v in statuses.items() if k not in expected}
    label = f"fleet ({fleet_rate:.0f}/s)" if phase == "fleet" else phase
    return (
        label,
        "/".join(map(str, expected)),
        len(latencies),
        f"{len(latencies) / wall:.0f}",
        f"{statistics.median(latencies) * 1000:.1f}",
        f"{p99 * 1000:.1f}",
        other or "-",
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--boards", type=int, default=1000)
    p.add_argument("--items", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10, help="per phase (at most 20)")
    p.add_argument("--clients", type=int, default=2, help="client processes")
    p.add_argument("--threads", type=int, default=4, help="keep-alive connections per client process")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--server-threads", type=int, default=4)
    p.add_argument("--cache-seconds", type=int, default=0, help="BOARDS_API_CACHE_SECONDS (0 to 5)")
    a = p.parse_args()
    a.seconds = min(a.seconds, 20)

    c.setup_paths()
    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-player-"))
    db_url = c.sqlite_url(tmp / "db.sqlite3")
    port = _port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SITE_PORT": str(port),
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "BOARDS_API_CACHE_SECONDS": str(a.cache_seconds),
        "DJANGO_SETTINGS_MODULE": "tincoso.settings",
        "PYTHONPATH": str(c.REPO / "site"),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("SECRET_KEY", None)
    env.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE")})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    t0 = time.perf_counter()
    boards = seed(a.boards, a.items, str(tmp / "media"))
    seeded = time.perf_counter() - t0
    connection.close()
    # The server reads BOARDS_API_CACHE_SECONDS from its settings; pass it through a tiny settings module.
    (tmp / "bench_settings.py").write_text(
        "from tincoso.settings import *  # noqa: F403\n"
        f"BOARDS_API_CACHE_SECONDS = {a.cache_seconds}\nMEDIA_ROOT = {str(tmp / 'media')!r}\n"
    )
    env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    env["PYTHONPATH"] = f"{tmp}:{c.REPO / 'site'}:{c.REPO}"
    cmd = [
        str(Path(c.PYTHON).parent / "gunicorn"),
        "tincoso.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "--workers",
        str(a.workers),
        "--threads",
        str(a.server_threads),
        "--chdir",
        str(c.REPO / "site"),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(cmd, env=env, cwd=c.REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        board_id, token = boards[0][0], boards[0][1]
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/boards/v1/{board_id}/playlist.json",
                    headers={"Host": HOST, "Authorization": f"Bearer {token}"},
                )
                urllib.request.urlopen(request, timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start:\n" + (tmp / "server.log").read_text()[-3000:])
                time.sleep(0.3)
        print(machine_line(connection=connection))
        print(
            f"database: SQLite (WAL); server: gunicorn {a.workers} workers × {a.server_threads} threads; "
            f"clients: {a.clients} processes × {a.threads} keep-alive connections, same machine; "
            f"{a.boards} boards × {a.items} items (seeded in {seeded:.1f} s); "
            f"BOARDS_API_CACHE_SECONDS={a.cache_seconds}; {a.seconds:.0f} s per phase"
        )
        fleet_rate = 2 * a.boards / 60  # every board polls (304) and sends a heartbeat once a minute
        rows = [run_phase(port, phase, boards, a.clients, a.threads, a.seconds, fleet_rate) for phase in EXPECTED]
        print(c.table(["phase", "status", "requests", "req/s", "p50 ms", "p99 ms", "unexpected"], rows))
        print(f"(10,000 boards polling every 60 s = 167 req/s; settings media root {settings.MEDIA_ROOT})")
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
