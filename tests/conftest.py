import pytest

from tests.factories import PASSWORD, MeetingFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tests speak plain http to the test client and the live server.
    settings.SECURE_SSL_REDIRECT = False
    # Hashing passwords for real takes most of a test's time and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage needs `collectstatic`; tests read the source files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")


@pytest.fixture
def host_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def meeting(user):
    return MeetingFactory(host=user, title="Weekly sync", passcode="012345")


@pytest.fixture
def staff_user(db):
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
