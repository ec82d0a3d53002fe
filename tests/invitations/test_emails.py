import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from invitations import services
from invitations.emails import (
    Recipient,
    cancellation_email,
    details,
    invitation_email,
    reminder_email,
)
from invitations.models import Invitation
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAL_MESSAGE = 'Bring <the numbers> & "notes"\non two lines'
AWKWARD_TITLE = 'Q&A: Bob\'s "plan" <draft>'


@pytest.fixture
def batch(user, settings):
    """A meeting's invitations as a worker loads them: a user in their own zone, two contacts."""
    settings.SITE_URL = "https://meet.example.com"
    meeting = MeetingFactory(
        host=user,
        title=AWKWARD_TITLE,
        starts_at=datetime(2031, 3, 14, 15, 30, tzinfo=UTC),
        timezone="America/New_York",
    )
    UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper", timezone="UTC")
    services.invitations_send(
        meeting=meeting,
        recipients=[
            ("", "grace@example.com"),
            ("Tom & <Jerry>", "tom@example.org"),
            ("Linus T", "linus@example.org"),
        ],
        personal_message=PERSONAL_MESSAGE,
    )
    return list(
        Invitation.objects.select_related("meeting__host", "user")
        .filter(meeting=meeting)
        .order_by("pk")
    )


def _html(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def _event(message):
    (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    return event


def test_each_invitee_gets_their_own_address_links_zone_and_calendar(batch):
    grace, tom, linus = batch
    tokens = {invitation.pk: secrets.token_urlsafe(32) for invitation in batch}
    messages = {
        invitation.pk: invitation_email(invitation, token=tokens[invitation.pk], update=False)
        for invitation in batch
    }

    assert messages[tom.pk].to == ['"Tom & <Jerry>" <tom@example.org>']
    assert messages[linus.pk].to == ["Linus T <linus@example.org>"]
    assert "(UTC)" in messages[grace.pk].subject
    assert "(America/New_York)" in messages[linus.pk].subject
    for invitation in batch:
        message = messages[invitation.pk]
        meeting = invitation.meeting
        join_url = "https://meet.example.com" + reverse(
            "invitations:join", args=[meeting.meeting_id, tokens[invitation.pk]]
        )
        rsvp_url = "https://meet.example.com" + reverse(
            "invitations:rsvp", args=[meeting.meeting_id, tokens[invitation.pk]]
        )
        assert join_url in message.body and join_url in _html(message)
        assert f"{rsvp_url}?answer=accepted" in message.body
        everything = message.message().as_string()
        for other in batch:
            if other != invitation:
                assert tokens[other.pk] not in everything
                assert other.email not in everything
        event = _event(message)
        assert str(event["ATTENDEE"]) == f"mailto:{invitation.email}"
        assert event["ATTENDEE"].params["CN"] == invitation.display_name
        assert event["URL"] == join_url


def test_a_personal_message_is_escaped_in_html_and_verbatim_in_text(batch):
    message = invitation_email(batch[1], token=secrets.token_urlsafe(32), update=False)
    assert PERSONAL_MESSAGE in message.body
    assert "Bring &lt;the numbers&gt; &amp; &quot;notes&quot;" in _html(message)
    assert "<the numbers>" not in _html(message)


def test_google_calendar_link_carries_the_meeting_and_the_personal_link(batch):
    token = secrets.token_urlsafe(32)
    message = invitation_email(batch[2], token=token, update=False)
    url = next(
        line.split(": ", 1)[1]
        for line in message.body.splitlines()
        if line.startswith("Add to Google Calendar")
    )
    query = parse_qs(urlsplit(url).query)
    assert query["text"] == [AWKWARD_TITLE]
    assert query["dates"] == ["20310314T153000Z/20310314T163000Z"]
    assert token in query["location"][0]
    assert query["ctz"] == ["America/New_York"]


def test_subjects_are_not_html_escaped(batch):
    """A subject is plain text: `Q&A: Bob's "plan"` arrives as the host typed it."""
    invitation = batch[2]
    invitation.revoked_at = timezone.now()
    recipient = Recipient(invitation.email, invitation.display_name, "UTC")
    subjects = [
        invitation_email(invitation, token="t" * 43, update=False).subject,
        invitation_email(invitation, token="t" * 43, update=True).subject,
        cancellation_email(invitation).subject,
        reminder_email(invitation.meeting, recipient, kind="1h", join_url="https://x").subject,
    ]
    assert [subject.split(": ", 1)[1].split(" — ")[0] for subject in subjects] == [
        AWKWARD_TITLE,
        AWKWARD_TITLE,
        AWKWARD_TITLE,
        f"{AWKWARD_TITLE} starts in 1 hour",
    ]
    assert all("&amp;" not in subject and "&#x27;" not in subject for subject in subjects)
    # The HTML body escapes the same title.
    assert "Q&amp;A: Bob&#x27;s &quot;plan&quot; &lt;draft&gt;" in _html(
        cancellation_email(invitation)
    )


def test_invitee_emails_reply_to_the_host(batch):
    invitation = batch[1]
    recipient = Recipient(invitation.email, invitation.display_name, "UTC")
    for message in [
        invitation_email(invitation, token="t" * 43, update=False),
        invitation_email(invitation, token="t" * 43, update=True),
        cancellation_email(invitation),
        reminder_email(invitation.meeting, recipient, kind="24h", join_url="https://x"),
    ]:
        assert message.reply_to == ["Ada Lovelace <ada@example.com>"]
        assert message.message()["Reply-To"] == "Ada Lovelace <ada@example.com>"
        assert message.from_email == "Meetings <meetings@localhost>"


def test_the_hosts_own_reminder_has_no_reply_to(meeting, user):
    recipient = Recipient(user.email, user.display_name, user.timezone)
    message = reminder_email(meeting, recipient, kind="1h", join_url="https://x")
    assert message.reply_to == []
    assert message.message()["Reply-To"] is None


def test_a_host_name_cannot_inject_headers_through_reply_to(batch):
    host = batch[1].meeting.host
    host.first_name = "Ada\r\nBcc: victim@example.net"
    message = invitation_email(batch[1], token="t" * 43, update=False).message()
    assert message["Bcc"] is None
    assert "victim@example.net" in message["Reply-To"]
    assert "\n" not in message["Reply-To"]


def test_the_calendar_method_is_written_unquoted(batch):
    raw = invitation_email(batch[1], token="t" * 43, update=False).message().as_bytes()
    assert raw.count(b'Content-Type: text/calendar; charset="utf-8"; method=REQUEST') == 2
    assert b'method="REQUEST"' not in raw


def test_templates_may_change_a_recipients_own_values(batch, settings):
    """Every email is rendered for its one recipient, so filters on their values work."""
    templates = {
        "emails/invitation-subject.txt": "For {{ recipient.name|upper }}",
        "emails/invitation-body.txt": "{{ join_url|length }} {{ recipient.email|upper }}",
        "emails/invitation-body.html": "<p>{{ recipient.name|title }}</p>",
    }
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", templates)]},
        }
    ]
    message = invitation_email(batch[2], token="t" * 43, update=False)
    assert message.subject == "For LINUS T"
    assert message.body.endswith(" LINUS@EXAMPLE.ORG")
    assert _html(message) == "<p>Linus T</p>"


