"""The meeting a path names, under the pages' rules."""

import re
from typing import Annotated

from ninja import Path
from pydantic import WithJsonSchema

from meetings.access import meeting_for
from meetings.credentials import parse_meeting_id
from meetings.models import Meeting
from meetings_site.api_common import ApiError

MALFORMED_ID = "A meeting ID is 9 digits, like 123-456-789 or 123456789."
# The two spellings a path takes, as the schema declares them: what it allows is accepted,
# what it forbids is refused (the pages' forms also take spaces and dots).
MEETING_ID_PATTERN = r"^[1-9][0-9]{2}-?[0-9]{3}-?[0-9]{3}$"
_MEETING_ID_RE = re.compile(MEETING_ID_PATTERN.replace("$", r"\Z"))

# Declared in the schema only: a malformed ID is refused below, in the API's own words.
MeetingIdPath = Annotated[
    str,
    Path(description="The meeting ID: 123-456-789 or 123456789."),
    WithJsonSchema({"type": "string", "pattern": MEETING_ID_PATTERN}),
]


def meeting_at(request, raw_id: str, *, allowed) -> Meeting:
    """The meeting of the path's ID, as the pages find it: 400 for a malformed ID, 404 for
    none, 403 when `allowed(user, meeting)` says no, 429 past the limit of failed lookups."""
    meeting_id = parse_meeting_id(raw_id) if _MEETING_ID_RE.match(raw_id) else None
    if meeting_id is None:
        raise ApiError(400, MALFORMED_ID, fields={"meeting_id": MALFORMED_ID})
    return meeting_for(request, meeting_id, allowed=allowed)
