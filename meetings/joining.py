"""The ways into a meeting, one atomic service each: meeting ID and passcode, the share
link, the personal link, a registered member's join, and the host's start.

Each returns a JoinResult that the view turns into a page or JSON; none knows
about requests. The visitor's session is passed in, because it holds who joined
which room: a second join reuses the attendance it names (a reload is one
entry, not two) and the join writes it back, so reading and writing it belong
to the same step. Django saves the session with the response, after the
transaction has committed, and never with a 500.
"""

import enum
from dataclasses import dataclass

from django.db import transaction

from meetings import attendance as attendance_services
from meetings import services, throttling
from meetings.access import (
    Participant,
    can_manage,
    grant_room,
    granted_attendance,
    links_expired,
    live_invitation,
    meeting_by_id,
)
from meetings.credentials import secrets_match
from meetings.models import Attendance, Meeting
from meetings_site.limits import attempt_refund, attempt_reserve


class Outcome(enum.StrEnum):
    ADMITTED = "admitted"  # in the room
    WAITING = "waiting"  # recorded, waiting for the host
    FULL = "full"  # refused: the participant limit is reached
    CLOSED = "closed"  # refused: cancelled or ended (or, for a start, not startable)
    EXPIRED = "expired"  # refused: its links expired, some days after its end
    NOT_FOUND = "not_found"  # no meeting has this ID
    WRONG_PASSCODE = "wrong_passcode"
    THROTTLED = "throttled"  # too many wrong passcodes: not compared at all


@dataclass(frozen=True)
class JoinResult:
    outcome: Outcome
    meeting: Meeting | None = None
    attendance: Attendance | None = None
    # Who entered, for the room's link: the name others see and the role.
    participant: Participant | None = None
    # Why the join was refused, in words (full, closed).
    message: str = ""
    # Seconds until passcodes may be tried again (throttled).
    retry_after: int = 0

    @property
    def entered(self) -> bool:
        return self.outcome in (Outcome.ADMITTED, Outcome.WAITING)


ENDED = "This meeting has ended."
# Why a link into an open meeting cannot be given yet (the page endpoint and the API).
NO_ROOM_YET = "The meeting has no room yet: Google is still setting up its Meet."


def refusal(meeting: Meeting) -> JoinResult | None:
    """Why no way leads into the meeting now, or None while it is open: its links expired
    (access.links_expired), or it was cancelled, or it has ended. The join pages ask before
    showing their form; every join asks again."""
    if links_expired(meeting):
        return JoinResult(Outcome.EXPIRED, meeting, message=ENDED)
    if not meeting.is_joinable:
        cancelled = meeting.status == Meeting.Status.CANCELLED
        return JoinResult(
            Outcome.CLOSED, meeting, message="This meeting was cancelled." if cancelled else ENDED
        )
    return None


def _enter(
    *, meeting: Meeting, display_name: str, way: str, user, session, invitation
) -> JoinResult:
    """Record the entry, admitted or waiting, and remember it in the session. A logged-in
    user's own invitation comes along whichever way they use: it carries their role.

    Every flow ends here, so that the meeting's status, the expiry of its links, the
    waiting room, the wait for the host and the participant limit apply to every way
    in alike.
    """
    refused = refusal(meeting)
    if refused is not None:
        return refused
    is_moderator = can_manage(user, meeting) or bool(invitation and invitation.is_moderator)
    try:
        attendance = attendance_services.attendance_join(
            meeting=meeting,
            display_name=display_name,
            way=way,
            is_moderator=is_moderator,
            user=user,
            invitation=invitation,
            previous=granted_attendance(session, meeting),
        )
    except attendance_services.MeetingFull as error:
        return JoinResult(Outcome.FULL, meeting, message=str(error))
    grant_room(session, meeting, display_name, invitation=invitation, attendance=attendance)
    participant = Participant.entering(
        user, display_name, invitation=invitation, is_moderator=is_moderator
    )
    outcome = Outcome.WAITING if attendance.is_waiting else Outcome.ADMITTED
    return JoinResult(outcome, meeting, attendance, participant)


