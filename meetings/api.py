"""The meetings' JSON API, mounted at /api/meetings by meetings_site/api.py.

Thin handlers over what the pages use: the list's selector, access.py's rules
(including the throttle on failed lookups), the pages' forms for validation,
the services, and joining.py's join flows. A meeting's body is bound to
MeetingForm as the scheduling page would send it, so that every rule of a
meeting's time, length, passcode and room holds in both, with the same words.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from accounts.api_auth import caller_or_anonymous, uses_session
from meetings import joining, rooms, selectors, services
from meetings.access import (
    BOOKED,
    NAME_MAX_LENGTH,
    booked,
    can_manage,
    meeting_by_id,
    meeting_for,
    member,
)
from meetings.credentials import PASSCODE_RE, parse_meeting_id
from meetings.forms import CUSTOM, DEFAULT_DURATION, JoinByIdForm, MeetingForm
from meetings.google_meet import MeetError
from meetings.joining import Outcome
from meetings.models import (
    DURATION_MAX,
    DURATION_MIN,
    PARTICIPANT_LIMIT_MAX,
    PARTICIPANT_LIMIT_MIN,
    Meeting,
)
from meetings_site.api_common import INVALID_INPUT, ApiError, ErrorOut, too_many_requests
from meetings_site.limits import client_address

router = Router(tags=["meetings"])

PER_PAGE = 20
# The API's names of the statuses: the booking document's four words.
API_STATUS = {
    Meeting.Status.SCHEDULED: "scheduled",
    Meeting.Status.ACTIVE: "in-progress",
    Meeting.Status.ENDED: "completed",
    Meeting.Status.CANCELLED: "cancelled",
}
STORED_STATUS = {name: stored for stored, name in API_STATUS.items()}
StatusName = Literal["scheduled", "in-progress", "completed", "cancelled"]
MALFORMED_ID = "A meeting ID is 9 digits, like 123-456-789 or 123456789."
ROOM_FLAGS = ("waiting_room", "join_before_host", "mute_on_join", "allow_name_change")

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
    502: ErrorOut,
}


# What the API answers.


class Host(Schema):
    name: str
    email: str


class MeetingSummary(Schema):
    """A meeting as a list shows it."""

    id: int = Field(description="The meeting ID as a number, as paths accept it.")
    meeting_id: str = Field(description="The meeting ID as people type it: 123-456-789.")
    title: str
    starts_at: datetime
    scheduledAt: datetime = Field(description="The same as starts_at.")
    ends_at: datetime
    duration: int = Field(description="Minutes.")
    status: StatusName
    no_show: bool = Field(description="Completed without ever being started.")
    host: Host
    is_host: bool
    url: str = Field(description="The meeting's page on the site.")
    meetingLink: str | None = Field(
        description="The share link (it carries the passcode); for the host only."
    )


class MeetingDetail(MeetingSummary):
    """A meeting as its page shows it."""

    description: str
    timezone: str
    password: str = Field(description="The passcode.")
    invitation_token: str | None = Field(description="The share link's secret; for managers.")
    can_manage: bool = Field(description="The caller hosts the meeting or is staff.")
    provider: Literal["jitsi", "google_meet", "external"]
    video_call_url: str = Field(description="The call's link on another service; '' for Jitsi.")
    waiting_room: bool
    join_before_host: bool
    mute_on_join: bool
    allow_name_change: bool
    participant_limit: int | None
    created_at: datetime
    updated_at: datetime


class MeetingList(Schema):
    success: bool
    count: int = Field(description="How many meetings match, on all pages.")
    page: int
    pages: int
    meetings: list[MeetingSummary]


class MeetingCreated(Schema):
    """Seed 001's flat answer, with the full meeting beside it."""

    success: bool
    message: str
    meeting_id: str
    title: str
    password: str
    invitation_token: str
    created_at: datetime
    meeting: MeetingDetail


class MeetingOne(Schema):
    success: bool
    meeting: MeetingDetail


class MeetingChanged(Schema):
    success: bool
    message: str
    meeting: MeetingDetail


