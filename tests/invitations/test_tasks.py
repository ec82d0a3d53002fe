from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invitations.models import Invitation, ReminderSent
from invitations.tasks import schedule_sweep, sweep
from tests.factories import ContactFactory, MeetingFactory

# The worker closes and reopens database connections between tasks.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def due(user):
    """A meeting in 40 minutes, made a day ago, with one invitee: two reminders are due."""
    meeting = MeetingFactory(host=user, starts_at=timezone.now() + timedelta(minutes=40))
    contact = ContactFactory(owner=user, email="linus@example.org")
    Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, delivery_state="sent"
    )
    day_ago = timezone.now() - timedelta(days=1)
    Invitation.objects.update(created_at=day_ago)
    type(meeting).objects.update(created_at=day_ago)
    return meeting


def _waiting_sweeps():
    return DBTaskResult.objects.filter(task_path=sweep.module_path, status="READY")


def test_the_worker_sends_due_reminders_without_cron(due, smtp_server, run_worker):
    schedule_sweep()  # what `send_reminders` does when the worker starts
    run_worker()
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    assert recipients == ["ada@example.com", "linus@example.org"]
    # The sweep queued its next run, a minute on.
    (following,) = _waiting_sweeps()
    assert timedelta(seconds=50) < following.run_after - timezone.now() <= timedelta(minutes=1)


def test_the_next_run_sends_nothing_twice(due, smtp_server, run_worker):
    schedule_sweep()
    run_worker()
    _waiting_sweeps().update(run_after=timezone.now())
    run_worker()
    assert len(smtp_server.messages) == 2
    assert ReminderSent.objects.count() == 2
    assert _waiting_sweeps().count() == 1


def test_starting_the_worker_again_adds_no_second_series(due, smtp_server):
    call_command("send_reminders", verbosity=0)
    call_command("send_reminders", verbosity=0)
    assert _waiting_sweeps().count() == 1
    assert len(smtp_server.messages) == 2


def test_two_series_that_started_together_become_one(due, smtp_server, run_worker):
    for _ in range(2):
        sweep.enqueue()  # two starts that checked at the same moment
    run_worker()
    assert len(smtp_server.messages) == 2
    assert _waiting_sweeps().count() == 1


def test_the_sweep_completes_meetings_left_open_past_their_end(user, run_worker):
    over = timezone.now() - timedelta(hours=4)
    never_started = MeetingFactory(host=user, starts_at=over, duration=60)
    left_open = MeetingFactory(host=user, starts_at=over, duration=60, status="active")
    cancelled = MeetingFactory(host=user, starts_at=over, duration=60, status="cancelled")
    schedule_sweep()
    run_worker()
    (result,) = DBTaskResult.objects.filter(task_path=sweep.module_path, status="SUCCESSFUL")
    assert result.return_value["completed"] == 2
    never_started.refresh_from_db()
    left_open.refresh_from_db()
    cancelled.refresh_from_db()
    assert (never_started.status, never_started.no_show) == ("ended", True)
    assert (left_open.status, left_open.no_show) == ("ended", False)
    assert cancelled.status == "cancelled"
