"""Delivery of invitation emails: one SMTP connection per batch, a state per invitation.

A worker claims queued invitations with a conditional UPDATE (so two workers,
or the same task run twice, never take the same one), sends them over one
connection, and marks each sent only after the server accepted it. Temporary
failures (no connection, time-outs, 4xx replies) go back to the queue with a
growing delay; permanent ones (5xx) stop with the server's reply.

Right before each message the worker stamps its claim on that invitation
again and skips it if the claim is gone. So a batch may outlive
MAIL_SENDING_TIMEOUT_SECONDS: what the recovery sweep queued again meanwhile
is sent by whichever worker took it, never by both. Only a single message
slower than the timeout could go twice, so the timeout must exceed the SMTP
timeout by far. Renewing the whole batch's claim now and then would keep the
sweep away as well, but not a change to the meeting: an update or a
cancellation queues the invitations again for another worker, and only the
look before each message keeps this batch from sending the old version too.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from invitations import emails, tokens
from invitations.backends import calendar_alternative_supported
from invitations.models import Invitation, JoinToken
from meetings.models import Meeting
from meetings_site.crypto import SecretKeyError

log = logging.getLogger(__name__)

Delivery = Invitation.Delivery
BATCH_SIZE = 500


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    retry_at: datetime | None = None


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


def classify(error: BaseException) -> Exception:
    """Temporary (worth retrying) or permanent, with a message a host can read."""
    code = reply = None
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, reply = error.smtp_code, error.smtp_error
    if code is not None:
        message = smtp_reply(code, reply)
        return TemporaryFailure(message) if 400 <= code < 500 else PermanentFailure(message)
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return TemporaryFailure("The mail server did not answer in time.")
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | OSError):
        return TemporaryFailure(f"Could not reach the mail server: {error}")
    if isinstance(error, SecretKeyError):
        return TemporaryFailure(str(error))
    return PermanentFailure(f"{type(error).__name__}: {error}")


def smtp_reply(code: int, reply: bytes | str) -> str:
    """The server's own words: "550 5.7.1 Relaying denied"."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def recover_stuck(now: datetime, meeting_pk: int | None = None) -> int:
    """Queue again what a worker claimed and never finished (it died, or was killed)."""
    cutoff = now - timedelta(seconds=settings.MAIL_SENDING_TIMEOUT_SECONDS)
    stuck = Invitation.objects.filter(delivery_state=Delivery.SENDING, claimed_at__lt=cutoff)
    if meeting_pk is not None:
        stuck = stuck.filter(meeting_id=meeting_pk)
    return stuck.update(delivery_state=Delivery.QUEUED, claimed_by="", claimed_at=None)


def _due(now: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        delivery_state=Delivery.QUEUED,
    )