class MeetingLink(Schema):
    """The caller's own way into the meeting: seed 002's fields and the page endpoint's."""

    success: bool
    booking_id: int = Field(description="The meeting ID as a number, as in the path.")
    meeting_url: str = Field(description="The room when admitted; the waiting page if waiting.")
    display_name: str
    is_admin: bool = Field(description="Whether you moderate the room; as is_moderator.")
    scheduled_at: datetime
    duration: int
    status: StatusName
    meeting_id: str
    is_moderator: bool
    starts_at: datetime
    waiting: bool


class Done(Schema):
    success: bool
    message: str


# What the API reads.


class ListFilters(Schema):
    upcoming: bool | None = Field(
        None, description="true: upcoming only; false: past only; absent: all, upcoming first."
    )
    status: StatusName | None = None
    q: str = Field("", max_length=100, description="Words of the title.")
    page: int = Field(1, ge=1, le=selectors.PAGE_NUMBER_MAX)


class MeetingIn(Schema):
    """A meeting's fields. Unknown fields are refused. On PUT and PATCH, a field left out
    keeps its value."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    subject: str | None = Field(None, max_length=200, description="Another name of title.")
    description: str | None = Field(None, max_length=5000)
    starts_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with an offset; to the minute. Absent on create: now."
    )
    scheduledAt: AwareDatetime | None = Field(None, description="Another name of starts_at.")
    duration: int | None = Field(None, ge=DURATION_MIN, le=DURATION_MAX, description="Minutes.")
    timezone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Paris.")
    passcode: str | None = Field(None, pattern=PASSCODE_RE.pattern)
    provider: Literal["jitsi", "google_meet", "external"] | None = None
    external_url: str | None = Field(None, max_length=500)
    waiting_room: bool | None = None
    join_before_host: bool | None = None
    mute_on_join: bool | None = None
    allow_name_change: bool | None = None
    participant_limit: int | None = Field(None, ge=PARTICIPANT_LIMIT_MIN, le=PARTICIPANT_LIMIT_MAX)
    notify: bool | None = Field(
        None, description="On changes: email the invitees what changed (default true)."
    )


class JoinIn(Schema):
    """Seed 001's join: the meeting ID and its password, and the name others see."""

    model_config = ConfigDict(extra="forbid")

    meeting_id: str | int = Field(description="123-456-789, 123456789 or the number.")
    password: str = Field(max_length=10, description="The meeting's passcode.")
    name: str | None = Field(
        None,
        max_length=NAME_MAX_LENGTH,
        description="Required without authentication; else your display name by default.",
    )


# Handlers.


@router.get("", response={200: MeetingList, **ERRORS}, summary="Your meetings")
def meeting_list(request, filters: Query[ListFilters]):
    """The meetings you host or are invited to, upcoming first, 20 a page."""
    return _list(request, filters, hosted_only=False)


@router.get("/my-meetings", response={200: MeetingList, **ERRORS}, summary="Meetings you host")
def meeting_list_hosted(request, filters: Query[ListFilters]):
    """The meetings you host, as GET /api/meetings lists them."""
    return _list(request, filters, hosted_only=True)


@router.post("/create", response={201: MeetingCreated, **ERRORS}, summary="Create a meeting")
def meeting_create(request, payload: MeetingIn):
    """Schedule a meeting; a title alone starts one now, for an hour."""
    return _create(request, payload)


@router.post("", response={201: MeetingCreated, **ERRORS}, summary="Create a meeting")
def meeting_create_post(request, payload: MeetingIn):
    """The same as POST /api/meetings/create."""
    return _create(request, payload)


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
        names = {"passcode": "password"}
        fields = {names.get(name, name): errors[0] for name, errors in form.errors.items()}
        raise ApiError(400, INVALID_INPUT, fields=fields)
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
    return _entry(result)


@router.get("/{meeting_id}", response={200: MeetingOne, **ERRORS}, summary="One meeting")
def meeting_detail(request, meeting_id: str):
    """A meeting you host, are invited to or (staff) any meeting."""
    meeting = _meeting(request, meeting_id, allowed=member)
    return {"success": True, "meeting": _detail(meeting, request.user)}


