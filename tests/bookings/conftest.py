"""A host with working hours and a booking type, as the tests of bookings need them."""

import secrets
from datetime import UTC, datetime, time, timedelta

import pytest

from accounts.models import GoogleAccount
from bookings import services
from bookings.models import BookingType, Rating, Schedule, WeeklyInterval
from meetings_site.crypto import encrypt_secret
from meetings_site.tokens import digest
from tests import google
from tests.factories import UserFactory

# Monday to Friday, 09:00-12:00 and 13:00-17:00.
WORKING_HOURS = {weekday: [(time(9), time(12)), (time(13), time(17))] for weekday in range(5)}


@pytest.fixture
def host(db):
    return UserFactory(
        email="ada@example.com", first_name="Ada", last_name="Lovelace", timezone="Europe/Berlin"
    )


def make_schedule(host, *, zone="Europe/Berlin", weekly=None, name="Working hours", default=True):
    schedule = Schedule.objects.create(host=host, name=name, timezone=zone, is_default=default)
    WeeklyInterval.objects.bulk_create(
        WeeklyInterval(schedule=schedule, weekday=weekday, start=start, end=end)
        for weekday, spans in (WORKING_HOURS if weekly is None else weekly).items()
        for start, end in spans
    )
    return schedule


def make_type(host, **fields) -> BookingType:
    values = {
        "title": "Intro call",
        "slug": "intro",
        "durations": [30, 60],
        "minimum_notice": 0,
        "booking_window": 365,
        "slot_step": 30,
    } | fields
    return BookingType.objects.create(host=host, **values)


@pytest.fixture
def schedule(host):
    return make_schedule(host)


@pytest.fixture
def booking_type(host, schedule):
    return make_type(host)


def next_weekday(weekday: int, *, after: datetime | None = None) -> datetime:
    """The date of the next such weekday (Monday 0), at least two days ahead."""
    day = (after or datetime.now(UTC)).date() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def connect_google(user, *, scopes: str = f"{google.GRANTED_SCOPES} {google.FREEBUSY_SCOPE}"):
    """A Google account connected with the free/busy scope, as the OAuth flow leaves it."""
    return GoogleAccount.objects.create(
        user=user,
        email="ada.lovelace@gmail.com",
        scopes=scopes,
        refresh_token=encrypt_secret(google.REFRESH_TOKEN),
        access_token=encrypt_secret(google.ACCESS_TOKEN),
        access_token_expires_at=datetime.now(UTC) + timedelta(minutes=30),
    )


def freebusy(*busy: tuple[datetime, datetime], errors: list | None = None):
    """freebusy.query's answer for the primary calendar, as Google documents it."""
    calendar = {"busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in busy]}
    if errors is not None:
        calendar = {"errors": errors, "busy": []}
    return google.ok(
        {
            "kind": "calendar#freeBusy",
            "timeMin": "2026-01-01T00:00:00.000Z",
            "timeMax": "2026-02-01T00:00:00.000Z",
            "calendars": {"primary": calendar},
        }
    )


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_rating(meeting, *, user=None, email="grace@example.org", name="Grace Hopper", **fields):
    """A request already sent, with its clear token."""
    token = secrets.token_urlsafe(32)
    rating = Rating.objects.create(
        meeting=meeting,
        user=user,
        email=email,
        name=name,
        digest=digest(token),
        sent_at=meeting.ends_at + timedelta(hours=1),
        **fields,
    )
    return rating, token


@pytest.fixture
def booking(booking_type, schedule, settings):
    """A booking of the type next Monday at 10:00 in the host's zone, by a guest in New York."""
    settings.SITE_URL = "https://meet.example.com"
    return services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(0), time(10), schedule.zone),
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="America/New_York",
        subject="Compilers",
    ).booking
