from django.conf import settings
from django.core.checks import Error, Tags, register


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