@router.get(
    "/{meeting_id}/link", response={200: MeetingLink, **ERRORS}, summary="Your link into a meeting"
)
def meeting_link(request, meeting_id: str):
    """Join a meeting you host, are invited to or (staff) any: records your entry as the
    meeting pages' Join button does, and answers with your room link or the waiting page."""
    meeting = _meeting(request, meeting_id, allowed=member)
    if joining.refusal(meeting) is None and not meeting.room_is_ready:
        raise ApiError(404, joining.NO_ROOM_YET)
    user = request.user
    result = joining.member_join(
        meeting=meeting, user=user, session=_join_session(request, user, meeting)
    )
    if not result.entered:
        raise ApiError(404, f"Meeting link not available. {result.message}")
    return _entry(result)


def _default_name(user) -> str:
    return user.display_name if user.is_authenticated else ""


def _join_session(request, user, meeting: Meeting | None):
    """Where a join keeps who came in: the session, for the site's pages and anonymous
    visitors; for a token, which keeps none, what joining.member_session rebuilds."""
    if uses_session(request):
        return request.session
    return joining.member_session(meeting=meeting, user=user)


def _entry(result: joining.JoinResult) -> dict:
    """Where an admitted or waiting caller goes: the link endpoint's fields."""
    meeting = result.meeting
    waiting = result.outcome == Outcome.WAITING
    if waiting:
        url = settings.SITE_URL + reverse("meetings:waiting", args=[meeting.meeting_id])
    elif not meeting.room_is_ready:
        # The room page says that Google is still setting the Meet up, and opens it when ready.
        url = settings.SITE_URL + reverse("meetings:room", args=[meeting.meeting_id])
    else:
        url = rooms.room_url(meeting, result.participant)
    moderates = result.participant.is_moderator
    return {
        "success": True,
        "booking_id": meeting.meeting_id,
        "meeting_url": url,
        "display_name": result.participant.display_name,
        "is_admin": moderates,
        "scheduled_at": meeting.starts_at,
        "duration": meeting.duration,
        "status": API_STATUS[meeting.status],
        "meeting_id": meeting.formatted_meeting_id,
        "is_moderator": moderates,
        "starts_at": meeting.starts_at,
        "waiting": waiting,
    }


@router.post(
    "/{meeting_id}/join",
    response={200: MeetingLink, **ERRORS, 410: ErrorOut},
    summary="Join (or, as its host, start) a meeting",
)
def meeting_join(request, meeting_id: str):
    """The meetings pages' Start and Join buttons: the host (or staff) starts the meeting and
    goes in, as Start does; an invitee joins, as Join does. Answers as /link does."""
    meeting = _meeting(request, meeting_id, allowed=member)
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
    return _entry(result)


@router.api_operation(
    ["PUT", "PATCH"],
    "/{meeting_id}",
    response={200: MeetingChanged, **ERRORS},
    summary="Change a meeting",
)
def meeting_update(request, meeting_id: str, payload: MeetingIn):
    """Edit or reschedule a meeting you host that has not started; invitees hear of it."""
    meeting = _changeable(request, meeting_id)
    try:
        services.check_editable(meeting)
    except services.TransitionError as error:
        raise ApiError(409, str(error)) from error
    form, start_name = _bound_form(payload, user=request.user, meeting=meeting)
    data = _cleaned(form, start_name)
    values = _service_values(form)
    if payload.starts_at is None and payload.scheduledAt is None:
        # The form reads the start to the minute; one not sent stays exactly as it was.
        values["starts_at"] = meeting.starts_at
    meeting = _save(
        start_name,
        lambda: services.meeting_update(meeting=meeting, notify=data["notify"], **values),
    )
    return {
        "success": True,
        "message": "Meeting updated successfully",
        "meeting": _detail(meeting, request.user),
    }


@router.delete("/{meeting_id}", response={200: Done, **ERRORS}, summary="Cancel a meeting")
def meeting_cancel(request, meeting_id: str):
    """Cancel a meeting you host that has not ended; invitees get a cancellation."""
    meeting = _changeable(request, meeting_id)
    try:
        services.meeting_cancel(meeting=meeting)
    except services.TransitionError as error:
        raise ApiError(409, str(error)) from error
    return {"success": True, "message": "Meeting cancelled successfully"}


