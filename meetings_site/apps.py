from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project's shared parts: system checks, encryption, CSV cells, attempt limits."""

    name = "meetings_site"
    verbose_name = "Site"

    def ready(self) -> None:
        from meetings_site import checks  # noqa: F401  (registers the system checks)
