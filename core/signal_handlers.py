from django.db.models.signals import post_migrate

from core import schedules


def _sync_schedules(sender, app_config=None, using="default", **kwargs):
    # Once per migrate, after django_q's own tables exist.
    if app_config is None or app_config.label != "django_q":
        return

    schedules.sync()


def register():
    post_migrate.connect(_sync_schedules, dispatch_uid="tincoso_core_schedules")
