import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db.models import F
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from meetings_site.models import AttemptWindow

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


# Log-in and password-reset limits.


class CountingHasher(MD5PasswordHasher):
    """Counts password comparisons, to show that a refused attempt compares nothing."""

    algorithm = "counting-md5"
    verified = 0

    def verify(self, password, encoded):
        type(self).verified += 1
        return super().verify(password, encoded.replace(self.algorithm, "md5", 1))

    def encode(self, password, salt):
        return super().encode(password, salt).replace("md5", self.algorithm, 1)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.verified = 0
    return CountingHasher


@pytest.fixture(autouse=True)
def _one_limit_window(settings):
    """The attempts a test counts fall in one window of the log-in and reset limits.

    Windows are aligned to the clock, and the count starts again in each: near
    the end of one, the test waits for the next rather than straddle the two.
    """
    window = min(settings.LOGIN_FAILURE_WINDOW, settings.PASSWORD_RESET_WINDOW)
    left = window - time.time() % window
    if left < 30:
        time.sleep(left + 0.1)


def _log_in(client, email, password, address="192.0.2.10"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def _assert_limited(response, words):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60 * 60
    assert words in response.text
    assert "Please try again in" in response.text


def test_log_in_is_refused_after_five_failures_for_the_account_even_with_the_right_password(
    client, user, password
):
    for attempt in range(5):
        # The account is the address typed, in any case.
        response = _log_in(client, user.email.upper() if attempt % 2 else user.email, "wrong")
        assert response.status_code == 200
    response = _log_in(client, user.email, password)
    _assert_limited(response, "Too many failed attempts to log in.")
    assert int(response["Retry-After"]) <= 15 * 60
    assert not get_user(client).is_authenticated


def test_a_correct_password_inside_the_limit_still_logs_in(client, user, password):
    for _ in range(4):
        assert _log_in(client, user.email, "wrong").status_code == 200
    response = _log_in(client, user.email, password)
    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_a_successful_log_in_is_not_counted_as_a_failure(client, user, password):
    for _ in range(4):
        _log_in(client, user.email, "wrong")
    for _ in range(3):
        assert _log_in(client, user.email, password).status_code == 302
        client.logout()
    assert _log_in(client, user.email, "wrong").status_code == 200
    _assert_limited(_log_in(client, user.email, password), "Too many failed attempts")


def test_a_limited_log_in_compares_no_password(client, counting_hasher):
    account = User.objects.create_user("grace@example.com", "the-right-one")
    for _ in range(5):
        _log_in(client, account.email, "wrong")
    compared = counting_hasher.verified
    for _ in range(10):
        assert _log_in(client, account.email, "the-right-one").status_code == 429
    assert counting_hasher.verified == compared


def test_an_unknown_account_is_limited_like_a_known_one(client, user):
    known = [_log_in(client, user.email, "wrong").status_code for _ in range(6)]
    unknown = [_log_in(client, "ghost@example.com", "wrong").status_code for _ in range(6)]
    assert known == unknown == [200] * 5 + [429]


def test_log_in_is_refused_after_twenty_failures_from_one_address(client, user, password):
    for number in range(20):
        assert _log_in(client, f"guess{number}@example.com", "wrong").status_code == 200
    _assert_limited(_log_in(client, user.email, password), "Too many failed attempts to log in.")
    # Another address is not affected.
    assert _log_in(client, user.email, password, address="198.51.100.7").status_code == 302


def test_log_in_limits_ipv6_clients_per_network(client, user, password):
    for number in range(20):
        _log_in(client, f"guess{number}@example.com", "wrong", address=f"2001:db8:1:2::{number:x}")
    response = _log_in(client, user.email, password, address="2001:db8:1:2:ffff::1")
    assert response.status_code == 429


def test_the_log_in_limit_lifts_when_its_window_is_over(client, user, password):
    for _ in range(5):
        _log_in(client, user.email, "wrong")
    assert _log_in(client, user.email, password).status_code == 429
    AttemptWindow.objects.update(window_start=F("window_start") - timedelta(minutes=15))
    assert _log_in(client, user.email, password).status_code == 302


def _reset(client, email, address="192.0.2.10"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


def _queued_resets() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="send_password_reset").count()


def test_password_reset_requests_past_three_per_account_are_refused(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            assert _reset(client, user.email, address=f"192.0.2.{number}").status_code == 302
        response = _reset(client, user.email, address="192.0.2.99")
    _assert_limited(response, "Too many requests to reset a password.")
    assert _queued_resets() == 3


def test_password_reset_requests_past_three_per_address_are_refused(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            assert _reset(client, f"someone{number}@example.com").status_code == 302
        response = _reset(client, user.email)
    _assert_limited(response, "Too many requests to reset a password.")
    assert _queued_resets() == 0


def test_password_reset_for_an_unknown_account_is_limited_the_same(client, user):
    known = [_reset(client, user.email, f"192.0.2.{n}").status_code for n in range(4)]
    unknown = [_reset(client, "ghost@example.com", f"192.0.3.{n}").status_code for n in range(4)]
    assert known == unknown == [302, 302, 302, 429]


def test_password_reset_with_an_invalid_address_says_so_and_counts_nothing(client):
    response = _reset(client, "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert not AttemptWindow.objects.exists()


def test_password_reset_answers_at_once_while_the_mail_server_hangs(
    client, user, settings, silent_smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_TIMEOUT = 10
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, user.email)
    assert time.monotonic() - started < 2
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert _queued_resets() == 1


def test_password_reset_for_unknown_email_sends_nothing_and_looks_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, "ghost@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert _queued_resets() == 0
