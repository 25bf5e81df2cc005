"""The embedded MQTT broker of `make run` (`manage.py mqtt_broker`): amqtt 0.12.1, pure Python,
so the README's two commands need nothing but Python. Production and CI use Mosquitto; both
read the same password file written by boards/broker.py and apply the same ACL rule
(`boards.broker.allowed`), so a player cannot tell them apart.

On SIGHUP it reads the password file again and disconnects every client whose password no
longer matches (as Mosquitto does); on SIGTERM/SIGINT it shuts down cleanly. Its pid is
written beside the files (`broker.pid`) for boards.broker.reload_broker.

amqtt 0.12.1 needs four fixes, all found by experiment (docs/architecture.md, "Real-time
channel v1"), which is why the version is pinned exactly and the patches check it:
  1. it takes over (and so drops) an existing session with the same client id BEFORE it
     authenticates the new CONNECT: anyone could cut a board off with a wrong password.
     `_PreAuthHandler` authenticates first.
  2. on every CONNECT it sends the retained messages of every filter ANY client subscribed to,
     without the ACL: a board would get every other board's status. `_Broker` sends only the
     filters the session itself holds.
  3. keep-alive is not enforced, so a silent client never times out and its Last Will never
     fires: `KeepAlive` closes a session silent for 1.5 × its keep-alive.
  4. the Last Will's topic is never checked against the ACL: `Auth` refuses a CONNECT whose
     Will is not the board's own status topic.
"""

import asyncio
import logging
import os
import signal
import time
from pathlib import Path

import amqtt
import amqtt.broker
from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import NOT_AUTHORIZED, ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin

from boards.broker import BOARD_USERNAME, SERVER_USERNAME, allowed, check_password

log = logging.getLogger(__name__)

SUPPORTED = "0.12.1"
LAST_PACKET = "tincoso.last_packet"


class Credentials:
    """The password file, read at start and on SIGHUP."""

    def __init__(self, path, prefix):
        self.path = Path(path)
        self.prefix = prefix
        self.hashes = {}
        self.load()

    def load(self):
        hashes = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            log.warning("không đọc được tệp mật khẩu %s: %s", self.path, exc)
            text = ""
        for line in text.splitlines():
            username, _, hashed = line.strip().partition(":")
            if username and hashed and not username.startswith("#"):
                hashes[username] = hashed
        self.hashes = hashes

    def check(self, username, password):
        return check_password(password, self.hashes.get(username or ""))


CREDENTIALS = None  # set by run() before the broker starts: plugins are built by amqtt


class Auth(BaseAuthPlugin):
    async def authenticate(self, *, session):
        username, password = session.username or "", session.password or ""
        if not CREDENTIALS.check(username, password):
            return False
        if session.will_flag and username != SERVER_USERNAME:  # fix 4
            if not BOARD_USERNAME.match(username) or not allowed(
                username, session.will_topic or "", write=True, prefix=CREDENTIALS.prefix
            ):
                return False
        return True


class Topics(BaseTopicPlugin):
    async def topic_filtering(self, *, session=None, topic=None, action=None):
        if session is None or topic is None:
            return False
        if action == Action.RECEIVE:  # a delivery: the subscription was checked when it was made
            return True
        return allowed(session.username or "", topic, write=action == Action.PUBLISH, prefix=CREDENTIALS.prefix)


class KeepAlive(BasePlugin):
    """Fix 3: close a session silent for 1.5 × its keep-alive; its Last Will is then published."""

    async def on_mqtt_packet_received(self, *, packet, session=None):
        if session is not None:
            session.attributes[LAST_PACKET] = time.monotonic()

    async def on_broker_client_connected(self, *, client_id, client_session):
        client_session.attributes[LAST_PACKET] = time.monotonic()

    async def on_broker_post_start(self):
        self._task = asyncio.create_task(self._watch())

    async def on_broker_pre_shutdown(self):
        self._task.cancel()

    async def _watch(self):
        broker = self.context._broker_instance
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for client_id, (session, handler) in list(broker.sessions.items()):
                last = session.attributes.get(LAST_PACKET)
                if session.transitions.is_connected() and session.keep_alive and last:
                    if now - last > 1.5 * session.keep_alive:
                        log.info("client %s silent for %.1f s: closed", client_id, now - last)
                        await handler.handle_connection_closed()


class _PreAuthHandler(BrokerProtocolHandler):
    """Fix 1: authenticate a CONNECT before amqtt touches an existing session of its client id."""

    @classmethod
    async def init_from_connect(cls, reader, writer, plugins_manager, loop=None):
        handler, session = await super().init_from_connect(reader, writer, plugins_manager, loop)
        results = [r for r in (await plugins_manager.map_plugin_auth(session=session)).values() if r is not None]
        if not results or not all(results):
            try:
                await ConnackPacket.build(0, NOT_AUTHORIZED).to_stream(writer)
                await writer.close()
            except OSError:
                pass
            raise MQTTError(f"not authorized: {session.username!r}")
        return handler, session


class _Broker(Broker):
    async def _publish_retained_messages_for_subscription(self, subscription, session):  # fix 2
        topic_filter, _qos = subscription
        if any(s.client_id == session.client_id for s, _ in self._subscriptions.get(topic_filter, [])):
            await super()._publish_retained_messages_for_subscription(subscription, session)


def _install():
    if amqtt.__version__ != SUPPORTED:
        raise RuntimeError(
            f"boards/embedded_broker.py sửa bốn lỗi của amqtt {SUPPORTED}; bản đang cài là {amqtt.__version__}. "
            "Kiểm tra lại các bản sửa rồi nâng SUPPORTED."
        )
    amqtt.broker.BrokerProtocolHandler = _PreAuthHandler  # the Broker looks it up as a module global


def config(host, port):
    plugins = {f"{__name__}.{name}": {} for name in ("Auth", "Topics", "KeepAlive")}
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}", "max_connections": 0}},
        "plugins": plugins,
    }


async def kick_revoked(broker):
    """Disconnect every client whose password no longer matches the file (no Last Will, as
    Mosquitto does on a reload). Returns their usernames."""
    kicked = []
    for _client_id, (session, handler) in list(broker.sessions.items()):
        if session.transitions.is_connected() and not CREDENTIALS.check(session.username, session.password):
            session.will_flag = False
            await handler.handle_connection_closed()
            kicked.append(session.username)
    return kicked


async def serve(host, port, directory, prefix, ready=None):
    """Run until SIGTERM/SIGINT. `ready()` is called once the listener is bound."""
    global CREDENTIALS
    _install()
    directory = Path(directory)
    CREDENTIALS = Credentials(directory / "passwd", prefix)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    logging.getLogger("amqtt").setLevel(logging.WARNING)
    broker = _Broker(config(host, port))
    await broker.start()
    pid_file = directory / "broker.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    async def reload():
        CREDENTIALS.load()
        kicked = await kick_revoked(broker)
        log.info("password file reloaded (%d users); disconnected: %s", len(CREDENTIALS.hashes), kicked or "-")

    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(reload()))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready()
    try:
        await stop.wait()
    finally:
        pid_file.unlink(missing_ok=True)
        await broker.shutdown()
