"""Background jobs of the sites, run by the django-q2 worker (`manage.py qcluster`)."""

from django.core.management import call_command


def publish_scheduled():
    """Publish pages whose go-live time has come and unpublish those past their expiry
    (Wagtail's go_live_at / expire_at). Scheduled every minute (settings.SCHEDULES)."""
    call_command("publish_scheduled", verbosity=0)
