"""The emails of invitations, one function per kind, each for one recipient."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formataddr
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from invitations.backends import calendar_alternative_supported
from invitations.calendar import Attendee, build_calendar
from invitations.models import Invitation
from meetings.models import Meeting


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    timezone: str


class CalendarEmail(EmailMultiAlternatives):
    """Writes `text/calendar; method=REQUEST` with the method unquoted, as Google and
    Exchange send it: the email package would quote it, and not every client reads that."""

    def message(self):
        message = super().message()
        for part in message.walk():
            if part.get_content_type() == "text/calendar" and (method := part.get_param("method")):
                part.del_param("method")
                part.set_param("method", method, requote=False)
        return message


@dataclass(frozen=True)
class EmailBlock:
    """A part that another app adds to an invitee's email: text, and HTML it escaped itself."""

    text: str
    html: str


# Apps above invitations add blocks to invitees' emails here, from their
# AppConfig.ready() (bookings: a guest's reschedule and cancel links). Each is
# called with the invitation and the email's name ("invitation" or
# "cancellation") as the email is rendered, and returns an EmailBlock or None.
email_blocks: list[Callable[[Invitation, str], EmailBlock | None]] = []


def _blocks(invitation: Invitation, name: str) -> list[EmailBlock]:
    return [block for hook in email_blocks if (block := hook(invitation, name)) is not None]


def recipient_for(invitation: Invitation) -> Recipient:
    """Users read times in their own zone; contacts in the meeting's."""
    zone = invitation.user.timezone if invitation.user_id else invitation.meeting.timezone
    return Recipient(invitation.email, invitation.display_name, zone)


def details(meeting: Meeting) -> dict:
    """What an invitation shows of the meeting, kept with the invitation once it is sent,
    so that the next update can say what changed since."""
    return {
        "title": meeting.title,
        "starts_at": meeting.starts_at.astimezone(UTC).isoformat(),
        "duration": meeting.duration,
        "passcode": meeting.passcode,
    }


def invitation_email(
    invitation: Invitation,
    *,
    token: str,
    update: bool,
    calendar_alternative: bool | None = None,
) -> EmailMultiAlternatives:
    """The invitation (or, after a change, the update) with a personal link and a calendar."""
    meeting = invitation.meeting
    recipient = recipient_for(invitation)
    site = settings.SITE_URL
    join_url = site + reverse("invitations:join", args=[meeting.meeting_id, token])
    rsvp_url = site + reverse("invitations:rsvp", args=[meeting.meeting_id, token])
    before = invitation.sent_details if update else {}
    now = details(meeting)
    message = _email(
        "invitation",
        meeting,
        recipient,
        update=update,
        changes=_changes(before, now, recipient),
        # A new time resets the answers (see invitations_meeting_changed): ask again.
        rescheduled=bool(before)
        and any(before.get(k) != now[k] for k in ("starts_at", "duration")),
        personal_message=invitation.personal_message,
        join_url=join_url,
        accept_url=f"{rsvp_url}?answer=accepted",
        decline_url=f"{rsvp_url}?answer=declined",
        maybe_url=f"{rsvp_url}?answer=tentative",
        google_calendar_url=google_calendar_url(meeting, join_url),
        blocks=_blocks(invitation, "invitation"),
    )
    _attach_calendar(message, invitation, "REQUEST", calendar_alternative, join_url)
    return message


def cancellation_email(
    invitation: Invitation, *, calendar_alternative: bool | None = None
) -> EmailMultiAlternatives:
    """The meeting is off for this invitee: METHOD:CANCEL removes it from their calendar."""
    recipient = recipient_for(invitation)
    message = _email(
        "cancellation",
        invitation.meeting,
        recipient,
        revoked=invitation.is_revoked,
        blocks=_blocks(invitation, "cancellation"),
    )
    _attach_calendar(message, invitation, "CANCEL", calendar_alternative)
    return message


def reminder_email(
    meeting: Meeting, recipient: Recipient, *, kind: str, join_url: str
) -> EmailMultiAlternatives:
    """A reminder shortly before the start, with the way in."""
    return _email("reminder", meeting, recipient, kind=kind, join_url=join_url)


