from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invitations import services
from invitations.forms import parse_addresses
from invitations.models import Invitation


@pytest.fixture
def time_passes():
    """Make deferred retries due now: the worker's clock is real, so the schedule moves."""

    def advance() -> None:
        now = timezone.now()
        DBTaskResult.objects.filter(
            run_after__gt=now, run_after__lt=now + timedelta(days=365)
        ).update(run_after=now - timedelta(seconds=1))
        Invitation.objects.filter(next_attempt_at__gt=now).update(
            next_attempt_at=now - timedelta(seconds=1)
        )

    return advance


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite addresses the way the form does; the delivery task is queued on commit."""

    def send(meeting, *addresses, message=""):
        recipients = []
        for address in addresses:
            if isinstance(address, tuple):
                recipients.append(address)
            else:
                parsed, invalid = parse_addresses(address)
                assert not invalid, invalid
                recipients += parsed
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitations_send(
                meeting=meeting, recipients=recipients, personal_message=message
            )

    return send


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (task enqueues) of the block, as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