# The handlers' steps.


def _list(request, filters: ListFilters, *, hosted_only: bool) -> dict:
    when = {None: "all", True: "upcoming", False: "past"}[filters.upcoming]
    page = selectors.meeting_list_page(
        user=request.user,
        when=when,
        status=STORED_STATUS[filters.status] if filters.status else "",
        search=filters.q,
        number=filters.page,
        per_page=PER_PAGE,
        hosted_only=hosted_only,
    )
    return {
        "success": True,
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "meetings": [_summary(meeting, request.user) for meeting in page],
    }


def _create(request, payload: MeetingIn):
    form, start_name = _bound_form(payload, user=request.user, meeting=None)
    _cleaned(form, start_name)
    meeting = _save(
        start_name, lambda: services.meeting_create(host=request.user, **_service_values(form))
    )
    return Status(
        201,
        {
            "success": True,
            "message": "Meeting created successfully",
            "meeting_id": meeting.formatted_meeting_id,
            "title": meeting.title,
            "password": meeting.passcode,
            "invitation_token": meeting.invitation_token,
            "created_at": meeting.created_at,
            "meeting": _detail(meeting, request.user),
        },
    )


def _meeting(request, raw_id: str, *, allowed) -> Meeting:
    """The meeting of the path's ID, under the pages' rules: 400, 404, 403, or 429."""
    meeting_id = parse_meeting_id(raw_id)
    if meeting_id is None:
        raise ApiError(400, MALFORMED_ID, fields={"meeting_id": MALFORMED_ID})
    return meeting_for(request, meeting_id, allowed=allowed)


def _changeable(request, raw_id: str) -> Meeting:
    """A meeting the caller manages and that no guest's booking holds."""
    meeting = _meeting(request, raw_id, allowed=can_manage)
    if booked(meeting):
        raise ApiError(409, BOOKED)
    return meeting


def _bound_form(payload: MeetingIn, *, user, meeting: Meeting | None):
    """MeetingForm bound as the scheduling page would post it, and the name the client
    gave the start (starts_at or scheduledAt), to put its errors under."""
    sent = payload.model_dump(exclude_unset=True)
    start_name = "scheduledAt" if "scheduledAt" in sent else "starts_at"
    values = _current(meeting, user)
    if "subject" in sent and "title" not in sent:
        sent["title"] = sent["subject"]
    if "scheduledAt" in sent:
        sent["starts_at"] = sent["scheduledAt"]
    # null is "not given", except for the participant limit, where it means none.
    values.update(
        {
            name: value
            for name, value in sent.items()
            if name in values and (value is not None or name == "participant_limit")
        }
    )
    data = {
        "title": values["title"] or "",
        "description": values["description"] or "",
        "timezone": values["timezone"] or "",
        "duration_preset": CUSTOM,
        "duration_custom": "" if values["duration"] is None else str(values["duration"]),
        "passcode": values["passcode"] or "",
        "provider": values["provider"] or "",
        "external_url": values["external_url"] or "",
        "participant_limit": (
            "" if values["participant_limit"] is None else str(values["participant_limit"])
        ),
        **{flag: "on" for flag in ROOM_FLAGS if values[flag]},
        **_local_start(values["starts_at"], values["timezone"]),
    }
    if meeting is not None:
        data["notify"] = "no" if sent.get("notify") is False else "yes"
    return MeetingForm(data, instance=meeting, user=user), start_name


def _current(meeting: Meeting | None, user) -> dict:
    """What a field left out of the body means: the meeting's value, or a new one's default."""
    if meeting is None:
        room = services.RoomSettings()
        return {
            "title": None,
            "description": "",
            "starts_at": timezone.now().replace(second=0, microsecond=0),
            "duration": DEFAULT_DURATION,
            "timezone": user.timezone,
            "passcode": "",
            "provider": "",
            "external_url": "",
            "participant_limit": room.participant_limit,
            **{flag: getattr(room, flag) for flag in ROOM_FLAGS},
        }
    names = ("title", "description", "starts_at", "duration", "timezone", "passcode", "provider")
    return {
        **{name: getattr(meeting, name) for name in names},
        "external_url": meeting.external_url,
        "participant_limit": meeting.participant_limit,
        **{flag: getattr(meeting, flag) for flag in ROOM_FLAGS},
    }


