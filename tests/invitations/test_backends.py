import json
import os
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography.fernet import Fernet
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from invitations.backends import calendar_alternative_supported
from invitations.models import MailSettings
from meetings_site.crypto import encrypt_secret
from tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MAIL_VARIABLES = ("SMTP_", "EMAIL_", "ANYMAIL", "MAIL_", "DEBUG", "DATABASE_URL")


class LoginRecordingServer(SMTPServer):
    """The test SMTP server, also offering AUTH (over plain text: it is loopback)."""

    def __init__(self):
        super().__init__()
        self.logins: list[tuple[str, str]] = []

    def start(self) -> None:
        self.controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )
        self.controller.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


@pytest.fixture
def second_smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def login_smtp_server():
    server = LoginRecordingServer()
    server.start()
    yield server
    server.stop()


def enable_mail_settings(server, **fields) -> MailSettings:
    values = {
        "enabled": True,
        "host": server.host,
        "port": server.port,
        "security": MailSettings.Security.NONE,
        "from_email": "it@example.org",
        "from_name": "Example IT",
        "timeout": 5,
    }
    return MailSettings.objects.create(**(values | fields))


def send_one(to: str = "someone@example.com", **kwargs) -> None:
    send_mail("Hello", "Body", None, [to], **kwargs)


def test_without_mail_settings_mail_follows_the_environment(smtp_server, settings):
    send_one()
    [message] = smtp_server.messages
    assert message["To"] == "someone@example.com"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL


def test_disabled_mail_settings_leave_mail_to_the_environment(smtp_server, second_smtp_server):
    enable_mail_settings(second_smtp_server, enabled=False)
    send_one()
    assert len(smtp_server.messages) == 1
    assert second_smtp_server.messages == []


def test_enabled_mail_settings_send_through_their_server_and_sender(
    smtp_server, second_smtp_server
):
    enable_mail_settings(second_smtp_server)
    send_one()
    assert smtp_server.messages == []
    [message] = second_smtp_server.messages
    assert message["From"] == "Example IT <it@example.org>"
    assert second_smtp_server.handler.envelopes[0].mail_from == "it@example.org"


def test_a_message_with_its_own_sender_keeps_it(smtp_server, second_smtp_server):
    enable_mail_settings(second_smtp_server)
    EmailMessage("Hello", "Body", "Host <host@example.com>", ["a@example.com"]).send()
    assert second_smtp_server.messages[0]["From"] == "Host <host@example.com>"


# The reset mail is sent by the task worker, which closes its database connection.
@pytest.mark.django_db(transaction=True)
def test_password_reset_follows_a_change_in_the_admin_from_the_next_message_on(
    client, smtp_server, second_smtp_server, user, staff_user, run_worker
):
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    run_worker()
    [first] = smtp_server.messages
    assert first["To"] == user.email

    staff = Client()
    staff.force_login(staff_user)
    response = staff.post(
        reverse("admin:invitations_mailsettings_add"),
        {
            "enabled": "on",
            "host": second_smtp_server.host,
            "port": second_smtp_server.port,
            "security": "none",
            "timeout": 5,
            "username": "",
            "password": "",
            "from_email": "it@example.org",
            "from_name": "Example IT",
        },
    )
    assert response.status_code == 302, response.text

    client.post(reverse("accounts:password_reset"), {"email": user.email})
    run_worker()
    assert len(smtp_server.messages) == 1
    [second] = second_smtp_server.messages
    assert second["To"] == user.email
    assert second["From"] == "Example IT <it@example.org>"
    assert "Reset your password" in second["Subject"]


def test_the_stored_password_is_decrypted_to_log_in(settings, smtp_server, login_smtp_server):
    settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    enable_mail_settings(
        login_smtp_server,
        username="mailer@example.org",
        password_encrypted=encrypt_secret("smtp pass: w0rd!"),
    )
    send_one()
    assert login_smtp_server.logins == [("mailer@example.org", "smtp pass: w0rd!")]
    assert len(login_smtp_server.messages) == 1


def test_starttls_is_required_not_skipped_when_the_server_lacks_it(smtp_server):
    enable_mail_settings(smtp_server, security=MailSettings.Security.STARTTLS)
    with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS"):
        send_one()
    assert smtp_server.messages == []


def test_ssl_is_required_from_the_first_byte(smtp_server):
    enable_mail_settings(smtp_server, security=MailSettings.Security.SSL, timeout=2)
    with pytest.raises(ssl.SSLError):
        send_one()
    assert smtp_server.messages == []


