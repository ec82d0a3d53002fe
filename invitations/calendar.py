"""Calendar files (RFC 5545) for invitations, updates and cancellations (RFC 5546 iTIP)."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from meetings.models import Meeting

PRODID = "-//Meetings//Meeting invitations//EN"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    rsvp: str = "needs_action"


def build_calendar(
    meeting: Meeting,
    *,
    method: str,
    attendee: Attendee | None = None,
    join_url: str = "",
) -> bytes:
    """One VEVENT for the meeting; METHOD REQUEST, CANCEL, or PUBLISH (no attendee)."""
    cancelled = method == "CANCEL" or meeting.status == Meeting.Status.CANCELLED
    start = timezone.localtime(meeting.starts_at, meeting.zone)
    host = meeting.host
    event = Event.new(
        # Stable for the meeting's life: calendars match updates and cancellations by it.
        uid=f"{meeting.uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}",
        sequence=meeting.sequence,
        stamp=timezone.now(),
        start=start,
        end=start + timedelta(minutes=meeting.duration),
        summary=meeting.title,
        description=_description(meeting, join_url),
        location=join_url or None,
        url=join_url or None,
        organizer=vCalAddress.new(host.email, cn=host.display_name),
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="OPAQUE",
        attendees=None if attendee is None else [_attendee(attendee)],
    )
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    # Calendar.new adds a random calendar-level UID; only the event's UID matters to clients.
    calendar.pop("UID", None)
    # The zone's rules for the years around the meeting only, to keep the file small.
    calendar.add_missing_timezones(
        first_date=date(max(start.year - 1, 1), 1, 1),
        last_date=date(min(start.year + 1, 9999), 12, 31),
    )
    return calendar.to_ical()


def _attendee(attendee: Attendee) -> vCalAddress:
    return vCalAddress.new(
        attendee.email,
        cn=attendee.name or attendee.email,
        role="REQ-PARTICIPANT",
        partstat=attendee.rsvp.upper().replace("_", "-"),  # needs_action: NEEDS-ACTION
        rsvp=True,
        cutype="INDIVIDUAL",
    )


def _description(meeting: Meeting, join_url: str) -> str:
    lines = [meeting.description.strip(), ""] if meeting.description.strip() else []
    if join_url:
        lines += [f"Join: {join_url}", ""]
    if meeting.video_call_url:
        lines += [f"Video call: {meeting.video_call_url}", ""]
    lines += [
        f"Meeting ID: {meeting.formatted_meeting_id}",
        f"Passcode: {meeting.passcode}",
        f"Host: {meeting.host.display_name} <{meeting.host.email}>",
    ]
    return "\n".join(lines)
