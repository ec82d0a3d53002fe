"""Connecting a Google account: the OAuth 2.0 web flow, against Google's documented answers."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import GoogleAccount
from meetings_site.crypto import decrypt_secret
from tests import google
from tests.bookings.conftest import connect_google
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONNECT = reverse("accounts:google_connect")
CALLBACK = reverse("accounts:google_callback")
PROFILE = reverse("accounts:profile")


def _start(client, next_url: str = "") -> dict:
    """Press "Connect Google account"; the query Google's consent page receives."""
    response = client.post(CONNECT, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://accounts.google.com/o/oauth2/v2/auth"
    )
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_connect_sends_the_user_to_googles_consent_page(host_client, google_server):
    query = _start(host_client)

    assert query["client_id"] == google.CLIENT_ID
    assert query["redirect_uri"] == "https://meet.example.com/accounts/google/callback/"
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) == {
        "openid",
        "email",
        google.CALENDAR_SCOPE,
        google.FREEBUSY_SCOPE,
    }
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["login_hint"] == "ada@example.com"
    assert len(query["state"]) >= 43  # 256 bits
    flow = host_client.session["google_oauth"]
    assert flow["state"] == query["state"]
    # PKCE: the challenge is the S256 of the verifier kept in the session.
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(flow["code_verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert google_server.requests == []


def test_connect_is_a_post_for_logged_in_users(client, host_client, google_server):
    assert host_client.get(CONNECT).status_code == 405
    host_client.logout()
    response = client.post(CONNECT)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_without_an_oauth_client_google_is_not_offered(host_client, settings):
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    assert "Connect Google account" not in host_client.get(PROFILE).text
    response = host_client.post(CONNECT)
    assert response["Location"] == PROFILE
    assert _messages(response) == ["Google Meet is not set up on this site."]


def test_callback_stores_the_tokens_encrypted_and_goes_back(host_client, user, google_server):
    query = _start(host_client, next_url="/meetings/new/")
    verifier = host_client.session["google_oauth"]["code_verifier"]
    google_server.answer(
        google.token_response(scope=f"{google.GRANTED_SCOPES} {google.FREEBUSY_SCOPE}")
    )

    response = host_client.get(CALLBACK, {"code": "4/0AeaYSHB-code", "state": query["state"]})

    assert response.status_code == 302 and response["Location"] == "/meetings/new/"
    exchange = google_server.request(0)
    assert (exchange.method, exchange.url) == ("POST", "https://oauth2.googleapis.com/token")
    assert exchange.form == {
        "code": "4/0AeaYSHB-code",
        "client_id": google.CLIENT_ID,
        "client_secret": google.CLIENT_SECRET,
        "redirect_uri": "https://meet.example.com/accounts/google/callback/",
        "grant_type": "authorization_code",
        "code_verifier": verifier,
    }
    account = GoogleAccount.objects.get(user=user)
    assert account.email == "ada.lovelace@gmail.com"
    assert google.REFRESH_TOKEN not in account.refresh_token
    assert decrypt_secret(account.refresh_token) == google.REFRESH_TOKEN
    assert decrypt_secret(account.access_token) == google.ACCESS_TOKEN
    assert account.access_token_expires_at is not None
    assert "google_oauth" not in host_client.session
    assert _messages(response) == [
        "Google account ada.lovelace@gmail.com is connected: you can hold meetings on Google "
        "Meet, and your booking pages leave out the times your calendar shows as busy."
    ]
    page = host_client.get(PROFILE).text
    assert "Connected to <strong>ada.lovelace@gmail.com</strong>" in page
    assert 'data-testid="google-reconnect"' not in page


def test_an_account_without_the_free_busy_scope_is_asked_to_reconnect(
    host_client, user, google_server
):
    """Accounts connected before the free/busy scope was asked for, or that untick it."""
    query = _start(host_client)
    google_server.answer(google.token_response(scope=google.GRANTED_SCOPES))

    response = host_client.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})

    assert GoogleAccount.objects.filter(user=user).exists()
    assert _messages(response) == [
        "Google account ada.lovelace@gmail.com is connected for Google Meet, but not to see "
        "your calendar's busy times, so booking pages cannot leave them out. Reconnect and "
        "allow it to do so."
    ]
    page = host_client.get(PROFILE).text
    prompt = page.split('data-testid="google-reconnect"', 1)[1].split("</div>", 1)[0]
    assert "Reconnect Google so your busy times are checked." in prompt
    assert f'action="{CONNECT}"' in prompt and 'name="next" value="/accounts/profile/#google"' in (
        prompt
    )
    # The button goes through the same flow, and comes back to the profile's Google section.
    query = _start(host_client, next_url="/accounts/profile/#google")
    assert google.FREEBUSY_SCOPE in query["scope"].split()
    google_server.answer(
        google.token_response(scope=f"{google.GRANTED_SCOPES} {google.FREEBUSY_SCOPE}")
    )
    response = host_client.get(CALLBACK, {"code": "4/0Ae-code2", "state": query["state"]})
    assert response["Location"] == "/accounts/profile/#google"
    assert 'data-testid="google-reconnect"' not in host_client.get(PROFILE).text
    assert GoogleAccount.objects.get(user=user).scopes.split().count(google.FREEBUSY_SCOPE) == 1


