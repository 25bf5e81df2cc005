"""Load the ministry's yearly targets (and the provinces' own, where provisioned) from
data/indicator_targets.csv (indicators/targets.py; `manage.py load_indicator_targets` reloads)."""

from django.db import migrations


def load_targets(apps, schema_editor):
    from indicators import targets

    targets.load(apps.get_model("indicators", "IndicatorTarget"), apps.get_model("areas", "AreaPage"))


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_ministry_targets"),
        ("areas", "0005_departments"),
    ]

    operations = [migrations.RunPython(load_targets, migrations.RunPython.noop)]
