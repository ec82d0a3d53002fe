from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse


class ContactQuerySet(models.QuerySet):
    def owned_by(self, user):
        """The user's contacts, without the archived ones."""
        return self.filter(owner=user, archived_at__isnull=True)


class Contact(models.Model):
    """Someone in a host's address book, usually without an account."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254)
    company = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
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
