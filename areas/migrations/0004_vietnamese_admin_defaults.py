"""The admin in Vietnamese for everyone (issue 14).

- Wagtail's first migrations create the root page and the root collection as "Root"; the admin
  shows that name as stored (a province administrator's explorer, every collection chooser), so
  they are renamed here like the groups and workflow in 0003_vietnamese_defaults.
- The admin allows one language and one time zone (WAGTAILADMIN_PERMITTED_LANGUAGES,
  WAGTAIL_USER_TIME_ZONES in settings). A preference saved while the account page still offered
  others ("en", or "localtime", which browsers reject) would outlive that choice, since Wagtail
  uses a stored preference as it is; it is cleared.
"""

from django.db import migrations

PAGE = ("Root", "Trang gốc")
COLLECTION = ("Root", "Thư mục gốc")


def rename(apps, index):
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    old, new = PAGE[index], PAGE[1 - index]
    Page.objects.filter(depth=1, title=old).update(title=new, draft_title=new)
    old, new = COLLECTION[index], COLLECTION[1 - index]
    Collection.objects.filter(depth=1, name=old).update(name=new)


def forward(apps, schema_editor):
    rename(apps, 0)
    UserProfile = apps.get_model("wagtailusers", "UserProfile")
    UserProfile.objects.exclude(preferred_language="").update(preferred_language="")
    UserProfile.objects.exclude(current_time_zone="").update(current_time_zone="")


def backward(apps, schema_editor):
    rename(apps, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0003_vietnamese_defaults"),
        ("wagtailusers", "0015_userprofile_keyboard_shortcuts"),
    ]

    operations = [migrations.RunPython(forward, backward)]
