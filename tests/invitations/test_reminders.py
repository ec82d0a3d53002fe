from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from invitations.models import Invitation, JoinToken, ReminderSent
from invitations.reminders import send_due_reminders
from meetings import services as meeting_services
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(user, settings):
    """A meeting two days ahead, created a week ago, with three invitees."""
    settings.SITE_URL = "https://meet.example.com"
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    meeting = MeetingFactory(host=user, title="Launch", starts_at=start)
    week_ago = timezone.now() - timedelta(days=7)
    for email, rsvp in [
        ("yes@example.org", "accepted"),
        ("no@example.org", "declined"),
        ("quiet@example.org", "needs_action"),
    ]:
        contact = ContactFactory(owner=user, email=email)
        Invitation.objects.create(meeting=meeting, contact=contact, email=email, rsvp=rsvp)
    Invitation.objects.update(created_at=week_ago)
    type(meeting).objects.filter(pk=meeting.pk).update(created_at=week_ago)
    meeting.refresh_from_db()
    return meeting


def _recipients(server):
    return sorted(m["To"].addresses[0].addr_spec for m in server.messages)


def test_day_before_reminder_goes_to_host_and_invitees_who_did_not_decline(soon, smtp_server):
    at = soon.starts_at - timedelta(hours=23)
    assert send_due_reminders(at) == 3
    assert _recipients(smtp_server) == ["ada@example.com", "quiet@example.org", "yes@example.org"]
    message = next(
        m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == "yes@example.org"
    )
    assert str(message["Subject"]).strip().startswith("Reminder: Launch is tomorrow")
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = next(line for line in body.splitlines() if "/join/" in line).split("Join: ")[1]
    assert Client().get(link.removeprefix("https://meet.example.com")).status_code == 200


def test_each_reminder_goes_out_once(soon, smtp_server):
    at = soon.starts_at - timedelta(hours=20)
    send_due_reminders(at)
    send_due_reminders(at + timedelta(minutes=5))
    assert len(smtp_server.messages) == 3
    assert ReminderSent.objects.filter(kind="24h").count() == 3


def test_hour_before_reminder_follows_the_day_before_one(soon, smtp_server):
    send_due_reminders(soon.starts_at - timedelta(hours=23))
    send_due_reminders(soon.starts_at - timedelta(minutes=50))
    subjects = [str(m["Subject"]).strip() for m in smtp_server.messages]
    assert sum("starts in 1 hour" in s for s in subjects) == 3
    assert sum("is tomorrow" in s for s in subjects) == 3


def test_nothing_is_due_before_the_time_or_after_the_start(soon, smtp_server):
    assert send_due_reminders(soon.starts_at - timedelta(hours=25)) == 0
    assert send_due_reminders(soon.starts_at + timedelta(minutes=1)) == 0
    assert smtp_server.messages == []


def test_a_late_created_meeting_skips_reminders_already_past(user, smtp_server):
    meeting = MeetingFactory(host=user, starts_at=timezone.now() + timedelta(hours=3))
    assert send_due_reminders(meeting.starts_at - timedelta(hours=2)) == 0
    assert send_due_reminders(meeting.starts_at - timedelta(minutes=30)) == 1


def test_a_late_invitee_skips_the_day_before_reminder(soon, smtp_server):
    late = ContactFactory(owner=soon.host, email="late@example.org")
    invitation = Invitation.objects.create(meeting=soon, contact=late, email=late.email)
    # Invited 23½ hours before the start: the day-before reminder was already due.
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=soon.starts_at - timedelta(hours=23, minutes=30)
    )
    send_due_reminders(soon.starts_at - timedelta(hours=23))
    assert "late@example.org" not in _recipients(smtp_server)
    send_due_reminders(soon.starts_at - timedelta(minutes=30))
    assert "late@example.org" in _recipients(smtp_server)


