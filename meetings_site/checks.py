"""System checks of the deployment and of where the site's mail goes."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """A per-process random key logs everyone out on restart and splits workers."""
    if getattr(settings, "SECRET_KEY_IS_EPHEMERAL", False):
        return [
            Error(
                "SECRET_KEY is not set, so each process draws its own random key.",
                hint="Set SECRET_KEY in the environment (see .env.example).",
                id="meetings_site.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs, **kwargs):
    """Links in emails and the share dialog must not send credentials in clear."""
    if not settings.SITE_URL.startswith("https://"):
        return [
            Error(
                f"SITE_URL is {settings.SITE_URL!r}; links with passcodes must use https.",
                hint="Set SITE_URL to the public https address of the site.",
                id="meetings_site.E002",
            )
        ]
    return []


# Not a deploy check, and silent unless DEBUG is on: `check --deploy` runs every
# check, and production settings without SMTP_HOST must still pass it (mail may
# well be configured in the admin afterwards). A developer starting `runserver`
# with DEBUG on is the one who needs to know where the mail went.
@register("mail")
def mail_goes_somewhere(app_configs, **kwargs):
    """Say so when the site's mail would be printed to the console instead of sent."""
    if not settings.DEBUG or settings.MAIL_FALLBACK_BACKEND != CONSOLE_BACKEND:
        return []
    if _mail_settings_enabled():
        return []
    return [
        Warning(
            "Outgoing mail is printed to the console: neither SMTP_HOST nor EMAIL_BACKEND "
            "is set, and the mail settings in the admin are not enabled.",
            hint="Set SMTP_HOST (with SMTP_USER, SMTP_PASS and SMTP_FROM) or EMAIL_BACKEND, "
            "or enable the mail settings in the admin; see docs/mail.md.",
            id="invitations.W001",
        )
    ]


def _mail_settings_enabled() -> bool:
    from invitations.models import MailSettings

    # Checks run before `migrate` too (and `migrate` runs them itself), when the
    # table does not exist yet: then there is no row to find.
    try:
        return MailSettings.objects.filter(enabled=True).exists()
    except DatabaseError:
        return False


# Up to a hundred years: longer would overflow the date arithmetic, and is "never" anyway.
LINKS_EXPIRE_DAYS_MAX = 36_500


@register()
def links_expire_days_in_range(app_configs, **kwargs):
    """A negative number would close every link before its meeting ends."""
    days = settings.MEETING_LINKS_EXPIRE_DAYS
    if not 0 <= days <= LINKS_EXPIRE_DAYS_MAX:
        return [
            Error(
                f"MEETING_LINKS_EXPIRE_DAYS is {days}; it must be 0 to {LINKS_EXPIRE_DAYS_MAX:,}.",
                hint="Set the days after a meeting's end when its links stop working (e.g. 30).",
                id="meetings_site.E003",
            )
        ]
    return []
