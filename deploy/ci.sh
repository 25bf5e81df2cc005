#!/usr/bin/env bash
# The production stack on this machine, tested through nginx over HTTPS: .ci/run runs it after the
# two suites; run it by hand the same way (as root).
#
#   deploy/ci.sh            up, smoke, load, down (down also after a failure)
#   deploy/ci.sh up         deploy/install.sh as the instance "tincoso-ci": Debian's nginx, this
#                           machine's PostgreSQL (database tincoso_deploy) and Redis (db 11), its
#                           own Mosquitto and Icecast on ports clear of the machine's (1885, 8110),
#                           a self-signed wildcard certificate for *.tincoso.test and below
#   deploy/ci.sh smoke      tests/deploy/test_smoke.py through nginx (pages on three hosts, a
#                           citizen's question, a player paired and playing, an alert delivered …)
#   deploy/ci.sh load       tests/deploy/test_load.py: 200 readers and 2,000 polling players for
#                           60 s, the web service restarted and reloaded in the middle
#   deploy/ci.sh down       stop and remove it all (deploy/install.sh --uninstall --purge), and
#                           nginx too when this script started it
#
# No name needs resolving: the clients connect to 127.0.0.1 with the site's name in TLS (SNI) and
# in Host, and check the certificate against the instance's CA (tests/deploy/stack.py).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

NAME="${DEPLOY_NAME:-tincoso-ci}"
PREFIX="/srv/$NAME"
ENV_FILE="/etc/$NAME/tincoso.env"
DOMAIN="${DEPLOY_DOMAIN:-tincoso.test}"
DATABASE="${CI_DEPLOY_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tincoso_deploy}"
REDIS="${CI_DEPLOY_REDIS_URL:-redis://127.0.0.1:6379/11}"
MARK="/run/$NAME.nginx-started"   # nginx was not running before `up`: `down` stops it
PYTEST="$REPO/.venv/bin/pytest"

step() { printf '\n=== deploy/ci.sh: %s\n' "$*"; }
took() { printf '=== deploy/ci.sh: %s took %ss\n' "$1" "$(($(date +%s) - $2))"; }

deploy_env() {  # what tests/deploy reads; the test process itself stays on SQLite and local memory
  local portal
  portal="$(sed -n 's/^WAGTAILADMIN_BASE_URL=//p' "$ENV_FILE")"
  [ -n "$portal" ] || { echo "deploy/ci.sh: $NAME is not up (no $ENV_FILE)" >&2; exit 1; }
  export TINCOSO_DEPLOY_URL="$portal/" TINCOSO_DEPLOY_PREFIX="$PREFIX" TINCOSO_DEPLOY_CONNECT=127.0.0.1 \
    TINCOSO_DEPLOY_CA="/etc/$NAME/tls/ca.pem"
  unset DATABASE_URL REDIS_URL SECRET_KEY
}

ran_tests() {  # JUNIT_XML: pytest ran at least one test and skipped none (a skip here hides a failure)
  /usr/bin/python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
if tests == 0 or skipped:
    sys.exit(f"deploy/ci.sh: {tests} tests, {skipped} skipped: the deploy tests did not really run")
EOF
}

up() {
  local t0; t0=$(date +%s)
  step "up: deploy/install.sh --name $NAME"
  if ! { [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; }; then touch "$MARK"; fi
  "$REPO/deploy/install.sh" --name "$NAME" --domain "$DOMAIN" --province "Trà Vinh" --structure 2024 \
    --self-signed --database-url "$DATABASE" --redis-url "$REDIS" \
    --web-bind 127.0.0.1:8101 --web-workers 3 \
    --mqtt-port 1885 --mqtt-bind 127.0.0.1 --mqtt-public-url mqtt://127.0.0.1:1885 \
    --icecast-port 8110 --icecast-bind 127.0.0.1 --icecast-public-url http://127.0.0.1:8110 \
    --live-port 8111
  took "up" "$t0"
}

smoke() {
  local t0; t0=$(date +%s)
  step "smoke suite through nginx (tests/deploy/test_smoke.py)"
  deploy_env
  "$PYTEST" tests/deploy/test_smoke.py -m deploy -p no:cacheprovider --junitxml="$PREFIX/var/smoke.xml"
  ran_tests "$PREFIX/var/smoke.xml"
  took "smoke" "$t0"
}

load() {
  local t0; t0=$(date +%s)
  step "load test through nginx (tests/deploy/test_load.py)"
  deploy_env
  "$PYTEST" tests/deploy/test_load.py -m deploy -p no:cacheprovider -s --junitxml="$PREFIX/var/load.xml"
  ran_tests "$PREFIX/var/load.xml"
  took "load" "$t0"
}

down() {
  local t0; t0=$(date +%s)
  step "down: deploy/install.sh --uninstall --purge"
  "$REPO/deploy/install.sh" --name "$NAME" --uninstall --purge
  if [ -f "$MARK" ]; then
    rm -f "$MARK"
    if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
      pid="$(cat /run/nginx.pid)"
      nginx -s quit
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  took "down" "$t0"
}

case "${1:-all}" in
  up) up;;
  smoke) smoke;;
  load) load;;
  down) down;;
  all)
    start=$(date +%s)
    trap 'down' EXIT
    up
    smoke
    load
    trap - EXIT
    down
    took "the deployed stack (up, smoke, load, down)" "$start"
    ;;
  *) echo "usage: deploy/ci.sh [all|up|smoke|load|down]" >&2; exit 2;;
esac
