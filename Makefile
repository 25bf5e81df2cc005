# tincoso: `make run` (demo province, web server, worker, MQTT broker and sender, live ingest) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_PROVINCE ?= Trà Vinh
DEMO_STRUCTURE ?= 2024
export SITE_PORT ?= $(PORT)
# The embedded MQTT broker of `make run` (the real-time channel to boards); 1884, not 1883, so it
# never meets a Mosquitto already running on the machine.
MQTT_PORT ?= 1884
# The live ingest of `make run` (station/ingest.py): 8765 is the port the admin's page uses by default.
LIVE_PORT ?= 8765

.PHONY: run test lint format install install-dev browser migrate demo clean

$(VENV)/.run-installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

# Debian's chromium for the browser tests (Playwright drives it; no browser download), Xvfb +
# feh for the reference player's display mode on a virtual screen, Mosquitto, the broker the
# channel's tests run against beside the embedded one, and Icecast 2, the streaming server of
# live broadcasts (each test starts its own instance of both, never the packages' services).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 && command -v feh >/dev/null 2>&1 \
	  && { command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto; } \
	  && command -v icecast2 >/dev/null 2>&1 || { \
	  echo "Cài đặt chromium, Xvfb, feh, mosquitto và icecast2 (Debian) cho kiểm thử trình duyệt, đầu phát, kênh MQTT và phát trực tiếp…"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium xvfb feh mosquitto icecast2 >/dev/null; }

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py provision --structure $(DEMO_STRUCTURE) --province "$(DEMO_PROVINCE)"
	$(PY) manage.py seed_demo --province "$(DEMO_PROVINCE)"
	$(PY) manage.py seed_boards --province "$(DEMO_PROVINCE)"
	$(PY) manage.py render_boards
	$(PY) manage.py seed_stations --province "$(DEMO_PROVINCE)"
	$(PY) manage.py seed_programmes --province "$(DEMO_PROVINCE)"
	$(PY) manage.py ensure_admin

# The web server, the task worker, the embedded MQTT broker, the MQTT sender and the live ingest
# ("Phát trực tiếp": browsers on ws://…:$(LIVE_PORT)/, clusters hear it on $(LIVE_PORT)+1 from the
# ingest itself, no Icecast); Ctrl+C stops all.
run: export MQTT_URL = mqtt://127.0.0.1:$(MQTT_PORT)
# The admin's map of boards draws OpenStreetMap's tiles in the demo (empty by default: no tiles).
run: export MAP_TILE_URL ?= https://tile.openstreetmap.org/{z}/{x}/{y}.png
# Indicators 1.3, 1.4 fetch every commune site: the *.localhost names reach this server.
run: export SITE_CHECK_CONNECT_TO ?= 127.0.0.1:$(PORT)
run: demo
	@$(PY) manage.py print_urls --port $(PORT)
	@$(PY) manage.py mqtt_broker --port $(MQTT_PORT) & BROKER=$$!; \
	  $(PY) manage.py mqtt_sender & SENDER=$$!; \
	  $(PY) manage.py qcluster & QCLUSTER=$$!; \
	  $(PY) manage.py live_ingest --port $(LIVE_PORT) & INGEST=$$!; \
	  trap 'kill $$INGEST $$QCLUSTER $$SENDER $$BROKER 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver --skip-checks $(HOST):$(PORT)

test: install-dev browser
	$(VENV)/bin/pytest

# ruff (lint, format) and the layers contract between the apps (.importlinter), as .ci/run runs them.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm
