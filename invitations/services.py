"""Writes to invitations: one verb each. Mail leaves through the task queue, never here."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from contacts.services import contacts_get_or_create_for_emails
from invitations.models import Invitation, ReminderSent
from meetings.exceptions import TransitionError
from meetings.models import Meeting

Delivery = Invitation.Delivery
Message = Invitation.Message


@dataclass
class SendResult:
    invited: list[Invitation] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)
    skipped_host: bool = False


def _queue_delivery(meeting: Meeting) -> None:
    from invitations.tasks import deliver_invitations

    meeting_pk = meeting.pk
    transaction.on_commit(lambda: deliver_invitations.enqueue(meeting_pk))


def _queued(**fields) -> dict:
    """The fields that put an invitation (back) in the queue, with a fresh retry budget.

    The message is an invitation unless `fields` say otherwise; update() skips auto_now.
    """
    return {
        "delivery_state": Delivery.QUEUED,
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": None,
        "claimed_at": None,
        "claimed_by": "",
        "message": Message.REQUEST,
        "updated_at": timezone.now(),
        **fields,
    }


@transaction.atomic
def invitations_send(
    *,
    meeting: Meeting,
    recipients: list[tuple[str, str]],
    personal_message: str = "",
    role: str = Invitation.Role.ATTENDEE,
    as_contacts: bool = False,
) -> SendResult:
    """Invite (name, email) pairs: users by account, anyone else as the host's contact.

    as_contacts invites everyone as a contact, even an address with an account:
    a booking guest who is not logged in as that account cannot claim it.
    """
    if not meeting.is_joinable:
        raise TransitionError(
            f"This meeting is {meeting.get_status_display().lower()}; "
            "invitations can no longer be sent."
        )
    result = SendResult()
    wanted: dict[str, tuple[str, str]] = {}
    for name, email in recipients:
        key = email.lower()
        if key == meeting.host.email.lower():
            result.skipped_host = True
        else:
            wanted.setdefault(key, (name, email))
    if not wanted:
        return result

    existing = {
        invitation.email.lower(): invitation
        for invitation in Invitation.objects.select_for_update()
        .annotate(email_lower=Lower("email"))
        .filter(meeting=meeting, email_lower__in=wanted)
    }
    users = {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=[] if as_contacts else wanted, is_active=True
        )
    }

    contacts = contacts_get_or_create_for_emails(
        owner=meeting.host,
        people=[
            person
            for key, person in wanted.items()
            if key not in users and (key not in existing or existing[key].is_revoked)
        ],
    )
    new = []
    for key, (name, _email) in wanted.items():
        invitation = existing.get(key)
        if invitation is not None and not invitation.is_revoked:
            result.already_invited.append(invitation.email)
            continue
        if invitation is not None:  # revoked earlier: invited again
            Invitation.objects.filter(pk=invitation.pk).update(
                **_queued(revoked_at=None, role=role, personal_message=personal_message)
            )
            result.invited.append(invitation)
            continue
        user, contact = users.get(key), contacts.get(key)
        new.append(
            Invitation(
                meeting=meeting,
                user=user,
                contact=contact,
                email=(user or contact).email,
                name=user.display_name if user else name or contact.full_name,
                role=role,
                personal_message=personal_message,
            )
        )
    result.invited += Invitation.objects.bulk_create(new)
    if result.invited:
        _queue_delivery(meeting)
    return result


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> None:
    """Send the invitation again with a new personal link; the old links stop working."""
    if not invitation.meeting.is_joinable:
        raise TransitionError("The meeting is over; there is nothing to resend.")
    invitation.join_tokens.all().delete()
    Invitation.objects.filter(pk=invitation.pk).update(**_queued(revoked_at=None))
    _queue_delivery(invitation.meeting)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, notify: bool) -> None:
    """Close the invitee's personal links; with notify, their calendar gets a cancellation."""
    invitation.join_tokens.all().delete()
    cancel = notify and invitation.sent_at is not None
    fields = _queued(message=Message.CANCEL) if cancel else {"updated_at": timezone.now()}
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now(), **fields)
    if cancel:
        _queue_delivery(invitation.meeting)


@transaction.atomic
def invitation_remove(*, invitation: Invitation) -> None:
    """Forget the invitation altogether (its links die with it); the contact stays."""
    invitation.delete()


def rsvp_closed_reason(meeting: Meeting) -> str:
    """Why answers are no longer taken for the meeting; '' while they are."""
    if meeting.status == Meeting.Status.CANCELLED:
        return "This meeting was cancelled, so answers are closed."
    if meeting.status == Meeting.Status.ENDED or meeting.ends_at <= timezone.now():
        return "This meeting is over, so answers are closed."
    return ""


@transaction.atomic
def invitation_rsvp(*, invitation: Invitation, answer: str) -> None:
    """Record the invitee's answer (accepted, tentative or declined) until the meeting is over."""
    closed = rsvp_closed_reason(invitation.meeting)
    if closed:
        raise TransitionError(closed)
    if answer == Invitation.Rsvp.NEEDS_ACTION or answer not in Invitation.Rsvp.values:
        raise ValueError(f"Not an answer: {answer!r}")
    invitation.rsvp = answer
    invitation.rsvp_at = timezone.now()
    invitation.save(update_fields=["rsvp", "rsvp_at", "updated_at"])


@transaction.atomic
def invitations_meeting_changed(*, meeting: Meeting, rescheduled: bool, notify: bool) -> int:
    """After a change that calendars must see; returns how many invitees get an update.

    A reschedule (new start or duration) resets every answer to "no answer
    yet", since nobody has answered for the new time, and reminders follow
    the new time. With notify, every live invitee gets the update, which asks
    again; without, nobody is emailed now, and the next email says all that
    changed since the last one each invitee got.
    """
    live = Invitation.objects.filter(meeting=meeting, revoked_at__isnull=True)
    if rescheduled:
        ReminderSent.objects.filter(meeting=meeting).delete()
        live.update(rsvp=Invitation.Rsvp.NEEDS_ACTION, rsvp_at=None, updated_at=timezone.now())
    if not notify:
        return 0
    count = live.update(**_queued())
    if count:
        _queue_delivery(meeting)
    return count


@transaction.atomic
def invitations_notify_cancel(*, meeting: Meeting) -> int:
    """The meeting is off: whoever may have it in their calendar gets METHOD:CANCEL."""
    live = Invitation.objects.filter(meeting=meeting, revoked_at__isnull=True)
    reached = Q(sent_at__isnull=False) | Q(delivery_state=Delivery.SENDING)
    live.exclude(reached).update(
        delivery_state=Delivery.FAILED,
        last_error="Not sent: the meeting was cancelled before the invitation went out.",
        updated_at=timezone.now(),
    )
    count = live.filter(reached).update(**_queued(message=Message.CANCEL))
    if count:
        _queue_delivery(meeting)
    return count
