from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from meetings.models import Meeting


class Invitation(models.Model):
    """One person's place in one meeting: a registered user or one of the host's contacts."""

    class Role(models.TextChoices):
        ATTENDEE = "attendee", "Attendee"
        MODERATOR = "moderator", "Co-host (moderator)"

    class Rsvp(models.TextChoices):
        NEEDS_ACTION = "needs_action", "No answer yet"
        ACCEPTED = "accepted", "Accepted"
        TENTATIVE = "tentative", "Maybe"
        DECLINED = "declined", "Declined"

    class Delivery(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Message(models.TextChoices):
        """What the invitee's next (or last) email says about the meeting."""

        REQUEST = "request", "Invitation"
        CANCEL = "cancel", "Cancellation"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ATTENDEE)
    personal_message = models.TextField(blank=True, max_length=2000)

    rsvp = models.CharField(max_length=20, choices=Rsvp.choices, default=Rsvp.NEEDS_ACTION)
    rsvp_at = models.DateTimeField(null=True, blank=True)

    message = models.CharField(max_length=10, choices=Message.choices, default=Message.REQUEST)
    delivery_state = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set together when a worker takes the invitation to send; see invitations.delivery.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The meeting as the last email sent showed it (invitations.emails.details),
    # so that an update can say what changed since.
    sent_details = models.JSONField(default=dict, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # The host's page reads one page of a meeting's invitations in this order.
        indexes = [
            models.Index(fields=["meeting", "created_at", "id"], name="invitation_meeting_order")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, contact__isnull=True)
                | Q(user__isnull=True, contact__isnull=False),
                name="invitation_user_xor_contact",
            ),
            models.UniqueConstraint(
                "meeting",
                Lower("email"),
                name="invitation_email_unique_per_meeting",
                violation_error_message="This address is already invited.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.meeting}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role == self.Role.MODERATOR


class JoinToken(models.Model):
    """A personal join link's secret, stored as its SHA-256 digest.

    Every email that carries the link mints a new token, so that the clear
    token exists in that email alone; resending or revoking deletes them all.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="join_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token {self.digest[:8]}… for {self.invitation_id}"


class ReminderSent(models.Model):
    """A reminder claimed for one recipient of one meeting, so that it goes out at most once."""

    class Kind(models.TextChoices):
        DAY = "24h", "24 hours before"
        HOUR = "1h", "1 hour before"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    email = models.EmailField(max_length=254)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    # The sweep that inserted the row: a sweep sends only the reminders it claimed.
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "email", "kind"], name="reminder_once_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder to {self.email} for {self.meeting_id}"


class MailSettings(models.Model):
    """How mail leaves the site; one row, edited by staff in the admin.

    When the row is missing or disabled, the environment decides (settings.py).
    """

    class Security(models.TextChoices):
        NONE = "none", "None"
        STARTTLS = "starttls", "STARTTLS"
        SSL = "ssl", "SSL/TLS"

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    enabled = models.BooleanField(
        default=False, help_text="Off: mail follows the SMTP_* environment variables."
    )
    host = models.CharField("SMTP host", max_length=255, blank=True)
    port = models.PositiveIntegerField("SMTP port", default=587)
    username = models.CharField(max_length=255, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.STARTTLS)
    from_email = models.EmailField("from email", blank=True)
    from_name = models.CharField("from name", max_length=100, blank=True)
    timeout = models.PositiveSmallIntegerField("timeout (seconds)", default=15)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mail settings"
        verbose_name_plural = "mail settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="mail_settings_single_row"),
            models.CheckConstraint(
                condition=Q(port__gte=1, port__lte=65535), name="mail_settings_port_range"
            ),
            models.CheckConstraint(
                condition=Q(timeout__gte=1, timeout__lte=300), name="mail_settings_timeout_range"
            ),
        ]

    def __str__(self) -> str:
        return "Mail settings"
