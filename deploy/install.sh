#!/usr/bin/env bash
# Brings a tincoso installation up on a Debian 12 machine, or updates it: Debian's packages
# (nginx, PostgreSQL, Redis, Mosquitto, Icecast 2, Python), a system user, the code and its
# virtualenv, the environment file, the database (migrate), static files, the province(s)
# (provision), the Mosquitto and Icecast configurations the project writes (mqtt_config,
# icecast_config), the units of deploy/systemd/, the nginx site, and starts it all. Run it again
# after `git pull` to update: every step is idempotent (nothing is created twice, the secret key
# and passwords are kept, the web service restarts without losing a request).
#
#   sudo deploy/install.sh --domain gov.vn --province "Trà Vinh" --cert FULLCHAIN --key PRIVKEY
#   sudo deploy/install.sh                       # again: same choices (kept in the env file)
#   sudo deploy/install.sh --uninstall [--purge] # stop and remove (--purge: data too)
#
# With systemd as PID 1 the units are enabled with `systemctl enable --now`; without it (a
# container) deploy/units.py runs the same unit files. See --help, and README "Production".
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=tincoso
PREFIX=""
ENV_FILE=""
UNIT_DIR=/etc/systemd/system
INIT=auto
APT=1
SELF_SIGNED=0
UNINSTALL=0
PURGE=0
declare -A OPT=()   # options given on this run, by env-file key
PROVINCES=()

usage() {
  cat <<'EOF'
Usage: deploy/install.sh [options]

  --domain DOMAIN          BASE_DOMAIN: sites are <commune>.<district>.<province>.DOMAIN
  --province NAME          provision this province (repeat for several; names or codes)
  --structure 2024|2025    administrative structure of a new province (default 2024)
  --cert FILE --key FILE   TLS certificate (full chain) and key covering every level (see below)
  --self-signed            make a local CA and a certificate for every site name instead (tests)
  --database-url URL       default: the local PostgreSQL, database and role NAME, over its socket
  --redis-url URL          default: redis://127.0.0.1:6379/0 (the local Redis)
  --http-port N            nginx's HTTP port, redirects to HTTPS (default 80)
  --https-port N           nginx's HTTPS port (default 443; SITE_PORT follows: keep 443, the only
                           port for which Wagtail writes https:// links)
  --web-bind ADDR:PORT     gunicorn's socket (default 127.0.0.1:8001)
  --web-workers N          gunicorn worker processes (default 2 per core)
  --mqtt-port N            Mosquitto's port (default 1883)    --mqtt-bind ADDR (default 0.0.0.0)
  --mqtt-public-url URL    the broker's address for players (default mqtt://<this host's name>:PORT)
  --icecast-port N         Icecast's port (default 8000)      --icecast-bind ADDR (default 0.0.0.0)
  --icecast-public-url URL where clusters reach Icecast (default http://<this host's name>:PORT)
  --live-port N            the live ingest's local WebSocket port (default 8765)
  --name NAME              the instance (default tincoso): its user, /etc/NAME/, units NAME-*.service,
                           nginx site NAME.conf
  --prefix DIR             where code, virtualenv, static files, media and state go (default /srv/NAME)
  --env-file FILE          default /etc/NAME/tincoso.env
  --unit-dir DIR           where the units are written (default /etc/systemd/system)
  --init auto|systemd|units  the service manager (auto: systemd when it is PID 1)
  --no-apt                 do not install Debian packages (they must be there)
  --uninstall [--purge]    stop the services, remove units and the nginx site; --purge also
                           drops the database, empties the Redis database, removes files and user
EOF
}

die() { echo "install.sh: $*" >&2; exit 1; }
say() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }

