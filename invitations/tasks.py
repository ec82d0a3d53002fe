"""Background work of invitations, run by `manage.py db_worker`."""

from django.utils import timezone
from django_tasks import task

from invitations import delivery


@task()
def deliver_invitations(meeting_pk: int) -> dict:
    """Send one meeting's queued invitation emails; schedule itself again for retries."""
    outcome = delivery.deliver_meeting(meeting_pk)
    if outcome.retrying:
        retry_at = outcome.retry_at or timezone.now()
        deliver_invitations.using(run_after=retry_at).enqueue(meeting_pk)
    return {"sent": outcome.sent, "retrying": outcome.retrying, "failed": outcome.failed}
