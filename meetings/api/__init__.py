"""The meetings' JSON API, mounted at /api/meetings by meetings_site/api.py.

Thin handlers over what the pages use: the list's selector, access.py's rules
(including the throttle on failed lookups), the pages' forms for validation,
the services, and joining.py's join flows.

- `meetings.py`: list, read, create, change and cancel meetings;
- `joins.py`: the ways in (the personal link, Start and Join, ID and password);
- `schemas.py`: what the endpoints read and answer; `paths.py`: the meeting a path names.
"""

from ninja import Router

router = Router(tags=["meetings"])

# Registered in this order: joins.py's POST /join must be matched before
# meetings.py's /{meeting_id}, which takes any text (a malformed ID is a 400).
from meetings.api import joins, meetings  # noqa: E402, F401
