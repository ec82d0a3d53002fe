"""Data for the page scenarios, written through Django in a child process of the bench.

Run as `python bench/seed.py` with the server's environment, so that it and
gunicorn read the same settings: the same database and, for the session cookie
to be accepted, the same SECRET_KEY. It prints the SeedData as JSON.
"""

import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

MEETING_COUNT = 50
HOST_EMAIL = "host@bench.example"
# A host calling the JSON API with a personal token: one page of meetings.
API_MEETING_COUNT = 20
HOST_TIMEZONE = "Europe/Berlin"
# Drawn passcodes have six digits, so ten digits can never be the right one.
WRONG_PASSCODE = "9" * 10
# A host whose booking page shows a month with CALENDAR_MEETINGS meetings in it,
# and a host whose booking type offers a time every BOOKING_STEP minutes, all day,
# every day, for a year: the booking POSTs each take the next one.
CALENDAR_HANDLE = "bench-calendar"
CALENDAR_MEETINGS = 300
BOOKING_HANDLE = "bench-bookings"
BOOKING_STEP = 15
BOOKING_WINDOW_DAYS = 365


@dataclass(frozen=True)
class SeedData:
    # "name=value", ready for a Cookie header.
    session_cookie: str
    meeting_id: str
    meeting_title: str
    invitation_token: str
    # The booking page of CALENDAR_HANDLE's type, and the month (YYYY-MM) of its meetings.
    calendar_path: str
    calendar_month: str
    # Where the guest's booking form posts, and the first of BOOKING_HANDLE's free times (ISO).
    booking_path: str
    first_free_start: str
    # The API host's personal token and the meeting ID of one of their meetings.
    api_token: str
    api_meeting_id: str


def seed() -> SeedData:
    """One host with MEETING_COUNT upcoming meetings, and a logged-in session for them."""
    import django

    django.setup()
    # App modules can be imported only once Django is set up.
    from django.conf import settings
    from django.db import connections

    from accounts.models import User

    host = User.objects.create_user(
        HOST_EMAIL, password=None, first_name="Bench", last_name="Host", timezone=HOST_TIMEZONE
    )
    meetings = _create_meetings(host)
    calendar_path, calendar_month = _calendar_host()
    booking_path, first_free_start = _booking_host()
    api_token, api_meeting = _api_host()
    session_cookie = f"{settings.SESSION_COOKIE_NAME}={_log_in(host)}"
    # Release the database before gunicorn's workers open it.
    connections.close_all()
    shared = meetings[0]
    return SeedData(
        session_cookie=session_cookie,
        meeting_id=shared.formatted_meeting_id,
        meeting_title=shared.title,
        invitation_token=shared.invitation_token,
        calendar_path=calendar_path,
        calendar_month=calendar_month,
        booking_path=booking_path,
        first_free_start=first_free_start,
        api_token=api_token,
        api_meeting_id=api_meeting.formatted_meeting_id,
    )


def _create_meetings(host, count: int = MEETING_COUNT, title: str = "Bench meeting") -> list:
    from django.utils import timezone

    from meetings import services

    # All upcoming, so the default list and ?when=all both page through all of them.
    first = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return [
        services.meeting_create(
            host=host,
            title=f"{title} {number:02d}",
            description="Agenda: updates, risks and next steps.",
            starts_at=first + timedelta(hours=3 * number),
            duration=60,
            timezone_name=HOST_TIMEZONE,
        )
        for number in range(1, count + 1)
    ]


def _api_host() -> tuple[str, object]:
    """A host with API_MEETING_COUNT upcoming meetings and a personal API token; returns the
    token and the first meeting."""
    from accounts import services
    from accounts.models import User

    host = User.objects.create_user(
        "api@bench.example", password=None, first_name="Api", last_name="Host"
    )
    meetings = _create_meetings(host, API_MEETING_COUNT, title="API meeting")
    _, token = services.api_token_create(user=host, name="bench")
    return token, meetings[0]


