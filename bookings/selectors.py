"""Reads of booking pages: when a host is busy, the free slots of a type, handles, lookups."""

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from bookings import google_busy as google_busy_module
from bookings.google_busy import GoogleBusy
from bookings.models import (
    BLOCKED_MAX_MINUTES,
    HANDLE_MAX,
    HANDLE_MIN,
    Booking,
    BookingProfile,
    BookingType,
    Schedule,
)
from bookings.slots import Availability, Interval, Rules, free_slots, merge
from invitations.models import Invitation
from meetings.models import DURATION_MAX, Meeting

# A live booking blocks at most this long, a meeting lasts at most DURATION_MAX:
# the index ranges of busy_intervals() are bounded with them.
BLOCKED_MAX = timedelta(minutes=BLOCKED_MAX_MINUTES)
MEETING_MAX = timedelta(minutes=DURATION_MAX)


@dataclass(frozen=True)
class BusyTimes:
    """A host's busy intervals (UTC, sorted, joined) and whether Google could not be asked."""

    intervals: list[Interval]
    google_unavailable: bool = False


def busy_intervals(
    *,
    host: User,
    start: datetime,
    end: datetime,
    exclude_booking: Booking | None = None,
    google: GoogleBusy | None = None,
) -> BusyTimes:
    """When the host is busy in [start, end): the one answer slot pages and bookings read.

    Busy: meetings the host hosts, meetings the host co-hosts (a moderator
    invitation to their account, not declined), neither cancelled; live
    bookings' blocked ranges (buffers included); Google's busy times when the
    host connected Google (`google`, when given, is used instead of asking;
    else the cached answer). `exclude_booking` leaves out a booking and its
    meeting: the time it is being moved from.

    Two queries: busy_rows(), and the host's Google account.
    """
    rows = busy_rows(host=host, start=start, end=end, exclude_booking=exclude_booking)
    if google is None:
        google = google_busy_module.google_busy(host=host, start=start, end=end)
    intervals = [*rows, *google.intervals]
    return BusyTimes(intervals=merge(intervals), google_unavailable=google.unavailable)


def busy_rows(
    *, host: User, start: datetime, end: datetime, exclude_booking: Booking | None = None
) -> QuerySet:
    """(start, end) rows of what the site knows makes the host busy in [start, end).

    One query, a UNION ALL of three parts, each on an index: the host's
    meetings and bookings as bounded ranges of (host, ends_at) and (host,
    blocked_start); the meetings they co-host through their invitations (by
    user), which are few.
    """
    hosted = Meeting.objects.filter(
        host=host, ends_at__gt=start, ends_at__lt=end + MEETING_MAX, starts_at__lt=end
    ).exclude(status=Meeting.Status.CANCELLED)
    cohosted = (
        Invitation.objects.filter(
            user=host,
            role=Invitation.Role.MODERATOR,
            revoked_at__isnull=True,
            meeting__ends_at__gt=start,
            meeting__starts_at__lt=end,
        )
        .exclude(rsvp=Invitation.Rsvp.DECLINED)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
    )
    booked = Booking.objects.filter(
        host=host,
        status=Booking.Status.CONFIRMED,
        blocked_start__gt=start - BLOCKED_MAX,
        blocked_start__lt=end,
        blocked_end__gt=start,
    )
    if exclude_booking is not None:
        hosted = hosted.exclude(pk=exclude_booking.meeting_id)
        cohosted = cohosted.exclude(meeting_id=exclude_booking.meeting_id)
        booked = booked.exclude(pk=exclude_booking.pk)
    return (
        hosted.order_by()
        .values_list("starts_at", "ends_at")
        .union(
            cohosted.order_by().values_list("meeting__starts_at", "meeting__ends_at"),
            booked.order_by().values_list("blocked_start", "blocked_end"),
            all=True,
        )
    )


def schedule_for(*, booking_type: BookingType) -> Schedule | None:
    """The schedule a type follows: its own, else the host's default; None if the host has none."""
    if booking_type.schedule_id is not None:
        return Schedule.objects.filter(pk=booking_type.schedule_id).first()
    return Schedule.objects.filter(host_id=booking_type.host_id, is_default=True).first()


