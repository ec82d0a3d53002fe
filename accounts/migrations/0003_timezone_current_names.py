from django.db import migrations

from accounts.timezones import store_current_names


def forwards(apps, schema_editor):
    # Old names (Asia/Calcutta, US/Eastern) are no longer choices: a profile saved
    # with one would fail validation on its next edit.
    store_current_names(apps.get_model("accounts", "User"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_googleaccount")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
