"""Icecast 2, the streaming server that fans a live broadcast out to the clusters
(README, "Live broadcasts"): its configuration, and where the live ingest and
the players find it. Pure: no network here (station/ingest.py streams to it).

    config_text(directory, port, source_password, admin_password, …) -> icecast.xml
    source_address(url) -> Source(host, port, password, tls)     from STATION_ICECAST_URL

Low delay is the point: `burst-on-connect` 0 (a listener that joins gets the stream from now,
not the last 64 KiB, i.e. 8 s at 64 kbit/s), mounts hidden from the status pages (a session's
mount name is unguessable; it is handed to the clusters only through the real-time channel),
and a listener that falls 16 s behind (queue-size) is dropped rather than buffered forever: the
player reconnects to "now". Run it as `icecast2 -c DIR/icecast.xml` (Debian's `icecast2`).
"""

import base64
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

DEFAULT_PORT = 8000
QUEUE_BYTES = 128 * 1024  # 16 s of a 64 kbit/s stream: a listener further behind is dropped


@dataclass(frozen=True)
class Source:
    host: str
    port: int
    password: str
    user: str = "source"
    tls: bool = False

    def authorization(self):
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return f"Basic {token}"


def source_address(url):
    """Source(host, port, password) of `http://source:PASSWORD@host:port` (STATION_ICECAST_URL);
    ValueError with the reason in Vietnamese."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"STATION_ICECAST_URL phải có dạng http://source:mật-khẩu@máy:cổng, không phải {url!r}")
    if not parts.password:
        raise ValueError("STATION_ICECAST_URL thiếu mật khẩu nguồn (http://source:mật-khẩu@máy:cổng).")
    tls = parts.scheme == "https"
    return Source(
        host=parts.hostname,
        port=parts.port or (443 if tls else DEFAULT_PORT),
        password=unquote(parts.password),
        user=unquote(parts.username or "source"),
        tls=tls,
    )


def config_text(
    directory,
    port=DEFAULT_PORT,
    *,
    source_password,
    admin_password,
    bind="127.0.0.1",
    hostname="localhost",
    listeners=2000,
    sources=50,
    run_as=None,
    share="/usr/share/icecast2",
):
    """icecast.xml for one listener socket; logs and the pid file in `directory`. `run_as`:
    (user, group) Icecast changes to when started as root (it refuses to run as root)."""
    directory = Path(directory)
    e = escape
    owner = ""
    if run_as:
        owner = (
            "    <changeowner>\n"
            f"      <user>{e(run_as[0])}</user>\n"
            f"      <group>{e(run_as[1])}</group>\n"
            "    </changeowner>\n"
        )
    return f"""<icecast>
  <!-- Written by `manage.py icecast_config` (station/icecast.py): live broadcasts to the
       loudspeaker clusters. Low delay: no burst on connect; mounts hidden from the status pages. -->
  <location>tincoso</location>
  <admin>root@localhost</admin>
  <hostname>{e(hostname)}</hostname>
  <limits>
    <clients>{int(listeners)}</clients>
    <sources>{int(sources)}</sources>
    <queue-size>{QUEUE_BYTES}</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect>
    <burst-size>0</burst-size>
  </limits>
  <authentication>
    <source-password>{e(source_password)}</source-password>
    <relay-password>{e(admin_password)}</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>{e(admin_password)}</admin-password>
  </authentication>
  <listen-socket>
    <port>{int(port)}</port>
    <bind-address>{e(bind)}</bind-address>
  </listen-socket>
  <mount type="default">
    <public>0</public>
    <hidden>1</hidden>
    <burst-size>0</burst-size>
  </mount>
  <fileserve>1</fileserve>
  <paths>
    <basedir>{e(share)}</basedir>
    <logdir>{e(str(directory / "log"))}</logdir>
    <webroot>{e(share)}/web</webroot>
    <adminroot>{e(share)}/admin</adminroot>
    <pidfile>{e(str(directory / "icecast.pid"))}</pidfile>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>2</loglevel>
    <logsize>10000</logsize>
  </logging>
  <security>
    <chroot>0</chroot>
{owner}  </security>
</icecast>
"""
