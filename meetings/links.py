"""A member's own link into a meeting, as both link endpoints answer it: the page's
GET /meetings/<id>/link and the API's GET /api/meetings/{id}/link.

One builder, so that seed 002's field names (`booking_id`, `is_admin`,
`scheduled_at`, …) and the page endpoint's (`meeting_id`, `is_moderator`,
`starts_at`, …) are written once and mean the same in both.
"""

from django.conf import settings
from django.urls import reverse

from meetings import joining, rooms
from meetings.joining import Outcome
from meetings.models import Meeting

# The API's names of the statuses: the booking document's four words.
API_STATUS = {
    Meeting.Status.SCHEDULED: "scheduled",
    Meeting.Status.ACTIVE: "in-progress",
    Meeting.Status.ENDED: "completed",
    Meeting.Status.CANCELLED: "cancelled",
}


def link_fields(result: joining.JoinResult) -> dict:
    """Where an admitted or waiting member goes: the room, or the waiting page."""
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
