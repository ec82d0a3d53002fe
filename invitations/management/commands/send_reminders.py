from django.core.management.base import BaseCommand
from django.utils import timezone

from invitations.tasks import SWEEP_INTERVAL, run_sweep, schedule_sweep


class Command(BaseCommand):
    help = (
        "Send the reminders that are due (24 hours and 1 hour before each meeting), queue "
        "again any invitation whose delivery a dead worker left unfinished, complete the "
        "meetings still open two hours after their end, and make sure the task worker "
        "repeats this every minute. Run it when the worker starts."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        done = run_sweep(now)
        scheduled = schedule_sweep(run_after=now + SWEEP_INTERVAL)
        self.stdout.write(
            f"{done['reminders']} reminders sent, {done['recovered']} stuck deliveries queued "
            f"again, {done['completed']} meetings completed; the worker sweeps every minute"
            + (" from now on." if scheduled else " (already scheduled).")
        )
