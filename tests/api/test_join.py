"""POST /api/meetings/join: seed 001's join by meeting ID and password, as the home page's form."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from invitations.models import Invitation
from meetings import services
from meetings.models import Attendance, Meeting
from tests.api.conftest import token_client
from tests.factories import UserFactory, move_to_past

JOIN = "/api/meetings/join"


def _join(client, **body):
    return client.post(JOIN, body, content_type="application/json")


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


def test_anyone_with_the_id_and_password_joins_under_their_name(client, meeting):
    response = _join(client, meeting_id=meeting.formatted_meeting_id, password="012345", name="Kim")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert (body["display_name"], body["is_moderator"], body["waiting"]) == ("Kim", False, False)
    assert body["meeting_url"].startswith(f"https://meet.jit.si/{meeting.room_name}")
    assert body["booking_id"] == meeting.meeting_id
    entry = Attendance.objects.get()
    assert (entry.display_name, entry.way) == ("Kim", "meeting_id")
    # The anonymous visitor's session says they came in, as after the page's form.
    assert client.get(reverse("meetings:room", args=[meeting.meeting_id])).status_code == 200


def test_the_id_is_accepted_as_a_number_too(client, meeting):
    response = _join(client, meeting_id=meeting.meeting_id, password="012345", name="Kim")
    assert response.status_code == 200


def test_a_token_caller_joins_under_their_display_name_once(meeting, other_host):
    api = token_client(other_host)
    for _ in range(2):
        response = _join(api, meeting_id=str(meeting.meeting_id), password="012345")
        assert response.status_code == 200
        assert response.json()["display_name"] == "Grace Hopper"
        assert not response.cookies
    entry = Attendance.objects.get()
    assert entry.user == other_host


def test_the_host_joining_by_id_moderates(api, meeting):
    body = _join(api, meeting_id=meeting.formatted_meeting_id, password="012345").json()
    assert body["is_moderator"] is body["is_admin"] is True


def test_a_wrong_password_is_403_and_nobody_enters(client, meeting):
    response = _join(client, meeting_id=meeting.formatted_meeting_id, password="999999", name="K")
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": "Incorrect meeting password",
        "fields": {"password": "Incorrect meeting password"},
    }
    assert not Attendance.objects.exists()


def test_an_unknown_meeting_is_404(client, db):
    response = _join(client, meeting_id="123-456-780", password="012345", name="K")
    assert response.status_code == 404
    assert response.json()["error"] == "Meeting room not found"


def test_wrong_passwords_are_limited_even_the_right_one_then(client, meeting, settings):
    settings.PASSCODE_ATTEMPTS_PER_MEETING = 2
    for _ in range(2):
        assert (
            _join(client, meeting_id=meeting.meeting_id, password="1111", name="K").status_code
            == 403
        )
    response = _join(client, meeting_id=meeting.meeting_id, password="012345", name="K")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["success"] is False
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meeting_id": "123", "password": "012345", "name": "K"}, "meeting_id"),
        ({"password": "012345", "name": "K"}, "meeting_id"),
        ({"meeting_id": "123-456-789", "name": "K"}, "password"),
        ({"meeting_id": "123-456-789", "password": "012345"}, "name"),
        ({"meeting_id": "123-456-789", "password": "012345", "name": "   "}, "name"),
        ({"meeting_id": "123-456-789", "password": "0" * 11, "name": "K"}, "password"),
        ({"meeting_id": "123-456-789", "password": "012345", "name": "K", "x": 1}, "x"),
        ({"meeting_id": ["1"], "password": "012345", "name": "K"}, "meeting_id"),
    ],
)
def test_bad_input_is_400_with_the_field(client, meeting, body, field):
    response = client.post(JOIN, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Attendance.objects.exists()


def test_a_bad_token_is_401_not_anonymous(client, meeting):
    response = client.post(
        JOIN,
        {"meeting_id": meeting.meeting_id, "password": "012345", "name": "K"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer mtg_wrong",
    )
    assert response.status_code == 401
    assert not Attendance.objects.exists()


def test_one_who_must_wait_gets_the_waiting_page(client, meeting, settings):
    _settings(meeting, waiting_room=True)
    body = _join(client, meeting_id=meeting.meeting_id, password="012345", name="Kim").json()
    assert body["waiting"] is True
    waiting = reverse("meetings:waiting", args=[meeting.meeting_id])
    assert body["meeting_url"] == settings.SITE_URL + waiting
    assert "Please wait, Kim" in client.get(waiting).text


def test_a_full_meeting_is_409(client, meeting):
    _settings(meeting, participant_limit=2)
    for name in ("A", "B"):
        assert (
            _join(Client(), meeting_id=meeting.meeting_id, password="012345", name=name).status_code
            == 200
        )
    response = _join(client, meeting_id=meeting.meeting_id, password="012345", name="C")
    assert response.status_code == 409
    assert response.json()["error"].startswith("This meeting is full")


@pytest.mark.parametrize(
    ("close", "message"),
    [
        (lambda meeting: services.meeting_cancel(meeting=meeting), "This meeting was cancelled."),
        (
            lambda meeting: move_to_past(meeting, ended_ago=timedelta(days=40)),
            "This meeting has ended.",
        ),
    ],
    ids=["cancelled", "expired"],
)
def test_a_closed_meeting_is_410(client, meeting, close, message):
    close(meeting)
    response = _join(client, meeting_id=meeting.meeting_id, password="012345", name="K")
    assert response.status_code == 410
    assert response.json() == {"success": False, "error": message}


def test_an_invitee_joining_by_id_keeps_their_role(meeting):
    cohost = UserFactory()
    Invitation.objects.create(meeting=meeting, user=cohost, email=cohost.email, role="moderator")
    body = _join(token_client(cohost), meeting_id=meeting.meeting_id, password="012345").json()
    assert body["is_moderator"] is True
