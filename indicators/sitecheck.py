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
Redirects are followed (at most 3, e.g. http → https) only to the installation's own sites (the
hostnames of its Site rows): a redirect elsewhere is recorded, not followed, so a commune's DNS
or a site's answer cannot make the worker request another address (a cloud metadata service,
the server's own network). Only a final 2xx counts. The body is not read: the status is enough.
"""

import datetime
import http.client
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
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
    if not port.isdigit() or (host.count(":") and not host.endswith("]")):  # "127.0.0.1", "::1"
        host, port = value, "80"
    return (host.strip("[]") or value, int(port))


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` while checking the certificate of `server_hostname`."""

    def __init__(self, address, server_hostname, **kwargs):
        super().__init__(address[0], address[1], **kwargs)
        self._server_hostname = server_hostname

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)


def fetch(url, connect_to=None, timeout=None, allowed_hosts=()):
    """(status code, error message or "") of a GET of `url`, following redirects to the same host
    or to one of `allowed_hosts` (the installation's sites) only."""
    timeout = timeout or float(getattr(settings, "SITE_CHECK_TIMEOUT_S", 10))
    allowed = {h.lower() for h in allowed_hosts} | {(urlsplit(url).hostname or "").lower()}
    status = None
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = None
        if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
            return status, f"Địa chỉ không hợp lệ: {url[:80]}"
        if parts.hostname.lower() not in allowed:
            return (
                status,
                f"Trang chuyển hướng ra ngoài các trang của hệ thống ({parts.hostname[:80]}): không kiểm tra.",
            )
        address = connect_to or (parts.hostname, port)
        if parts.scheme == "https":
            connection = _HTTPSConnection(
                address, parts.hostname, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(address[0], address[1], timeout=timeout)
        host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET", target, headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": "text/html"}
            )
            response = connection.getresponse()
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
            connection.close()  # the body is never read: a large or endless one costs nothing
        if 300 <= status < 400 and location:
            url = urljoin(url, location)
            continue
        if 200 <= status < 300:
            return status, ""
        return status, f"Trang trả lời mã {status}."
    return status, "Chuyển hướng quá nhiều lần."


def probe(commune, site, connect_to=None, allowed_hosts=()):
    """An unsaved SiteCheck of one commune: no database access (it runs in worker threads). Never
    raises: an unexpected failure is recorded, so one odd site cannot lose the others' checks."""
    now = timezone.now()
    if site is None:
        return SiteCheck(
            commune=commune, url="", checked_at=now, ok=False, error="Xã chưa có trang (chưa có tên miền)."
        )
    url = site.root_url.rstrip("/") + "/"
    started = time.monotonic()
    try:
        status, error = fetch(url, connect_to, allowed_hosts=allowed_hosts)
    except Exception as exc:  # noqa: BLE001 — recorded as the check's error
        status, error = None, f"Lỗi khi kiểm tra: {type(exc).__name__}: {exc}"
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


SAVE_EVERY = 50  # rows written as the checks come back, so a task stopped by its time limit keeps them


def check_sites(communes=None, progress=None):
    """Check every commune's site (or those of `communes`) and save the SiteCheck rows, in order
    of the communes. The GETs run SITE_CHECK_WORKERS at a time in threads that never touch the
    database; the rows are written here SAVE_EVERY at a time as they come back (a django-q2 task
    past its timeout, e.g. many sites that never answer, keeps what it has checked). `progress(
    iterable, total=)` wraps the results as they come (tqdm)."""
    pairs = targets(communes)
    connect_to = _connect_to()
    allowed = frozenset(Site.objects.values_list("hostname", flat=True))  # the installation's own sites
    workers = max(1, int(getattr(settings, "SITE_CHECK_WORKERS", 8)))
    saved, pending = {}, []

    def flush():
        for index, check in zip([i for i, _ in pending], SiteCheck.objects.bulk_create([c for _, c in pending])):
            saved[index] = check
        pending.clear()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(probe, commune, site, connect_to=connect_to, allowed_hosts=allowed): index
            for index, (commune, site) in enumerate(pairs)
        }
        done = as_completed(futures)
        for future in progress(done, total=len(pairs)) if progress else done:
            pending.append((futures[future], future.result()))
            if len(pending) >= SAVE_EVERY:
                flush()
    flush()
    return [saved[index] for index in sorted(saved)]