def schedule_availability(*, schedule: Schedule, first: date, last: date) -> Availability:
    """The schedule's weekly hours and its overrides on the dates first..last (two queries)."""
    weekly: dict[int, list] = {}
    for weekday, start, end in schedule.weekly.values_list("weekday", "start", "end"):
        weekly.setdefault(weekday, []).append((start, end))
    overrides: dict[date, list] = {}
    for day, start, end in schedule.overrides.filter(date__gte=first, date__lte=last).values_list(
        "date", "start", "end"
    ):
        hours = overrides.setdefault(day, [])
        if start is not None:
            hours.append((start, end))
    return Availability(zone=schedule.zone, weekly=weekly, overrides=overrides)


def slot_rules(*, booking_type: BookingType, duration: int, now: datetime) -> Rules:
    """The type's rules for one of its durations, as of `now`."""
    return Rules(
        duration=timedelta(minutes=duration),
        step=timedelta(minutes=booking_type.slot_step),
        earliest=now + timedelta(minutes=booking_type.minimum_notice),
        latest=now + timedelta(days=booking_type.booking_window),
        buffer_before=timedelta(minutes=booking_type.buffer_before),
        buffer_after=timedelta(minutes=booking_type.buffer_after),
        daily_maximum=booking_type.daily_maximum,
    )


@dataclass(frozen=True)
class SlotInputs:
    """Everything the pure slot functions need for a type around a range, read at once."""

    availability: Availability | None
    rules: Rules
    busy: BusyTimes
    booked_per_day: dict[date, int]


def slot_inputs(
    *,
    booking_type: BookingType,
    duration: int,
    start: datetime,
    end: datetime,
    now: datetime,
    exclude_booking: Booking | None = None,
    google: GoogleBusy | None = None,
) -> SlotInputs:
    """Read what decides the free starts of [start, end): schedule, busy times, day counts.

    A constant number of queries (at most six), whatever the number of
    meetings and bookings.
    """
    rules = slot_rules(booking_type=booking_type, duration=duration, now=now)
    schedule = schedule_for(booking_type=booking_type)
    if schedule is None:
        return SlotInputs(None, rules, BusyTimes([]), {})
    zone = schedule.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    availability = schedule_availability(schedule=schedule, first=first, last=last)
    busy = busy_intervals(
        host=booking_type.host,
        start=start - BLOCKED_MAX,
        end=end + BLOCKED_MAX,
        exclude_booking=exclude_booking,
        google=google,
    )
    booked_per_day: dict[date, int] = {}
    if booking_type.daily_maximum is not None:
        booked_per_day = _booked_per_day(booking_type, zone, first, last, exclude_booking)
    return SlotInputs(availability, rules, busy, booked_per_day)


def _booked_per_day(
    booking_type: BookingType, zone: ZoneInfo, first: date, last: date, exclude: Booking | None
) -> dict[date, int]:
    """The type's live bookings per date of the schedule's zone (the daily maximum's days)."""
    bookings = Booking.objects.filter(
        booking_type=booking_type,
        status=Booking.Status.CONFIRMED,
        starts_at__gte=datetime.combine(first, time(0), zone),
        starts_at__lt=datetime.combine(last + timedelta(days=1), time(0), zone),
    )
    if exclude is not None:
        bookings = bookings.exclude(pk=exclude.pk)
    starts = bookings.values_list("starts_at", flat=True)
    return dict(Counter(start.astimezone(zone).date() for start in starts))


@dataclass(frozen=True)
class SlotDay:
    """The free starts on one of the guest's dates, in the guest's zone."""

    day: date
    slots: list[datetime]
    google_unavailable: bool


@dataclass(frozen=True)
class SlotMonth:
    """The guest's dates of one month that have free starts, with how many each."""

    year: int
    month: int
    days: dict[date, int]
    google_unavailable: bool


