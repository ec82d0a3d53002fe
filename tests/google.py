"""Google's side of the conversation, in the shapes its API reference documents.

`GoogleServer` stands in for the network with google-api-python-client's own
HttpMockSequence: every request the site makes to Google is answered from a
queue and recorded, so the tests can read what was asked.
"""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.fernet import Fernet
from django.utils import timezone
from googleapiclient.http import HttpMockSequence

from accounts.models import GoogleAccount
from meetings_site.crypto import encrypt_secret

CLIENT_ID = "1234567890-abc123def456.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-client-secret"
ACCESS_TOKEN = "ya29.a0AfB_byC-test-access-token"
REFRESH_TOKEN = "1//0gTest-refresh-token"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
GRANTED_SCOPES = f"openid {CALENDAR_SCOPE} https://www.googleapis.com/auth/userinfo.email"
MEET_URL = "https://meet.google.com/abc-mnop-xyz"
EVENT_ID = "7cbh8rpc10lrc0ckih9tafss99"
EVENTS_URL = "https://www.googleapis.com/calendar/v3/calendars/primary/events"


def ok(payload: dict | str = "", status: int = 200) -> tuple[dict, str]:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return {"status": str(status), "content-type": "application/json; charset=UTF-8"}, body


def api_error(status: int, reason: str, message: str) -> tuple[dict, str]:
    """An error as the Calendar API sends it."""
    return ok(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": "global", "reason": reason, "message": message}],
            }
        },
        status,
    )


def id_token(email: str) -> str:
    return jwt.encode(
        {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": "110169484474386276334",
            "email": email,
            "email_verified": True,
        },
        "a signing key of the test, not Google's one",
        algorithm="HS256",
    )


def token_response(
    *, scope: str = GRANTED_SCOPES, email: str = "ada.lovelace@gmail.com", refresh: bool = True
) -> tuple[dict, str]:
    """The token endpoint's answer to an authorization code."""
    payload = {
        "access_token": ACCESS_TOKEN,
        "expires_in": 3599,
        "scope": scope,
        "token_type": "Bearer",
        "id_token": id_token(email),
    }
    if refresh:
        payload["refresh_token"] = REFRESH_TOKEN
    return ok(payload)


def refreshed_token(access_token: str = "ya29.a0AfB_refreshed") -> tuple[dict, str]:  # noqa: S107
    return ok(
        {
            "access_token": access_token,
            "expires_in": 3599,
            "scope": GRANTED_SCOPES,
            "token_type": "Bearer",
        }
    )


def conference(status: str = "success", *, request_id: str = "req") -> dict:
    data = {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": status},
        },
    }
    if status == "success":
        data |= {
            "entryPoints": [
                {
                    "entryPointType": "video",
                    "uri": MEET_URL,
                    "label": MEET_URL.removeprefix("https://"),
                },
                {
                    "entryPointType": "more",
                    "uri": "https://tel.meet/abc-mnop-xyz?pin=1234567890123",
                    "pin": "1234567890123",
                },
            ],
            "conferenceSolution": {
                "key": {"type": "hangoutsMeet"},
                "name": "Google Meet",
                "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
            },
            "conferenceId": "abc-mnop-xyz",
        }
    return data


def event(status: str = "success", *, event_id: str = EVENT_ID, **fields) -> tuple[dict, str]:
    """An event resource as events.insert, get and patch return it."""
    resource = {
        "kind": "calendar#event",
        "etag": '"3385412000000000"',
        "id": event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-11-21T09:00:00.000Z",
        "updated": "2026-11-21T09:00:01.000Z",
        "summary": "Weekly sync",
        "creator": {"email": "ada.lovelace@gmail.com", "self": True},
        "organizer": {"email": "ada.lovelace@gmail.com", "self": True},
        "start": {"dateTime": "2026-11-25T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-11-25T11:00:00+01:00", "timeZone": "Europe/Berlin"},
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        "reminders": {"useDefault": True},
        "eventType": "default",
        "conferenceData": conference(status),
    } | fields
    if status == "success":
        resource["hangoutLink"] = MEET_URL
    return ok(resource)


class GoogleServer:
    """Answers the site's requests to Google from a queue and records them."""

    def __init__(self):
        self.http = HttpMockSequence([])

    def answer(self, *responses: tuple[dict, str]) -> "GoogleServer":
        self.http._iterable.extend(responses)
        return self

    @property
    def requests(self) -> list[tuple[str, str, object, dict]]:
        return self.http.request_sequence

    @property
    def unanswered(self) -> int:
        return len(self.http._iterable)

    def request(self, index: int) -> "Recorded":
        return Recorded(*self.requests[index])


class Recorded:
    def __init__(self, uri, method, body, headers):
        self.uri, self.method, self.headers = uri, method, headers or {}
        self.body = body.decode() if isinstance(body, bytes) else (body or "")
        split = urlsplit(uri)
        self.url = f"{split.scheme}://{split.netloc}{split.path}"
        self.query = {key: values[0] for key, values in parse_qs(split.query).items()}

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def form(self) -> dict:
        return {key: values[0] for key, values in parse_qs(self.body).items()}


@pytest.fixture
def google_server(settings, monkeypatch):
    """The site talks to this instead of Google; an OAuth client and encryption keys are set."""
    settings.GOOGLE_OAUTH_CLIENT_ID = CLIENT_ID
    settings.GOOGLE_OAUTH_CLIENT_SECRET = CLIENT_SECRET
    settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.SITE_URL = "https://meet.example.com"
    server = GoogleServer()
    monkeypatch.setattr("accounts.google.new_http", lambda: server.http)
    monkeypatch.setattr("meetings.google_meet.READY_POLL_DELAYS", (0, 0, 0))
    return server


def connect_google(user, *, expires_in: timedelta = timedelta(minutes=30)) -> GoogleAccount:
    """A Google account connected as the OAuth flow leaves it."""
    return GoogleAccount.objects.create(
        user=user,
        email="ada.lovelace@gmail.com",
        scopes=GRANTED_SCOPES,
        refresh_token=encrypt_secret(REFRESH_TOKEN),
        access_token=encrypt_secret(ACCESS_TOKEN),
        access_token_expires_at=timezone.now() + expires_in,
    )
