"""Google's Calendar API answered in the server process, for the booking pages' bench.

The product reaches Google through one function, accounts.google.new_http(),
which returns the httplib2.Http that google-api-python-client and
google-auth-httplib2 send their requests with. install() replaces it with one
whose request() answers the freebusy query at once, in the shape Google
documents (https://developers.google.com/calendar/api/v3/reference/freebusy/query),
and refuses anything else. Everything above the socket runs as in production:
the authorized client with the host's stored token, the client built from the
packaged discovery document, the JSON request and response, the product's
parsing and caching. What it leaves out is the network and TLS.

Every Wednesday (UTC) is busy from 00:00 to 24:00, so the page shows that the
answer was used: no Wednesday offers a time.
"""

import json
from datetime import UTC, datetime, timedelta

import httplib2

FREEBUSY_URL = "https://www.googleapis.com/calendar/v3/freeBusy"
BUSY_WEEKDAY = 2  # Wednesday


class FakeGoogleHttp(httplib2.Http):
    """httplib2.Http for Google's API: the freebusy query is answered, nothing is sent."""

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        if method != "POST" or uri.split("?")[0] != FREEBUSY_URL:
            raise httplib2.HttpLib2Error(f"the bench's fake Google does not answer {method} {uri}")
        if not (headers or {}).get("authorization", "").startswith("Bearer "):
            return _json(401, {"error": {"code": 401, "message": "Login Required."}})
        query = json.loads(body)
        start = _parse(query["timeMin"])
        end = _parse(query["timeMax"])
        calendars = {item["id"]: {"busy": _busy(start, end)} for item in query["items"]}
        answer = {
            "kind": "calendar#freeBusy",
            "timeMin": query["timeMin"],
            "timeMax": query["timeMax"],
            "calendars": calendars,
        }
        return _json(200, answer)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _busy(start: datetime, end: datetime) -> list[dict[str, str]]:
    """The whole of every Wednesday (UTC) meeting [start, end), in RFC 3339 as Google writes."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    busy = []
    while day < end:
        if day.weekday() == BUSY_WEEKDAY:
            busy.append(
                {
                    "start": f"{max(day, start):%Y-%m-%dT%H:%M:%SZ}",
                    "end": f"{min(day + timedelta(days=1), end):%Y-%m-%dT%H:%M:%SZ}",
                }
            )
        day += timedelta(days=1)
    return busy


def _json(status: int, payload: dict) -> tuple[httplib2.Response, bytes]:
    response = httplib2.Response({"status": str(status), "content-type": "application/json"})
    return response, json.dumps(payload).encode()


def install() -> None:
    """Every later request of the product to Google goes to the fake."""
    from django.conf import settings

    from accounts import google

    def new_http() -> httplib2.Http:
        return FakeGoogleHttp(timeout=settings.GOOGLE_TIMEOUT_SECONDS)

    google.new_http = new_http
