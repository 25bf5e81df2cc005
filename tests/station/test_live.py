"""Live broadcasts ("Phát trực tiếp", issue 16): who may broadcast where, the ticket, the admin
page, and the whole path with real parts: the live ingest (station/ingest.py, in this process,
its database work inline in the test's transaction), a real Icecast 2 (Debian's icecast2, on a
free port), the player's live code (player/live.py, reading the stream over HTTP as a cluster
does) and the recording kept as a programme in the broadcast log. The browser's side is
simulated with WebM/Opus chunks made by PyAV as MediaRecorder sends them, beeps at known
moments; tests/browser/test_live_e2e.py does it with Chromium's fake microphone."""

import asyncio
import contextlib
import json
import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from boards import channel
from boards.models import Board, BoardCommand, CommandKind, CommandState, PlayRecord
from player import live as player_live
from station import live
from station.ingest import Ingest
from station.log import describe
from station.models import Programme, ProgrammeKind, ProgrammeState
from tests.icecast_servers import binary, start_icecast
from tests.mqtt_brokers import free_port
from tests.station import live_sounds

PASSWORD = "x-Strong-pass-123"
TARGET_S = 3.0
BEEPS = [1.0, 2.0, 3.0, 4.0]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True
    settings.MQTT_URL = "mqtt://127.0.0.1:1"  # the channel "on": commands are queued (no sender here)


@pytest.fixture(scope="module")
def icecast():
    if binary() is None:
        pytest.fail("icecast2 not installed: `make test` (make browser) installs Debian's icecast2")
    server = start_icecast()
    yield server
    server.stop()


def user_of(unit, name):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    user.groups.add(unit.editors_group)
    return user


@pytest.fixture
def editor(commune):
    return user_of(commune, "bt_truc_tiep_an_truong")


@pytest.fixture
def district_editor(district):
    return user_of(district, "bt_truc_tiep_cang_long")


def cluster(owner, name="Cụm loa trung tâm"):
    return Board.objects.create(owner=owner, name=name, kind="audio", broadcast_times="06:00, 17:00")


# --- Who may broadcast where -----------------------------------------------------------------------


def test_a_commune_editor_broadcasts_to_the_communes_own_clusters_even_an_emergency(editor, commune):
    mine = [cluster(commune, "Cụm loa ấp 1"), cluster(commune, "Cụm loa ấp 2")]
    plan = live.check(editor, [b.pk for b in mine], "emergency")
    assert plan.unit.pk == commune.pk and plan.level == "commune" and plan.priority == "emergency"
    assert [b.pk for b in plan.clusters] == sorted(b.pk for b in mine)


def test_another_units_cluster_is_a_404_with_a_vietnamese_reason(editor, commune, other_commune):
    mine, theirs = cluster(commune), cluster(other_commune, "Cụm loa Đông Hải")
    with pytest.raises(live.LiveRefused) as refused:
        live.check(editor, [mine.pk, theirs.pk], "normal")
    assert refused.value.status == 404
    assert f"Không tìm thấy cụm loa số {theirs.pk}" in refused.value.message
    assert "đơn vị bạn" in refused.value.message


@pytest.mark.parametrize(
    ("ids", "priority", "status", "words"),
    [
        ([], "normal", 400, "Chọn ít nhất một cụm loa"),
        (["x"], "normal", 400, "không hợp lệ"),
        ([1], "rat-gap", 400, "Mức ưu tiên"),
    ],
)
def test_bad_choices_are_refused_in_vietnamese(editor, ids, priority, status, words):
    with pytest.raises(live.LiveRefused) as refused:
        live.check(editor, ids, priority)
    assert refused.value.status == status and words in refused.value.message


def test_a_user_of_no_unit_may_not_broadcast(commune):
    nobody = get_user_model().objects.create_user("khong-don-vi", password=PASSWORD)
    with pytest.raises(live.LiveRefused) as refused:
        live.check(nobody, [cluster(commune).pk], "normal")
    assert refused.value.status == 403


