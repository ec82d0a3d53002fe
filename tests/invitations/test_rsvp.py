from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invitations import services, tokens
from invitations.models import Invitation
from meetings import services as meeting_services
from meetings.exceptions import TransitionError
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _personal(meeting, rsvp="accepted"):
    contact = ContactFactory(owner=meeting.host, email="linus@example.org")
    invitation = Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, name="Linus T", rsvp=rsvp
    )
    token, _ = tokens.mint_many([invitation])[invitation.pk]
    return invitation, reverse("invitations:rsvp", args=[meeting.meeting_id, token])


def _cancel(meeting):
    meeting_services.meeting_cancel(meeting=meeting)


def _end(meeting):
    meeting_services.meeting_start(meeting=meeting)
    meeting_services.meeting_end(meeting=meeting)


def _let_it_pass(meeting):
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2)
    )


CLOSINGS = {
    "cancelled": (_cancel, "This meeting was cancelled, so answers are closed."),
    "ended": (_end, "This meeting is over, so answers are closed."),
    "past": (_let_it_pass, "This meeting is over, so answers are closed."),
}


@pytest.mark.parametrize("closing", CLOSINGS)
def test_the_rsvp_link_of_a_closed_meeting_is_gone_and_changes_nothing(client, meeting, closing):
    close, reason = CLOSINGS[closing]
    invitation, url = _personal(meeting, rsvp="accepted")
    close(meeting)

    page = client.get(url + "?answer=declined")
    assert page.status_code == 410
    assert reason in page.text
    assert "Will you attend?" not in page.text

    response = client.post(url, {"answer": "declined"})
    assert response.status_code == 410
    assert reason in response.text
    invitation.refresh_from_db()
    assert invitation.rsvp == "accepted"


def test_an_invited_user_cannot_answer_for_a_cancelled_meeting(meeting):
    guest = UserFactory(email="grace@example.com")
    invitation = Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    _cancel(meeting)
    client = Client()
    client.force_login(guest)
    response = client.post(
        reverse("invitations:rsvp_as_invitee", args=[meeting.meeting_id]), {"answer": "accepted"}
    )
    assert response.status_code == 410
    assert "This meeting was cancelled, so answers are closed." in response.text
    invitation.refresh_from_db()
    assert invitation.rsvp == "needs_action" and invitation.rsvp_at is None


def test_the_service_refuses_an_answer_for_a_cancelled_meeting(meeting):
    invitation, _ = _personal(meeting, rsvp="tentative")
    _cancel(meeting)
    invitation.refresh_from_db()
    with pytest.raises(TransitionError, match="cancelled"):
        services.invitation_rsvp(invitation=invitation, answer="accepted")
    invitation.refresh_from_db()
    assert invitation.rsvp == "tentative"


def test_an_active_meeting_still_takes_answers(client, meeting):
    invitation, url = _personal(meeting, rsvp="needs_action")
    meeting_services.meeting_start(meeting=meeting)
    assert client.post(url, {"answer": "accepted"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.rsvp == "accepted"
