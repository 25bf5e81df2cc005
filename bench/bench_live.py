"""Mouth-to-speaker delay of a live broadcast ("Phát trực tiếp") to 1, 10 and 100 players, through
Icecast 2 and through the live ingest's own listener port (`make run`), on this machine.

    .venv/bin/python bench/bench_live.py                          # 1, 10, 100 players; both fan-outs
    .venv/bin/python bench/bench_live.py --players 1,10,100,300 --seconds 20 --fan-out icecast

Real parts: a throwaway SQLite database (migrated, Trà Vinh provisioned), `manage.py live_ingest`
as its own process (PyAV: WebM/Opus → MP3 64 kbit/s), Debian's icecast2 with the configuration
`manage.py icecast_config` writes (station/icecast.py). The browser is simulated: a WebSocket
client sends the ticket, then WebM/Opus made by PyAV as MediaRecorder sends it (a chunk every
100 ms, each sent once its 100 ms of audio is complete), with a beep every second, each beep at
its own pitch. The players are the reference player's stream reader (player/live.py,
`open_stream`: a raw socket, nothing buffered), one thread each, all in this process, recording
what they receive and when.

Delay of a beep at a player = the moment its loudspeaker would start it − the moment it left the
mouth. The mouth: when the simulated microphone captured the beep (the start of the audio + the
beep's offset). The loudspeaker: an MP3 frame plays when its last byte has arrived and the frame
before it has played (a player with no buffer of its own, playing in real time;
tests/station/live_sounds.py `heard`); mpg123 or ffplay add their output buffer on top (~0.1–0.3 s).
Prints the machine, then per fan-out and player count: beeps heard / expected, median, p95 and
max seconds, and the CPU seconds per second of broadcast of the ingest and of Icecast.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line

TARGET_S = 3.0
SLICE_S = 0.1


class Reader(threading.Thread):
    """One player: the reference player's stream reader, recording bytes and arrival times."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.data = bytearray()
        self.index = []
        self.error = None

    def run(self):
        from player.live import StreamError, open_stream

        for _ in range(50):
            try:
                sock, first = open_stream(self.url)
                break
            except StreamError as exc:
                self.error = str(exc)
                time.sleep(0.1)
        else:
            self.connected.set()
            return
        self.error = None
        self.connected.set()
        if first:
            self.index.append((0, time.time()))
            self.data += first
        with sock:
            while not self.stop.is_set():
                try:
                    chunk = sock.recv(8192)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                self.index.append((len(self.data), time.time()))
                self.data += chunk


