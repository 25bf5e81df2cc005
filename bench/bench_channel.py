"""The real-time channel under a fleet: N simulated players on one Mosquitto, against the real
server (gunicorn), the real sender (`manage.py mqtt_sender`) and a throwaway SQLite database.

    .venv/bin/python bench/bench_channel.py                     # 1,000 players, kill 100, refresh 300 s
    .venv/bin/python bench/bench_channel.py --players 200 --refresh 60 --kill 20

Each simulated player does what the reference player does, without drawing: connects with its
board's id and token (Last Will set), subscribes to its commands, publishes its status; on
`collect` it fetches its playlist.json over HTTP and, holding the new version, acks. One thread
drives every MQTT socket (paho's external loop), a pool of threads does the HTTP.

  Channel on
    1. emergency   a new version for every board in one transaction, a `collect` queued for each
                   (what `rebuild` does once it has rendered: rendering is bench_board_publish's),
                   then: seconds from that moment to each player holding its new version
    2. offline     --kill players die (their sockets closed without DISCONNECT): seconds from
                   then until monitoring (boards.monitoring.board_state) shows each offline
  Channel off (the sender stopped; the same players poll every --refresh s ± 10 % and send a
  heartbeat, as today)
    3. emergency   the same measure, by polling
    4. offline     the same measure, by the poll rule (1.5 × refresh)

Prints the machine, then per phase: players, median, p95 and max seconds, and the bound.
"""

