"""Writes of a host's booking setup: their handle, schedules and booking types. One verb each."""

import re
from collections.abc import Iterable
from datetime import date, time
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import google
from accounts.models import User
from accounts.timezones import current_timezone_name, timezone_names
from bookings.models import (
    END_OF_DAY,
    HANDLE_MESSAGE,
    HANDLE_PATTERN,
    BookingProfile,
    BookingType,
    DateOverride,
    Schedule,
    WeeklyInterval,
)

# ---------------------------------------------------------------------------
# The host's booking page


@transaction.atomic
def booking_profile_save(*, user: User, handle: str, introduction: str = "") -> BookingProfile:
    """Set the user's handle (stored lowercase) and introduction; a taken handle is refused."""
    handle = handle.strip().lower()
    if not re.fullmatch(HANDLE_PATTERN, handle):
        raise ValidationError({"handle": HANDLE_MESSAGE}, code="invalid")
    introduction = introduction.strip()
    if len(introduction) > 1000:
        raise ValidationError({"introduction": "Keep the introduction under 1000 characters."})
    taken = BookingProfile.objects.filter(handle=handle).exclude(user=user).exists()
    if taken:
        raise ValidationError({"handle": "This handle is taken; try another."}, code="unique")
    try:
        with transaction.atomic():
            profile, _ = BookingProfile.objects.update_or_create(
                user=user, defaults={"handle": handle, "introduction": introduction}
            )
    except IntegrityError:
        # Someone took it between the check and the write.
        raise ValidationError(
            {"handle": "This handle is taken; try another."}, code="unique"
        ) from None
    return profile


# ---------------------------------------------------------------------------
# Availability


def _zone_name(name: str) -> str:
    name = current_timezone_name(name)
    if name not in timezone_names():
        raise ValidationError({"timezone": "Pick a time zone from the list."}, code="invalid")
    return name


