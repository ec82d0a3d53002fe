from datetime import UTC, datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from invitations import calendar
from invitations.calendar import Attendee, MeetingCalendar
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

STAMP = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
LINK = "https://meet.example.com/meetings/123456789/join/"
GRACE = Attendee("grace@example.com", "Grace Hopper")
# Long enough to fold, with what TEXT and parameter values escape.
LINUS = Attendee(
    "linus.with.a.rather.long.address@example.org",
    'Linus "The Penguin" Torvalds, Jr.; Kernel\\Maintainer — Ünïcödé',
    "tentative",
)


def _whole_file(meeting, *, method, attendee, join_url, stamp) -> bytes:
    """The file as icalendar writes the whole calendar in one piece, its VTIMEZONE first."""
    whole = calendar._calendar(
        meeting, method=method, attendee=attendee, join_url=join_url, stamp=stamp
    )
    ics = whole.to_ical()
    if whole.get_missing_tzids():
        year = timezone.localtime(meeting.starts_at, meeting.zone).year
        vtimezone = calendar._vtimezone(meeting.timezone, year)
        ics = ics.replace(b"BEGIN:VEVENT", vtimezone + b"BEGIN:VEVENT", 1)
    return ics


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


@pytest.mark.parametrize(
    ("method", "attendees", "join_url"),
    [
        ("REQUEST", [GRACE, LINUS], LINK),
        ("CANCEL", [GRACE, LINUS], ""),
        ("PUBLISH", [None], LINK),
        ("REQUEST", [GRACE], ""),
    ],
)
def test_each_file_is_what_icalendar_writes_for_its_whole_calendar(
    awkward_meeting, method, attendees, join_url
):
    files = MeetingCalendar(awkward_meeting, method=method)
    for number, attendee in enumerate(attendees * 2):
        link = f"{join_url}token-{number}/" if join_url else ""
        assert files.file(attendee=attendee, join_url=link, stamp=STAMP) == _whole_file(
            awkward_meeting, method=method, attendee=attendee, join_url=link, stamp=STAMP
        )


def test_files_of_one_meeting_each_name_their_own_attendee_link_and_stamp(meeting):
    files = MeetingCalendar(meeting, method="REQUEST")
    later = datetime(2031, 1, 2, 3, 9, 0, tzinfo=UTC)
    first = files.file(attendee=GRACE, join_url=f"{LINK}grace/", stamp=STAMP)
    second = files.file(attendee=LINUS, join_url=f"{LINK}linus/", stamp=later)

    (grace,) = Calendar.from_ical(first).walk("VEVENT")
    (linus,) = Calendar.from_ical(second).walk("VEVENT")
    assert str(grace["ATTENDEE"]) == "mailto:grace@example.com"
    assert str(linus["ATTENDEE"]) == f"mailto:{LINUS.email}"
    assert linus["ATTENDEE"].params["CN"] == LINUS.name
    assert linus["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert grace["URL"] == grace["LOCATION"] == f"{LINK}grace/"
    assert linus["URL"] == linus["LOCATION"] == f"{LINK}linus/"
    assert f"Join: {LINK}linus/" in linus["DESCRIPTION"]
    assert (grace.stamp, linus.stamp) == (STAMP, later)
    assert b"grace" not in second.lower() and b"linus" not in first.lower()
    assert grace["UID"] == linus["UID"]


def test_a_file_is_stamped_when_it_is_made(meeting):
    (event,) = Calendar.from_ical(
        MeetingCalendar(meeting, method="REQUEST").file(attendee=GRACE, join_url=LINK)
    ).walk("VEVENT")
    assert abs(event.stamp - timezone.now()).total_seconds() < 60


def test_build_calendar_makes_one_file(meeting):
    ics = calendar.build_calendar(meeting, method="REQUEST", attendee=GRACE, join_url=LINK)
    parsed = Calendar.from_ical(ics)
    (event,) = parsed.walk("VEVENT")
    assert parsed["METHOD"] == "REQUEST"
    assert str(event["ATTENDEE"]) == "mailto:grace@example.com"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == [meeting.timezone]
