"""Name Wagtail's default groups, workflow and task in Vietnamese. Wagtail's own migrations
create "Editors" and "Moderators" (with permissions on the whole tree) and the
"Moderators approval" workflow; the admin shows those names as they are stored."""

from django.db import migrations

RENAMES = {
    "wagtailcore.Workflow": [("Moderators approval", "Kiểm duyệt toàn tỉnh")],
    "wagtailcore.Task": [("Moderators approval", "Kiểm duyệt viên toàn tỉnh duyệt")],
    "auth.Group": [("Editors", "Biên tập viên toàn tỉnh"), ("Moderators", "Kiểm duyệt viên toàn tỉnh")],
}


def rename(apps, pairs_index):
    for model_label, pairs in RENAMES.items():
        model = apps.get_model(model_label)
        for pair in pairs:
            old, new = pair[pairs_index], pair[1 - pairs_index]
            if not model.objects.filter(name=new).exists():
                model.objects.filter(name=old).update(name=new)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_remove_wagtail_welcome_page"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailimages", "0002_initial_data"),
        ("wagtaildocs", "0002_initial_data"),
        ("auth", "0001_initial"),
    ]

    operations = [migrations.RunPython(lambda apps, se: rename(apps, 0), lambda apps, se: rename(apps, 1))]
