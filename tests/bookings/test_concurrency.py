"""Guests posting the same or overlapping slots at the same moment: exactly one wins.

Each guest is a thread with its own database connection, released together by
a barrier, against committed data (transactional tests), on whichever database
the suite runs: SQLite serialises them with IMMEDIATE transactions, PostgreSQL
with the lock on the host's row (and the exclusion constraint behind it).
"""

import threading
from datetime import datetime, time

import pytest
from django.db import connection

from bookings import services
from bookings.models import Booking
from meetings.models import Meeting
from tests.bookings.conftest import make_type, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)

BERLIN = "Europe/Berlin"


def race(attempts: list[dict]) -> list[str]:
    """Run each booking_create(**attempt) in its own thread at once; what each got."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = [""] * len(attempts)

    def guest(index: int, attempt: dict) -> None:
        try:
            barrier.wait(timeout=30)
            services.booking_create(**attempt)
            outcomes[index] = "booked"
        except services.SlotTaken as refusal:
            outcomes[index] = refusal.message_dict["starts_at"][0]
        except Exception as error:  # reported by the assertion below
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=guest, args=(index, attempt))
        for index, attempt in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def attempt(booking_type, starts_at: datetime, n: int, duration: int = 30) -> dict:
    return {
        "booking_type": booking_type,
        "starts_at": starts_at,
        "duration": duration,
        "guest_name": f"Guest {n}",
        "guest_email": f"guest{n}@example.org",
        "guest_timezone": BERLIN,
    }


def test_sixteen_guests_post_the_same_slot_and_one_gets_it(booking_type):
    starts_at = datetime.combine(
        next_weekday(0), time(10), booking_type.host.booking_schedules.get().zone
    )

    outcomes = race([attempt(booking_type, starts_at, n) for n in range(16)])

    assert sorted(outcomes) == ["That time was just taken — please pick another."] * 15 + ["booked"]
    assert Booking.objects.count() == 1
    assert Meeting.objects.count() == 1
    booking = Booking.objects.select_related("meeting", "invitation").get()
    assert booking.invitation.email == booking.guest_email
    assert booking.meeting.starts_at == starts_at


def test_overlapping_slots_of_two_types_of_one_host(host, schedule):
    hour = make_type(host, slug="hour", durations=[60])
    half = make_type(host, slug="half", durations=[30], buffer_before=15)
    monday = next_weekday(0)
    zone = schedule.zone
    attempts = [
        attempt(hour, datetime.combine(monday, time(10), zone), n, duration=60) for n in range(4)
    ] + [
        # 11:00 with its 15 minutes before overlaps the hour-long 10:00.
        attempt(half, datetime.combine(monday, time(11), zone), n, duration=30)
        for n in range(4, 8)
    ]

    outcomes = race(attempts)

    assert outcomes.count("booked") == 1
    assert outcomes.count("That time was just taken — please pick another.") == 7
    assert Booking.objects.count() == 1 and Meeting.objects.count() == 1
