"""Log-in and password reset, each under its limits per account and per client address."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction

from accounts import tasks
from accounts.models import User
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
