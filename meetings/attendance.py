"""Who enters a meeting, when, and by which way: the waiting room and the participant limit.

Joins to one meeting are serialized on the meeting's row (a row lock on
PostgreSQL, the write lock on SQLite), so concurrent joins cannot together
pass the participant limit.
"""

from django.db import transaction
from django.utils import timezone

from meetings.exceptions import TransitionError
from meetings.models import Attendance, Meeting


class MeetingFull(TransitionError):
    """The room holds as many people as the host allows."""


def may_enter_now(meeting: Meeting, *, is_moderator: bool) -> bool:
    """Moderators always; attendees unless the waiting room or an absent host holds them."""
    if is_moderator:
        return True
    if meeting.waiting_room:
        return False
    return meeting.join_before_host or meeting.status == Meeting.Status.ACTIVE


def _present(meeting: Meeting) -> int:
    return Attendance.objects.filter(
        meeting=meeting, admitted_at__isnull=False, left_at__isnull=True
    ).count()


def _check_room_for(meeting: Meeting) -> None:
    limit = meeting.participant_limit
    if limit and _present(meeting) >= limit:
        raise MeetingFull(
            f"This meeting is full: it allows {limit} people at once. "
            "Try again when someone leaves, or ask the host."
        )


@transaction.atomic
def attendance_join(
    *,
    meeting: Meeting,
    display_name: str,
    way: str,
    is_moderator: bool,
    user=None,
    invitation=None,
    previous: Attendance | None = None,
) -> Attendance:
    """Record an entry: admitted at once, or waiting; refused past the participant limit."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if previous is not None and previous.meeting_id == meeting.pk and previous.left_at is None:
        # The same person again (a reload, a second join): one record, the latest name.
        Attendance.objects.filter(pk=previous.pk).update(display_name=display_name)
        previous.display_name = display_name
        return previous
    admitted = may_enter_now(meeting, is_moderator=is_moderator)
    if admitted and not is_moderator:
        _check_room_for(meeting)
    return Attendance.objects.create(
        meeting=meeting,
        user=user if user is not None and user.is_authenticated else None,
        invitation=invitation,
        display_name=display_name,
        way=way,
        is_moderator=is_moderator,
        admitted_at=timezone.now() if admitted else None,
    )


@transaction.atomic
def attendance_admit(*, meeting: Meeting, attendance_ids: list[int] | None = None) -> int:
    """Let waiting people in (the given ones, or everyone), as far as the limit allows."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    waiting = Attendance.objects.filter(
        meeting=meeting, admitted_at__isnull=True, left_at__isnull=True
    )
    if attendance_ids is not None:
        waiting = waiting.filter(pk__in=attendance_ids)
    ids = list(waiting.order_by("requested_at", "pk").values_list("pk", flat=True))
    if meeting.participant_limit:
        room_left = max(meeting.participant_limit - _present(meeting), 0)
        if ids and not room_left:
            _check_room_for(meeting)  # raises MeetingFull with the explanation
        ids = ids[:room_left]
    return Attendance.objects.filter(pk__in=ids).update(admitted_at=timezone.now())


def attendance_admit_on_start(*, meeting: Meeting) -> int:
    """The host arrived: whoever waited only for the host goes in (not the waiting room)."""
    if meeting.waiting_room:
        return 0
    try:
        return attendance_admit(meeting=meeting)
    except MeetingFull:
        return 0


@transaction.atomic
def attendance_leave(*, attendance: Attendance) -> None:
    """The embedded room reported that this person left."""
    Attendance.objects.filter(pk=attendance.pk, left_at__isnull=True).update(left_at=timezone.now())


@transaction.atomic
def attendance_close(*, meeting: Meeting, at) -> int:
    """The meeting is over: whoever is still in the room, or waiting, left at `at`."""
    return Attendance.objects.filter(meeting=meeting, left_at__isnull=True).update(left_at=at)


def attendance_close_many(*, meeting_pks: list[int], at) -> int:
    """Meetings completed together: whoever is still in one of them, or waiting, left at `at`."""
    return Attendance.objects.filter(meeting_id__in=meeting_pks, left_at__isnull=True).update(
        left_at=at
    )