@transaction.atomic
def passcode_join(
    *, meeting_id: int, passcode: str, display_name: str, user, address: str, session
) -> JoinResult:
    """Meeting ID and passcode: the attempt is counted before the passcode is compared, and
    given back when it was right, so only wrong passcodes use up the limits."""
    meeting = meeting_by_id(meeting_id)
    reservation = attempt_reserve(
        limits=throttling.passcode_limits(meeting=meeting, address=address)
    )
    if not reservation.granted:
        return JoinResult(Outcome.THROTTLED, retry_after=reservation.retry_after)
    if meeting is None:
        return JoinResult(Outcome.NOT_FOUND)
    if not secrets_match(passcode, meeting.passcode):
        return JoinResult(Outcome.WRONG_PASSCODE, meeting)
    attempt_refund(reservation=reservation)
    return _enter(
        meeting=meeting,
        display_name=display_name,
        way=Attendance.Way.MEETING_ID,
        user=user,
        session=session,
        invitation=live_invitation(user, meeting),
    )


@transaction.atomic
def share_link_join(*, meeting: Meeting, display_name: str, user, session) -> JoinResult:
    """The share link: whoever has it needs no passcode, only a name."""
    return _enter(
        meeting=meeting,
        display_name=display_name,
        way=Attendance.Way.SHARE_LINK,
        user=user,
        session=session,
        invitation=live_invitation(user, meeting),
    )


@transaction.atomic
def personal_link_join(*, invitation, display_name: str, user, session) -> JoinResult:
    """A contact's personal link (the invitation its token opened): their role, no passcode."""
    return _enter(
        meeting=invitation.meeting,
        display_name=display_name,
        way=Attendance.Way.PERSONAL_LINK,
        user=user,
        session=session,
        invitation=invitation,
    )


@transaction.atomic
def member_join(*, meeting: Meeting, user, session, invitation=None) -> JoinResult:
    """A logged-in invitee (or the host, or staff) joins under their own name: the Join
    buttons of the meetings pages and the app link. The caller has checked that the
    user may open the meeting (access.meeting_for)."""
    if invitation is None:
        invitation = live_invitation(user, meeting)
    way = Attendance.Way.MEETINGS_PAGE if invitation is not None else Attendance.Way.HOST
    return _enter(
        meeting=meeting,
        display_name=user.display_name,
        way=way,
        user=user,
        session=session,
        invitation=invitation,
    )


def member_session(*, meeting: Meeting | None, user) -> dict:
    """The join state of a caller who keeps no session (a script with an API token): the
    user's open entry into the meeting, so that asking twice is one entry, as a reload is
    on the pages. Nothing is kept of it after the request."""
    session: dict = {}
    if meeting is None:
        return session
    entry = (
        meeting.attendances.select_related("invitation")
        .filter(user=user, left_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if entry is not None:
        grant_room(
            session, meeting, entry.display_name, invitation=entry.invitation, attendance=entry
        )
    return session


@transaction.atomic
def host_start(*, meeting: Meeting, user, session) -> JoinResult:
    """The host opens the meeting and goes in; people waiting only for the host follow.
    The caller has checked that the user manages the meeting."""
    if links_expired(meeting):
        return JoinResult(Outcome.EXPIRED, meeting, message=ENDED)
    try:
        meeting = services.meeting_start(meeting=meeting)
    except services.TransitionError as error:
        return JoinResult(Outcome.CLOSED, meeting, message=str(error))
    attendance_services.attendance_admit_on_start(meeting=meeting)
    return _enter(
        meeting=meeting,
        display_name=user.display_name,
        way=Attendance.Way.HOST,
        user=user,
        session=session,
        invitation=live_invitation(user, meeting),
    )
