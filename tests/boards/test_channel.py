"""The real-time channel, server side (boards/broker.py, boards/channel.py, boards/sender.py),
against real brokers: the project's own Mosquitto and the embedded amqtt one. A paho client
stands in for a player here (tests/player/test_channel.py runs the reference player itself).

What an operator would see: a new version reaches the board's command topic within seconds of
publishing; the board shows online within seconds of connecting and offline within seconds of
its player dying; a revoked token cuts the channel; another board's credentials neither read
this board's commands nor pass for its status; a broker that goes away and comes back costs
nothing but time; bad messages are refused with a reason and nothing else changes."""

import datetime
import json
import queue
import shutil
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from boards import broker as broker_files
from boards import channel
from boards.api import issue_token, revoke_token
from boards.models import Board, BoardCommand, BoardEvent, ChannelLink, CommandKind, CommandState
from boards.monitoring import OFFLINE, ONLINE, board_state, channel_trusted, check_boards
from boards.publishing import rebuild
from boards.sender import Sender
from tests.factories import announcement
from tests.mqtt_brokers import KINDS, start_broker

SERVER_PASSWORD = "mat-khau-may-chu-mqtt"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


@pytest.fixture(params=KINDS)
def broker(request, tmp_path, settings):
    running = start_broker(request.param, tmp_path / "broker", server_password=SERVER_PASSWORD)
    settings.MQTT_URL = settings.MQTT_PUBLIC_URL = running.url
    settings.MQTT_PREFIX = "tincoso"
    settings.MQTT_SERVER_PASSWORD = SERVER_PASSWORD
    settings.MQTT_BROKER_DIR = running.dir
    settings.MQTT_BROKER_PID_FILE = ""
    yield running
    running.close()


@pytest.fixture
def sender(broker):
    created = Sender(broker.url, on_transition=lambda board_id, state: check_boards(board_ids=[board_id]))
    created.start()
    yield created
    created.close()


def pump(sender, condition, timeout=5.0):
    """Run the sender's loop (as `manage.py mqtt_sender` does) until `condition()`; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        sender.step()
        if condition():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")


class Player:
    """A paho client with a board's credentials, as a player connects (Last Will included)."""

    def __init__(self, broker, board_id, password, will=True, session=None, client_id=None):
        self.messages = queue.Queue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"tincoso-board-{board_id}-test",
            protocol=mqtt.MQTTv311,
        )
        self.client.username_pw_set(str(board_id), password)
        self.topic = f"tincoso/boards/{board_id}"
        self.session = session
        if will:
            body = {"state": "offline", **({"session": session} if session else {})}
            self.client.will_set(f"{self.topic}/status", json.dumps(body).encode(), qos=1, retain=True)
        self.refused = None
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda client, userdata, message: self.messages.put(message)
        self.connected = False
        self.client.connect("127.0.0.1", broker.port, keepalive=10)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.refused = reason_code
            client.disconnect()
            return
        self.connected = True

    def wait_connected(self, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.connected and self.refused is None:
            time.sleep(0.02)
        return self.connected

    def subscribe(self, topic=None):
        self.client.subscribe(topic or f"{self.topic}/cmd", qos=1)
        time.sleep(0.2)

    def online(self, **fields):
        body = {"state": "online", "version": None, "power": "on", "volume": 80, **fields}
        if self.session:
            body["session"] = self.session
        self.client.publish(f"{self.topic}/status", json.dumps(body).encode(), qos=1, retain=True).wait_for_publish(5)

    def next(self, timeout=5.0):
        return self.messages.get(timeout=timeout)

    def die(self):
        """A killed player: the socket closes without DISCONNECT, so the broker sends the Will."""
        self.client.loop_stop()
        self.client.socket().close()

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def paired(commune, name="Bảng chợ An Trường"):
    board = Board.objects.create(owner=commune, name=name, width=384, height=192)
    token = issue_token(board)
    board.refresh_from_db()
    return board, token


# --- credentials and files ----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="needs Debian's mosquitto")
def test_our_hashes_and_mosquitto_passwd_agree(tmp_path):
    """The password file is Mosquitto's own format: its tool's hash checks with ours."""
    path = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(path), "17", "token-của-bảng"], check=True)
    hashed = path.read_text().strip().split(":", 1)[1]
    assert broker_files.check_password("token-của-bảng", hashed)
    assert not broker_files.check_password("token-khac", hashed)
    assert broker_files.check_password("t", broker_files.hash_password("t"))
    for malformed in ("", "$6$abc", "$7$x$y$z", "$7$101$!!$!!"):
        assert not broker_files.check_password("t", malformed)


