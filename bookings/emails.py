"""The emails of bookings: the guest's block in their invitation emails, and the host's notice.

The guest's confirmation is the invitation email every invitee gets (personal
join link, calendar file, reminders); the booking adds a block to it through
invitations.emails.email_blocks: the time in the guest's own zone and the
links to reschedule and cancel, each email with a token of its own. The host
gets "New booking: …", "Booking moved: …" or "Booking cancelled: …" with the
guest's answers and a calendar file (REQUEST, or CANCEL), sent by
bookings.tasks.notify_host.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from bookings import links, tokens
from bookings.models import Booking
from invitations.calendar import Attendee, build_calendar
from invitations.emails import EmailBlock, attach_calendar, recipient_for, render_email
from invitations.models import Invitation

HOST_KINDS = ("new", "moved", "cancelled")


def guest_block(invitation: Invitation, name: str) -> EmailBlock | None:
    """The booking's part of its guest's invitation or cancellation email; None for others."""
    try:
        booking = invitation.meeting.booking
    except ObjectDoesNotExist:
        return None
    if booking.invitation_id != invitation.pk:
        return None  # someone the host invited to the booked meeting as well
    context = {
        "booking": booking,
        "host": invitation.meeting.host,
        "name": name,
        "zone_name": booking.guest_timezone,
        # The email shows times in another zone than the one the guest booked in.
        "other_zone": recipient_for(invitation).timezone != booking.guest_timezone,
    }
    if name == "invitation":
        if booking.is_cancelled:
            return None
        token = tokens.mint(booking=booking)
        context |= {
            "booking_url": links.booking_url(token),
            "reschedule_url": links.reschedule_url(token),
            "cancel_url": links.cancel_url(token),
        }
    elif name != "cancellation" or not booking.is_cancelled:
        return None
    with timezone.override(ZoneInfo(booking.guest_timezone)):
        return EmailBlock(
            text=render_to_string("emails/booking-guest-block.txt", context).strip(),
            html=render_to_string("emails/booking-guest-block.html", context),
        )


def host_email(booking: Booking, *, kind: str, calendar_alternative: bool | None = None):
    """The host's notice of a new, moved or cancelled booking, with the calendar file."""
    if kind not in HOST_KINDS:
        raise ValueError(f"Not a kind of host notice: {kind!r}")
    meeting = booking.meeting
    host = booking.host
    meeting_url = settings.SITE_URL + meeting.get_absolute_url()
    context = {
        "booking": booking,
        "meeting": meeting,
        "host": host,
        "kind": kind,
        "meeting_url": meeting_url,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "zone_name": host.timezone,
        "site_url": settings.SITE_URL,
    }
    message = render_email(
        "booking-host",
        context,
        zone=host.timezone,
        to=(host.display_name, host.email),
        # The host's answer goes to the guest.
        reply_to=(booking.guest_name, booking.guest_email),
    )
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    rsvp = booking.invitation.rsvp if booking.invitation_id else "needs_action"
    ics = build_calendar(
        meeting,
        method=method,
        attendee=Attendee(booking.guest_email, booking.guest_name, rsvp),
        join_url=meeting_url,
    )
    attach_calendar(message, ics, method, calendar_alternative)
    return message
