import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import GoogleAccount
from invitations.models import MailSettings
from meetings_site.crypto import SecretKeyError, decrypt_secret, encrypt_secret
from tests.factories import UserFactory
from tests.google import REFRESH_TOKEN, connect_google

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ADD_URL = reverse("admin:invitations_mailsettings_add")
CHANGE_URL = reverse("admin:invitations_mailsettings_change", args=[MailSettings.SINGLETON_ID])
CHANGELIST_URL = reverse("admin:invitations_mailsettings_changelist")
TEST_EMAIL_URL = reverse("admin:invitations_mailsettings_test_email")


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    return settings.MAIL_ENCRYPTION_KEYS


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def form_data(**changes) -> dict:
    data = {
        "enabled": "on",
        "host": "smtp.example.com",
        "port": "587",
        "security": "starttls",
        "timeout": "15",
        "username": "mailer@example.com",
        "password": "",
        "from_email": "meetings@example.com",
        "from_name": "Example Meetings",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def stored_row(**fields) -> MailSettings:
    values = {
        "enabled": True,
        "host": "smtp.example.com",
        "port": 587,
        "security": MailSettings.Security.STARTTLS,
        "username": "mailer@example.com",
        "from_email": "meetings@example.com",
        "from_name": "Example Meetings",
    }
    return MailSettings.objects.create(**(values | fields))


def row_for(server, **fields) -> MailSettings:
    """Enabled settings that send to one of the test servers."""
    return stored_row(
        host="127.0.0.1",
        port=server.port,
        security=MailSettings.Security.NONE,
        username="",
        **({"timeout": 5} | fields),
    )


def errors_of(response) -> dict:
    return response.context["adminform"].form.errors


# --- One row: no second, no deletion ------------------------------------------


def test_the_list_leads_to_the_add_form_while_there_is_no_row(staff_client):
    response = staff_client.get(CHANGELIST_URL)
    assert response.status_code == 302 and response.url == ADD_URL


def test_the_list_leads_straight_to_the_single_row(staff_client):
    stored_row()
    response = staff_client.get(CHANGELIST_URL)
    assert response.status_code == 302 and response.url == CHANGE_URL


def test_the_add_form_proposes_the_usual_submission_port_and_timeout(staff_client):
    form = staff_client.get(ADD_URL).context["adminform"].form
    assert (form["port"].value(), form["timeout"].value(), form["security"].value()) == (
        587,
        15,
        "starttls",
    )


def test_the_row_is_created_in_the_admin_as_the_single_row(staff_client):
    response = staff_client.post(ADD_URL, form_data(username="", enabled=None))
    assert response.status_code == 302
    assert list(MailSettings.objects.values_list("pk", flat=True)) == [MailSettings.SINGLETON_ID]


def test_a_second_row_cannot_be_added(staff_client):
    stored_row()
    assert staff_client.get(ADD_URL).status_code == 403
    assert staff_client.post(ADD_URL, form_data(host="other.example.com")).status_code == 403
    assert MailSettings.objects.get().host == "smtp.example.com"
    index = staff_client.get(reverse("admin:index")).text
    assert CHANGELIST_URL in index and ADD_URL not in index


def test_the_row_cannot_be_deleted(staff_client, rf, staff_user):
    stored_row()
    page = staff_client.get(CHANGE_URL).text
    assert "deletelink" not in page
    delete_url = reverse("admin:invitations_mailsettings_delete", args=[1])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    staff_client.post(CHANGELIST_URL, {"action": "delete_selected", "_selected_action": ["1"]})
    assert MailSettings.objects.exists()

    request = rf.get(CHANGELIST_URL)
    request.user = staff_user
    assert "delete_selected" not in admin.site.get_model_admin(MailSettings).get_actions(request)


# --- The form -------------------------------------------------------------------


def test_the_password_is_stored_encrypted_and_never_shown_back(staff_client, keys):
    response = staff_client.post(ADD_URL, form_data(password="smtp-pass-123"))
    assert response.status_code == 302
    row = MailSettings.objects.get()
    assert row.password_encrypted and "smtp-pass-123" not in row.password_encrypted
    assert decrypt_secret(row.password_encrypted) == "smtp-pass-123"

    page = staff_client.get(CHANGE_URL).text
    assert "smtp-pass-123" not in page
    assert row.password_encrypted not in page
    assert 'name="password"' in page and 'type="password"' in page
    assert "A password is stored. Leave this field blank to keep it." in page


def test_without_a_stored_password_the_help_says_so(staff_client):
    stored_row()
    assert "No password is stored." in staff_client.get(CHANGE_URL).text


def test_a_blank_password_field_keeps_the_stored_password(staff_client, keys):
    stored_row(password_encrypted=encrypt_secret("kept"))
    response = staff_client.post(CHANGE_URL, form_data(host="smtp2.example.com"))
    assert response.status_code == 302
    row = MailSettings.objects.get()
    assert row.host == "smtp2.example.com"
    assert decrypt_secret(row.password_encrypted) == "kept"


def test_a_new_password_replaces_the_stored_one(staff_client, keys):
    stored_row(password_encrypted=encrypt_secret("old"))
    staff_client.post(CHANGE_URL, form_data(password="new"))
    assert decrypt_secret(MailSettings.objects.get().password_encrypted) == "new"


def test_the_stored_password_can_be_cleared(staff_client, keys):
    stored_row(password_encrypted=encrypt_secret("gone"))
    response = staff_client.post(CHANGE_URL, form_data(username="", clear_password="on"))
    assert response.status_code == 302
    assert MailSettings.objects.get().password_encrypted == ""


def test_a_new_password_and_clearing_at_once_is_refused(staff_client, keys):
    stored_row(password_encrypted=encrypt_secret("kept"))
    response = staff_client.post(CHANGE_URL, form_data(password="new", clear_password="on"))
    assert response.status_code == 200
    assert errors_of(response)["password"] == [
        "Either enter a new password or clear the stored one, not both."
    ]
    assert decrypt_secret(MailSettings.objects.get().password_encrypted) == "kept"


def test_a_password_needs_a_username(staff_client, keys):
    response = staff_client.post(ADD_URL, form_data(username="", password="secret"))
    assert errors_of(response)["password"] == ["Enter the username that goes with this password."]
    assert not MailSettings.objects.exists()


def test_missing_encryption_keys_show_the_clear_error_and_save_nothing(staff_client, settings):
    settings.MAIL_ENCRYPTION_KEYS = []
    response = staff_client.post(ADD_URL, form_data(password="secret"))
    assert response.status_code == 200
    [error] = errors_of(response)["password"]
    assert error.startswith("MAIL_ENCRYPTION_KEYS is not set")
    assert "MAIL_ENCRYPTION_KEYS is not set" in response.text
    assert not MailSettings.objects.exists()


def test_a_wrong_encryption_key_shows_the_clear_error_and_changes_nothing(staff_client, settings):
    stored_row(host="smtp.example.com")
    settings.MAIL_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    response = staff_client.post(CHANGE_URL, form_data(host="new.example.com", password="x"))
    assert response.status_code == 200
    assert "is not a Fernet key" in errors_of(response)["password"][0]
    row = MailSettings.objects.get()
    assert (row.host, row.password_encrypted) == ("smtp.example.com", "")


def test_enabling_a_password_the_keys_cannot_decrypt_is_refused(staff_client, settings):
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    stored_row(enabled=False, password_encrypted=encrypt_secret("old"))
    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    page = staff_client.get(CHANGE_URL).text
    assert "A password is stored, but it cannot be used" in page
    response = staff_client.post(CHANGE_URL, form_data())
    assert "cannot be decrypted" in errors_of(response)["password"][0]
    assert MailSettings.objects.get().enabled is False


def test_enabled_settings_need_a_host_and_a_from_email(staff_client):
    response = staff_client.post(ADD_URL, form_data(host="", from_email=""))
    errors = errors_of(response)
    assert errors["host"] == ["Required when the mail settings are enabled."]
    assert errors["from_email"] == ["Required when the mail settings are enabled."]
    assert not MailSettings.objects.exists()


def test_disabled_settings_may_be_saved_incomplete(staff_client):
    response = staff_client.post(
        ADD_URL, form_data(enabled=None, host="", from_email="", username="")
    )
    assert response.status_code == 302
    assert MailSettings.objects.get().enabled is False


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("port", "0", "Ensure this value is greater than or equal to 1."),
        ("port", "65536", "Ensure this value is less than or equal to 65535."),
        ("timeout", "0", "Ensure this value is greater than or equal to 1."),
        ("timeout", "301", "Ensure this value is less than or equal to 300."),
        ("from_email", "not-an-address", "Enter a valid email address."),
        ("security", "starttls+ssl", "Select a valid choice."),
    ],
)
def test_out_of_range_values_are_refused(staff_client, field, value, error):
    stored_row(port=587, timeout=15)
    response = staff_client.post(CHANGE_URL, form_data(**{field: value}))
    assert response.status_code == 200
    assert error in errors_of(response)[field][0]
    row = MailSettings.objects.get()
    assert (row.port, row.timeout, row.security) == (587, 15, "starttls")


