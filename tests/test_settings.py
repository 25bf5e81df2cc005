"""Settings come from the environment; production settings pass `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
    "BASE_DOMAIN": "travinh.gov.vn",
    "DATABASE_URL": "postgres://tincoso:secret@db.internal:5432/tincoso",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "EMAIL_HOST": "smtp.travinh.gov.vn",
    "MEDIA_ROOT": "/srv/tincoso/media",
}

SHOW = (
    "import json,sys; sys.path[:0]=['site','.']; import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','tincoso.settings');"
    "from django.conf import settings as s;"
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
    "'cache': s.CACHES['default']['BACKEND'], 'q': {k: v for k, v in s.Q_CLUSTER.items() if k in ('orm','redis')},"
    "'hosts': s.ALLOWED_HOSTS, 'media': str(s.MEDIA_ROOT), 'email': s.EMAIL_BACKEND, 'init': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
)


def _env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN", "EMAIL_HOST", "MEDIA_ROOT")
    }
    env.update(extra)
    return env


def _run(args, **env):
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=_env(**env), timeout=120)


def test_development_defaults():
    result = _run([sys.executable, "-c", SHOW])
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["debug"] is True
    assert shown["db"] == "django.db.backends.sqlite3" and shown["db_name"].endswith("db.sqlite3")
    assert "journal_mode=WAL" in shown["init"]
    assert shown["cache"].endswith("LocMemCache") and shown["q"] == {"orm": "default"}
    assert ".localhost" in shown["hosts"]
    assert shown["email"].endswith("console.EmailBackend")


def test_production_environment_is_read():
    result = _run([sys.executable, "-c", SHOW], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["debug"] is False
    assert shown["db"] == "django.db.backends.postgresql" and shown["db_name"] == "tincoso"
    assert shown["cache"].endswith("RedisCache") and shown["q"] == {"redis": PRODUCTION["REDIS_URL"]}
    assert shown["hosts"] == ["travinh.gov.vn", ".travinh.gov.vn"]
    assert shown["media"] == "/srv/tincoso/media"
    assert shown["email"].endswith("smtp.EmailBackend")


def test_check_deploy_is_clean_under_production_settings():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = _run([sys.executable, "manage.py", "check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_bad_boolean_is_named():
    result = _run([sys.executable, "manage.py", "check"], DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe'" in result.stderr
