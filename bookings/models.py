"""Booking pages: a host's handle, availability, what guests can book, and the bookings made."""

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.timezones import timezone_choices
from meetings.models import DURATION_MAX, DURATION_MIN, Meeting

HANDLE_MIN = 3
HANDLE_MAX = 40
# Lowercase letters, digits and inner hyphens: safe in a URL as it is, and
# unique whatever the case, since nothing else can be stored.
HANDLE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"
HANDLE_MESSAGE = (
    f"Use {HANDLE_MIN} to {HANDLE_MAX} lowercase letters, digits and hyphens, "
    "starting and ending with a letter or digit."
)
BUFFER_MAX = 240
NOTICE_MAX = 60 * 24 * 30
WINDOW_MAX = 365
STEP_MIN = 5
DURATIONS_MAX = 10
DAILY_MAXIMUM_MAX = 100
# The longest a booking blocks: its longest duration and both buffers. The busy
# selector bounds its index ranges with it.
BLOCKED_MAX_MINUTES = DURATION_MAX + 2 * BUFFER_MAX
# The end of a day in an interval: 00:00 as an end is midnight at the day's end.
END_OF_DAY = time(0, 0)


class BookingProfile(models.Model):
    """A host's public booking page: its handle (/book/<handle>/) and a short introduction."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_profile"
    )
    handle = models.CharField(
        max_length=HANDLE_MAX,
        unique=True,
        help_text="Your booking page's address: lowercase letters, digits and hyphens.",
        error_messages={"unique": "This handle is taken; try another."},
    )
    introduction = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(handle__regex=HANDLE_PATTERN), name="booking_handle_url_safe"
            ),
        ]

    def __str__(self) -> str:
        return self.handle


class Schedule(models.Model):
    """A host's weekly availability in one time zone, with date overrides; one is the default."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_schedules"
    )
    name = models.CharField(max_length=100)
    timezone = models.CharField("time zone", max_length=64, choices=timezone_choices)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["host"],
                condition=Q(is_default=True),
                name="schedule_one_default_per_host",
                violation_error_message="A host has one default schedule.",
            ),
            models.UniqueConstraint(
                "host",
                Lower("name"),
                name="schedule_name_unique_per_host",
                violation_error_message="You already have a schedule with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.timezone})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def _interval_order() -> Q:
    """Start before end; an end of 00:00 is the day's end (midnight)."""
    return Q(start__lt=F("end")) | Q(end=END_OF_DAY)


class WeeklyInterval(models.Model):
    """Hours on one weekday, in the schedule's zone; a day may have several."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 is midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="weekly_interval_weekday"
            ),
            models.CheckConstraint(
                condition=_interval_order(),
                name="weekly_interval_start_before_end",
                violation_error_message="The start must be before the end.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class DateOverride(models.Model):
    """Other hours on one date, replacing the weekly ones: no times means the day is off.

    A date is either off (one row without times) or has one or more intervals.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | (Q(start__isnull=False, end__isnull=False) & _interval_order()),
                name="date_override_off_or_interval",
                violation_error_message="The start must be before the end.",
            ),
        ]
        indexes = [models.Index(fields=["schedule", "date"], name="date_override_schedule_date")]

    def __str__(self) -> str:
        if self.start is None:
            return f"{self.date}: off"
        return f"{self.date} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def is_day_off(self) -> bool:
        return self.start is None


class BookingType(models.Model):
    """What guests can book with a host: /book/<handle>/<slug>/."""

    class Question(models.TextChoices):
        OFF = "off", "Not asked"
        OPTIONAL = "optional", "Optional"
        REQUIRED = "required", "Required"

    Location = Meeting.Provider

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_types"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True, max_length=5000)
    # Minutes, each DURATION_MIN..DURATION_MAX, ascending; the first is preselected.
    durations = models.JSONField(default=list)
    location = models.CharField(max_length=20, choices=Location.choices, default=Location.JITSI)
    external_url = models.URLField(
        "external meeting link",
        max_length=500,
        blank=True,
        help_text="The https link of a Zoom, Teams or other meeting.",
    )
    buffer_before = models.PositiveSmallIntegerField(default=0, help_text="Minutes.")
    buffer_after = models.PositiveSmallIntegerField(default=0, help_text="Minutes.")
    minimum_notice = models.PositiveIntegerField(default=240, help_text="Minutes.")
    booking_window = models.PositiveSmallIntegerField(
        default=60, help_text="How many days ahead guests may book."
    )
    slot_step = models.PositiveSmallIntegerField(
        default=30, help_text="Minutes between the start times offered."
    )
    daily_maximum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Bookings of this type per day; empty for no limit."
    )
    subject_question = models.CharField(
        max_length=10, choices=Question.choices, default=Question.OPTIONAL
    )
    notes_question = models.CharField(
        max_length=10, choices=Question.choices, default=Question.OPTIONAL
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Hidden types cannot be booked."
    )
    color = models.CharField(max_length=7, default="#2563eb", help_text="#rrggbb")
    label = models.CharField(max_length=30, blank=True, help_text="Shown on the dashboard.")
    schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_types",
        help_text="Empty: the host's default schedule.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "slug"],
                name="booking_type_slug_unique_per_host",
                violation_error_message="You already have a booking type with this address.",
            ),
            models.CheckConstraint(
                condition=Q(buffer_before__lte=BUFFER_MAX, buffer_after__lte=BUFFER_MAX),
                name="booking_type_buffers_range",
            ),
            models.CheckConstraint(
                condition=Q(minimum_notice__lte=NOTICE_MAX), name="booking_type_notice_range"
            ),
            models.CheckConstraint(
                condition=Q(booking_window__gte=1, booking_window__lte=WINDOW_MAX),
                name="booking_type_window_range",
            ),
            models.CheckConstraint(
                condition=Q(slot_step__gte=STEP_MIN, slot_step__lte=DURATION_MAX),
                name="booking_type_step_range",
            ),
            models.CheckConstraint(
                condition=Q(daily_maximum__isnull=True)
                | Q(daily_maximum__gte=1, daily_maximum__lte=DAILY_MAXIMUM_MAX),
                name="booking_type_daily_maximum_range",
            ),
            models.CheckConstraint(
                condition=~Q(location="external") | Q(external_url__startswith="https://"),
                name="booking_type_external_location_has_https_link",
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="booking_type_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        self.durations = clean_durations(self.durations)
        if self.location == self.Location.EXTERNAL and not self.external_url.startswith("https://"):
            raise ValidationError(
                {"external_url": "Paste the https link of the meeting guests will join."}
            )

    @property
    def default_duration(self) -> int:
        return self.durations[0]

    def asks(self, question: str) -> bool:
        return getattr(self, f"{question}_question") != self.Question.OFF

    def requires(self, question: str) -> bool:
        return getattr(self, f"{question}_question") == self.Question.REQUIRED


def clean_durations(durations) -> list[int]:
    """The durations offered, ascending, once each; ValidationError unless 1 to 10 of 15 to 480."""
    message = (
        f"Offer one to {DURATIONS_MAX} durations, each {DURATION_MIN} to {DURATION_MAX} minutes."
    )
    if not isinstance(durations, list | tuple) or not durations:
        raise ValidationError({"durations": message})
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in durations):
        raise ValidationError({"durations": message})
    values = sorted(set(durations))
    if len(values) > DURATIONS_MAX or not all(DURATION_MIN <= v <= DURATION_MAX for v in values):
        raise ValidationError({"durations": message})
    return values


