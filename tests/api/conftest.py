import pytest
from django.test import Client

from accounts import services
from invitations.models import Invitation
from tests.factories import MeetingFactory, UserFactory


@pytest.fixture(autouse=True)
def _one_request_window(settings):
    """Every request of a test falls in one window of the API's request limits.

    Windows are aligned to the clock: when a minute ends between two requests
    that a test compares, the second one opens a new window, with a few more
    queries. Tests of the limits themselves set the window they need.
    """
    settings.API_REQUEST_WINDOW = 10**9


def token_client(user) -> Client:
    """A client that calls the API as `user`, through a new personal API token."""
    _, clear = services.api_token_create(user=user, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {clear}")
    client.token = clear
    return client


@pytest.fixture
def api(user):
    """The host's API client: the `user` fixture, with a token."""
    return token_client(user)


@pytest.fixture
def other_host(db):
    return UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")


@pytest.fixture
def others_meeting(other_host):
    return MeetingFactory(host=other_host, title="Grace's review")


@pytest.fixture
def people(user, meeting, other_host, staff_user):
    """Each kind of caller around `meeting`, each with a token; `anonymous` sends none."""
    invitee = UserFactory(email="invitee@example.com", first_name="Grace", last_name="Hopper")
    cohost = UserFactory(email="cohost@example.com", first_name="Alan", last_name="Turing")
    invitation = Invitation.objects.create(meeting=meeting, user=invitee, email=invitee.email)
    Invitation.objects.create(
        meeting=meeting, user=cohost, email=cohost.email, role=Invitation.Role.MODERATOR
    )
    return {
        "host": token_client(user),
        "cohost": token_client(cohost),
        "invitee": token_client(invitee),
        "stranger": token_client(other_host),
        "staff": token_client(staff_user),
        "anonymous": Client(),
        "invitee_user": invitee,
        "invitation": invitation,
    }
