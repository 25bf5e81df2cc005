"""A real server for browser tests: `manage.py runserver` in its own process with its own
database (a SQLite file, or a throwaway PostgreSQL database when DATABASE_URL points at
PostgreSQL), provisioned like `make run`, driven by Debian's chromium through Playwright."""

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(tmp_dir):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp_dir}/e2e.sqlite3", None
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_e2e"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), (admin, name)


class LiveSite:
    def __init__(self, port, env):
        self.port = port
        self.env = env

    def url(self, hostname, path="/"):
        return f"http://{hostname}:{self.port}{path}"

    def manage(self, *args, check=True):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            capture_output=True,
            text=True,
            timeout=600,
        )


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    db_url, pg = _database_url(tmp_dir)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SITE_PORT": str(port),
        "MEDIA_ROOT": str(tmp_dir / "media"),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "PRIVATE_MEDIA_ROOT": str(tmp_dir / "private"),
        # The load test sends 200 questions from this one address; the limits per address
        # are tested in tests/inquiries/test_inquiries_public.py.
        "INQUIRY_RATE_PER_IP_HOUR": "10000",
        "INQUIRY_RATE_PER_IP_DAY": "10000",
    }
    env.pop("SECRET_KEY", None)
    site = LiveSite(port, env)
    site.manage("migrate", "--noinput")
    site.manage("provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress")
    log = open(tmp_dir / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(site.url("127.0.0.1", "/admin/login/"), timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start: " + (tmp_dir / "server.log").read_text())
                time.sleep(0.3)
        yield site
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        if pg:
            import psycopg

            with psycopg.connect(pg[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg[1]}" WITH (FORCE)')


def run_player(live_site, board, token, cache, *options, timeout=180):
    """The reference player (`python -m player`, headless) against the live site, to its end:
    the finished process (stdout and stderr captured)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "player",
            "--server",
            f"http://127.0.0.1:{live_site.port}",
            "--board",
            str(board),
            f"--token={token}",  # a token may start with "-"
            "--cache",
            str(cache),
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# The second factor of the admin (signin/), for sign_in: the key each account's "phone" holds,
# by username (not by origin: a test may reach one database through servers on several ports),
# and the last 30-second step used with each key (a code is accepted once).
_TOTP_KEYS = {}
_TOTP_STEPS = {}
_SIGNIN_PAGES = {"/admin/", "/admin/xac-thuc-hai-buoc/bat/", "/admin/xac-thuc-hai-buoc/ma/"}


def totp_code(origin, username):
    """The code the authenticator app of `username` shows now; a step never used before."""
    from django_otp.oath import TOTP

    secret = _TOTP_KEYS[username]
    step = int(time.time() // 30)
    last = _TOTP_STEPS.get(secret, -1)
    if last >= step + 1:  # both codes of this moment used (the server allows one step ahead)
        time.sleep(30 - time.time() % 30 + 0.5)
        step = int(time.time() // 30)
    step = max(step, last + 1)
    _TOTP_STEPS[secret] = step
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def sign_in(page, origin, username, password):
    """Log in to the admin at `origin` (http://host:port) as a person does: the login form, then
    the second factor when asked. Someone who must turn it on enrols there (the key read from the
    page, as a phone scans its QR code; the recovery codes acknowledged); someone with an app types
    its current code. Ends on the dashboard."""
    page.goto(origin + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: urlsplit(url).path in _SIGNIN_PAGES)
    path = urlsplit(page.url).path
    if path == "/admin/xac-thuc-hai-buoc/bat/":
        _TOTP_KEYS[username] = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        page.fill("#id_otp_token", totp_code(origin, username))
        page.get_by_role("button", name="Bật xác thực hai bước").click()
        page.wait_for_url(re.compile(r"/admin/xac-thuc-hai-buoc/ma-du-phong/"))
        page.get_by_role("link", name="Tôi đã lưu mã, tiếp tục").click()
    elif path == "/admin/xac-thuc-hai-buoc/ma/":
        page.fill("#id_otp_token", totp_code(origin, username))
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    path = ROOT / "tests" / "artifacts"
    path.mkdir(exist_ok=True)
    return path
