from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import BookingProfile
from tests.bookings.conftest import next_weekday


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", ["bookingprofile", "schedule", "bookingtype", "booking"])
def test_staff_see_each_kind_of_booking_record(admin_client, booking_type, model):
    BookingProfile.objects.create(user=booking_type.host, handle="ada")
    booking = services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(0), time(10), ZoneInfo("Europe/Berlin")),
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="Europe/Berlin",
    ).booking
    record = {
        "bookingprofile": booking_type.host.booking_profile,
        "schedule": booking_type.host.booking_schedules.get(),
        "bookingtype": booking_type,
        "booking": booking,
    }[model]

    changelist = admin_client.get(reverse(f"admin:bookings_{model}_changelist"))
    change = admin_client.get(reverse(f"admin:bookings_{model}_change", args=[record.pk]))

    assert changelist.status_code == 200 and change.status_code == 200