class Booking(models.Model):
    """A guest's booking of a host: the meeting it created, the guest's answers, its time.

    The blocked range is the time widened by the type's buffers, stored so that
    the busy selector and PostgreSQL's exclusion constraint (migration 0002)
    read it from the row.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    class Party(models.TextChoices):
        GUEST = "guest", "Guest"
        HOST = "host", "Host"

    booking_type = models.ForeignKey(BookingType, on_delete=models.PROTECT, related_name="bookings")
    # The type's host, repeated so that the constraint and the busy index need no join.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest_bookings"
    )
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="booking")
    # The guest's place in the meeting: their invitation email, link and reminders.
    invitation = models.OneToOneField(
        "invitations.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking",
    )
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField(max_length=254)
    # The zone the guest picked on the booking page, for showing them times.
    guest_timezone = models.CharField(max_length=64)
    subject = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    blocked_start = models.DateTimeField(help_text="The start less the buffer before.")
    blocked_end = models.DateTimeField(help_text="The end plus the buffer after.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    cancel_reason = models.TextField(blank=True, max_length=1000)
    cancelled_by = models.CharField(max_length=5, choices=Party.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The meeting's calendar SEQUENCE the host's last booking email showed (-1:
    # none yet), claimed by the task that sends the next one (bookings/tasks.py).
    host_notified_sequence = models.IntegerField(default=-1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    blocked_start__lte=F("starts_at"),
                    starts_at__lt=F("ends_at"),
                    ends_at__lte=F("blocked_end"),
                ),
                name="booking_times_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["confirmed", "cancelled"]), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | Q(status="confirmed", cancelled_at__isnull=True, cancelled_by=""),
                name="booking_cancelled_fields",
            ),
        ]
        indexes = [
            # The busy selector: a host's bookings by the start of their blocked range.
            models.Index(fields=["host", "blocked_start"], name="booking_host_blocked"),
            # The daily maximum: a type's bookings by start.
            models.Index(fields=["booking_type", "starts_at"], name="booking_type_start"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_type} with {self.guest_name} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def guest_change_closed_reason(self, now=None) -> str:
        """Why the guest may no longer reschedule or cancel; '' while they may."""
        now = now or timezone.now()
        if self.is_cancelled:
            return "This booking was cancelled."
        if self.starts_at <= now:
            host = self.host
            return (
                "The meeting has started, so it can no longer be changed here. "
                f"Contact {host.display_name} <{host.email}>."
            )
        return ""


class BookingToken(models.Model):
    """The secret of a guest's booking link (success page, reschedule, cancel), as a SHA-256.

    Every email that carries the link, and the success page, gets its own
    token, so the clear token exists there alone. The links work until the
    meeting starts; after a cancellation they show the booking as cancelled.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token {self.digest[:8]}… for booking {self.booking_id}"


# Ratings after the call.
RATING_MIN = 1
RATING_MAX = 5
FEEDBACK_MAX = 2000


class Rating(models.Model):
    """One attendee's rating of a meeting they joined: asked for by email, given on its page.

    The row is made when the request email is claimed for sending, and its
    (meeting, email) is unique: of two sweeps at once, one inserts it and
    sends. The link's token is kept as its SHA-256 only. The score stays
    empty until the attendee rates; rating again while rating is open
    replaces it.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_ratings",
    )
    invitation = models.ForeignKey(
        "invitations.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    email = models.EmailField()
    name = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, unique=True)
    # The sweep that inserted the row: it alone sends the email.
    claimed_by = models.CharField(max_length=32, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback = models.TextField(blank=True, max_length=FEEDBACK_MAX)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rated_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="rating_one_per_attendee"),
            models.CheckConstraint(
                condition=Q(score__isnull=True, rated_at__isnull=True)
                | Q(score__gte=RATING_MIN, score__lte=RATING_MAX, rated_at__isnull=False),
                name="rating_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.meeting_id}: {self.score or 'not rated'}"
