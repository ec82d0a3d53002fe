from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from meetings_site import checks  # noqa: F401  (registers the deploy checks)
