"""Settings for tincoso, read from the environment.

Development needs nothing: with no SECRET_KEY in the environment the project runs in
development mode (DEBUG on, a generated key kept in ``.secret_key``, SQLite, local-memory
cache, the django-q2 ORM broker). Production sets SECRET_KEY (DEBUG is then off unless asked
for), DATABASE_URL, REDIS_URL, BASE_DOMAIN and the email variables. See README.md.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def env_float(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a number, e.g. -16") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core ---------------------------------------------------------------------------------

SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
DEBUG = env_bool("DEBUG", default=not SECRET_KEY)

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (production). "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    key_file = BASE_DIR / ".secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        SECRET_KEY = secrets.token_urlsafe(50)
        key_file.write_text(SECRET_KEY + "\n")
        key_file.chmod(0o600)

# Every province, district and commune site is a hostname under this domain:
# an-truong.cang-long.tra-vinh.<BASE_DOMAIN>. `*.localhost` resolves to 127.0.0.1 in browsers.
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost").strip().lower().strip(".")
# Port written into each Wagtail Site so that its links carry it (80 → http://, 443 → https://).
SITE_PORT = env_int("SITE_PORT", 8000 if DEBUG else 443)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [BASE_DOMAIN, "." + BASE_DOMAIN] + (["localhost", ".localhost", "127.0.0.1", "testserver"] if DEBUG else []),
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS",
    [f"https://*.{BASE_DOMAIN}", f"https://{BASE_DOMAIN}"]
    + ([f"http://*.{BASE_DOMAIN}:{SITE_PORT}", f"http://{BASE_DOMAIN}:{SITE_PORT}"] if DEBUG else []),
)

# One app per domain, in layers (docs/architecture.md): core ← areas ← signin ← cms_pages ← search,
# inquiries, sources ← boards ← indicators; demo (seed commands) only when TINCOSO_DEMO is on.
TINCOSO_DEMO = env_bool("TINCOSO_DEMO", default=DEBUG)
INSTALLED_APPS = [
    "core",
    "areas",
    "signin",
    "cms_pages",
    "search",
    "inquiries",
    "sources",
    "boards",
    "station",
    "indicators",
    "directives",
    "exchange",
    *(["demo"] if TINCOSO_DEMO else []),
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",  # Content-Security-Policy, Permissions-Policy (public / admin)
    "core.http.ContentLengthMiddleware",  # 400 for a Content-Length that is not a whole number (a 500 in Django)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor passed
    "core.site_roots.SiteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "signin.middleware.TwoFactorMiddleware",  # the admin closed until the second factor (signin/)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: a locked-out sign-in → its answer
]

if not DEBUG:
    # Static files straight from gunicorn, compressed and cached forever (hashed names).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "tincoso.urls"
WSGI_APPLICATION = "tincoso.wsgi.application"

THEMES_DIR = BASE_DIR / "themes"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [THEMES_DIR / "default" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "areas.context_processors.site_chrome",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while the worker writes; IMMEDIATE transactions and a busy
    # timeout make concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_SQLITE_NAME") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue ---------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    _q_broker = {"redis": REDIS_URL}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tincoso"}}
    _q_broker = {"orm": "default"}

Q_CLUSTER = {
    "name": "tincoso",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "queue_limit": 100,
    "catch_up": False,
    "label": "Hàng đợi tác vụ",
    **_q_broker,
}

# --- Passwords, language, time ------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in to the admin (signin/, docs/architecture.md "Sign-in"): a second factor (django-otp)
# for the province's and districts' staff who publish source information and alerts or manage
# boards, and for superusers; django-axes locks a username from an address after
# LOGIN_FAILURE_LIMIT wrong passwords or codes, for LOGIN_LOCKOUT_MINUTES from the last one.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out sign-in never reaches the password check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lockout ends when the page says
AXES_CLIENT_IP_CALLABLE = "signin.lockout.client_ip"  # REMOTE_ADDR, or X-Forwarded-For when trusted
AXES_LOCKOUT_CALLABLE = "signin.lockout.lockout_response"  # the login page, in Vietnamese, 429
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "confirm"]  # masked in axes' records
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The admin is Vietnamese for everyone: with one permitted language Wagtail hides the language
# preference, and without LocaleMiddleware a browser asking for English changes nothing.
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Vietnam has one time zone. Wagtail's default list is every name zoneinfo knows, which on
# Debian includes "localtime", a name browsers reject (RangeError on the account page).
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
FORMAT_MODULE_PATH = ["tincoso.formats"]  # day-first date input (site/tincoso/formats/vi)
USE_I18N = True
USE_TZ = True

# --- Files --------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "static_collected")
# Each theme's static files are served under its name: /static/<theme>/css/site.css.
STATICFILES_DIRS = [(p.name, p / "static") for p in sorted(THEMES_DIR.iterdir()) if (p / "static").is_dir()]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible object storage. django-storages reads its options from Django's settings, not
    # from the environment (only boto3 falls back to the environment, for the keys), so each
    # AWS_* variable below that is set becomes the setting of the same name.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = False
    for _name in (
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_S3_ENDPOINT_URL",
        "AWS_S3_CUSTOM_DOMAIN",
        "AWS_S3_REGION_NAME",
        "AWS_S3_URL_PROTOCOL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_LOCATION",
    ):
        if os.environ.get(_name, "").strip():
            globals()[_name] = os.environ[_name].strip()

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Citizens' questions and feedback (inquiries/): photos kept outside MEDIA_ROOT,
# served only through views that check access.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
# `manage.py backup` writes its archives here unless given --output (core/backup.py, README "Backups").
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or BASE_DIR / "var" / "backups")
INQUIRY_DEADLINE_WORKING_DAYS = env_int("INQUIRY_DEADLINE_WORKING_DAYS", 10)
INQUIRY_POW_DIFFICULTY = env_int("INQUIRY_POW_DIFFICULTY", 16)  # leading zero bits of sha256
INQUIRY_RATE_PER_IP_HOUR = env_int("INQUIRY_RATE_PER_IP_HOUR", 5)
INQUIRY_RATE_PER_IP_DAY = env_int("INQUIRY_RATE_PER_IP_DAY", 20)
INQUIRY_RATE_PER_PHONE_DAY = env_int("INQUIRY_RATE_PER_PHONE_DAY", 3)
# Behind a reverse proxy (nginx), the client's address comes from X-Forwarded-For: for the
# questions' rate limits and the admin login's lockout (signin/lockout.py). The older name
# INQUIRY_TRUST_X_FORWARDED_FOR is still read; both settings follow whichever is on.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False) or env_bool("INQUIRY_TRUST_X_FORWARDED_FOR", False)
INQUIRY_TRUST_X_FORWARDED_FOR = TRUST_X_FORWARDED_FOR
INQUIRY_MAX_PHOTOS = 3
INQUIRY_PHOTO_MAX_BYTES = 5 * 1024 * 1024

# Whole-page cache of public pages for anonymous readers (core/page_cache.py); 0 = off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)

# Every periodic job of every app, in one place: `migrate` keeps django-q2's Schedule rows in
# step with this list (core/schedules.py), by name; other schedules are left alone.
# type: "I" every `minutes` minutes, "H" hourly, "D" daily.
SCHEDULES = [
    {"name": "Xuất bản và gỡ trang theo lịch", "func": "cms_pages.tasks.publish_scheduled", "type": "I", "minutes": 1},
    {"name": "Dựng lại bảng điện tử đến hạn", "func": "boards.tasks.rebuild_due", "type": "I", "minutes": 1},
    {"name": "Giám sát bảng điện tử", "func": "boards.monitoring.check_boards", "type": "I", "minutes": 1},
    {"name": "Dọn lịch sử bảng điện tử", "func": "boards.tasks.prune_history", "type": "D"},
    {"name": "Đọc các nguồn cảnh báo CAP", "func": "sources.cap_import.poll_feeds", "type": "I", "minutes": 5},
    {"name": "Kiểm tra luồng tiếp sóng", "func": "station.relays.check_relays", "type": "I", "minutes": 1},
    {"name": "Đọc nguồn tin ngoài cho bảng điện tử", "func": "boards.tasks.fetch_feeds", "type": "I", "minutes": 1},
    {"name": "Nhắc hạn văn bản chỉ đạo", "func": "directives.tasks.send_reminders", "type": "H"},
    {
        "name": "Kiểm tra trang thông tin điện tử cấp xã",
        "func": "indicators.tasks.check_sites",
        "type": "I",
        "minutes": 360,
    },
    {"name": "Gửi bản tin liên thông", "func": "exchange.outbox.send_due", "type": "I", "minutes": 1},
    {"name": "Gửi số liệu lên cấp trên", "func": "exchange.outbox.send_reports", "type": "D"},
]

# Installations that talk to each other (exchange/, docs/architecture.md "Between installations"):
# this installation's Ed25519 private key, as the base64 of its 32-byte seed, or else the PEM file
# that `manage.py exchange_keys` writes (outside MEDIA_ROOT; mode 0600); the largest message taken;
# each peer's answer awaited; how often and how far apart a message is sent again; how long the
# logs are kept.
EXCHANGE_PRIVATE_KEY = os.environ.get("EXCHANGE_PRIVATE_KEY", "").strip()
EXCHANGE_KEY_FILE = Path(os.environ.get("EXCHANGE_KEY_FILE") or BASE_DIR / "var" / "exchange" / "ed25519.pem")
EXCHANGE_MAX_BODY_BYTES = env_int("EXCHANGE_MAX_BODY_BYTES", 2 * 1024 * 1024)
EXCHANGE_TIMEOUT_S = env_float("EXCHANGE_TIMEOUT_S", 30.0)
EXCHANGE_MAX_ATTEMPTS = env_int("EXCHANGE_MAX_ATTEMPTS", 10)
EXCHANGE_RETRY_MAX_MINUTES = env_int("EXCHANGE_RETRY_MAX_MINUTES", 360)
EXCHANGE_LOG_DAYS = env_int("EXCHANGE_LOG_DAYS", 365)  # "Nhật ký nhận" and messages sent kept this long

# Indicators 1.3 and 1.4, "the site exists and answers" (indicators/sitecheck.py): every commune
# site's home is fetched every 6 hours. SITE_CHECK_CONNECT_TO ("host:port") connects there instead
# of the address the hostname resolves to, sending the site's own Host (curl --connect-to): `make
# run` sets it to the development server, whose *.localhost names do not resolve here.
SITE_CHECK_CONNECT_TO = os.environ.get("SITE_CHECK_CONNECT_TO", "").strip()
SITE_CHECK_TIMEOUT_S = env_float("SITE_CHECK_TIMEOUT_S", 10.0)
SITE_CHECK_WORKERS = env_int("SITE_CHECK_WORKERS", 8)

# External feeds and calendars on boards (boards/feeds.py): each source is read when its own
# refresh time (≥ 5 minutes) comes; the every-minute task above only looks for due ones.
FEEDS_MAX_BYTES = env_int("FEEDS_MAX_BYTES", 2 * 1024 * 1024)  # a larger body is refused
FEEDS_TIMEOUT_S = env_float("FEEDS_TIMEOUT_S", 15.0)  # each network wait; the whole read at most twice that
# Off: a feed address that resolves to a private, loopback or link-local address is refused
# (no reading the server's own network). Tests turn it on to reach 127.0.0.1.
FEEDS_ALLOW_PRIVATE_ADDRESSES = env_bool("FEEDS_ALLOW_PRIVATE_ADDRESSES", default=False)

# Speech for the commune loudspeakers and the "Nghe thông báo" button (speech, issue 9).
# espeak-ng (bundled by the espeakng-loader wheel) works offline; Piper reads a local model.
TTS_ENGINE = os.environ.get("TTS_ENGINE", "espeak").strip().lower() or "espeak"  # espeak | piper
TTS_DEFAULT_VOICE = os.environ.get("TTS_DEFAULT_VOICE", "bac").strip().lower() or "bac"  # bac | trung | nam
TTS_RATE = env_int("TTS_RATE", 150)  # espeak-ng: words (syllables) per minute, 80–450
TTS_ESPEAK_COMMAND = os.environ.get("TTS_ESPEAK_COMMAND", "").strip()  # an espeak-ng program instead of the library
TTS_PIPER_MODEL = os.environ.get("TTS_PIPER_MODEL", "").strip()  # /path/vi_VN-….onnx (.onnx.json beside it)
TTS_PIPER_VOICES = os.environ.get("TTS_PIPER_VOICES", "").strip()  # "nam=/a.onnx,trung=/b.onnx"
TTS_PIPER_COMMAND = os.environ.get("TTS_PIPER_COMMAND", "").strip()  # e.g. "piper" or "python3 -m piper"

# The loudspeaker station (station/, docs/architecture.md "Loudspeaker station"): recorded
# programmes are normalised once to this integrated loudness (EBU R128, LUFS; −16 suits loudspeakers
# outdoors, −23 is the broadcast norm) and checked against these limits when uploaded.
STATION_LOUDNESS_TARGET = env_float("STATION_LOUDNESS_TARGET", -16.0)
STATION_MAX_UPLOAD_MB = env_int("STATION_MAX_UPLOAD_MB", 200)
STATION_MAX_HOURS = env_int("STATION_MAX_HOURS", 3)
# Live broadcasts ("Phát trực tiếp", station/live.py, README "Live broadcasts"): where
# `manage.py live_ingest` sends the stream (Icecast's source address, empty: the ingest serves
# the players itself), where players reach the streams, where browsers reach the ingest.
STATION_ICECAST_URL = os.environ.get("STATION_ICECAST_URL", "").strip()
STATION_LIVE_PUBLIC_URL = os.environ.get("STATION_LIVE_PUBLIC_URL", "").strip()
STATION_LIVE_INGEST_URL = os.environ.get("STATION_LIVE_INGEST_URL", "").strip()
if not -40.0 <= STATION_LOUDNESS_TARGET <= -6.0:
    raise ImproperlyConfigured(f"STATION_LOUDNESS_TARGET={STATION_LOUDNESS_TARGET}: expected between -40 and -6 LUFS")

# The real-time channel to boards and loudspeakers (docs/architecture.md, "Real-time channel v1").
# MQTT_URL: where the sender (manage.py mqtt_sender) reaches the broker; empty = no channel (the
# players poll, as before). MQTT_PUBLIC_URL: the address players are given (default MQTT_URL).
MQTT_URL = os.environ.get("MQTT_URL", "").strip()
MQTT_PUBLIC_URL = os.environ.get("MQTT_PUBLIC_URL", "").strip() or MQTT_URL
MQTT_PREFIX = os.environ.get("MQTT_PREFIX", "tincoso").strip().strip("/") or "tincoso"
MQTT_SERVER_PASSWORD = os.environ.get("MQTT_SERVER_PASSWORD", "")  # default: derived from SECRET_KEY
# The broker's password and ACL files (written by the sender) and its pid file (SIGHUP to reload).
MQTT_BROKER_DIR = Path(os.environ.get("MQTT_BROKER_DIR") or BASE_DIR / "var" / "mqtt")
MQTT_BROKER_PID_FILE = os.environ.get("MQTT_BROKER_PID_FILE", "")  # default: MQTT_BROKER_DIR/broker.pid

# Maps in the admin ("Bản đồ bảng và loa", boards/map_views.py; Leaflet in core/static/vendor/leaflet/):
# the tile address template ({z}/{x}/{y}, optionally {s} for a.b.c subdomains and {r} for "@2x"),
# its attribution (HTML, shown on the map; OpenStreetMap's by default for OpenStreetMap's tiles)
# and the deepest zoom it serves. Empty (the default): no tiles, the markers on a plain
# background, and no request leaves the installation. Each map view asks the tile host for
# images, so the officials' addresses reach it: deploy/tincoso.env.example names OpenStreetMap's.
# The admin's Content-Security-Policy allows images from the tile host (core/security.py); a path
# ("/tiles/{z}/{x}/{y}.png") serves tiles from the site itself.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "").strip()
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "").strip() or (
    '&copy; <a href="https://www.openstreetmap.org/copyright">Những người đóng góp OpenStreetMap</a>'
    if "openstreetmap.org" in MAP_TILE_URL
    else ""
)
MAP_TILE_MAX_ZOOM = env_int("MAP_TILE_MAX_ZOOM", 19)
if MAP_TILE_URL and not all(part in MAP_TILE_URL for part in ("{z}", "{x}", "{y}")):
    raise ImproperlyConfigured(f"MAP_TILE_URL={MAP_TILE_URL}: expected an address with {{z}}, {{x}} and {{y}}")
if not 1 <= MAP_TILE_MAX_ZOOM <= 22:
    raise ImproperlyConfigured(f"MAP_TILE_MAX_ZOOM={MAP_TILE_MAX_ZOOM}: expected between 1 and 22")

# --- Email --------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"tincoso@{BASE_DOMAIN}")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security (production) ---------------------------------------------------------------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"  # Django's default, kept on purpose
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views allow same-origin framing themselves
# No script reads the session or CSRF cookie: Wagtail's admin takes the CSRF token from its page
# (wagtailConfig.CSRF_TOKEN), the project's scripts from the form's csrfmiddlewaretoken input.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"


# Content-Security-Policy (django-csp; core/security.py gives admin paths their own policy) and
# Permissions-Policy: docs/architecture.md, "Security headers". Nothing is loaded from another
# host, except uploads when they live elsewhere (S3, a CDN): their origins come from the storage
# settings, plus CSP_MEDIA_ORIGINS (comma-separated) for anything else that serves MEDIA_URL.
def _origin(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _media_origins():
    origins = [_origin(MEDIA_URL)]
    if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        bucket = os.environ["AWS_STORAGE_BUCKET_NAME"].strip()
        protocol = os.environ.get("AWS_S3_URL_PROTOCOL", "https:").strip() or "https:"
        if os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").strip():
            origins.append(f"{protocol}//{os.environ['AWS_S3_CUSTOM_DOMAIN'].strip().split('/')[0]}")
        elif _origin(os.environ.get("AWS_S3_ENDPOINT_URL", "").strip()):
            scheme, host = _origin(os.environ["AWS_S3_ENDPOINT_URL"].strip()).split("://")
            origins += [f"{scheme}://{host}", f"{scheme}://{bucket}.{host}"]  # path or virtual-host style
        else:
            region = os.environ.get("AWS_S3_REGION_NAME", "").strip()
            origins.append(f"https://{bucket}.s3.{region + '.' if region else ''}amazonaws.com")
    origins += env_list("CSP_MEDIA_ORIGINS")
    return list(dict.fromkeys(o for o in origins if o))


_MEDIA_ORIGINS = _media_origins()
# The public sites, the Player API and every other path outside the admin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # no inline script, no event handler attribute on public pages
        "style-src": ["'self'"],  # no inline style either: the themes' CSS files only
        "img-src": ["'self'", "data:", *_MEDIA_ORIGINS],  # data: the themes' CSS icons
        "media-src": ["'self'", *_MEDIA_ORIGINS],  # "Nghe thông báo"
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The admin (/admin/, the page previews included): as strict as Wagtail 8.0 allows. Relaxed:
# - inline <script> elements: Wagtail 8.0 renders one beside every date/time field
#   (initDateChooser …), page/image/document chooser (new ImageChooser …) and InlinePanel, and
#   its vendor.js runs them again when a form is added; without them the editor breaks. Event
#   handler attributes (onclick=…) stay forbidden (script-src-attr 'none'): nothing uses them.
# - inline styles: Wagtail's vendor.js inserts <style> elements (the rich text editor, tooltips),
#   its templates and the project's admin screens use style attributes and <style> blocks.
# - blob: images and media: previews of images and recordings chosen for upload.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],  # for browsers without script-src-elem/-attr
        "script-src-elem": ["'self'", "'unsafe-inline'"],
        "script-src-attr": ["'none'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGINS],
        "media-src": ["'self'", "blob:", *_MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],  # Wagtail's live preview frames the page under /admin/
    }
}
# Features no page uses are off. The inquiry form's "Dùng vị trí hiện tại của tôi" needs the
# location; the admin's live broadcast page ("Phát trực tiếp") needs the microphone.
_NO_FEATURES = {name: [] for name in ("camera", "microphone", "geolocation", "payment", "usb")}
PERMISSIONS_POLICY = {**_NO_FEATURES, "geolocation": ["self"]}
PERMISSIONS_POLICY_ADMIN = {**_NO_FEATURES, "microphone": ["self"]}

# --- Wagtail ------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Thông tin cơ sở")
# The project's own e-mails link to the host of the site they concern (a commune's editors to
# the admin on their commune's host: areas/accounts.py, unit_root_url), built from each Site's
# hostname and port (SITE_PORT; 443 gives https://). This setting is left to Wagtail's own
# e-mails (moderation workflow) and as the last resort: BASE_DOMAIN itself is no site, so in
# production set it to the province portal, e.g. https://tra-vinh.gov.vn.
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL",
    f"http://{BASE_DOMAIN}:{SITE_PORT}" if DEBUG else f"https://{BASE_DOMAIN}",
)
WAGTAIL_I18N_ENABLED = False
# ASCII slugs: Vietnamese titles fold to readable URLs (cms_pages.models.content.VietnameseSlugMixin).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# mp4: video clips for the boards (checked by content when a media slide uses one: boards/video.py).
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "txt", "zip", "jpg", "png", "mp4"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 100 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: staff addresses stay in the province, the admin works offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
