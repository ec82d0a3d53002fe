"""Log-in and password reset, each under its limits per account and per client address;
personal API tokens."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from accounts import tasks
from accounts.models import ApiToken, User
from meetings_site import tokens
from meetings_site.limits import Limit, address_key, attempt_refund, attempt_reserve


def _limits(
    scope: str, *, email: str, address: str, per_account: int, per_address: int, seconds: int
) -> list[Limit]:
    # The account is the address typed, whether an account has it or not, so
    # that the answers do not tell which accounts exist.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    window = timedelta(seconds=seconds)
    return [
        Limit(f"{scope}-account", account, per_account, window),
        Limit(f"{scope}-address", address_key(address), per_address, window),
    ]


@dataclass(frozen=True)
class LogInCheck:
    """The user whose password matched, if any; `retry_after` seconds when limited."""

    user: User | None
    retry_after: int = 0


def user_authenticate(*, request, email: str, password: str, address: str) -> LogInCheck:
    """Compare a password unless the account or the address failed too often lately.

    Each attempt is counted before the comparison and given back when the
    password is right, so only failures count, and a correct password inside
    the limit still logs in. Not one transaction: hashing the password takes a
    while, and the counters' locks (on SQLite the database's write lock) must
    not be held across it.
    """
    reservation = attempt_reserve(
        limits=_limits(
            "login",
            email=email,
            address=address,
            per_account=settings.LOGIN_FAILURES_PER_ACCOUNT,
            per_address=settings.LOGIN_FAILURES_PER_ADDRESS,
            seconds=settings.LOGIN_FAILURE_WINDOW,
        )
    )
    if not reservation.granted:
        return LogInCheck(user=None, retry_after=reservation.retry_after)
    user = authenticate(request, username=email, password=password)
    if user is not None:
        attempt_refund(reservation=reservation)
    return LogInCheck(user=user)


@transaction.atomic
def password_reset_request(*, email: str, address: str) -> int:
    """Queue a reset link to the account with this email, if any; 0, or seconds to wait."""
    reservation = attempt_reserve(
        limits=_limits(
            "reset",
            email=email,
            address=address,
            per_account=settings.PASSWORD_RESETS_PER_ACCOUNT,
            per_address=settings.PASSWORD_RESETS_PER_ADDRESS,
            seconds=settings.PASSWORD_RESET_WINDOW,
        )
    )
    if not reservation.granted:
        return reservation.retry_after
    for user in User.objects.filter(email__iexact=email.strip(), is_active=True):
        if user.has_usable_password():
            # The mail leaves through the task queue: a slow or failing mail
            # server never holds the request.
            transaction.on_commit(lambda pk=user.pk: tasks.send_password_reset.enqueue(pk))
    return 0


# Personal API tokens. The token is drawn and digested by meetings_site/tokens.py;
# how often its last use is written down, at most.
API_TOKEN_USE_PRECISION = timedelta(minutes=1)
API_TOKEN_SHOWN_CHARACTERS = 8


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token for the user: the row, and the clear token to show once."""
    clear = ApiToken.PREFIX + tokens.new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=tokens.digest(clear),
        shown_start=clear[:API_TOKEN_SHOWN_CHARACTERS],
    )
    return token, clear


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """Stop a token from working, at once; the row stays, as a record of it."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_use(*, token: str) -> ApiToken | None:
    """The live token of an active user with this clear text, its last use noted; else None.

    The last use is written at most once a minute, so that a busy client does
    not write a row on every request.
    """
    if not token.startswith(ApiToken.PREFIX):
        return None
    live = ApiToken.objects.select_related("user").filter(
        revoked_at__isnull=True, user__is_active=True
    )
    found = tokens.find(live, token)
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or found.last_used_at <= now - API_TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
