"""Background work of invitations, run by `manage.py db_worker`."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from invitations import delivery, reminders
from meetings import services as meeting_services

SWEEP_INTERVAL = timedelta(minutes=1)

# Apps above invitations add their own every-minute work here, from their
# AppConfig.ready() (bookings: the rating requests after a meeting). Each is
# called with the sweep's time and returns a dict of counts for its result.
sweep_steps: list[Callable[[datetime], dict]] = []


@task()
def deliver_invitations(meeting_pk: int) -> dict:
    """Send one meeting's queued invitation emails; schedule itself again for retries."""
    outcome = delivery.deliver_meeting(meeting_pk)
    if outcome.retrying:  # each retry set outcome.retry_at
        deliver_invitations.using(run_after=outcome.retry_at).enqueue(meeting_pk)
    return {"sent": outcome.sent, "retrying": outcome.retrying, "failed": outcome.failed}


@task()
def sweep() -> dict:
    """Every minute: the reminders that are due, deliveries a dead worker left behind, and
    meetings left open past their end."""
    now = timezone.now()
    # The next run is queued first, so that an error below does not end the series.
    schedule_sweep(run_after=now + SWEEP_INTERVAL)
    # Each run leaves a result row; a day of them is plenty to look back on.
    DBTaskResult.objects.filter(
        task_path=sweep.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - timedelta(days=1),
    ).delete()
    return run_sweep(now)


def schedule_sweep(*, run_after: datetime | None = None) -> bool:
    """Queue a sweep unless one is already waiting; False if one was.

    Whatever starts the series (`manage.py send_reminders`, a worker's
    restart) adds no second one, and should two ever run side by side, the
    one that finds the other's next run waiting ends. Each run is taken by a
    single worker, and a reminder's unique row keeps even two runs at once
    from sending it twice.
    """
    waiting = DBTaskResult.objects.filter(
        task_path=sweep.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    sweep.using(run_after=run_after or timezone.now()).enqueue()
    return True


def run_sweep(now: datetime) -> dict:
    """Send the reminders that are due; queue again the deliveries nobody is working on;
    complete the meetings still open two hours after their end."""
    completed = meeting_services.meetings_complete_overdue(now=now)
    recovered = delivery.recover_stuck(now)
    for meeting_pk in delivery.stranded_meetings(now):
        deliver_invitations.enqueue(meeting_pk)
    done = {
        "reminders": reminders.send_due_reminders(now),
        "recovered": recovered,
        "completed": completed,
    }
    for step in sweep_steps:
        done |= step(now)
    return done