def test_security_is_one_choice_among_none_starttls_and_ssl(staff_client):
    stored_row()
    page = staff_client.get(CHANGE_URL).text
    assert page.count('type="radio" name="security"') == 3
    staff_client.post(CHANGE_URL, form_data(security="ssl", port="465"))
    row = MailSettings.objects.get()
    assert (row.security, row.port) == ("ssl", 465)


def test_the_admin_is_closed_to_people_who_are_not_staff(client, user):
    client.force_login(user)
    response = client.get(CHANGE_URL)
    assert response.status_code == 302 and reverse("admin:login") in response.url


# --- Send a test email ----------------------------------------------------------


def test_the_change_page_links_to_the_test_email(staff_client):
    stored_row()
    assert f'href="{TEST_EMAIL_URL}"' in staff_client.get(CHANGE_URL).text


def test_the_test_email_page_says_where_mail_goes(staff_client, smtp_server):
    page = staff_client.get(TEST_EMAIL_URL).text
    assert "not enabled, so mail follows the environment" in page
    assert f"127.0.0.1:{smtp_server.port}" in page
    assert 'value="admin@example.com"' in page

    row_for(smtp_server)
    page = staff_client.get(TEST_EMAIL_URL).text
    assert f"SMTP server of these mail settings: 127.0.0.1:{smtp_server.port}" in page


