"""Background work of meetings held on Google Meet, run by `manage.py db_worker`."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from accounts import google
from accounts.models import User
from meetings import google_meet
from meetings.models import Meeting

logger = logging.getLogger(__name__)

# Google sets most conferences up within seconds; give up after about an hour.
COMPLETE_ATTEMPTS = 8
DELETE_ATTEMPTS = 6


def _retry_at(attempt: int):
    return timezone.now() + timedelta(seconds=15 * 2**attempt)


@task()
def complete_google_meet(meeting_pk: int, attempt: int = 1) -> str:
    """Store the Meet link of a meeting whose conference Google was still setting up."""
    meeting = Meeting.objects.select_related("host").filter(pk=meeting_pk).first()
    if (
        meeting is None
        or meeting.provider != Meeting.Provider.GOOGLE_MEET
        or meeting.external_url
        or not meeting.is_joinable
    ):
        return "nothing to do"
    try:
        url = google_meet.fetch_url(meeting)
    except google_meet.MeetError as error:
        logger.warning("The Meet of meeting %s is not ready: %s", meeting.meeting_id, error)
        url = ""
    if url:
        # Only if it is still the same event: the host may have changed the provider since.
        Meeting.objects.filter(
            pk=meeting.pk, google_event_id=meeting.google_event_id, external_url=""
        ).update(external_url=url, updated_at=timezone.now())
        return "ready"
    if attempt < COMPLETE_ATTEMPTS:
        complete_google_meet.using(run_after=_retry_at(attempt)).enqueue(meeting_pk, attempt + 1)
        return "pending"
    return "gave up"


@task()
def delete_google_event(host_pk: int, event_id: str, attempt: int = 1) -> str:
    """Remove a cancelled or abandoned Meet's event from the host's Google Calendar."""
    host = User.objects.filter(pk=host_pk).first()
    if host is None:
        return "no host"
    try:
        google_meet.delete_event(host, event_id)
    except google_meet.MeetError as error:
        if attempt >= DELETE_ATTEMPTS or google.connected_account(host) is None:
            logger.warning("The Google Calendar event %s stays: %s", event_id, error)
            return "gave up"
        delete_google_event.using(run_after=_retry_at(attempt)).enqueue(
            host_pk, event_id, attempt + 1
        )
        return "retrying"
    return "deleted"
