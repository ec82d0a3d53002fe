import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.timezones import timezone_choices
from meetings.credentials import (
    MEETING_ID_MAX,
    MEETING_ID_MIN,
    format_meeting_id,
)

DURATION_MIN = 15
DURATION_MAX = 480
PARTICIPANT_LIMIT_MIN = 2
PARTICIPANT_LIMIT_MAX = 1000
NOTES_MAX_LENGTH = 10_000
# How far ahead a meeting may start: later times overflow date arithmetic near
# year 9999, and no real meeting is planned that far out.
MAX_YEARS_AHEAD = 5


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ACTIVE = "active", "In progress"
        # Stored as "ended"; shown in the product's words.
        ENDED = "ended", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_meetings"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    starts_at = models.DateTimeField(db_index=True)
    duration = models.PositiveSmallIntegerField(help_text="Minutes.")
    # Kept in step with starts_at and duration by save(): the list filters
    # compare it in SQL, and minutes cannot be added to a time portably.
    ends_at = models.DateTimeField(editable=False)
    timezone = models.CharField("time zone", max_length=64, choices=timezone_choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Completed without ever being started: nobody opened it before it ended by itself.
    no_show = models.BooleanField("no-show", default=False)
    # The host's and co-hosts' own notes: never shown to invitees, mailed or put in calendars.
    host_notes = models.TextField("private notes", blank=True, max_length=NOTES_MAX_LENGTH)

    # The calendar event's UID, stable for the meeting's life, and the RFC 5545
    # SEQUENCE, raised on every change that calendars must pick up.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)

    meeting_id = models.PositiveIntegerField("meeting ID", unique=True, editable=False)
    passcode = models.CharField(max_length=10)
    invitation_token = models.CharField(max_length=64, unique=True, editable=False)
    access_token = models.CharField(max_length=64, unique=True, editable=False)

    class Provider(models.TextChoices):
        JITSI = "jitsi", "Jitsi (built in)"
        GOOGLE_MEET = "google_meet", "Google Meet"
        EXTERNAL = "external", "Another service (paste its link)"

    # Where the video call happens; every way in still passes through this site.
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.JITSI)
    # The link the host pasted, or the Meet link Google gave (empty while the
    # conference is still being set up).
    external_url = models.URLField(
        "external meeting link",
        max_length=500,
        blank=True,
        help_text="The https link of a Zoom, Teams or other meeting.",
    )
    # The event in the host's Google Calendar that carries the Meet.
    google_event_id = models.CharField(max_length=1024, blank=True, editable=False)

    # How the room behaves for attendees; moderators are never held back or muted.
    waiting_room = models.BooleanField(
        default=False, help_text="Attendees wait until the host admits them."
    )
    join_before_host = models.BooleanField(
        default=True, help_text="Attendees may enter before the host has started the meeting."
    )
    mute_on_join = models.BooleanField(
        default=False, help_text="Attendees enter with their microphone off."
    )
    participant_limit = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most people in the room at once; empty for no limit."
    )
    allow_name_change = models.BooleanField(
        default=True, help_text="People may change their name inside the room."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gte=DURATION_MIN, duration__lte=DURATION_MAX),
                name="meeting_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(meeting_id__gte=MEETING_ID_MIN, meeting_id__lte=MEETING_ID_MAX),
                name="meeting_id_nine_digits",
            ),
            models.CheckConstraint(
                condition=Q(passcode__regex=r"^[0-9]{4,10}$"),
                name="meeting_passcode_digits",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "active", "ended", "cancelled"]),
                name="meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(no_show=False) | Q(status="ended"),
                name="meeting_no_show_is_completed",
                violation_error_message="Only a completed meeting can be a no-show.",
            ),
            models.CheckConstraint(
                condition=~Q(provider="external") | Q(external_url__startswith="https://"),
                name="meeting_external_provider_has_https_link",
            ),
            models.CheckConstraint(
                condition=~Q(provider="google_meet") | ~Q(google_event_id=""),
                name="meeting_google_meet_has_event",
            ),
            models.CheckConstraint(
                condition=Q(participant_limit__isnull=True)
                | Q(
                    participant_limit__gte=PARTICIPANT_LIMIT_MIN,
                    participant_limit__lte=PARTICIPANT_LIMIT_MAX,
                ),
                name="meeting_participant_limit_range",
            ),
        ]
        indexes = [
            models.Index(fields=["host", "ends_at"]),
            # The sweep's search for meetings left open past their end. It holds open
            # meetings only, so it stays small however many are over. An open meeting is
            # never a no-show; naming that too keeps the list's queries of open meetings,
            # which do not say it, from reading the whole index in place of their own.
            models.Index(
                fields=["ends_at"],
                condition=Q(status__in=["scheduled", "active"], no_show=False),
                name="meeting_open_by_end_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.formatted_meeting_id})"

    def save(self, *args, **kwargs):
        self.ends_at = self.starts_at + timedelta(minutes=self.duration)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "duration"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ends_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.meeting_id])

    @property
    def formatted_meeting_id(self) -> str:
        return format_meeting_id(self.meeting_id)

    @staticmethod
    def past_condition(now) -> Q:
        """Over: ended, cancelled, or scheduled and never started before its end."""
        return Q(status__in=[Meeting.Status.ENDED, Meeting.Status.CANCELLED]) | Q(
            status=Meeting.Status.SCHEDULED, ends_at__lte=now
        )

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_starts_at(self):
        """The start in the meeting's own time zone."""
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def share_url(self) -> str:
        return settings.SITE_URL + reverse("join:share", args=[self.invitation_token])

    @property
    def room_name(self) -> str:
        """Derived from the ID and the secret access token: not guessable from the ID."""
        return f"meeting{self.meeting_id}{self.access_token}"

    @property
    def video_call_url(self) -> str:
        """The link of a call held elsewhere (pasted, or Google Meet's); '' for Jitsi."""
        return "" if self.provider == self.Provider.JITSI else self.external_url

    @property
    def video_call_service(self) -> str:
        """Where a call held elsewhere takes place, as a sentence's end names it."""
        return "Google Meet" if self.provider == self.Provider.GOOGLE_MEET else "another service"

    @property
    def room_is_ready(self) -> bool:
        """False while Google is still setting up the meeting's Meet."""
        return self.provider == self.Provider.JITSI or bool(self.external_url)

    @property
    def is_joinable(self) -> bool:
        return self.status in (self.Status.SCHEDULED, self.Status.ACTIVE)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.SCHEDULED


class Attendance(models.Model):
    """One person's entry into a meeting through one of the join flows.

    Waiting (admitted_at empty) until they may enter; in the room from
    admitted_at; left_at when the embedded room reports that they left.
    """

    class Way(models.TextChoices):
        HOST = "host", "Host"
        PERSONAL_LINK = "personal_link", "Personal link"
        SHARE_LINK = "share_link", "Share link"
        MEETING_ID = "meeting_id", "Meeting ID and passcode"
        MEETINGS_PAGE = "meetings_page", "Meetings page"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    invitation = models.ForeignKey(
        "invitations.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    display_name = models.CharField(max_length=200)
    way = models.CharField(max_length=20, choices=Way.choices)
    is_moderator = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["meeting", "admitted_at", "left_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.meeting_id} ({self.get_way_display()})"

    @property
    def is_waiting(self) -> bool:
        return self.admitted_at is None

    @property
    def duration(self) -> timedelta | None:
        if self.admitted_at and self.left_at:
            return self.left_at - self.admitted_at
        return None
