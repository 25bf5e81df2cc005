"""The reference player as a long-running process against a real server and a real task worker:
a published announcement reaches it within one refresh interval of its new playlist version;
with the server stopped it keeps playing and buffers its reports; when the server is back it
delivers them."""

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT, _free_port

pytestmark = pytest.mark.browser

REFRESH = 4  # seconds between the player's polls (set on the board; the admin allows 30 and more)

SETUP = f"""
from areas.models import CommuneHomePage
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29284")  # Tân Bình: no other test publishes there
index = AnnouncementIndexPage.objects.child_of(home).get()
first = AnnouncementPage(title="Thông báo đầu tiên của bảng thử mất mạng", summary="Có sẵn trước khi đầu phát chạy.")
index.add_child(instance=first)
first.save_revision().publish()
board = Board.objects.create(owner=home, name="Bảng LED thử mất mạng", width=192, height=96)
Board.objects.filter(pk=board.pk).update(refresh_seconds={REFRESH})
board.refresh_from_db()
rebuild(board)
print(board.pk, issue_token(board))
"""

PUBLISH = """
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from areas.models import CommuneHomePage
home = CommuneHomePage.objects.get(structure="2024", code="29284")  # Tân Bình: no other test publishes there
index = AnnouncementIndexPage.objects.child_of(home).get()
page = AnnouncementPage(title="Thông báo khẩn cho đầu phát chạy liên tục", summary="Đến đầu phát qua hàng đợi.",
                        priority="emergency")
index.add_child(instance=page)
page.save_revision().publish()
print(page.pk)
"""


def _shell(live_site, code):
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def _serve(live_site, port, log):
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env={**live_site.env, "SITE_PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2)
            return server
        except OSError:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.2)


def _stop(*processes):
    """Terminate, then wait (kill what does not stop)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(condition, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


def _items(cache):
    try:
        return json.loads((cache / "playlist.json").read_text())["items"]
    except (OSError, ValueError, KeyError):
        return []


def test_player_follows_publishing_and_survives_the_server_going_away(live_site, tmp_path):
    board, token = _shell(live_site, SETUP).split()
    port = _free_port()
    cache = tmp_path / "player"
    logs = open(tmp_path / "processes.log", "w")
    server = _serve(live_site, port, logs)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=live_site.env, stdout=logs, stderr=subprocess.STDOUT
    )
    player = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            f"http://127.0.0.1:{port}",
            "--board",
            board,
            f"--token={token}",
            "--cache",
            str(cache),
            "--timeout",
            "5",
        ],
        cwd=ROOT,
        stdout=logs,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait(lambda: _items(cache), 30), "the player never held a playlist"

        # Publish: the worker builds a new version; the player holds it within one refresh interval.
        page_id = _shell(live_site, PUBLISH)
        key = f"announcement:{page_id}"
        version_at = _wait(
            lambda: (
                _shell(
                    live_site,
                    (
                        f"from boards.models import PlaylistVersion; v = PlaylistVersion.objects.filter(board_id={board})"
                        ".order_by('-number').first(); print(any(i['id'] == '" + key + "' for i in v.items))"
                    ),
                )
                == "True"
                and time.monotonic()
            ),
            60,
            step=0.5,
        )
        assert version_at, "the worker did not rebuild the board"
        held_at = _wait(lambda: any(i["id"] == key for i in _items(cache)) and time.monotonic(), REFRESH * 3)
        assert held_at, "the player did not pick up the new version"
        assert held_at - version_at <= REFRESH * 1.1 + 2  # one interval (+ jitter, + our own polling)

        # The server goes away: the player keeps its playlist and frame, and buffers its reports.
        server.terminate()
        server.wait(timeout=20)
        time.sleep(REFRESH * 2.5)
        assert player.poll() is None, "the player stopped"
        assert any(i["id"] == key for i in _items(cache))
        assert (cache / "current.png").exists()
        outbox = cache / "outbox"
        assert _wait(lambda: outbox.exists() and any(outbox.iterdir()), REFRESH * 2), "nothing was buffered"
        plays_before = int(
            _shell(
                live_site,
                f"from boards.models import PlayRecord; print(PlayRecord.objects.filter(board_id={board}).count())",
            )
        )

        # Back again: the outbox is delivered.
        server = _serve(live_site, port, logs)
        assert _wait(lambda: not any(outbox.iterdir()), REFRESH * 4), "the outbox was not delivered"
        plays_after = int(
            _shell(
                live_site,
                f"from boards.models import PlayRecord; print(PlayRecord.objects.filter(board_id={board}).count())",
            )
        )
        assert plays_after > plays_before
    finally:
        _stop(player, worker, server)
        logs.close()
