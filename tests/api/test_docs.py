"""docs/api.md's curl examples, run against the site as they are written."""

import re
import shlex
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from accounts import services
from bookings.models import BookingProfile
from meetings import services as meeting_services
from tests.bookings.conftest import make_schedule, make_type, next_weekday
from tests.factories import ContactFactory, MeetingFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SITE = "http://testserver"


def _examples() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def _request(line: str, values: dict) -> dict:
    """The method, path, headers and body of a curl command line."""
    for name, value in values.items():
        line = line.replace(f"${name}", value)
    words = shlex.split(line)[1:]
    request = {"method": "GET", "headers": {}, "data": ""}
    while words:
        word = words.pop(0)
        if word == "-X":
            request["method"] = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(": ")
            request["headers"][name] = value
        elif word == "-d":
            request["data"] = words.pop(0)
            request["method"] = request["method"] if request["method"] != "GET" else "POST"
        else:
            parts = urlsplit(word)
            request["path"] = parts.path + (f"?{parts.query}" if parts.query else "")
    return request


def test_the_doc_has_an_example_of_every_endpoint_built():
    requests = [_request(line, {"SITE": SITE}) for line in _examples()]
    shown = {
        (r["method"], re.sub(r"\$(MEETING|CONTACT)_ID", "{id}", r["path"].split("?")[0]))
        for r in requests
    }
    assert shown == {
        ("GET", "/api/meetings"),
        ("GET", "/api/meetings/my-meetings"),
        ("POST", "/api/meetings/create"),
        ("GET", "/api/meetings/{id}"),
        ("GET", "/api/meetings/{id}/link"),
        ("POST", "/api/meetings/join"),
        ("POST", "/api/meetings/{id}/join"),
        ("POST", "/api/meetings/{id}/complete"),
        ("PATCH", "/api/meetings/{id}"),
        ("DELETE", "/api/meetings/{id}"),
        ("POST", "/api/meetings/{id}/send-invitations"),
        ("GET", "/api/meetings/{id}/invitations"),
        ("GET", "/api/meetings/invitation/$INVITATION_TOKEN"),
        ("GET", "/api/bookings/ada/intro/slots"),
        ("POST", "/api/bookings/ada/intro"),
        ("GET", "/api/contacts"),
        ("POST", "/api/contacts"),
        ("PATCH", "/api/contacts/{id}"),
        ("DELETE", "/api/contacts/{id}"),
    }


@pytest.mark.parametrize("line", _examples())
def test_each_curl_example_succeeds(client, user, line):
    _, token = services.api_token_create(user=user, name="docs")
    meeting = MeetingFactory(host=user)
    if "/complete" in line:
        # The host completes a meeting in progress.
        meeting_services.meeting_start(meeting=meeting)
    # The booking examples' page: /book/ada/intro/, free on weekdays from 09:00 in Berlin.
    BookingProfile.objects.create(user=user, handle="ada")
    make_schedule(user)
    make_type(user)
    monday = next_weekday(0)
    contact = ContactFactory(owner=user, first_name="Grace", email="grace@navy.example")
    values = {
        "SITE": SITE,
        "TOKEN": token,
        "MEETING_ID": meeting.formatted_meeting_id,
        "PASSWORD": meeting.passcode,
        "INVITATION_TOKEN": meeting.invitation_token,
        "FROM": monday.isoformat(),
        "TO": (monday + timedelta(days=6)).isoformat(),
        "START": datetime.combine(monday, time(9), ZoneInfo("Europe/Berlin")).isoformat(),
        "CONTACT_ID": str(contact.pk),
    }
    request = _request(line, values)
    headers = request["headers"]
    response = client.generic(
        request["method"],
        request["path"],
        request["data"],
        content_type=headers.pop("Content-Type", ""),
        headers=headers,
    )
    assert 200 <= response.status_code < 300, response.json()
    assert response.json()["success"] is True