while [ $# -gt 0 ]; do
  arg="$1"; val=""
  case "$arg" in --*=*) val="${arg#*=}"; arg="${arg%%=*}";; esac
  case "$arg" in
    --self-signed|--no-apt|--uninstall|--purge|-h|--help) ;;
    --domain|--province|--structure|--cert|--key|--database-url|--redis-url|--http-port|--https-port|\
    --web-bind|--web-workers|--mqtt-port|--mqtt-bind|--mqtt-public-url|--icecast-port|--icecast-bind|\
    --icecast-public-url|--live-port|--name|--prefix|--env-file|--unit-dir|--init)
      if [ -z "$val" ]; then [ $# -ge 2 ] || die "$arg needs a value"; val="$2"; shift; fi;;
    *) usage >&2; die "unknown option $arg";;
  esac
  case "$arg" in
    --domain) OPT[BASE_DOMAIN]="$val";;
    --province) PROVINCES+=("$val");;
    --structure) OPT[DEPLOY_STRUCTURE]="$val";;
    --cert) OPT[DEPLOY_CERT]="$val";;
    --key) OPT[DEPLOY_KEY]="$val";;
    --self-signed) SELF_SIGNED=1;;
    --database-url) OPT[DATABASE_URL]="$val";;
    --redis-url) OPT[REDIS_URL]="$val";;
    --http-port) OPT[DEPLOY_HTTP_PORT]="$val";;
    --https-port) OPT[DEPLOY_HTTPS_PORT]="$val";;
    --web-bind) OPT[WEB_BIND]="$val";;
    --web-workers) OPT[WEB_WORKERS]="$val";;
    --mqtt-port) OPT[DEPLOY_MQTT_PORT]="$val";;
    --mqtt-bind) OPT[DEPLOY_MQTT_BIND]="$val";;
    --mqtt-public-url) OPT[MQTT_PUBLIC_URL]="$val";;
    --icecast-port) OPT[DEPLOY_ICECAST_PORT]="$val";;
    --icecast-bind) OPT[DEPLOY_ICECAST_BIND]="$val";;
    --icecast-public-url) OPT[STATION_LIVE_PUBLIC_URL]="$val";;
    --live-port) OPT[DEPLOY_LIVE_PORT]="$val";;
    --name) NAME="$val";;
    --prefix) PREFIX="$val";;
    --env-file) ENV_FILE="$val";;
    --unit-dir) UNIT_DIR="$val";;
    --init) INIT="$val";;
    --no-apt) APT=0;;
    --uninstall) UNINSTALL=1;;
    --purge) PURGE=1;;
    -h|--help) usage; exit 0;;
    *) usage >&2; die "unknown option $arg";;
  esac
  shift
done

[ "$(id -u)" = 0 ] || die "run it as root (sudo deploy/install.sh …)"
[[ "$NAME" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || die "--name: lower-case letters, digits and '-', starting with a letter"
PREFIX="${PREFIX:-/srv/$NAME}"
ENV_FILE="${ENV_FILE:-/etc/$NAME/tincoso.env}"
CONF_DIR="$(dirname "$ENV_FILE")"
APP="$PREFIX/app"
VENV="$PREFIX/venv"
STATE="$PREFIX/var"
RUN_USER="$NAME"
SITE_FILE="/etc/nginx/sites-available/$NAME.conf"
SITE_LINK="/etc/nginx/sites-enabled/$NAME.conf"
SERVICES=(mosquitto icecast web worker mqtt-sender live)   # start order
APP_SERVICES=(web worker mqtt-sender live)

case "$INIT" in
  auto) if [ -d /run/systemd/system ]; then INIT=systemd; else INIT=units; fi;;
  systemd|units) ;;
  *) die "--init: auto, systemd or units";;
esac

units_py() { /usr/bin/python3 "$APP/deploy/units.py" --unit-dir "$UNIT_DIR" --state-dir "$STATE" --name "$NAME" "$@"; }
manage() { "$PREFIX/bin/manage" "$@"; }

# --- the environment file --------------------------------------------------------------------------

env_get() {  # KEY → its value in the environment file (quotes removed), or nothing
  [ -f "$ENV_FILE" ] || return 0
  K="$1" awk -F= '$1 == ENVIRON["K"] { sub(/^[^=]*=/, ""); v = $0 } END { print v }' "$ENV_FILE" \
    | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

env_set() {  # KEY VALUE: replace the line (else a commented "#KEY=" one, where the example
             # documents it), or append it
  local value="$2" tmp
  case "$value" in *[[:space:]]*) value="\"$value\"";; esac
  tmp="$(mktemp "$CONF_DIR/.env.XXXXXX")"
  K="$1" V="$value" awk '
    BEGIN { k = ENVIRON["K"]; line = k "=" ENVIRON["V"] }
    { all[NR] = $0 }
    $0 ~ "^" k "=" && !active { active = NR }
    $0 ~ "^#" k "=" && !commented { commented = NR }
    END {
      at = active ? active : commented
      for (i = 1; i <= NR; i++) {
        if (i == at) print line
        else if (!(all[i] ~ "^" k "=")) print all[i]
      }
      if (!at) print line
    }' "$ENV_FILE" >"$tmp"
  cat "$tmp" >"$ENV_FILE"
  rm -f "$tmp"
}

