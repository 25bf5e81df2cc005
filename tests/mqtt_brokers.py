"""Real MQTT brokers for the tests: the project's own Mosquitto (Debian's `mosquitto`, installed
by `make test`) and the embedded amqtt broker (`manage.py mqtt_broker`), each started on a free
port with its own password and ACL files (boards/broker.py), and stopped after the test.

    broker = start_broker("mosquitto", tmp_path, credentials={"17": token})
    broker.url            "mqtt://127.0.0.1:<port>"
    broker.set_credentials({...}); broker.reload()   rewrite the passwd file, SIGHUP
    broker.stop(); broker.start()                     a broker that goes away and comes back
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from boards.broker import SERVER_USERNAME, acl_text, hash_password, mosquitto_config, passwd_text

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("mosquitto", "amqtt")
PREFIX = "tincoso"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Broker:
    def __init__(self, kind, directory, server_password, credentials=None, prefix=PREFIX, env=None):
        self.kind = kind
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.prefix = prefix
        self.server_password = server_password
        self.env = env
        self.process = None
        self.log = open(self.dir / "broker.out", "ab")  # closed in close()
        self.set_credentials(credentials or {})
        (self.dir / "acl").write_text(acl_text(prefix))

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid_file(self):
        return self.dir / "broker.pid"

    def set_credentials(self, credentials):
        """{username: password} of the boards (the server's user is always there)."""
        entries = [(SERVER_USERNAME, hash_password(self.server_password))]
        entries += [(str(user), hash_password(password)) for user, password in credentials.items()]
        (self.dir / "passwd").write_text(passwd_text(entries))

    def command(self):
        if self.kind == "mosquitto":
            run_as = "root" if os.geteuid() == 0 else None
            (self.dir / "mosquitto.conf").write_text(mosquitto_config(self.dir, self.port, run_as=run_as))
            return [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(self.dir / "mosquitto.conf")]
        return [
            sys.executable,
            "manage.py",
            "mqtt_broker",
            "--port",
            str(self.port),
            "--dir",
            str(self.dir),
            "--prefix",
            self.prefix,
        ]

    def start(self, timeout=20):
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=self.env or os.environ.copy()
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited: {(self.dir / 'broker.out').read_text(errors='replace')[-2000:]}"
                )
            if _answers(self.port) and self.pid_file.exists():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not answer on {self.port} within {timeout} s")

    def reload(self):
        os.kill(int(self.pid_file.read_text().strip()), signal.SIGHUP)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self.pid_file.unlink(missing_ok=True)

    def close(self):
        self.stop()
        self.log.close()


def start_broker(kind, directory, server_password="server-secret", credentials=None, **kwargs):
    return Broker(kind, directory, server_password, credentials, **kwargs).start()
