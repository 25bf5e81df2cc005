"""Security headers as browsers and players get them from a production server (core/security.py,
docs/architecture.md "Security headers"): a commune's page, the admin and the Player API, with the
production settings of site/tincoso/settings.py; `manage.py check --deploy` with a production
environment; the media host in the policies, derived from the storage settings."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from boards.api import issue_token
from boards.models import Board

PRODUCTION = {
    "DEBUG": False,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}
PASSWORD = "Mat-khau-tieu-de-2026"


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    return {
        name: sources
        for name, *sources in (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    }


def assert_transport_headers(response):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def production():
    with override_settings(**PRODUCTION):
        yield Client()


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bientap-tieu-de", "bientap@example.vn", PASSWORD)
    user.groups.add(commune.editors_group)
    return user


def test_a_public_page_keeps_a_strict_policy(production, commune):
    host = commune.get_site().hostname
    assert production.get("/", HTTP_HOST=host).status_code == 301  # plain HTTP goes to HTTPS
    response = production.get("/", HTTP_HOST=host, secure=True)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no 'unsafe-inline'
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"] and csp["media-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    # The question form's "use my location" is the only feature a public page may ask for.
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
    assert_transport_headers(response)


def test_the_admin_has_its_own_policy_and_secure_cookies(production, commune, editor):
    host = commune.get_site().hostname
    login = production.get("/admin/login/", HTTP_HOST=host, secure=True)
    assert login.status_code == 200
    csp = policy(login)
    assert csp["script-src-attr"] == ["'none'"]  # no onclick=… in the admin either
    assert csp["script-src-elem"] == ["'self'", "'unsafe-inline'"]  # Wagtail 8.0's widgets (settings.py)
    assert csp["frame-ancestors"] == ["'self'"]  # Wagtail's live preview
    assert csp["object-src"] == ["'none'"] and csp["connect-src"] == ["'self'"]
    assert "'unsafe-eval'" not in login["Content-Security-Policy"]
    assert login["Permissions-Policy"] == "camera=(), microphone=(self), geolocation=(), payment=(), usb=()"
    assert_transport_headers(login)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

    signed_in = production.post(
        "/admin/login/",
        {"username": editor.username, "password": PASSWORD},
        HTTP_HOST=host,
        secure=True,
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_the_live_page_alone_may_reach_the_ingest(production, commune, editor):
    host = commune.get_site().hostname
    production.force_login(editor)
    live = production.get("/admin/dai-truyen-thanh/phat-truc-tiep/", HTTP_HOST=host, secure=True)
    assert live.status_code == 200
    assert policy(live)["connect-src"] == ["'self'", f"wss://{host}:8765/"]
    dashboard = production.get("/admin/", HTTP_HOST=host, secure=True)
    assert dashboard.status_code == 200
    assert policy(dashboard)["connect-src"] == ["'self'"]
    with override_settings(STATION_LIVE_INGEST_URL="wss://tra-vinh.gov.vn/phat-truc-tiep/"):
        live = production.get("/admin/dai-truyen-thanh/phat-truc-tiep/", HTTP_HOST=host, secure=True)
    assert policy(live)["connect-src"] == ["'self'", "wss://tra-vinh.gov.vn/phat-truc-tiep/"]


def test_the_player_api_gets_the_headers_too(production, commune):
    board = Board.objects.create(owner=commune, name="Bảng chợ (tiêu đề bảo mật)", width=384, height=192)
    token = issue_token(board)
    response = production.get(
        "/api/boards/v1/me", HTTP_HOST=commune.get_site().hostname, HTTP_AUTHORIZATION=f"Bearer {token}", secure=True
    )
    assert response.status_code == 200 and response.json()["board"] == board.pk
    assert policy(response)["default-src"] == ["'self'"]
    assert_transport_headers(response)


def _production_env(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "SECURE_", "CSP_", "MEDIA_", "STATION_"))
        and key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "TINCOSO_DEMO"}
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        BASE_DOMAIN="gov.vn",
        DATABASE_URL=f"sqlite:///{tmp_path}/production.sqlite3",
        STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    # --fail-level DEBUG: any message at all, even a hint, fails; nothing is silenced.
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


SHOW_POLICIES = (
    "import json; from django.conf import settings; print(json.dumps([settings.CONTENT_SECURITY_POLICY['DIRECTIVES'],"
    " settings.CONTENT_SECURITY_POLICY_ADMIN['DIRECTIVES']]))"
)


@pytest.mark.parametrize(
    ("storage", "origins"),
    [
        ({}, []),
        ({"MEDIA_URL": "https://tep.tra-vinh.gov.vn/media/"}, ["https://tep.tra-vinh.gov.vn"]),
        (
            {"AWS_STORAGE_BUCKET_NAME": "tincoso-media", "AWS_S3_CUSTOM_DOMAIN": "cdn.tra-vinh.gov.vn"},
            ["https://cdn.tra-vinh.gov.vn"],
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "tincoso-media", "AWS_S3_ENDPOINT_URL": "https://s3.tra-vinh.gov.vn:9000"},
            ["https://s3.tra-vinh.gov.vn:9000", "https://tincoso-media.s3.tra-vinh.gov.vn:9000"],
        ),
    ],
)
def test_the_media_host_comes_from_the_storage_settings(tmp_path, storage, origins):
    result = _manage(_production_env(tmp_path, **storage), "shell", "--no-imports", "-c", SHOW_POLICIES)
    assert result.returncode == 0, result.stderr
    public, admin = json.loads(result.stdout.strip().splitlines()[-1])
    assert public["img-src"] == ["'self'", "data:", *origins]
    assert public["media-src"] == ["'self'", *origins]
    assert admin["img-src"] == ["'self'", "data:", "blob:", *origins]
    assert admin["media-src"] == ["'self'", "blob:", *origins]
    assert public["script-src"] == ["'self'"] and public["connect-src"] == ["'self'"]
