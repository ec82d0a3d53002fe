"""Both sides' emails, sent by the real worker to a real SMTP server."""

from datetime import datetime, time
from email.message import EmailMessage

import pytest
from django.db import connection
from icalendar import Calendar

from bookings import services, tasks
from bookings.models import Booking
from tests.bookings.conftest import next_weekday

# The worker closes and reopens database connections between tasks.
pytestmark = pytest.mark.django_db(transaction=True)


def by_recipient(messages) -> dict[str, EmailMessage]:
    return {message["To"].addresses[0].addr_spec: message for message in messages}


def subject(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())


def calendar(message: EmailMessage) -> Calendar:
    part = next(p for p in message.walk() if p.get_filename() == "invite.ics")
    return Calendar.from_ical(part.get_payload(decode=True))


def test_both_sides_hear_of_the_booking_its_move_and_its_cancellation(
    booking, smtp_server, run_worker
):
    run_worker()
    sent = by_recipient(smtp_server.messages)
    assert sorted(sent) == ["ada@example.com", "grace@example.org"]
    guest, host = sent["grace@example.org"], sent["ada@example.com"]
    assert subject(guest).startswith("Invitation: Intro call between Ada Lovelace and Grace")
    assert (
        "Reschedule: https://meet.example.com/bookings/" in guest.get_body(("plain",)).get_content()
    )
    assert subject(host).startswith("New booking: Intro call with Grace Hopper — ")
    assert calendar(host)["METHOD"] == calendar(guest)["METHOD"] == "REQUEST"
    uid = calendar(guest).walk("VEVENT")[0]["UID"]
    assert calendar(host).walk("VEVENT")[0]["UID"] == uid

    smtp_server.reset()
    services.booking_reschedule(
        booking=booking,
        starts_at=datetime.combine(next_weekday(0), time(14), booking.meeting.zone),
        by=Booking.Party.GUEST,
    )
    run_worker()
    sent = by_recipient(smtp_server.messages)
    assert subject(sent["grace@example.org"]).startswith("Updated invitation: ")
    assert subject(sent["ada@example.com"]).startswith("Booking moved: ")
    for message in sent.values():
        (event,) = calendar(message).walk("VEVENT")
        assert event["UID"] == uid and event["SEQUENCE"] == 1

    smtp_server.reset()
    services.booking_cancel(booking=booking, by=Booking.Party.GUEST, reason="Something came up.")
    run_worker()
    sent = by_recipient(smtp_server.messages)
    assert subject(sent["grace@example.org"]).startswith("Cancelled: ")
    assert subject(sent["ada@example.com"]).startswith("Booking cancelled: ")
    assert (
        "Reason: Something came up." in sent["ada@example.com"].get_body(("plain",)).get_content()
    )
    for message in sent.values():
        assert calendar(message)["METHOD"] == "CANCEL"


def test_the_host_is_told_once_however_often_the_task_runs(booking, smtp_server):
    assert tasks.notify_host.call(booking.pk) == "new"
    assert tasks.notify_host.call(booking.pk) == "already told"

    assert len(smtp_server.messages) == 1


def test_a_failed_send_gives_the_claim_back_and_tries_again(booking, smtp_server):
    smtp_server.refuse(1, "451 4.3.0 Try again later")

    assert tasks.notify_host.call(booking.pk) == "retrying"
    booking.refresh_from_db()
    assert booking.host_notified_sequence == -1
    assert tasks.notify_host.call(booking.pk) == "new"
    assert len(smtp_server.messages) == 1
    connection.close()