@pytest.mark.django_db
def test_the_files_follow_the_boards(commune, tmp_path, settings):
    settings.MQTT_BROKER_DIR = tmp_path
    ours, _token = paired(commune)
    other, _ = paired(commune, "Bảng UBND xã")
    unpaired = Board.objects.create(owner=commune, name="Bảng chưa ghép", width=192, height=96)
    assert broker_files.write_files() is True
    users = [line.split(":")[0] for line in (tmp_path / "passwd").read_text().splitlines()]
    assert sorted(users) == sorted([broker_files.SERVER_USERNAME, str(ours.pk), str(other.pk)])
    assert str(unpaired.pk) not in users
    acl = (tmp_path / "acl").read_text()
    assert "pattern read tincoso/boards/%u/cmd" in acl and "pattern write tincoso/boards/%u/status" in acl
    assert broker_files.write_files() is False  # nothing changed: no reload
    before = broker_files.fingerprint()
    revoke_token(other)
    assert broker_files.fingerprint() != before
    ours.is_active = False
    ours.save()
    assert broker_files.write_files() is True
    users = [line.split(":")[0] for line in (tmp_path / "passwd").read_text().splitlines()]
    assert users == [broker_files.SERVER_USERNAME]


def test_the_acl_rule_of_the_embedded_broker_is_the_files_rule():
    allowed = broker_files.allowed
    assert allowed("17", "tincoso/boards/17/cmd", write=False, prefix="tincoso")
    assert not allowed("17", "tincoso/boards/18/cmd", write=False, prefix="tincoso")
    assert not allowed("17", "tincoso/#", write=False, prefix="tincoso")
    assert allowed("17", "tincoso/boards/17/status", write=True, prefix="tincoso")
    assert allowed("17", "tincoso/boards/17/ack", write=True, prefix="tincoso")
    assert not allowed("17", "tincoso/boards/18/status", write=True, prefix="tincoso")
    assert not allowed("17", "tincoso/boards/17/cmd", write=True, prefix="tincoso")
    assert not allowed("admin", "tincoso/boards/17/cmd", write=False, prefix="tincoso")
    assert allowed(broker_files.SERVER_USERNAME, "tincoso/boards/17/cmd", write=True, prefix="tincoso")
    assert not allowed(broker_files.SERVER_USERNAME, "other/boards/17/cmd", write=True, prefix="tincoso")


# --- the outbox ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_collect_replaces_the_pending_one_and_bad_arguments_are_refused(commune):
    board, _ = paired(commune)
    first = channel.send(board, CommandKind.COLLECT, {"version": 3})
    second = channel.send(board, CommandKind.COLLECT, {"version": 4})
    assert first.pk == second.pk and BoardCommand.objects.filter(board=board).count() == 1
    assert BoardCommand.objects.get().args == {"version": 4}
    for kind, args, message in [
        (CommandKind.VOLUME, {"level": 101}, "Âm lượng phải từ 0 đến 100."),
        ("reboot-everything", {}, "Lệnh không có"),
    ]:
        with pytest.raises(ValueError, match=message):
            channel.send(board, kind, args)
    assert BoardCommand.objects.count() == 1


@pytest.mark.django_db
def test_commands_wait_for_an_offline_board_and_expire(commune):
    board, _ = paired(commune)
    command = channel.send(board, CommandKind.SCREENSHOT)
    Board.objects.filter(pk=board.pk).update(channel_state="offline", channel_at=timezone.now())
    assert channel.due_commands() == []  # waits until the board comes back
    Board.objects.filter(pk=board.pk).update(channel_state="online")
    assert [c.pk for c in channel.due_commands()] == [command.pk]
    later = timezone.now() + channel.LIFETIME[CommandKind.SCREENSHOT]
    assert channel.due_commands(now=later) == []
    assert channel.expire_commands(now=later) == 1  # what the sender does every few seconds
    command.refresh_from_db()
    assert command.state == CommandState.EXPIRED and "hết hạn" in command.message


@pytest.mark.django_db
def test_bad_messages_are_refused_with_a_reason(commune):
    board, _ = paired(commune)
    other, _ = paired(commune, "Bảng khác")
    theirs = channel.send(other, CommandKind.SCREENSHOT)
    for payload, reason in [
        (b"not json", "JSON"),
        (b"[1, 2]", "đối tượng"),
        (b'{"state": "dancing"}', "trạng thái không hợp lệ"),
        (json.dumps({"state": "online", "x": "a" * 20_000}).encode(), "quá lớn"),
    ]:
        with pytest.raises(channel.MessageError, match=reason):
            channel.record_status(board.pk, payload)
    with pytest.raises(channel.MessageError, match="không phải của nó"):
        channel.record_ack(board.pk, json.dumps({"id": str(theirs.pk), "ok": True}).encode())
    with pytest.raises(channel.MessageError, match="không có bảng"):
        channel.record_status(999_999, b'{"state": "online"}')
    board.refresh_from_db()
    theirs.refresh_from_db()
    assert board.channel_state == "" and theirs.state == CommandState.PENDING


