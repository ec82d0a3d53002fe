"""Calendar files (RFC 5545) for invitations, updates and cancellations (RFC 5546 iTIP)."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress

from meetings.models import Meeting

PRODID = "-//Meetings//Meeting invitations//EN"

_PARTSTAT = {
    "needs_action": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "tentative": "TENTATIVE",
    "declined": "DECLINED",
}


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    rsvp: str = "needs_action"


def event_uid(meeting: Meeting) -> str:
    """Stable for the meeting's life: calendars match updates and cancellations by it."""
    return f"{meeting.uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def build_calendar(
    meeting: Meeting,
    *,
    method: str,
    attendee: Attendee | None = None,
    join_url: str = "",
) -> bytes:
    """One VEVENT for the meeting; METHOD REQUEST, CANCEL, or PUBLISH (no attendee)."""
    cancelled = method == "CANCEL" or meeting.status == Meeting.Status.CANCELLED
    zone = meeting.zone
    start = timezone.localtime(meeting.starts_at, zone)
    host = meeting.host
    description = _description(meeting, join_url)

    event = Event.new(
        uid=event_uid(meeting),
        sequence=meeting.sequence,
        stamp=timezone.now(),
        start=start,
        end=start + timedelta(minutes=meeting.duration),
        summary=meeting.title,
        description=description,
        location=join_url or None,
        url=join_url or None,
        organizer=vCalAddress.new(host.email, cn=host.display_name),
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="OPAQUE",
    )
    if attendee is not None:
        event.add(
            "attendee",
            vCalAddress.new(
                attendee.email,
                cn=attendee.name or attendee.email,
                role="REQ-PARTICIPANT",
                partstat=_PARTSTAT.get(attendee.rsvp, "NEEDS-ACTION"),
                rsvp=True,
                cutype="INDIVIDUAL",
            ),
        )
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    # Calendar.new adds a random calendar-level UID; only the event's UID matters to clients.
    calendar.pop("UID", None)
    ics = calendar.to_ical()
    if calendar.get_missing_tzids():  # none for UTC, written as such
        # RFC 5545 wants the VTIMEZONE before the events that use it.
        ics = ics.replace(
            b"BEGIN:VEVENT", _vtimezone(meeting.timezone, start.year) + b"BEGIN:VEVENT", 1
        )
    return ics


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, year: int) -> bytes:
    """VTIMEZONE with the rules of the years around the meeting only, to keep files small.

    Serialized once per zone and year: a batch of invitations shares the same bytes.
    """
    zone = Timezone.from_tzid(
        tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    )
    return zone.to_ical()


def _description(meeting: Meeting, join_url: str) -> str:
    lines = [meeting.description.strip(), ""] if meeting.description.strip() else []
    if join_url:
        lines += [f"Join: {join_url}", ""]
    if meeting.provider == Meeting.Provider.EXTERNAL:
        lines += [f"Video call: {meeting.external_url}", ""]
    lines += [
        f"Meeting ID: {meeting.formatted_meeting_id}",
        f"Passcode: {meeting.passcode}",
        f"Host: {meeting.host.display_name} <{meeting.host.email}>",
    ]
    return "\n".join(lines)
