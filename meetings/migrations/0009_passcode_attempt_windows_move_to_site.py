# Passcode attempts are counted in the site's shared attempt windows
# (meetings_site.AttemptWindow), like log-ins and password resets; the counts
# kept here only ever cover the current window, so nothing worth keeping is lost.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0008_timezone_current_names"),
    ]

    operations = [
        migrations.DeleteModel(name="PasscodeAttemptWindow"),
    ]