def test_a_test_email_is_sent_at_once_through_the_saved_settings(staff_client, smtp_server):
    row_for(smtp_server, from_email="it@example.org", from_name="Example IT")
    response = staff_client.post(TEST_EMAIL_URL, {"to": "x@example.com"}, follow=True)
    assert f"Test email sent to x@example.com via 127.0.0.1:{smtp_server.port}." in response.text
    [message] = smtp_server.messages
    assert message["To"] == "x@example.com"
    assert message["From"] == "Example IT <it@example.org>"
    assert message["Subject"] == "Test email from Meetings"


def test_a_test_email_goes_through_the_environment_when_settings_are_disabled(
    staff_client, smtp_server
):
    response = staff_client.post(TEST_EMAIL_URL, {"to": "x@example.com"}, follow=True)
    assert f"Test email sent to x@example.com via 127.0.0.1:{smtp_server.port}." in response.text
    assert len(smtp_server.messages) == 1


def test_a_stopped_server_shows_connection_refused(staff_client, smtp_server):
    row_for(smtp_server)
    smtp_server.stop()
    response = staff_client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert response.status_code == 200
    assert (
        f"The test email to x@example.com could not be sent via 127.0.0.1:{smtp_server.port}"
        in response.text
    )
    assert "Connection refused" in response.text


def test_a_refusing_server_shows_its_reply(staff_client, smtp_server):
    row_for(smtp_server)
    smtp_server.refuse(1, "550 5.7.1 Relaying denied")
    response = staff_client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert response.status_code == 200
    assert "550 5.7.1 Relaying denied" in response.text
    assert smtp_server.messages == []


def test_a_silent_server_shows_a_timeout_within_the_configured_timeout(
    staff_client, silent_smtp_server
):
    row_for(silent_smtp_server, timeout=1)
    started = time.monotonic()
    response = staff_client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "the server did not answer within 1 s" in response.text