import argparse
import concurrent.futures
import heapq
import http.client
import json
import os
import random
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from bench_player_api import HOST, seed
from machine import machine_line


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fleet:
    """N simulated players: their MQTT clients on one select loop, HTTP on a thread pool."""

    def __init__(self, boards, mqtt_port, http_port, prefix="tincoso", http_threads=32):
        self.boards = boards  # [(id, token, etag, ...)]
        self.http_port = http_port
        self.prefix = prefix
        self.pool = concurrent.futures.ThreadPoolExecutor(http_threads)
        self.lock = threading.Lock()
        self.held = {}  # board id -> version number held
        self.hold_at = {}  # board id -> monotonic time the awaited version was held
        self.collect_at = {}  # board id -> monotonic time its collect arrived
        self.awaited = {}
        self.clients = {}
        self.connected = set()
        self.stop = threading.Event()
        self.outgoing = []  # (client, topic, payload) published from the loop thread
        for board_id, token, *_ in boards:
            client = mqtt.Client(
                CallbackAPIVersion.VERSION2, client_id=f"bench-board-{board_id}", protocol=mqtt.MQTTv311
            )
            client.username_pw_set(str(board_id), token)
            client.will_set(f"{prefix}/boards/{board_id}/status", b'{"state":"offline"}', qos=1, retain=True)
            client.user_data_set(board_id)
            client.on_connect = self._on_connect
            client.on_message = self._on_message
            self.clients[board_id] = client
        self.tokens = {b[0]: b[1] for b in boards}
        self.mqtt_port = mqtt_port

    # --- MQTT (loop thread) ---------------------------------------------------------------
    def _on_connect(self, client, board_id, flags, reason_code, properties):
        if reason_code.is_failure:
            return
        client.subscribe(f"{self.prefix}/boards/{board_id}/cmd", qos=1)
        body = {"state": "online", "version": self.held.get(board_id, 1), "power": "on"}
        client.publish(f"{self.prefix}/boards/{board_id}/status", json.dumps(body), qos=1, retain=True)
        with self.lock:
            self.connected.add(board_id)

    def _on_message(self, client, board_id, message):
        command = json.loads(message.payload)
        if command.get("cmd") == "collect":
            self.collect_at.setdefault(board_id, time.monotonic())
            self.pool.submit(self._collect, board_id, command)

    def connect_all(self):
        for board_id, client in self.clients.items():
            client.connect("127.0.0.1", self.mqtt_port, keepalive=10)
        self.loop = threading.Thread(target=self._loop, daemon=True)
        self.loop.start()

    def _loop(self):
        """One epoll loop for every client: reads as they come, writes when paho has some,
        keep-alive housekeeping once a second (select() would stop at 1,024 descriptors)."""
        selector = selectors.DefaultSelector()
        registered = {}
        last_misc = 0.0
        while not self.stop.is_set():
            with self.lock:
                live = [cl for cl in self.clients.values() if cl.socket() is not None]
                outgoing, self.outgoing = self.outgoing, []
            for client, topic, payload in outgoing:
                client.publish(topic, payload, qos=1)
            sockets = {cl.socket(): cl for cl in live}
            for sock in list(registered):
                if sock not in sockets or sock.fileno() < 0:
                    try:
                        selector.unregister(sock)
                    except (KeyError, ValueError, OSError):
                        pass
                    del registered[sock]
            for sock, client in sockets.items():
                if sock not in registered:
                    selector.register(sock, selectors.EVENT_READ, client)
                    registered[sock] = client
            for key, _events in selector.select(0.02):
                key.data.loop_read()
            for client in live:
                if client.want_write():
                    client.loop_write()
            now = time.monotonic()
            if now - last_misc >= 1.0:
                last_misc = now
                for client in live:
                    client.loop_misc()

    # --- HTTP (pool threads) --------------------------------------------------------------
    def _get_playlist(self, board_id):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            conn.request(
                "GET",
                f"/api/boards/v1/{board_id}/playlist.json",
                headers={"Host": HOST, "Authorization": f"Bearer {self.tokens[board_id]}"},
            )
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}: {body[:200]!r}")
            return json.loads(body)["version"]
        finally:
            conn.close()

    def _heartbeat(self, board_id):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            body = json.dumps({"version": self.held.get(board_id), "player": {"name": "bench", "version": "1"}})
            conn.request(
                "POST",
                f"/api/boards/v1/{board_id}/heartbeat",
                body=body,
                headers={
                    "Host": HOST,
                    "Authorization": f"Bearer {self.tokens[board_id]}",
                    "Content-Type": "application/json",
                },
            )
            conn.getresponse().read()
        finally:
            conn.close()

    def _note(self, board_id, version):
        now = time.monotonic()
        with self.lock:
            self.held[board_id] = version
            if version is not None and version >= self.awaited.get(board_id, 1 << 62):
                self.hold_at.setdefault(board_id, now)

    def _collect(self, board_id, command):
        try:
            version = self._get_playlist(board_id)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            print(f"board {board_id}: {exc!r}", file=sys.stderr)
            return
        self._note(board_id, version)
        ack = {"id": command["id"], "ok": True, "message": "", "version": version}
        with self.lock:
            self.outgoing.append((self.clients[board_id], f"{self.prefix}/boards/{board_id}/ack", json.dumps(ack)))

    def expect(self, version):
        with self.lock:
            self.awaited = dict.fromkeys(self.clients, version)
            self.hold_at = {}
            self.collect_at = {}

    def kill(self, board_ids):
        """Players that die: the socket closes without DISCONNECT, so the broker sends their Will."""
        with self.lock:
            for board_id in board_ids:
                client = self.clients.pop(board_id)
                sock = client.socket()
                if sock is not None:
                    sock.close()

    def close(self):
        self.stop.set()
        self.loop.join(5)
        self.pool.shutdown(wait=False, cancel_futures=True)

    # --- polling, as today ----------------------------------------------------------------
    def poll_forever(self, refresh, stop, alive):
        """Every alive board polls (GET + heartbeat) every refresh ± 10 %, random phase."""
        rng = random.Random(7)
        due = [(time.monotonic() + rng.uniform(0, refresh), b) for b in alive]
        heapq.heapify(due)
        while due and not stop.is_set():
            at, board_id = heapq.heappop(due)
            time.sleep(max(0.0, at - time.monotonic()))
            if stop.is_set():
                break
            if board_id in alive:
                self.pool.submit(self._poll, board_id)
                heapq.heappush(due, (at + refresh * rng.uniform(0.9, 1.1), board_id))

    def _poll(self, board_id):
        try:
            self._note(board_id, self._get_playlist(board_id))
            self._heartbeat(board_id)
        except (OSError, http.client.HTTPException, ValueError):
            pass


