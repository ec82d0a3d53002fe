"""Meetings through the API: list, read, create, change, cancel.

A meeting's body is bound to MeetingForm as the scheduling page would send it,
so that every rule of a meeting's time, length, passcode and room holds in
both, with the same words; the services then write it as the page's do.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Status

from meetings import selectors, services
from meetings.access import BOOKED, booked, can_manage, member
from meetings.api import router
from meetings.api.paths import MeetingIdPath, meeting_at
from meetings.api.schemas import (
    API_STATUS,
    CHANGED_LINKS,
    CREATED_LINKS,
    ERRORS,
    STORED_STATUS,
    Done,
    ListFilters,
    MeetingChanged,
    MeetingCreated,
    MeetingIn,
    MeetingList,
    MeetingNew,
    MeetingOne,
)
from meetings.forms import CUSTOM, DEFAULT_DURATION, MeetingForm
from meetings.google_meet import MeetError
from meetings.models import Meeting
from meetings_site.api_common import INVALID_INPUT, ApiError, response_links

PER_PAGE = 20
ROOM_FLAGS = ("waiting_room", "join_before_host", "mute_on_join", "allow_name_change")


@router.get("", response={200: MeetingList, **ERRORS}, summary="Your meetings")
def meeting_list(request, filters: Query[ListFilters]):
    """The meetings you host or are invited to, upcoming first, 20 a page."""
    return _list(request, filters, hosted_only=False)


@router.get("/my-meetings", response={200: MeetingList, **ERRORS}, summary="Meetings you host")
def meeting_list_hosted(request, filters: Query[ListFilters]):
    """The meetings you host, as GET /api/meetings lists them."""
    return _list(request, filters, hosted_only=True)


@router.post(
    "/create",
    response={201: MeetingCreated, **ERRORS},
    summary="Create a meeting",
    openapi_extra=response_links(201, CREATED_LINKS),
)
def meeting_create(request, payload: MeetingNew):
    """Schedule a meeting; a title alone starts one now, for an hour."""
    return _create(request, payload)


@router.post(
    "",
    response={201: MeetingCreated, **ERRORS},
    summary="Create a meeting",
    openapi_extra=response_links(201, CREATED_LINKS),
)
def meeting_create_post(request, payload: MeetingNew):
    """The same as POST /api/meetings/create."""
    return _create(request, payload)


@router.get("/{meeting_id}", response={200: MeetingOne, **ERRORS}, summary="One meeting")
def meeting_detail(request, meeting_id: MeetingIdPath):
    """A meeting you host, are invited to or (staff) any meeting."""
    meeting = meeting_at(request, meeting_id, allowed=member)
    return {"success": True, "meeting": _detail(meeting, request.user)}


@router.put(
    "/{meeting_id}",
    response={200: MeetingChanged, **ERRORS},
    summary="Change a meeting",
    openapi_extra=response_links(200, CHANGED_LINKS),
)
def meeting_update(request, meeting_id: MeetingIdPath, payload: MeetingIn):
    """Edit or reschedule a meeting you host that has not started; invitees hear of it."""
    return _update(request, meeting_id, payload)


# PUT and PATCH are one change (a field left out keeps its value), declared as two operations
# because an operationId names one operation only.
@router.patch(
    "/{meeting_id}",
    response={200: MeetingChanged, **ERRORS},
    summary="Change a meeting",
    openapi_extra=response_links(200, CHANGED_LINKS),
)
def meeting_patch(request, meeting_id: MeetingIdPath, payload: MeetingIn):
    """The same as PUT /api/meetings/{meeting_id}."""
    return _update(request, meeting_id, payload)


@router.delete("/{meeting_id}", response={200: Done, **ERRORS}, summary="Cancel a meeting")
def meeting_cancel(request, meeting_id: MeetingIdPath):
    """Cancel a meeting you host that has not ended; invitees get a cancellation."""
    meeting = _changeable(request, meeting_id)
    try:
        services.meeting_cancel(meeting=meeting)
    except services.TransitionError as error:
        raise ApiError(409, str(error)) from error
    return {"success": True, "message": "Meeting cancelled successfully"}


# The handlers' steps.


def _update(request, meeting_id: str, payload: MeetingIn) -> dict:
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


def _changeable(request, raw_id: str) -> Meeting:
    """A meeting the caller manages and that no guest's booking holds."""
    meeting = meeting_at(request, raw_id, allowed=can_manage)
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
        # A call held elsewhere is reached through the join flows (passcode, waiting room);
        # only those who manage the meeting see its address, as on the meeting page.
        "video_call_url": meeting.video_call_url if manages else None,
        "waiting_room": meeting.waiting_room,
        "join_before_host": meeting.join_before_host,
        "mute_on_join": meeting.mute_on_join,
        "allow_name_change": meeting.allow_name_change,
        "participant_limit": meeting.participant_limit,
        "created_at": meeting.created_at,
        "updated_at": meeting.updated_at,
    }
