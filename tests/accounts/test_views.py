import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def _signup_data(**overrides):
    data = {
        "email": "new@example.com",
        "first_name": "Nia",
        "last_name": "Okafor",
        "timezone": "Africa/Lagos",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
    }
    return data | overrides


def test_sign_up_creates_the_account_and_logs_in(client):
    response = client.post(reverse("accounts:signup"), _signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.timezone == "Africa/Lagos"
    assert get_user(client).pk == user.pk


def test_sign_up_with_a_taken_email_in_other_case_is_refused(client, user):
    response = client.post(reverse("accounts:signup"), _signup_data(email="ADA@example.com"))
    assert response.status_code == 200
    assert "An account with this email address already exists." in response.text
    assert User.objects.count() == 1


def test_sign_up_with_an_unknown_time_zone_is_refused(client):
    response = client.post(reverse("accounts:signup"), _signup_data(timezone="Mars/Olympus"))
    assert "Select a valid choice" in response.text
    assert not User.objects.exists()


def test_sign_up_follows_a_local_next(client):
    response = client.post(reverse("accounts:signup") + "?next=/meetings/new/", _signup_data())
    assert response["Location"] == "/meetings/new/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sign_up_refuses_open_redirects(client, target):
    response = client.post(reverse("accounts:signup") + f"?next={target}", _signup_data())
    assert response["Location"] == reverse("home")


def test_log_in_with_email_in_any_case(client, user, password):
    response = client.post(
        reverse("accounts:login"), {"username": "ADA@Example.com", "password": password}
    )
    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_log_in_with_wrong_password_shows_an_error(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "no"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.text
    assert not get_user(client).is_authenticated


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_log_in_refuses_open_redirects(client, user, password, target):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": password, "next": target},
    )
    assert response["Location"] == reverse("home")


def test_log_out_needs_a_post(host_client):
    assert host_client.get(reverse("accounts:logout")).status_code == 405
    assert host_client.post(reverse("accounts:logout")).status_code == 302
    assert not get_user(host_client).is_authenticated


def test_profile_edits_names_and_time_zone(host_client, user):
    response = host_client.post(
        reverse("accounts:profile"),
        {"first_name": "Augusta", "last_name": "King", "timezone": "Europe/London"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.timezone) == ("Augusta King", "Europe/London")


def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_change(host_client, user, password):
    response = host_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_password_reset_sends_a_working_link(client, user):
    response = client.post(reverse("accounts:password_reset"), {"email": "ADA@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    link = next(line for line in message.body.splitlines() if "/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "Choose a new password" in response.text
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-fresh-passphrase-9")


def test_password_reset_for_unknown_email_sends_nothing_and_looks_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