async def broadcast(ingest_url, ticket, chunks, players):
    """One session: ticket, readers tuned in, chunks in real time, end. Returns (begun, readers, ended)."""
    from websockets.asyncio.client import connect

    async with connect(ingest_url, max_size=None) as ws:
        await ws.send(json.dumps({"ticket": ticket}))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            raise SystemExit(f"the ingest refused: {ready}")
        readers = [Reader(ready["url"]) for _ in range(players)]
        for reader in readers:
            reader.start()
        await asyncio.get_running_loop().run_in_executor(None, lambda: [r.connected.wait(30) for r in readers])
        begun = time.time()
        for k, chunk in enumerate(chunks):
            await asyncio.sleep(max(0.0, begun + (k + 1) * SLICE_S - time.time()))
            await ws.send(chunk)
        await asyncio.sleep(1.0)  # the last beeps reach the players
        await ws.send(json.dumps({"type": "end"}))
        ended = None
        async for message in ws:
            data = json.loads(message)
            if data.get("type") == "ended":
                ended = data
        for reader in readers:
            reader.stop.set()
        for reader in readers:
            reader.join(10)
        return begun, readers, ended


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--players", default="1,10,100", help="player counts, comma-separated")
    p.add_argument("--seconds", type=float, default=15.0, help="seconds of speech per broadcast")
    p.add_argument("--fan-out", choices=("both", "icecast", "embedded"), default="both")
    a = p.parse_args()
    counts = [int(n) for n in a.players.split(",")]

    c.setup_paths()
    from station.icecast import config_text
    from tests.icecast_servers import free_port
    from tests.station import live_sounds

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-live-"))
    tmp.chmod(0o755)
    env = {
        **os.environ,
        "DATABASE_URL": c.sqlite_url(tmp / "db.sqlite3"),
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "DJANGO_SETTINGS_MODULE": "tincoso.settings",
        "PYTHONPATH": f"{c.REPO / 'site'}:{c.REPO}",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 30,
        "DEBUG": "0",
    }
    env.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    subprocess.run(
        manage + ["provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress"],
        env=env,
        check=True,
        cwd=c.REPO,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")})
    os.environ["DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from areas.models import CommuneHomePage
    from boards.models import Board
    from station import live

    user = get_user_model().objects.create_superuser("bench-live", "bench@example.vn", "x" * 20)
    home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
    clusters = [Board.objects.create(owner=home, name=f"Cụm loa thử tải {n}", kind="audio") for n in range(max(counts))]
    connection.close()

    icecast_dir = Path(tempfile.mkdtemp(prefix="tincoso-bench-icecast-"))
    (icecast_dir / "log").mkdir()
    run_as = ("nobody", "nogroup") if os.geteuid() == 0 else None
    if run_as:
        for path in (icecast_dir, icecast_dir / "log"):
            path.chmod(0o777)
    icecast_port = free_port()
    (icecast_dir / "icecast.xml").write_text(
        config_text(icecast_dir, icecast_port, source_password="bench-src", admin_password="bench-adm", run_as=run_as)
    )
    logs = open(tmp / "processes.log", "w")
    processes = []

    def start(cmd, name, port):
        process = subprocess.Popen(cmd, env=env, cwd=c.REPO, stdout=logs, stderr=subprocess.STDOUT)
        processes.append(process)
        c.wait_port(port, process, name)
        return process

    fan_outs = ["icecast", "embedded"] if a.fan_out == "both" else [a.fan_out]
    ingests = {}
    if "icecast" in fan_outs:
        icecast = start(
            [shutil.which("icecast2") or "/usr/bin/icecast2", "-c", str(icecast_dir / "icecast.xml")],
            "icecast2",
            icecast_port,
        )
        port = free_port()
        ingests["icecast"] = (
            start(
                manage
                + ["live_ingest", "--port", str(port), "--icecast", f"http://source:bench-src@127.0.0.1:{icecast_port}"]
                + ["--public-url", f"http://127.0.0.1:{icecast_port}"],
                "live_ingest (Icecast)",
                port,
            ),
            port,
        )
        version = subprocess.run([icecast.args[0], "-v"], capture_output=True, text=True).stdout.strip()
    if "embedded" in fan_outs:
        port = free_port()
        ingests["embedded"] = (
            start(
                manage + ["live_ingest", "--port", str(port), "--icecast", "", "--listen-port", str(free_port())],
                "live_ingest (embedded)",
                port,
            ),
            port,
        )

    beeps = [1.0 + j for j in range(int(a.seconds) - 1)]
    chunks = live_sounds.webm_chunks(live_sounds.beeps(a.seconds, beeps))
    rows = []
    try:
        print(machine_line(connection=connection))
        print(
            f"live ingest (`manage.py live_ingest`, PyAV {__import__('av').__version__}: WebM/Opus → MP3 64 kbit/s mono "
            f"48 kHz), {a.seconds:g} s of speech per broadcast, a beep a second; "
            + (f"{version}; " if "icecast" in fan_outs else "")
            + "players: the reference player's stream reader, one thread each, in the bench's process"
        )
        for fan_out in fan_outs:
            ingest, port = ingests[fan_out]
            for players in counts:
                plan = live.check(user, [b.pk for b in clusters[:players]], "normal")
                ticket = live.issue_ticket(user, plan)
                connection.close()
                streamer = icecast.pid if fan_out == "icecast" else None
                cpu_before, started = cpu_seconds(ingest.pid), time.monotonic()
                icecast_before = cpu_seconds(streamer) if streamer else 0.0
                begun, readers, ended = asyncio.run(broadcast(f"ws://127.0.0.1:{port}/", ticket, chunks, players))
                took = time.monotonic() - started
                cpu = (cpu_seconds(ingest.pid) - cpu_before) / took
                icecast_cpu = f"{(cpu_seconds(streamer) - icecast_before) / took:.3f}" if streamer else "-"
                spoken = [begun + at for at in beeps]
                delays, heard_count, failed = [], 0, 0
                for reader in readers:
                    if reader.error or not reader.data:
                        failed += 1
                        continue
                    found = live_sounds.delays(live_sounds.heard(bytes(reader.data), reader.index), spoken)
                    heard_count += len(found)
                    delays += found
                expected = len(beeps) * players
                rows.append(
                    (
                        fan_out,
                        players,
                        f"{heard_count}/{expected}" + (f" ({failed} not connected)" if failed else ""),
                        f"{statistics.median(delays):.2f}" if delays else "-",
                        f"{c.percentile(delays, 0.95):.2f}" if delays else "-",
                        f"{max(delays):.2f}" if delays else "-",
                        f"{cpu:.2f}",
                        icecast_cpu,
                        "ok" if delays and c.percentile(delays, 0.95) < TARGET_S else "MISSED",
                    )
                )
                print(
                    f"  {fan_out:8} {players:4} players: heard {rows[-1][2]}, median {rows[-1][3]} s, "
                    f"p95 {rows[-1][4]} s, max {rows[-1][5]} s (programme {ended and ended.get('programme')})",
                    flush=True,
                )
        print()
        print(
            "| fan-out | players | beeps heard | median s | p95 s | max s | ingest CPU s/s | Icecast CPU s/s | p95 < 3 s |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(str(x) for x in row) + " |")
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()
        shutil.rmtree(icecast_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
