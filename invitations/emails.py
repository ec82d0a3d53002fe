"""The emails of invitations: one small function per kind, templates in templates/emails/."""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import formataddr
from typing import NamedTuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from invitations.backends import calendar_alternative_supported
from invitations.calendar import Attendee, MeetingCalendar
from invitations.models import Invitation
from meetings.models import Meeting


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    timezone: str


def _one_line(text: str) -> str:
    """Headers carry one line: CR, LF and runs of white space fold to one space."""
    return " ".join(text.split())


def _render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of an email; _message makes the subject one line."""
    # Templates show times in the active zone: the recipient's.
    with timezone.override(ZoneInfo(context["zone_name"])):
        subject = render_to_string(f"emails/{template}-subject.txt", context)
        text = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    return subject, text, html


class CalendarEmail(EmailMultiAlternatives):
    """Writes `text/calendar; method=REQUEST` with the method unquoted, as Google and
    Exchange send it: the email package would quote it, and not every client reads that."""

    def _create_mime_attachment(self, content, mimetype):
        if not mimetype.startswith("text/calendar"):
            return super()._create_mime_attachment(content, mimetype)
        method = mimetype.partition("method=")[2]
        part = SafeMIMEText(content, "calendar", self.encoding or settings.DEFAULT_CHARSET)
        if method:
            part.set_param("method", method, requote=False)
        return part


def _message(subject: str, text: str, html: str, recipient: Recipient) -> EmailMultiAlternatives:
    to = formataddr((_one_line(recipient.name), recipient.email))
    message = CalendarEmail(_one_line(subject), text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def recipient_for(invitation: Invitation) -> Recipient:
    zone = invitation.user.timezone if invitation.user_id else invitation.meeting.timezone
    return Recipient(invitation.email, invitation.display_name, zone)


class _GoogleCalendarUrl:
    """The meeting's "Add to Google Calendar" link for a join link.

    Only the details and the location hold the join link; urlencode writes
    each pair on its own, so the others are encoded once for every invitee.
    """

    def __init__(self, meeting: Meeting) -> None:
        fmt = "%Y%m%dT%H%M%SZ"
        start = meeting.starts_at.astimezone(UTC)
        end = start + timedelta(minutes=meeting.duration)
        self._head = urlencode(
            {
                "action": "TEMPLATE",
                "text": meeting.title,
                "dates": f"{start.strftime(fmt)}/{end.strftime(fmt)}",
            }
        )
        self._details = (
            f"\nMeeting ID: {meeting.formatted_meeting_id}\nPasscode: {meeting.passcode}"
        )
        self._tail = urlencode({"ctz": meeting.timezone})

    def __call__(self, join_url: str) -> str:
        own = urlencode({"details": f"Join: {join_url}{self._details}", "location": join_url})
        return f"https://calendar.google.com/calendar/render?{self._head}&{own}&{self._tail}"


def _context(meeting: Meeting, recipient: Recipient, **extra) -> dict:
    return {
        "meeting": meeting,
        "host": meeting.host,
        "recipient": recipient,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "zone_name": recipient.timezone,
        "site_url": settings.SITE_URL,
        **extra,
    }


class _PersonalUrl:
    """A URL of the meeting that ends in a personal token, reversed once for many tokens.

    The token is the only part that differs; tokens are URL-safe, so reverse()
    would put them in the path as they are.
    """

    _SLOT = "token"

    def __init__(self, name: str, meeting: Meeting) -> None:
        url = settings.SITE_URL + reverse(name, args=[meeting.meeting_id, self._SLOT])
        self._head, _, self._tail = url.rpartition(self._SLOT)

    def __call__(self, token: str) -> str:
        return f"{self._head}{token}{self._tail}"


class _Gap(NamedTuple):
    name: str
    escaped: bool


class _MailMerge:
    """An email's subject, text and HTML, rendered once for many recipients.

    What is each recipient's own (their name and address, the values named in
    `own`) goes into the templates as a marker; the output is cut at the
    markers, and each message fills the gaps with its own values, escaped
    where the template escaped the marker. Everything else in the context
    must be the same for all the recipients of one render: callers key
    renders on the zone and on `shared`.
    """

    def __init__(
        self, template: str, meeting: Meeting, *, zone: str, own: tuple[str, ...], **shared
    ) -> None:
        nonce = secrets.token_hex(8)
        names = ("recipient_email", "recipient_name", *own)
        markers = {name: f"<{nonce}:{name}>" for name in names}
        recipient = Recipient(markers["recipient_email"], markers["recipient_name"], zone)
        context = _context(meeting, recipient, **{name: markers[name] for name in own}, **shared)
        # An escaped marker starts with "&lt;": its gap takes the escaped value.
        marker = re.compile(rf"(<|&lt;){nonce}:({'|'.join(names)})(?:>|&gt;)")
        self._parts: list[list[str | _Gap]] = []
        for rendered in _render(template, context):
            split = marker.split(rendered)  # text, (opening, name, text)*
            pieces: list[str | _Gap] = [split[0]]
            for index in range(1, len(split), 3):
                opening, name, text = split[index : index + 3]
                pieces += [_Gap(name, escaped=opening == "&lt;"), text]
            if any(nonce in piece.lower() for piece in pieces if isinstance(piece, str)):
                raise ValueError(
                    f"emails/{template}-*: a filter changes a recipient's own value; "
                    "these templates can only show it as it is"
                )
            self._parts.append(pieces)

    def fill(self, values: dict[str, str]) -> tuple[str, str, str]:
        """Subject, text and HTML for one recipient; `values` has every name of a gap."""
        escaped = {name: escape(value) for name, value in values.items()}
        return tuple(
            "".join(
                piece
                if isinstance(piece, str)
                else (escaped if piece.escaped else values)[piece.name]
                for piece in pieces
            )
            for pieces in self._parts
        )


class MeetingEmails:
    """The emails of one meeting to a batch of its invitees.

    What the messages share is worked out once: the personal links are
    reversed once, the templates rendered once per time zone (see _MailMerge)
    and each kind of calendar file serialized once (see MeetingCalendar);
    every message still gets its own name, address, links and attendee.

    calendar_alternative: whether the mail route takes a calendar alternative
    part; a batch decides it once (None: look it up now).
    """

    def __init__(self, meeting: Meeting, *, calendar_alternative: bool | None = None) -> None:
        self.meeting = meeting
        self.calendar_alternative = (
            calendar_alternative_supported()
            if calendar_alternative is None
            else calendar_alternative
        )
        self._join_url = _PersonalUrl("invitations:join", meeting)
        self._rsvp_url = _PersonalUrl("invitations:rsvp", meeting)
        self._google_calendar_url = _GoogleCalendarUrl(meeting)
        self._calendars: dict[str, MeetingCalendar] = {}
        self._merges: dict[tuple, _MailMerge] = {}

    def invitation(
        self, invitation: Invitation, *, token: str, update: bool
    ) -> EmailMultiAlternatives:
        """The invitation (or, after a change, the update) with a personal link and a calendar."""
        recipient = self._recipient(invitation)
        links = self._links(token)
        rendered = self._render(
            "invitation",
            recipient,
            links,
            update=update,
            personal_message=invitation.personal_message,
        )
        message = _message(*rendered, recipient)
        ics = self._calendar("REQUEST").file(
            attendee=Attendee(invitation.email, recipient.name, invitation.rsvp),
            join_url=links["join_url"],
        )
        self._attach_calendar(message, ics, "REQUEST")
        return message

    def cancellation(self, invitation: Invitation) -> EmailMultiAlternatives:
        """The meeting is off for this invitee: METHOD:CANCEL removes it from their calendar."""
        recipient = self._recipient(invitation)
        rendered = self._render("cancellation", recipient, {}, revoked=invitation.is_revoked)
        message = _message(*rendered, recipient)
        ics = self._calendar("CANCEL").file(
            attendee=Attendee(invitation.email, recipient.name, invitation.rsvp)
        )
        self._attach_calendar(message, ics, "CANCEL")
        return message

    def _recipient(self, invitation: Invitation) -> Recipient:
        if invitation.meeting_id != self.meeting.pk:
            raise ValueError(f"{invitation} is not an invitation to {self.meeting}")
        return recipient_for(invitation)

    def _render(
        self, template: str, recipient: Recipient, own: dict[str, str], **shared
    ) -> tuple[str, str, str]:
        """The email for the recipient, from one render per time zone and `shared` values."""
        key = (template, recipient.timezone, tuple(own), *shared.items())
        if key not in self._merges:
            self._merges[key] = _MailMerge(
                template, self.meeting, zone=recipient.timezone, own=tuple(own), **shared
            )
        return self._merges[key].fill(
            {"recipient_email": recipient.email, "recipient_name": recipient.name, **own}
        )

    def _links(self, token: str) -> dict[str, str]:
        join = self._join_url(token)
        rsvp = self._rsvp_url(token)
        return {
            "join_url": join,
            "accept_url": f"{rsvp}?answer=accepted",
            "decline_url": f"{rsvp}?answer=declined",
            "maybe_url": f"{rsvp}?answer=tentative",
            "google_calendar_url": self._google_calendar_url(join),
        }

    def _calendar(self, method: str) -> MeetingCalendar:
        if method not in self._calendars:
            self._calendars[method] = MeetingCalendar(self.meeting, method=method)
        return self._calendars[method]

    def _attach_calendar(self, message: EmailMultiAlternatives, ics: bytes, method: str) -> None:
        """The calendar as a `text/calendar; method=…` alternative and as `invite.ics`.

        ESPs that refuse calendar alternatives get the attachment alone.
        """
        content = ics.decode()
        mimetype = f"text/calendar; method={method}"
        if self.calendar_alternative:
            message.attach_alternative(content, mimetype)
        message.attach("invite.ics", content, mimetype)


def invitation_email(
    invitation: Invitation,
    *,
    token: str,
    update: bool,
    calendar_alternative: bool | None = None,
) -> EmailMultiAlternatives:
    """One invitation email on its own; a batch uses MeetingEmails.invitation."""
    emails = MeetingEmails(invitation.meeting, calendar_alternative=calendar_alternative)
    return emails.invitation(invitation, token=token, update=update)


def cancellation_email(
    invitation: Invitation, *, calendar_alternative: bool | None = None
) -> EmailMultiAlternatives:
    """One cancellation email on its own; a batch uses MeetingEmails.cancellation."""
    emails = MeetingEmails(invitation.meeting, calendar_alternative=calendar_alternative)
    return emails.cancellation(invitation)


def reminder_email(
    meeting: Meeting, recipient: Recipient, *, kind: str, join_url: str
) -> EmailMultiAlternatives:
    """A reminder shortly before the start, with the way in."""
    context = _context(meeting, recipient, kind=kind, join_url=join_url)
    return _message(*_render("reminder", context), recipient)