def _connect_google(user) -> None:
    """A Google account as the OAuth callback stores it, with the free/busy scope granted."""
    from accounts import google

    tokens = {
        "scope": " ".join(google.SCOPES),
        "refresh_token": "bench-refresh-token",
        "access_token": "bench-access-token",
        # Valid for the whole run: google-auth never asks for a new one.
        "expires_in": 30 * 24 * 3600,
    }
    google.connect(user, tokens)


def _calendar_host() -> tuple[str, str]:
    """A host with CALENDAR_MEETINGS meetings next month, 08:00-18:00 every day, and Google.

    The meetings start on the hour, 30 minutes each, so the type's 30-minute
    times on the half hour stay free. Returns the type's page and the month.
    """
    import calendar
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from accounts.models import User
    from bookings import setup
    from meetings import services

    host = User.objects.create_user(
        "calendar@bench.example",
        password=None,
        first_name="Calendar",
        last_name="Host",
        timezone=HOST_TIMEZONE,
    )
    setup.booking_profile_save(user=host, handle=CALENDAR_HANDLE)
    schedule = setup.schedule_create(host=host, name="Office hours")
    setup.schedule_set_weekly(
        schedule=schedule, intervals=[(day, time(8), time(18)) for day in range(7)]
    )
    setup.booking_type_create(
        host=host, title="Consultation", slug="consultation", durations=[30], booking_window=90
    )
    _connect_google(host)
    zone = ZoneInfo(HOST_TIMEZONE)
    today = timezone.now().astimezone(zone).date()
    first = (today.replace(day=1) + timedelta(days=31)).replace(day=1)
    days = calendar.monthrange(first.year, first.month)[1]
    for number in range(CALENDAR_MEETINGS):
        day = first + timedelta(days=number % days)
        starts_at = datetime.combine(day, time(8 + number // days), tzinfo=zone)
        services.meeting_create(
            host=host,
            title=f"Calendar meeting {number:03d}",
            starts_at=starts_at,
            duration=30,
            timezone_name=HOST_TIMEZONE,
        )
    return f"/book/{CALENDAR_HANDLE}/consultation/", f"{first:%Y-%m}"


def _booking_host() -> tuple[str, str]:
    """A host free all day every day (UTC) for a year, with Google; returns the POST path and
    the first free time."""
    from django.utils import timezone

    from accounts.models import User
    from bookings import setup
    from bookings.models import END_OF_DAY

    host = User.objects.create_user(
        "bookings@bench.example", password=None, first_name="Booking", last_name="Host"
    )
    setup.booking_profile_save(user=host, handle=BOOKING_HANDLE)
    schedule = setup.schedule_create(host=host, name="Always", timezone_name="UTC")
    setup.schedule_set_weekly(
        schedule=schedule, intervals=[(day, time(0), END_OF_DAY) for day in range(7)]
    )
    setup.booking_type_create(
        host=host,
        title="Quick call",
        slug="quick-call",
        durations=[BOOKING_STEP],
        slot_step=BOOKING_STEP,
        minimum_notice=0,
        booking_window=BOOKING_WINDOW_DAYS,
    )
    _connect_google(host)
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(UTC).date()
    first = datetime.combine(tomorrow, time(0), tzinfo=UTC)
    return f"/book/{BOOKING_HANDLE}/quick-call/book/", first.isoformat()


def _log_in(user) -> str:
    """A session as django.contrib.auth.login() would leave it; returns its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    # The configured engine, so the cookie means the same to the server.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def seed_in_child(env: dict[str, str]) -> SeedData:
    """seed() in a child process with `env`: each database of a run is seeded by its own Django."""
    import subprocess

    done = subprocess.run(
        [sys.executable, __file__],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"seeding failed ({done.returncode}):\n{done.stderr}")
    return SeedData(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    # The project's root, for its apps, as manage.py has it.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(asdict(seed())))
