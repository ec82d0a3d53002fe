"""A booked meeting is reminded like every meeting: the host and the guest both hear of it."""

from datetime import timedelta

import pytest

from bookings import services
from bookings.models import Booking
from invitations.reminders import send_due_reminders

pytestmark = pytest.mark.django_db


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