FRESH=0
choose() {  # KEY DEFAULT: this run's option, else what the file says (unless just copied), else DEFAULT
  local key="$1" default="$2" current=""
  [ "$FRESH" = 1 ] || current="$(env_get "$key")"
  if [ -n "${OPT[$key]:-}" ]; then
    env_set "$key" "${OPT[$key]}"
  elif [ -z "$current" ]; then
    env_set "$key" "$default"
  fi
}

# --- templates --------------------------------------------------------------------------------------

render() {  # TEMPLATE DEST: @WORD@ → $R_WORD (an unknown placeholder is an error)
  local tmp; tmp="$(mktemp)"
  perl -pe 's/\@(\w+)\@/exists $ENV{"R_$1"} ? $ENV{"R_$1"} : die "install.sh: $ARGV: unknown \@$1\@\n"/ge' \
    "$1" >"$tmp" || die "cannot write $2 from $1"
  install -m 0644 "$tmp" "$2"
  rm -f "$tmp"
}

# --- services ------------------------------------------------------------------------------------

svc() {  # ACTION [UNIT…] (short names; none: every service): through systemctl or deploy/units.py
  local action="$1"; shift
  [ $# -gt 0 ] || set -- "${SERVICES[@]}"
  if [ "$INIT" = systemd ]; then
    local names=()
    for u in "$@"; do names+=("$NAME-$u.service"); done
    systemctl "$action" "${names[@]}"
  else
    units_py "$action" "$@"
  fi
}

nginx_running() { [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; }

nginx_apply() {
  nginx -t -q || die "nginx -t failed: see the messages above"
  if [ "$INIT" = systemd ]; then
    systemctl enable --now nginx
    systemctl reload nginx
  elif nginx_running; then
    nginx -s reload
  else
    nginx
  fi
}

# --- uninstall ----------------------------------------------------------------------------------

if [ "$UNINSTALL" = 1 ]; then
  say "Stopping and removing $NAME"
  if [ "$INIT" = systemd ]; then
    systemctl disable --now "$NAME-backup.timer" "$NAME-web.socket" "${SERVICES[@]/#/$NAME-}" 2>/dev/null || true
  elif [ -f "$APP/deploy/units.py" ] && ls "$UNIT_DIR/$NAME"-*.service >/dev/null 2>&1; then
    units_py stop || true
  fi
  rm -f "$UNIT_DIR/$NAME"-*.service "$UNIT_DIR/$NAME"-*.socket "$UNIT_DIR/$NAME"-*.timer
  [ "$INIT" = systemd ] && systemctl daemon-reload
  if [ -e "$SITE_LINK" ] || [ -e "$SITE_FILE" ]; then
    rm -f "$SITE_LINK" "$SITE_FILE"
    if nginx_running || [ "$INIT" = systemd ]; then nginx_apply; fi
  fi
  if [ "$PURGE" = 1 ]; then
    db="$(env_get DATABASE_URL)"; redis="$(env_get REDIS_URL)"
    if [ -x "$VENV/bin/python" ] && [ -n "$db$redis" ]; then
      "$VENV/bin/python" - "$db" "$redis" <<'EOF' || true
import sys
from urllib.parse import urlsplit, urlunsplit
db, redis_url = sys.argv[1:3]
if db:
    import psycopg
    from psycopg import sql
    parts = urlsplit(db)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"database {name} dropped")
    except psycopg.Error as exc:
        print(f"database {name} not dropped: {exc}")
if redis_url:
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    print(f"Redis {redis_url} emptied")
EOF
    fi
    rm -rf "$PREFIX" "$CONF_DIR" "/var/backups/$NAME"
    rm -f "/var/log/nginx/$NAME.access.log" "/var/log/nginx/$NAME.error.log"
    if id -u "$RUN_USER" >/dev/null 2>&1; then userdel "$RUN_USER" 2>/dev/null || true; fi
    # Debian's nginx.conf back as it was, once no installation's site is left.
    if [ -f /etc/nginx/nginx.conf.before-tincoso ] \
       && ! grep -qsl "deploy/install.sh writes this file" /etc/nginx/sites-enabled/*; then
      mv /etc/nginx/nginx.conf.before-tincoso /etc/nginx/nginx.conf
      if nginx_running; then nginx -s reload; fi
    fi
  fi
  say "Removed $NAME"
  exit 0
fi

# --- 1. Debian's packages ------------------------------------------------------------------------

say "Debian packages"
PACKAGES=(nginx mosquitto icecast2 python3 python3-venv rsync openssl curl ca-certificates perl
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
LOCAL_DB=0
if [ -z "${OPT[DATABASE_URL]:-}" ] && { [ ! -f "$ENV_FILE" ] || [ "$(env_get DATABASE_URL)" = "postgres:///$NAME" ]; }; then
  LOCAL_DB=1; PACKAGES+=(postgresql postgresql-contrib)
fi
REDIS_DEFAULT="redis://127.0.0.1:6379/0"
if [ -z "${OPT[REDIS_URL]:-}" ] && { [ ! -f "$ENV_FILE" ] || [ "$(env_get REDIS_URL)" = "$REDIS_DEFAULT" ]; }; then
  PACKAGES+=(redis-server)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$APT" = 1 ] || die "missing Debian packages (and --no-apt): ${missing[*]}"
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "all there"
fi

# --- 2. user, folders, code, virtualenv -----------------------------------------------------------

say "User $RUN_USER, $PREFIX, code and virtualenv"
if ! id -u "$RUN_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
fi
install -d -m 0755 "$PREFIX" "$APP" "$PREFIX/static" "$PREFIX/bin"
install -d -m 0755 -o "$RUN_USER" -g "$RUN_USER" "$PREFIX/media" "$STATE" "$STATE/mqtt" "$STATE/icecast"
install -d -m 0700 -o "$RUN_USER" -g "$RUN_USER" "$PREFIX/private" "/var/backups/$NAME"
install -d -m 0755 "$STATE/run" "$STATE/log"
install -d -m 0750 -g "$RUN_USER" "$CONF_DIR"
# The code, read-only for the service user; what the checkout holds beside it stays out.
rsync -a --delete --chmod=D0755,F0644 \
  --exclude=/.git --exclude=/.venv --exclude=/media --exclude=/var --exclude=/static_collected \
  --exclude='/db.sqlite3*' --exclude=/.secret_key --exclude=/tests/artifacts --exclude=__pycache__ \
  --exclude=.pytest_cache --exclude=/bench/out \
  "$SOURCE/" "$APP/"
chmod 0755 "$APP/manage.py" "$APP/deploy/install.sh" "$APP/deploy/units.py"
stamp="$(sha256sum "$APP/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv "$VENV"
  log="$(mktemp)"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$APP/requirements.txt" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; die "pip could not install requirements.txt"
  fi
  rm -f "$log"
  echo "$stamp" >"$VENV/.requirements"
else
  echo "virtualenv up to date"
fi
"$VENV/bin/python" -m compileall -q "$APP" >/dev/null

# --- 3. the environment file ----------------------------------------------------------------------

say "Environment $ENV_FILE"
if [ ! -f "$ENV_FILE" ]; then
  install -m 0640 -g "$RUN_USER" "$SOURCE/deploy/tincoso.env.example" "$ENV_FILE"
  FRESH=1
fi
chown root:"$RUN_USER" "$ENV_FILE"
chmod 0640 "$ENV_FILE"
[ -n "${OPT[BASE_DOMAIN]:-}" ] || [ "$FRESH" = 0 ] || die "--domain is needed on the first run"
if [ -z "$(env_get SECRET_KEY)" ]; then
  env_set SECRET_KEY "$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
fi
env_set DEBUG 0
env_set TINCOSO_DEMO 0
choose BASE_DOMAIN localhost
DOMAIN="$(env_get BASE_DOMAIN)"
choose DEPLOY_HTTP_PORT 80
choose DEPLOY_HTTPS_PORT 443
HTTPS_PORT="$(env_get DEPLOY_HTTPS_PORT)"
env_set SITE_PORT "$HTTPS_PORT"
if [ "$HTTPS_PORT" != 443 ]; then
  echo "WARNING: HTTPS on $HTTPS_PORT: Wagtail writes https:// links only for port 443 (Site.root_url);"
  echo "         the sites' own links will read http://<host>:$HTTPS_PORT and fail. Use 443 in production."
fi
choose DATABASE_URL "postgres:///$NAME"
choose REDIS_URL "$REDIS_DEFAULT"
env_set MEDIA_ROOT "$PREFIX/media"
env_set STATIC_ROOT "$PREFIX/static"
env_set PRIVATE_MEDIA_ROOT "$PREFIX/private"
env_set BACKUP_DIR "/var/backups/$NAME"
env_set TRUST_X_FORWARDED_FOR 1
choose WEB_BIND 127.0.0.1:8001
[ -z "${OPT[WEB_WORKERS]:-}" ] || env_set WEB_WORKERS "${OPT[WEB_WORKERS]}"
choose DEPLOY_STRUCTURE 2024
if [ ${#PROVINCES[@]} -gt 0 ]; then
  joined="$(IFS=,; echo "${PROVINCES[*]}")"
  env_set DEPLOY_PROVINCES "$joined"
elif [ "$FRESH" = 1 ]; then
  env_set DEPLOY_PROVINCES ""
fi
public_host="$(hostname -f 2>/dev/null || hostname)"
choose DEPLOY_MQTT_PORT 1883
choose DEPLOY_MQTT_BIND 0.0.0.0
MQTT_PORT="$(env_get DEPLOY_MQTT_PORT)"
env_set MQTT_URL "mqtt://127.0.0.1:$MQTT_PORT"
choose MQTT_PUBLIC_URL "mqtt://$public_host:$MQTT_PORT"
env_set MQTT_BROKER_DIR "$STATE/mqtt"
choose DEPLOY_ICECAST_PORT 8000
choose DEPLOY_ICECAST_BIND 0.0.0.0
ICECAST_PORT="$(env_get DEPLOY_ICECAST_PORT)"
icecast_password="$(env_get STATION_ICECAST_URL | sed -n 's|^https\?://source:\([^@]*\)@.*|\1|p')"
if [ -z "$icecast_password" ] || [ "$icecast_password" = CHANGE-ME ]; then
  icecast_password="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
fi
env_set STATION_ICECAST_URL "http://source:$icecast_password@127.0.0.1:$ICECAST_PORT"
choose STATION_LIVE_PUBLIC_URL "http://$public_host:$ICECAST_PORT"
choose DEPLOY_LIVE_PORT 8765
if [ "$SELF_SIGNED" = 1 ]; then
  OPT[DEPLOY_CERT]="$CONF_DIR/tls/selfsigned.pem"; OPT[DEPLOY_KEY]="$CONF_DIR/tls/selfsigned.key"
fi
[ "$FRESH" = 0 ] || [ -n "${OPT[DEPLOY_CERT]:-}" ] || die "--cert and --key (or --self-signed) are needed on the first run"
choose DEPLOY_CERT ""
choose DEPLOY_KEY ""
SELF_SIGNED_CERT=0
[ "$(env_get DEPLOY_CERT)" = "$CONF_DIR/tls/selfsigned.pem" ] && SELF_SIGNED_CERT=1

# --- 4. units and the helpers in PREFIX/bin -----------------------------------------------------

say "Units ($INIT) in $UNIT_DIR"
FIRST_START=1
[ -f "$UNIT_DIR/$NAME-web.service" ] && FIRST_START=0
export R_NAME="$NAME" R_NAME_="${NAME//-/_}" R_USER="$RUN_USER" R_APP="$APP" R_VENV="$VENV" R_STATE="$STATE" \
  R_PREFIX="$PREFIX" R_ENV_FILE="$ENV_FILE" R_WEB_BIND="$(env_get WEB_BIND)" R_LIVE_PORT="$(env_get DEPLOY_LIVE_PORT)"
install -d "$UNIT_DIR"
for template in "$APP"/deploy/systemd/tincoso-*; do
  render "$template" "$UNIT_DIR/$NAME-${template##*/tincoso-}"