def publish_emergency(board_ids, number, with_collect):
    """A new emergency version for every board, in one transaction (as `rebuild` ends), and a
    `collect` queued for each when the channel is on."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from boards import channel
    from boards.models import Board, CommandKind, PlaylistVersion

    now = timezone.now()
    with transaction.atomic():
        boards = Board.objects.in_bulk(board_ids)
        versions = []
        for board_id in board_ids:
            versions.append(
                PlaylistVersion(
                    board_id=board_id,
                    number=number,
                    items=[
                        {
                            "id": "pushed:1",
                            "kind": "image",
                            "url": "",
                            "sha256": "0" * 64,
                            "bytes": 1,
                            "duration_s": 8,
                            "priority": "emergency",
                            "title": "Khẩn cấp: lũ quét",
                            "valid_from": now.isoformat(),
                            "valid_to": (now + datetime.timedelta(hours=6)).isoformat(),
                        }
                    ],
                    generated_at=now,
                    emergency=True,
                    fingerprint=f"{number:08x}{board_id:056x}",
                )
            )
        PlaylistVersion.objects.bulk_create(versions)
    queued = {}
    if with_collect:  # then, as each board's rebuild does once its version is committed
        for board_id in board_ids:
            channel.send(boards[board_id], CommandKind.COLLECT, {"version": number})
            queued[board_id] = time.monotonic()
    return queued


def offline_seconds(board_ids, started, trusted, timeout):
    """Seconds until monitoring shows every board in `board_ids` offline, per board."""
    from django.utils import timezone

    from boards.models import Board
    from boards.monitoring import OFFLINE, board_state

    pending, found = set(board_ids), {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        now = timezone.now()
        for board in Board.objects.filter(pk__in=pending).select_related("status"):
            status = getattr(board, "status", None)
            if board_state(board, status, now, current_version=0, trusted=trusted).kind == OFFLINE:
                found[board.pk] = time.monotonic() - started
                pending.discard(board.pk)
        time.sleep(0.1 if trusted else 1.0)
    return found, pending


def row(label, values, expected, bound):
    if not values:
        return (label, 0, "-", "-", "-", bound)
    return (
        label,
        f"{len(values)}/{expected}",
        f"{statistics.median(values):.2f}",
        f"{c.percentile(values, 0.95):.2f}",
        f"{max(values):.2f}",
        bound,
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--players", type=int, default=1000)
    p.add_argument("--kill", type=int, default=100)
    p.add_argument("--refresh", type=int, default=300, help="the polling interval of the channel-off phases")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--server-threads", type=int, default=8)
    p.add_argument("--skip-polling", action="store_true", help="only the channel-on phases")
    a = p.parse_args()

    c.setup_paths()
    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-channel-"))
    http_port, mqtt_port = free_port(), free_port()
    broker_dir = tmp / "mqtt"
    env = {
        **os.environ,
        "DATABASE_URL": c.sqlite_url(tmp / "db.sqlite3"),
        "SITE_PORT": str(http_port),
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "DJANGO_SETTINGS_MODULE": "tincoso.settings",
        "PYTHONPATH": f"{c.REPO / 'site'}:{c.REPO}",
        "LOG_LEVEL": "WARNING",
        "MQTT_URL": f"mqtt://127.0.0.1:{mqtt_port}",
        "MQTT_PUBLIC_URL": f"mqtt://127.0.0.1:{mqtt_port}",
        "MQTT_BROKER_DIR": str(broker_dir),
        "MQTT_SERVER_PASSWORD": "bench-server-password",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 30,
        "DEBUG": "0",
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
    }
    env.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    os.environ.update({k: env[k] for k in env if k.startswith(("DATABASE_URL", "MEDIA", "DJANGO", "MQTT", "SECRET"))})
    os.environ["DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.db import connection

    from boards import broker

    t0 = time.perf_counter()
    boards = seed(a.players, 2, str(tmp / "media"))
    seeded = time.perf_counter() - t0
    from boards.models import Board

    Board.objects.update(refresh_seconds=a.refresh)  # what the poll rule and the players go by
    broker.write_files(broker_dir)
    run_as = "root" if os.geteuid() == 0 else None
    (broker_dir / "mosquitto.conf").write_text(broker.mosquitto_config(broker_dir, mqtt_port, run_as=run_as))
    connection.close()

    logs = open(tmp / "processes.log", "w")
    processes = []

    def start(cmd, name):
        process = subprocess.Popen(cmd, env=env, cwd=c.REPO, stdout=logs, stderr=subprocess.STDOUT)
        processes.append((name, process))
        return process

    mosquitto = start(
        [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(broker_dir / "mosquitto.conf")], "mosquitto"
    )
    c.wait_port(mqtt_port, mosquitto, "mosquitto")
    gunicorn = start(
        [
            str(Path(c.PYTHON).parent / "gunicorn"),
            "tincoso.wsgi",
            "-b",
            f"127.0.0.1:{http_port}",
            "--workers",
            str(a.workers),
            "--threads",
            str(a.server_threads),
            "--chdir",
            str(c.REPO / "site"),
            "--log-level",
            "warning",
        ],
        "gunicorn",
    )
    c.wait_port(http_port, gunicorn, "gunicorn")
    sender = start(manage + ["mqtt_sender"], "mqtt_sender")

    from boards.monitoring import channel_trusted

    fleet = Fleet(boards, mqtt_port, http_port)
    rows = []
    try:
        t_connect = time.monotonic()
        fleet.connect_all()
        ids = [b[0] for b in boards]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            online = Board.objects.filter(channel_state="online").count()
            if online == len(ids) and channel_trusted():
                break
            time.sleep(0.2)
        connected_in = time.monotonic() - t_connect
        print(machine_line(connection=connection))
        print(
            f"{len(ids)} players on one Mosquitto ({mosquitto_version()}), gunicorn {a.workers}×{a.server_threads}, "
            f"SQLite, sender `manage.py mqtt_sender`; seeded in {seeded:.1f} s; all online (as the server sees them) "
            f"{connected_in:.1f} s after connecting ({online}/{len(ids)})"
        )

        # 1. emergency, channel on
        fleet.expect(2)
        started = time.monotonic()
        from django.utils import timezone

        wall_started = timezone.now()
        queued_at = publish_emergency(ids, 2, with_collect=True)
        queued = max(queued_at.values()) - started
        connection.close()
        deadline = time.monotonic() + 60
        while len(fleet.hold_at) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        held = [at - started for at in fleet.hold_at.values()]
        per_board = [fleet.hold_at[b] - queued_at[b] for b in fleet.hold_at]
        received = [at - started for at in fleet.collect_at.values()]
        fetched = [fleet.hold_at[b] - fleet.collect_at[b] for b in fleet.hold_at if b in fleet.collect_at]
        rows.append(row("emergency → held, channel", held, len(ids), "target p95 < 2 s"))
        rows.append(row("  per board: its collect queued → held", per_board, len(ids), "the channel's own delay"))
        rows.append(
            row("  of which: → collect received", received, len(ids), f"{len(ids)} collects queued in {queued:.2f} s")
        )
        rows.append(row("  of which: collect → playlist fetched", fetched, len(ids), "HTTP on the same 2 cores"))
        from boards.models import BoardCommand

        sent = [
            (at - wall_started).total_seconds() for at in BoardCommand.objects.values_list("sent_at", flat=True) if at
        ]
        rows.insert(-2, row("  of which: → published by the sender", sent, len(ids), "BoardCommand.sent_at"))

        # 2. offline, channel on
        rng = random.Random(1)
        killed = rng.sample(ids, a.kill)
        started = time.monotonic()
        fleet.kill(killed)
        found, missing = offline_seconds(killed, started, trusted=True, timeout=60)
        rows.append(row("killed → offline, channel", list(found.values()), len(killed), "target < 10 s"))
        connection.close()

        if not a.skip_polling:
            # 3 + 4. the channel off: the sender stops, the players poll (the killed ones do not)
            sender.terminate()
            sender.wait(20)
            alive = set(ids) - set(killed)
            stop = threading.Event()
            poller = threading.Thread(target=fleet.poll_forever, args=(a.refresh, stop, alive), daemon=True)
            poller.start()
            time.sleep(min(a.refresh * 1.2, 30) if a.refresh <= 30 else a.refresh * 1.1)  # every alive board seen once
            stopped_players = rng.sample(sorted(alive), a.kill)  # these stop polling: killed
            fleet.expect(3)
            started = time.monotonic()
            publish_emergency(ids, 3, with_collect=False)
            alive.difference_update(stopped_players)
            connection.close()
            off, _ = offline_seconds(stopped_players, started, trusted=False, timeout=a.refresh * 1.6 + 30)
            deadline = started + a.refresh * 1.2 + 10
            while time.monotonic() < deadline and len([b for b in fleet.hold_at if b in alive]) < len(alive):
                time.sleep(0.5)
            held = [at - started for b, at in fleet.hold_at.items() if b in alive]
            stop.set()
            rows.append(row("emergency → held, polling", held, len(alive), f"≤ refresh {a.refresh} s"))
            rows.append(
                row(
                    "stopped → offline, polling",
                    list(off.values()),
                    len(stopped_players),
                    f"≤ 1.5 × refresh = {1.5 * a.refresh:.0f} s",
                )
            )
        print(c.table(["phase", "players", "median s", "p95 s", "max s", "bound"], rows))
        if missing:
            print(f"not offline within 60 s: {sorted(missing)[:10]}")
    finally:
        fleet.close()
        for _name, process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
        logs.close()
        shutil.rmtree(tmp, ignore_errors=True)


def mosquitto_version():
    out = subprocess.run([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-h"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()[:1]
    return first[0].replace("mosquitto version ", "Mosquitto ") if first else "Mosquitto"


if __name__ == "__main__":
    main()
