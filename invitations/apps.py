from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"

    def ready(self) -> None:
        from invitations import checks  # noqa: F401  (registers the mail checks)
