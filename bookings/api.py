"""The bookings' JSON API, mounted by meetings_site/api.py: a type's free slots, booking one,
and completing a meeting (the host's end and notes, an attendee's rating).

Thin handlers over what the guest's pages and the rating page use: the
selectors of free slots, the forms' checks of the calendar's parameters and of
the guest's answers, bookings.services.booking_create, the booking POSTs'
limit, and the services of ending, notes and ratings.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from accounts.api_auth import caller_or_anonymous
from bookings import forms, links, ratings, selectors, services
from bookings.models import FEEDBACK_MAX, RATING_MAX, RATING_MIN, BookingType
from bookings.throttling import booking_limits
from invitations.tokens import mint_many
from meetings import services as meeting_services
from meetings.access import can_keep_notes, can_manage, member
from meetings.api.paths import MeetingIdPath, meeting_at
from meetings.api.schemas import API_STATUS, ERRORS, Host, StatusName
from meetings.forms import MeetingNotesForm
from meetings.models import NOTES_MAX_LENGTH, Meeting
from meetings_site.api_common import (
    INVALID_INPUT,
    NO_NUL,
    ONE_LINE_NOT_BLANK,
    ApiError,
    ErrorOut,
    form_error,
    link,
    response_links,
    too_many_requests,
)
from meetings_site.limits import attempt_reserve, client_address

router = Router(tags=["bookings"])
# POST /api/meetings/{id}/complete: mounted at /api/meetings beside meetings' own router, since
# the rating it takes lives in bookings, which meetings may not import.
meetings_router = Router(tags=["meetings"])

# The longest range of dates one request of slots may ask for: two months.
SLOT_RANGE_DAYS_MAX = 62
NO_TYPE = "No booking type has this address."
COHOST_REFUSED = (
    "Only the meeting's host completes it: co-hosts keep their notes on the meeting's page."
)
HOST_RATES = "Hosts do not rate their own meetings: attendees do."
NOTES_REFUSED = "Only the meeting's host completes it and keeps its notes: attendees rate it."
NOT_ATTENDED = "Only those who attended the meeting can rate it, and you did not join it."
NOT_ENDED = "The meeting has not ended yet: rate it once it has."


# What the endpoints read and answer.


class SlotsQuery(Schema):
    from_: str = Field(
        alias="from", max_length=10, description="The first date, YYYY-MM-DD, in `timezone`."
    )
    to: str = Field(max_length=10, description="The last date (included), YYYY-MM-DD.")
    timezone: str = Field(max_length=64, description="The guest's IANA zone, e.g. Europe/Paris.")
    duration: int | None = Field(
        None, ge=1, le=24 * 60, description="Minutes; one the type offers (its first by default)."
    )


class Slot(Schema):
    start: datetime
    end: datetime


class SlotsOut(Schema):
    success: bool
    title: str = Field(description="The booking type's title.")
    host: str = Field(description="The host's name.")
    timezone: str
    duration: int
    durations: list[int] = Field(description="The durations the type offers, in minutes.")
    google_unavailable: bool = Field(
        description="Google did not answer: only the busy times the site knows are left out."
    )
    slots: list[Slot] = Field(description="The free starts, in `timezone`, soonest first.")


class BookIn(Schema):
    """The booking form's fields. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="A free start, as /slots gives it (with its offset).")
    duration: int = Field(ge=1, le=24 * 60, description="Minutes; one the type offers.")
    timezone: str = Field(max_length=64, description="The guest's IANA zone.")
    # Patterns and format declared only, so that the booking form answers in its own words.
    name: str = Field(
        max_length=services.NAME_MAX, json_schema_extra={"pattern": ONE_LINE_NOT_BLANK}
    )
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    subject: str = Field(
        "",
        max_length=services.SUBJECT_MAX,
        description="When the type asks.",
        json_schema_extra={"pattern": NO_NUL},
    )
    notes: str = Field(
        "",
        max_length=services.NOTES_MAX,
        description="When the type asks.",
        json_schema_extra={"pattern": NO_NUL},
    )


