"""The booking's block in the guest's emails, and the host's notice."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bookings import emails, services, tokens
from bookings.models import Booking, BookingToken
from invitations import emails as invitation_emails
from invitations.models import Invitation
from tests.bookings.conftest import next_weekday
from tests.factories import ContactFactory, MeetingFactory

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def booking(booking_type, settings):
    settings.SITE_URL = "https://meet.example.com"
    starts_at = datetime.combine(next_weekday(0), time(10), BERLIN)
    return services.booking_create(
        booking_type=booking_type,
        starts_at=starts_at,
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="America/New_York",
        subject="Compilers",
        notes="About <COBOL> & more.",
    ).booking


def guest_email(booking: Booking):
    invitation = Invitation.objects.select_related("meeting__host", "user").get(
        pk=booking.invitation_id
    )
    return invitation_emails.invitation_email(
        invitation, token="join-token", update=False, calendar_alternative=True
    )


def html_of(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def calendar_of(message) -> Calendar:
    content = next(
        c for c, mimetype in message.alternatives if mimetype.startswith("text/calendar")
    )
    return Calendar.from_ical(content)


def test_the_guests_invitation_carries_reschedule_and_cancel_links(booking):
    message = guest_email(booking)

    token = message.body.split("https://meet.example.com/bookings/")[1].split("/")[0]
    assert tokens.booking_for_token(token=token) == booking
    assert f"Reschedule: https://meet.example.com/bookings/{token}/reschedule/" in message.body
    assert f"Cancel: https://meet.example.com/bookings/{token}/cancel/" in message.body
    assert f'href="https://meet.example.com/bookings/{token}/cancel/"' in html_of(message)
    # The email shows the host's zone (Grace is a contact); the block adds hers.
    assert "(Europe/Berlin)" in message.body
    assert "In your time zone (America/New_York): " in message.body
    # The answers travel in the meeting's description, escaped in HTML.
    assert "Subject: Compilers" in message.body
    assert "About <COBOL> & more." in message.body
    assert "About &lt;COBOL&gt; &amp; more." in html_of(message)


def test_every_email_carries_a_token_of_its_own(booking):
    first, second = guest_email(booking), guest_email(booking)

    assert first.body != second.body
    assert BookingToken.objects.filter(booking=booking).count() == 3  # and the success page's


def test_no_block_for_anyone_else(booking):
    meeting = MeetingFactory()
    Invitation.objects.create(
        meeting=booking.meeting,
        contact=ContactFactory(owner=booking.host),
        email="alan@example.org",
    )
    Invitation.objects.create(
        meeting=meeting, contact=ContactFactory(owner=meeting.host), email="linus@example.org"
    )
    before = BookingToken.objects.count()

    for invitation in Invitation.objects.exclude(pk=booking.invitation_id):
        message = invitation_emails.invitation_email(invitation, token="t", update=False)
        assert "/bookings/" not in message.body
    assert BookingToken.objects.count() == before


def test_the_guests_cancellation_says_who_cancelled_and_why(booking):
    services.booking_cancel(booking=booking, by=Booking.Party.HOST, reason="I am ill, sorry.")
    invitation = Invitation.objects.get(pk=booking.invitation_id)

    message = invitation_emails.cancellation_email(invitation, calendar_alternative=True)

    assert "Ada Lovelace cancelled this booking.\nReason: I am ill, sorry." in message.body
    assert "/bookings/" not in message.body
    assert calendar_of(message)["METHOD"] == "CANCEL"


def test_the_host_hears_of_a_new_booking_with_the_answers_and_a_request(booking):
    message = emails.host_email(booking, kind="new", calendar_alternative=True)

    day = booking.starts_at.astimezone(BERLIN)
    assert message.subject == (
        f"New booking: Intro call with Grace Hopper — {day:%a} {day.day} {day:%b %Y}, 10:00 "
        "(Europe/Berlin)"
    )
    assert message.to == ["Ada Lovelace <ada@example.com>"]
    assert message.reply_to == ["Grace Hopper <grace@example.org>"]
    assert "Subject: Compilers" in message.body
    assert "About <COBOL> & more." in message.body
    assert "About &lt;COBOL&gt; &amp; more." in html_of(message)
    assert f"https://meet.example.com/meetings/{booking.meeting.meeting_id}/" in message.body
    calendar = calendar_of(message)
    (event,) = calendar.walk("VEVENT")
    guest_event = calendar_of(guest_email(booking)).walk("VEVENT")[0]
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == guest_event["UID"]
    assert str(event["ORGANIZER"]) == "mailto:ada@example.com"
    assert str(event["ATTENDEE"]) == "mailto:grace@example.org"
    assert [attachment.filename for attachment in message.attachments] == ["invite.ics"]


def test_the_host_hears_of_a_cancellation_with_the_reason(booking):
    services.booking_cancel(booking=booking, by=Booking.Party.GUEST, reason="Something came up.")
    booking.refresh_from_db()

    message = emails.host_email(booking, kind="cancelled", calendar_alternative=False)

    assert message.subject.startswith("Booking cancelled: Intro call with Grace Hopper — ")
    assert "Grace Hopper cancelled their booking." in message.body
    assert "Reason: Something came up." in message.body
    (attachment,) = message.attachments
    assert attachment[0] == "invite.ics" and "METHOD:CANCEL" in attachment[1]