def _free(
    booking_type: BookingType,
    duration: int,
    guest_timezone: str,
    first: date,
    last: date,
    now: datetime | None,
    exclude_booking: Booking | None,
) -> tuple[list[datetime], bool]:
    """The free starts from the guest's date `first` to `last`, both included, in the
    guest's zone, and whether Google could not be asked."""
    if duration not in booking_type.durations:
        raise ValidationError("Pick one of the durations offered.", code="duration")
    zone = ZoneInfo(guest_timezone)
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    now = now or timezone.now()
    rules = slot_rules(booking_type=booking_type, duration=duration, now=now)
    if end <= rules.earliest or start > rules.latest:
        return [], False  # all past, or all beyond the window: nothing to read
    inputs = slot_inputs(
        booking_type=booking_type,
        duration=duration,
        start=start,
        end=end,
        now=now,
        exclude_booking=exclude_booking,
    )
    if inputs.availability is None:
        return [], False
    slots = free_slots(
        inputs.availability,
        inputs.rules,
        start=start,
        end=end,
        busy=inputs.busy.intervals,
        booked_per_day=inputs.booked_per_day,
    )
    return [slot.astimezone(zone) for slot in slots], inputs.busy.google_unavailable


def day_slots(
    *,
    booking_type: BookingType,
    duration: int,
    guest_timezone: str,
    day: date,
    now: datetime | None = None,
    exclude_booking: Booking | None = None,
) -> SlotDay:
    """The free starts of a type on the guest's date `day`, shown in the guest's zone.

    ValidationError if the type does not offer `duration`.
    """
    slots, unavailable = _free(
        booking_type, duration, guest_timezone, day, day, now, exclude_booking
    )
    return SlotDay(day, slots, unavailable)


def month_slots(
    *,
    booking_type: BookingType,
    duration: int,
    guest_timezone: str,
    year: int,
    month: int,
    now: datetime | None = None,
    exclude_booking: Booking | None = None,
) -> SlotMonth:
    """The guest's dates of a month with free starts of a type, and how many each has."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    slots, unavailable = _free(
        booking_type, duration, guest_timezone, first, last, now, exclude_booking
    )
    return SlotMonth(year, month, dict(Counter(slot.date() for slot in slots)), unavailable)


@dataclass(frozen=True)
class SlotRange:
    """The free starts from one of the guest's dates to another, in the guest's zone."""

    slots: list[datetime]
    google_unavailable: bool


def range_slots(
    *,
    booking_type: BookingType,
    duration: int,
    guest_timezone: str,
    first: date,
    last: date,
    now: datetime | None = None,
) -> SlotRange:
    """The free starts of a type from the guest's date `first` to `last`, both included, as
    the month page computes them (the API's slots). The caller bounds the range."""
    return SlotRange(*_free(booking_type, duration, guest_timezone, first, last, now, None))


def suggested_handle(*, user: User) -> str:
    """A free handle made from the user's name (or their address): ada-lovelace, ada-lovelace-2."""
    base = slugify(user.get_full_name()) or slugify(user.email.split("@")[0])
    base = re.sub(r"-{2,}", "-", base.replace("_", "-")).strip("-")[: HANDLE_MAX - 4].strip("-")
    if len(base) < HANDLE_MIN:
        base = f"{base}-meet".strip("-") if base else "meet"
    taken = set(
        BookingProfile.objects.filter(handle__startswith=base).values_list("handle", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def profile_for_handle(*, handle: str) -> BookingProfile | None:
    """The booking page of a handle, whatever its case, with its user; None if unknown."""
    return BookingProfile.objects.select_related("user").filter(handle=handle.lower()).first()


def bookable_types(*, host: User) -> QuerySet[BookingType]:
    """The host's active booking types, as the public page lists them."""
    return BookingType.objects.filter(host=host, is_active=True)


def bookable_type(*, handle: str, slug: str) -> BookingType | None:
    """The active type at /book/<handle>/<slug>/ with its host; None if unknown or hidden."""
    return (
        BookingType.objects.select_related("host")
        .filter(host__booking_profile__handle=handle.lower(), slug=slug, is_active=True)
        .first()
    )


def host_bookings(*, host: User, booking_type: BookingType | None = None) -> QuerySet[Booking]:
    """The host's bookings, soonest first, with their types and meetings."""
    bookings = Booking.objects.filter(host=host).select_related("booking_type", "meeting")
    if booking_type is not None:
        bookings = bookings.filter(booking_type=booking_type)
    return bookings.order_by("starts_at", "pk")
