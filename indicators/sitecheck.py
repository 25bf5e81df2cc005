"""Does each commune's website exist and answer? (indicators 1.3 and 1.4 by the plans' definition)

`check_sites()` makes a real HTTP GET to the home of every commune's Site (Site.root_url, the
hostname and port `manage.py provision` writes) and records a SiteCheck: the status code, the
time taken, and a Vietnamese message when it failed. A commune counts as "has a website" at a
moment T when its latest check in [T − CHECK_WINDOW, T) answered 2xx (indicators/numbered.py).
It runs every 6 hours (django-q2 schedule, indicators/apps.py) and on demand with
`manage.py check_sites`.

Settings (getattr, with defaults):
    SITE_CHECK_CONNECT_TO   "127.0.0.1:8000": connect there whatever the hostname, sending the
                            site's Host header (like curl --connect-to) — dev hostnames
                            (<xã>.<huyện>.<tỉnh>.localhost) may not resolve. Empty: DNS.
    SITE_CHECK_TIMEOUT_S    10 seconds per connection and per read.
    SITE_CHECK_WORKERS      8 checks at a time.
Redirects are followed (at most 3, e.g. http → https); only a final 2xx counts.
"""

import datetime
import http.client
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone
from wagtail.models import Site

from areas.models import CommuneHomePage
from indicators.models import SiteCheck

CHECK_WINDOW = datetime.timedelta(days=7)  # a latest check older than this says nothing
CHECK_EVERY_MINUTES = 6 * 60
MAX_REDIRECTS = 3
USER_AGENT = "tincoso-site-check/1.0"


def _connect_to():
    value = (getattr(settings, "SITE_CHECK_CONNECT_TO", "") or "").strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    return (host or value, int(port) if port.isdigit() else 80)


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` while checking the certificate of `server_hostname`."""

    def __init__(self, address, server_hostname, **kwargs):
        super().__init__(address[0], address[1], **kwargs)
        self._server_hostname = server_hostname

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)


def fetch(url, connect_to=None, timeout=None):
    """(status code, error message or "") of a GET of `url`, following redirects."""
    timeout = timeout or float(getattr(settings, "SITE_CHECK_TIMEOUT_S", 10))
    original_host = urlsplit(url).hostname
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, f"Địa chỉ không hợp lệ: {url[:80]}"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = connect_to if connect_to and parts.hostname == original_host else (parts.hostname, port)
        if parts.scheme == "https":
            connection = _HTTPSConnection(
                address, parts.hostname, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(address[0], address[1], timeout=timeout)
        host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        try:
            connection.request(
                "GET", parts.path or "/", headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html"}
            )
            response = connection.getresponse()
            response.read(64 * 1024)
            status, location = response.status, response.getheader("Location")
        except TimeoutError:
            return None, f"Quá thời gian chờ ({timeout:g} giây)."
        except ConnectionRefusedError:
            return None, "Máy chủ từ chối kết nối (trang không chạy)."
        except socket.gaierror:
            return None, f"Không phân giải được tên miền {parts.hostname}."
        except ssl.SSLError as exc:
            return None, f"Lỗi chứng chỉ, kết nối bảo mật: {exc.reason or exc}"[:300]
        except (OSError, http.client.HTTPException) as exc:
            return None, f"Không kết nối được: {exc}"[:300]
        finally:
            connection.close()
        if 300 <= status < 400 and location:
            url = urljoin(url, location)
            continue
        if 200 <= status < 300:
            return status, ""
        return status, f"Trang trả lời mã {status}."
    return status, "Chuyển hướng quá nhiều lần."


def probe(commune, site, connect_to=None):
    """An unsaved SiteCheck of one commune: no database access (it runs in worker threads)."""
    now = timezone.now()
    if site is None:
        return SiteCheck(
            commune=commune, url="", checked_at=now, ok=False, error="Xã chưa có trang (chưa có tên miền)."
        )
    url = site.root_url.rstrip("/") + "/"
    started = time.monotonic()
    status, error = fetch(url, connect_to)
    return SiteCheck(
        commune=commune,
        url=url[:300],
        checked_at=now,
        status_code=status,
        ok=status is not None and 200 <= status < 300,
        ms=int((time.monotonic() - started) * 1000),
        error=error[:300],
    )


def targets(communes=None):
    """[(commune, Site or None)] of every commune (or `communes`), two queries."""
    communes = list(CommuneHomePage.objects.order_by("path") if communes is None else communes)
    sites = {s.root_page_id: s for s in Site.objects.filter(root_page__in=[c.pk for c in communes])}
    return [(c, sites.get(c.pk)) for c in communes]


def check_sites(communes=None, progress=None):
    """Check every commune's site (or those of `communes`) and save the SiteCheck rows (the GETs
    run SITE_CHECK_WORKERS at a time; the rows are written here, in one query). `progress(iterable,
    total=)` wraps the results as they come (tqdm)."""
    pairs = targets(communes)
    connect_to = _connect_to()
    workers = max(1, int(getattr(settings, "SITE_CHECK_WORKERS", 8)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda pair: probe(*pair, connect_to=connect_to), pairs)
        checks = list(progress(results, total=len(pairs)) if progress else results)
    return SiteCheck.objects.bulk_create(checks)
