"""A client written from the founding documents' examples, against the live server.

Plain HTTP with a personal API token, no cookies and no test client: list,
create, reschedule, invite, join, fetch one's link, complete with a rating,
cancel, and seed 001's join by meeting ID and password.
"""

import http.client
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from accounts import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Client:
    """What a script does: JSON over HTTP, with `Authorization: Bearer …` when it has a token."""

    def __init__(self, base: str, token: str = ""):
        self.address = urlsplit(base).netloc
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.address, timeout=30)
        try:
            connection.request(method, path, data, headers)
            response = connection.getresponse()
            return response.status, json.load(response)
        finally:
            connection.close()


def token_for(user) -> str:
    return services.api_token_create(user=user, name="script")[1]


def test_a_client_from_the_documents_runs_a_meeting_from_start_to_rating(live_server, user):
    grace = UserFactory(email="grace@example.org", first_name="Grace", last_name="Hopper")
    host = Client(live_server.url, token_for(user))
    guest = Client(live_server.url, token_for(grace))

    # Seed 004: schedule a meeting tomorrow, then find it among the upcoming ones.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0, second=0)
    status, created = host.call(
        "POST",
        "/api/meetings",
        {
            "subject": "Mentoring session",
            "scheduledAt": tomorrow.isoformat(),
            "duration": 60,
            "timezone": "Europe/Paris",
        },
    )
    assert status == 201 and created["success"] is True
    later = created["meeting"]
    assert later["title"] == "Mentoring session" and later["status"] == "scheduled"
    status, listed = host.call("GET", "/api/meetings?upcoming=true&status=scheduled")
    assert status == 200
    assert later["meeting_id"] in [row["meeting_id"] for row in listed["meetings"]]

    # Reschedule it an hour later; then cancel it.
    moved = tomorrow + timedelta(hours=1)
    status, changed = host.call(
        "PUT", f"/api/meetings/{later['id']}", {"scheduledAt": moved.isoformat()}
    )
    assert status == 200
    assert datetime.fromisoformat(changed["meeting"]["starts_at"]) == moved
    status, cancelled = host.call("DELETE", f"/api/meetings/{later['meeting_id']}")
    assert (status, cancelled) == (
        200,
        {"success": True, "message": "Meeting cancelled successfully"},
    )

    # Seed 001: a title alone is a meeting starting now; its flat answer carries the password.
    status, now = host.call("POST", "/api/meetings/create", {"title": "Team Standup"})
    assert status == 201
    assert now["message"] == "Meeting created successfully" and len(now["password"]) == 6
    meeting_id = now["meeting_id"]
    status, _ = host.call("PATCH", f"/api/meetings/{meeting_id}", {"waiting_room": False})
    assert status == 200

    # Seed 000: invite Grace; she sees the meeting in her own list.
    status, sent = host.call(
        "POST",
        f"/api/meetings/{meeting_id}/send-invitations",
        {"emails": [grace.email], "message": "Quick sync"},
    )
    assert status == 200
    assert sent["results"] == [{"email": grace.email, "outcome": "invited"}]
    status, hers = guest.call("GET", "/api/meetings")
    assert status == 200 and [row["meeting_id"] for row in hers["meetings"]] == [meeting_id]

    # The host starts it; Grace joins and fetches her own link (seed 002's fields).
    status, started = host.call("POST", f"/api/meetings/{meeting_id}/join")
    assert status == 200 and started["is_moderator"] is True and started["waiting"] is False
    status, joined = guest.call("POST", f"/api/meetings/{meeting_id}/join")
    assert status == 200 and joined["waiting"] is False and joined["is_admin"] is False
    status, link = guest.call("GET", f"/api/meetings/{meeting_id}/link")
    assert status == 200
    assert link["display_name"] == "Grace Hopper" and link["status"] == "in-progress"
    assert link["booking_id"] == int(meeting_id.replace("-", ""))
    assert link["meeting_url"] == joined["meeting_url"]

    # Seed 004: the host completes it with notes; Grace rates it.
    status, done = host.call(
        "POST", f"/api/meetings/{meeting_id}/complete", {"notes": "Ship on Friday."}
    )
    assert status == 200 and done["status"] == "completed" and done["notes"] == "Ship on Friday."
    status, rated = guest.call(
        "POST",
        f"/api/meetings/{meeting_id}/complete",
        {"rating": 5, "feedback": "Short and useful."},
    )
    assert status == 200 and (rated["rating"], rated["feedback"]) == (5, "Short and useful.")

    # Seed 001: anyone joins another meeting by its ID and password, giving a name.
    status, other = host.call("POST", "/api/meetings/create", {"title": "Office hours"})
    host.call("POST", f"/api/meetings/{other['meeting_id']}/join")
    anonymous = Client(live_server.url)
    guess = "000000" if other["password"] != "000000" else "111111"
    status, wrong = anonymous.call(
        "POST",
        "/api/meetings/join",
        {"meeting_id": other["meeting_id"], "password": guess, "name": "Alan"},
    )
    assert (status, wrong["error"]) == (403, "Incorrect meeting password")
    status, way_in = anonymous.call(
        "POST",
        "/api/meetings/join",
        {"meeting_id": other["meeting_id"], "password": other["password"], "name": "Alan"},
    )
    assert status == 200 and way_in["meeting_url"]