class BookingOut(Schema):
    id: int = Field(description="The meeting ID as a number.")
    meeting_id: str = Field(description="The meeting ID as people type it: 123-456-789.")
    title: str
    host: Host
    starts_at: datetime
    ends_at: datetime
    duration: int
    timezone: str = Field(description="The guest's zone.")
    status: StatusName
    join_url: str = Field(description="The guest's personal link into the meeting.")
    booking_url: str = Field(description="The guest's page of the booking.")
    reschedule_url: str
    cancel_url: str


class Booked(Schema):
    success: bool
    message: str
    booking: BookingOut


class CompleteIn(Schema):
    """The host's notes, or an attendee's rating. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    notes: str | None = Field(
        None,
        max_length=NOTES_MAX_LENGTH,
        description="The host's private notes (replacing earlier ones); host and staff only.",
        json_schema_extra={"pattern": NO_NUL},
    )
    rating: int | None = Field(
        None, ge=RATING_MIN, le=RATING_MAX, description="An attendee's score, 1 to 5."
    )
    feedback: str | None = Field(
        None,
        max_length=FEEDBACK_MAX,
        description="An attendee's words with the rating.",
        json_schema_extra={"pattern": NO_NUL},
    )


class Completed(Schema):
    success: bool
    message: str
    id: int = Field(description="The meeting ID as a number.")
    meeting_id: str
    status: StatusName
    no_show: bool = Field(description="Completed without ever being started.")
    notes: str | None = Field(description="The host's private notes; null for attendees.")
    rating: int | None = Field(description="Your rating; null for the host.")
    feedback: str | None = Field(description="Your feedback; null for the host.")


# The handlers.


@router.get(
    "/{handle}/{slug}/slots",
    auth=None,
    response={200: SlotsOut, **ERRORS},
    summary="A booking type's free slots",
    openapi_extra=response_links(
        200,
        {
            "BookFirstSlot": link(
                "bookings_api_booking_create",
                "Book the first free start, for the duration and in the zone the slots are in.",
                parameters={"handle": "$request.path.handle", "slug": "$request.path.slug"},
                body={
                    "start": "{$response.body#/slots/0/start}",
                    "duration": "{$response.body#/duration}",
                    "timezone": "{$response.body#/timezone}",
                },
            )
        },
    ),
)
def booking_slots(request, handle: str, slug: str, query: Query[SlotsQuery]):
    """The free starts from `from` to `to` (at most 62 days), in the guest's zone, as the
    booking page offers them. Open to anyone, limited per address."""
    caller_or_anonymous(request)
    booking_type = _bookable(handle, slug)
    fields = {}
    first = _clean(fields, "from", lambda: forms.clean_day(query.from_))
    last = _clean(fields, "to", lambda: forms.clean_day(query.to))
    zone = _clean(fields, "timezone", lambda: forms.clean_zone(query.timezone))
    duration = booking_type.default_duration
    if query.duration is not None:
        duration = _clean(
            fields, "duration", lambda: forms.clean_duration(str(query.duration), booking_type)
        )
    if fields:
        raise ApiError(400, INVALID_INPUT, fields=fields)
    if first > last:
        raise ApiError(400, "`from` is after `to`.", fields={"to": "Give a date on or after from."})
    if (last - first).days + 1 > SLOT_RANGE_DAYS_MAX:
        message = f"Ask for at most {SLOT_RANGE_DAYS_MAX} days at a time."
        raise ApiError(400, message, fields={"to": message})
    found = selectors.range_slots(
        booking_type=booking_type, duration=duration, guest_timezone=zone, first=first, last=last
    )
    length = timedelta(minutes=duration)
    return {
        "success": True,
        "title": booking_type.title,
        "host": booking_type.host.display_name,
        "timezone": zone,
        "duration": duration,
        "durations": booking_type.durations,
        "google_unavailable": found.google_unavailable,
        "slots": [{"start": start, "end": start + length} for start in found.slots],
    }


@router.post(
    "/{handle}/{slug}",
    auth=None,
    response={201: Booked, **ERRORS},
    summary="Book a slot",
)
def booking_create(request, handle: str, slug: str, payload: BookIn):
    """Book a free start as the booking page's form does: the type's questions, the limit on
    booking POSTs per address, 409 when someone just took the time."""
    user = caller_or_anonymous(request)
    booking_type = _bookable(handle, slug)
    # Counted before any other work, as the page's POST is.
    reservation = attempt_reserve(limits=booking_limits(address=client_address(request)))
    if not reservation.granted:
        raise too_many_requests(reservation.retry_after)
    form = forms.GuestBookingForm(_form_data(payload, booking_type), booking_type=booking_type)
    if not form.is_valid():
        raise ApiError(400, INVALID_INPUT, fields=_api_fields(form.errors))
    try:
        made = services.booking_create(
            **form.booking(),
            guest_user=user if user.is_authenticated else None,
        )
    except services.SlotTaken as error:
        message = services.SlotTaken.MESSAGE
        raise ApiError(409, message, fields={"start": message}) from error
    except ValidationError as error:
        fields = _api_fields(error.message_dict) if hasattr(error, "error_dict") else {}
        message = next(iter(fields.values()), None) or " ".join(error.messages)
        raise ApiError(400, message, fields=fields) from error
    return Status(
        201,
        {"success": True, "message": "Booking confirmed", "booking": _booking_out(made)},
    )


# The handlers' steps.


def _bookable(handle: str, slug: str) -> BookingType:
    booking_type = selectors.bookable_type(handle=handle, slug=slug)
    if booking_type is None:
        raise ApiError(404, NO_TYPE)
    return booking_type


def _clean(fields: dict, name: str, clean):
    """The value `clean()` gives, or None with its reason under `name` in `fields`."""
    try:
        return clean()
    except ValidationError as error:
        fields[name] = " ".join(error.messages)
        return None


# The form's and the service's names of the fields, as the API calls them.
_API_NAMES = {
    "guest_name": "name",
    "guest_email": "email",
    "guest_timezone": "timezone",
    "tz": "timezone",
    "starts_at": "start",
}


def _api_fields(errors) -> dict[str, str]:
    return {
        _API_NAMES.get(name, name): " ".join(messages)
        for name, messages in errors.items()
        if name != "__all__"
    }


def _form_data(payload: BookIn, booking_type: BookingType) -> dict:
    """The booking form's POST as the page sends it (its hidden fields carry the slot)."""
    data = {
        "guest_name": payload.name,
        "guest_email": payload.email,
        "start": payload.start.isoformat(),
        "duration": str(payload.duration),
        "tz": payload.timezone,
    }
    not_asked = {}
    for question in ("subject", "notes"):
        if booking_type.asks(question):
            data[question] = getattr(payload, question)
        elif getattr(payload, question):
            not_asked[question] = f"This booking type does not ask for {question}."
    if not_asked:
        raise ApiError(400, INVALID_INPUT, fields=not_asked)
    return data


