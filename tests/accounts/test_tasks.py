from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User

# The worker closes its database connection, as in production: no test transaction survives it.
pytestmark = pytest.mark.django_db(transaction=True)


def _request_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 302


def _reset_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    link = next(line for line in body.splitlines() if "/password/reset/" in line)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_password_reset_mail_arrives_when_the_task_runs_and_its_link_works(
    client, user, smtp_server, run_worker, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://meet.example.com"
    _request_reset(client, "ADA@example.com", django_capture_on_commit_callbacks)
    assert smtp_server.messages == []
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Reset your password"
    assert (
        "https://meet.example.com/accounts/password/reset/"
        in message.get_body(("plain",)).get_content()
    )
    response = client.get(_reset_link(message), follow=True)
    assert "Choose a new password" in response.text
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-fresh-passphrase-9")


def test_password_reset_mail_is_retried_while_the_mail_server_is_down(
    client, user, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    _request_reset(client, user.email, django_capture_on_commit_callbacks)
    smtp_server.stop()
    run_worker()
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=20)
    smtp_server.start()
    # The retry's time comes.
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    [message] = smtp_server.messages
    assert message["To"] == user.email


def test_password_reset_mail_is_not_sent_to_an_account_deactivated_meanwhile(
    client, user, smtp_server, run_worker, django_capture_on_commit_callbacks
):
    _request_reset(client, user.email, django_capture_on_commit_callbacks)
    User.objects.filter(pk=user.pk).update(is_active=False)
    run_worker()
    assert smtp_server.messages == []
