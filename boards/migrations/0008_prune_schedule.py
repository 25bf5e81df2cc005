"""The daily schedule that keeps the boards' history bounded (boards.tasks.prune_history)."""

from django.db import migrations

SCHEDULE_NAME = "Dọn lịch sử bảng điện tử"


def forwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "boards.tasks.prune_history", "schedule_type": "D", "repeats": -1},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0007_audio_boards"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