def test_no_reconnect_prompt_without_an_oauth_client(host_client, user, settings, google_server):
    """The site can no longer ask Google: a button would lead nowhere."""
    connect_google(user, scopes=google.GRANTED_SCOPES)
    assert 'data-testid="google-reconnect"' in host_client.get(PROFILE).text
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    assert 'data-testid="google-reconnect"' not in host_client.get(PROFILE).text


@pytest.mark.parametrize(
    "params",
    [{"code": "4/0Ae-code", "state": "forged"}, {"code": "4/0Ae-code"}],
    ids=["wrong state", "no state"],
)
def test_a_callback_with_a_wrong_state_stores_nothing(host_client, google_server, params):
    _start(host_client)
    response = host_client.get(CALLBACK, params)
    assert response.status_code == 400
    assert "has expired or was not started here" in response.text
    assert google_server.requests == [] and not GoogleAccount.objects.exists()


def test_a_callback_is_good_once(host_client, google_server):
    query = _start(host_client)
    google_server.answer(google.token_response())
    host_client.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})
    again = host_client.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})
    assert again.status_code == 400 and len(google_server.requests) == 1


def test_a_callback_for_someone_elses_session_is_refused(host_client, google_server):
    query = _start(host_client)
    # The state lives in Ada's session; Grace's browser cannot complete her flow.
    grace = Client()
    grace.force_login(UserFactory(email="grace@example.com"))
    response = grace.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})
    assert response.status_code == 400 and not GoogleAccount.objects.exists()


def test_refusing_consent_connects_nothing(host_client, google_server):
    query = _start(host_client)
    response = host_client.get(CALLBACK, {"error": "access_denied", "state": query["state"]})
    assert response["Location"] == PROFILE
    assert _messages(response) == [
        "Your Google account was not connected. You did not grant access."
    ]
    assert google_server.requests == [] and not GoogleAccount.objects.exists()


def test_consent_without_the_calendar_is_refused(host_client, google_server):
    query = _start(host_client)
    google_server.answer(
        google.token_response(scope="openid https://www.googleapis.com/auth/userinfo.email")
    )
    response = host_client.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})
    assert "leave the calendar box ticked" in _messages(response)[0]
    assert not GoogleAccount.objects.exists()


def test_a_code_google_rejects_connects_nothing(host_client, google_server):
    query = _start(host_client)
    google_server.answer(
        google.ok({"error": "invalid_grant", "error_description": "Bad Request"}, 400)
    )
    response = host_client.get(CALLBACK, {"code": "4/0Ae-stale", "state": query["state"]})
    assert response["Location"] == PROFILE
    assert _messages(response) == [
        "Your Google account was not connected. Google did not accept the sign-in "
        "(Bad Request). Connect again."
    ]
    assert not GoogleAccount.objects.exists()


def test_connecting_again_replaces_the_tokens(host_client, user, google_server):
    google.connect_google(user)
    query = _start(host_client)
    google_server.answer(google.token_response(email="ada@work.example"))
    host_client.get(CALLBACK, {"code": "4/0Ae-code", "state": query["state"]})
    assert GoogleAccount.objects.get().email == "ada@work.example"


def test_disconnect_revokes_the_grant_and_forgets_the_tokens(host_client, user, google_server):
    google.connect_google(user)
    google_server.answer(google.ok())
    response = host_client.post(reverse("accounts:google_disconnect"))
    assert response["Location"] == PROFILE
    revoke = google_server.request(0)
    assert (revoke.method, revoke.url) == ("POST", "https://oauth2.googleapis.com/revoke")
    assert revoke.form == {"token": google.REFRESH_TOKEN}
    assert not GoogleAccount.objects.exists()
    assert "Connect Google account" in host_client.get(PROFILE).text


def test_disconnect_forgets_the_tokens_even_when_google_is_unreachable(
    host_client, user, google_server, monkeypatch
):
    google.connect_google(user)

    class Unreachable:
        def request(self, *args, **kwargs):
            raise OSError("Network is unreachable")

    monkeypatch.setattr("accounts.google.new_http", Unreachable)
    host_client.post(reverse("accounts:google_disconnect"))
    assert not GoogleAccount.objects.exists()


def test_disconnect_is_a_post(host_client, user, google_server):
    google.connect_google(user)
    assert host_client.get(reverse("accounts:google_disconnect")).status_code == 405
    assert GoogleAccount.objects.exists()