def _local_start(starts_at: datetime, zone_name: str) -> dict:
    """The start as the form's date and time fields in the meeting's zone.

    A zone the form will refuse, and a date too far ahead to convert, stay in
    UTC: the form then says what is wrong with them.
    """
    try:
        local = starts_at.astimezone(zoneinfo.ZoneInfo(zone_name))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, OverflowError):
        local = starts_at.astimezone(UTC)
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}


# The form's fields, by the name the API gives them.
_FORM_FIELDS = {"duration_preset": "duration", "duration_custom": "duration"}


def _cleaned(form: MeetingForm, start_name: str) -> dict:
    """The form's cleaned data, or ApiError 400 with each field's first reason."""
    if form.is_valid():
        return form.cleaned_data
    fields, general = {}, []
    for name, errors in form.errors.items():
        if name == "__all__":
            general += errors
            continue
        api_name = start_name if name in ("date", "time") else _FORM_FIELDS.get(name, name)
        fields.setdefault(api_name, errors[0])
    raise ApiError(400, general[0] if general else INVALID_INPUT, fields=fields)


def _service_values(form: MeetingForm) -> dict:
    """The services' arguments from a valid form, as the scheduling page passes them."""
    data = form.cleaned_data
    values = {name: data[name] for name in ("title", "description", "starts_at", "duration")}
    values.update(passcode=data["passcode"], timezone_name=data["timezone"])
    values["room"] = form.room_settings()
    return values


def _save(start_name: str, save) -> Meeting:
    """Run a service; its refusals as 400 (a field), 409 (the meeting's state) or 502 (Google)."""
    try:
        return save()
    except services.TransitionError as error:
        raise ApiError(409, str(error)) from error
    except ValidationError as error:
        reasons = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        fields = {
            (start_name if name == "starts_at" else name): messages[0]
            for name, messages in reasons.items()
            if name and name != "__all__"
        }
        general = reasons.get("__all__") or reasons.get("")
        raise ApiError(400, general[0] if general else INVALID_INPUT, fields=fields) from error
    except MeetError as error:
        raise ApiError(502, str(error), fields={"provider": str(error)}) from error


def _summary(meeting: Meeting, user) -> dict:
    """A list's row. Reads only the list's fields (selectors.LIST_FIELDS): no query per row."""
    is_host = meeting.host_id == user.pk
    return {
        "id": meeting.meeting_id,
        "meeting_id": meeting.formatted_meeting_id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "scheduledAt": meeting.starts_at,
        "ends_at": meeting.starts_at + timedelta(minutes=meeting.duration),
        "duration": meeting.duration,
        "status": API_STATUS[meeting.status],
        "no_show": meeting.no_show,
        "host": {"name": meeting.host.display_name, "email": meeting.host.email},
        "is_host": is_host,
        "url": settings.SITE_URL + meeting.get_absolute_url(),
        "meetingLink": meeting.share_url if is_host else None,
    }


def _detail(meeting: Meeting, user) -> dict:
    manages = can_manage(user, meeting)
    return {
        **_summary(meeting, user),
        # Whoever manages the meeting shares it; staff see the link as the host does.
        "meetingLink": meeting.share_url if manages else None,
        "description": meeting.description,
        "timezone": meeting.timezone,
        "password": meeting.passcode,
        "invitation_token": meeting.invitation_token if manages else None,
        "can_manage": manages,
        "provider": meeting.provider,
        "video_call_url": meeting.video_call_url,
        "waiting_room": meeting.waiting_room,
        "join_before_host": meeting.join_before_host,
        "mute_on_join": meeting.mute_on_join,
        "allow_name_change": meeting.allow_name_change,
        "participant_limit": meeting.participant_limit,
        "created_at": meeting.created_at,
        "updated_at": meeting.updated_at,
    }
