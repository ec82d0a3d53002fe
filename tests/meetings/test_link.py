from datetime import timedelta

import pytest
from django.urls import reverse

from invitations.models import Invitation
from meetings import services
from meetings.models import Attendance, Meeting
from tests.api.conftest import token_client
from tests.factories import MeetingFactory, UserFactory, move_to_past

pytestmark = pytest.mark.django_db


def _link(meeting_id) -> str:
    return reverse("meetings:link", args=[meeting_id])


def test_host_gets_a_moderator_link_with_their_name(host_client, meeting):
    data = host_client.get(_link(meeting.formatted_meeting_id)).json()
    starts_at = meeting.starts_at.isoformat().replace("+00:00", "Z")
    assert data == {
        "success": True,
        # Seed 002's fields, as GET /api/meetings/{id}/link answers them …
        "booking_id": meeting.meeting_id,
        "meeting_url": f"https://meet.jit.si/{meeting.room_name}#userInfo.displayName="
        "%22Ada%20Lovelace%22&config.startWithAudioMuted=false"
        "&config.startWithVideoMuted=false",
        "display_name": "Ada Lovelace",
        "is_admin": True,
        "scheduled_at": starts_at,
        "duration": 60,
        "status": "scheduled",
        # … beside the ones this endpoint always had.
        "meeting_id": meeting.formatted_meeting_id,
        "is_moderator": True,
        "starts_at": starts_at,
        "waiting": False,
    }


def test_the_page_link_and_the_api_link_answer_the_same_fields(host_client, meeting):
    page = host_client.get(_link(meeting.meeting_id)).json()
    api = token_client(meeting.host).get(f"/api/meetings/{meeting.meeting_id}/link").json()
    assert page == api


def test_a_started_meeting_says_in_progress_as_the_api_does(host_client, meeting):
    services.meeting_start(meeting=meeting)
    assert host_client.get(_link(meeting.meeting_id)).json()["status"] == "in-progress"


@pytest.mark.parametrize("role", ["attendee", "moderator"])
def test_invitees_get_their_role(client, meeting, role):
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email, role=role)
    client.force_login(guest)
    data = client.get(_link(meeting.meeting_id)).json()
    assert data["display_name"] == "Grace Hopper"
    assert data["is_moderator"] is (role == "moderator")


def test_staff_moderate_every_meeting(client, meeting, staff_user):
    client.force_login(staff_user)
    assert client.get(_link(meeting.meeting_id)).json()["is_moderator"] is True


@pytest.mark.parametrize(
    ("who", "raw_id", "status", "message"),
    [
        ("anonymous", None, 401, "Log in"),
        ("stranger", None, 403, "You don't have permission to access this meeting."),
        ("stranger", "12-34", 400, "A meeting ID is 9 digits"),
        ("stranger", "999999999", 404, "Meeting room not found."),
    ],
)
def test_errors_answer_json_with_the_right_status(client, meeting, who, raw_id, status, message):
    if who == "stranger":
        client.force_login(UserFactory())
    response = client.get(_link(raw_id or meeting.meeting_id))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_a_revoked_invitation_gives_no_link(client, meeting):
    guest = UserFactory()
    Invitation.objects.create(
        meeting=meeting, user=guest, email=guest.email, revoked_at=meeting.created_at
    )
    client.force_login(guest)
    assert client.get(_link(meeting.meeting_id)).status_code == 403


def test_another_meeting_of_the_same_host_is_not_shared_with_an_invitee(client, meeting):
    guest = UserFactory()
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    client.force_login(guest)
    other = MeetingFactory(host=meeting.host)
    assert client.get(_link(other.meeting_id)).status_code == 403


def test_a_co_host_joining_by_personal_link_moderates_in_the_room(client, meeting):
    from invitations import tokens
    from tests.factories import ContactFactory

    contact = ContactFactory(owner=meeting.host)
    invitation = Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, role="moderator"
    )
    token, _ = tokens.mint_many([invitation])[invitation.pk]
    client.post(reverse("invitations:join", args=[meeting.meeting_id, token]), {"name": "Co"})
    response = client.get(reverse("meetings:room", args=[meeting.meeting_id]))
    assert response.context["moderator"] is True
    assert response.context["can_end"] is False


# The same admission rules as the join pages (the link is the apps' join)


@pytest.fixture
def invited_client(client, meeting):
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    client.force_login(guest)
    return client


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


@pytest.mark.parametrize("hold", [{"waiting_room": True}, {"join_before_host": False}])
def test_an_invitee_who_must_wait_gets_the_waiting_page_not_the_room(
    invited_client, meeting, settings, hold
):
    _settings(meeting, **hold)
    response = invited_client.get(_link(meeting.meeting_id))
    assert response.status_code == 200
    data = response.json()
    waiting_page = reverse("meetings:waiting", args=[meeting.meeting_id])
    assert data["waiting"] is True
    assert data["meeting_url"] == settings.SITE_URL + waiting_page
    assert meeting.access_token not in response.text
    # Opening meeting_url lands where the page flow would: the waiting page.
    assert "Please wait, Grace Hopper" in invited_client.get(waiting_page).text
    assert Attendance.objects.get().is_waiting


def test_an_admitted_invitee_gets_the_room_and_the_entry_is_recorded(invited_client, meeting):
    data = invited_client.get(_link(meeting.meeting_id)).json()
    assert data["waiting"] is False and meeting.room_name in data["meeting_url"]
    entry = Attendance.objects.get()
    assert (entry.way, entry.display_name) == ("meetings_page", "Grace Hopper")
    assert entry.admitted_at is not None
    room = invited_client.get(reverse("meetings:room", args=[meeting.meeting_id]))
    assert room.status_code == 200


def test_the_host_is_admitted_through_the_waiting_room(host_client, meeting):
    _settings(meeting, waiting_room=True, join_before_host=False)
    data = host_client.get(_link(meeting.meeting_id)).json()
    assert data["waiting"] is False and data["is_moderator"] is True
    assert Attendance.objects.get().way == "host"


def test_asking_again_keeps_one_entry(invited_client, meeting):
    for _ in range(3):
        invited_client.get(_link(meeting.meeting_id))
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("close", "error"),
    [
        ("cancel", "Meeting link not available. This meeting was cancelled."),
        ("end", "Meeting link not available. This meeting has ended."),
    ],
)
def test_a_closed_meeting_has_no_link(host_client, meeting, close, error):
    if close == "cancel":
        services.meeting_cancel(meeting=meeting)
    else:
        services.meeting_end(meeting=services.meeting_start(meeting=meeting))
    response = host_client.get(_link(meeting.meeting_id))
    assert response.status_code == 404
    assert response.json() == {"error": error}
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("status", ["ended", "scheduled"])
def test_an_expired_meeting_has_no_link_and_answers_gone(invited_client, meeting, status):
    move_to_past(meeting, ended_ago=timedelta(days=30), status=status)
    response = invited_client.get(_link(meeting.meeting_id))
    assert response.status_code == 410
    assert response.json() == {"error": "Meeting link not available. This meeting has ended."}
    assert not Attendance.objects.exists()


def test_a_full_meeting_has_no_link_and_says_it_is_full(invited_client, meeting):
    _settings(meeting, participant_limit=2)
    for name in ("One", "Two"):
        Attendance.objects.create(
            meeting=meeting, display_name=name, way="share_link", admitted_at=meeting.created_at
        )
    response = invited_client.get(_link(meeting.meeting_id))
    assert response.status_code == 404
    assert response.json()["error"].startswith(
        "Meeting link not available. This meeting is full: it allows 2 people at once."
    )
    assert Attendance.objects.count() == 2
