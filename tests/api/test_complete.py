"""POST /api/meetings/{id}/complete: the host ends the meeting and keeps notes; an attendee rates
it, as the room's End button, the notes form and the rating page do."""

from datetime import timedelta

import pytest
from django.test import Client

from bookings import ratings
from bookings.models import Rating
from meetings import services
from meetings.models import Attendance, Meeting
from tests.api.conftest import token_client
from tests.bookings.conftest import make_rating
from tests.factories import move_to_past


def _complete(client, meeting, body=None, raw_id=None):
    return client.post(
        f"/api/meetings/{raw_id or meeting.formatted_meeting_id}/complete",
        {} if body is None else body,
        content_type="application/json",
    )


def _attend(meeting, user, *, invitation=None, **fields):
    return Attendance.objects.create(
        meeting=meeting,
        user=user,
        invitation=invitation,
        display_name=user.display_name,
        way=Attendance.Way.PERSONAL_LINK if invitation else Attendance.Way.SHARE_LINK,
        admitted_at=meeting.starts_at,
        **fields,
    )


@pytest.fixture
def active(meeting):
    return services.meeting_start(meeting=meeting)


@pytest.fixture
def ended(meeting):
    return move_to_past(meeting, ended_ago=timedelta(hours=2))


# The host.


def test_the_host_completes_an_active_meeting_with_notes(api, active):
    response = _complete(api, active, {"notes": "Ship it on Friday."})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Meeting completed successfully",
        "id": active.meeting_id,
        "meeting_id": active.formatted_meeting_id,
        "status": "completed",
        "no_show": False,
        "notes": "Ship it on Friday.",
        "rating": None,
        "feedback": None,
    }
    active.refresh_from_db()
    assert active.status == Meeting.Status.ENDED and active.ended_at is not None
    assert active.host_notes == "Ship it on Friday."


def test_the_host_completes_without_notes_and_keeps_the_old_ones(api, active):
    services.meeting_notes_update(meeting=active, notes="Earlier notes")
    response = _complete(api, active, {})
    assert response.status_code == 200
    assert response.json()["notes"] == "Earlier notes"
    active.refresh_from_db()
    assert active.status == Meeting.Status.ENDED


def test_the_meeting_id_may_be_given_without_dashes(api, active):
    assert _complete(api, active, raw_id=str(active.meeting_id)).status_code == 200


def test_a_completed_meeting_just_gets_its_notes(api, ended):
    ended_at = ended.ended_at
    response = _complete(api, ended, {"notes": "Follow up with Grace."})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "The meeting was already completed: its notes are updated"
    assert body["status"] == "completed" and body["notes"] == "Follow up with Grace."
    ended.refresh_from_db()
    assert ended.ended_at == ended_at and ended.host_notes == "Follow up with Grace."
    assert _complete(api, ended).json()["message"] == "The meeting was already completed"


def test_a_no_show_says_so(api, meeting):
    # As meetings_complete_overdue leaves a meeting nobody opened.
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ENDED, no_show=True)
    assert _complete(api, meeting).json()["no_show"] is True


@pytest.mark.parametrize(
    ("state", "word"), [("scheduled", "scheduled"), ("cancelled", "cancelled")]
)
def test_a_meeting_not_in_progress_cannot_be_completed(api, meeting, state, word):
    if state == "cancelled":
        services.meeting_cancel(meeting=meeting)
    response = _complete(api, meeting, {"notes": "Never"})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": f"This meeting is {word} and cannot be ended.",
    }
    meeting.refresh_from_db()
    assert meeting.host_notes == ""
    assert meeting.status != Meeting.Status.ENDED


def test_staff_complete_as_the_host_does(people, active):
    response = _complete(people["staff"], active, {"notes": "Closed by support."})
    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_the_host_does_not_rate(api, active):
    response = _complete(api, active, {"rating": 5})
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "Hosts do not rate their own meetings: attendees do.",
        "fields": {"rating": "Hosts do not rate their own meetings: attendees do."},
    }
    active.refresh_from_db()
    assert active.status == Meeting.Status.ACTIVE


def test_notes_too_long_are_400_and_change_nothing(api, active):
    response = _complete(api, active, {"notes": "x" * 10_001})
    assert response.status_code == 400
    assert response.json()["fields"] == {"notes": "Keep it to 10000 characters or fewer."}
    active.refresh_from_db()
    assert active.status == Meeting.Status.ACTIVE and active.host_notes == ""


# Who may.


def test_a_cohost_is_refused(people, active):
    response = _complete(people["cohost"], active, {"notes": "Mine"})
    assert response.status_code == 403
    assert response.json()["error"].startswith("Only the meeting's host completes it")
    active.refresh_from_db()
    assert active.status == Meeting.Status.ACTIVE


def test_a_stranger_is_refused_as_on_every_meeting_endpoint(people, active):
    response = _complete(people["stranger"], active, {"rating": 5})
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": "You don't have permission to access this meeting",
    }


