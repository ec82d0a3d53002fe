import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from invitations.delivery import deliver_meeting
from invitations.emails import invitation_email
from invitations.models import Invitation, JoinToken
from invitations.tasks import deliver_invitations
from meetings import services as meeting_services
from tests.factories import MeetingFactory, UserFactory

# The worker closes and reopens database connections between tasks, as in
# production; that needs real transactions rather than one rolled back per test.
pytestmark = pytest.mark.django_db(transaction=True)

Delivery = Invitation.Delivery


@pytest.fixture
def scheduled(user, settings):
    settings.SITE_URL = "https://meet.example.com"
    settings.MAIL_RETRY_BASE_SECONDS = 60
    return MeetingFactory(
        host=user,
        title="Roadmap review",
        description="Where we are, where we go.",
        starts_at=datetime(2031, 3, 14, 15, 30, tzinfo=UTC),
        duration=45,
        timezone="America/New_York",
        passcode="024680",
    )


def _subject(message) -> str:
    # A folded encoded-word subject parses back with the fold's leading space.
    return str(message["Subject"]).strip()


def _parts(message):
    return [part.get_content_type() for part in message.walk()]


def _calendars(message) -> list[tuple[str, bytes]]:
    return [
        (part.get("Content-Type"), part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


def _event(message):
    (_, data), *_ = _calendars(message)
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _join_path(message) -> str:
    line = next(
        line for line in _text(message).splitlines() if "/join/" in line and "/meetings/" in line
    )
    return line.strip().removeprefix("https://meet.example.com")


def test_invitation_is_one_message_with_text_html_and_a_calendar(
    scheduled, smtp_server, invite, run_worker
):
    invitee = UserFactory(
        email="grace@example.com", first_name="Grace", last_name="Hopper", timezone="Europe/Paris"
    )
    invite(
        scheduled,
        "Grace <grace@example.com>",
        ("Linus T", "linus@example.org"),
        message="Bring the Q1 numbers, please.",
    )
    run_worker()

    assert len(smtp_server.messages) == 2
    by_rcpt = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    message = by_rcpt["grace@example.com"]
    assert _subject(message) == (
        "Invitation: Roadmap review — Fri 14 Mar 2031, 16:30 (Europe/Paris)"
    )
    assert _parts(message) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "text/calendar",
    ]
    alternative, attachment = _calendars(message)
    assert [
        p.get_param("method") for p in message.walk() if p.get_content_type() == "text/calendar"
    ] == ["REQUEST", "REQUEST"]
    assert (
        b'Content-Type: text/calendar; charset="utf-8"; method=REQUEST'
        in smtp_server.handler.envelopes[
            [m["To"].addresses[0].addr_spec for m in smtp_server.messages].index(
                "grace@example.com"
            )
        ].content
    )
    attachment_part = next(p for p in message.walk() if p.get_filename() == "invite.ics")
    assert attachment_part.get_content_disposition() == "attachment"
    assert alternative[1] == attachment[1]

    text = _text(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    for expected in [
        "Roadmap review",
        "Friday, 14 March 2031, 16:30",
        "Europe/Paris",
        "45 minutes",
        "Where we are, where we go.",
        "Ada Lovelace",
        "ada@example.com",
        "Bring the Q1 numbers, please.",
        "Meeting ID:",
        scheduled.formatted_meeting_id,
        "024680",
        "?answer=accepted",
        "?answer=declined",
        "?answer=tentative",
        "calendar.google.com",
    ]:
        assert expected in text, expected
    assert "Join meeting" in html and "Bring the Q1 numbers, please." in html
    assert "<img" not in html and "<style" not in html

    calendar, event = _event(message)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"{scheduled.uid}@meet.example.com"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == "Roadmap review"
    assert abs(event.stamp - timezone.now()) < timedelta(minutes=1)
    assert event.start == datetime(2031, 3, 14, 15, 30, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.end - event.start == timedelta(minutes=45)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    join_url = "https://meet.example.com" + _join_path(message)
    assert event["URL"] == join_url and event["LOCATION"] == join_url
    assert join_url in event["DESCRIPTION"]
    assert str(event["ORGANIZER"]) == "mailto:ada@example.com"
    assert event["ORGANIZER"].params["CN"] == "Ada Lovelace"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:grace@example.com"
    assert attendee.params["CN"] == "Grace Hopper"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"

    # A contact sees the meeting's own time zone; the personal link opens the meeting.
    contact_message = by_rcpt["linus@example.org"]
    assert "(America/New_York)" in _subject(contact_message)
    assert Client().get(_join_path(contact_message)).status_code == 200
    invitation = Invitation.objects.get(email="grace@example.com")
    assert invitation.user == invitee and invitation.delivery_state == Delivery.SENT
    assert invitation.sent_at and invitation.attempts == 1


def test_each_email_carries_its_own_working_link(scheduled, smtp_server, invite, run_worker):
    invite(scheduled, "linus@example.org")
    run_worker()
    first = _join_path(smtp_server.messages[0])
    meeting_services.meeting_update(
        meeting=scheduled,
        title="Roadmap review (moved)",
        description=scheduled.description,
        starts_at=scheduled.starts_at + timedelta(days=1),
        duration=45,
        timezone_name=scheduled.timezone,
        passcode=scheduled.passcode,
    )
    run_worker()
    second = _join_path(smtp_server.messages[1])
    assert first != second
    assert Client().get(first).status_code == 200
    assert Client().get(second).status_code == 200
    assert JoinToken.objects.count() == 2


def test_reschedule_sends_request_again_with_same_uid_and_next_sequence(
    scheduled, smtp_server, invite, run_worker, django_capture_on_commit_callbacks
):
    invite(scheduled, "linus@example.org")
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_update(
            meeting=scheduled,
            title=scheduled.title,
            description=scheduled.description,
            starts_at=scheduled.starts_at + timedelta(hours=2),
            duration=60,
            timezone_name=scheduled.timezone,
            passcode=scheduled.passcode,
        )
    run_worker()

    original, update = smtp_server.messages
    assert _subject(update).startswith("Updated invitation: Roadmap review")
    (_, first), (calendar, event) = _event(original), _event(update)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] == first["SEQUENCE"] + 1
    assert event.start == datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
    assert event.end - event.start == timedelta(minutes=60)


def test_changing_nothing_sends_nothing(scheduled, smtp_server, invite, run_worker):
    invite(scheduled, "linus@example.org")
    run_worker()
    meeting_services.meeting_update(
        meeting=scheduled,
        title=scheduled.title,
        description=scheduled.description,
        starts_at=scheduled.starts_at,
        duration=scheduled.duration,
        timezone_name=scheduled.timezone,
        passcode=scheduled.passcode,
    )
    run_worker()
    assert len(smtp_server.messages) == 1


def test_cancel_sends_method_cancel_with_same_uid(
    scheduled, smtp_server, invite, run_worker, django_capture_on_commit_callbacks
):
    invite(scheduled, "linus@example.org", "grace@example.org")
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_cancel(meeting=scheduled)
    run_worker()

    assert len(smtp_server.messages) == 4
    cancellation = smtp_server.messages[2]
    assert _subject(cancellation).startswith("Cancelled: Roadmap review")
    assert [
        p.get_param("method")
        for p in cancellation.walk()
        if p.get_content_type() == "text/calendar"
    ] == ["CANCEL", "CANCEL"]
    calendar, event = _event(cancellation)
    _, original = _event(smtp_server.messages[0])
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == original["UID"]
    assert event["SEQUENCE"] == original["SEQUENCE"] + 1
    assert "/join/" not in _text(cancellation)


def test_cancel_before_the_invitation_left_sends_nothing(
    scheduled, smtp_server, invite, run_worker, django_capture_on_commit_callbacks
):
    invite(scheduled, "linus@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_cancel(meeting=scheduled)
    run_worker()
    assert smtp_server.messages == []
    invitation = Invitation.objects.get()
    assert "cancelled before the invitation went out" in invitation.last_error


def test_revoke_with_notify_cancels_for_that_invitee_alone(
    scheduled, smtp_server, invite, run_worker, django_capture_on_commit_callbacks
):
    from invitations.services import invitation_revoke

    invite(scheduled, "linus@example.org", "grace@example.org")
    run_worker()
    link = _join_path(next(m for m in smtp_server.messages if "linus" in m["To"]))
    with django_capture_on_commit_callbacks(execute=True):
        invitation_revoke(invitation=Invitation.objects.get(email="linus@example.org"), notify=True)
    run_worker()

    assert len(smtp_server.messages) == 3
    notice = smtp_server.messages[2]
    assert notice["To"].addresses[0].addr_spec == "linus@example.org"
    assert _subject(notice).startswith("Invitation withdrawn: Roadmap review")
    calendar, event = _event(notice)
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert Client().get(link).status_code == 404


def test_revoke_without_notify_sends_nothing(scheduled, smtp_server, invite, run_worker):
    from invitations.services import invitation_revoke

    invite(scheduled, "linus@example.org")
    run_worker()
    invitation_revoke(invitation=Invitation.objects.get(), notify=False)
    run_worker()
    assert len(smtp_server.messages) == 1


def test_esp_without_calendar_alternatives_gets_the_attachment_alone(scheduled, settings, invite):
    settings.MAIL_FALLBACK_BACKEND = "anymail.backends.postmark.EmailBackend"
    invite(scheduled, "linus@example.org")
    invitation = Invitation.objects.get()
    message = invitation_email(invitation, token="t" * 43, update=False).message()
    types = [part.get_content_type() for part in message.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert message.get_payload()[1].get_filename() == "invite.ics"


def test_header_injection_in_names_stays_in_one_header(scheduled, smtp_server, invite, run_worker):
    invite(scheduled, ("Eve\r\nBcc: victim@example.net", "eve@example.org"))
    run_worker()
    (message,) = smtp_server.messages
    assert message["Bcc"] is None
    assert smtp_server.handler.envelopes[0].rcpt_tos == ["eve@example.org"]
    assert message["To"].addresses[0].display_name == "Eve Bcc: victim@example.net"


# Faults


def test_smtp_down_during_a_batch_loses_nothing(
    scheduled, smtp_server, invite, run_worker, time_passes
):
    smtp_server.refuse(2, "421 4.3.2 Service shutting down")
    invite(scheduled, "a@example.org", "b@example.org", "c@example.org")
    run_worker()
    assert len(smtp_server.messages) == 1
    states = dict(Invitation.objects.values_list("email", "delivery_state"))
    assert states == {"a@example.org": "sent", "b@example.org": "queued", "c@example.org": "queued"}
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now() + timedelta(seconds=30)

    smtp_server.stop()
    time_passes()
    run_worker()
    failed = Invitation.objects.get(email="b@example.org")
    assert (
        failed.delivery_state == "queued" and "Could not reach the mail server" in failed.last_error
    )

    smtp_server.start()
    time_passes()
    run_worker()
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert set(Invitation.objects.values_list("delivery_state", flat=True)) == {"sent"}


def test_451_on_the_third_of_five_retries_three_and_duplicates_none(
    scheduled, smtp_server, invite, run_worker, time_passes
):
    smtp_server.refuse(3, "451 4.3.0 Please try again later")
    emails = [f"p{n}@example.org" for n in range(1, 6)]
    invite(scheduled, *emails)
    run_worker()
    assert len(smtp_server.messages) == 2
    retrying = Invitation.objects.filter(delivery_state="queued")
    assert retrying.count() == 3
    assert "451 4.3.0 Please try again later" in retrying.get(email="p3@example.org").last_error

    time_passes()
    run_worker()
    received = [m["To"].addresses[0].addr_spec for m in smtp_server.messages]
    assert sorted(received) == emails
    assert Invitation.objects.filter(delivery_state="sent").count() == 5


def test_a_server_that_never_answers_fails_within_the_timeout_and_is_retried(
    scheduled, silent_smtp_server, invite, run_worker
):
    invite(scheduled, "linus@example.org")
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < 5
    invitation = Invitation.objects.get()
    assert invitation.delivery_state == "queued"
    assert invitation.last_error == "The mail server did not answer in time."
    assert invitation.next_attempt_at > timezone.now()


def test_permanent_refusal_stops_with_the_servers_reply(scheduled, smtp_server, invite, run_worker):
    smtp_server.refuse(1, "550 5.1.1 Mailbox does not exist")
    invite(scheduled, "nobody@example.org", "linus@example.org")
    run_worker()
    failed = Invitation.objects.get(email="nobody@example.org")
    assert failed.delivery_state == "failed"
    assert failed.last_error == "550 5.1.1 Mailbox does not exist"
    assert not failed.join_tokens.exists()
    assert Invitation.objects.get(email="linus@example.org").delivery_state == "sent"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_gives_up_after_the_last_attempt(
    scheduled, smtp_server, invite, run_worker, time_passes, settings
):
    settings.MAIL_MAX_ATTEMPTS = 2
    for n in (1, 2):
        smtp_server.refuse(n, "452 4.2.2 Mailbox full")
    invite(scheduled, "full@example.org")
    run_worker()
    time_passes()
    run_worker()
    invitation = Invitation.objects.get()
    assert invitation.delivery_state == "failed"
    assert invitation.last_error.startswith("Gave up after 2 attempts.")


def test_the_same_delivery_task_run_twice_sends_one_message(
    scheduled, smtp_server, invite, run_worker
):
    invite(scheduled, "linus@example.org")
    deliver_invitations.enqueue(scheduled.pk)
    run_worker()
    deliver_meeting(scheduled.pk)
    assert len(smtp_server.messages) == 1


def test_a_batch_goes_over_one_connection(scheduled, smtp_server, invite, run_worker):
    invite(scheduled, *[f"p{n}@example.org" for n in range(5)])
    run_worker()
    assert len(smtp_server.messages) == 5
    assert smtp_server.handler.sessions == 1


def test_delivery_left_unfinished_by_a_dead_worker_is_recovered(
    scheduled, smtp_server, invite, run_worker, settings
):
    invite(scheduled, "linus@example.org")
    DBTaskResult.objects.all().delete()  # the worker took the task and died
    Invitation.objects.update(
        delivery_state="sending", claimed_by="dead", claimed_at=timezone.now() - timedelta(hours=1)
    )
    call_command("send_reminders", verbosity=0)
    run_worker()
    assert len(smtp_server.messages) == 1
    assert Invitation.objects.get().delivery_state == "sent"


def test_a_change_while_sending_is_not_lost(scheduled, smtp_server, invite, run_worker):
    """An update queued while a worker is sending the old version goes out afterwards."""
    from invitations import delivery

    invite(scheduled, "linus@example.org")
    claim, batch = delivery._claim(scheduled.pk, timezone.now())
    meeting_services.meeting_update(
        meeting=scheduled,
        title="New title",
        description="",
        starts_at=scheduled.starts_at,
        duration=45,
        timezone_name=scheduled.timezone,
        passcode=scheduled.passcode,
    )
    delivery._finish(batch[0], claim, delivery_state="sent")
    assert Invitation.objects.get().delivery_state == "queued"


def test_a_meeting_on_another_service_names_its_link(scheduled, smtp_server, invite, run_worker):
    type(scheduled).objects.filter(pk=scheduled.pk).update(
        provider="external", external_url="https://teams.example.com/l/meetup/1"
    )
    invite(scheduled, "linus@example.org")
    run_worker()
    (message,) = smtp_server.messages
    assert "https://teams.example.com/l/meetup/1" in _text(message)
    _, event = _event(message)
    assert "Video call: https://teams.example.com/l/meetup/1" in event["DESCRIPTION"]


def test_a_meeting_on_google_meet_names_its_meet(scheduled, smtp_server, invite, run_worker):
    type(scheduled).objects.filter(pk=scheduled.pk).update(
        provider="google_meet",
        external_url="https://meet.google.com/abc-mnop-xyz",
        google_event_id="7cbh8rpc10lrc0ckih9tafss99",
    )
    invite(scheduled, "linus@example.org")
    run_worker()
    (message,) = smtp_server.messages
    assert "The video call itself is on Google Meet: https://meet.google.com/abc-mnop-xyz" in _text(
        message
    )
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'href="https://meet.google.com/abc-mnop-xyz"' in html
    _, event = _event(message)
    assert "Video call: https://meet.google.com/abc-mnop-xyz" in event["DESCRIPTION"]


def test_marking_sent_leaves_alone_an_invitation_queued_again_meanwhile(scheduled, invite):
    from invitations import delivery
    from invitations.services import invitations_meeting_changed

    invite(scheduled, "linus@example.org")
    claim, (invitation,) = delivery._claim(scheduled.pk, timezone.now())
    # What a change to the meeting does meanwhile: the invitation is queued again.
    invitations_meeting_changed(meeting=scheduled, rescheduled=False, notify=True)
    delivery._mark_sent(invitation, claim)
    invitation.refresh_from_db()
    assert invitation.delivery_state == "queued" and invitation.sent_at is None


def test_marking_sent_counts_the_attempt_and_clears_the_claim_and_last_error(scheduled, invite):
    from invitations import delivery

    invite(scheduled, "linus@example.org")
    Invitation.objects.update(attempts=2, last_error="451 4.3.0 Try again later")
    claim, (invitation,) = delivery._claim(scheduled.pk, timezone.now())
    delivery._mark_sent(invitation, claim)
    invitation.refresh_from_db()
    assert invitation.delivery_state == "sent"
    assert invitation.attempts == 3 and invitation.last_error == ""
    assert invitation.claimed_by == "" and invitation.claimed_at is None
    assert invitation.next_attempt_at is None
    assert abs(invitation.sent_at - timezone.now()) < timedelta(minutes=1)
    assert invitation.updated_at == invitation.sent_at


def test_a_batch_takes_a_few_statements_and_two_more_per_message(scheduled, smtp_server, invite):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statements = {}
    for count in (2, 5):
        meeting = MeetingFactory(host=scheduled.host)
        invite(meeting, *[f"p{number}@example.org" for number in range(count)])
        with CaptureQueriesContext(connection) as queries:
            assert deliver_meeting(meeting.pk).sent == count
        statements[count] = len(queries)
    # Per message: renew the claim, then mark it sent.
    assert statements[5] - statements[2] == 6
    assert len(smtp_server.messages) == 7


def test_a_batch_that_outlives_the_sending_timeout_sends_each_message_once(
    scheduled, smtp_server, invite, settings
):
    """A slow server, a short timeout, and a second worker sweeping and sending meanwhile:
    the server still receives exactly one message per recipient."""
    import threading

    from django.db import connection

    settings.MAIL_SENDING_TIMEOUT_SECONDS = 2
    smtp_server.handler.delay = 0.1  # 50 messages take over 5 s: more than two timeouts
    emails = [f"p{number:02}@example.org" for number in range(50)]
    invite(scheduled, *emails)
    DBTaskResult.objects.all().delete()  # the workers below are the only senders
    first_done = threading.Event()
    second = {"sent": 0}

    def second_worker() -> None:
        try:
            while not first_done.is_set():
                second["sent"] += deliver_meeting(scheduled.pk).sent
                time.sleep(0.2)
        finally:
            connection.close()

    thread = threading.Thread(target=second_worker)
    thread.start()
    try:
        first = deliver_meeting(scheduled.pk)
    finally:
        first_done.set()
        thread.join()
    deliver_meeting(scheduled.pk)  # whatever the last sweep queued again

    received = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    assert received == emails
    assert first.sent + second["sent"] == 50
    assert second["sent"] > 0  # the second worker did take over part of the batch
    rows = Invitation.objects.all()
    assert {(row.delivery_state, row.attempts) for row in rows} == {("sent", 1)}
    # Each sent invitation keeps the one token its email carries.
    assert JoinToken.objects.count() == 50


def test_a_cancellation_during_a_batch_stops_the_invitations_not_yet_sent(
    scheduled, smtp_server, invite, monkeypatch
):
    """The meeting is cancelled while the batch's first email is being written: that one
    was already on its way, the others never leave as invitations, and each invitee's last
    email is the cancellation. So the batch must look at each claim before each message."""
    from invitations import emails

    invite(scheduled, "p1@example.org", "p2@example.org", "p3@example.org")
    cancelled = []

    def cancel_once(invitation, name):
        if not cancelled:
            cancelled.append(invitation.email)
            meeting_services.meeting_cancel(meeting=type(scheduled).objects.get(pk=scheduled.pk))

    monkeypatch.setattr(emails, "email_blocks", [cancel_once])
    assert deliver_meeting(scheduled.pk).sent == 1
    assert deliver_meeting(scheduled.pk).sent == 3

    received = [
        (m["To"].addresses[0].addr_spec, _subject(m).split(":")[0]) for m in smtp_server.messages
    ]
    assert received == [
        ("p1@example.org", "Invitation"),
        ("p1@example.org", "Cancelled"),
        ("p2@example.org", "Cancelled"),
        ("p3@example.org", "Cancelled"),
    ]


def _update(meeting, on_commit, **changes):
    fields = {
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": meeting.starts_at,
        "duration": meeting.duration,
        "timezone_name": meeting.timezone,
        "passcode": meeting.passcode,
        **changes,
    }
    with on_commit():
        return meeting_services.meeting_update(meeting=meeting, **fields)


def test_rescheduling_resets_every_answer_and_the_update_asks_again(
    scheduled, smtp_server, invite, run_worker, on_commit
):
    invite(scheduled, "linus@example.org", "grace@example.org")
    run_worker()
    Invitation.objects.filter(email="linus@example.org").update(
        rsvp="accepted", rsvp_at=timezone.now()
    )
    Invitation.objects.filter(email="grace@example.org").update(rsvp="declined")
    _update(scheduled, on_commit, starts_at=scheduled.starts_at + timedelta(days=1, hours=2))
    assert set(Invitation.objects.values_list("rsvp", "rsvp_at")) == {("needs_action", None)}
    run_worker()

    updates = smtp_server.messages[2:]
    assert len(updates) == 2
    for message in updates:
        _, event = _event(message)
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
        assert event["ATTENDEE"].params["RSVP"] == "TRUE"
        # Contacts read the meeting's zone, New York.
        assert "Time: Fri 14 Mar 11:30 → Sat 15 Mar 13:30" in _text(message)
        assert "please answer again" in _text(message)
        assert "?answer=accepted" in _text(message)


def test_a_new_title_keeps_the_answers_and_says_what_changed(
    scheduled, smtp_server, invite, run_worker, on_commit
):
    invite(scheduled, "linus@example.org")
    run_worker()
    Invitation.objects.update(rsvp="accepted")
    _update(scheduled, on_commit, title="Roadmap review, part 2", passcode="135791")
    run_worker()

    assert Invitation.objects.get().rsvp == "accepted"
    update = smtp_server.messages[1]
    text = _text(update)
    assert "Title: Roadmap review → Roadmap review, part 2" in text
    assert "Passcode: 024680 → 135791" in text
    assert "Time:" not in text and "answer again" not in text
    _, event = _event(update)
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_an_update_without_notice_emails_nobody_and_the_next_one_tells_all(
    scheduled, smtp_server, invite, run_worker, on_commit
):
    invite(scheduled, "linus@example.org")
    run_worker()
    Invitation.objects.update(rsvp="accepted")
    meeting = _update(
        scheduled, on_commit, starts_at=scheduled.starts_at + timedelta(hours=1), notify=False
    )
    run_worker()
    assert len(smtp_server.messages) == 1
    assert meeting.sequence == 1
    invitation = Invitation.objects.get()
    assert (invitation.rsvp, invitation.delivery_state) == ("needs_action", "sent")

    meeting = _update(meeting, on_commit, duration=30)
    run_worker()
    assert len(smtp_server.messages) == 2
    text = _text(smtp_server.messages[1])
    assert "Time: Fri 14 Mar 11:30 → Fri 14 Mar 12:30" in text
    assert "Duration: 45 → 30 minutes" in text
    _, event = _event(smtp_server.messages[1])
    assert event["SEQUENCE"] == 2


@pytest.mark.parametrize(("notify", "emails"), [("no", 1), ("yes", 2), (None, 2)])
def test_the_edit_page_lets_the_host_save_without_emailing_invitees(
    host_client,
    scheduled,
    smtp_server,
    invite,
    run_worker,
    django_capture_on_commit_callbacks,
    notify,
    emails,
):
    invite(scheduled, "linus@example.org")
    run_worker()
    edit = reverse("meetings:edit", args=[scheduled.meeting_id])
    assert "Email the invitees what changed" in host_client.get(edit).text
    form = {
        "title": "Roadmap review",
        "date": "2031-03-15",
        "time": "11:30",
        "timezone": "America/New_York",
        "duration_preset": "45",
        "passcode": "024680",
    }
    if notify is not None:  # a form without the choice (a script) tells everyone
        form["notify"] = notify
    with django_capture_on_commit_callbacks(execute=True):
        assert host_client.post(edit, form).status_code == 302
    run_worker()
    assert len(smtp_server.messages) == emails
    assert Invitation.objects.get().rsvp == "needs_action"
