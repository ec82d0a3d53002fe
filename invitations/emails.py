"""The emails of invitations: one small function per kind, templates in templates/emails/."""

from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import formataddr
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from invitations.backends import calendar_alternative_supported
from invitations.calendar import Attendee, build_calendar
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
    # Templates show times in the active zone: the recipient's.
    with timezone.override(ZoneInfo(context["zone_name"])):
        subject = _one_line(render_to_string(f"emails/{template}-subject.txt", context))
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
    message = CalendarEmail(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def _attach_calendar(
    message: EmailMultiAlternatives, ics: bytes, method: str, alternative: bool | None
) -> None:
    """The calendar as a `text/calendar; method=…` alternative and as `invite.ics`.

    ESPs that refuse calendar alternatives get the attachment alone.
    """
    content = ics.decode()
    mimetype = f"text/calendar; method={method}"
    if alternative if alternative is not None else calendar_alternative_supported():
        message.attach_alternative(content, mimetype)
    message.attach("invite.ics", content, mimetype)


def recipient_for(invitation: Invitation) -> Recipient:
    zone = invitation.user.timezone if invitation.user_id else invitation.meeting.timezone
    return Recipient(invitation.email, invitation.display_name, zone)


def _links(invitation: Invitation, token: str) -> dict:
    meeting = invitation.meeting
    base = settings.SITE_URL
    join = base + reverse("invitations:join", args=[meeting.meeting_id, token])
    rsvp = base + reverse("invitations:rsvp", args=[meeting.meeting_id, token])
    return {
        "join_url": join,
        "accept_url": f"{rsvp}?answer=accepted",
        "decline_url": f"{rsvp}?answer=declined",
        "maybe_url": f"{rsvp}?answer=tentative",
        "google_calendar_url": google_calendar_url(meeting, join),
    }


def google_calendar_url(meeting: Meeting, join_url: str) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    start = meeting.starts_at.astimezone(UTC)
    end = start + timedelta(minutes=meeting.duration)
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": meeting.title,
            "dates": f"{start.strftime(fmt)}/{end.strftime(fmt)}",
            "details": f"Join: {join_url}\nMeeting ID: {meeting.formatted_meeting_id}\n"
            f"Passcode: {meeting.passcode}",
            "location": join_url,
            "ctz": meeting.timezone,
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


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


def invitation_email(
    invitation: Invitation,
    *,
    token: str,
    update: bool,
    calendar_alternative: bool | None = None,
) -> EmailMultiAlternatives:
    """The invitation (or, after a change, the update) with a personal link and a calendar.

    calendar_alternative: whether the mail route takes a calendar alternative part;
    a batch decides it once (None: look it up now).
    """
    meeting = invitation.meeting
    recipient = recipient_for(invitation)
    links = _links(invitation, token)
    context = _context(
        meeting,
        recipient,
        update=update,
        personal_message=invitation.personal_message,
        **links,
    )
    message = _message(*_render("invitation", context), recipient)
    ics = build_calendar(
        meeting,
        method="REQUEST",
        attendee=Attendee(invitation.email, invitation.display_name, invitation.rsvp),
        join_url=links["join_url"],
    )
    _attach_calendar(message, ics, "REQUEST", calendar_alternative)
    return message


def cancellation_email(
    invitation: Invitation, *, calendar_alternative: bool | None = None
) -> EmailMultiAlternatives:
    """The meeting is off for this invitee: METHOD:CANCEL removes it from their calendar."""
    meeting = invitation.meeting
    recipient = recipient_for(invitation)
    context = _context(meeting, recipient, revoked=invitation.is_revoked)
    message = _message(*_render("cancellation", context), recipient)
    ics = build_calendar(
        meeting,
        method="CANCEL",
        attendee=Attendee(invitation.email, invitation.display_name, invitation.rsvp),
    )
    _attach_calendar(message, ics, "CANCEL", calendar_alternative)
    return message


def reminder_email(
    meeting: Meeting, recipient: Recipient, *, kind: str, join_url: str
) -> EmailMultiAlternatives:
    """A reminder shortly before the start, with the way in."""
    context = _context(meeting, recipient, kind=kind, join_url=join_url)
    return _message(*_render("reminder", context), recipient)
