from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingProfile,
    BookingType,
    DateOverride,
    Schedule,
    WeeklyInterval,
    clean_durations,
)
from tests.factories import MeetingFactory, UserFactory


@pytest.fixture
def host(db):
    return UserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")


def test_a_host_has_one_default_schedule(host):
    Schedule.objects.create(host=host, name="Work", timezone="Europe/Berlin", is_default=True)
    Schedule.objects.create(host=host, name="Evenings", timezone="Europe/Berlin")
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(host=host, name="Other", timezone="UTC", is_default=True)


@pytest.mark.parametrize("handle", ["Ada", "a", "-ada", "ada-", "ada lovelace", "adä", "x" * 41])
def test_a_handle_is_lowercase_and_url_safe(host, handle):
    # Too long is a DataError on PostgreSQL (the column's length), a check on SQLite.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        BookingProfile.objects.create(user=host, handle=handle)


def test_a_handle_is_unique(host):
    BookingProfile.objects.create(user=host, handle="ada-lovelace")
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingProfile.objects.create(user=UserFactory(), handle="ada-lovelace")


def test_an_interval_starts_before_it_ends_unless_it_ends_at_midnight(host):
    schedule = Schedule.objects.create(host=host, name="Work", timezone="UTC")
    WeeklyInterval.objects.create(schedule=schedule, weekday=0, start=time(22), end=time(0))
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyInterval.objects.create(schedule=schedule, weekday=0, start=time(12), end=time(9))


def test_an_override_is_a_day_off_or_an_interval(host):
    schedule = Schedule.objects.create(host=host, name="Work", timezone="UTC")
    day = timezone.now().date()
    DateOverride.objects.create(schedule=schedule, date=day)
    DateOverride.objects.create(schedule=schedule, date=day, start=time(9), end=time(12))
    with pytest.raises(IntegrityError), transaction.atomic():
        DateOverride.objects.create(schedule=schedule, date=day, start=time(9))


def test_durations_are_sorted_and_checked():
    assert clean_durations([60, 30, 60]) == [30, 60]
    for bad in ([], [10], [481], ["30"], [True], list(range(15, 26)), None):
        with pytest.raises(ValidationError):
            clean_durations(bad)


def test_an_external_location_needs_an_https_link(host):
    booking_type = BookingType(
        host=host, title="Intro", slug="intro", durations=[30], location="external"
    )
    with pytest.raises(ValidationError) as error:
        booking_type.full_clean()
    assert "external_url" in error.value.message_dict


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's exclusion constraint")
def test_postgresql_refuses_overlapping_live_bookings_of_one_host(host):
    booking_type = BookingType.objects.create(
        host=host, title="Intro", slug="intro", durations=[30]
    )
    start = timezone.now() + timedelta(days=2)

    def book(starts_at, status=Booking.Status.CONFIRMED):
        return Booking.objects.create(
            booking_type=booking_type,
            host=host,
            meeting=MeetingFactory(host=host, starts_at=starts_at, duration=30),
            guest_name="Grace",
            guest_email="grace@example.org",
            guest_timezone="UTC",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            blocked_start=starts_at - timedelta(minutes=10),
            blocked_end=starts_at + timedelta(minutes=40),
            status=status,
            cancelled_at=timezone.now() if status == Booking.Status.CANCELLED else None,
        )

    first = book(start)
    # Back to back with the buffers touching is fine: the ranges are half-open.
    book(start + timedelta(minutes=50))
    with pytest.raises(IntegrityError), transaction.atomic():
        book(start + timedelta(minutes=20))
    Booking.objects.filter(pk=first.pk).update(
        status=Booking.Status.CANCELLED, cancelled_at=timezone.now()
    )
    book(start + timedelta(minutes=-10))
