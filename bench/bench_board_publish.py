"""From publishing an announcement to the boards' new playlist version, through the task queue.

    .venv/bin/python bench/bench_board_publish.py               # SQLite, django-q2 ORM broker
    .venv/bin/python bench/bench_board_publish.py --postgres    # PostgreSQL + Redis broker
    .venv/bin/python bench/bench_board_publish.py --zoned       # the boards with zones

A throwaway database (migrated, Trà Vinh provisioned) gets, in one commune, a 1920×1080 LCD
board (images and H.264 video), a 1080×1920 portrait board and a 384×192 LED board, and a
few news and announcements. `--zoned`: the same boards divided into zones (boards/zones.py):
side column and scrolling line (its video has the line scrolling), side column, LED headline
and line. A real `manage.py qcluster` worker runs beside this process.
Each round publishes a new announcement here (Wagtail's save_revision().publish(), so the
page_published signal → transaction.on_commit → async_task path is the real one) and polls
the database until every board has a playlist version that contains it. Timed: publish() to
"all three boards have it" (median, p95, max over --rounds), plus, in-process, the
rebuild of one board by itself (compose + render the new slide + version), split by board.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line

PG_NAME = "tincoso_bench_board_publish"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--postgres", action="store_true")
    p.add_argument(
        "--zoned",
        action="store_true",
        help="zoned screens: 1920×1080 side column + line, 1080×1920 side, 384×192 LED headline + line",
    )
    a = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-boards-"))
    if a.postgres:
        c.pg_create(PG_NAME)
        db_url = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    else:
        db_url = c.sqlite_url(tmp / "db.sqlite3")
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIA_ROOT": str(tmp / "media"), "Q_WORKERS": "1"}
    env.pop("SECRET_KEY", None)
    if a.postgres:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/13"
    else:
        env.pop("REDIS_URL", None)
    # This process and the worker share settings (the development key in .secret_key signs
    # django-q2's task payloads; the broker is the same).
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "MEDIA_ROOT", "REDIS_URL")})
    os.environ.pop("SECRET_KEY", None)
    if not a.postgres:
        os.environ.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    subprocess.run(
        manage + ["provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress"],
        env=env,
        check=True,
        cwd=c.REPO,
        stdout=subprocess.DEVNULL,
    )
    worker = None
    try:
        c.setup_paths()
        os.environ.setdefault("LOG_LEVEL", "ERROR")
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from areas.models import CommuneHomePage
        from boards.models import Board, PlaylistVersion
        from boards.publishing import rebuild
        from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
        from tests.factories import announcement, news

        commune = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
        boards = [
            Board.objects.create(
                owner=commune, name="Sảnh", width=1920, height=1080, output="both", default_slide_seconds=8
            ),
            Board.objects.create(owner=commune, name="Một cửa", width=1080, height=1920),
            Board.objects.create(owner=commune, name="LED cổng", width=384, height=192, kind="led"),
        ]
        if a.zoned:
            for b, layout in zip(boards, ("side_ticker", "side", "led_scroll")):
                b.layout = layout
                b.save()
        for n in range(3):
            news(commune, f"Tin hoạt động số {n + 1} của xã An Trường")
            announcement(commune, f"Thông báo lịch tiếp dân tuần {n + 1}")
        for board in boards:
            rebuild(board)
        print(machine_line(connection=connection))
        print(
            f"database: {'PostgreSQL + Redis broker' if a.postgres else 'SQLite + django-q2 ORM broker'}; "
            f"boards: 1920×1080 (images + video), 1080×1920, 384×192"
            + (" with zones (side_ticker, side, led_scroll)" if a.zoned else " full screen")
        )

        log = open(tmp / "qcluster.log", "w")
        worker = subprocess.Popen(manage + ["qcluster"], env=env, cwd=c.REPO, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(4)  # the cluster's start-up, not part of any timing

        index = AnnouncementIndexPage.objects.child_of(commune).get()
        latencies = []
        per_board_latency = {b.name: [] for b in boards}
        for n in range(a.rounds):
            page = AnnouncementPage(
                title=f"Thông báo khẩn số {n + 1}: lịch cắt điện ngày mai",
                summary="Cắt điện từ 7 giờ đến 11 giờ.",
                valid_from=timezone.now(),
                priority="priority",
            )
            index.add_child(instance=page)
            t0 = time.perf_counter()
            page.save_revision().publish()
            key = f"announcement:{page.pk}"
            seen = {}
            while True:
                for b in boards:
                    v = PlaylistVersion.objects.filter(board=b).order_by("-number").first()
                    if b.name not in seen and v and any(i["id"] == key for i in v.items):
                        seen[b.name] = time.perf_counter() - t0
                if len(seen) == len(boards):
                    break
                if time.perf_counter() - t0 > 120:
                    raise SystemExit(
                        "no new playlist after 120 s; worker log:\n" + (tmp / "qcluster.log").read_text()[-3000:]
                    )
                time.sleep(0.02)
            latencies.append(time.perf_counter() - t0)
            for name, value in seen.items():
                per_board_latency[name].append(value)
        worker.terminate()
        worker.wait(timeout=30)
        worker = None

        rows = [
            (
                "publish → all 3 boards have the new version",
                f"{statistics.median(latencies):.2f}",
                f"{sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)]:.2f}",
                f"{max(latencies):.2f}",
            )
        ]
        for b in boards:
            values = sorted(per_board_latency[b.name])
            rows.append(
                (
                    f"publish → {b.width}×{b.height}{' + video' if b.wants_video else ''} has it",
                    f"{statistics.median(values):.2f}",
                    f"{values[max(0, round(0.95 * len(values)) - 1)]:.2f}",
                    f"{max(values):.2f}",
                )
            )
        # The rebuild itself, per board, in this process: one more announcement each time.
        per_board = {b.name: [] for b in boards}
        for n in range(3):
            page = AnnouncementPage(
                title=f"Thông báo đo thời gian dựng {n + 1}", summary="Đo thời gian.", valid_from=timezone.now()
            )
            index.add_child(instance=page)
            page.save_revision()
            AnnouncementPage.objects.filter(pk=page.pk).update(live=True)
            for b in boards:
                t0 = time.perf_counter()
                rebuild(b)
                per_board[b.name].append(time.perf_counter() - t0)
        for b in boards:
            values = per_board[b.name]
            rows.append(
                (
                    f"rebuild {b.width}×{b.height}{' + video' if b.wants_video else ''} (in process)",
                    f"{statistics.median(values):.2f}",
                    "",
                    f"{max(values):.2f}",
                )
            )
        print(f"\n{a.rounds} rounds; seconds")
        print(c.table(["step", "median s", "p95 s", "max s"], rows))
    finally:
        if worker is not None:
            worker.terminate()
        if a.postgres:
            from django.db import connections

            connections.close_all()
            c.pg_drop(PG_NAME)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
