"""The JSON API: one NinjaAPI at /api/, each app's router (`<app>/api.py`) mounted on it.

OpenAPI 3.1 at /api/openapi.json, its documentation page at /api/docs (served
from our static files, within the CSP). docs/api.md describes it for clients.
"""

from ninja import NinjaAPI

from accounts.api_auth import api_auth
from bookings.api import meetings_router as bookings_meetings_router
from bookings.api import router as bookings_router
from contacts.api import router as contacts_router
from invitations.api import router as invitations_router
from meetings import throttling
from meetings.api import router as meetings_router
from meetings_site.api_common import JsonParser, error_response, install_error_handlers

api = NinjaAPI(
    title="Meetings API",
    version="1",
    description=(
        "Schedule, list, change and cancel meetings. Authenticate with a personal API "
        "token from your profile page: `Authorization: Bearer mtg_…`. Errors are "
        '`{"success": false, "error": "…", "fields": {…}}`. See docs/api.md.'
    ),
    urls_namespace="api",
    auth=api_auth,
    parser=JsonParser(),
)
install_error_handlers(api)


@api.exception_handler(throttling.Throttled)
def _lookups_throttled(request, exc: throttling.Throttled):
    """Too many failed meeting lookups, counted as on the pages."""
    wait = exc.retry_after
    message = f"Too many meetings not found or not yours: try again in {wait} seconds."
    return error_response(429, message, headers={"Retry-After": str(wait)})


# Invitations first: /meetings/invitation/{token} must not be read as /meetings/{id}/link.
api.add_router("/meetings", invitations_router)
api.add_router("/meetings", meetings_router)
api.add_router("/bookings", bookings_router)
# Completing a meeting takes a rating, which lives in bookings: its own router at the same
# prefix, whose one path (/{id}/complete) is no path of the meetings router.
api.add_router("/meetings", bookings_meetings_router)
api.add_router("/contacts", contacts_router)