def _claim(meeting_pk: int, now: datetime) -> tuple[str, list[Invitation]]:
    ready = _due(now).filter(meeting_id=meeting_pk)
    candidates = list(ready.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
    claim = uuid.uuid4().hex
    Invitation.objects.filter(pk__in=candidates, delivery_state=Delivery.QUEUED).update(
        delivery_state=Delivery.SENDING, claimed_by=claim, claimed_at=now
    )
    claimed = list(
        Invitation.objects.select_related("user")
        .filter(claimed_by=claim, delivery_state=Delivery.SENDING)
        .order_by("pk")
    )
    if not claimed:
        return claim, []
    # The batch's one meeting, read once rather than joined to every row.
    meeting = Meeting.objects.select_related("host").filter(pk=meeting_pk).first()
    if meeting is None:  # deleted meanwhile, and its invitations with it
        return claim, []
    for invitation in claimed:
        invitation.meeting = meeting
    return claim, claimed


def stranded_meetings(now: datetime) -> list[int]:
    """Meetings with invitations queued and due, whose task may have died with its worker."""
    return list(_due(now).values_list("meeting_id", flat=True).distinct())


def _ours(invitation: Invitation, claim: str) -> QuerySet[Invitation]:
    """The invitation's row while this claim holds it: a change meanwhile (an update, a
    resend, the recovery sweep) queues it again, and then it is no longer ours to touch."""
    return Invitation.objects.filter(
        pk=invitation.pk, claimed_by=claim, delivery_state=Delivery.SENDING
    )


def _hold(invitation: Invitation, claim: str) -> bool:
    """Renew the claim on the invitation about to be sent; False once it is no longer ours."""
    return _ours(invitation, claim).update(claimed_at=timezone.now()) == 1


def _finish(invitation: Invitation, claim: str, **fields) -> None:
    _ours(invitation, claim).update(
        **{"claimed_by": "", "claimed_at": None, "updated_at": timezone.now(), **fields}
    )


def _mark_sent(invitation: Invitation, claim: str) -> None:
    """The server took the message: the invitation is sent, if still ours."""
    now = timezone.now()
    shown = {}
    if invitation.message == Invitation.Message.REQUEST:
        shown["sent_details"] = emails.details(invitation.meeting)
    _finish(
        invitation,
        claim,
        delivery_state=Delivery.SENT,
        attempts=invitation.attempts + 1,
        last_error="",
        sent_at=now,
        next_attempt_at=None,
        updated_at=now,
        **shown,
    )


def _fail(invitation: Invitation, claim: str, attempts: int, error: str, outcome: Outcome) -> None:
    _finish(invitation, claim, delivery_state=Delivery.FAILED, attempts=attempts, last_error=error)
    outcome.failed += 1


def _release_for_retry(
    invitation: Invitation, claim: str, error: str, tried: bool, outcome: Outcome
) -> None:
    attempts = invitation.attempts + (1 if tried else 0)
    if attempts >= settings.MAIL_MAX_ATTEMPTS:
        error = f"Gave up after {attempts} attempts. Last error: {error}"
        _fail(invitation, claim, attempts, error, outcome)
        return
    retry_at = timezone.now() + retry_delay(max(attempts, 1))
    _finish(
        invitation,
        claim,
        delivery_state=Delivery.QUEUED,
        attempts=attempts,
        last_error=error,
        next_attempt_at=retry_at,
    )
    outcome.retrying += 1
    outcome.retry_at = min(filter(None, [outcome.retry_at, retry_at]))


def _build(invitation: Invitation, token: str | None, calendar_alternative: bool):
    """The email for what the invitee is owed: the invitation with its link, or a cancellation."""
    if token is None:
        return emails.cancellation_email(invitation, calendar_alternative=calendar_alternative)
    return emails.invitation_email(
        invitation,
        token=token,
        update=invitation.sent_at is not None,
        calendar_alternative=calendar_alternative,
    )


def deliver_meeting(meeting_pk: int) -> Outcome:
    """Send what is queued for one meeting over one connection."""
    now = timezone.now()
    recover_stuck(now, meeting_pk)
    claim, batch = _claim(meeting_pk, now)
    outcome = Outcome()
    if not batch:
        return outcome

    connection = get_connection()
    # One look at the mail route per batch, not per message.
    calendar_alternative = calendar_alternative_supported()
    try:
        connection.open()
    except Exception as error:  # every failure is recorded per invitation
        failure = classify(error)
        for invitation in batch:
            _release_for_retry(invitation, claim, str(failure), True, outcome)
        return outcome

    # Every invitation email carries a fresh personal token; those whose email
    # does not leave are deleted at the end, so their links never work.
    minted = tokens.mint_many(
        [invitation for invitation in batch if invitation.message == Invitation.Message.REQUEST]
    )
    sent: set[int] = set()
    try:
        for position, invitation in enumerate(batch):
            if not _hold(invitation, claim):
                continue  # queued again meanwhile: a change, or the sweep took it back
            token = minted[invitation.pk][0] if invitation.pk in minted else None
            try:
                connection.send_messages([_build(invitation, token, calendar_alternative)])
            except Exception as error:
                failure = classify(error)
                if isinstance(failure, PermanentFailure):
                    _fail(invitation, claim, invitation.attempts + 1, str(failure), outcome)
                    continue
                # The connection is suspect: this one and the rest wait for the retry.
                _release_for_retry(invitation, claim, str(failure), True, outcome)
                for untried in batch[position + 1 :]:
                    _release_for_retry(untried, claim, str(failure), False, outcome)
                break
            _mark_sent(invitation, claim)
            sent.add(invitation.pk)
            outcome.sent += 1
    finally:
        unsent = [row.pk for pk, (_, row) in minted.items() if pk not in sent]
        if unsent:
            JoinToken.objects.filter(pk__in=unsent).delete()
        _close(connection)
    return outcome


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection may fail; nothing to do
        log.debug("Closing the mail connection failed", exc_info=True)


def send_each(items: list, build: Callable, *, what: str, to: Callable[..., str]) -> list:
    """Send build(item) for each item over one connection; the items whose email did not
    leave (all of them when no connection opens), logged, for the next run to try again."""
    failed = []
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # no connection: everything waits for the next run
        log.warning("%ss not sent: %s", what, classify(error))
        failed = list(items)
    else:
        for item in items:
            try:
                connection.send_messages([build(item)])
            except Exception as error:  # released, retried next run
                log.warning("%s to %s failed: %s", what, to(item), classify(error))
                failed.append(item)
    finally:
        _close(connection)
    return failed
