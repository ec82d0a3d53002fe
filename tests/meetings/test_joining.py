"""The join flows as services: what each returns, what it records, what it leaves alone."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from invitations.models import Invitation
from meetings import joining, services, throttling
from meetings.joining import Outcome
from meetings.models import Attendance, Meeting
from meetings_site.models import AttemptWindow
from tests.factories import ContactFactory, UserFactory, move_to_past

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.7"


def _passcode_join(meeting_id, passcode, session=None, user=None):
    return joining.passcode_join(
        meeting_id=meeting_id,
        passcode=passcode,
        display_name="Visitor",
        user=user or AnonymousUser(),
        address=ADDRESS,
        session={} if session is None else session,
    )


def _share_link_join(meeting, session=None, name="Guest"):
    return joining.share_link_join(
        meeting=meeting,
        display_name=name,
        user=AnonymousUser(),
        session={} if session is None else session,
    )


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


def test_the_right_passcode_admits_and_records_the_way_in(meeting):
    session = {}
    result = _passcode_join(meeting.meeting_id, meeting.passcode, session)
    assert result.outcome == Outcome.ADMITTED and result.meeting == meeting
    assert result.attendance.way == Attendance.Way.MEETING_ID
    assert result.participant.display_name == "Visitor" and not result.participant.is_moderator
    assert str(meeting.meeting_id) in session["joined_meetings"]


def test_a_right_passcode_gives_its_attempt_back(meeting):
    _passcode_join(meeting.meeting_id, meeting.passcode)
    assert set(AttemptWindow.objects.values_list("attempts", flat=True)) == {0}


def test_a_wrong_passcode_records_nothing_but_the_attempt(meeting):
    session = {}
    result = _passcode_join(meeting.meeting_id, "999999", session)
    assert result.outcome == Outcome.WRONG_PASSCODE
    assert not Attendance.objects.exists() and session == {}
    assert set(AttemptWindow.objects.values_list("attempts", flat=True)) == {1}


def test_an_unknown_id_is_not_found_and_counts_for_the_address(db):
    assert _passcode_join(123_456_780, "1234").outcome == Outcome.NOT_FOUND
    assert AttemptWindow.objects.get().key == ADDRESS


def test_past_the_limit_even_the_right_passcode_is_throttled(meeting, settings):
    settings.PASSCODE_ATTEMPTS_PER_MEETING = 2
    for _ in range(2):
        _passcode_join(meeting.meeting_id, "999999")
    result = _passcode_join(meeting.meeting_id, meeting.passcode)
    assert result.outcome == Outcome.THROTTLED
    assert 0 < result.retry_after <= settings.PASSCODE_MEETING_WINDOW
    assert not Attendance.objects.exists()


def test_a_throttled_attempt_does_not_use_up_the_other_limit(meeting, settings):
    settings.PASSCODE_ATTEMPTS_PER_MEETING = 1
    _passcode_join(meeting.meeting_id, "999999")
    _passcode_join(meeting.meeting_id, "999999")
    address = AttemptWindow.objects.get(scope=throttling.PASSCODE_ADDRESS)
    assert address.attempts == 1


def test_the_waiting_room_holds_every_way_in(meeting):
    _settings(meeting, waiting_room=True)
    assert _share_link_join(meeting).outcome == Outcome.WAITING
    assert _passcode_join(meeting.meeting_id, meeting.passcode).outcome == Outcome.WAITING
    assert Attendance.objects.filter(admitted_at__isnull=True).count() == 2


def test_a_full_meeting_refuses_with_the_reason_and_records_nothing(meeting):
    _settings(meeting, participant_limit=2)
    _share_link_join(meeting, name="One")
    _share_link_join(meeting, name="Two")
    session = {}
    result = _share_link_join(meeting, session, name="Three")
    assert result.outcome == Outcome.FULL
    assert "it allows 2 people at once" in result.message
    assert Attendance.objects.count() == 2 and session == {}


def _close(meeting, how: str) -> Meeting:
    if how == "cancelled":
        return services.meeting_cancel(meeting=meeting)
    return services.meeting_end(meeting=services.meeting_start(meeting=meeting))


@pytest.mark.parametrize(
    ("how", "message"),
    [("cancelled", "This meeting was cancelled."), ("ended", "This meeting has ended.")],
)
def test_a_closed_meeting_refuses_every_way_in(meeting, how, message):
    meeting = _close(meeting, how)
    for result in (
        _share_link_join(meeting),
        _passcode_join(meeting.meeting_id, meeting.passcode),
    ):
        assert result.outcome == Outcome.CLOSED and result.message == message
    assert not Attendance.objects.exists()


def test_joining_again_in_the_same_session_keeps_one_record(meeting):
    session = {}
    first = _share_link_join(meeting, session, name="First")
    again = _passcode_join(meeting.meeting_id, meeting.passcode, session)
    assert again.attendance.pk == first.attendance.pk
    assert Attendance.objects.get().display_name == "Visitor"


def test_a_personal_link_brings_its_role(meeting):
    _settings(meeting, waiting_room=True)
    contact = ContactFactory(owner=meeting.host)
    invitation = Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, role="moderator"
    )
    result = joining.personal_link_join(
        invitation=invitation, display_name="Co-host", user=AnonymousUser(), session={}
    )
    assert result.outcome == Outcome.ADMITTED
    assert result.attendance.invitation == invitation and result.participant.is_moderator


def test_members_join_under_their_own_name_by_their_way(meeting, user):
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    invitee = joining.member_join(meeting=meeting, user=guest, session={})
    host = joining.member_join(meeting=meeting, user=user, session={})
    assert (invitee.attendance.way, invitee.participant.display_name) == (
        Attendance.Way.MEETINGS_PAGE,
        "Grace Hopper",
    )
    assert (host.attendance.way, host.participant.is_moderator) == (Attendance.Way.HOST, True)


def test_an_invitee_waits_for_the_host_when_the_meeting_says_so(meeting):
    _settings(meeting, join_before_host=False)
    guest = UserFactory()
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    assert joining.member_join(meeting=meeting, user=guest, session={}).outcome == Outcome.WAITING


def test_the_host_start_opens_the_meeting_and_lets_in_who_waited_for_the_host(meeting, user):
    _settings(meeting, join_before_host=False)
    waiting = _share_link_join(meeting)
    result = joining.host_start(meeting=meeting, user=user, session={})
    assert result.outcome == Outcome.ADMITTED and result.attendance.way == Attendance.Way.HOST
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    waiting.attendance.refresh_from_db()
    assert waiting.attendance.admitted_at is not None


def test_starting_an_ended_meeting_is_refused_and_records_nothing(meeting, user):
    meeting = _close(meeting, "ended")
    result = joining.host_start(meeting=meeting, user=user, session={})
    assert result.outcome == Outcome.CLOSED
    assert result.message == "This meeting is completed and cannot be started."
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("status", ["ended", "scheduled"])
def test_expired_links_refuse_every_way_in_and_record_nothing(meeting, user, status):
    meeting = move_to_past(meeting, ended_ago=timedelta(days=30), status=status)
    before = Meeting.objects.values().get(pk=meeting.pk)
    guest = UserFactory()
    invitation = Invitation.objects.create(
        meeting=meeting, user=guest, email=guest.email, role="moderator"
    )
    anyone = AnonymousUser()
    for result in (
        _share_link_join(meeting),
        _passcode_join(meeting.meeting_id, meeting.passcode),
        joining.personal_link_join(
            invitation=invitation, display_name="Co-host", user=anyone, session={}
        ),
        joining.member_join(meeting=meeting, user=guest, session={}),
        joining.host_start(meeting=meeting, user=user, session={}),
    ):
        assert result.outcome == Outcome.EXPIRED
        assert result.message == "This meeting has ended." and not result.entered
    assert not Attendance.objects.exists()
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_an_expired_meeting_still_asks_for_its_passcode(meeting):
    meeting = move_to_past(meeting, ended_ago=timedelta(days=40))
    assert _passcode_join(meeting.meeting_id, "999999").outcome == Outcome.WRONG_PASSCODE


def test_a_meeting_ended_29_days_ago_is_closed_not_expired(meeting):
    meeting = move_to_past(meeting, ended_ago=timedelta(days=29))
    result = _share_link_join(meeting)
    assert result.outcome == Outcome.CLOSED and result.message == "This meeting has ended."
    assert joining.refusal(meeting) == result


def test_a_meeting_cancelled_long_ago_still_says_it_was_cancelled(meeting):
    meeting = move_to_past(meeting, ended_ago=timedelta(days=400), status="cancelled")
    result = _passcode_join(meeting.meeting_id, meeting.passcode)
    assert result.outcome == Outcome.CLOSED and result.message == "This meeting was cancelled."


def test_an_open_meeting_has_no_refusal(meeting):
    assert joining.refusal(meeting) is None


def test_invitations_reach_the_join_flows_without_the_meetings_views():
    source = Path(__file__).resolve().parents[2] / "invitations"
    imported = set()
    for path in source.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert not any(name.startswith("meetings.views") for name in imported)
