"""The deployed stack the deploy tests and bench/bench_nginx.py talk to, through nginx over HTTPS.
deploy/ci.sh brings one up on this machine and sets:

    TINCOSO_DEPLOY_URL      the province portal, e.g. https://tra-vinh.tincoso.test/
    TINCOSO_DEPLOY_PREFIX   the installation's folder: its bin/manage and bin/units (default /srv/tincoso)
    TINCOSO_DEPLOY_CA       the CA its certificate is checked against (default: the system's)
    TINCOSO_DEPLOY_CONNECT  an address to connect to instead of resolving the sites' names (127.0.0.1)

The clients never skip a check: TLS is verified against the site's name (SNI and Host carry it);
only the name-to-address step is answered by TINCOSO_DEPLOY_CONNECT, as a DNS wildcard would.
"""

import json
import os
import socket
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


LOAD_SEED = """
import io, json, random
from PIL import Image
from django.utils import timezone
from areas.models import CommuneHomePage
from boards.api import issue_token
from boards.models import Board, PlaylistVersion
from boards.publishing import file_url, store_file

count = {count}
prefix = "Bảng thử tải "
homes = list(CommuneHomePage.objects.order_by("path")[:50])
names = [f"{{prefix}}{{n:04d}}" for n in range(count)]
have = set(Board.objects.filter(name__in=names).values_list("name", flat=True))
Board.objects.bulk_create([
    Board(owner=homes[n % len(homes)], name=name, width=384, height=192, refresh_seconds=60)
    for n, name in enumerate(names) if name not in have
])
boards = list(Board.objects.filter(name__in=names).order_by("name"))
buffer = io.BytesIO()
Image.effect_noise((384, 192), 60).convert("RGB").save(buffer, "PNG")
slide = store_file(buffer.getvalue(), "png", 384, 192)
now = timezone.now()
items = [{{"id": f"media:{{i}}", "kind": "image", "url": file_url(slide), "sha256": slide.sha256, "bytes": slide.size,
          "duration_s": 10, "priority": "normal", "title": f"Tin {{i}}", "valid_from": None, "valid_to": None}}
         for i in range(8)]
versioned = set(PlaylistVersion.objects.filter(board__in=boards).values_list("board_id", flat=True))
PlaylistVersion.objects.bulk_create([
    PlaylistVersion(board=b, number=1, items=items, generated_at=now, fingerprint=f"{{b.pk:064x}}")
    for b in boards if b.pk not in versioned
])
players = [[b.pk, issue_token(b)] for b in boards]
pages = [[home.get_site().hostname, path] for home in homes for path in ("/", "/tin-tuc/", "/thong-bao/", "/hoi-dap/")]
print(json.dumps({{"players": players, "pages": pages}}))
"""


