"""System checks of the mail configuration."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from invitations.models import MailSettings

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


# Not a deploy check, and silent unless DEBUG is on: `check --deploy` runs every
# check, and production settings without SMTP_HOST must still pass it (mail may
# well be configured in the admin afterwards). A developer starting `runserver`
# with DEBUG on is the one who needs to know where the mail went.
@checks.register("mail")
def mail_goes_somewhere(app_configs, **kwargs):
    """Say so when the site's mail would be printed to the console instead of sent."""
    if not settings.DEBUG or settings.MAIL_FALLBACK_BACKEND != CONSOLE_BACKEND:
        return []
    if _mail_settings_enabled():
        return []
    return [
        checks.Warning(
            "Outgoing mail is printed to the console: neither SMTP_HOST nor EMAIL_BACKEND "
            "is set, and the mail settings in the admin are not enabled.",
            hint="Set SMTP_HOST (with SMTP_USER, SMTP_PASS and SMTP_FROM) or EMAIL_BACKEND, "
            "or enable the mail settings in the admin; see docs/mail.md.",
            id="invitations.W001",
        )
    ]


def _mail_settings_enabled() -> bool:
    # Checks run before `migrate` too (and `migrate` runs them itself), when the
    # table does not exist yet: then there is no row to find.
    try:
        return MailSettings.objects.filter(enabled=True).exists()
    except DatabaseError:
        return False
