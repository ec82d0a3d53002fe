from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import GoogleAccount
from invitations.models import MailSettings
from meetings_site.crypto import SecretKeyError, rotate_secret


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored secrets (the SMTP password and connected Google accounts' "
        "tokens) with the newest key, the first of MAIL_ENCRYPTION_KEYS. Afterwards the "
        "older keys can be removed from the list."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                self._rotate_password()
                rotated = self._rotate_google_tokens()
        except SecretKeyError as error:
            raise CommandError(str(error)) from error
        if rotated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The tokens of {rotated} Google account(s) are now encrypted with the "
                    "newest key."
                )
            )

    def _rotate_password(self) -> None:
        # Locked, so that a password saved in the admin meanwhile is not overwritten.
        row = MailSettings.objects.select_for_update().first()
        if row is None or not row.password_encrypted:
            self.stdout.write("No SMTP password is stored: nothing to re-encrypt.")
            return
        row.password_encrypted = rotate_secret(row.password_encrypted)
        row.save(update_fields=["password_encrypted"])
        self.stdout.write(
            self.style.SUCCESS("The SMTP password is now encrypted with the newest key.")
        )

    def _rotate_google_tokens(self) -> int:
        accounts = list(GoogleAccount.objects.select_for_update())
        for account in accounts:
            account.refresh_token = rotate_secret(account.refresh_token)
            account.access_token = rotate_secret(account.access_token)
        GoogleAccount.objects.bulk_update(accounts, ["refresh_token", "access_token"])
        return len(accounts)