done
[ "$INIT" = systemd ] && systemctl daemon-reload
cat >"$PREFIX/bin/manage" <<EOF
#!/bin/sh
# manage.py of the tincoso installation "$NAME": as its user, in its folder and environment,
# exactly as the web unit runs (deploy/units.py exec). Written by deploy/install.sh.
exec /usr/bin/python3 $APP/deploy/units.py --unit-dir $UNIT_DIR --state-dir $STATE --name $NAME \\
  exec web -- $VENV/bin/python $APP/manage.py "\$@"
EOF
if [ "$INIT" = systemd ]; then
  cat >"$PREFIX/bin/units" <<EOF
#!/bin/sh
# start|stop|restart|reload|status [UNIT…] of the installation "$NAME" (web, worker, mqtt-sender,
# live, mosquitto, icecast), through systemctl. Written by deploy/install.sh.
action=\${1:-status}; [ \$# -gt 0 ] && shift
names=""; for unit in "\$@"; do names="\$names $NAME-\${unit#$NAME-}.service"; done
exec systemctl "\$action" \${names:-'$NAME-*'}
EOF
else
  cat >"$PREFIX/bin/units" <<EOF
#!/bin/sh
# start|stop|restart|reload|status [UNIT…] of the installation "$NAME" (web, worker, mqtt-sender,
# live, mosquitto, icecast), through deploy/units.py (no systemd here). Written by deploy/install.sh.
exec /usr/bin/python3 $APP/deploy/units.py --unit-dir $UNIT_DIR --state-dir $STATE --name $NAME "\$@"
EOF
fi
chmod 0755 "$PREFIX/bin/manage" "$PREFIX/bin/units"

# --- 5. database, Redis, migrate, static files, provinces ------------------------------------------

say "Database and Redis"
DATABASE_URL="$(env_get DATABASE_URL)"
REDIS_URL="$(env_get REDIS_URL)"
start_local() {  # a Debian service this machine should run (PostgreSQL, Redis)
  if [ "$INIT" = systemd ]; then systemctl enable --now "$1"; else service "$1" start >/dev/null || true; fi
}
if [ "$LOCAL_DB" = 1 ] && [ "$DATABASE_URL" = "postgres:///$NAME" ]; then
  runuser -u postgres -- psql -tAc "SELECT 1" >/dev/null 2>&1 || start_local postgresql
  if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$RUN_USER'" | grep -q 1; then
    runuser -u postgres -- createuser "$RUN_USER"
  fi
  if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$NAME'" | grep -q 1; then
    runuser -u postgres -- createdb -O "$RUN_USER" "$NAME"
  fi
  echo "PostgreSQL: database $NAME, role $RUN_USER (peer authentication)"
else
  "$VENV/bin/python" - "$DATABASE_URL" <<'EOF'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = sys.argv[1]
parts = urlsplit(url)
name = parts.path.lstrip("/")
try:
    psycopg.connect(url, connect_timeout=5).close()
    print(f"PostgreSQL: database {name} is there")
except psycopg.OperationalError as exc:
    if "does not exist" not in str(exc):
        sys.exit(f"install.sh: cannot reach the database {parts.hostname}/{name}: {exc}")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"PostgreSQL: database {name} created")
