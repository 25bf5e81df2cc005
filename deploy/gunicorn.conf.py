"""gunicorn's configuration for the web unit (deploy/systemd/tincoso-web.service), from the
environment file (deploy/tincoso.env.example):

    WEB_BIND     where to listen when not handed a socket (the unit's .socket hands one: fd 3)
    WEB_WORKERS  worker processes (default: 2 per core, at least 2)
    WEB_THREADS  threads per worker (default 4)

Threaded workers (gthread): a request waiting on PostgreSQL or Redis leaves the process to the
others, and a long request (a 200 MB programme checked by its content, a PDF report) never
looks like a hung worker to the arbiter. nginx buffers uploads and answers (a slow phone costs a
connection in nginx, not a thread here) and talks to gunicorn one request per connection.
"""

import multiprocessing
import os
from pathlib import Path

APP = Path(__file__).resolve().parents[1]

wsgi_app = "tincoso.wsgi:application"
# The project's apps live at the top of the checkout and the Django project in site/ (manage.py
# puts both on the path the same way).
pythonpath = f"{APP},{APP / 'site'}"
chdir = str(APP)
bind = [os.environ.get("WEB_BIND") or "127.0.0.1:8001"]
workers = int(os.environ.get("WEB_WORKERS") or max(2, 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS") or 4)
worker_class = "gthread"
# gthread: how long a worker may stay silent before the arbiter replaces it, not a request's limit.
timeout = 120
# A restart or a reload lets requests in progress finish (the unit's TimeoutStopSec is longer).
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (jittered so that they do not all go at once):
# memory that grows slowly is given back.
max_requests = 5000
max_requests_jitter = 500
worker_tmp_dir = "/dev/shm"
# nginx on this machine sets X-Forwarded-For and X-Forwarded-Proto (Django reads the latter through
# SECURE_PROXY_SSL_HEADER); gunicorn trusts them from it alone.
forwarded_allow_ips = "127.0.0.1,::1"
# nginx logs every request (/var/log/nginx/); gunicorn logs errors to the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
capture_output = True
proc_name = os.environ.get("WEB_PROC_NAME", "tincoso-web")
