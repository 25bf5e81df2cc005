"""WSGI entry point: `gunicorn --chdir site tincoso.wsgi` (see README, production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincoso.settings")
application = get_wsgi_application()