def test_an_invitee_who_did_not_attend_cannot_rate(people, ended):
    response = _complete(people["invitee"], ended, {"rating": 4})
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": "Only those who attended the meeting can rate it, and you did not join it.",
    }
    assert not Rating.objects.exists()


def test_anonymous_is_401(client, active):
    response = _complete(client, active, {"notes": "x"})
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Authentication required"}


def test_an_unknown_meeting_is_404_and_a_malformed_id_400(api, active):
    assert _complete(api, active, raw_id="123-456-780").status_code == 404
    response = _complete(api, active, raw_id="12-34")
    assert response.status_code == 400
    assert "9 digits" in response.json()["error"]


# Attendees.


def test_an_attendee_rates_the_meeting(people, ended):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], ended, {"rating": 4, "feedback": "Clear and short."})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Thank you for your rating.",
        "id": ended.meeting_id,
        "meeting_id": ended.formatted_meeting_id,
        "status": "completed",
        "no_show": False,
        "notes": None,
        "rating": 4,
        "feedback": "Clear and short.",
    }
    rating = Rating.objects.get()
    assert (rating.score, rating.feedback, rating.email) == (
        4,
        "Clear and short.",
        "invitee@example.com",
    )
    assert rating.user == people["invitee_user"] and rating.invitation == people["invitation"]


def test_rating_again_replaces_the_rating_and_the_email_rating_is_the_same(people, ended):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    # The request email went out first: the API rates through the same row.
    make_rating(ended, user=people["invitee_user"], email="invitee@example.com")
    assert _complete(people["invitee"], ended, {"rating": 2}).status_code == 200
    response = _complete(
        people["invitee"], ended, {"rating": 5, "feedback": "Better on reflection"}
    )
    assert response.json()["message"] == "Your rating was updated."
    rating = Rating.objects.get()
    assert (rating.score, rating.feedback) == (5, "Better on reflection")


def test_a_rating_given_through_the_api_is_not_asked_for_by_email(people, ended, mailoutbox):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    assert _complete(people["invitee"], ended, {"rating": 3}).status_code == 200
    ratings.send_rating_requests()
    assert mailoutbox == []
    assert Rating.objects.count() == 1


def test_a_share_link_attendee_with_an_account_rates(ended, other_host):
    _attend(ended, other_host)
    response = _complete(token_client(other_host), ended, {"rating": 5})
    assert response.status_code == 200
    assert Rating.objects.get().email == other_host.email


def test_rating_is_closed_seven_days_after_the_end(people, meeting):
    ended = move_to_past(meeting, ended_ago=timedelta(days=7, minutes=1))
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], ended, {"rating": 5})
    assert response.status_code == 410
    assert response.json() == {"success": False, "error": ratings.CLOSED_MESSAGE}
    assert not Rating.objects.filter(score__isnull=False).exists()


def test_a_meeting_in_progress_is_rated_once_it_has_ended(people, active):
    _attend(active, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], active, {"rating": 5})
    assert response.status_code == 409
    assert response.json()["error"] == "The meeting has not ended yet: rate it once it has."
    active.refresh_from_db()
    assert active.status == Meeting.Status.ACTIVE


def test_an_attendee_does_not_keep_notes(people, ended):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], ended, {"rating": 5, "notes": "Mine"})
    assert response.status_code == 403
    assert "notes" in response.json()["fields"]
    ended.refresh_from_db()
    assert ended.host_notes == ""


def test_a_rating_is_required_of_an_attendee(people, ended):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], ended, {"feedback": "No score"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"rating": ratings.SCORE_MESSAGE}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": 4, "feedback": "x" * 2001}, "feedback"),
        ({"rating": 4, "feedback": 12}, "feedback"),
        ({"rating": 4, "stars": 5}, "stars"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(people, ended, body, field):
    _attend(ended, people["invitee_user"], invitation=people["invitation"])
    response = _complete(people["invitee"], ended, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Rating.objects.exists()


def test_a_nul_character_is_400(api, active):
    response = _complete(api, active, {"notes": "a\x00b"})
    assert response.status_code == 400
    active.refresh_from_db()
    assert active.status == Meeting.Status.ACTIVE


# Routing beside the meetings router.


def test_the_meetings_routes_are_not_shadowed(api, active):
    path = f"/api/meetings/{active.formatted_meeting_id}"
    assert api.get(path).status_code == 200
    assert api.get(f"{path}/link").status_code == 200
    assert api.get("/api/meetings").status_code == 200


def test_complete_takes_post_only(api, active):
    response = api.get(f"/api/meetings/{active.formatted_meeting_id}/complete")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_schema_has_complete_once(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert list(paths["/api/meetings/{meeting_id}/complete"]) == ["post"]
    assert "/api/bookings/{handle}/{slug}/slots" in paths
    assert "/api/bookings/{handle}/{slug}" in paths


def test_a_session_request_needs_csrf(user, active):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _complete(client, active, {}).status_code == 403


def test_a_logged_out_token_for_a_deactivated_account_is_401(user, active):
    client = token_client(user)
    user.is_active = False
    user.save()
    assert _complete(client, active, {}).status_code == 401
