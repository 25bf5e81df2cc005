"""Default news categories, and the every-minute schedule that publishes and expires pages."""

from django.db import migrations

CATEGORIES = [
    ("chinh-tri", "Chính trị"),
    ("kinh-te", "Kinh tế"),
    ("van-hoa-xa-hoi", "Văn hoá – Xã hội"),
    ("nong-nghiep", "Nông nghiệp – Nông thôn mới"),
    ("y-te", "Y tế"),
    ("giao-duc", "Giáo dục"),
    ("quoc-phong-an-ninh", "Quốc phòng – An ninh"),
    ("chuyen-doi-so", "Chuyển đổi số"),
    ("phong-chong-thien-tai", "Phòng chống thiên tai"),
    ("su-kien", "Sự kiện"),
]
SCHEDULE_NAME = "Xuất bản và gỡ trang theo lịch"


def forwards(apps, schema_editor):
    Category = apps.get_model("cms_pages", "Category")
    for slug, name in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name})
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "cms_pages.tasks.publish_scheduled", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0003_content_types"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