def _booking_out(made: services.NewBooking) -> dict:
    booking = made.booking
    meeting = booking.meeting
    host = booking.host
    # A personal link of the guest's own, as each invitation email mints one.
    join_token, _ = mint_many([booking.invitation])[booking.invitation_id]
    join_path = reverse("invitations:join", args=[meeting.meeting_id, join_token])
    return {
        "id": meeting.meeting_id,
        "meeting_id": meeting.formatted_meeting_id,
        "title": meeting.title,
        "host": {"name": host.display_name, "email": host.email},
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "duration": booking.duration,
        "timezone": booking.guest_timezone,
        "status": API_STATUS[meeting.status],
        "join_url": settings.SITE_URL + join_path,
        "booking_url": links.booking_url(made.token),
        "reschedule_url": links.reschedule_url(made.token),
        "cancel_url": links.cancel_url(made.token),
    }


@meetings_router.post(
    "/{meeting_id}/complete",
    response={200: Completed, **ERRORS, 410: ErrorOut},
    summary="Complete a meeting: the host's end and notes, or an attendee's rating",
)
def meeting_complete(request, meeting_id: MeetingIdPath, payload: CompleteIn):
    """The host (or staff) ends the meeting, as the room's End button does, and keeps optional
    notes; a meeting already completed just gets its notes. An attendee rates it, 1 to 5 with
    optional feedback, as the rating page does: once each, replaced until 7 days after its end."""
    meeting = meeting_at(request, meeting_id, allowed=_may_complete)
    user = request.user
    if can_manage(user, meeting):
        return _host_complete(meeting, payload)
    if can_keep_notes(user, meeting):
        raise ApiError(403, COHOST_REFUSED)
    return _attendee_rate(meeting, user, payload)