def test_an_update_says_what_changed_in_the_recipients_zone(batch):
    grace, tom, _ = batch
    meeting = grace.meeting
    before = details(meeting)
    meeting.title = "Roadmap"
    meeting.starts_at += timedelta(days=1, hours=3)
    meeting.duration = 90
    meeting.passcode = "999999"
    for invitation in (grace, tom):
        invitation.meeting = meeting
        invitation.sent_details = before
    grace_email = invitation_email(grace, token="t" * 43, update=True)
    tom_email = invitation_email(tom, token="t" * 43, update=True)

    for line in [
        f"Title: {AWKWARD_TITLE} → Roadmap",
        "Time: Fri 14 Mar 15:30 → Sat 15 Mar 18:30",  # Grace reads UTC
        "Duration: 60 → 90 minutes",
        f"Passcode: {before['passcode']} → 999999",
        "please answer again",
    ]:
        assert line in grace_email.body, line
    assert "Time: Fri 14 Mar 11:30 → Sat 15 Mar 14:30" in tom_email.body  # New York
    assert "Time: Fri 14 Mar 11:30 → Sat 15 Mar 14:30" in _html(tom_email)


def test_an_update_of_the_title_alone_does_not_ask_again(batch):
    invitation = batch[1]
    invitation.sent_details = details(invitation.meeting)
    invitation.meeting.title = "Roadmap"
    message = invitation_email(invitation, token="t" * 43, update=True)
    assert "Title: " in message.body
    assert "Time: " not in message.body
    assert "answer again" not in message.body


def test_a_first_invitation_lists_no_changes(batch):
    message = invitation_email(batch[1], token="t" * 43, update=False)
    assert "What changed" not in message.body and "What changed" not in _html(message)
