import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import PASSWORD, MeetingFactory, UserFactory
from tests.smtp import SilentServer, SMTPServer

pytest_plugins = ["tests.google"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tests speak plain http to the test client and the live server.
    settings.SECURE_SSL_REDIRECT = False
    # Hashing passwords for real takes most of a test's time and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Cached page fragments must not outlive the test that rendered them.
    cache.clear()
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


def _send_mail_to(settings, port: int, timeout: int = 5) -> None:
    settings.EMAIL_BACKEND = "invitations.backends.ConfiguredEmailBackend"
    settings.MAIL_FALLBACK_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = timeout


@pytest.fixture(scope="session")
def _smtp_server_process():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server_process, settings):
    """A real SMTP server on a free port, emptied for each test; the site's mail goes to it."""
    server = _smtp_server_process
    server.reset()
    if server.controller is None:
        server.start()
    _send_mail_to(settings, server.port)
    yield server
    if server.controller is None:
        server.start()


@pytest.fixture
def silent_smtp_server(settings):
    """A mail server that accepts the connection and never answers."""
    server = SilentServer()
    _send_mail_to(settings, server.port, timeout=1)
    yield server
    server.close()


@pytest.fixture
def run_worker():
    """Drain the task queue with the real database worker, as `db_worker` does in production."""

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    return run
