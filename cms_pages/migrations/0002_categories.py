"""Default news categories."""

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


def forwards(apps, schema_editor):
    Category = apps.get_model("cms_pages", "Category")
    for slug, name in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("cms_pages", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