def _may_complete(user, meeting: Meeting) -> bool:
    """Who gets past the lookup: the meeting's members, and whoever attended it (by a share
    link too); anyone else is told it is not theirs, as every meeting endpoint does."""
    return member(user, meeting) or ratings.rater_attendance(meeting=meeting, user=user) is not None


def _host_complete(meeting: Meeting, payload: CompleteIn) -> dict:
    """End the meeting unless it has ended, then keep the notes sent, as the pages' End and
    notes do, at once."""
    sent = payload.model_dump(exclude_unset=True)
    if {"rating", "feedback"} & sent.keys():
        name = "rating" if "rating" in sent else "feedback"
        raise ApiError(400, HOST_RATES, fields={name: HOST_RATES})
    notes = None
    if payload.notes is not None:
        form = MeetingNotesForm({"notes": payload.notes})
        if not form.is_valid():
            raise form_error(form)
        notes = form.cleaned_data["notes"]
    ended = meeting.status == Meeting.Status.ENDED
    try:
        with transaction.atomic():
            if not ended:
                meeting = meeting_services.meeting_end(meeting=meeting)
            if notes is not None:
                meeting = meeting_services.meeting_notes_update(meeting=meeting, notes=notes)
    except meeting_services.TransitionError as error:
        raise ApiError(409, str(error)) from error
    if not ended:
        message = "Meeting completed successfully"
    elif notes is not None:
        message = "The meeting was already completed: its notes are updated"
    else:
        message = "The meeting was already completed"
    return _completed(meeting, message, notes=meeting.host_notes)


def _attendee_rate(meeting: Meeting, user, payload: CompleteIn) -> dict:
    """Rate the meeting as the rating page does, for someone who attended it."""
    if payload.notes is not None:
        raise ApiError(403, NOTES_REFUSED, fields={"notes": NOTES_REFUSED})
    attendance = ratings.rater_attendance(meeting=meeting, user=user)
    if attendance is None:
        raise ApiError(403, NOT_ATTENDED)
    form = forms.RatingForm(
        {
            "score": "" if payload.rating is None else str(payload.rating),
            "feedback": payload.feedback or "",
        }
    )
    if not form.is_valid():
        raise form_error(form, names={"score": "rating"})
    if meeting.status != Meeting.Status.ENDED:
        raise ApiError(409, NOT_ENDED)
    rating = ratings.rating_for_attendance(attendance=attendance, user=user)
    if not ratings.is_open(rating):
        raise ApiError(410, ratings.CLOSED_MESSAGE)
    replacing = rating.score is not None
    try:
        ratings.rating_give(
            rating=rating,
            score=form.cleaned_data["score"],
            feedback=form.cleaned_data["feedback"],
        )
    except ratings.RatingClosed as error:
        raise ApiError(410, ratings.CLOSED_MESSAGE) from error
    message = "Your rating was updated." if replacing else "Thank you for your rating."
    return _completed(meeting, message, rating=rating.score, feedback=rating.feedback)


def _completed(meeting: Meeting, message: str, **mine) -> dict:
    return {
        "success": True,
        "message": message,
        "id": meeting.meeting_id,
        "meeting_id": meeting.formatted_meeting_id,
        "status": API_STATUS[meeting.status],
        "no_show": meeting.no_show,
        "notes": None,
        "rating": None,
        "feedback": None,
    } | mine
