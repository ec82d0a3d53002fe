"""GET /api/meetings/{id}/link: the caller's own way into the room, admitted as on the pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invitations.models import Invitation
from meetings import services
from meetings.models import Attendance, Meeting
from tests.api.conftest import token_client
from tests.factories import UserFactory, move_to_past

UNUSED_ID = 123_456_780


def _link(meeting) -> str:
    return f"/api/meetings/{meeting.formatted_meeting_id}/link"


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


def test_the_host_gets_a_moderator_link_with_both_documents_fields(api, meeting):
    response = api.get(_link(meeting))
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "booking_id": meeting.meeting_id,
        "meeting_url": f"https://meet.jit.si/{meeting.room_name}#userInfo.displayName="
        "%22Ada%20Lovelace%22&config.startWithAudioMuted=false"
        "&config.startWithVideoMuted=false",
        "display_name": "Ada Lovelace",
        "is_admin": True,
        "scheduled_at": meeting.starts_at.isoformat().replace("+00:00", "Z"),
        "duration": 60,
        "status": "scheduled",
        "meeting_id": meeting.formatted_meeting_id,
        "is_moderator": True,
        "starts_at": meeting.starts_at.isoformat().replace("+00:00", "Z"),
        "waiting": False,
    }
    assert not response.cookies  # a token call keeps nothing in a session


@pytest.mark.parametrize(
    ("who", "status", "moderates", "name"),
    [
        ("host", 200, True, "Ada Lovelace"),
        ("cohost", 200, True, "Alan Turing"),
        ("invitee", 200, False, "Grace Hopper"),
        ("staff", 200, True, None),
        ("stranger", 403, None, None),
    ],
)
def test_who_gets_a_link_and_with_which_role(people, meeting, who, status, moderates, name):
    response = people[who].get(_link(meeting))
    assert response.status_code == status
    if status == 403:
        assert response.json() == {
            "success": False,
            "error": "You don't have permission to access this meeting",
        }
        assert not Attendance.objects.exists()
        return
    body = response.json()
    assert body["is_moderator"] is body["is_admin"] is moderates
    if name:
        assert body["display_name"] == name
    assert Attendance.objects.get().is_moderator is moderates


def test_anonymous_gets_401(client, meeting):
    response = client.get(_link(meeting))
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Authentication required"}


@pytest.mark.parametrize(("raw", "status"), [("12-34", 400), ("abc", 400), (UNUSED_ID, 404)])
def test_a_malformed_or_unused_id(api, raw, status):
    response = api.get(f"/api/meetings/{raw}/link")
    assert response.status_code == status
    assert response.json()["success"] is False


def test_an_invitee_who_must_wait_gets_the_waiting_page(people, meeting, settings):
    _settings(meeting, waiting_room=True)
    body = people["invitee"].get(_link(meeting)).json()
    assert body["waiting"] is True
    assert body["meeting_url"] == settings.SITE_URL + reverse(
        "meetings:waiting", args=[meeting.meeting_id]
    )
    assert meeting.access_token not in body["meeting_url"]
    assert Attendance.objects.get().is_waiting


def test_asking_twice_with_a_token_is_one_entry(people, meeting):
    _settings(meeting, participant_limit=2)
    for _ in range(3):
        assert people["invitee"].get(_link(meeting)).status_code == 200
    assert Attendance.objects.count() == 1
    # The limit still has room for someone else.
    assert people["cohost"].get(_link(meeting)).status_code == 200


def test_a_full_meeting_says_so(people, meeting):
    _settings(meeting, participant_limit=2)
    other = UserFactory()
    Invitation.objects.create(meeting=meeting, user=other, email=other.email)
    assert token_client(other).get(_link(meeting)).status_code == 200
    assert people["host"].get(_link(meeting)).status_code == 200  # moderators always enter
    assert people["cohost"].get(_link(meeting)).status_code == 200
    response = people["invitee"].get(_link(meeting))
    assert response.status_code == 404
    assert response.json()["error"].startswith("Meeting link not available. This meeting is full")


@pytest.mark.parametrize(
    ("close", "message"),
    [
        (lambda meeting: services.meeting_cancel(meeting=meeting), "This meeting was cancelled."),
        (lambda meeting: _settings(meeting, status="ended"), "This meeting has ended."),
        (
            lambda meeting: move_to_past(meeting, ended_ago=timedelta(days=40)),
            "This meeting has ended.",
        ),
    ],
    ids=["cancelled", "ended", "expired"],
)
def test_a_closed_meeting_gives_no_link_and_says_why(api, meeting, close, message):
    close(meeting)
    response = api.get(_link(meeting))
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": f"Meeting link not available. {message}",
    }
    assert not Attendance.objects.exists()


def test_a_meet_still_being_set_up_has_no_link_yet(api, meeting):
    _settings(meeting, provider="google_meet", google_event_id="event-1", external_url="")
    response = api.get(_link(meeting))
    assert response.status_code == 404
    assert response.json()["error"] == (
        "The meeting has no room yet: Google is still setting up its Meet."
    )


def test_the_sites_own_page_joins_through_its_session(client, meeting):
    """Called by the page's JavaScript, the join lands in the session, as the page's does."""
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    browser = Client()
    browser.force_login(guest)
    body = browser.get(_link(meeting)).json()
    assert body["waiting"] is False
    assert browser.get(reverse("meetings:room", args=[meeting.meeting_id])).status_code == 200
    browser.get(_link(meeting))
    assert Attendance.objects.count() == 1


def test_failed_link_lookups_are_throttled(settings, meeting, other_host):
    settings.MEETING_LOOKUP_FAILURES_PER_USER = 2
    prober = token_client(other_host)
    assert prober.get(_link(meeting)).status_code == 403
    assert prober.get(f"/api/meetings/{UNUSED_ID}/link").status_code == 404
    response = prober.get(_link(meeting))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_link_takes_the_same_queries_for_one_attendee_and_many(
    user, meeting, django_assert_num_queries
):
    host = token_client(user)
    host.get(_link(meeting))  # the token's first use, and the host's first entry
    with CaptureQueriesContext(connection) as one:
        assert host.get(_link(meeting)).status_code == 200
    # Read now: each request of the loop empties the connection's log of queries.
    queries = len(one.captured_queries)
    for number in range(30):
        invitee = UserFactory(email=f"invitee{number}@example.com")
        Invitation.objects.create(meeting=meeting, user=invitee, email=invitee.email)
        assert token_client(invitee).get(_link(meeting)).status_code == 200
    assert Attendance.objects.filter(meeting=meeting).count() == 31
    with django_assert_num_queries(queries):
        assert host.get(_link(meeting)).status_code == 200
