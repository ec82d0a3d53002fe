"""Writes to meetings: one verb each."""

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts.models import User
from invitations import services as invitation_services
from meetings import attendance as attendance_services
from meetings import credentials, google_meet
from meetings import tasks as meetings_tasks
from meetings.exceptions import TransitionError
from meetings.models import MAX_YEARS_AHEAD, NOTES_MAX_LENGTH, Meeting

__all__ = ["RoomSettings", "TransitionError"]


@dataclass(frozen=True)
class RoomSettings:
    """How the room treats attendees (moderators are never held back or muted)."""

    provider: str = "jitsi"
    external_url: str = ""
    waiting_room: bool = False
    join_before_host: bool = True
    mute_on_join: bool = False
    participant_limit: int | None = None
    allow_name_change: bool = True


# A 9-digit ID space holds 900 million meetings; a collision is rare, ten in a row is a bug.
_GENERATION_ATTEMPTS = 10


def _save_with_fresh(meeting: Meeting, field: str, draw: Callable[[], object]) -> None:
    """Save with a newly drawn unique credential, drawing again on a collision."""
    for attempt in range(_GENERATION_ATTEMPTS):
        setattr(meeting, field, draw())
        try:
            with transaction.atomic():
                meeting.save()
            return
        except IntegrityError:
            value = getattr(meeting, field)
            taken = Meeting.objects.filter(**{field: value}).exclude(pk=meeting.pk).exists()
            if attempt == _GENERATION_ATTEMPTS - 1 or not taken:
                raise


