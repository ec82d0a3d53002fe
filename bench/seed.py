"""Data for the page scenarios, written through Django in a child process of the bench.

Run as `python bench/seed.py` with the server's environment, so that it and
gunicorn read the same settings: the same database and, for the session cookie
to be accepted, the same SECRET_KEY. It prints the SeedData as JSON.
"""

import json
import sys
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

MEETING_COUNT = 50
HOST_EMAIL = "host@bench.example"
HOST_TIMEZONE = "Europe/Berlin"
# Drawn passcodes have six digits, so ten digits can never be the right one.
WRONG_PASSCODE = "9" * 10


@dataclass(frozen=True)
class SeedData:
    # "name=value", ready for a Cookie header.
    session_cookie: str
    meeting_id: str
    meeting_title: str
    invitation_token: str


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
    session_cookie = f"{settings.SESSION_COOKIE_NAME}={_log_in(host)}"
    # Release the database before gunicorn's workers open it.
    connections.close_all()
    shared = meetings[0]
    return SeedData(
        session_cookie=session_cookie,
        meeting_id=shared.formatted_meeting_id,
        meeting_title=shared.title,
        invitation_token=shared.invitation_token,
    )


def _create_meetings(host) -> list:
    from django.utils import timezone

    from meetings import services

    # All upcoming, so the default list and ?when=all both page through all of them.
    first = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return [
        services.meeting_create(
            host=host,
            title=f"Bench meeting {number:02d}",
            description="Agenda: updates, risks and next steps.",
            starts_at=first + timedelta(hours=3 * number),
            duration=60,
            timezone_name=HOST_TIMEZONE,
        )
        for number in range(1, MEETING_COUNT + 1)
    ]


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
