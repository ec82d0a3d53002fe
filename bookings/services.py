"""Writes of bookings: create, reschedule, cancel. The host's setup is in bookings/setup.py.

A booking is decided under a lock on the host's row: the slot is checked
again and the booking inserted in one transaction, so two guests never get the
same time (on PostgreSQL an exclusion constraint stands behind the lock).
Google is asked before that transaction, so no lock waits on the network.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import google
from accounts.models import User
from accounts.timezones import current_timezone_name, timezone_names
from bookings import google_busy, selectors, slots, tokens
from bookings import tasks as bookings_tasks
from bookings.models import Booking, BookingType
from contacts.models import validate_one_line
from invitations import services as invitation_services
from meetings import services as meeting_services
from meetings import tasks as meeting_tasks
from meetings.exceptions import TransitionError
from meetings.models import Meeting

# The PostgreSQL exclusion constraint of migration 0002.
NO_OVERLAP_CONSTRAINT = "booking_no_overlap_per_host"
NAME_MAX = 200
SUBJECT_MAX = 200
NOTES_MAX = 2000
REASON_MAX = 1000


class SlotTaken(ValidationError):
    """The time was free when the guest saw it and is not any more: a view answers 409."""

    MESSAGE = "That time was just taken — please pick another."

    def __init__(self):
        super().__init__({"starts_at": ValidationError(self.MESSAGE, code="taken")})


@dataclass(frozen=True)
class NewBooking:
    """A booking just made, and the clear token of the guest's link to it (success page)."""

    booking: Booking
    token: str


def _one_line(value: str, field: str, label: str, maximum: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError({field: f"Enter {label}."}, code="required")
    if len(value) > maximum:
        raise ValidationError({field: f"Keep {label} under {maximum} characters."})
    try:
        validate_one_line(value)  # a name ends up in mail headers
    except ValidationError:
        raise ValidationError({field: f"Write {label} on one line."}, code="invalid") from None
    return value


def _guest_details(
    booking_type: BookingType,
    *,
    guest_name: str,
    guest_email: str,
    guest_timezone: str,
    subject: str,
    notes: str,
) -> dict:
    """The guest's answers, checked; ValidationError names the field at fault."""
    name = _one_line(guest_name, "guest_name", "your name", NAME_MAX, required=True)
    email = guest_email.strip()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        raise ValidationError({"guest_email": "Enter a valid email address."}) from None
    zone = current_timezone_name(guest_timezone)
    if zone not in timezone_names():
        raise ValidationError({"guest_timezone": "Pick a time zone from the list."})
    answers = {"subject": "", "notes": ""}
    if booking_type.asks("subject"):
        answers["subject"] = _one_line(
            subject, "subject", "a subject", SUBJECT_MAX, required=booking_type.requires("subject")
        )
    if booking_type.asks("notes"):
        answers["notes"] = notes.strip()
        if booking_type.requires("notes") and not answers["notes"]:
            raise ValidationError({"notes": "Enter your notes."}, code="required")
        if len(answers["notes"]) > NOTES_MAX:
            raise ValidationError({"notes": f"Keep your notes under {NOTES_MAX} characters."})
    return {"guest_name": name, "guest_email": email, "guest_timezone": zone, **answers}


def _minutes_text(minutes: int) -> str:
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'s' if value != 1 else ''}"
        for value, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if value
    ]
    return " ".join(parts) or "no"


def _refuse(reason: str, booking_type: BookingType) -> None:
    """Raise what a slots.Refusal means, in the guest's words."""
    if reason in (slots.Refusal.TAKEN, slots.Refusal.DAILY_MAXIMUM):
        raise SlotTaken
    messages = {
        slots.Refusal.PAST: "That time has passed. Pick another.",
        slots.Refusal.NOTICE: f"Book at least {_minutes_text(booking_type.minimum_notice)} "
        "ahead. Pick a later time.",
        slots.Refusal.WINDOW: f"Bookings open at most {booking_type.booking_window} days "
        "ahead. Pick an earlier date.",
        slots.Refusal.AVAILABILITY: f"{booking_type.host.display_name} is not available then. "
        "Pick one of the times offered.",
        slots.Refusal.STEP: "Pick one of the start times offered.",
    }
    raise ValidationError({"starts_at": ValidationError(messages[reason], code=reason)})


def _aware(starts_at: datetime) -> datetime:
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Pick one of the start times offered."})
    return starts_at.astimezone(UTC)


def _fresh_google(host: User, starts_at: datetime) -> google_busy.GoogleBusy:
    """Google's busy times around a start, asked now (the range slot_inputs reads)."""
    return google_busy.google_busy(
        host=host,
        start=starts_at - selectors.BLOCKED_MAX,
        end=starts_at + timedelta(microseconds=1) + selectors.BLOCKED_MAX,
        fresh=True,
    )


