import pytest
from django.test import Client

from accounts import services
from tests.factories import MeetingFactory, UserFactory


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
