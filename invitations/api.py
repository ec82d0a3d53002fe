"""Invitations through the API, mounted at /api/meetings by meetings_site/api.py.

Thin handlers over what the invitation pages use: access.py's rules (with the
throttle on failed lookups), InvitationForm for the addresses, the
invitations_send service (its "already invited" skips and its queued
delivery), the host page's selectors for the list, and the share link's
selector and joining.refusal for a token.
"""

from datetime import datetime
from typing import Literal

from django.utils.crypto import salted_hmac
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from accounts.api_auth import caller_or_anonymous
from invitations import services
from invitations.forms import MESSAGE_MAX_LENGTH, InvitationForm
from invitations.models import Invitation
from meetings import joining, selectors
from meetings.access import can_manage
from meetings.api.paths import MeetingIdPath, meeting_at
from meetings.api.schemas import StatusName
from meetings.exceptions import TransitionError
from meetings.joining import Outcome
from meetings.links import API_STATUS
from meetings_site.api_common import (
    NO_NUL,
    ApiError,
    ErrorOut,
    form_error,
    link,
    response_links,
)

router = Router(tags=["invitations"])

PER_PAGE = 20
LINK_NOT_FOUND = "Invitation link not found"
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}

# The models' choices, as the schema's enums.
RoleName = Literal[tuple(Invitation.Role.values)]
RsvpName = Literal[tuple(Invitation.Rsvp.values)]
DeliveryName = Literal[tuple(Invitation.Delivery.values)]


# What the endpoints read.


class SendIn(Schema):
    """Seed 000's body. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    # Declared only, so that the invite page's form answers with its own words.
    emails: list[str] = Field(
        description='Addresses, each "ada@example.com" or "Ada Lovelace <ada@example.com>"; '
        "at most 200 at a time.",
        json_schema_extra={"minItems": 1, "items": {"type": "string", "pattern": NO_NUL}},
    )
    message: str = Field(
        "",
        max_length=MESSAGE_MAX_LENGTH,
        description="A personal message for the email.",
        json_schema_extra={"pattern": NO_NUL},
    )
    role: RoleName = Field("attendee", description="moderator: co-hosts, who moderate the room.")


class InvitationFilters(Schema):
    q: str = Field("", max_length=100, description="Words of the invitee's name or email.")
    page: int = Field(1, ge=1, le=selectors.PAGE_NUMBER_MAX)


# What they answer.


class SendOutcome(Schema):
    email: str
    outcome: Literal["invited", "already_invited", "skipped_host"] = Field(
        description="invited: on its way (queued); already_invited: skipped, invited before; "
        "skipped_host: the host's own address."
    )


class InvitationsSent(Schema):
    success: bool
    message: str
    invited: int = Field(description="How many invitations are on the way.")
    results: list[SendOutcome] = Field(description="Each address once, in the order sent.")


class InvitationRow(Schema):
    id: int
    email: str
    name: str
    role: RoleName
    registered: bool = Field(description="The invitee has an account (else: a contact).")
    rsvp: RsvpName
    rsvp_at: datetime | None
    delivery_state: DeliveryName
    attempts: int = Field(description="Delivery attempts of the current email.")
    last_error: str = Field(description="Why the last attempt failed; '' if it did not.")
    sent_at: datetime | None
    revoked: bool
    created_at: datetime


class InvitationCounts(Schema):
    total: int = Field(description="Invitations, revoked ones included.")
    revoked: int
    rsvp: dict[str, int] = Field(description="Live invitations by answer.")
    delivery: dict[str, int] = Field(description="Invitations by delivery state.")


class InvitationList(Schema):
    success: bool
    count: int = Field(description="How many invitations match, on all pages.")
    page: int
    pages: int
    summary: InvitationCounts
    invitations: list[InvitationRow]


class ShareLinkMeeting(Schema):
    """Seed 001's fields, with the time and status."""

    success: bool
    meeting_id: str = Field(description="The meeting ID as people type it: 123-456-789.")
    title: str
    password: str = Field(description="The passcode (the link carries it already).")
    host_id: str = Field(
        description="An opaque, stable identifier of the host: the same for all their "
        "meetings, never their account's database key."
    )
    host_name: str
    created_at: datetime
    starts_at: datetime
    ends_at: datetime
    duration: int = Field(description="Minutes.")
    timezone: str
    status: StatusName


# The endpoints. Registered before the meetings' router: /invitation/{token} must not be
# read as /{meeting_id}/link or /{meeting_id}/join.