def test_a_district_speaks_for_itself_to_clusters_of_several_communes(district_editor, commune, district):
    from areas.models import CommuneHomePage

    neighbour = CommuneHomePage.objects.child_of(district).exclude(pk=commune.pk).first()
    plan = live.check(district_editor, [cluster(commune).pk, cluster(neighbour, "Cụm loa xã bên").pk], "emergency")
    assert plan.unit.pk == district.pk and plan.level == "district"


# --- The ticket -------------------------------------------------------------------------------------


def test_the_ticket_names_user_clusters_and_priority_and_expires_after_a_minute(editor, commune):
    plan = live.check(editor, [cluster(commune).pk], "normal")
    text = live.issue_ticket(editor, plan)
    body = live.read_ticket(text)
    assert body["user"] == editor.pk and body["clusters"] == [plan.clusters[0].pk] and body["priority"] == "normal"
    with pytest.raises(live.LiveRefused) as forged:
        live.read_ticket(text[:-3] + ("abc" if not text.endswith("abc") else "xyz"))
    assert forged.value.message == "Vé phát trực tiếp không hợp lệ."
    later = time.time() + live.TICKET_MAX_AGE_S + 5
    with mock.patch("django.core.signing.time.time", return_value=later), pytest.raises(live.LiveRefused) as old:
        live.read_ticket(text)
    assert "hết hạn" in old.value.message


# --- The channel's commands -----------------------------------------------------------------------


def test_live_commands_are_checked_and_a_live_end_cancels_a_live_not_yet_sent(commune):
    board = cluster(commune)
    args = {"url": "http://loa.example.vn:8000/live-1-abc.mp3", "session": "7", "priority": "emergency"}
    command = channel.send(board, CommandKind.LIVE, args)
    assert command.args["item"] == "programme:7" and command.args["level"] == "commune"
    with pytest.raises(ValueError, match="địa chỉ luồng"):
        channel.send(board, CommandKind.LIVE, {**args, "url": "file:///etc/passwd"})
    with pytest.raises(ValueError, match="mức ưu tiên"):
        channel.send(board, CommandKind.LIVE, {**args, "priority": "rat-gap"})
    with pytest.raises(ValueError, match="mã buổi phát"):
        channel.send(board, CommandKind.LIVE_END, {})
    channel.send(board, CommandKind.LIVE_END, {"session": "7"})
    command.refresh_from_db()
    assert command.state == CommandState.EXPIRED and "đã kết thúc" in command.message


def test_a_session_holds_its_programme_and_says_each_clusters_state_in_vietnamese(editor, commune):
    boards = [cluster(commune, f"Cụm loa {n}") for n in range(5)]
    ticket = live.read_ticket(live.issue_ticket(editor, live.check(editor, [b.pk for b in boards], "normal")))
    session = live.open_session(ticket)
    programme = Programme.objects.get(pk=session.programme_id)
    assert programme.kind == ProgrammeKind.LIVE and programme.state == ProgrammeState.PROCESSING
    assert programme.created_by == editor and programme.owner_id == commune.pk
    assert sorted(b.pk for b in programme.target_clusters.all()) == sorted(b.pk for b in boards)
    assert session.mount.startswith(f"/live-{programme.pk}-") and session.item == f"programme:{programme.pk}"
    live.tune_in(session, "http://127.0.0.1:8000" + session.mount)
    sent = {c.board_id: c for c in BoardCommand.objects.filter(kind=CommandKind.LIVE)}
    on_air, waiting, failed, delivered, offline = boards
    Board.objects.filter(pk__in=[on_air.pk, waiting.pk, failed.pk, delivered.pk]).update(channel_state="online")
    Board.objects.filter(pk=on_air.pk).update(channel_status={"state": "online", "playing": session.item})
    BoardCommand.objects.filter(pk=sent[waiting.pk].pk).update(
        state=CommandState.DONE, result={"on_air": False}, message="Chờ hết “Bản tin 6 giờ” rồi phát trực tiếp."
    )
    BoardCommand.objects.filter(pk=sent[failed.pk].pk).update(
        state=CommandState.FAILED, message="Không bắt được luồng phát trực tiếp: luồng trả lời HTTP 404"
    )
    BoardCommand.objects.filter(pk=sent[delivered.pk].pk).update(state=CommandState.SENT)
    Board.objects.filter(pk=offline.pk).update(channel_state="offline")
    said = {state["id"]: (state["state"], state["label"]) for state in live.cluster_states(session)}
    assert said[on_air.pk] == ("on_air", "Đang phát")
    assert said[waiting.pk] == ("waiting", "Chờ hết “Bản tin 6 giờ” rồi phát trực tiếp.")
    assert said[failed.pk] == ("failed", "Cụm loa báo lỗi: Không bắt được luồng phát trực tiếp: luồng trả lời HTTP 404")
    assert said[delivered.pk] == ("sent", "Đã gửi lệnh, chờ cụm loa")
    assert said[offline.pk] == ("offline", "Cụm loa chưa kết nối kênh thời gian thực")
    # Nothing recorded (the microphone never gave a sound): nothing is kept.
    assert live.finish(session, None) is None and not Programme.objects.filter(pk=programme.pk).exists()