def _check_slot(
    booking_type: BookingType,
    *,
    starts_at: datetime,
    duration: int,
    now: datetime,
    google_answer: google_busy.GoogleBusy,
    exclude_booking: Booking | None = None,
) -> str:
    """Refuse a start that is not a free slot of the type, as the slot pages compute them.

    Returns the schedule's zone, which the meeting keeps.
    """
    inputs = selectors.slot_inputs(
        booking_type=booking_type,
        duration=duration,
        start=starts_at,
        end=starts_at + timedelta(microseconds=1),
        now=now,
        exclude_booking=exclude_booking,
        google=google_answer,
    )
    if inputs.availability is None:
        _refuse(slots.Refusal.AVAILABILITY, booking_type)
    reason = slots.refusal(
        inputs.availability,
        inputs.rules,
        start=starts_at,
        now=now,
        busy=inputs.busy.intervals,
        booked_per_day=inputs.booked_per_day,
    )
    if reason is not None:
        _refuse(reason, booking_type)
    return inputs.availability.zone.key


def _lock_host(host: User) -> None:
    """Decide the host's bookings one at a time (on SQLite, IMMEDIATE transactions already do)."""
    User.objects.select_for_update().only("pk").get(pk=host.pk)


def _blocked(booking_type: BookingType, starts_at: datetime, ends_at: datetime) -> dict:
    return {
        "blocked_start": starts_at - timedelta(minutes=booking_type.buffer_before),
        "blocked_end": ends_at + timedelta(minutes=booking_type.buffer_after),
    }


def _save_booking(booking: Booking, update_fields: list[str] | None = None) -> None:
    """Write the booking; PostgreSQL's exclusion constraint refusing it is a taken slot."""
    try:
        with transaction.atomic():
            booking.save(update_fields=update_fields)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "")
        if constraint == NO_OVERLAP_CONSTRAINT:
            raise SlotTaken from None
        raise


def _check_duration(booking_type: BookingType, duration: int, *, also: int | None = None) -> None:
    if duration not in booking_type.durations and duration != also:
        raise ValidationError(
            {"duration": ValidationError("Pick one of the durations offered.", code="duration")}
        )


def booking_create(
    *,
    booking_type: BookingType,
    starts_at: datetime,
    duration: int,
    guest_name: str,
    guest_email: str,
    guest_timezone: str,
    subject: str = "",
    notes: str = "",
    guest_user: User | None = None,
    now: datetime | None = None,
) -> NewBooking:
    """Book a free slot of the type: the meeting, the guest's invitation, the booking, at once.

    The guest's invitation is linked to the host's contact with that email
    (created when missing), or to `guest_user` (the request's user; anonymous
    is fine) when that user is logged in with this address. ValidationError
    for bad input or a slot that is not free; SlotTaken (a ValidationError)
    when someone else just took it.
    """
    now = now or timezone.now()
    host = booking_type.host
    if not booking_type.is_active:
        raise ValidationError("This booking type is not open for booking.", code="hidden")
    details = _guest_details(
        booking_type,
        guest_name=guest_name,
        guest_email=guest_email,
        guest_timezone=guest_timezone,
        subject=subject,
        notes=notes,
    )
    if details["guest_email"].lower() == host.email.lower() or (
        guest_user is not None and guest_user.pk == host.pk
    ):
        raise ValidationError(
            {"guest_email": "This is your own booking page: you cannot book yourself."},
            code="self",
        )
    _check_duration(booking_type, duration)
    starts_at = _aware(starts_at)
    google_answer = _fresh_google(host, starts_at)
    meeting = None
    try:
        with transaction.atomic():
            _lock_host(host)
            zone = _check_slot(
                booking_type,
                starts_at=starts_at,
                duration=duration,
                now=now,
                google_answer=google_answer,
            )
            meeting = _create_meeting(booking_type, starts_at, duration, zone, details)
            as_user = (
                guest_user is not None
                and guest_user.is_authenticated
                and guest_user.email.lower() == details["guest_email"].lower()
            )
            invited = invitation_services.invitations_send(
                meeting=meeting,
                recipients=[(details["guest_name"], details["guest_email"])],
                as_contacts=not as_user,
            )
            ends_at = starts_at + timedelta(minutes=duration)
            booking = Booking(
                booking_type=booking_type,
                host=host,
                meeting=meeting,
                invitation=invited.invited[0],
                starts_at=starts_at,
                ends_at=ends_at,
                **_blocked(booking_type, starts_at, ends_at),
                **details,
            )
            _save_booking(booking)
            token = tokens.mint(booking=booking)
            _after_change(booking)
    except BaseException:
        # The transaction is undone; the Meet Google set up for it is not.
        if meeting is not None and meeting.google_event_id:
            meeting_tasks.delete_google_event.enqueue(host.pk, meeting.google_event_id)
        raise
    return NewBooking(booking=booking, token=token)