def latest_start(now: datetime | None = None) -> datetime:
    """The furthest ahead a meeting may start: MAX_YEARS_AHEAD years from now."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February, in a year that has none
        return now.replace(year=now.year + MAX_YEARS_AHEAD, day=28)


def check_start_in_range(starts_at: datetime) -> None:
    """Refuse a start beyond latest_start().

    Near the end of year 9999, adding the duration or a time zone east of UTC
    overflows, and every page that shows the meeting would fail.
    """
    if starts_at > latest_start():
        message = f"Pick a start within the next {MAX_YEARS_AHEAD} years."
        raise ValidationError({"starts_at": ValidationError(message, code="too_far_ahead")})


def check_editable(meeting: Meeting) -> None:
    """Refuse to edit a meeting that has started, ended or been cancelled."""
    if not meeting.is_editable:
        raise TransitionError(
            f"This meeting is {meeting.get_status_display().lower()} and can no longer be edited."
        )


def meeting_create(
    *,
    host: User,
    title: str,
    starts_at: datetime,
    duration: int,
    timezone_name: str,
    description: str = "",
    passcode: str | None = None,
    room: RoomSettings = RoomSettings(),
) -> Meeting:
    """Schedule a meeting with freshly drawn credentials."""
    check_start_in_range(starts_at)
    meeting = Meeting(
        host=host,
        title=title,
        description=description,
        starts_at=starts_at,
        duration=duration,
        timezone=timezone_name,
        passcode=passcode or credentials.new_passcode(),
        invitation_token=credentials.new_invitation_token(),
        access_token=credentials.new_access_token(),
        **asdict(room),
    )
    meeting.full_clean(
        exclude=[
            "meeting_id",
            "invitation_token",
            "access_token",
            "host",
            "ends_at",
            # Google gives it below.
            "google_event_id",
        ]
    )
    # Google is asked before anything is written, and outside the transaction:
    # a refusal leaves nothing behind, and no lock waits on the network.
    if meeting.provider == Meeting.Provider.GOOGLE_MEET:
        _attach_conference(meeting, google_meet.create_event(meeting))
    try:
        with transaction.atomic():
            _save_with_fresh(meeting, "meeting_id", credentials.new_meeting_id)
    except BaseException:
        _forget_event(meeting.host, meeting.google_event_id)
        raise
    _complete_conference_later(meeting)
    return meeting


def _attach_conference(meeting: Meeting, conference: google_meet.Conference) -> None:
    meeting.google_event_id = conference.event_id
    meeting.external_url = conference.url


def _forget_event(host: User, event_id: str) -> None:
    """Delete a Google Calendar event in the background, once the transaction commits."""
    if event_id:
        transaction.on_commit(lambda: meetings_tasks.delete_google_event.enqueue(host.pk, event_id))


def _complete_conference_later(meeting: Meeting) -> None:
    """A Meet Google had not finished setting up is fetched by the worker."""
    if meeting.provider == Meeting.Provider.GOOGLE_MEET and not meeting.external_url:
        transaction.on_commit(lambda: meetings_tasks.complete_google_meet.enqueue(meeting.pk))


def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    description: str,
    starts_at: datetime,
    duration: int,
    timezone_name: str,
    passcode: str,
    room: RoomSettings | None = None,
    notify: bool = True,
) -> Meeting:
    """Edit or reschedule a meeting that has not started yet; room=None keeps its settings.

    A change invitees' calendars must see raises the calendar SEQUENCE. With
    notify (the default), every invitee gets an update email that says what
    changed; notify=False emails nobody. A new start or duration resets
    everyone's answer either way (see invitations_meeting_changed).
    """
    check_start_in_range(starts_at)
    changes = {
        "title": title,
        "description": description,
        "starts_at": starts_at,
        "duration": duration,
        "timezone": timezone_name,
        "passcode": passcode,
    }
    room_values = asdict(room) if room is not None else {}
    # As on creation, Google first: a refusal changes nothing here.
    provider = room_values.get("provider", meeting.provider)
    conference = _sync_google_event(meeting, changes, provider)
    try:
        meeting = _meeting_update(meeting, changes, room_values, conference, notify=notify)
    except BaseException:
        if conference is not None and conference.event_id != meeting.google_event_id:
            _forget_event(meeting.host, conference.event_id)
        raise
    _complete_conference_later(meeting)
    return meeting


def _sync_google_event(
    meeting: Meeting, changes: dict, provider: str
) -> google_meet.Conference | None:
    """Create, move or keep the Google Calendar event of a meeting held on Google Meet."""
    if provider != Meeting.Provider.GOOGLE_MEET:
        return None
    draft = copy.copy(meeting)
    for name, value in changes.items():
        setattr(draft, name, value)
    if meeting.provider != Meeting.Provider.GOOGLE_MEET or not meeting.google_event_id:
        return google_meet.create_event(draft)
    if any(getattr(meeting, name) != changes[name] for name in GOOGLE_EVENT_FIELDS):
        return google_meet.Conference(meeting.google_event_id, google_meet.patch_event(draft))
    return google_meet.Conference(meeting.google_event_id, meeting.external_url)


# What the Google Calendar event shows of a meeting.
GOOGLE_EVENT_FIELDS = ("title", "description", "starts_at", "duration", "timezone")


@transaction.atomic
def _meeting_update(
    meeting: Meeting,
    changes: dict,
    room_values: dict,
    conference: google_meet.Conference | None,
    *,
    notify: bool,
) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    check_editable(meeting)
    changed = {name for name, value in changes.items() if getattr(meeting, name) != value}
    for name, value in {**changes, **room_values}.items():
        setattr(meeting, name, value)
    previous_event = meeting.google_event_id
    if conference is not None:
        _attach_conference(meeting, conference)
    elif meeting.provider != Meeting.Provider.GOOGLE_MEET:
        meeting.google_event_id = ""
    if previous_event and previous_event != meeting.google_event_id:
        _forget_event(meeting.host, previous_event)
    if changed:
        # Everything here reaches invitees' calendars or emails: a new SEQUENCE.
        meeting.sequence += 1
    meeting.full_clean(exclude=["host", "ends_at"])
    meeting.save()
    if changed:
        invitation_services.invitations_meeting_changed(
            meeting=meeting, rescheduled=bool({"starts_at", "duration"} & changed), notify=notify
        )
    return meeting


def _transition(meeting: Meeting, allowed_from: set[str], verb: str) -> Meeting:
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status not in allowed_from:
        raise TransitionError(
            f"This meeting is {locked.get_status_display().lower()} and cannot be {verb}."
        )
    return locked


@transaction.atomic
def meeting_start(*, meeting: Meeting) -> Meeting:
    """Open the meeting: scheduled becomes active; starting an active one is a no-op."""
    meeting = _transition(meeting, {Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE}, "started")
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting.status = Meeting.Status.ACTIVE
        meeting.started_at = timezone.now()
        meeting.save(update_fields=["status", "started_at", "updated_at"])
    return meeting


@transaction.atomic
def meeting_end(*, meeting: Meeting) -> Meeting:
    """Close an active meeting for good; everyone still in it has left."""
    meeting = _transition(meeting, {Meeting.Status.ACTIVE}, "ended")
    meeting.status = Meeting.Status.ENDED
    meeting.ended_at = timezone.now()
    meeting.save(update_fields=["status", "ended_at", "updated_at"])
    attendance_services.attendance_close(meeting=meeting, at=meeting.ended_at)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Call off a meeting that has not ended; anyone already in it has left."""
    meeting = _transition(meeting, {Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE}, "cancelled")
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at = timezone.now()
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    attendance_services.attendance_close(meeting=meeting, at=meeting.cancelled_at)
    invitation_services.invitations_notify_cancel(meeting=meeting)
    # The Meet goes from the host's calendar; the meeting keeps the event's ID as a record.
    _forget_event(meeting.host, meeting.google_event_id)
    return meeting


