import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from invitations import emails, services
from invitations.emails import MeetingEmails, Recipient, recipient_for
from invitations.models import Invitation
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAL_MESSAGE = 'Bring <the numbers> & "notes"\non two lines'


@pytest.fixture
def batch(user, settings):
    """A meeting's invitations as a worker loads them: a user in their own zone, two contacts."""
    settings.SITE_URL = "https://meet.example.com"
    meeting = MeetingFactory(
        host=user,
        title="Roadmap <review> & plans",
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


def _links(meeting, token: str) -> dict[str, str]:
    join = settings.SITE_URL + reverse("invitations:join", args=[meeting.meeting_id, token])
    rsvp = settings.SITE_URL + reverse("invitations:rsvp", args=[meeting.meeting_id, token])
    return {
        "join_url": join,
        "accept_url": f"{rsvp}?answer=accepted",
        "decline_url": f"{rsvp}?answer=declined",
        "maybe_url": f"{rsvp}?answer=tentative",
        "google_calendar_url": _google_calendar_url(meeting, join),
    }


def _google_calendar_url(meeting, join_url: str) -> str:
    start = meeting.starts_at.astimezone(UTC)
    dates = "/".join(
        moment.strftime("%Y%m%dT%H%M%SZ")
        for moment in (start, start + timedelta(minutes=meeting.duration))
    )
    query = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": dates,
        "details": f"Join: {join_url}\nMeeting ID: {meeting.formatted_meeting_id}\n"
        f"Passcode: {meeting.passcode}",
        "location": join_url,
        "ctz": meeting.timezone,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def _rendered_alone(template: str, invitation: Invitation, **extra) -> tuple[str, str, str]:
    """Subject, text and HTML as the templates render them for this one invitee."""
    context = emails._context(invitation.meeting, recipient_for(invitation), **extra)
    subject, text, html = emails._render(template, context)
    return " ".join(subject.split()), text, html


def _parts(message) -> tuple[str, str, str]:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return message.subject, message.body, html


@pytest.mark.parametrize("update", [False, True])
def test_invitations_of_a_batch_are_the_templates_rendered_for_each_invitee(batch, update):
    meeting_emails = MeetingEmails(batch[0].meeting, calendar_alternative=True)
    for invitation in batch * 2:
        token = secrets.token_urlsafe(32)
        message = meeting_emails.invitation(invitation, token=token, update=update)
        assert _parts(message) == _rendered_alone(
            "invitation",
            invitation,
            update=update,
            personal_message=PERSONAL_MESSAGE,
            **_links(invitation.meeting, token),
        )


def test_cancellations_of_a_batch_are_the_templates_rendered_for_each_invitee(batch):
    batch[1].revoked_at = timezone.now()
    meeting_emails = MeetingEmails(batch[0].meeting, calendar_alternative=True)
    for invitation in batch * 2:
        assert _parts(meeting_emails.cancellation(invitation)) == _rendered_alone(
            "cancellation", invitation, revoked=invitation.is_revoked
        )


def test_invitees_sharing_a_render_each_get_their_own_address_links_and_calendar(batch):
    meeting_emails = MeetingEmails(batch[0].meeting, calendar_alternative=True)
    tom, linus = batch[1], batch[2]  # contacts: both in the meeting's zone
    tokens = {tom.pk: secrets.token_urlsafe(32), linus.pk: secrets.token_urlsafe(32)}
    messages = {
        invitation.pk: meeting_emails.invitation(
            invitation, token=tokens[invitation.pk], update=False
        )
        for invitation in (tom, linus)
    }

    assert messages[tom.pk].to == ['"Tom & <Jerry>" <tom@example.org>']
    assert messages[linus.pk].to == ["Linus T <linus@example.org>"]
    for invitation, other in ((tom, linus), (linus, tom)):
        message = messages[invitation.pk]
        everything = message.message().as_string()
        join_url = _links(invitation.meeting, tokens[invitation.pk])["join_url"]
        assert join_url in message.body and join_url in message.alternatives[0][0]
        assert tokens[other.pk] not in everything
        assert other.email not in everything
        (event,) = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{invitation.email}"
        assert event["ATTENDEE"].params["CN"] == invitation.display_name
        assert event["URL"] == join_url


def test_links_are_the_ones_reverse_gives(batch):
    meeting = batch[0].meeting
    token = secrets.token_urlsafe(32)
    assert MeetingEmails(meeting, calendar_alternative=True)._links(token) == _links(meeting, token)


def test_building_a_batchs_emails_reads_nothing_from_the_database(batch, django_assert_num_queries):
    with django_assert_num_queries(0):
        meeting_emails = MeetingEmails(batch[0].meeting, calendar_alternative=True)
        for invitation in batch:
            meeting_emails.invitation(invitation, token=secrets.token_urlsafe(32), update=False)
            meeting_emails.cancellation(invitation)


def test_an_invitation_to_another_meeting_is_refused(batch, user):
    other = MeetingFactory(host=user)
    with pytest.raises(ValueError, match="not an invitation to"):
        MeetingEmails(other, calendar_alternative=True).cancellation(batch[0])


# The mail merge itself, on templates of its own


@pytest.fixture
def merge_templates(settings):
    def use(html: str) -> None:
        templates = {
            "emails/merge-subject.txt": "For {{ recipient.name }} at {{ starts_at|date:'H:i' }}",
            "emails/merge-body.txt": "{% autoescape off %}{{ recipient.name }} "
            "<{{ recipient.email }}>: {{ join_url }}{% endautoescape %}",
            "emails/merge-body.html": html,
        }
        settings.TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", templates)]},
            }
        ]

    return use


def test_the_merge_escapes_a_value_where_the_template_escapes_it(meeting, merge_templates):
    merge_templates(
        '<p title="{{ recipient.name }}">{{ recipient.name|safe }}</p>'
        '<a href="{{ join_url }}">{{ meeting.title }}</a>'
    )
    merge = emails._MailMerge("merge", meeting, zone="Asia/Kolkata", own=("join_url",))
    for name, email, join_url in [
        ("Tom & <Jerry>", "tom@example.org", "https://x.example/j/1?a=1&b=2"),
        ('"Q" O\'Hara', "q@example.org", "https://x.example/j/2"),
    ]:
        filled = merge.fill(
            {"recipient_email": email, "recipient_name": name, "join_url": join_url}
        )
        context = emails._context(
            meeting, Recipient(email, name, "Asia/Kolkata"), join_url=join_url
        )
        assert filled == emails._render("merge", context)
    assert filled[1] == f"{name} <{email}>: {join_url}"


def test_the_merge_refuses_a_template_that_changes_a_recipients_own_value(meeting, merge_templates):
    merge_templates("<a>{{ join_url|upper }}</a>")
    with pytest.raises(ValueError, match="a filter changes a recipient's own value"):
        emails._MailMerge("merge", meeting, zone="UTC", own=("join_url",))
