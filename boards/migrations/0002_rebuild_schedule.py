"""The every-minute schedule that recomposes boards whose playlist changes by the clock."""

from django.db import migrations

SCHEDULE_NAME = "Dựng lại bảng điện tử đến hạn"


def forwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "boards.tasks.rebuild_due", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0001_boards"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
