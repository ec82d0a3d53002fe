"""Background work of bookings, run by `manage.py db_worker`."""

import logging
from datetime import timedelta

from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import task

from bookings import emails
from bookings.models import Booking

log = logging.getLogger(__name__)

NOTIFY_ATTEMPTS = 6


@task()
def notify_host(booking_pk: int, attempt: int = 1) -> str:
    """Tell the host about their booking as it is now: new, moved or cancelled.

    A run claims the meeting's current calendar SEQUENCE on the booking before
    sending, so a task run twice, or runs queued by several quick changes,
    send one email about the latest state. A failed send gives the claim back
    and tries again later, NOTIFY_ATTEMPTS times in all.
    """
    booking = (
        Booking.objects.select_related("host", "booking_type", "meeting__host", "invitation")
        .filter(pk=booking_pk)
        .first()
    )
    if booking is None:
        return "no booking"
    sequence = booking.meeting.sequence
    told = booking.host_notified_sequence
    if told >= sequence:
        return "already told"
    claimed = Booking.objects.filter(pk=booking.pk, host_notified_sequence=told).update(
        host_notified_sequence=sequence
    )
    if not claimed:
        return "another run is telling"
    if booking.is_cancelled and told < 0:
        return "cancelled before the host heard of it"
    kind = "cancelled" if booking.is_cancelled else "moved" if told >= 0 else "new"
    try:
        get_connection().send_messages([emails.host_email(booking, kind=kind)])
    except Exception:  # any failure of the mail route: try again later
        log.warning("The host's booking email for %s failed", booking_pk, exc_info=True)
        Booking.objects.filter(pk=booking.pk, host_notified_sequence=sequence).update(
            host_notified_sequence=told
        )
        if attempt >= NOTIFY_ATTEMPTS:
            return "gave up"
        retry_at = timezone.now() + timedelta(seconds=30 * 2 ** (attempt - 1))
        notify_host.using(run_after=retry_at).enqueue(booking_pk, attempt + 1)
        return "retrying"
    return kind
