"""Who may open a meeting's pages, and who has come through a join flow."""

import hashlib

from django.http import Http404

from meetings.models import Meeting

_SESSION_KEY = "joined_meetings"
NAME_MAX_LENGTH = 80


def _room_fingerprint(meeting: Meeting) -> str:
    # Tied to the access token, so that rotating it sends everyone back to the join page.
    return hashlib.sha256(meeting.access_token.encode()).hexdigest()[:16]


def grant_room(request, meeting: Meeting, display_name: str) -> None:
    """Remember in the session that this visitor joined, and under which name."""
    joined = dict(request.session.get(_SESSION_KEY, {}))
    joined[str(meeting.meeting_id)] = {"name": display_name, "room": _room_fingerprint(meeting)}
    request.session[_SESSION_KEY] = joined


def room_grant_name(request, meeting: Meeting) -> str | None:
    """The name someone joined under, if they came through a join flow for this room."""
    grant = request.session.get(_SESSION_KEY, {}).get(str(meeting.meeting_id))
    if grant and grant.get("room") == _room_fingerprint(meeting):
        return grant.get("name")
    return None


def can_manage(user, meeting: Meeting) -> bool:
    return user.is_authenticated and (meeting.host_id == user.pk or user.is_staff)


def get_manageable_meeting(request, meeting_id: int) -> Meeting:
    """The meeting if the user hosts it (or is staff); 404 otherwise, as if it did not exist."""
    try:
        meeting = Meeting.objects.select_related("host").get(meeting_id=meeting_id)
    except Meeting.DoesNotExist:
        raise Http404("Meeting not found") from None
    if not can_manage(request.user, meeting):
        raise Http404("Meeting not found")
    return meeting