def _create_meeting(
    booking_type: BookingType, starts_at: datetime, duration: int, zone: str, details: dict
) -> Meeting:
    host = booking_type.host
    title = f"{booking_type.title} between {host.display_name} and {details['guest_name']}"
    answers = [
        f"Subject: {details['subject']}" if details["subject"] else "",
        f"Notes from {details['guest_name']}:\n{details['notes']}" if details["notes"] else "",
    ]
    room = meeting_services.RoomSettings(
        provider=booking_type.location,
        external_url=booking_type.external_url
        if booking_type.location == BookingType.Location.EXTERNAL
        else "",
    )
    try:
        return meeting_services.meeting_create(
            host=host,
            title=title[:200],
            description="\n\n".join(filter(None, answers)),
            starts_at=starts_at,
            duration=duration,
            timezone_name=zone,
            room=room,
        )
    except google.GoogleError:
        raise ValidationError(
            f"{host.display_name}'s video meetings cannot be set up right now. "
            "Try again in a moment.",
            code="provider",
        ) from None


def _after_change(booking: Booking) -> None:
    """Once committed: Google's cached answers for the host are stale; the host is told."""
    host_pk, booking_pk = booking.host_id, booking.pk
    transaction.on_commit(lambda: google_busy.forget(host_pk=host_pk))
    transaction.on_commit(lambda: bookings_tasks.notify_host.enqueue(booking_pk))


def _check_guest_may_change(booking: Booking, now: datetime) -> None:
    closed = booking.guest_change_closed_reason(now)
    if closed:
        code = "used" if booking.is_cancelled else "too_late"
        raise ValidationError(closed, code=code)


def booking_reschedule(
    *,
    booking: Booking,
    starts_at: datetime,
    by: str,
    duration: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to another free slot: the same meeting (ID, passcode, links, UID) moves.

    `by` is Booking.Party.GUEST (through their link: until the meeting
    starts) or HOST. The slot is checked as for a new booking, leaving the
    booking's own current time out; everyone's calendar gets the update and
    answers are asked again. SlotTaken when someone just took it.
    """
    now = now or timezone.now()
    booking_type = booking.booking_type
    duration = duration or booking.duration
    _check_duration(booking_type, duration, also=booking.duration)
    starts_at = _aware(starts_at)
    if by == Booking.Party.GUEST:
        _check_guest_may_change(booking, now)
    google_answer = _fresh_google(booking.host, starts_at)
    with transaction.atomic():
        _lock_host(booking.host)
        booking = (
            Booking.objects.select_for_update()
            .select_related("booking_type__host", "meeting", "host")
            .get(pk=booking.pk)
        )
        if booking.is_cancelled:
            raise ValidationError("This booking was cancelled.", code="used")
        if by == Booking.Party.GUEST:
            _check_guest_may_change(booking, now)
        _check_slot(
            booking.booking_type,
            starts_at=starts_at,
            duration=duration,
            now=now,
            google_answer=google_answer,
            exclude_booking=booking,
        )
        meeting = booking.meeting
        try:
            booking.meeting = meeting_services.meeting_update(
                meeting=meeting,
                title=meeting.title,
                description=meeting.description,
                starts_at=starts_at,
                duration=duration,
                timezone_name=meeting.timezone,
                passcode=meeting.passcode,
            )
        except TransitionError as error:
            raise ValidationError(str(error), code="too_late") from None
        except google.GoogleError:
            raise ValidationError(
                "The video meeting cannot be moved right now. Try again in a moment.",
                code="provider",
            ) from None
        booking.starts_at = starts_at
        booking.ends_at = starts_at + timedelta(minutes=duration)
        for name, value in _blocked(
            booking.booking_type, booking.starts_at, booking.ends_at
        ).items():
            setattr(booking, name, value)
        _save_booking(
            booking,
            update_fields=["starts_at", "ends_at", "blocked_start", "blocked_end", "updated_at"],
        )
        _after_change(booking)
    return booking


@transaction.atomic
def booking_cancel(
    *, booking: Booking, by: str, reason: str = "", now: datetime | None = None
) -> Booking:
    """Call a booking off, with an optional reason: the meeting is cancelled and the slot free.

    `by` is Booking.Party.GUEST (through their link: until the meeting
    starts) or HOST. Everyone's calendar gets METHOD:CANCEL.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters."})
    booking = (
        Booking.objects.select_for_update()
        .select_related("booking_type", "meeting", "host")
        .get(pk=booking.pk)
    )
    if booking.is_cancelled:
        raise ValidationError("This booking was already cancelled.", code="used")
    if by == Booking.Party.GUEST:
        _check_guest_may_change(booking, now)
    elif by != Booking.Party.HOST:
        raise ValueError(f"Not a party to the booking: {by!r}")
    if booking.meeting.status in (Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE):
        meeting_services.meeting_cancel(meeting=booking.meeting)
    elif booking.meeting.status == Meeting.Status.ENDED:
        raise ValidationError("This meeting has ended and can no longer be cancelled.")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_by = by
    booking.cancel_reason = reason
    booking.cancelled_at = now
    booking.save(
        update_fields=["status", "cancelled_by", "cancel_reason", "cancelled_at", "updated_at"]
    )
    _after_change(booking)
    return booking
