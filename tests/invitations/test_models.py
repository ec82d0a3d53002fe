import pytest
from django.db import IntegrityError, transaction

from invitations.models import Invitation
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_invitation_is_for_a_user_or_a_contact_never_both_or_neither(meeting):
    contact, user = ContactFactory(owner=meeting.host), UserFactory()
    for fields in ({}, {"user": user, "contact": contact}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Invitation.objects.create(meeting=meeting, email="x@example.org", **fields)


def test_an_address_is_invited_once_per_meeting_regardless_of_case(meeting):
    contact = ContactFactory(owner=meeting.host)
    Invitation.objects.create(meeting=meeting, contact=contact, email="Kim@example.org")
    with pytest.raises(IntegrityError):
        Invitation.objects.create(meeting=meeting, contact=contact, email="kim@EXAMPLE.org")