# --- end to end through a real broker -------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_version_reaches_the_board_in_seconds_and_the_ack_is_kept(
    commune, broker, sender, django_capture_on_commit_callbacks
):
    board, token = paired(commune)
    pump(sender, sender.connected.is_set)  # the sender also wrote the files and reloaded the broker
    player = Player(broker, board.pk, token)
    assert player.wait_connected(), f"the broker refused the board's token: {player.refused}"
    player.subscribe()
    player.online()
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_state == "online")

    announcement(commune, "Thông báo lịch tiêm chủng tháng 12", show_on_boards=True)
    published = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # the collect is queued once committed
        version, created, *_ = rebuild(board)
    assert created
    pump(sender, lambda: not player.messages.empty())
    message = json.loads(player.next().payload)
    latency = time.monotonic() - published
    assert message["cmd"] == "collect" and message["args"] == {"version": version.number}
    assert latency < 5, latency
    command = BoardCommand.objects.get(pk=message["id"])
    assert command.state == CommandState.SENT and command.attempts == 1

    ack = {"id": message["id"], "ok": True, "message": "", "version": version.number}
    player.client.publish(f"{player.topic}/ack", json.dumps(ack).encode(), qos=1).wait_for_publish(5)
    pump(sender, lambda: BoardCommand.objects.get(pk=message["id"]).state == CommandState.DONE)
    assert BoardCommand.objects.get(pk=message["id"]).result == {"version": version.number}
    player.close()


@pytest.mark.django_db
def test_presence_online_at_once_offline_within_seconds_of_a_dead_player(commune, broker, sender):
    board, token = paired(commune)
    pump(sender, sender.connected.is_set)
    assert channel_trusted()
    player = Player(broker, board.pk, token)
    assert player.wait_connected()
    player.online(version=4)
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_state == "online")
    board.refresh_from_db()
    assert board_state(board, None, timezone.now()).kind == ONLINE
    assert board.channel_status["version"] == 4

    player.die()
    took = pump(sender, lambda: Board.objects.get(pk=board.pk).channel_state == "offline", timeout=10)
    board.refresh_from_db()
    state = board_state(board, getattr(board, "status", None), timezone.now())
    assert state.kind == OFFLINE and took < 10
    # Recorded at once (the e-mail goes within the board's hours: tests/boards/test_monitoring.py).
    assert board.events.filter(kind=BoardEvent.WENT_OFFLINE).count() == 1


@pytest.mark.django_db
def test_another_boards_credentials_neither_read_nor_forge(commune, broker, sender):
    board, token = paired(commune)
    other, other_token = paired(commune, "Bảng UBND xã")
    pump(sender, sender.connected.is_set)
    ours, theirs = Player(broker, board.pk, token), Player(broker, other.pk, other_token, will=False)
    assert ours.wait_connected() and theirs.wait_connected()
    ours.subscribe()
    ours.online()
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_state == "online")
    theirs.subscribe(f"tincoso/boards/{board.pk}/cmd")  # another board's commands
    theirs.subscribe("tincoso/#")
    theirs.client.publish(
        f"tincoso/boards/{board.pk}/status", b'{"state":"offline"}', qos=1, retain=True
    ).wait_for_publish(5)
    channel.send(board, CommandKind.SCREENSHOT)
    pump(sender, lambda: not ours.messages.empty())
    time.sleep(0.5)
    sender.step()
    assert json.loads(ours.next().payload)["cmd"] == "screenshot"
    assert theirs.messages.empty(), "another board read this board's command"
    board.refresh_from_db()
    assert board.channel_state == "online", "another board passed for this board's status"
    # A token that is not the board's own does not connect at all.
    impostor = Player(broker, board.pk, other_token, will=False)
    assert not impostor.wait_connected() and impostor.refused is not None
    ours.close()
    theirs.close()


@pytest.mark.django_db
def test_revoking_the_token_cuts_the_channel(commune, broker, sender):
    board, token = paired(commune)
    pump(sender, sender.connected.is_set)
    player = Player(broker, board.pk, token)
    assert player.wait_connected()
    revoke_token(board)
    pump(sender, lambda: not player.client.is_connected(), timeout=5)
    again = Player(broker, board.pk, token, will=False)
    assert not again.wait_connected() and again.refused is not None
    player.close()


