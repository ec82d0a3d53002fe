import pytest

from invitations.models import Invitation
from tests.factories import ContactFactory, MeetingFactory


@pytest.fixture
def contact(user):
    return ContactFactory(
        owner=user,
        first_name="Grace",
        last_name="Hopper",
        email="grace@navy.example",
        company="US Navy",
    )


@pytest.fixture
def invite():
    """Invite a contact to a new meeting of its owner, as the invitations code does."""

    def invite(contact):
        return Invitation.objects.create(
            meeting=MeetingFactory(host=contact.owner),
            contact=contact,
            email=contact.email,
            name=contact.full_name,
        )

    return invite
