from django.db import migrations

from accounts.timezones import store_current_names


def forwards(apps, schema_editor):
    # Old names (Asia/Calcutta, US/Eastern) are no longer choices: a meeting saved
    # with one would fail validation when it is edited.
    store_current_names(apps.get_model("meetings", "Meeting"))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0007_clamp_far_future_starts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
