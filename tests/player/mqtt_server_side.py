"""The server's end of the real-time channel, for the player's tests: a paho client logged in as
the server's user (``tincoso-server``), as ``manage.py mqtt_sender`` is. It sends commands to a
board and records what the board publishes (status, acks), with the time each arrived."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

SERVER_USERNAME = "tincoso-server"


@dataclass
class Seen:
    at: float  # time.monotonic() when it arrived
    leaf: str  # "status" | "ack"
    body: dict
    retain: bool


def iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ServerSide:
    def __init__(self, port, password, board="7", prefix="tincoso"):
        self.base = f"{prefix}/boards/{board}/"
        self.seen = []
        self.cond = threading.Condition()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-server-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311
        )
        self.client.username_pw_set(SERVER_USERNAME, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()
        assert self.subscribed.wait(10), "the server's client could not subscribe"

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if not reason_code.is_failure:
            client.subscribe([(self.base + "status", 1), (self.base + "ack", 1)])

    def _on_message(self, client, userdata, message):
        try:
            body = json.loads(message.payload.decode("utf-8"))
        except ValueError:
            body = {"unreadable": message.payload.decode("utf-8", "replace")}
        seen = Seen(time.monotonic(), message.topic.rsplit("/", 1)[-1], body, bool(message.retain))
        with self.cond:
            self.seen.append(seen)
            self.cond.notify_all()

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()

    # sending ----------------------------------------------------------------------------------
    def send(self, cmd, args=None, command_id=None, expires_in=600, **extra):
        """Publish a command as the sender does; returns (its id, time.monotonic() at sending)."""
        command_id = command_id or str(uuid.uuid4())
        now = datetime.now(UTC)
        body = {
            "id": command_id,
            "cmd": cmd,
            "args": args or {},
            "sent_at": iso(now),
            "expires_at": iso(now + timedelta(seconds=expires_in)),
            **extra,
        }
        return command_id, self.send_raw(json.dumps(body).encode())

    def send_raw(self, payload: bytes):
        sent = time.monotonic()
        self.client.publish(self.base + "cmd", payload, qos=1).wait_for_publish(5)
        return sent

    # observing --------------------------------------------------------------------------------
    def wait(self, predicate, timeout=10.0, after=0.0, what="message"):
        """The first message arrived after ``after`` (monotonic) that ``predicate(seen)`` accepts."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for seen in self.seen:
                    if seen.at >= after and predicate(seen):
                        return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {what} within {timeout} s; seen: {[(s.leaf, s.body) for s in self.seen]}")
                self.cond.wait(remaining)

    def status(self, timeout=10.0, after=0.0, **fields):
        """The first status after ``after`` whose fields have these values."""
        return self.wait(
            lambda s: s.leaf == "status" and all(s.body.get(k) == v for k, v in fields.items()),
            timeout,
            after,
            what=f"status {fields}",
        )

    def ack(self, command_id, timeout=10.0, after=0.0):
        return self.wait(
            lambda s: s.leaf == "ack" and s.body.get("id") == command_id, timeout, after, f"ack {command_id}"
        )

    def acks(self, command_id=None):
        with self.cond:
            return [s for s in self.seen if s.leaf == "ack" and command_id in (None, s.body.get("id"))]

    def statuses(self, after=0.0):
        with self.cond:
            return [s for s in self.seen if s.leaf == "status" and s.at >= after]


def retained_status(port, password, board="7", prefix="tincoso", timeout=5.0):
    """What a newcomer subscribing to the board's status gets at once (the retained message), or None."""
    got, done = [], threading.Event()
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"test-late-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311
    )
    client.username_pw_set(SERVER_USERNAME, password)

    def on_message(client, userdata, message):
        got.append((json.loads(message.payload.decode("utf-8")), bool(message.retain)))
        done.set()

    client.on_message = on_message
    client.on_connect = lambda c, *args: c.subscribe(f"{prefix}/boards/{board}/status", 1)
    client.connect("127.0.0.1", port, keepalive=10)
    client.loop_start()
    try:
        done.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    return got[0] if got else None
