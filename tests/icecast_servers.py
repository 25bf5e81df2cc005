"""A real Icecast 2 for the live broadcast tests (Debian's `icecast2`, installed by `make
test`): started on a free port with the configuration `manage.py icecast_config` writes
(station/icecast.py), stopped after the tests that use it.

    server = start_icecast()       (in a folder of its own under /tmp, removed by stop())
    server.url          "http://source:<password>@127.0.0.1:<port>"  (STATION_ICECAST_URL)
    server.public_url   "http://127.0.0.1:<port>"                    (STATION_LIVE_PUBLIC_URL)
    server.listeners(mount) -> int
"""

import base64
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from station.icecast import config_text

PASSWORD = "nguon-thu-nghiem"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binary():
    return shutil.which("icecast2") or ("/usr/bin/icecast2" if Path("/usr/bin/icecast2").exists() else None)


class Icecast:
    def __init__(self, directory=None):
        # Run as root, Icecast becomes nobody before it opens its logs: its folder must be
        # reachable by anyone (pytest's tmp_path is not: its parent is private to root).
        self.dir = Path(directory or tempfile.mkdtemp(prefix="tincoso-icecast-"))
        self.temporary = directory is None
        (self.dir / "log").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.admin_password = "quan-tri-thu-nghiem"
        self.process = None
        run_as = ("nobody", "nogroup") if os.geteuid() == 0 else None
        if run_as:
            for path in (self.dir, self.dir / "log"):
                path.chmod(0o777)
        (self.dir / "icecast.xml").write_text(
            config_text(
                self.dir, self.port, source_password=PASSWORD, admin_password=self.admin_password, run_as=run_as
            )
        )

    @property
    def url(self):
        return f"http://source:{PASSWORD}@127.0.0.1:{self.port}"

    @property
    def public_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=15):
        self.out = open(self.dir / "icecast.out", "ab")  # closed in stop()
        self.process = subprocess.Popen(
            [binary(), "-c", str(self.dir / "icecast.xml")], stdout=self.out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"icecast2 exited: {(self.dir / 'icecast.out').read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            time.sleep(0.2)  # it answers before it has opened its logs, and may stop then
            if self.process.poll() is None:
                return self
        raise RuntimeError(f"icecast2 did not answer on {self.port} within {timeout} s")

    def listeners(self, mount):
        """Listeners of `mount` now (Icecast's admin stats)."""
        request = urllib.request.Request(f"{self.public_url}/admin/stats")
        request.add_header(
            "Authorization",
            "Basic " + base64.b64encode(f"admin:{self.admin_password}".encode()).decode(),
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            xml = response.read().decode("utf-8", "replace")
        match = re.search(rf'<source mount="{re.escape(mount)}">(.*?)</source>', xml, re.S)
        if not match:
            return 0
        found = re.search(r"<listeners>(\d+)</listeners>", match.group(1))
        return int(found.group(1)) if found else 0

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if getattr(self, "out", None) is not None:
            self.out.close()
            self.out = None
        if self.temporary:
            shutil.rmtree(self.dir, ignore_errors=True)


def start_icecast(directory=None):
    return Icecast(directory).start()