@dataclass(frozen=True)
class Stack:
    url: str  # the province portal, with a trailing slash
    prefix: Path
    ca: str | None
    connect: str | None

    @classmethod
    def from_environment(cls):
        url = os.environ.get("TINCOSO_DEPLOY_URL", "").strip()
        if not url:
            return None
        return cls(
            url=url if url.endswith("/") else url + "/",
            prefix=Path(os.environ.get("TINCOSO_DEPLOY_PREFIX") or "/srv/tincoso"),
            ca=os.environ.get("TINCOSO_DEPLOY_CA") or None,
            connect=os.environ.get("TINCOSO_DEPLOY_CONNECT") or None,
        )

    # --- names -------------------------------------------------------------------------------
    @property
    def host(self):
        return urlsplit(self.url).hostname

    @property
    def port(self):
        return urlsplit(self.url).port or 443

    @property
    def domain(self):
        """BASE_DOMAIN: the portal's name without its first label."""
        return self.host.split(".", 1)[1]

    def site_url(self, host, path="/", scheme="https"):
        secure = scheme in ("https", "wss")
        port = self.port if secure else 80
        default = 443 if secure else 80
        return f"{scheme}://{host}{'' if port == default else f':{port}'}{path}"

    @property
    def env_file(self):
        """The installation's environment file (deploy/install.sh: /etc/<name>/tincoso.env)."""
        return Path(os.environ.get("TINCOSO_DEPLOY_ENV_FILE") or f"/etc/{self.prefix.name}/tincoso.env")

    # --- the installation's own commands -----------------------------------------------------
    def manage(self, *args, timeout=300, check=True):
        """`<prefix>/bin/manage …`: manage.py as the service user, in its environment."""
        return subprocess.run(
            [str(self.prefix / "bin" / "manage"), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def shell(self, code, timeout=300):
        """Run Python in the installation (`manage.py shell -c`); its last line of output, which a
        snippet prints as JSON."""
        done = self.manage("shell", "--no-imports", "-c", code, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"manage.py shell failed ({done.returncode}):\n{done.stderr[-3000:]}")
        lines = done.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def shell_json(self, code, timeout=300):
        return json.loads(self.shell(code, timeout=timeout))

    def seed_load(self, count):
        """`count` boards with a token each and one version (eight items, a real rendered file), made
        once and reused (new tokens each time), and 200 commune pages: {"players": [[board, token]…],
        "pages": [[host, path]…]}. For tests/deploy/test_load.py and bench/bench_nginx.py."""
        return self.shell_json(LOAD_SEED.format(count=count), timeout=600)

    def remove_load(self):
        """Delete the boards seed_load made (a retry when the worker was still writing to one)."""
        return self.shell(
            "import time\n"
            "from django.db import IntegrityError\n"
            "from boards.models import Board\n"
            "for attempt in range(5):\n"
            "    try:\n"
            "        print(Board.objects.filter(name__startswith='Bảng thử tải ').delete()[0]); break\n"
            "    except IntegrityError:\n"
            "        time.sleep(2)\n",
            timeout=600,
        )

    def units(self, *args, timeout=180):
        """`<prefix>/bin/units …` (systemctl or deploy/units.py): start, restart, reload, status."""
        return subprocess.run(
            [str(self.prefix / "bin" / "units"), *args], capture_output=True, text=True, timeout=timeout
        )

    # --- clients -------------------------------------------------------------------------------
    def ssl_context(self):
        return ssl.create_default_context(cafile=self.ca) if self.ca else ssl.create_default_context()

    def resolver(self):
        import aiohttp

        return _Resolver(self.domain, self.connect) if self.connect else aiohttp.ThreadedResolver()

    def session(self, *, limit=100, force_close=False, timeout=30, local_addr=None, **kwargs):
        """An aiohttp session that reaches the stack: names under the domain connect to
        TINCOSO_DEPLOY_CONNECT, the certificate is checked against TINCOSO_DEPLOY_CA.
        `local_addr`: the address to connect from (e.g. another loopback address than nginx's own)."""
        import aiohttp

        connector = aiohttp.TCPConnector(
            resolver=self.resolver(),
            ssl=self.ssl_context(),
            limit=limit,
            force_close=force_close,
            ttl_dns_cache=None,
            local_addr=(local_addr, 0) if local_addr else None,
        )
        return aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=timeout), auto_decompress=True, **kwargs
        )

    def player_command(self, *player_args):
        """`python -m player …` (the reference player, the checkout's own) with the sites' names
        answered by TINCOSO_DEPLOY_CONNECT; run it with player_env()."""
        base = [sys.executable, str(ROOT / "tests" / "deploy" / "with_hosts.py")]
        if self.connect:
            base += ["--domain", self.domain, "--address", self.connect]
        return [*base, "--", "-m", "player", *player_args]

    def player_env(self):
        env = dict(os.environ)
        if self.ca:
            env["SSL_CERT_FILE"] = self.ca  # the player's urllib trusts the stack's CA, nothing else
        env["PYTHONUNBUFFERED"] = "1"
        return env


class _Resolver:
    """aiohttp's resolver interface: the stack's names to one address, the rest as usual."""

    def __init__(self, domain, address):
        import aiohttp

        self.domain, self.address = domain, address
        self.fallback = aiohttp.ThreadedResolver()

    async def resolve(self, host, port=0, family=socket.AF_INET):
        if host == self.domain or host.endswith("." + self.domain):
            return [
                {
                    "hostname": host,
                    "host": self.address,
                    "port": port,
                    "family": socket.AF_INET6 if ":" in self.address else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            ]
        return await self.fallback.resolve(host, port, family)

    async def close(self):
        await self.fallback.close()
