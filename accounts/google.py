"""A user's Google account: the OAuth 2.0 web flow, the stored tokens, the credentials.

The flow is the one Google documents for web server applications: the user is
sent to Google's consent page with a random `state` (checked on the way back)
and a PKCE challenge, the callback trades the code for an access token and a
refresh token, and both are stored encrypted. Meetings on Google Meet use the
credentials built here to reach the user's calendar (meetings/google_meet.py).
"""

import base64
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import google_auth_httplib2
import httplib2
import jwt
from django.conf import settings
from django.utils import timezone
from google.auth.exceptions import TransportError
from google.oauth2.credentials import Credentials

from accounts.models import GoogleAccount, User
from meetings_site.crypto import SecretKeyError, decrypt_secret, encrypt_secret

logger = logging.getLogger(__name__)

AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address, not a secret)
REVOKE_URI = "https://oauth2.googleapis.com/revoke"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
# Optional: booking pages read the host's busy times with it (bookings/google_busy.py).
FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
# openid and email name the account on the profile page; the calendar scope
# is the one that creates, moves and deletes the Meet events.
SCOPES = ("openid", "email", CALENDAR_SCOPE, FREEBUSY_SCOPE)
# The scopes under which Google answers freebusy.query (its discovery document's list).
BUSY_SCOPES = frozenset(
    {
        FREEBUSY_SCOPE,
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/calendar.readonly",
        "https://www.googleapis.com/auth/calendar.events.freebusy",
    }
)


class GoogleError(Exception):
    """Google refused or could not be reached; the message is for the user."""


def is_configured() -> bool:
    """Whether this site has an OAuth client, without which Google Meet is not offered."""
    return bool(settings.GOOGLE_OAUTH_CLIENT_ID and settings.GOOGLE_OAUTH_CLIENT_SECRET)


def new_http() -> httplib2.Http:
    """The client of every request to Google: httplib2, as google-api-python-client uses."""
    return httplib2.Http(timeout=settings.GOOGLE_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str


def authorization_request(redirect_uri: str, *, login_hint: str) -> AuthorizationRequest:
    """Where to send the user to grant access, with a fresh state and PKCE verifier."""
    state = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    params = {
        "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        # A refresh token, so that meetings can be moved and cancelled later.
        "access_type": "offline",
        # Ask again even if granted before: Google only hands out a refresh
        # token on consent.
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": login_hint,
    }
    return AuthorizationRequest(f"{AUTH_URI}?{urlencode(params)}", state, code_verifier)


def _post_form(url: str, fields: dict) -> tuple[int, dict]:
    request = google_auth_httplib2.Request(new_http())
    try:
        response = request(
            url,
            method="POST",
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    except (TransportError, httplib2.HttpLib2Error, OSError) as error:
        raise GoogleError("Google could not be reached. Try again in a moment.") from error
    try:
        payload = json.loads(response.data or b"{}")
    except ValueError:
        payload = {}
    return response.status, payload if isinstance(payload, dict) else {}


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> dict:
    """Trade the authorization code for tokens (the token endpoint's JSON answer)."""
    status, payload = _post_form(
        TOKEN_URI,
        {
            "code": code,
            "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
            "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET,
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
            "code_verifier": code_verifier,
        },
    )
    if status != 200 or not payload.get("access_token"):
        reason = payload.get("error_description") or payload.get("error") or f"HTTP {status}"
        raise GoogleError(f"Google did not accept the sign-in ({reason}). Connect again.")
    if CALENDAR_SCOPE not in payload.get("scope", "").split():
        raise GoogleError(
            "Google Meet needs access to your calendar's events, and it was not granted. "
            "Connect again and leave the calendar box ticked."
        )
    if not payload.get("refresh_token"):
        raise GoogleError("Google sent no refresh token. Connect again.")
    return payload


def _account_email(tokens: dict) -> str:
    """The address in the ID token, which came straight from Google's token endpoint over TLS.

    OpenID Connect allows skipping the signature check for an ID token
    received this way; it only labels the connection on the profile page.
    """
    try:
        claims = jwt.decode(tokens.get("id_token", ""), options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    email = claims.get("email", "")
    return email if isinstance(email, str) and claims.get("email_verified", True) else ""


def _expiry(expires_in) -> datetime | None:
    try:
        return timezone.now() + timedelta(seconds=int(expires_in))
    except (TypeError, ValueError):
        return None


def connected_account(user: User) -> GoogleAccount | None:
    return GoogleAccount.objects.filter(user=user).first()


def reads_busy_times(account: GoogleAccount) -> bool:
    """Whether the account granted a scope that lets booking pages read its busy times.

    Accounts connected before FREEBUSY_SCOPE was asked for lack it until the
    user connects again; till then their busy times are not checked.
    """
    return bool(BUSY_SCOPES & set(account.scopes.split()))


def needs_reconnect_for_busy_times(account: GoogleAccount | None) -> bool:
    """A connected account without the free/busy scope, on a site that can ask for it again."""
    return account is not None and is_configured() and not reads_busy_times(account)


def connect(user: User, tokens: dict) -> GoogleAccount:
    """Store the tokens from the code exchange; connecting again replaces the account."""
    account, _ = GoogleAccount.objects.update_or_create(
        user=user,
        defaults={
            "email": _account_email(tokens),
            "scopes": tokens.get("scope", ""),
            "refresh_token": encrypt_secret(tokens["refresh_token"]),
            "access_token": encrypt_secret(tokens["access_token"]),
            "access_token_expires_at": _expiry(tokens.get("expires_in")),
        },
    )
    return account


def disconnect(account: GoogleAccount) -> None:
    """Forget the account, after asking Google to revoke the grant (best effort)."""
    try:
        token = decrypt_secret(account.refresh_token)
    except SecretKeyError:
        token = ""
    if token:
        try:
            status, _ = _post_form(REVOKE_URI, {"token": token})
        except GoogleError:
            status = 0
        if status not in (200, 400):  # 400: already revoked or expired
            logger.warning("Google did not confirm revoking the grant of %s", account.user)
    account.delete()


def credentials(account: GoogleAccount) -> Credentials:
    """Credentials that refresh themselves; store_refreshed() keeps the new access token."""
    try:
        refresh_token = decrypt_secret(account.refresh_token)
        access_token = decrypt_secret(account.access_token) or None
    except SecretKeyError as error:
        raise GoogleError(
            "The stored Google sign-in cannot be read on this server. Connect your Google "
            "account again on your profile."
        ) from error
    expiry = account.access_token_expires_at
    return Credentials(
        token=access_token,
        refresh_token=refresh_token,
        token_uri=TOKEN_URI,
        client_id=settings.GOOGLE_OAUTH_CLIENT_ID,
        client_secret=settings.GOOGLE_OAUTH_CLIENT_SECRET,
        # What was granted: a refresh that asks for more is refused.
        scopes=account.scopes.split() or list(SCOPES),
        # google-auth compares naive UTC times.
        expiry=expiry.astimezone(UTC).replace(tzinfo=None) if expiry else None,
    )


def store_refreshed(account: GoogleAccount, creds: Credentials) -> None:
    """Keep an access token that google-auth refreshed during a request."""
    if not creds.token or creds.token == decrypt_secret(account.access_token):
        return
    account.access_token = encrypt_secret(creds.token)
    account.access_token_expires_at = creds.expiry.replace(tzinfo=UTC) if creds.expiry else None
    account.save(update_fields=["access_token", "access_token_expires_at", "updated_at"])


REVOKED_MESSAGE = (
    "Google no longer accepts this site's access to your calendar (it was revoked or "
    "expired). Connect your Google account again on your profile."
)
