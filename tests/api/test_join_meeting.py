"""POST /api/meetings/{id}/join: the Start and Join buttons of the meetings pages."""

from datetime import timedelta

import pytest

from invitations.models import Invitation
from meetings import services
from meetings.models import Attendance, Meeting
from tests.api.conftest import token_client
from tests.factories import UserFactory, move_to_past


def _join(client, meeting):
    """A POST without a body, as `curl -X POST` sends it."""
    return client.post(
        f"/api/meetings/{meeting.formatted_meeting_id}/join", content_type="application/json"
    )


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


@pytest.mark.parametrize(
    ("who", "status", "moderates", "starts"),
    [
        ("host", 200, True, True),
        ("staff", 200, True, True),
        ("cohost", 200, True, False),
        ("invitee", 200, False, False),
        ("stranger", 403, None, False),
    ],
)
def test_who_joins_and_who_starts(people, meeting, who, status, moderates, starts):
    response = _join(people[who], meeting)
    assert response.status_code == status
    meeting.refresh_from_db()
    assert (meeting.status == Meeting.Status.ACTIVE) is starts
    if status == 403:
        assert response.json() == {
            "success": False,
            "error": "You don't have permission to access this meeting",
        }
        assert not Attendance.objects.exists()
        return
    body = response.json()
    assert body["success"] is True
    assert body["is_moderator"] is moderates
    assert body["status"] == ("in-progress" if starts else "scheduled")
    assert Attendance.objects.get().is_moderator is moderates


def test_anonymous_is_401(client, meeting):
    response = _join(client, meeting)
    assert response.status_code == 401
    assert not Attendance.objects.exists()


def test_joining_is_a_post(api, meeting):
    response = api.get(f"/api/meetings/{meeting.meeting_id}/join")
    assert response.status_code == 405
    assert not Attendance.objects.exists()


def test_an_invitee_waits_for_the_host_and_the_start_lets_them_in(people, meeting):
    _settings(meeting, join_before_host=False)
    body = _join(people["invitee"], meeting).json()
    assert body["waiting"] is True
    assert Attendance.objects.get().is_waiting
    assert _join(people["host"], meeting).json()["waiting"] is False
    waiting = Attendance.objects.get(user__email="invitee@example.com")
    assert not waiting.is_waiting  # admitted when the host started
    # Asking again is the same entry, now in the room.
    again = _join(people["invitee"], meeting).json()
    assert again["waiting"] is False
    assert Attendance.objects.filter(user__email="invitee@example.com").count() == 1


def test_a_cancelled_meeting_is_409_for_its_host_and_410_for_an_invitee(people, meeting):
    services.meeting_cancel(meeting=meeting)
    host = _join(people["host"], meeting)
    assert host.status_code == 409
    assert host.json() == {
        "success": False,
        "error": "This meeting is cancelled and cannot be started.",
    }
    invitee = _join(people["invitee"], meeting)
    assert invitee.status_code == 410
    assert invitee.json() == {"success": False, "error": "This meeting was cancelled."}
    assert not Attendance.objects.exists()


def test_an_expired_meeting_is_refused(people, meeting):
    move_to_past(meeting, ended_ago=timedelta(days=40))
    assert _join(people["host"], meeting).status_code == 409
    assert _join(people["invitee"], meeting).status_code == 410


def test_a_full_meeting_is_409(people, meeting):
    _settings(meeting, participant_limit=2, status=Meeting.Status.ACTIVE)
    for _ in range(2):
        other = UserFactory()
        Invitation.objects.create(meeting=meeting, user=other, email=other.email)
        assert _join(token_client(other), meeting).status_code == 200
    response = _join(people["invitee"], meeting)
    assert response.status_code == 409
    assert response.json()["error"].startswith("This meeting is full")