def test_an_invalid_address_is_a_form_error(staff_client, smtp_server):
    response = staff_client.post(TEST_EMAIL_URL, {"to": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors["to"] == ["Enter a valid email address."]
    assert smtp_server.messages == []


def test_the_test_email_is_for_staff_who_may_change_mail_settings(client, user, smtp_server):
    response = client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert response.status_code == 302 and reverse("admin:login") in response.url

    client.force_login(user)
    response = client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert response.status_code == 302 and reverse("admin:login") in response.url

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_mailsettings"))
    client.force_login(viewer)
    assert client.post(TEST_EMAIL_URL, {"to": "x@example.com"}).status_code == 403
    assert smtp_server.messages == []

    editor = UserFactory(is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_mailsettings"))
    client.force_login(editor)
    client.post(TEST_EMAIL_URL, {"to": "x@example.com"})
    assert len(smtp_server.messages) == 1


# --- Key rotation ----------------------------------------------------------------


def test_rotation_moves_the_stored_password_to_the_newest_key(settings):
    key_a, key_b = new_key(), new_key()
    settings.MAIL_ENCRYPTION_KEYS = [key_a]
    stored_row(password_encrypted=encrypt_secret("smtp-pass"))

    settings.MAIL_ENCRYPTION_KEYS = [key_b, key_a]
    out = io.StringIO()
    call_command("rotate_mail_secrets", stdout=out)
    assert "now encrypted with the newest key" in out.getvalue()

    settings.MAIL_ENCRYPTION_KEYS = [key_b]
    assert decrypt_secret(MailSettings.objects.get().password_encrypted) == "smtp-pass"


def test_rotation_without_a_stored_password_changes_nothing(capsys):
    stored_row()
    call_command("rotate_mail_secrets")
    assert "nothing to re-encrypt" in capsys.readouterr().out
    assert MailSettings.objects.get().password_encrypted == ""


def test_rotation_without_the_old_key_fails_clearly_and_keeps_the_password(settings):
    key_a = new_key()
    settings.MAIL_ENCRYPTION_KEYS = [key_a]
    token = encrypt_secret("smtp-pass")
    stored_row(password_encrypted=token)

    settings.MAIL_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(CommandError, match="cannot be re-encrypted"):
        call_command("rotate_mail_secrets")
    assert MailSettings.objects.get().password_encrypted == token
    with pytest.raises(SecretKeyError):
        decrypt_secret(token)


# --- The start-up warning -----------------------------------------------------------


CONSOLE = "django.core.mail.backends.console.EmailBackend"


def mail_warnings() -> list[str]:
    return [message.id for message in run_checks(tags=["mail"])]


def test_development_warns_when_mail_is_printed_to_the_console(settings):
    settings.DEBUG = True
    settings.MAIL_FALLBACK_BACKEND = CONSOLE
    [warning] = run_checks(tags=["mail"])
    assert warning.id == "invitations.W001"
    assert warning.msg.startswith("Outgoing mail is printed to the console: ")


def test_no_warning_once_an_smtp_server_or_an_esp_is_set(settings):
    settings.DEBUG = True
    settings.MAIL_FALLBACK_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert mail_warnings() == []
    settings.MAIL_FALLBACK_BACKEND = "anymail.backends.postmark.EmailBackend"
    assert mail_warnings() == []


def test_no_warning_once_the_mail_settings_are_enabled(settings):
    settings.DEBUG = True
    settings.MAIL_FALLBACK_BACKEND = CONSOLE
    row = stored_row(enabled=False)
    assert mail_warnings() == ["invitations.W001"]
    row.enabled = True
    row.save()
    assert mail_warnings() == []


def test_no_warning_without_debug_so_the_deployment_checks_stay_clean(settings):
    settings.DEBUG = False
    settings.MAIL_FALLBACK_BACKEND = CONSOLE
    assert mail_warnings() == []


def test_the_warning_appears_before_migrate_without_failing(tmp_path):
    variables = ("SMTP_", "EMAIL_", "ANYMAIL", "MAIL_", "DEBUG", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(variables)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "invitations.W001" in result.stderr
    assert "Traceback" not in result.stderr


def test_rotation_moves_google_tokens_to_the_newest_key(settings, user):
    key_a, key_b = new_key(), new_key()
    settings.MAIL_ENCRYPTION_KEYS = [key_a]
    connect_google(user)

    settings.MAIL_ENCRYPTION_KEYS = [key_b, key_a]
    out = io.StringIO()
    call_command("rotate_mail_secrets", stdout=out)
    assert "The tokens of 1 Google account(s) are now encrypted" in out.getvalue()

    settings.MAIL_ENCRYPTION_KEYS = [key_b]
    assert decrypt_secret(GoogleAccount.objects.get().refresh_token) == REFRESH_TOKEN
