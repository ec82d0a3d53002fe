"""The ways into a meeting through the API, each the service of a page: joining.py's flows."""

from accounts.api_auth import caller_or_anonymous, uses_session
from meetings import joining
from meetings.access import can_manage, meeting_by_id, member
from meetings.api import router
from meetings.api.paths import MeetingIdPath, meeting_at
from meetings.api.schemas import ERRORS, JOINED_LINKS, JoinIn, MeetingLink
from meetings.forms import JoinByIdForm
from meetings.joining import Outcome
from meetings.links import link_fields
from meetings.models import Meeting
from meetings_site.api_common import (
    ApiError,
    ErrorOut,
    form_error,
    response_links,
    too_many_requests,
)
from meetings_site.limits import client_address


@router.post(
    "/join",
    auth=None,
    response={200: MeetingLink, **ERRORS, 410: ErrorOut},
    summary="Join by meeting ID and password",
)
def meeting_join_by_id(request, payload: JoinIn):
    """Open to anyone with the meeting ID and password, as the home page's form is; the same
    limits on wrong passwords, and the room link or the waiting page as it gives."""
    user = caller_or_anonymous(request)
    form = JoinByIdForm(
        {
            "meeting_id": str(payload.meeting_id),
            "passcode": payload.password,
            "name": payload.name if payload.name is not None else _default_name(user),
        }
    )
    if not form.is_valid():
        raise form_error(form, {"passcode": "password"})
    data = form.cleaned_data
    result = joining.passcode_join(
        meeting_id=data["meeting_id"],
        passcode=data["passcode"],
        display_name=data["name"],
        user=user,
        address=client_address(request),
        session=_join_session(
            request,
            user,
            None if uses_session(request) else meeting_by_id(data["meeting_id"]),
        ),
    )
    if result.outcome == Outcome.THROTTLED:
        raise too_many_requests(result.retry_after)
    if result.outcome == Outcome.NOT_FOUND:
        raise ApiError(
            404, "Meeting room not found", fields={"meeting_id": "Meeting room not found"}
        )
    if result.outcome == Outcome.WRONG_PASSCODE:
        message = "Incorrect meeting password"
        raise ApiError(403, message, fields={"password": message})
    if result.outcome == Outcome.FULL:
        raise ApiError(409, result.message)
    if not result.entered:  # closed or expired, as the join page answers them
        raise ApiError(410, result.message)
    return link_fields(result)


@router.get(
    "/{meeting_id}/link", response={200: MeetingLink, **ERRORS}, summary="Your link into a meeting"
)
def meeting_link(request, meeting_id: MeetingIdPath):
    """Join a meeting you host, are invited to or (staff) any: records your entry as the
    meeting pages' Join button does, and answers with your room link or the waiting page."""
    meeting = meeting_at(request, meeting_id, allowed=member)
    if joining.refusal(meeting) is None and not meeting.room_is_ready:
        raise ApiError(404, joining.NO_ROOM_YET)
    user = request.user
    result = joining.member_join(
        meeting=meeting, user=user, session=_join_session(request, user, meeting)
    )
    if not result.entered:
        raise ApiError(404, f"Meeting link not available. {result.message}")
    return link_fields(result)


@router.post(
    "/{meeting_id}/join",
    response={200: MeetingLink, **ERRORS, 410: ErrorOut},
    summary="Join (or, as its host, start) a meeting",
    openapi_extra=response_links(200, JOINED_LINKS),
)
def meeting_join(request, meeting_id: MeetingIdPath):
    """The meetings pages' Start and Join buttons: the host (or staff) starts the meeting and
    goes in, as Start does; an invitee joins, as Join does. Answers as /link does."""
    meeting = meeting_at(request, meeting_id, allowed=member)
    user = request.user
    session = _join_session(request, user, meeting)
    if can_manage(user, meeting):
        result = joining.host_start(meeting=meeting, user=user, session=session)
        if result.outcome in (Outcome.CLOSED, Outcome.EXPIRED):
            raise ApiError(409, result.message)  # the host's page refuses with 409
    else:
        result = joining.member_join(meeting=meeting, user=user, session=session)
    if result.outcome == Outcome.FULL:
        raise ApiError(409, result.message)
    if not result.entered:  # closed or expired, as the join pages answer them
        raise ApiError(410, result.message)
    return link_fields(result)


def _default_name(user) -> str:
    return user.display_name if user.is_authenticated else ""


def _join_session(request, user, meeting: Meeting | None):
    """Where a join keeps who came in: the session, for the site's pages and anonymous
    visitors; for a token, which keeps none, what joining.member_session rebuilds."""
    if uses_session(request):
        return request.session
    return joining.member_session(meeting=meeting, user=user)