# --- The admin page ----------------------------------------------------------------------------------


def test_the_page_lists_only_the_users_clusters_by_unit(client, editor, commune, other_commune):
    mine, theirs = cluster(commune, "Cụm loa ấp Cao Một"), cluster(other_commune, "Cụm loa Đông Hải")
    client.force_login(editor)
    response = client.get(reverse("station_live"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Phát trực tiếp" in text and "Bắt đầu phát" in text
    assert mine.name in text and commune.title in text
    assert theirs.name not in text
    assert "station/js/live.js" in text


def test_the_ticket_view_refuses_another_units_cluster_with_a_404(client, editor, commune, other_commune):
    theirs = cluster(other_commune, "Cụm loa Đông Hải")
    client.force_login(editor)
    response = client.post(reverse("station_live_ticket"), {"clusters": [theirs.pk], "priority": "normal"})
    assert response.status_code == 404
    assert "Không tìm thấy cụm loa" in response.json()["error"]["message"]
    response = client.post(reverse("station_live_ticket"), {"priority": "normal"})
    assert response.status_code == 400 and response.json()["error"]["message"] == "Chọn ít nhất một cụm loa để phát."
    assert client.get(reverse("station_live_ticket")).status_code == 405


def test_the_ticket_view_gives_a_ticket_and_the_ingests_address(client, editor, commune):
    mine = cluster(commune)
    client.force_login(editor)
    response = client.post(
        reverse("station_live_ticket"), {"clusters": [mine.pk], "priority": "emergency"}, HTTP_HOST="localhost:8000"
    )
    assert response.status_code == 200
    answer = response.json()
    assert live.read_ticket(answer["ticket"])["priority"] == "emergency"
    assert answer["ingest_url"] == "ws://localhost:8765/"
    assert answer["clusters"] == [{"id": mine.pk, "name": mine.name, "unit": commune.title}]


def test_staff_of_no_unit_are_refused(client, db):
    staff = get_user_model().objects.create_user("nhan-vien", password=PASSWORD, is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    # Wagtail's answer to a PermissionDenied in the admin: back to the dashboard, with its message.
    response = client.get(reverse("station_live"), follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "bạn không có quyền truy cập" in " ".join(str(m) for m in response.context["messages"])
    assert client.post(reverse("station_live_ticket"), {"clusters": [1]}).status_code == 403


# --- The whole path: ingest → Icecast (or the ingest itself) → the player → the log ----------------------


class StubPlayer:
    """What player/live.py needs of player.client.Player, headless."""

    def __init__(self, root):
        self.changed, self.stop = threading.Event(), threading.Event()
        self.lock = threading.RLock()
        self.playing = None
        self.cache = SimpleNamespace(root=Path(root))
        self.screen = SimpleNamespace()
        self.volume = None
        self.channel = None
        self.plays = []
        self.live = player_live.Live(self)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def clock(self):
        from datetime import UTC, datetime

        return datetime.now(UTC)

    def record_play(self, item, started_at, seconds):
        self.plays.append((item, started_at, seconds))

    def emergencies_due(self):
        return []

    def request_poll(self):
        pass

    def loop(self):  # the playback loop's live part (player.client.Player.play_loop)
        while not self.stop.is_set():
            if not self.live.air():
                self.changed.wait(0.2)
                self.changed.clear()

    def close(self):
        self.stop.set()
        self.thread.join(10)


def run(scenario):
    """asyncio.run(scenario(call)) in a thread of its own, while this thread (the test's, in its
    transaction) does every piece of database work the scenario hands to `call`: the ingest's,
    which runs it in worker threads in production, and the scenario's own."""
    jobs = queue.Queue()
    outcome = {}

    async def call(function, *args):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        jobs.put((function, args, loop, future))
        return await future

    def settle(future, value, error):
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(value)

    def loop_thread():
        try:
            outcome["value"] = asyncio.run(scenario(call))
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = exc
        finally:
            jobs.put(None)

    thread = threading.Thread(target=loop_thread, daemon=True)
    thread.start()
    while (job := jobs.get(timeout=120)) is not None:
        function, args, loop, future = job
        value = error = None
        try:
            value = function(*args)
        except Exception as exc:  # noqa: BLE001 - raised again where the scenario awaits it
            error = exc
        loop.call_soon_threadsafe(settle, future, value, error)
    thread.join(30)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _ingest(call, **options):
    port = free_port()
    ingest = await Ingest(call=call, **options).start("127.0.0.1", port)
    return ingest, f"ws://127.0.0.1:{port}/"


async def _speak(ws, chunks, slice_s=0.1, until=None):
    """Send the chunks in real time, as MediaRecorder would: chunk k once its audio is complete.
    Returns the moment (unix time) the audio began."""
    begun = time.time()
    for k, chunk in enumerate(chunks):
        if until is not None and k >= until:
            break
        await asyncio.sleep(max(0.0, begun + (k + 1) * slice_s - time.time()))
        await ws.send(chunk)
    return begun


async def _drain(ws):
    """Messages until the ingest closes: the last "ended" (or None)."""
    ended = None
    try:
        async for message in ws:
            data = json.loads(message)
            if data["type"] == "ended":
                ended = data
    except ConnectionClosed:
        pass
    return ended


def _tune(player, board):
    """What the channel does with the `live` command the ingest queued for `board`: the sender
    publishes it, the player's channel hands it to player/live.py (in a thread of its own)."""
    command = BoardCommand.objects.get(board=board, kind=CommandKind.LIVE)
    channel.mark_sent([command])
    result = {}

    def run():
        result["ack"] = player.live.tune(command.args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return command, thread, result


def _end_from_channel(player, board):
    command = BoardCommand.objects.filter(board=board, kind=CommandKind.LIVE_END).first()
    assert command is not None, "no live_end was queued for the cluster"
    return player.live.end(command.args["session"])


@pytest.mark.parametrize("fan_out", ["icecast", "embedded"])
def test_a_broadcast_reaches_a_cluster_within_the_target_and_is_kept_in_the_log(
    fan_out, request, editor, commune, tmp_path
):
    board = cluster(commune, "Cụm loa ấp Cao Một")
    plan = live.check(editor, [board.pk], "normal")
    ticket = live.issue_ticket(editor, plan)
    chunks = live_sounds.webm_chunks(live_sounds.beeps(5.0, BEEPS))
    player = StubPlayer(tmp_path / "player")
    if fan_out == "icecast":
        server = request.getfixturevalue("icecast")
        options = {"icecast_url": server.url, "public_url": server.public_url}
    else:
        options = {"listen_port": free_port()}

    async def scenario(call):
        ingest, url = await _ingest(call, recordings=tmp_path / "rec", **options)
        try:
            async with connect(url) as ws:
                await ws.send(json.dumps({"ticket": ticket}))
                ready = json.loads(await ws.recv())
                assert ready["type"] == "ready", ready
                command, tuning, acked = await call(_tune, player, board)
                assert command.args["url"] == ready["url"] and command.args["priority"] == "normal"
                begun = await _speak(ws, chunks)
                statuses = []
                await ws.send(json.dumps({"type": "end"}))
                ended = None
                async for message in ws:
                    data = json.loads(message)
                    if data["type"] == "status":
                        statuses.append(data)
                    elif data["type"] == "ended":
                        ended = data
            return ready, begun, ended, tuning, acked, statuses
        finally:
            await ingest.close()

    try:
        ready, begun, ended, tuning, acked, statuses = run(scenario)
        # Every second the page heard how the broadcast and each cluster were doing.
        assert len(statuses) >= 4 and statuses[-1]["received"] > 0
        assert [c["id"] for c in statuses[-1]["clusters"]] == [board.pk] and statuses[-1]["clusters"][0]["label"]
        tuning.join(15)
        ok, said, result = acked["ack"]
        assert ok is True and result["on_air"] is True, acked["ack"]
        ack = {"id": str(BoardCommand.objects.get(board=board, kind=CommandKind.LIVE).pk), "ok": ok, "message": said}
        channel.record_ack(board.pk, json.dumps({**ack, **result}).encode())
        (state,) = live.cluster_states(live.Session(int(ready["session"]), "", [board.pk], "", "", "", 0, ""))
        assert state["state"] == "on_air" and state["label"] == "Đang phát"
        # The players are told the broadcast is over.
        assert _end_from_channel(player, board)[0] is True
        deadline = time.monotonic() + 5
        while player.live.on_air is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert player.live.on_air is None, "the player still airs a finished broadcast"
    finally:
        player.close()

    # The cluster heard every beep, each within the target.
    data, index = player_live.recorded(tmp_path / "player", ready["session"])
    heard = live_sounds.heard(data, index)
    spoken = [begun + at for at in BEEPS]
    delays = live_sounds.delays(heard, spoken)
    assert len(delays) == len(BEEPS), (heard, spoken)
    print(f"mouth-to-speaker delays through {fan_out}:", [round(d, 3) for d in delays])
    assert max(delays) < TARGET_S, delays
    assert player.plays and player.plays[0][0] == f"programme:{ready['session']}"

    # The recording is the programme of the broadcast, ready, not to be aired again by itself.
    programme = Programme.objects.get(pk=ended["programme"])
    assert programme.kind == ProgrammeKind.LIVE and programme.state == ProgrammeState.READY, programme.message
    assert programme.title.startswith(f"Phát trực tiếp {commune.title}")
    assert 4.5 < programme.duration_s < 6.5
    assert programme.file is not None and programme.valid_until is not None
    assert list(programme.target_clusters.all()) == [board]
    # …and the cluster's proof of play shows in the broadcast log under its title.
    item, started_at, seconds = player.plays[0]
    PlayRecord.objects.create(board=board, item_id=item, started_at=started_at, duration_s=seconds)
    (airing,) = describe(PlayRecord.objects.filter(board=board))
    assert airing.title == programme.title and airing.kind == "Phát trực tiếp" and airing.source == commune.title


def test_a_dropped_browser_ends_the_session_and_keeps_what_aired(editor, commune, icecast, tmp_path):
    board = cluster(commune)
    ticket = live.issue_ticket(editor, live.check(editor, [board.pk], "emergency"))
    chunks = live_sounds.webm_chunks(live_sounds.beeps(4.0, [0.5, 1.5]))

    async def scenario(call):
        ingest, url = await _ingest(call, icecast_url=icecast.url, public_url=icecast.public_url, recordings=tmp_path)
        try:
            ws = await connect(url)
            await ws.send(json.dumps({"ticket": ticket}))
            ready = json.loads(await ws.recv())
            await _speak(ws, chunks, until=25)  # 2.5 s, then the tab is gone
            ws.transport.abort()  # no close frame: as a crashed tab or a dead network
            for _ in range(200):
                if not ingest.sessions:
                    break
                await asyncio.sleep(0.05)
            return ready, ingest.sessions
        finally:
            await ingest.close()

    ready, left = run(scenario)
    assert left == 0, "the session did not end with the browser"
    programme = Programme.objects.get(pk=int(ready["session"]))
    assert programme.state == ProgrammeState.READY and 2.0 < programme.duration_s < 3.5
    assert programme.priority == "emergency"
    assert "mất kết nối" in programme.message
    live_end = BoardCommand.objects.filter(board=board, kind=CommandKind.LIVE)
    assert live_end.get().state == CommandState.EXPIRED  # never sent (no sender here): cancelled


@pytest.mark.parametrize(
    ("ticket", "words"),
    [
        ("not-a-ticket", "không hợp lệ"),
        (None, "Thiếu vé"),
    ],
)
def test_a_forged_or_missing_ticket_is_refused_in_vietnamese(ticket, words, tmp_path, db):
    async def scenario(call):
        ingest, url = await _ingest(call, listen_port=free_port(), recordings=tmp_path)
        try:
            async with connect(url) as ws:
                await ws.send(json.dumps({"ticket": ticket}))
                answer = json.loads(await ws.recv())
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
            return answer
        finally:
            await ingest.close()

    answer = run(scenario)
    assert answer["type"] == "error" and words in answer["message"]
    assert not Programme.objects.filter(kind=ProgrammeKind.LIVE).exists()


def test_an_expired_or_reused_ticket_and_rights_lost_meanwhile_are_refused(editor, commune, tmp_path):
    board = cluster(commune)
    ticket = live.issue_ticket(editor, live.check(editor, [board.pk], "normal"))
    chunks = live_sounds.webm_chunks(live_sounds.beeps(1.0, []))

    async def attempt(ingest, url, text):
        async with connect(url) as ws:
            await ws.send(json.dumps({"ticket": text}))
            answer = json.loads(await ws.recv())
            if answer["type"] == "ready":
                await _speak(ws, chunks)
                await ws.send(json.dumps({"type": "end"}))
                await _drain(ws)
            return answer

    def another():
        return live.issue_ticket(editor, live.check(editor, [board.pk], "normal"))

    async def scenario(call):
        ingest, url = await _ingest(call, listen_port=free_port(), recordings=tmp_path)
        try:
            first = await attempt(ingest, url, ticket)
            again = await attempt(ingest, url, ticket)
            later = time.time() + live.TICKET_MAX_AGE_S + 5
            fresh = await call(another)
            with mock.patch("django.core.signing.time.time", return_value=later):
                expired = await attempt(ingest, url, fresh)
            other = await call(another)
            await call(editor.groups.clear)  # no longer the commune's editor
            lost = await attempt(ingest, url, other)
            return first, again, expired, lost
        finally:
            await ingest.close()

    first, again, expired, lost = run(scenario)
    assert first["type"] == "ready"
    assert again["type"] == "error" and "đã được dùng" in again["message"]
    assert expired["type"] == "error" and "hết hạn" in expired["message"]
    assert lost["type"] == "error" and "không thuộc đơn vị nào" in lost["message"]


def test_what_is_not_webm_ends_the_session_with_a_reason(editor, commune, tmp_path):
    board = cluster(commune)
    ticket = live.issue_ticket(editor, live.check(editor, [board.pk], "normal"))

    async def scenario(call):
        ingest, url = await _ingest(call, listen_port=free_port(), recordings=tmp_path)
        try:
            async with connect(url) as ws:
                await ws.send(json.dumps({"ticket": ticket}))
                assert json.loads(await ws.recv())["type"] == "ready"
                with contextlib.suppress(ConnectionClosed):  # the ingest gives up at once
                    for _ in range(5):
                        await ws.send(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(2000))
                        await asyncio.sleep(0.1)
                return await _drain(ws)
        finally:
            await ingest.close()

    ended = run(scenario)
    assert ended is not None and "không đọc được" in ended["message"]
    assert ended["programme"] is None  # nothing aired, nothing kept
    assert not Programme.objects.filter(kind=ProgrammeKind.LIVE).exists()
