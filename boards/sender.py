"""The server's MQTT process (`manage.py mqtt_sender`; docs/architecture.md, "Real-time channel
v1"). One loop, every POLL_S:

  1. keeps the broker's password and ACL files in step with the boards (boards/broker.py) and
     tells the broker to reload when they change;
  2. publishes the commands due in the outbox (boards/channel.py, due_commands): QoS 1, sent
     again with the same id until acked or expired;
  3. applies what players sent (statuses, Last Wills, acks), received on paho's thread and
     queued, so every database write happens here;
  4. says it is alive (ChannelLink), so monitoring trusts the channel's presence only while it is.

paho reconnects by itself after the broker goes away; subscriptions are made again on every
connect. Nothing here is called from a web request.
"""

import json
import logging
import queue
import threading
import time

import paho.mqtt.client as mqtt
from django.db import close_old_connections
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from boards import broker, channel
from boards.models import ChannelLink

log = logging.getLogger(__name__)

POLL_S = 0.1  # the outbox query is one indexed SELECT; ten a second cost nothing
SYNC_EVERY_S = 1.0
ALIVE_EVERY_S = 5.0
INBOX_MAX = 10_000
RECONNECTED = ("", b"")  # in the inbox: the statuses that follow are those of a new connection


class Sender:
    def __init__(self, url=None, *, files=True, client_id="tincoso-sender", on_transition=None):
        self.host, self.port, self.tls = channel.broker_address(url)
        self.url = url
        self.files = files  # write the broker's files (the broker runs beside this process)
        self.inbox = queue.Queue(maxsize=INBOX_MAX)
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.on_transition = on_transition
        self._fingerprint = None
        self._synced_at = self._alive_at = 0.0
        self._link_connected = None  # what ChannelLink last said of the connection
        self.stats = {"published": 0, "statuses": 0, "acks": 0, "refused": 0}
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311
        )
        self.client.username_pw_set(broker.SERVER_USERNAME, broker.server_password())
        if self.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=15)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # --- paho's thread: only queue ---------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("máy chủ MQTT từ chối kết nối của bộ gửi: %s", reason_code)
            return
        prefix = channel.prefix()
        self.inbox.put(RECONNECTED)  # before any status of this connection
        client.subscribe([(f"{prefix}/boards/+/status", 1), (f"{prefix}/boards/+/ack", 1)])
        self.connected.set()
        log.info("đã kết nối máy chủ MQTT %s:%s", self.host, self.port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if self.connected.is_set() and not self.stop.is_set():
            log.warning("mất kết nối máy chủ MQTT (%s); tự kết nối lại", reason_code)
        self.connected.clear()

    def _on_message(self, client, userdata, message):
        try:
            self.inbox.put_nowait((message.topic, bytes(message.payload)))
        except queue.Full:
            log.warning("hàng đợi tin đến đầy; bỏ tin %s", message.topic)

    # --- the loop -------------------------------------------------------------------------

    def start(self):
        self.client.connect_async(self.host, self.port, keepalive=channel.KEEPALIVE_S)
        self.client.loop_start()

    def close(self):
        self.stop.set()
        self.client.disconnect()
        self.client.loop_stop()
        ChannelLink.objects.update_or_create(pk=1, defaults={"seen_at": timezone.now(), "connected": False})

    def run(self):
        self.start()
        try:
            while not self.stop.is_set():
                try:
                    self.step()
                except Exception:  # the process keeps running; the next step retries
                    log.exception("bộ gửi MQTT: lỗi, thử lại")
                    close_old_connections()
                    time.sleep(1)
                self.stop.wait(POLL_S)
        finally:
            self.close()

    def step(self, now=None):
        clock = time.monotonic()
        if self.files and clock - self._synced_at >= SYNC_EVERY_S:
            self._synced_at = clock
            self.sync_files()
        self.drain()
        if self.connected.is_set():
            self.publish_due(now)
        connected = self.connected.is_set()
        # Every few seconds, and at once when the connection comes or goes: monitoring trusts
        # the channel's presence from the moment the sender is connected, not a beat later.
        if clock - self._alive_at >= ALIVE_EVERY_S or connected != self._link_connected:
            self._alive_at = clock
            self._link_connected = connected
            ChannelLink.objects.update_or_create(
                pk=1,
                defaults={
                    "seen_at": timezone.now(),
                    "connected": connected,
                    "broker": f"{self.host}:{self.port}",
                },
            )

    def sync_files(self):
        fingerprint = broker.fingerprint()
        if fingerprint == self._fingerprint:
            return False
        changed = broker.write_files()
        self._fingerprint = fingerprint
        if changed:
            reloaded = broker.reload_broker()
            log.info(
                "tệp mật khẩu máy chủ MQTT đã cập nhật%s", "" if reloaded else " (không tìm thấy tiến trình để nạp lại)"
            )
        return changed

    def publish_due(self, now=None):
        commands = channel.due_commands(now)
        sent = []
        for command in commands:
            info = self.client.publish(
                channel.topic(command.board_id, "cmd"), channel.command_message(command), qos=1, retain=False
            )
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                log.info("chưa gửi được lệnh %s (mã %s); thử lại", command.pk, info.rc)
                break
            sent.append(command)
        channel.mark_sent(sent, now)
        self.stats["published"] += len(sent)
        return len(sent)

    def drain(self, limit=2000):
        handled = 0
        while handled < limit:
            try:
                name, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            handled += 1
            self.handle(name, payload)
        return handled

    def handle(self, name, payload):
        if (name, payload) == RECONNECTED:
            channel.forget_presence()
            return
        parsed = channel.parse_topic(name)
        if parsed is None:
            self.stats["refused"] += 1
            log.warning("bỏ tin ở chủ đề lạ %r", name[:200])
            return
        board_id, leaf = parsed
        try:
            if leaf == "status":
                if not payload:  # a retained status cleared
                    return
                previous, state = channel.record_status(board_id, payload)
                self.stats["statuses"] += 1
                if previous != state and self.on_transition is not None:
                    self.on_transition(board_id, state)
            elif leaf == "ack":
                channel.record_ack(board_id, payload)
                self.stats["acks"] += 1
        except channel.StaleWill as exc:
            # The retained status must stay the live one: a sender that reconnects reads it.
            self.client.publish(name, json.dumps(exc.current, separators=(",", ":")), qos=1, retain=True)
            log.info("bảng %s: %s; trạng thái hiện tại được giữ lại", board_id, exc)
        except channel.MessageError as exc:
            self.stats["refused"] += 1
            log.warning("bỏ tin của bảng %s (%s): %s", board_id, leaf, exc)
