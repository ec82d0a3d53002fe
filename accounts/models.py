from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from accounts.timezones import current_timezone_name, timezone_choices


def default_timezone() -> str:
    return current_timezone_name(settings.TIME_ZONE)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        return self.create_user(
            email, password, **{**extra_fields, "is_staff": True, "is_superuser": True}
        )


class User(AbstractBaseUser, PermissionsMixin):
    """Someone with an account: logs in with their email address."""

    email = models.EmailField(
        "email address",
        max_length=254,
        unique=True,
        error_messages={"unique": "An account with this email address already exists."},
    )
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(
        "time zone", max_length=64, choices=timezone_choices, default=default_timezone
    )
    is_staff = models.BooleanField(
        "administrator",
        default=False,
        help_text="Administrators reach the admin and may open every meeting as moderator.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="An account with this email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class GoogleAccount(models.Model):
    """A user's connected Google account, through which their meetings are held on Google Meet.

    The tokens are stored encrypted (the same keys as the SMTP password); the
    refresh token is what lasts, the access token is a cache of the latest one.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="google_account"
    )
    email = models.EmailField("Google account", blank=True)
    scopes = models.TextField(blank=True, help_text="The scopes Google granted, space-separated.")
    refresh_token = models.TextField(editable=False)
    access_token = models.TextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    connected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Google account"

    def __str__(self) -> str:
        return self.email or f"Google account of {self.user}"


class ApiToken(models.Model):
    """A personal API token: its owner sends it as `Authorization: Bearer mtg_…`.

    Only the SHA-256 digest is stored (meetings_site/tokens.py); the clear token
    is shown once, when it is created. `shown_start` keeps its first characters,
    so that its owner can tell their tokens apart.
    """

    PREFIX = "mtg_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    shown_start = models.CharField("first characters", max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_start}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
