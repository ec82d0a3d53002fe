"""A host's busy times in their Google Calendar, from the Calendar API's freebusy query.

Asked only for hosts with a connected Google account that granted a scope the
query accepts (accounts.google.BUSY_SCOPES); an account without one counts as
not connected. The answer is cached for CACHE_SECONDS per host and range; a
booking of the host drops the host's entries (forget()), and the booking
service asks afresh. Anything but a clean answer (a refused or expired
grant, an error, no answer within TIMEOUT_SECONDS) is "Google
unavailable": the pages say so and offer only what the site itself knows.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httplib2
from django.core.cache import cache
from google.auth.exceptions import GoogleAuthError
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import Error as GoogleApiError

from accounts import google
from accounts.models import User

log = logging.getLogger(__name__)

CALENDAR_ID = "primary"
TIMEOUT_SECONDS = 3
CACHE_SECONDS = 60


@dataclass(frozen=True)
class GoogleBusy:
    """Google's busy intervals (UTC) for a host, or unavailable; empty when not connected."""

    intervals: tuple[tuple[datetime, datetime], ...] = field(default=())
    unavailable: bool = False


UNAVAILABLE = GoogleBusy(unavailable=True)


def google_busy(*, host: User, start: datetime, end: datetime, fresh: bool = False) -> GoogleBusy:
    """The host's Google busy times in [start, end): cached, or asked afresh with fresh=True."""
    account = google.connected_account(host)
    # An account connected before the free/busy scope was asked for has nothing
    # to ask Google: the host is treated as not connected (not "unavailable")
    # until they reconnect, which their booking pages prompt.
    if account is None or not google.reads_busy_times(account):
        return GoogleBusy()
    key = _key(host.pk, start, end)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    busy = _query(account, start, end)
    # A failure is kept too, so that a page does not wait TIMEOUT_SECONDS on every view.
    cache.set(key, busy, CACHE_SECONDS)
    return busy


def forget(*, host_pk: int) -> None:
    """Drop the host's cached answers: a new version makes every older key unused."""
    cache.set(_version_key(host_pk), time.time_ns(), None)


def _version_key(host_pk: int) -> str:
    return f"bookings:google-busy-version:{host_pk}"


def _key(host_pk: int, start: datetime, end: datetime) -> str:
    version_key = _version_key(host_pk)
    version = cache.get(version_key)
    if version is None:
        # Missing (never set, or evicted): start a new version rather than fall
        # back to one that entries cached before a booking may still carry.
        cache.add(version_key, time.time_ns(), None)
        version = cache.get(version_key, 0)
    return (
        f"bookings:google-busy:{host_pk}:{version}:{int(start.timestamp())}:{int(end.timestamp())}"
    )


def new_http():
    """The site's HTTP client for Google, with the short timeout a booking page can afford."""
    http = google.new_http()
    http.timeout = TIMEOUT_SECONDS
    return http


def _query(account, start: datetime, end: datetime) -> GoogleBusy:
    try:
        credentials = google.credentials(account)
    except google.GoogleError:
        log.warning("The Google sign-in of %s cannot be read", account.user_id)
        return UNAVAILABLE
    http = AuthorizedHttp(credentials, http=new_http())
    body = {
        "timeMin": start.astimezone(UTC).isoformat(),
        "timeMax": end.astimezone(UTC).isoformat(),
        "items": [{"id": CALENDAR_ID}],
    }
    try:
        service = build("calendar", "v3", http=http, static_discovery=True, cache_discovery=False)
        response = service.freebusy().query(body=body).execute()
    except (GoogleApiError, GoogleAuthError, httplib2.HttpLib2Error, OSError):
        log.warning("Google's free/busy query failed for user %s", account.user_id, exc_info=True)
        return UNAVAILABLE
    finally:
        google.store_refreshed(account, credentials)
    return parse(response)


def parse(response: dict) -> GoogleBusy:
    """The busy intervals of the primary calendar in a freebusy.query answer."""
    if not isinstance(response, dict) or not isinstance(response.get("calendars"), dict):
        return UNAVAILABLE
    calendar = response["calendars"].get(CALENDAR_ID)
    if not isinstance(calendar, dict) or calendar.get("errors"):
        return UNAVAILABLE
    intervals = []
    try:
        for period in calendar.get("busy") or []:
            start = datetime.fromisoformat(period["start"])
            end = datetime.fromisoformat(period["end"])
            if start.tzinfo is None or end.tzinfo is None:
                return UNAVAILABLE
            if start < end:
                intervals.append((start.astimezone(UTC), end.astimezone(UTC)))
    except (KeyError, TypeError, ValueError):
        return UNAVAILABLE
    return GoogleBusy(intervals=tuple(sorted(intervals)))