@pytest.mark.django_db
def test_the_sender_rides_out_a_broker_restart(commune, broker, sender):
    board, token = paired(commune)
    pump(sender, sender.connected.is_set)
    first = Player(broker, board.pk, token)
    assert first.wait_connected()
    first.online()
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_state == "online")
    broker.stop()
    pump(sender, lambda: not sender.connected.is_set())
    command = channel.send(board, CommandKind.VOLUME, {"level": 35})
    for _ in range(10):
        sender.step()  # nothing is lost while the broker is away
    assert BoardCommand.objects.get(pk=command.pk).state == CommandState.PENDING
    broker.start()
    pump(sender, sender.connected.is_set, timeout=20)  # paho reconnects by itself
    # Not known to be online any more (Mosquitto sends the Wills as it shuts down; amqtt does not).
    assert Board.objects.get(pk=board.pk).channel_state in ("", "offline")
    player = Player(broker, board.pk, token)
    assert player.wait_connected()
    player.subscribe()
    player.online()  # as a player does on every connect
    pump(sender, lambda: not player.messages.empty())
    assert json.loads(player.next().payload)["args"] == {"level": 35}
    player.close()
    first.close()


@pytest.mark.django_db
def test_monitoring_falls_back_to_polling_when_the_sender_is_gone(commune):
    board, _ = paired(commune)
    Board.objects.filter(pk=board.pk).update(channel_state="offline", channel_at=timezone.now())
    board.refresh_from_db()
    ChannelLink.objects.update_or_create(pk=1, defaults={"seen_at": timezone.now(), "connected": True})
    assert board_state(board, None, timezone.now()).kind == OFFLINE
    ChannelLink.objects.filter(pk=1).update(seen_at=timezone.now() - datetime.timedelta(minutes=1))
    assert not channel_trusted()
    assert board_state(board, None, timezone.now()).kind == "never"  # the poll rule alone


@pytest.mark.django_db
def test_a_late_will_of_an_earlier_connection_does_not_mark_the_board_offline(commune):
    """A player restarted: its new connection takes the client id over and the broker sends the
    old connection's Last Will after the new one's status. Each connection names its session."""
    board, _ = paired(commune)
    channel.record_status(board.pk, b'{"state": "online", "session": "phien2"}')
    with pytest.raises(channel.MessageError, match="phiên cũ"):
        channel.record_status(board.pk, b'{"state": "offline", "session": "phien1"}')
    assert Board.objects.get(pk=board.pk).channel_state == "online"
    channel.record_status(board.pk, b'{"state": "offline", "session": "phien2"}')  # this one's end
    assert Board.objects.get(pk=board.pk).channel_state == "offline"
    channel.record_status(board.pk, b'{"state": "online", "session": "phien3"}')
    channel.record_status(board.pk, b'{"state": "offline"}')  # a player that names no session
    assert Board.objects.get(pk=board.pk).channel_state == "offline"


@pytest.mark.django_db
def test_a_restarted_player_stays_online_whatever_order_the_old_will_comes_in(commune, broker, sender):
    board, token = paired(commune)
    pump(sender, sender.connected.is_set)
    old = Player(broker, board.pk, token, session="phien1")
    assert old.wait_connected()
    old.online()
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_status.get("session") == "phien1")
    # The old process is slow to stop: the new one connects (its own client id here) before the
    # old one's goodbye ("offline", retained) goes out.
    new = Player(broker, board.pk, token, session="phien2", client_id=f"tincoso-board-{board.pk}-moi")
    assert new.wait_connected()
    new.online()
    pump(sender, lambda: Board.objects.get(pk=board.pk).channel_status.get("session") == "phien2")
    old.client.publish(
        f"tincoso/boards/{board.pk}/status", b'{"state":"offline","session":"phien1"}', qos=1, retain=True
    ).wait_for_publish(5)
    old.close()
    deadline = time.monotonic() + 3  # long enough for a late Will of the old connection
    while time.monotonic() < deadline:
        sender.step()
        time.sleep(0.05)
    board.refresh_from_db()
    assert board.channel_state == "online" and board.channel_status["session"] == "phien2"
    # The retained status (what a sender that reconnects reads) is the live one too.
    reader = Player(broker, broker_files.SERVER_USERNAME, SERVER_PASSWORD, will=False)
    reader.client.username_pw_set(broker_files.SERVER_USERNAME, SERVER_PASSWORD)
    assert reader.wait_connected()
    reader.subscribe(f"tincoso/boards/{board.pk}/status")
    retained = json.loads(reader.next().payload)
    assert retained["state"] == "online" and retained["session"] == "phien2"
    new.close()
    reader.close()