@transaction.atomic
def meeting_notes_update(*, meeting: Meeting, notes: str) -> Meeting:
    """Keep the host's private notes; nothing else of the meeting changes, whatever its status."""
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"host_notes": f"Keep the notes to {NOTES_MAX_LENGTH:,} characters or fewer."}
        )
    meeting.host_notes = notes
    meeting.updated_at = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(host_notes=notes, updated_at=meeting.updated_at)
    return meeting


@transaction.atomic
def meeting_regenerate_invitation_link(*, meeting: Meeting) -> Meeting:
    """Replace the share link's secret: the old link answers 'not found' from now on."""
    meeting = _transition(
        meeting, {Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE}, "given a new link"
    )
    _save_with_fresh(meeting, "invitation_token", credentials.new_invitation_token)
    return meeting


@transaction.atomic
def meeting_rotate_access_token(*, meeting: Meeting) -> Meeting:
    """Move the meeting to a new video room; old room links and joins stop working."""
    meeting = _transition(
        meeting, {Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE}, "moved to a new room"
    )
    _save_with_fresh(meeting, "access_token", credentials.new_access_token)
    return meeting


# How long after its scheduled end a meeting still open is over, whether or not anyone ended it.
COMPLETE_AFTER = timedelta(hours=2)
# Most meetings one run completes: a backlog (a worker stopped for days) drains run by run.
COMPLETE_BATCH = 1000


@transaction.atomic
def meetings_complete_overdue(*, now: datetime | None = None) -> int:
    """Complete the meetings still open COMPLETE_AFTER their scheduled end; returns how many.

    One in progress ends as meeting_end ends it (everyone still in it leaves now); one never
    started is completed at its scheduled end as a no-show. Three queries however many are
    due, on the index of open meetings by their end. Rows a host is changing at this moment
    are skipped (PostgreSQL), and the next run takes them: nothing waits on a lock, and a
    meeting that starts meanwhile is never marked a no-show. Cancelled and completed
    meetings are never due, so a second run changes nothing.
    """
    now = now or timezone.now()
    due = list(
        Meeting.objects.select_for_update(skip_locked=True)
        .filter(
            status__in=[Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE],
            no_show=False,  # always, for open meetings: the index's condition says it
            ends_at__lte=now - COMPLETE_AFTER,
        )
        .order_by("ends_at")
        .values_list("pk", flat=True)[:COMPLETE_BATCH]
    )
    if not due:
        return 0
    attendance_services.attendance_close_many(meeting_pks=due, at=now)
    started = When(status=Meeting.Status.ACTIVE, then=Value(now))
    never_started = When(status=Meeting.Status.SCHEDULED, then=Value(True))
    # Each SET reads the row as it was: the status before this UPDATE decides.
    return Meeting.objects.filter(pk__in=due).update(
        status=Meeting.Status.ENDED,
        ended_at=Case(started, default=F("ends_at")),
        no_show=Case(never_started, default=Value(False)),
        updated_at=now,
    )