@router.get(
    "/invitation/{token}",
    auth=None,
    response={200: ShareLinkMeeting, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="What a share link opens",
)
def invitation_link(request, token: str):
    """Open to anyone with the share link, as its page is, and limited per address. Expired
    links are not found, as on the page."""
    caller_or_anonymous(request)
    meeting = selectors.meeting_for_share_link(token)
    if meeting is None:
        raise ApiError(404, LINK_NOT_FOUND)
    refused = joining.refusal(meeting)
    if refused is not None and refused.outcome == Outcome.EXPIRED:
        raise ApiError(404, LINK_NOT_FOUND)
    return {
        "success": True,
        "meeting_id": meeting.formatted_meeting_id,
        "title": meeting.title,
        "password": meeting.passcode,
        "host_id": public_host_id(meeting.host_id),
        "host_name": meeting.host.display_name,
        "created_at": meeting.created_at,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "duration": meeting.duration,
        "timezone": meeting.timezone,
        "status": API_STATUS[meeting.status],
    }


@router.post(
    "/{meeting_id}/send-invitations",
    response={200: InvitationsSent, **ERRORS},
    summary="Invite people to a meeting",
    openapi_extra=response_links(
        200,
        {
            "ListInvitations": link(
                "invitations_api_invitation_list",
                "The meeting's invitations, these included.",
                parameters={"meeting_id": "$request.path.meeting_id"},
            )
        },
    ),
)
def invitations_send(request, meeting_id: MeetingIdPath, payload: SendIn):
    """For the meeting's host and staff, as the invite page is: the page's validation, its
    "already invited" skips, and delivery through the mail queue."""
    meeting = meeting_at(request, meeting_id, allowed=can_manage)
    form = InvitationForm(
        {
            # One address a line, as the page's text box takes them.
            "addresses": "\n".join(payload.emails),
            "personal_message": payload.message,
            "role": payload.role,
        },
        owner=meeting.host,
    )
    if not form.is_valid():
        raise form_error(form, {"addresses": "emails", "personal_message": "message"})
    recipients = form.cleaned_data["recipients"]
    try:
        result = services.invitations_send(
            meeting=meeting,
            recipients=recipients,
            personal_message=form.cleaned_data["personal_message"],
            role=form.cleaned_data["role"],
        )
    except TransitionError as error:
        raise ApiError(409, str(error)) from error
    invited = {invitation.email.lower() for invitation in result.invited}
    host = meeting.host.email.lower()
    results, seen = [], set()
    for _name, email in recipients:
        key = email.lower()
        if key in seen:
            continue
        seen.add(key)
        if key == host:
            outcome = "skipped_host"
        elif key in invited:
            outcome = "invited"
        else:
            outcome = "already_invited"
        results.append({"email": email, "outcome": outcome})
    count = len(result.invited)
    return {
        "success": True,
        "message": f"{count} invitation{'s' if count != 1 else ''} on the way.",
        "invited": count,
        "results": results,
    }


@router.get(
    "/{meeting_id}/invitations",
    response={200: InvitationList, **ERRORS},
    summary="A meeting's invitations",
)
def invitation_list(request, meeting_id: MeetingIdPath, filters: Query[InvitationFilters]):
    """For the meeting's host and staff, as the host's page lists them: in the order they were
    made, 20 a page, with each one's answer and delivery, and the counts of each."""
    meeting = meeting_at(request, meeting_id, allowed=can_manage)
    summary = selectors.invitation_summary(meeting=meeting, search=filters.q)
    page = selectors.invitation_page(
        meeting=meeting,
        search=filters.q,
        number=filters.page,
        per_page=PER_PAGE,
        count=summary["matching"],
    )
    return {
        "success": True,
        "count": summary["matching"],
        "page": page.number,
        "pages": page.paginator.num_pages,
        "summary": {
            "total": summary["total"],
            "revoked": summary["revoked"],
            "rsvp": {value: count for value, _label, count in summary["answers"]},
            "delivery": {value: count for value, _label, count in summary["deliveries"]},
        },
        "invitations": [_row(invitation) for invitation in page],
    }


def _row(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "name": invitation.name,
        "role": invitation.role,
        "registered": invitation.user_id is not None,
        "rsvp": invitation.rsvp,
        "rsvp_at": invitation.rsvp_at,
        "delivery_state": invitation.delivery_state,
        "attempts": invitation.attempts,
        "last_error": invitation.last_error,
        "sent_at": invitation.sent_at,
        "revoked": invitation.is_revoked,
        "created_at": invitation.created_at,
    }


def public_host_id(user_pk: int) -> str:
    """The host as seed 001's `host_id`, without giving away the account's database key: a
    keyed digest of it, stable for as long as SECRET_KEY is."""
    return salted_hmac("invitations.api.host_id", str(user_pk)).hexdigest()[:20]
