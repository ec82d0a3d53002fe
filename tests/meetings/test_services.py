import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import credentials, services
from meetings.models import Attendance, Meeting
from tests.factories import MeetingFactory, UserFactory, create_meeting, move_to_past

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


@pytest.mark.parametrize(
    ("field", "draw", "action"),
    [
        ("meeting_id", "new_meeting_id", lambda meeting: create_meeting(meeting.host)),
        ("invitation_token", "new_invitation_token", services.meeting_regenerate_invitation_link),
        ("access_token", "new_access_token", services.meeting_rotate_access_token),
    ],
)
def test_credentials_of_expired_and_live_meetings_are_never_drawn_again(
    meeting, monkeypatch, field, draw, action
):
    expired = move_to_past(MeetingFactory(), ended_ago=timedelta(days=365))
    cancelled = move_to_past(MeetingFactory(), ended_ago=timedelta(days=365), status="cancelled")
    live = MeetingFactory()
    taken = [getattr(other, field) for other in (expired, cancelled, live)]
    fresh = 987_654_321 if field == "meeting_id" else "a-fresh-secret"
    draws = iter([*taken, fresh])
    monkeypatch.setattr(credentials, draw, lambda: next(draws))
    result = action(meeting=meeting)
    assert getattr(result, field) == fresh
    # The expired meetings keep theirs: their links still answer that they expired.
    for other, value in zip((expired, cancelled, live), taken, strict=True):
        other.refresh_from_db()
        assert getattr(other, field) == value


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


# Meetings that end by themselves


def _ended_ago(ago, *, status=Meeting.Status.SCHEDULED, **fields):
    """A meeting whose scheduled end was `ago` before now."""
    starts_at = timezone.now() - ago - timedelta(minutes=60)
    return MeetingFactory(starts_at=starts_at, duration=60, status=status, **fields)


def test_a_meeting_in_progress_two_hours_after_its_end_is_completed():
    meeting = _ended_ago(timedelta(hours=2), status=Meeting.Status.ACTIVE)
    inside = Attendance.objects.create(
        meeting=meeting, display_name="In", way="share_link", admitted_at=timezone.now()
    )
    waiting = Attendance.objects.create(meeting=meeting, display_name="Waiting", way="share_link")
    left_at = timezone.now() - timedelta(hours=3)
    gone = Attendance.objects.create(
        meeting=meeting, display_name="Gone", way="share_link", admitted_at=left_at, left_at=left_at
    )
    now = timezone.now()
    assert services.meetings_complete_overdue(now=now) == 1
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED and not meeting.no_show
    assert meeting.ended_at == now and meeting.updated_at == now
    for entry in (inside, waiting):
        entry.refresh_from_db()
        assert entry.left_at == now
    gone.refresh_from_db()
    assert gone.left_at == left_at


def test_a_meeting_never_started_is_completed_as_a_no_show_at_its_end():
    meeting = _ended_ago(timedelta(hours=2, minutes=1))
    assert services.meetings_complete_overdue() == 1
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED and meeting.no_show
    assert meeting.ended_at == meeting.ends_at and meeting.started_at is None


@pytest.mark.parametrize("status", [Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE])
def test_a_meeting_1h59_after_its_end_is_left_alone(status):
    meeting = _ended_ago(timedelta(hours=1, minutes=59), status=status)
    before = Meeting.objects.values().get(pk=meeting.pk)
    assert services.meetings_complete_overdue() == 0
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_cancelled_and_completed_meetings_are_never_touched():
    long_ago = timedelta(days=3)
    cancelled = _ended_ago(long_ago, status=Meeting.Status.CANCELLED)
    Attendance.objects.create(meeting=cancelled, display_name="Stray", way="share_link")
    _ended_ago(long_ago, status=Meeting.Status.ENDED, ended_at=timezone.now())
    before = list(Meeting.objects.values().order_by("pk"))
    assert services.meetings_complete_overdue() == 0
    assert list(Meeting.objects.values().order_by("pk")) == before
    assert Attendance.objects.get().left_at is None


def test_completing_again_changes_nothing():
    _ended_ago(timedelta(hours=3))
    _ended_ago(timedelta(hours=3), status=Meeting.Status.ACTIVE)
    assert services.meetings_complete_overdue() == 2
    before = list(Meeting.objects.values().order_by("pk"))
    assert services.meetings_complete_overdue() == 0
    assert list(Meeting.objects.values().order_by("pk")) == before


@pytest.mark.parametrize("count", [1, 40])
def test_completing_takes_the_same_queries_however_many_are_due(count, django_assert_num_queries):
    for n in range(count):
        meeting = _ended_ago(timedelta(hours=2 + n), status=["scheduled", "active"][n % 2])
        Attendance.objects.create(meeting=meeting, display_name="In", way="share_link")
    _ended_ago(timedelta(minutes=30))  # not due yet
    # Lock and read the due ones, close their attendance, complete them (and the savepoint).
    with django_assert_num_queries(5):
        assert services.meetings_complete_overdue() == count
    assert Meeting.objects.filter(status=Meeting.Status.ENDED).count() == count
    assert not Attendance.objects.filter(left_at__isnull=True).exists()


def test_a_backlog_is_completed_batch_by_batch(monkeypatch):
    monkeypatch.setattr(services, "COMPLETE_BATCH", 3)
    for n in range(5):
        _ended_ago(timedelta(days=n + 1))
    assert services.meetings_complete_overdue() == 3
    assert services.meetings_complete_overdue() == 2
    assert services.meetings_complete_overdue() == 0
    assert Meeting.objects.filter(no_show=True).count() == 5


def test_the_search_for_overdue_meetings_reads_only_open_meetings():
    if connection.vendor != "postgresql":
        pytest.skip("reads the plan of PostgreSQL")
    now = timezone.now()
    over = MeetingFactory.build_batch(300, host=UserFactory(), status=Meeting.Status.ENDED)
    for n, meeting in enumerate(over):
        meeting.starts_at = now - timedelta(days=n + 1)
        meeting.ends_at = meeting.starts_at + timedelta(minutes=meeting.duration)
    Meeting.objects.bulk_create(over)
    _ended_ago(timedelta(hours=3))
    _ended_ago(timedelta(minutes=10))
    with CaptureQueriesContext(connection) as queries:
        assert services.meetings_complete_overdue(now=now) == 1
    (search,) = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]
    with connection.cursor() as cursor:
        # As on a large table, where reading all of it would cost more than any index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {search}")
        plan = json.dumps(cursor.fetchone()[0])
    assert "meeting_open_by_end_idx" in plan


def test_notes_change_nothing_else_of_the_meeting(meeting):
    before = Meeting.objects.values().get(pk=meeting.pk)
    services.meeting_notes_update(meeting=meeting, notes="Agenda ideas")
    after = Meeting.objects.values().get(pk=meeting.pk)
    assert after.pop("host_notes") == "Agenda ideas"
    assert after.pop("updated_at") >= before.pop("updated_at")
    before.pop("host_notes")
    assert after == before


def test_notes_over_the_limit_are_refused_by_the_service_too(meeting):
    with pytest.raises(ValidationError, match="10,000 characters"):
        services.meeting_notes_update(meeting=meeting, notes="n" * 10_001)
    meeting.refresh_from_db()
    assert meeting.host_notes == ""
