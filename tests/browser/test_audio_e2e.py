"""Loudspeaker clusters and "Nghe thông báo" end to end, against the real server on loopback:
an audio board's playlist holds items of kind "audio" whose MP3 files decode to a plausible
length; the reference player (a separate process, headless) plays the bulletin, logs it and its
proof of play reaches the server; in Debian's chromium the announcement page's listen button
loads its audio, which the browser decodes."""

import io
import json
import re
import subprocess
import sys
import urllib.request

import av
import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser

HOST = "hieu-tu.tieu-can.tra-vinh.localhost"  # Hiếu Tử, Tiểu Cần: no other test publishes there
TITLE = "Thông báo họp dân ấp Cao Một"
SUMMARY = "Mời bà con dự họp lúc 19h ngày 5/12 tại nhà văn hoá ấp."

SETUP = f"""
from cms_pages.models import AnnouncementIndexPage, AnnouncementPage
from areas.models import CommuneHomePage
from boards.models import Board
from boards.api import issue_token
from boards.publishing import rebuild
home = CommuneHomePage.objects.get(structure="2024", code="29350")
index = AnnouncementIndexPage.objects.child_of(home).get()
page = AnnouncementPage.objects.child_of(index).filter(slug="hop-dan-ap-cao-mot").first()
if page is None:
    page = AnnouncementPage(title="{TITLE}", slug="hop-dan-ap-cao-mot", summary="{SUMMARY}")
    index.add_child(instance=page)
    page.save_revision().publish()
board, _ = Board.objects.get_or_create(owner=home, name="Cụm loa thử đầu phát", defaults={{"kind": "audio"}})
version, _c, _r, problems = rebuild(board)
assert not problems, problems
print(board.pk, issue_token(board), page.get_url_parts()[2])
"""


def _shell(live_site, code):
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def _decode(data):
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(f.samples for f in container.decode(stream)) / stream.codec_context.sample_rate


def test_loudspeakers_and_the_listen_button_end_to_end(live_site, tmp_path, browser):
    board, token, path = _shell(live_site, SETUP).split()
    server = f"http://127.0.0.1:{live_site.port}"
    request = urllib.request.Request(
        f"{server}/api/boards/v1/{board}/playlist.json", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        playlist = json.loads(response.read())
    assert playlist["board"]["kind"] == "audio" and playlist["broadcast_times"] == ["06:00", "17:00"]
    [item] = playlist["items"]
    assert item["kind"] == "audio" and item["title"] == TITLE and item["url"].endswith(".mp3")
    with urllib.request.urlopen(item["url"], timeout=30) as response:
        assert response.headers["Content-Type"] == "audio/mpeg"
        data = response.read()
    seconds = _decode(data)
    assert len(data) == item["bytes"] and seconds == pytest.approx(item["duration_s"], abs=0.01)
    assert 4 < seconds < 30  # about twenty words read at 150 a minute

    # The reference player, headless: plays it (as at a broadcast time), logs it, reports the play.
    log = tmp_path / "player.log"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            server,
            "--board",
            board,
            f"--token={token}",
            "--cache",
            str(tmp_path / "player"),
            "--once",
            "--broadcast-now",
            "--log",
            str(log),
            "--timeout",
            "20",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    logged = log.read_text("utf-8")
    assert re.search(rf"phát âm thanh: {TITLE} \(\d+\.\d s\)", logged), logged
    plays = _shell(
        live_site,
        (
            f"from boards.models import PlayRecord; print([(p.item_id, round(p.duration_s)) for p in "
            f"PlayRecord.objects.filter(board_id={board})])"
        ),
    )
    assert plays == f"[('{item['id']}', {round(item['duration_s'])})]"

    # A citizen's phone: the listen button, and the audio the browser decodes.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    phone = context.new_page()
    try:
        phone.goto(live_site.url(HOST, path))
        label = phone.get_by_role("heading", name="Nghe thông báo")
        assert label.is_visible()
        audio = phone.locator("audio.listen-player")
        assert audio.get_attribute("controls") is not None and audio.get_attribute("preload") == "none"
        src = audio.get_attribute("src")
        assert src.endswith("/nghe/")
        fetched = phone.evaluate(
            """async (src) => {
            const r = await fetch(src);
            return [r.status, r.headers.get('content-type'), r.headers.get('etag')];
        }""",
            src,
        )
        assert fetched == [200, "audio/mpeg", f'"{item["sha256"]}"']  # the loudspeakers' own file
        duration = phone.evaluate("""() => new Promise((resolve, reject) => {
            const a = document.querySelector('audio.listen-player');
            a.addEventListener('loadedmetadata', () => resolve(a.duration), {once: true});
            a.addEventListener('error', () => reject(new Error('audio error ' + (a.error && a.error.code))), {once: true});
            a.preload = 'auto';
            a.load();
        })""")
        assert duration == pytest.approx(seconds, abs=0.5)
    finally:
        context.close()
