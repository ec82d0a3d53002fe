"""Calendar files (RFC 5545) for invitations, updates and cancellations (RFC 5546 iTIP)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Component, Event, Timezone, vCalAddress

from meetings.models import Meeting

PRODID = "-//Meetings//Meeting invitations//EN"

_PARTSTAT = {
    "needs_action": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "tentative": "TENTATIVE",
    "declined": "DECLINED",
}

# The event's properties that differ from one attendee's file to the next.
_OWN_PROPERTIES = frozenset({"ATTENDEE", "DESCRIPTION", "DTSTAMP", "LOCATION", "URL"})


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
    return MeetingCalendar(meeting, method=method).file(attendee=attendee, join_url=join_url)


class MeetingCalendar:
    """The calendar files of one meeting with one method, for any number of attendees.

    The files differ only in the attendee, the personal link (in DESCRIPTION,
    LOCATION and URL) and DTSTAMP. Everything else is serialized once, by
    icalendar, from the whole calendar with stand-ins for those properties;
    each file then gets its own values, serialized by icalendar as well, where
    the stand-ins were. The bytes are those icalendar writes for the file's
    whole calendar.
    """

    def __init__(self, meeting: Meeting, *, method: str) -> None:
        self.meeting = meeting
        self.method = method
        # By (with an attendee, with a link): which properties a file has.
        self._layouts: dict[tuple[bool, bool], list[bytes | str]] = {}

    def file(
        self,
        *,
        attendee: Attendee | None = None,
        join_url: str = "",
        stamp: datetime | None = None,
    ) -> bytes:
        """The file for one attendee (none for PUBLISH), stamped now unless `stamp` says when."""
        layout = self._layout(with_attendee=attendee is not None, with_link=bool(join_url))
        event = Event()
        _set_own_properties(
            event,
            self.meeting,
            attendee=attendee,
            join_url=join_url,
            stamp=stamp or timezone.now(),
        )
        own = _serialized_properties(event)
        return b"".join(own[part] if isinstance(part, str) else part for part in layout)

    def _layout(self, *, with_attendee: bool, with_link: bool) -> list[bytes | str]:
        """The file as serialized lines, with the names of the own properties in their places."""
        key = (with_attendee, with_link)
        if key not in self._layouts:
            stand_in = Attendee("attendee@stand-in.invalid", "Stand-in")
            calendar = _calendar(
                self.meeting,
                method=self.method,
                attendee=stand_in if with_attendee else None,
                join_url="https://stand-in.invalid/" if with_link else "",
                stamp=timezone.now(),
            )
            vtimezone = b""
            if calendar.get_missing_tzids():  # none for UTC, written as such
                start = timezone.localtime(self.meeting.starts_at, self.meeting.zone)
                vtimezone = _vtimezone(self.meeting.timezone, start.year)
            self._layouts[key] = _cut_at_own_properties(calendar, vtimezone)
        return self._layouts[key]


def _calendar(
    meeting: Meeting,
    *,
    method: str,
    attendee: Attendee | None,
    join_url: str,
    stamp: datetime,
) -> Calendar:
    """The whole calendar of one file, as icalendar holds it (without its VTIMEZONE)."""
    cancelled = method == "CANCEL" or meeting.status == Meeting.Status.CANCELLED
    start = timezone.localtime(meeting.starts_at, meeting.zone)
    host = meeting.host
    event = Event.new(
        uid=event_uid(meeting),
        sequence=meeting.sequence,
        start=start,
        end=start + timedelta(minutes=meeting.duration),
        summary=meeting.title,
        organizer=vCalAddress.new(host.email, cn=host.display_name),
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="OPAQUE",
    )
    _set_own_properties(event, meeting, attendee=attendee, join_url=join_url, stamp=stamp)
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    # Calendar.new adds a random calendar-level UID; only the event's UID matters to clients.
    calendar.pop("UID", None)
    return calendar


def _set_own_properties(
    event: Event,
    meeting: Meeting,
    *,
    attendee: Attendee | None,
    join_url: str,
    stamp: datetime,
) -> None:
    """The properties of the event that are the attendee's own, see _OWN_PROPERTIES."""
    event.stamp = stamp
    event.description = _description(meeting, join_url)
    event.location = join_url or None
    event.url = join_url or None
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


def _serialized_properties(component: Component) -> dict[str, bytes]:
    """Each property's content lines, folded and ended, by name."""
    lines: dict[str, bytes] = {}
    for name, value in component.property_items(recursive=False):
        if name in {"BEGIN", "END"}:
            continue
        line = component.content_line(name, value).to_ical() + b"\r\n"
        lines[name] = lines.get(name, b"") + line
    return lines


def _cut_at_own_properties(calendar: Calendar, vtimezone: bytes) -> list[bytes | str]:
    """The calendar's content lines, as Component.to_ical writes them, the VTIMEZONE
    spliced in, and the names of the event's own properties in place of their lines."""
    layout: list[bytes | str] = []
    shared = b""
    in_event = False
    for name, value in calendar.property_items():
        if name == "BEGIN" and value == b"VEVENT":
            # RFC 5545 wants the VTIMEZONE before the events that use it.
            shared += vtimezone
            in_event = True
        elif name == "END" and value == b"VEVENT":
            in_event = False
        if in_event and name in _OWN_PROPERTIES:
            layout += [shared, name]
            shared = b""
            continue
        shared += calendar.content_line(name, value).to_ical() + b"\r\n"
    return [*layout, shared]


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
    if meeting.video_call_url:
        lines += [f"Video call: {meeting.video_call_url}", ""]
    lines += [
        f"Meeting ID: {meeting.formatted_meeting_id}",
        f"Passcode: {meeting.passcode}",
        f"Host: {meeting.host.display_name} <{meeting.host.email}>",
    ]
    return "\n".join(lines)
