import pytest

from meetings import credentials, services
from meetings.models import Meeting
from tests.factories import MeetingFactory, create_meeting

pytestmark = pytest.mark.django_db


def test_create_draws_all_credentials(user):
    meeting = create_meeting(user)
    assert 100_000_000 <= meeting.meeting_id <= 999_999_999
    assert len(meeting.passcode) == 6 and meeting.passcode.isdigit()
    assert meeting.invitation_token and meeting.access_token
    assert meeting.status == Meeting.Status.SCHEDULED


def test_create_keeps_the_hosts_own_passcode(user):
    assert create_meeting(user, passcode="0042").passcode == "0042"


def test_meeting_id_collision_draws_again(user, monkeypatch):
    taken = MeetingFactory()
    draws = iter([taken.meeting_id, taken.meeting_id, 555_666_777])
    monkeypatch.setattr(credentials, "new_meeting_id", lambda: next(draws))
    meeting = create_meeting(user)
    assert meeting.meeting_id == 555_666_777
    assert Meeting.objects.count() == 2


def test_start_end_lifecycle(meeting):
    meeting = services.meeting_start(meeting=meeting)
    assert meeting.status == Meeting.Status.ACTIVE and meeting.started_at
    meeting = services.meeting_end(meeting=meeting)
    assert meeting.status == Meeting.Status.ENDED and meeting.ended_at


def test_starting_an_active_meeting_keeps_its_start_time(meeting):
    first = services.meeting_start(meeting=meeting).started_at
    assert services.meeting_start(meeting=meeting).started_at == first


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("scheduled", services.meeting_end),
        ("ended", services.meeting_start),
        ("ended", services.meeting_cancel),
        ("cancelled", services.meeting_start),
        ("cancelled", services.meeting_regenerate_invitation_link),
        ("ended", services.meeting_rotate_access_token),
    ],
)
def test_forbidden_transitions_raise_and_change_nothing(meeting, status, action):
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    before = Meeting.objects.values().get(pk=meeting.pk)
    with pytest.raises(services.TransitionError, match="cannot be"):
        action(meeting=meeting)
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_update_refuses_a_meeting_that_started(meeting):
    services.meeting_start(meeting=meeting)
    with pytest.raises(services.TransitionError, match="can no longer be edited"):
        services.meeting_update(
            meeting=meeting,
            title="New",
            description="",
            starts_at=meeting.starts_at,
            duration=30,
            timezone_name="UTC",
            passcode="1234",
        )
    meeting.refresh_from_db()
    assert meeting.title == "Weekly sync"


def test_regenerating_the_link_replaces_the_token(meeting):
    old = meeting.invitation_token
    assert services.meeting_regenerate_invitation_link(meeting=meeting).invitation_token != old
    assert not Meeting.objects.filter(invitation_token=old).exists()


def test_rotating_the_access_token_moves_the_room(meeting):
    old_room = meeting.room_name
    assert services.meeting_rotate_access_token(meeting=meeting).room_name != old_room
