"""A booked meeting is reminded like every meeting: the host and the guest both hear of it."""

from datetime import datetime, time, timedelta

import pytest

from bookings import services
from bookings.models import Booking
from invitations.reminders import send_due_reminders
from tests.bookings.conftest import next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(booking_type, schedule, settings):
    settings.SITE_URL = "https://meet.example.com"
    return services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(0), time(10), schedule.zone),
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="America/New_York",
    ).booking


def test_the_host_and_the_guest_are_reminded_once_before_a_booked_meeting(booking, smtp_server):
    hour_before = booking.meeting.starts_at - timedelta(minutes=50)
    assert send_due_reminders(hour_before) == 2
    assert send_due_reminders(hour_before + timedelta(minutes=5)) == 0
    recipients = {message["To"].addresses[0].addr_spec: message for message in smtp_server.messages}
    assert sorted(recipients) == ["ada@example.com", "grace@example.org"]
    for message in recipients.values():
        assert "Reminder: Intro call" in " ".join(str(message["Subject"]).split())
    guest_body = recipients["grace@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "https://meet.example.com/meetings/" in guest_body


def test_a_cancelled_booking_reminds_no_one(booking, smtp_server):
    services.booking_cancel(booking=booking, by=Booking.Party.GUEST, reason="Ill")
    assert send_due_reminders(booking.meeting.starts_at - timedelta(minutes=50)) == 0
    assert smtp_server.messages == []
