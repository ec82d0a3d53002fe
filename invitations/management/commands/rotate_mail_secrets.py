from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from invitations.crypto import SecretKeyError, rotate_secret
from invitations.models import MailSettings


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored SMTP password with the newest key, the first of "
        "MAIL_ENCRYPTION_KEYS. Afterwards the older keys can be removed from the list."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            # Locked, so that a password saved in the admin meanwhile is not overwritten.
            row = MailSettings.objects.select_for_update().first()
            if row is None or not row.password_encrypted:
                self.stdout.write("No SMTP password is stored: nothing to re-encrypt.")
                return
            try:
                row.password_encrypted = rotate_secret(row.password_encrypted)
            except SecretKeyError as error:
                raise CommandError(str(error)) from error
            row.save(update_fields=["password_encrypted"])
        self.stdout.write(
            self.style.SUCCESS("The SMTP password is now encrypted with the newest key.")
        )
