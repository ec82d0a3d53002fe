"""The meeting a path names, under the pages' rules."""

from meetings.access import meeting_for
from meetings.credentials import parse_meeting_id
from meetings.models import Meeting
from meetings_site.api_common import ApiError

MALFORMED_ID = "A meeting ID is 9 digits, like 123-456-789 or 123456789."


def meeting_at(request, raw_id: str, *, allowed) -> Meeting:
    """The meeting of the path's ID, as the pages find it: 400 for a malformed ID, 404 for
    none, 403 when `allowed(user, meeting)` says no, 429 past the limit of failed lookups."""
    meeting_id = parse_meeting_id(raw_id)
    if meeting_id is None:
        raise ApiError(400, MALFORMED_ID, fields={"meeting_id": MALFORMED_ID})
    return meeting_for(request, meeting_id, allowed=allowed)
