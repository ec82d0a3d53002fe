"""What the meetings' endpoints read and answer, in the names the founding documents use."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from meetings import selectors
from meetings.access import NAME_MAX_LENGTH
from meetings.api.paths import MEETING_ID_PATTERN
from meetings.credentials import MEETING_ID_MAX, MEETING_ID_MIN, PASSCODE_RE
from meetings.links import API_STATUS
from meetings.models import (
    DURATION_MAX,
    DURATION_MIN,
    PARTICIPANT_LIMIT_MAX,
    PARTICIPANT_LIMIT_MIN,
)
from meetings_site.api_common import NO_NUL, NOT_BLANK, NOT_BLANK_TEXT, ErrorOut, link

STORED_STATUS = {name: stored for stored, name in API_STATUS.items()}
StatusName = Literal["scheduled", "in-progress", "completed", "cancelled"]

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
    video_call_url: str | None = Field(
        description="The call's link on another service; '' for Jitsi; null unless you manage it."
    )
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


def _declared(**schema):
    """A field's JSON Schema beside its type, for rules the page's form checks in its own words
    (as paths.MeetingIdPath declares its pattern)."""
    return {"json_schema_extra": schema}


# A meeting's title is not blank; on create, a title is required (or `subject`, its other name,
# when no title is sent), and when `subject` stands for an unsent title it is not blank either.
_TITLE_FROM_SUBJECT = {
    "anyOf": [
        {"required": ["title"]},
        {"properties": {"subject": {"anyOf": [{"type": "null"}, {"pattern": NOT_BLANK_TEXT}]}}},
    ]
}
_TITLE_REQUIRED = {
    "anyOf": [
        {"required": ["title"], "properties": {"title": {"type": "string"}}},
        {
            "required": ["subject"],
            "not": {"required": ["title"]},
            "properties": {"subject": {"type": "string", "pattern": NOT_BLANK_TEXT}},
        },
    ]
}


class MeetingIn(Schema):
    """A meeting's fields. Unknown fields are refused. On PUT and PATCH, a field left out
    keeps its value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_TITLE_FROM_SUBJECT)

    title: str | None = Field(None, max_length=200, **_declared(pattern=NOT_BLANK_TEXT))
    subject: str | None = Field(
        None, max_length=200, description="Another name of title.", **_declared(pattern=NO_NUL)
    )
    description: str | None = Field(None, max_length=5000, **_declared(pattern=NO_NUL))
    starts_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with an offset; to the minute. Absent on create: now."
    )
    scheduledAt: AwareDatetime | None = Field(None, description="Another name of starts_at.")
    duration: int | None = Field(None, ge=DURATION_MIN, le=DURATION_MAX, description="Minutes.")
    timezone: str | None = Field(
        None, max_length=64, description="IANA name, e.g. Europe/Paris.", **_declared(minLength=1)
    )
    passcode: str | None = Field(None, pattern=PASSCODE_RE.pattern)
    provider: Literal["jitsi", "google_meet", "external"] | None = None
    external_url: str | None = Field(None, max_length=500, **_declared(pattern=NO_NUL))
    waiting_room: bool | None = None
    join_before_host: bool | None = None
    mute_on_join: bool | None = None
    allow_name_change: bool | None = None
    participant_limit: int | None = Field(None, ge=PARTICIPANT_LIMIT_MIN, le=PARTICIPANT_LIMIT_MAX)
    notify: bool | None = Field(
        None, description="On changes: email the invitees what changed (default true)."
    )


class MeetingNew(MeetingIn):
    """A new meeting's fields: a title, and the rest as on a change (absent: the defaults)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_TITLE_REQUIRED)


class JoinIn(Schema):
    """Seed 001's join: the meeting ID and its password, and the name others see."""

    model_config = ConfigDict(extra="forbid")

    meeting_id: (
        Annotated[str, Field(pattern=MEETING_ID_PATTERN)]
        | Annotated[int, Field(ge=MEETING_ID_MIN, le=MEETING_ID_MAX)]
    ) = Field(description="123-456-789, 123456789 or the number.")
    # Not blank, checked here in the API's words; declared without NUL too, which the
    # middleware refuses first.
    password: str = Field(
        max_length=10,
        pattern=NOT_BLANK,
        description="The meeting's passcode.",
        **_declared(pattern=NOT_BLANK_TEXT),
    )
    name: str | None = Field(
        None,
        max_length=NAME_MAX_LENGTH,
        pattern=NOT_BLANK,
        description="Required without authentication; else your display name by default.",
        **_declared(pattern=NOT_BLANK_TEXT),
    )


# Where the answers lead: OpenAPI links from an answer naming a meeting to what can be done
# with it, by the operations' ids (docs/api.md, "Links").


def meeting_links(meeting_id: str) -> dict[str, dict]:
    """The links from an answer whose meeting ID is at `meeting_id`, an expression, to the
    meeting's own operations."""
    at = {"meeting_id": meeting_id}
    return {
        "GetMeeting": link("meetings_api_meetings_meeting_detail", "Read it.", parameters=at),
        "UpdateMeeting": link("meetings_api_meetings_meeting_update", "Change it.", parameters=at),
        "PatchMeeting": link("meetings_api_meetings_meeting_patch", "Change it.", parameters=at),
        "CancelMeeting": link("meetings_api_meetings_meeting_cancel", "Cancel it.", parameters=at),
        "JoinMeeting": link(
            "meetings_api_joins_meeting_join", "Start it, as its host.", parameters=at
        ),
        "MeetingLink": link("meetings_api_joins_meeting_link", "Your link into it.", parameters=at),
        "CompleteMeeting": link(
            "bookings_api_meeting_complete", "Complete it, with notes.", parameters=at
        ),
        "SendInvitations": link(
            "invitations_api_invitations_send", "Invite people to it.", parameters=at
        ),
        "ListInvitations": link(
            "invitations_api_invitation_list", "Its invitations.", parameters=at
        ),
    }


# POST /api/meetings and /api/meetings/create: the new meeting, its share link, and joining it
# by ID and password as anyone told them would.
CREATED_LINKS = {
    **meeting_links("$response.body#/meeting_id"),
    "OpenShareLink": link(
        "invitations_api_invitation_link",
        "What its share link opens.",
        parameters={"token": "$response.body#/invitation_token"},
    ),
    "JoinByIdAndPassword": link(
        "meetings_api_joins_meeting_join_by_id",
        "Join it by its ID and password.",
        body={
            "meeting_id": "{$response.body#/meeting_id}",
            "password": "{$response.body#/password}",
        },
    ),
}
# PUT and PATCH: read back what changed.
CHANGED_LINKS = {
    "GetMeeting": link(
        "meetings_api_meetings_meeting_detail",
        "Read it.",
        parameters={"meeting_id": "$response.body#/meeting/meeting_id"},
    )
}
# POST /{meeting_id}/join: a meeting started is then completed.
JOINED_LINKS = {
    "CompleteMeeting": link(
        "bookings_api_meeting_complete",
        "Complete it, with notes.",
        parameters={"meeting_id": "$response.body#/meeting_id"},
    )
}