EOF
fi
if [ "$REDIS_URL" = "$REDIS_DEFAULT" ]; then
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || start_local redis-server
fi
"$VENV/bin/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=5).ping(); print('Redis:', sys.argv[1].split('@')[-1])" "$REDIS_URL" \
  || die "Redis does not answer at $REDIS_URL"

say "migrate"
log="$(mktemp)"
manage migrate --noinput >"$log" 2>&1 || { cat "$log"; rm -f "$log"; die "migrate failed"; }
echo "$(grep -c 'Applying' "$log" || true) migrations applied"
rm -f "$log"
say "collectstatic"
/usr/bin/python3 "$APP/deploy/units.py" --unit-dir "$UNIT_DIR" --state-dir "$STATE" --name "$NAME" \
  exec --as-root web -- "$VENV/bin/python" "$APP/manage.py" collectstatic --noinput -v 0
say "check --deploy"
manage check --deploy --fail-level ERROR 2>&1 | tail -n 20

say "Provinces"
IFS=, read -r -a provinces <<<"$(env_get DEPLOY_PROVINCES)"
if [ ${#provinces[@]} -eq 0 ]; then
  echo "no province yet: run again with --province NAME"
fi
for province in "${provinces[@]}"; do
  manage provision --structure "$(env_get DEPLOY_STRUCTURE)" --province "$province" --no-progress
done
# What the admin's e-mails and the live page link to: the first province portal.
portal="$(manage shell --no-imports -c "
from areas.models import AreaPage, PortalHomePage
province = AreaPage.objects.filter(level='province').order_by('path').first()
portal = province and PortalHomePage.objects.child_of(province).first()
site = portal and portal.get_site()
print(site.hostname if site else '')" | tail -n 1)"
if [ -n "$portal" ]; then
  suffix=""; [ "$HTTPS_PORT" = 443 ] || suffix=":$HTTPS_PORT"
  [ -n "$(env_get WAGTAILADMIN_BASE_URL)" ] && [ "$FRESH" = 0 ] || env_set WAGTAILADMIN_BASE_URL "https://$portal$suffix"
  [ -n "$(env_get STATION_LIVE_INGEST_URL)" ] && [ "$FRESH" = 0 ] \
    || env_set STATION_LIVE_INGEST_URL "wss://$portal$suffix/phat-truc-tiep/"
fi

# --- 6. the broker and Icecast configurations (the project writes them) ---------------------------

say "Mosquitto and Icecast configurations"
conf_sum() { [ -f "$1" ] && grep -v -e '<admin-password>' -e '<relay-password>' "$1" | sha256sum || echo none; }
before_mqtt="$(conf_sum "$STATE/mqtt/mosquitto.conf")"
before_icecast="$(conf_sum "$STATE/icecast/icecast.xml")"
log="$(mktemp)"   # their first line only: icecast_config's last one holds the source password
manage mqtt_config --port "$MQTT_PORT" --bind "$(env_get DEPLOY_MQTT_BIND)" --dir "$STATE/mqtt" >"$log"
head -n 1 "$log"
manage icecast_config --port "$ICECAST_PORT" --bind "$(env_get DEPLOY_ICECAST_BIND)" --dir "$STATE/icecast" \
  --hostname "$(env_get STATION_LIVE_PUBLIC_URL | sed -E 's|^[a-z]+://([^:/]+).*|\1|')" \
  --source-password "$icecast_password" >"$log"
head -n 1 "$log"
rm -f "$log"
RESTART_BROKERS=()
[ "$before_mqtt" = "$(conf_sum "$STATE/mqtt/mosquitto.conf")" ] || RESTART_BROKERS+=(mosquitto)
[ "$before_icecast" = "$(conf_sum "$STATE/icecast/icecast.xml")" ] || RESTART_BROKERS+=(icecast)

# --- 7. TLS -----------------------------------------------------------------------------------------

say "TLS certificate"
# Every name a site has, as the wildcards that cover it (one label each).
manage shell --no-imports -c "
from wagtail.models import Site
from django.conf import settings
names = {settings.BASE_DOMAIN, '*.' + settings.BASE_DOMAIN}
names |= {'*.' + h.split('.', 1)[1] for h in Site.objects.values_list('hostname', flat=True) if '.' in h}
print('\n'.join(sorted(names)))" >"$CONF_DIR/tls-names.txt.new"
install -d -m 0750 "$CONF_DIR/tls"
if [ "$SELF_SIGNED_CERT" = 1 ]; then
  tls="$CONF_DIR/tls"
  if [ ! -f "$tls/ca.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" -subj "/O=tincoso/CN=tincoso $NAME local CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 0600 "$tls/ca.key"
  fi
  if [ ! -f "$tls/selfsigned.pem" ] || ! cmp -s "$CONF_DIR/tls-names.txt.new" "$tls/names.txt" \
     || ! openssl x509 -checkend 2592000 -noout -in "$tls/selfsigned.pem" >/dev/null; then
    san="$(sed 's/^/DNS:/' "$CONF_DIR/tls-names.txt.new" | paste -sd, -)"
    printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
      "$san" >"$tls/selfsigned.ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/selfsigned.key" \
      -out "$tls/selfsigned.csr" -subj "/O=tincoso/CN=*.$DOMAIN" 2>/dev/null
    openssl x509 -req -in "$tls/selfsigned.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 397 -extfile "$tls/selfsigned.ext" -out "$tls/selfsigned.crt" 2>/dev/null
    cat "$tls/selfsigned.crt" "$tls/ca.pem" >"$tls/selfsigned.pem"
    chmod 0600 "$tls/selfsigned.key"
    cp "$CONF_DIR/tls-names.txt.new" "$tls/names.txt"
    echo "self-signed certificate for $(wc -l <"$tls/names.txt") names, CA $tls/ca.pem"
  else
    echo "self-signed certificate up to date (CA $tls/ca.pem)"
  fi
fi
mv "$CONF_DIR/tls-names.txt.new" "$CONF_DIR/tls-names.txt"
CERT="$(env_get DEPLOY_CERT)"; KEY="$(env_get DEPLOY_KEY)"
[ -r "$CERT" ] && [ -r "$KEY" ] || die "no certificate at $CERT / key at $KEY (--cert, --key or --self-signed); it must cover: $(paste -sd' ' "$CONF_DIR/tls-names.txt")"
uncovered="$(/usr/bin/python3 - "$CERT" "$CONF_DIR/tls-names.txt" <<'EOF'
import ssl, sys
cert = ssl._ssl._test_decode_cert(sys.argv[1])
have = {value.lower() for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"}
print(" ".join(n for n in open(sys.argv[2]).read().split() if n not in have))
EOF
)"
if [ -n "$uncovered" ]; then
  echo "WARNING: the certificate does not name: $uncovered"
  echo "         (sites under those names will show a certificate error; see README, Production)"
else
  echo "the certificate covers every site ($(wc -l <"$CONF_DIR/tls-names.txt") names: $CONF_DIR/tls-names.txt)"
fi

# --- 8. nginx -----------------------------------------------------------------------------------------

say "nginx site $SITE_FILE"
suffix=""; [ "$HTTPS_PORT" = 443 ] || suffix=":$HTTPS_PORT"
export R_DOMAIN="$DOMAIN" R_HTTP_PORT="$(env_get DEPLOY_HTTP_PORT)" R_HTTPS_PORT="$HTTPS_PORT" R_HTTPS_SUFFIX="$suffix" \
  R_CERT="$CERT" R_KEY="$KEY"
render "$APP/deploy/nginx/tincoso.conf" "$SITE_FILE"
if [ ! -e /proc/net/if_inet6 ]; then sed -i '/# ipv6$/d' "$SITE_FILE"; fi
ln -sfn "$SITE_FILE" "$SITE_LINK"
# Debian's nginx.conf allows 768 connections per worker; a province's players and readers need more.
if grep -q '^\s*worker_connections 768;' /etc/nginx/nginx.conf; then
  [ -f /etc/nginx/nginx.conf.before-tincoso ] || cp -p /etc/nginx/nginx.conf /etc/nginx/nginx.conf.before-tincoso
  sed -i -e 's/^\(\s*\)worker_connections 768;/\1worker_connections 4096;/' \
    -e 's/^worker_processes auto;/worker_processes auto;\nworker_rlimit_nofile 16384;/' /etc/nginx/nginx.conf
fi
nginx_apply

# --- 9. services ----------------------------------------------------------------------------------

say "Services"
if [ "$INIT" = systemd ]; then
  # Debian's own broker (localhost:1883) and Icecast (8000) would hold the ports of the project's own.
  for pair in "mosquitto:$MQTT_PORT:1883" "icecast2:$ICECAST_PORT:8000"; do
    IFS=: read -r unit ours theirs <<<"$pair"
    if [ "$ours" = "$theirs" ] && systemctl is-enabled --quiet "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" && echo "Debian's $unit service disabled ($NAME-${unit%2} takes port $ours)"
    fi
  done
  systemctl enable --now --quiet "$NAME-web.socket" "${SERVICES[@]/#/$NAME-}"
  if [ -f "$UNIT_DIR/$NAME-backup.timer" ]; then
    systemctl enable --now --quiet "$NAME-backup.timer" && echo "nightly backup: $NAME-backup.timer"
  fi
elif [ -f "$UNIT_DIR/$NAME-backup.service" ]; then
  echo "no systemd, so no timer: run '$PREFIX/bin/units start backup' nightly (cron) for the backup"
fi
if [ "$FIRST_START" = 1 ]; then
  [ "$INIT" = systemd ] || svc start "${SERVICES[@]}"
else
  # New code, requirements or environment: the application's services start again (web keeps its
  # socket: requests wait, none is lost); the broker and Icecast only when their files changed.
  if [ ${#RESTART_BROKERS[@]} -gt 0 ]; then svc restart "${RESTART_BROKERS[@]}"; fi
  svc start mosquitto icecast
  svc restart "${APP_SERVICES[@]}"
fi

say "Waiting for the sites through nginx"
check_host="${portal:-$DOMAIN}"
curl_ca=()
[ "$SELF_SIGNED_CERT" = 1 ] && curl_ca=(--cacert "$CONF_DIR/tls/ca.pem")
for _ in $(seq 1 60); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "${curl_ca[@]}" --resolve "$check_host:$HTTPS_PORT:127.0.0.1" \
    "https://$check_host$suffix/" || true)"
  [ "$code" = 200 ] && break
  sleep 1
done
[ "$code" = 200 ] || { svc status || true; die "https://$check_host$suffix/ answers $code through nginx"; }
svc status || true
cat <<EOF

tincoso "$NAME" is up ($SECONDS s): https://$check_host$suffix/
  environment   $ENV_FILE
  commands      $PREFIX/bin/manage …   (e.g. createsuperuser, print_urls, provision)
  services      $PREFIX/bin/units status|restart web|…
  logs          $( [ "$INIT" = systemd ] && echo "journalctl -u '$NAME-*'" || echo "$STATE/log/" ), /var/log/nginx/$NAME.*.log
EOF
