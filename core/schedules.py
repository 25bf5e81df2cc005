"""The project's scheduled tasks, kept in step with django-q2's Schedule table.

The list itself is the setting SCHEDULES (site/tincoso/settings.py), the one place that names
every periodic job of every app. After each `migrate`, `sync()` creates or updates those rows
(by name) and leaves every other schedule alone, so an operator's own schedules survive.
"""

from django.conf import settings
from django_q.models import Schedule


def sync(schedules=None, **kwargs):
    schedules = settings.SCHEDULES if schedules is None else schedules
    for entry in schedules:
        defaults = {"func": entry["func"], "schedule_type": entry["type"], "repeats": -1}
        if entry["type"] == Schedule.MINUTES:
            defaults["minutes"] = entry["minutes"]
        Schedule.objects.update_or_create(name=entry["name"], defaults=defaults)
