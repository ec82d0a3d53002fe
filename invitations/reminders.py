"""Reminders 24 hours and 1 hour before a meeting, each at most once per recipient."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from invitations import tokens
from invitations.delivery import classify
from invitations.emails import Recipient, reminder_email
from invitations.models import Invitation, ReminderSent
from meetings.models import Meeting

log = logging.getLogger(__name__)

LEADS = {ReminderSent.Kind.DAY: timedelta(hours=24), ReminderSent.Kind.HOUR: timedelta(hours=1)}


@dataclass
class Due:
    meeting: Meeting
    kind: str
    recipient: Recipient
    invitation: Invitation | None  # None: the host


def due_reminders(now: datetime) -> list[Due]:
    """Who is owed which reminder now.

    A reminder is owed from its time (start - lead) until the start, to the
    host and to every live invitee who has not declined, and only if the
    meeting and the invitation existed by then: a meeting created 3 hours
    ahead gets no "24 hours" reminder. Inside the last hour only the 1-hour
    one is sent.
    """
    due = []
    for kind, lead in LEADS.items():
        meetings = Meeting.objects.select_related("host").filter(
            status__in=[Meeting.Status.SCHEDULED, Meeting.Status.ACTIVE],
            starts_at__gt=now,
            starts_at__lte=now + lead,
        )
        if kind == ReminderSent.Kind.DAY:
            meetings = meetings.filter(starts_at__gt=now + LEADS[ReminderSent.Kind.HOUR])
        meetings = [m for m in meetings if m.created_at <= m.starts_at - lead]
        if not meetings:
            continue
        sent = set(
            ReminderSent.objects.filter(meeting__in=meetings, kind=kind).values_list(
                "meeting_id", "email"
            )
        )
        invitations = (
            Invitation.objects.select_related("user")
            .filter(meeting__in=meetings, revoked_at__isnull=True)
            .exclude(rsvp=Invitation.Rsvp.DECLINED)
        )
        by_meeting: dict[int, list[Invitation]] = {}
        for invitation in invitations:
            by_meeting.setdefault(invitation.meeting_id, []).append(invitation)
        for meeting in meetings:
            host = meeting.host
            if (meeting.pk, host.email) not in sent:
                due.append(
                    Due(
                        meeting, kind, Recipient(host.email, host.display_name, host.timezone), None
                    )
                )
            for invitation in by_meeting.get(meeting.pk, []):
                if invitation.created_at > meeting.starts_at - lead:
                    continue
                if (meeting.pk, invitation.email) in sent:
                    continue
                invitation.meeting = meeting
                zone = invitation.user.timezone if invitation.user_id else meeting.timezone
                due.append(
                    Due(
                        meeting,
                        kind,
                        Recipient(invitation.email, invitation.display_name, zone),
                        invitation,
                    )
                )
    return due


def _claim(item: Due) -> ReminderSent | None:
    try:
        with transaction.atomic():
            return ReminderSent.objects.create(
                meeting=item.meeting, email=item.recipient.email, kind=item.kind
            )
    except IntegrityError:
        return None  # another run took it


def send_due_reminders(now: datetime | None = None) -> int:
    """Send what is owed over one connection; a failed one is released for the next run."""
    items = due_reminders(now or timezone.now())
    if not items:
        return 0
    sent = 0
    connection = get_connection()
    try:
        for item in items:
            claim = _claim(item)
            if claim is None:
                continue
            join_token = None
            try:
                if item.invitation is None:
                    join_url = settings.SITE_URL + item.meeting.get_absolute_url()
                else:
                    token, join_token = tokens.mint(item.invitation)
                    join_url = settings.SITE_URL + reverse(
                        "invitations:join", args=[item.meeting.meeting_id, token]
                    )
                message = reminder_email(
                    item.meeting, item.recipient, kind=item.kind, join_url=join_url
                )
                connection.send_messages([message])
                sent += 1
            except Exception as error:  # released, retried next run
                log.warning("Reminder to %s failed: %s", item.recipient.email, classify(error))
                claim.delete()
                if join_token is not None:
                    join_token.delete()
    finally:
        try:
            connection.close()
        except Exception:
            log.debug("Closing the mail connection failed", exc_info=True)
    return sent
