"""Periodic work of the indicators (django-q2; the schedule is in settings.SCHEDULES)."""

from indicators import sitecheck


def check_sites():
    """Every commune's site: does it answer? (indicators/sitecheck.py). Returns the number that did."""
    return sum(1 for check in sitecheck.check_sites() if check.ok)
