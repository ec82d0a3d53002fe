"""Reminders 24 hours and 1 hour before a meeting, each at most once per recipient."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from invitations import tokens
from invitations.delivery import send_each
from invitations.emails import Recipient, recipient_for, reminder_email
from invitations.models import Invitation, JoinToken, ReminderSent
from meetings.models import Meeting

LEADS = {ReminderSent.Kind.DAY: timedelta(hours=24), ReminderSent.Kind.HOUR: timedelta(hours=1)}


@dataclass
class Due:
    meeting: Meeting
    kind: str
    recipient: Recipient
    invitation: Invitation | None  # None: the host
    claim_pk: int | None = None  # this sweep's ReminderSent row


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
                recipient = Recipient(host.email, host.display_name, host.timezone)
                due.append(Due(meeting, kind, recipient, None))
            for invitation in by_meeting.get(meeting.pk, []):
                if invitation.created_at > meeting.starts_at - lead:
                    continue
                if (meeting.pk, invitation.email) in sent:
                    continue
                invitation.meeting = meeting
                due.append(Due(meeting, kind, recipient_for(invitation), invitation))
    return due


def _claim(items: list[Due]) -> list[Due]:
    """Insert a ReminderSent row for each item; keep those this sweep inserted.

    The unique (meeting, email, kind) row is the claim: of sweeps running at
    once, one inserts it and sends, the others skip it.
    """
    claim = uuid.uuid4().hex
    ReminderSent.objects.bulk_create(
        [
            ReminderSent(
                meeting=item.meeting, email=item.recipient.email, kind=item.kind, claimed_by=claim
            )
            for item in items
        ],
        ignore_conflicts=True,
    )
    ours = {
        (meeting_pk, email, kind): pk
        for pk, meeting_pk, email, kind in ReminderSent.objects.filter(
            claimed_by=claim
        ).values_list("pk", "meeting_id", "email", "kind")
    }
    for item in items:
        item.claim_pk = ours.get((item.meeting.pk, item.recipient.email, item.kind))
    return [item for item in items if item.claim_pk is not None]


def _reminder(item: Due, minted: dict):
    """The reminder with the way in: the meeting page for the host, a personal link for others."""
    if item.invitation is None:
        join_url = settings.SITE_URL + item.meeting.get_absolute_url()
    else:
        token = minted[item.invitation.pk][0]
        join_url = settings.SITE_URL + reverse(
            "invitations:join", args=[item.meeting.meeting_id, token]
        )
    return reminder_email(item.meeting, item.recipient, kind=item.kind, join_url=join_url)


def send_due_reminders(now: datetime | None = None) -> int:
    """Send what is owed over one connection; a failed one is released for the next run.

    The number of queries does not grow with the reminders: claims, tokens
    and releases are written in bulk.
    """
    items = due_reminders(now or timezone.now())
    if not items:
        return 0
    items = _claim(items)
    minted = tokens.mint_many([item.invitation for item in items if item.invitation is not None])
    failed = send_each(
        items,
        lambda item: _reminder(item, minted),
        what="Reminder",
        to=lambda item: item.recipient.email,
    )
    if failed:
        ReminderSent.objects.filter(pk__in=[item.claim_pk for item in failed]).delete()
        JoinToken.objects.filter(
            pk__in=[minted[item.invitation.pk][1].pk for item in failed if item.invitation]
        ).delete()
    return len(items) - len(failed)
