import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

ONE_LINE = "Write this on one line."


def validate_one_line(value: str) -> None:
    """No line breaks or other control characters: names end up in mail headers, and a
    name split over lines is a header injection, never a person's name."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError(ONE_LINE, code="one_line")


class ContactQuerySet(models.QuerySet):
    def owned_by(self, user):
        """The user's contacts, without the archived ones."""
        return self.filter(owner=user, archived_at__isnull=True)


class Contact(models.Model):
    """Someone in a host's address book, usually without an account."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(max_length=150, blank=True, validators=[validate_one_line])
    last_name = models.CharField(max_length=150, blank=True, validators=[validate_one_line])
    email = models.EmailField(max_length=254)
    company = models.CharField(max_length=200, blank=True, validators=[validate_one_line])
    phone = models.CharField(max_length=50, blank=True, validators=[validate_one_line])
    notes = models.TextField(blank=True, max_length=5000)
    # A deleted contact that was invited stays, hidden, so its invitations keep their history.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = [Lower("last_name"), Lower("first_name"), Lower("email")]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("email"),
                condition=Q(archived_at__isnull=True),
                name="contact_email_unique_per_owner",
                violation_error_message="You already have a contact with this email address.",
            ),
        ]
        indexes = [models.Index(fields=["owner", "email"])]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    def get_absolute_url(self) -> str:
        return reverse("contacts:edit", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email
