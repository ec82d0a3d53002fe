"""Who may open a meeting's pages, who has come through a join flow, and with which role."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from meetings import throttling
from meetings.models import Meeting
from meetings_site.limits import attempt_reserve, client_address

_SESSION_KEY = "joined_meetings"
NAME_MAX_LENGTH = 80
NO_PERMISSION = "You don't have permission to access this meeting"


def _room_fingerprint(meeting: Meeting) -> str:
    # Tied to the access token, so that rotating it sends everyone back to the join page.
    return hashlib.sha256(meeting.access_token.encode()).hexdigest()[:16]


def grant_room(
    session, meeting: Meeting, display_name: str, *, invitation=None, attendance=None
) -> None:
    """Remember in the session that this visitor joined: name, invitation, attendance."""
    joined = dict(session.get(_SESSION_KEY, {}))
    joined[str(meeting.meeting_id)] = {
        "name": display_name,
        "room": _room_fingerprint(meeting),
        "invitation": invitation.pk if invitation is not None else None,
        "attendance": attendance.pk if attendance is not None else None,
    }
    session[_SESSION_KEY] = joined


@dataclass(frozen=True)
class Grant:
    name: str
    invitation_id: int | None
    attendance_id: int | None = None


def room_grant(session, meeting: Meeting) -> Grant | None:
    """How someone came in through a join flow for this room, if they did."""
    grant = session.get(_SESSION_KEY, {}).get(str(meeting.meeting_id))
    if grant and grant.get("room") == _room_fingerprint(meeting):
        return Grant(grant.get("name", ""), grant.get("invitation"), grant.get("attendance"))
    return None


def granted_attendance(session, meeting: Meeting):
    """This visitor's attendance record of the meeting, if their join was recorded."""
    grant = room_grant(session, meeting)
    if grant is None or not grant.attendance_id:
        return None
    return meeting.attendances.filter(pk=grant.attendance_id).first()


def links_expired(meeting: Meeting) -> bool:
    """Whether the meeting's links stopped working: MEETING_LINKS_EXPIRE_DAYS after its
    scheduled end. A cancelled meeting's links keep saying that it was cancelled."""
    if meeting.status == Meeting.Status.CANCELLED:
        return False
    # Counted back from now: the end of a meeting near year 9999 plus days would overflow.
    return meeting.ends_at <= timezone.now() - timedelta(days=settings.MEETING_LINKS_EXPIRE_DAYS)


BOOKED = (
    "This meeting was booked through your booking page: move or cancel the booking, "
    "so that the guest is told and the time is freed."
)


def booked(meeting: Meeting) -> bool:
    """Whether a guest's live booking holds the meeting; its changes then go through the booking
    (the pages and the API refuse to edit or cancel it).

    The booking is read through the relation bookings/ declares, by name, since
    meetings imports nothing of bookings (docs/architecture.md).
    """
    booking = getattr(meeting, "booking", None)
    return booking is not None and booking.status == "confirmed"


def can_manage(user, meeting: Meeting) -> bool:
    return user.is_authenticated and (meeting.host_id == user.pk or user.is_staff)


def can_keep_notes(user, meeting: Meeting) -> bool:
    """Who reads and writes the meeting's private notes: its managers and co-hosts."""
    if can_manage(user, meeting):
        return True
    invitation = live_invitation(user, meeting)
    return invitation is not None and invitation.is_moderator


def live_invitation(user, meeting: Meeting):
    """The user's own live invitation to the meeting, if any."""
    if not user.is_authenticated:
        return None
    return meeting.invitations.filter(user=user, revoked_at__isnull=True).first()


@dataclass(frozen=True)
class Participant:
    """Someone entering the room: the name others see and whether they moderate."""

    display_name: str
    is_moderator: bool
    user_id: int | None = None
    email: str = ""
    invitation_id: int | None = None

    @classmethod
    def entering(cls, user, display_name: str, *, invitation, is_moderator: bool):
        """Someone who came in under `display_name`, by their account or an invitation."""
        return cls(
            display_name,
            is_moderator,
            user.pk if user.is_authenticated else None,
            invitation.email if invitation else getattr(user, "email", ""),
            invitation.pk if invitation else None,
        )


def member(user, meeting: Meeting) -> bool:
    """Whether the meeting is a logged-in user's own: they host it, are staff or are invited."""
    return can_manage(user, meeting) or live_invitation(user, meeting) is not None


def participant_in(request, meeting: Meeting) -> Participant | None:
    """Who this request is in the meeting's room, or None if they have not come in.

    The host and staff moderate; an invitation can make its invitee a co-host
    (by their account or by the personal link they used); everyone else who
    came through a join flow attends, under the name they confirmed.
    """
    user = request.user
    grant = room_grant(request.session, meeting)
    if can_manage(user, meeting):
        return Participant(grant.name if grant else user.display_name, True, user.pk, user.email)
    if grant is None:
        return None
    invitation = live_invitation(user, meeting)
    if invitation is None and grant.invitation_id:
        invitation = meeting.invitations.filter(
            pk=grant.invitation_id, revoked_at__isnull=True
        ).first()
    is_moderator = invitation is not None and invitation.is_moderator
    return Participant.entering(user, grant.name, invitation=invitation, is_moderator=is_moderator)


def meeting_by_id(meeting_id: int) -> Meeting | None:
    """The meeting of a 9-digit ID with its host: every lookup of a meeting by its ID."""
    # get(), not first(): the ID is unique, and first() would sort by the default ordering.
    try:
        return Meeting.objects.select_related("host").get(meeting_id=meeting_id)
    except Meeting.DoesNotExist:
        return None


def meeting_for(request, meeting_id: int, *, allowed: Callable | None = None) -> Meeting:
    """The meeting a page opens by its ID: 404 if there is none, 403 if `allowed(user, meeting)`
    says no.

    Both answers are kept (the personal link's specification asks for them), so
    they tell existing IDs from unused ones: failed lookups count per user and
    per client address, and past the limit every failed one answers 429. A
    lookup that succeeds is never refused, since it reveals nothing, so a host
    behind a busy shared address keeps their own meetings. The count is the
    limiter's bookkeeping, so a GET may write it: it changes nothing anyone sees.
    """
    meeting = meeting_by_id(meeting_id)
    if meeting is None:
        _lookup_failed(request)
        raise Http404("Meeting not found")
    if allowed is not None and not allowed(request.user, meeting):
        _lookup_failed(request)
        raise PermissionDenied(NO_PERMISSION)
    return meeting


def _lookup_failed(request) -> None:
    limits = throttling.lookup_limits(user=request.user, address=client_address(request))
    reservation = attempt_reserve(limits=limits)
    if not reservation.granted:
        raise throttling.Throttled(reservation.retry_after)


def get_manageable_meeting(request, meeting_id: int) -> Meeting:
    """The meeting if the user hosts it (or is staff): 404 if it does not exist, else 403."""
    return meeting_for(request, meeting_id, allowed=can_manage)
