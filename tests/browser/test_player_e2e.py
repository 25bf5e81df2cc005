"""The reference player against the real server on loopback, as a separate process: it pairs
with a token, downloads and verifies the playlist, reports a heartbeat and its plays; a new
announcement reaches it on the next poll; a revoked token leaves it playing its cache."""

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

SETUP = """
from areas.models import CommuneHomePage
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29281")  # Tân An: no other test publishes there
board, _ = Board.objects.get_or_create(owner=home, name="Bảng LED thử đầu phát", defaults={"width": 384, "height": 192})
index = AnnouncementIndexPage.objects.child_of(home).get()
if not AnnouncementPage.objects.child_of(index).filter(slug="thong-bao-cho-dau-phat").exists():
    page = AnnouncementPage(title="Thông báo cho đầu phát", slug="thong-bao-cho-dau-phat", summary="Thử đầu phát.")
    index.add_child(instance=page)
    page.save_revision().publish()
rebuild(board)
print(board.pk, issue_token(board))
"""


def _shell(live_site, code):
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def _player(live_site, board, token, cache):
    """The player as an operator starts it; with board=None, the token alone (the issue's command line)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            f"http://127.0.0.1:{live_site.port}",
            *(["--board", board] if board else []),
            f"--token={token}",
            "--cache",
            str(cache),
            "--once",
            "--timeout",
            "20",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reference_player_against_the_real_server(live_site, tmp_path):
    board, token = _shell(live_site, SETUP).split()
    cache = tmp_path / "player"
    first = _player(live_site, None, token, cache)  # --server, --token, --cache: the board is asked for
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads((cache / "board.json").read_text())["board"] == int(board)
    held = json.loads((cache / "playlist.json").read_text())
    assert [i["title"] for i in held["items"]] == ["Thông báo cho đầu phát"]
    assert all((cache / "files" / i["sha256"]).stat().st_size == i["bytes"] for i in held["items"])
    seen = _shell(
        live_site,
        f"from boards.models import BoardStatus; s = BoardStatus.objects.filter(board_id={board}).first(); print(bool(s and s.last_seen_at))",
    )
    assert seen == "True"

    # A new announcement: the board is rebuilt and the next poll brings it.
    _shell(
        live_site,
        f"""
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from areas.models import CommuneHomePage
from boards.models import Board
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29281")  # Tân An: no other test publishes there
index = AnnouncementIndexPage.objects.child_of(home).get()
page = AnnouncementPage(title="Thông báo mới nhất cho đầu phát", summary="Bản mới.")
index.add_child(instance=page)
page.save_revision().publish()
rebuild(Board.objects.get(pk={board}))
print("ok")
""",
    )
    second = _player(live_site, board, token, cache)
    assert second.returncode == 0, second.stdout + second.stderr
    titles = [i["title"] for i in json.loads((cache / "playlist.json").read_text())["items"]]
    assert "Thông báo mới nhất cho đầu phát" in titles

    # Revoked: the player still holds its playlist (exit 0) and says why it could not refresh.
    _shell(
        live_site,
        f"from boards.models import Board; from boards.api import revoke_token; revoke_token(Board.objects.get(pk={board})); print('ok')",
    )
    third = _player(live_site, board, token, cache)
    assert third.returncode == 0
    assert "token" in (third.stdout + third.stderr).lower()
    assert [i["title"] for i in json.loads((cache / "playlist.json").read_text())["items"]] == titles


def test_a_corrupted_download_is_refused_and_fetched_again(live_site, tmp_path):
    from pathlib import Path

    board, token = _shell(live_site, SETUP).split()
    path = _shell(
        live_site,
        (
            f"from boards.models import PlaylistVersion, RenderedFile; v = PlaylistVersion.objects.filter(board_id={board})"
            ".order_by('-number').first(); print(RenderedFile.objects.get(sha256=v.items[0]['sha256']).path)"
        ),
    )
    on_disk = Path(live_site.env["MEDIA_ROOT"]) / path
    good = on_disk.read_bytes()
    cache = tmp_path / "fresh-player"
    try:
        on_disk.write_bytes(bytes(b ^ 0xFF for b in good))  # same size, wrong bytes
        refused = _player(live_site, board, token, cache)
        assert refused.returncode == 1  # nothing verified, nothing held
        assert "sha256" in (refused.stdout + refused.stderr).lower()
        assert not (cache / "playlist.json").exists()
    finally:
        on_disk.write_bytes(good)
    fetched = _player(live_site, board, token, cache)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    item = json.loads((cache / "playlist.json").read_text())["items"][0]
    assert (cache / "files" / item["sha256"]).read_bytes() == good
