from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from invitations.calendar import Attendee, build_calendar
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.com/meetings/123456789/join/token/"
GRACE = Attendee("grace@example.com", "Grace Hopper")
# Long enough to fold, with what TEXT and parameter values escape.
LINUS = Attendee(
    "linus.with.a.rather.long.address@example.org",
    'Linus "The Penguin" Torvalds, Jr.; Kernel\\Maintainer — Ünïcödé',
    "tentative",
)


@pytest.fixture(params=["UTC", "America/New_York"])
def awkward_meeting(request):
    host = UserFactory(first_name="Zoë", last_name="O'Hara, PhD", email="zoe@example.com")
    return MeetingFactory(
        host=host,
        title="Roadmap; review, Q3 — “plans” \\ more",
        description="Line one.\nLine two, with commas; semicolons and a \\ backslash.\n" * 3,
        starts_at=datetime(2031, 3, 14, 15, 30, tzinfo=UTC),
        timezone=request.param,
    )


def test_awkward_values_parse_back_as_they_were(awkward_meeting):
    parsed = Calendar.from_ical(
        build_calendar(awkward_meeting, method="REQUEST", attendee=LINUS, join_url=LINK)
    )
    (event,) = parsed.walk("VEVENT")
    assert event["SUMMARY"] == awkward_meeting.title
    assert event["DESCRIPTION"].startswith(awkward_meeting.description.strip())
    assert f"Join: {LINK}" in event["DESCRIPTION"]
    assert event["URL"] == event["LOCATION"] == LINK
    assert event["ORGANIZER"].params["CN"] == "Zoë O'Hara, PhD"
    assert str(event["ATTENDEE"]) == f"mailto:{LINUS.email}"
    assert event["ATTENDEE"].params["CN"] == LINUS.name
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert event.start == awkward_meeting.starts_at
    assert event.end - event.start == timedelta(minutes=awkward_meeting.duration)


def test_the_time_zone_is_described_before_the_event_that_uses_it(meeting):
    ics = build_calendar(meeting, method="REQUEST", attendee=GRACE, join_url=LINK)
    parsed = Calendar.from_ical(ics)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == [meeting.timezone]
    assert ics.index(b"BEGIN:VTIMEZONE") < ics.index(b"BEGIN:VEVENT")
    assert b"TZID=Europe/Berlin:" in ics


def test_a_utc_meeting_needs_no_time_zone_description(user):
    ics = build_calendar(MeetingFactory(host=user, timezone="UTC"), method="PUBLISH")
    assert b"VTIMEZONE" not in ics


def test_a_file_is_stamped_when_it_is_made(meeting):
    (event,) = Calendar.from_ical(
        build_calendar(meeting, method="REQUEST", attendee=GRACE, join_url=LINK)
    ).walk("VEVENT")
    assert abs(event.stamp - timezone.now()).total_seconds() < 60


def test_cancel_keeps_the_uid_and_says_cancelled(meeting):
    request = Calendar.from_ical(build_calendar(meeting, method="REQUEST", attendee=GRACE))
    cancel = Calendar.from_ical(build_calendar(meeting, method="CANCEL", attendee=GRACE))
    (requested,), (cancelled,) = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert cancel["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    assert requested["STATUS"] == "CONFIRMED"
    assert requested["UID"] == cancelled["UID"]
    assert "UID" not in cancel  # no calendar-level UID to confuse clients
    assert "Join:" not in cancelled["DESCRIPTION"] and "URL" not in cancelled


def test_a_publish_file_has_no_attendee(meeting):
    (event,) = Calendar.from_ical(build_calendar(meeting, method="PUBLISH", join_url=LINK)).walk(
        "VEVENT"
    )
    assert "ATTENDEE" not in event