def _schedule_name(name: str, others) -> str:
    """A schedule's name, stripped: 1 to 100 characters, none of the host's `others` has it."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "Name the schedule (up to 100 characters)."})
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": "You already have a schedule with this name."})
    return name


@transaction.atomic
def schedule_create(*, host: User, name: str, timezone_name: str | None = None) -> Schedule:
    """Add a named schedule in a zone (the host's by default); a host's first is the default."""
    first = not Schedule.objects.filter(host=host).exists()
    return Schedule.objects.create(
        host=host,
        name=_schedule_name(name, Schedule.objects.filter(host=host)),
        timezone=_zone_name(timezone_name or host.timezone),
        is_default=first,
    )


@transaction.atomic
def schedule_update(*, schedule: Schedule, name: str, timezone_name: str) -> Schedule:
    """Rename a schedule or change its zone; its hours stay the same on the clock."""
    others = Schedule.objects.filter(host=schedule.host_id).exclude(pk=schedule.pk)
    schedule.name = _schedule_name(name, others)
    schedule.timezone = _zone_name(timezone_name)
    schedule.save(update_fields=["name", "timezone", "updated_at"])
    return schedule


@transaction.atomic
def schedule_make_default(*, schedule: Schedule) -> Schedule:
    """Make this the host's default schedule, the one booking types without their own follow."""
    Schedule.objects.filter(host=schedule.host_id, is_default=True).exclude(pk=schedule.pk).update(
        is_default=False
    )
    Schedule.objects.filter(pk=schedule.pk).update(is_default=True)
    schedule.is_default = True
    return schedule


@transaction.atomic
def schedule_delete(*, schedule: Schedule) -> None:
    """Remove a schedule that is not the default; types that used it follow the default."""
    if Schedule.objects.filter(pk=schedule.pk, is_default=True).exists():
        raise ValidationError("Make another schedule the default before deleting this one.")
    schedule.delete()


def _check_intervals(intervals: Iterable[tuple[time, time]], where: str) -> list[tuple[time, time]]:
    """Start before end (an end of 00:00 is midnight), and no two overlapping."""
    checked = []
    for start, end in intervals:
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValidationError(f"{where}: give each interval a start and an end.")
        if end != END_OF_DAY and start >= end:
            raise ValidationError(
                f"{where}: {start:%H:%M}–{end:%H:%M} must start before it ends.", code="order"
            )
        checked.append((start, end))
    checked.sort()
    for (_start, end), (next_start, _end) in pairwise(checked):
        if end == END_OF_DAY or next_start < end:
            raise ValidationError(f"{where}: the intervals overlap.", code="overlap")
    return checked


@transaction.atomic
def schedule_set_weekly(
    *, schedule: Schedule, intervals: Iterable[tuple[int, time, time]]
) -> Schedule:
    """Replace the weekly hours with (weekday, start, end) triples, Monday 0; several a day."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in intervals:
        if weekday not in WeeklyInterval.Weekday.values:
            raise ValidationError("Pick a weekday from Monday to Sunday.")
        by_day.setdefault(weekday, []).append((start, end))
    rows = []
    for weekday, spans in sorted(by_day.items()):
        label = WeeklyInterval.Weekday(weekday).label
        for start, end in _check_intervals(spans, label):
            rows.append(WeeklyInterval(schedule=schedule, weekday=weekday, start=start, end=end))
    schedule.weekly.all().delete()
    WeeklyInterval.objects.bulk_create(rows)
    Schedule.objects.filter(pk=schedule.pk).update(updated_at=timezone.now())
    return schedule


@transaction.atomic
def schedule_set_override(
    *, schedule: Schedule, day: date, intervals: Iterable[tuple[time, time]]
) -> Schedule:
    """Give one date other hours (one or several intervals), or none: a day off."""
    spans = _check_intervals(intervals, f"{day:%d %b %Y}")
    schedule.overrides.filter(date=day).delete()
    DateOverride.objects.bulk_create(
        [DateOverride(schedule=schedule, date=day, start=s, end=e) for s, e in spans]
        or [DateOverride(schedule=schedule, date=day)]
    )
    return schedule


@transaction.atomic
def schedule_clear_override(*, schedule: Schedule, day: date) -> Schedule:
    """The date follows the weekly hours again."""
    schedule.overrides.filter(date=day).delete()
    return schedule


# ---------------------------------------------------------------------------
# Booking types

BOOKING_TYPE_FIELDS = (
    "title",
    "slug",
    "description",
    "durations",
    "location",
    "external_url",
    "schedule",
    "buffer_before",
    "buffer_after",
    "minimum_notice",
    "booking_window",
    "slot_step",
    "daily_maximum",
    "subject_question",
    "notes_question",
    "is_active",
    "color",
    "label",
)


def _save_type(booking_type: BookingType) -> BookingType:
    if booking_type.schedule is not None and booking_type.schedule.host_id != booking_type.host_id:
        raise ValidationError({"schedule": "Pick one of your schedules."})
    if booking_type.location == BookingType.Location.GOOGLE_MEET and (
        not google.is_configured() or google.connected_account(booking_type.host) is None
    ):
        raise ValidationError(
            {"location": "Connect your Google account on your profile to offer Google Meet."}
        )
    if booking_type.location != BookingType.Location.EXTERNAL:
        booking_type.external_url = ""
    booking_type.full_clean()
    booking_type.save()
    return booking_type


@transaction.atomic
def booking_type_create(*, host: User, title: str, slug: str, durations: list[int], **fields):
    """Add what guests can book; `fields` are the other settings of BookingType (see its model)."""
    unknown = set(fields) - set(BOOKING_TYPE_FIELDS)
    if unknown:
        raise TypeError(f"Not a booking type setting: {', '.join(sorted(unknown))}")
    booking_type = BookingType(host=host, title=title, slug=slug, durations=durations, **fields)
    return _save_type(booking_type)


@transaction.atomic
def booking_type_update(*, booking_type: BookingType, **changes) -> BookingType:
    """Change the given settings of a booking type; bookings already made keep their times."""
    unknown = set(changes) - set(BOOKING_TYPE_FIELDS)
    if unknown:
        raise TypeError(f"Not a booking type setting: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(booking_type, name, value)
    return _save_type(booking_type)
