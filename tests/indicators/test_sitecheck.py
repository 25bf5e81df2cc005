"""Indicators 1.3 and 1.4 by the plans' definition: a real HTTP GET of each commune site's home
(indicators/sitecheck.py) against a real threaded HTTP server on 127.0.0.1 that answers for some
communes (200, a redirect then 200) and not for others (500, 404), reached as curl --connect-to
does (SITE_CHECK_CONNECT_TO, the Site's Host header); a closed port is refused; a commune
without a Site is recorded as such. The command and the scheduled task do the same."""

import http.server
import io
import socket
import threading

import pytest
from django.core.management import CommandError, call_command
from django_q.models import Schedule
from wagtail.models import Site

from areas.models import CommuneHomePage
from indicators import sitecheck, tasks
from indicators.models import SiteCheck

from .test_numbered import provision_bac_lieu

pytestmark = pytest.mark.django_db


class Handler(http.server.BaseHTTPRequestHandler):
    answers = {}  # host (without port) → status
    redirects = {}  # host (without port) → a Location to send with a 302
    seen = []

    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        self.seen.append((host, self.path))
        if host in self.redirects and self.path == "/":
            self.send_response(302)
            self.send_header("Location", self.redirects[host])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = self.answers.get(host, 404)
        if status == 301 and self.path == "/":
            self.send_response(301)
            self.send_header("Location", "/trang-chu/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"<html><body>{host}</body></html>".encode()
        self.send_response(200 if status == 301 else status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    Handler.redirects = {}
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def communes(db, tmp_path):
    provision_bac_lieu(tmp_path)
    return {c.code: c for c in CommuneHomePage.objects.filter(structure="2024", code__startswith="900")}


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_each_commune_site_is_asked_and_recorded(settings, server, communes):
    sites = {s.root_page_id: s for s in Site.objects.filter(root_page__in=[c.pk for c in communes.values()])}
    host = {code: sites[c.pk].hostname for code, c in communes.items()}
    Handler.answers = {host["90001"]: 200, host["90002"]: 500, host["90003"]: 301, host["90005"]: 200}
    Site.objects.filter(pk=sites[communes["90007"].pk].pk).delete()  # Lộc Ninh has no site
    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{server.server_port}"
    settings.SITE_CHECK_TIMEOUT_S = 5

    checks = {c.commune.code: c for c in sitecheck.check_sites(list(communes.values()))}

    assert set(checks) == set(communes) and SiteCheck.objects.count() == 7
    assert (checks["90001"].ok, checks["90001"].status_code, checks["90001"].error) == (True, 200, "")
    assert checks["90001"].url == f"http://{host['90001']}:8000/" and checks["90001"].ms is not None
    assert (checks["90002"].ok, checks["90002"].status_code, checks["90002"].error) == (
        False,
        500,
        "Trang trả lời mã 500.",
    )
    assert (checks["90003"].ok, checks["90003"].status_code) == (True, 200)  # after the redirect
    assert (checks["90004"].ok, checks["90004"].error) == (False, "Trang trả lời mã 404.")
    assert (checks["90007"].ok, checks["90007"].url, checks["90007"].error) == (
        False,
        "",
        "Xã chưa có trang (chưa có tên miền).",
    )
    # The server saw the sites' own names in the Host header (the port is the Site's, 8000).
    assert (host["90003"], "/") in Handler.seen and (host["90003"], "/trang-chu/") in Handler.seen


def test_a_site_that_refuses_the_connection(settings, communes):
    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{closed_port()}"
    check = sitecheck.check_sites([communes["90001"]])[0]
    assert (check.ok, check.status_code) == (False, None)
    assert check.error == "Máy chủ từ chối kết nối (trang không chạy)."


def test_the_command_and_the_task(settings, server, communes):
    sites = Site.objects.filter(root_page__in=[c.pk for c in communes.values()])
    Handler.answers = {site.hostname: 200 for site in sites}
    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{server.server_port}"
    out, err = io.StringIO(), io.StringIO()
    call_command("check_sites", "--area", "95", stdout=out, stderr=err)
    assert "7/7 trang xã trả lời tốt." in out.getvalue()
    assert tasks.check_sites() == 7  # every commune of the installation: Trà Vinh's answer 404 here
    assert SiteCheck.objects.filter(ok=True).count() == 14

    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{closed_port()}"
    with pytest.raises(CommandError, match="Không trang xã nào trả lời"):
        call_command("check_sites", "--area", "Bạc Liêu", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="Không tìm thấy"):
        call_command("check_sites", "--area", "Không Có", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_check_is_scheduled_every_six_hours():
    schedule = Schedule.objects.get(func="indicators.tasks.check_sites")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 360, -1)


def test_redirects_are_followed_only_to_the_installations_own_sites(settings, server, communes):
    """A site that redirects outside the installation's Site hostnames (here straight to the
    checker's own network, 127.0.0.1) is recorded, not followed; a redirect to another of the
    installation's sites is followed; a Location with a broken port is an error, not a crash
    that would lose every other commune's check."""
    sites = {s.root_page_id: s for s in Site.objects.filter(root_page__in=[c.pk for c in communes.values()])}
    host = {code: sites[c.pk].hostname for code, c in communes.items()}
    port = server.server_port
    Handler.answers = {host["90001"]: 200}
    Handler.redirects = {
        host["90002"]: f"http://127.0.0.1:{port}/bi-mat/",  # not a site of the installation
        host["90003"]: f"http://{host['90001']}:8000/",  # another commune's site: followed
        host["90004"]: f"http://{host['90001']}:abc/",  # a port that is not a number
    }
    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{port}"
    settings.SITE_CHECK_TIMEOUT_S = 5

    checks = {c.commune.code: c for c in sitecheck.check_sites([communes[k] for k in ("90002", "90003", "90004")])}

    assert (checks["90002"].ok, checks["90002"].status_code) == (False, 302)
    assert checks["90002"].error == "Trang chuyển hướng ra ngoài các trang của hệ thống (127.0.0.1): không kiểm tra."
    assert not any(path == "/bi-mat/" for _, path in Handler.seen)
    assert (checks["90003"].ok, checks["90003"].status_code) == (True, 200)
    assert (host["90001"], "/") in Handler.seen
    assert (checks["90004"].ok, checks["90004"].status_code) == (False, 302)
    assert checks["90004"].error.startswith("Địa chỉ không hợp lệ: http://")
    assert SiteCheck.objects.count() == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:8000", ("127.0.0.1", 8000)), ("127.0.0.1", ("127.0.0.1", 80)), ("[::1]:8000", ("::1", 8000))],
)
def test_connect_to_setting_forms(settings, value, expected):
    settings.SITE_CHECK_CONNECT_TO = value
    assert sitecheck._connect_to() == expected


def test_rows_are_saved_as_the_checks_come_back(settings, monkeypatch, server, communes):
    """A run cut short (django-q2's timeout, many sites that never answer) keeps what it checked:
    the rows are written in batches while the others are still being asked."""
    Handler.answers = {}
    settings.SITE_CHECK_CONNECT_TO = f"127.0.0.1:{server.server_port}"
    monkeypatch.setattr(sitecheck, "SAVE_EVERY", 2)
    seen_in_database = []

    def progress(results, total):
        for result in results:
            seen_in_database.append(SiteCheck.objects.count())
            yield result

    checks = sitecheck.check_sites([communes[code] for code in sorted(communes)], progress=progress)
    assert seen_in_database == [0, 0, 2, 2, 4, 4, 6]  # before each result is taken in
    assert [c.commune.code for c in checks] == sorted(communes)  # in the communes' order
    assert SiteCheck.objects.count() == 7 and all(c.pk for c in checks)


def test_https_through_connect_to_sends_the_sites_name_and_checks_its_certificate(tmp_path):
    """SITE_CHECK_CONNECT_TO with https: the TLS handshake names the site (SNI), not the address
    connected to, and the certificate is checked against that name (a self-signed one is refused
    with a Vietnamese message)."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xa-thu.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("xa-thu.example")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.sni_callback = lambda sock, server_name, ctx: names.append(server_name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            context.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            pass  # the client refuses the certificate
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        status, error = sitecheck.fetch("https://xa-thu.example/", connect_to=("127.0.0.1", port), timeout=5)
    finally:
        thread.join(5)
        listener.close()
    assert names == ["xa-thu.example"]
    assert status is None and error.startswith("Lỗi chứng chỉ, kết nối bảo mật:")