def _email(name: str, meeting: Meeting, recipient: Recipient, **context) -> CalendarEmail:
    host = meeting.host
    context = {
        "meeting": meeting,
        "host": host,
        "recipient": recipient,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "zone_name": recipient.timezone,
        "site_url": settings.SITE_URL,
        **context,
    }
    # Answers go to the host, not to the site's sending address.
    reply_to = None if recipient.email == host.email else (host.display_name, host.email)
    return render_email(
        name,
        context,
        zone=recipient.timezone,
        to=(recipient.name, recipient.email),
        reply_to=reply_to,
    )


def render_email(
    name: str,
    context: dict,
    *,
    zone: str,
    to: tuple[str, str],
    reply_to: tuple[str, str] | None = None,
) -> CalendarEmail:
    """One person's email from templates/emails/<name>-subject.txt, -body.txt and -body.html,
    with times in `zone`; `to` and `reply_to` are (name, address) pairs."""
    with timezone.override(ZoneInfo(zone)):
        subject = render_to_string(f"emails/{name}-subject.txt", context)
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = CalendarEmail(
        _one_line(subject),
        text,
        settings.DEFAULT_FROM_EMAIL,
        [_address(*to)],
        reply_to=[_address(*reply_to)] if reply_to else [],
    )
    message.attach_alternative(html, "text/html")
    return message


def _one_line(text: str) -> str:
    """Headers carry one line: CR, LF and runs of white space fold to one space."""
    return " ".join(text.split())


def _address(name: str, email: str) -> str:
    return formataddr((_one_line(name), email))


def _attach_calendar(
    message: EmailMultiAlternatives,
    invitation: Invitation,
    method: str,
    alternative: bool | None,
    join_url: str = "",
) -> None:
    attendee = Attendee(invitation.email, invitation.display_name, invitation.rsvp)
    ics = build_calendar(invitation.meeting, method=method, attendee=attendee, join_url=join_url)
    attach_calendar(message, ics, method, alternative)


def attach_calendar(
    message: EmailMultiAlternatives, ics: bytes, method: str, alternative: bool | None
) -> None:
    """A calendar as a `text/calendar; method=…` alternative and as `invite.ics`.

    ESPs that refuse calendar alternatives get the attachment alone; None: look it up now.
    """
    if alternative is None:
        alternative = calendar_alternative_supported()
    content = ics.decode()
    mimetype = f"text/calendar; method={method}"
    if alternative:
        message.attach_alternative(content, mimetype)
    message.attach("invite.ics", content, mimetype)


def google_calendar_url(meeting: Meeting, join_url: str) -> str:
    """Google Calendar's page that adds the meeting to the visitor's calendar."""
    fmt = "%Y%m%dT%H%M%SZ"
    start = meeting.starts_at.astimezone(UTC)
    end = start + timedelta(minutes=meeting.duration)
    query = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": f"{start.strftime(fmt)}/{end.strftime(fmt)}",
        "details": f"Join: {join_url}\nMeeting ID: {meeting.formatted_meeting_id}\n"
        f"Passcode: {meeting.passcode}",
        "location": join_url,
        "ctz": meeting.timezone,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def _changes(before: dict, now: dict, recipient: Recipient) -> list[str]:
    """What differs from what the recipient's last email showed, one line each."""
    if not before:  # sent before such records were kept
        return []
    zone = ZoneInfo(recipient.timezone)

    def moment(iso: str) -> str:
        return dateformat.format(timezone.localtime(datetime.fromisoformat(iso), zone), "D j M H:i")

    lines = []
    if before.get("title") != now["title"]:
        lines.append(f"Title: {before.get('title')} → {now['title']}")
    if before.get("starts_at") != now["starts_at"]:
        lines.append(f"Time: {moment(before['starts_at'])} → {moment(now['starts_at'])}")
    if before.get("duration") != now["duration"]:
        lines.append(f"Duration: {before.get('duration')} → {now['duration']} minutes")
    if before.get("passcode") != now["passcode"]:
        lines.append(f"Passcode: {before.get('passcode')} → {now['passcode']}")
    return lines