def test_a_batch_shares_one_connection_opened_with_the_settings_of_its_start(
    smtp_server, second_smtp_server
):
    with get_connection() as batch:
        EmailMessage("One", "Body", None, ["a@example.com"], connection=batch).send()
        enable_mail_settings(second_smtp_server)
        EmailMessage("Two", "Body", None, ["b@example.com"], connection=batch).send()
    assert [m["Subject"] for m in smtp_server.messages] == ["One", "Two"]
    send_one()
    assert len(second_smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("fallback", "supported"),
    [
        ("django.core.mail.backends.smtp.EmailBackend", True),
        ("django.core.mail.backends.console.EmailBackend", True),
        ("anymail.backends.postmark.EmailBackend", False),
        ("anymail.backends.sendgrid.EmailBackend", False),
        ("anymail.backends.amazon_ses.EmailBackend", True),
    ],
)
def test_calendar_alternative_depends_on_the_fallback_backend(settings, fallback, supported):
    settings.MAIL_FALLBACK_BACKEND = fallback
    assert calendar_alternative_supported() is supported


def test_enabled_mail_settings_support_the_calendar_alternative_whatever_the_fallback(
    settings, smtp_server
):
    settings.MAIL_FALLBACK_BACKEND = "anymail.backends.postmark.EmailBackend"
    row = enable_mail_settings(smtp_server)
    assert calendar_alternative_supported() is True
    row.enabled = False
    row.save()
    assert calendar_alternative_supported() is False


# The environment is read once, when settings.py is imported: these run the
# site in a fresh process with the variables that an operator would set.


def environment(**variables) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(MAIL_VARIABLES)}
    return inherited | {"DJANGO_SETTINGS_MODULE": "meetings_site.settings"} | variables


def settings_under(**variables) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({name: getattr(s, name) for name in ("
            "'MAIL_FALLBACK_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
            "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'DEFAULT_FROM_EMAIL', "
            "'ANYMAIL')}))",
        ],
        cwd=ROOT,
        env=environment(**variables),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_with_nothing_configured_mail_is_printed_to_the_console():
    assert settings_under()["MAIL_FALLBACK_BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_smtp_variables_configure_the_fallback():
    configured = settings_under(
        SMTP_HOST="smtp.example.com",
        SMTP_PORT="465",
        SMTP_USER="mailer",
        SMTP_PASS="secret",
        SMTP_FROM="meetings@example.com",
        SMTP_FROM_NAME="Example Meetings",
    )
    assert configured["MAIL_FALLBACK_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (configured["EMAIL_HOST"], configured["EMAIL_PORT"]) == ("smtp.example.com", 465)
    assert (configured["EMAIL_HOST_USER"], configured["EMAIL_HOST_PASSWORD"]) == (
        "mailer",
        "secret",
    )
    assert (configured["EMAIL_USE_SSL"], configured["EMAIL_USE_TLS"]) == (True, False)
    assert configured["DEFAULT_FROM_EMAIL"] == "Example Meetings <meetings@example.com>"


def test_email_backend_and_anymail_variables_select_an_esp():
    configured = settings_under(
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
        ANYMAIL='{"POSTMARK_SERVER_TOKEN": "server-token"}',
    )
    assert configured["MAIL_FALLBACK_BACKEND"] == "anymail.backends.postmark.EmailBackend"
    assert configured["ANYMAIL"] == {"POSTMARK_SERVER_TOKEN": "server-token"}


def database_url() -> str:
    """The test database, for a process of the site started by a test."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    address = db["HOST"] + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{login}@{address}/{db['NAME']}"


def test_smtp_variables_deliver_mail_and_log_in(login_smtp_server):
    result = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "someone@example.com"],
        cwd=ROOT,
        env=environment(
            DATABASE_URL=database_url(),
            SMTP_HOST=login_smtp_server.host,
            SMTP_PORT=str(login_smtp_server.port),
            SMTP_STARTTLS="false",
            SMTP_USER="mailer",
            SMTP_PASS="secret",
            SMTP_FROM="meetings@example.com",
            SMTP_FROM_NAME="Example Meetings",
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert login_smtp_server.logins == [("mailer", "secret")]
    [message] = login_smtp_server.messages
    assert message["To"] == "someone@example.com"
    assert message["From"] == "Example Meetings <meetings@example.com>"
