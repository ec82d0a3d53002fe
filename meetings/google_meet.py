"""Meetings held on Google Meet: an event in the host's Google Calendar carries the Meet.

Creating inserts the event with `conferenceDataVersion=1` and a `createRequest`
for `hangoutsMeet`, then waits for Google to report the conference ready;
rescheduling patches the event; cancelling deletes it. Every call passes
`sendUpdates=none`: the event has no attendees, and our own invitations are
what reach people's calendars.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from accounts import google
from accounts.models import User
from meetings.models import Meeting

CALENDAR_ID = "primary"
# Seconds between asks while Google is still setting the conference up.
READY_POLL_DELAYS = (0.5, 1.0, 2.0)


# The Google side failed; the message is for the host.
MeetError = google.GoogleError


@dataclass(frozen=True)
class Conference:
    event_id: str
    # Empty while Google still reports the conference as pending.
    url: str


def event_body(meeting: Meeting) -> dict:
    """The event as the Calendar API takes it: times in the meeting's own zone."""
    zone = ZoneInfo(meeting.timezone)
    end = meeting.starts_at + timedelta(minutes=meeting.duration)
    return {
        "summary": meeting.title,
        "description": meeting.description,
        "start": {
            "dateTime": meeting.starts_at.astimezone(zone).isoformat(),
            "timeZone": meeting.timezone,
        },
        "end": {"dateTime": end.astimezone(zone).isoformat(), "timeZone": meeting.timezone},
    }


def meet_url(event: dict) -> str:
    """The Meet link of an event whose conference is ready, else ''."""
    conference = event.get("conferenceData") or {}
    status = ((conference.get("createRequest") or {}).get("status") or {}).get("statusCode")
    if status == "failure":
        raise MeetError(
            "Google could not set up a Meet for this meeting. Try again, or choose Jitsi."
        )
    if status == "pending":
        return ""
    for entry in conference.get("entryPoints") or []:
        uri = entry.get("uri", "")
        if entry.get("entryPointType") == "video" and uri.startswith("https://"):
            return uri
    link = event.get("hangoutLink", "")
    return link if link.startswith("https://") else ""


class _Calendar:
    """The host's calendar, through their stored credentials; errors become MeetError."""

    def __init__(self, host: User):
        self.account = google.connected_account(host)
        if self.account is None:
            raise MeetError(
                "Connect your Google account on your profile to hold meetings on Google Meet, "
                "or choose Jitsi."
            )
        self.credentials = google.credentials(self.account)
        http = AuthorizedHttp(self.credentials, http=google.new_http())
        self.events = build(
            "calendar", "v3", http=http, static_discovery=True, cache_discovery=False
        ).events()

    def call(self, request, *, missing_ok: bool = False) -> dict:
        try:
            return request.execute()
        except HttpError as error:
            if missing_ok and error.status_code in (404, 410):
                return {}
            if error.status_code == 401:
                raise MeetError(google.REVOKED_MESSAGE) from error
            raise MeetError(
                f"Google Calendar refused the request ({error.status_code}: "
                f"{error.reason or 'no reason given'}). Try again, or choose Jitsi."
            ) from error
        except RefreshError as error:
            raise MeetError(google.REVOKED_MESSAGE) from error
        except (TransportError, httplib2.HttpLib2Error, OSError) as error:
            raise MeetError(
                "Google Calendar could not be reached. Try again in a moment, or choose Jitsi."
            ) from error
        finally:
            google.store_refreshed(self.account, self.credentials)


def create_event(meeting: Meeting) -> Conference:
    """Insert the host's event with a new Meet and wait a few seconds for it to be ready."""
    calendar = _Calendar(meeting.host)
    body = event_body(meeting) | {
        "conferenceData": {
            "createRequest": {
                # Google ignores a createRequest whose ID it has seen: a fresh one
                # each time, so that a meeting moved back to Google Meet gets a Meet.
                "requestId": uuid.uuid4().hex,
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        },
        "extendedProperties": {"private": {"meetingUid": str(meeting.uid)}},
    }
    event = calendar.call(
        calendar.events.insert(
            calendarId=CALENDAR_ID, body=body, conferenceDataVersion=1, sendUpdates="none"
        )
    )
    url = meet_url(event)
    for delay in READY_POLL_DELAYS:
        if url:
            break
        time.sleep(delay)
        url = meet_url(
            calendar.call(calendar.events.get(calendarId=CALENDAR_ID, eventId=event["id"]))
        )
    return Conference(event_id=event["id"], url=url)


def fetch_url(meeting: Meeting) -> str:
    """The Meet link of a meeting whose conference was still pending, once ready."""
    calendar = _Calendar(meeting.host)
    return meet_url(
        calendar.call(calendar.events.get(calendarId=CALENDAR_ID, eventId=meeting.google_event_id))
    )


def patch_event(meeting: Meeting) -> str:
    """Move or rename the event after the meeting changed; returns the (unchanged) Meet link."""
    calendar = _Calendar(meeting.host)
    event = calendar.call(
        calendar.events.patch(
            calendarId=CALENDAR_ID,
            eventId=meeting.google_event_id,
            body=event_body(meeting),
            conferenceDataVersion=1,
            sendUpdates="none",
        )
    )
    return meet_url(event) or meeting.external_url


def delete_event(host: User, event_id: str) -> None:
    """Remove the event from the host's calendar; one already gone counts as removed."""
    calendar = _Calendar(host)
    calendar.call(
        calendar.events.delete(calendarId=CALENDAR_ID, eventId=event_id, sendUpdates="none"),
        missing_ok=True,
    )
