# The passcode attempt windows also count failed meeting lookups: renamed, with
# two more scopes; existing rows keep their scope values.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0006_google_meet'),
    ]

    operations = [
        migrations.RenameModel(old_name='PasscodeAttemptWindow', new_name='AttemptWindow'),
        migrations.RemoveConstraint(
            model_name='attemptwindow', name='passcode_attempt_window_unique'
        ),
        migrations.AlterField(
            model_name='attemptwindow',
            name='scope',
            field=models.CharField(choices=[('meeting', 'Passcodes per meeting'), ('address', 'Passcodes per client address'), ('lookup_user', 'Meeting lookups per user'), ('lookup_address', 'Meeting lookups per client address')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='attemptwindow',
            constraint=models.UniqueConstraint(fields=('scope', 'key', 'window_start'), name='attempt_window_unique'),
        ),
    ]
