from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from invitations.delivery import recover_stuck
from invitations.models import Invitation
from invitations.reminders import send_due_reminders
from invitations.tasks import deliver_invitations


class Command(BaseCommand):
    help = (
        "Send the reminders that are due (24 hours and 1 hour before each meeting) and "
        "queue again any invitation whose delivery a dead worker left unfinished. "
        "Run it every few minutes from cron."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        recovered = recover_stuck(now)
        # Queued invitations with no task to send them (their worker died) get one.
        stranded = (
            Invitation.objects.filter(delivery_state=Invitation.Delivery.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values_list("meeting_id", flat=True)
            .distinct()
        )
        for meeting_pk in stranded:
            deliver_invitations.enqueue(meeting_pk)
        sent = send_due_reminders(now)
        self.stdout.write(f"{sent} reminders sent, {recovered} stuck deliveries queued again.")