def test_cancelled_meetings_and_revoked_invitations_get_no_reminder(soon, smtp_server):
    Invitation.objects.filter(email="yes@example.org").update(revoked_at=timezone.now())
    send_due_reminders(soon.starts_at - timedelta(hours=23))
    assert "yes@example.org" not in _recipients(smtp_server)
    meeting_services.meeting_cancel(meeting=soon)
    assert send_due_reminders(soon.starts_at - timedelta(minutes=30)) == 0


def test_rescheduling_sends_reminders_for_the_new_time(soon, smtp_server):
    send_due_reminders(soon.starts_at - timedelta(hours=23))
    meeting_services.meeting_update(
        meeting=soon,
        title=soon.title,
        description="",
        starts_at=soon.starts_at + timedelta(days=3),
        duration=soon.duration,
        timezone_name=soon.timezone,
        passcode=soon.passcode,
    )
    soon.refresh_from_db()
    smtp_server.reset()
    # The one who declined the old time is asked again, and reminded.
    assert send_due_reminders(soon.starts_at - timedelta(hours=23)) == 4


def test_a_failed_reminder_is_tried_again_next_run(soon, smtp_server):
    smtp_server.refuse(1, "451 4.3.0 Busy")
    at = soon.starts_at - timedelta(hours=23)
    assert send_due_reminders(at) == 2
    assert send_due_reminders(at + timedelta(minutes=5)) == 1
    assert len(smtp_server.messages) == 3


def test_the_command_sends_due_reminders(user, smtp_server):
    meeting = MeetingFactory(host=UserFactory(), starts_at=timezone.now() + timedelta(minutes=40))
    type(meeting).objects.update(created_at=timezone.now() - timedelta(days=1))
    call_command("send_reminders", verbosity=0)
    assert len(smtp_server.messages) == 1


def _due_meetings(count: int, invitees: int) -> list:
    """Meetings in 23 hours, made and invited a week ago, with invitees each."""
    start = (timezone.now() + timedelta(hours=23)).replace(second=0, microsecond=0)
    meetings = []
    for _ in range(count):
        meeting = MeetingFactory(starts_at=start)
        for _ in range(invitees):
            contact = ContactFactory(owner=meeting.host)
            Invitation.objects.create(meeting=meeting, contact=contact, email=contact.email)
        meetings.append(meeting)
    week_ago = timezone.now() - timedelta(days=7)
    Invitation.objects.update(created_at=week_ago)
    type(meetings[0]).objects.update(created_at=week_ago)
    return meetings


@pytest.mark.parametrize(("meetings", "invitees", "reminders"), [(1, 1, 1), (10, 4, 50)])
def test_the_sweep_takes_as_many_queries_for_one_reminder_as_for_many(
    smtp_server, django_assert_num_queries, meetings, invitees, reminders
):
    due = _due_meetings(meetings, invitees)
    if reminders == 1:  # the host had theirs: one invitee's reminder is due
        ReminderSent.objects.create(meeting=due[0], email=due[0].host.email, kind="24h")
    # The meetings of each kind, then for the day-before ones the reminders
    # sent and the invitations; the mail settings; the claims written and
    # read back; the join tokens.
    with django_assert_num_queries(8):
        assert send_due_reminders() == reminders
    assert len(smtp_server.messages) == reminders
    assert smtp_server.handler.sessions == 1


def test_a_mail_server_down_releases_every_reminder_for_the_next_run(soon, smtp_server):
    at = soon.starts_at - timedelta(hours=23)
    smtp_server.stop()
    assert send_due_reminders(at) == 0
    assert not ReminderSent.objects.exists()
    assert not JoinToken.objects.exists()
    smtp_server.start()
    assert send_due_reminders(at + timedelta(minutes=1)) == 3


@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_send_each_reminder_once(soon, smtp_server):
    import threading

    from django.db import connection

    at = soon.starts_at - timedelta(hours=23)
    counts = []

    def sweep() -> None:
        try:
            counts.append(send_due_reminders(at))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 3
    assert _recipients(smtp_server) == ["ada@example.com", "quiet@example.org", "yes@example.org"]
