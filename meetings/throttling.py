"""Limits on passcode guessing, per meeting and per client address.

An attempt is reserved before the passcode is compared: a conditional UPDATE
raises the window's count only while it is under the limit, which the database
does atomically (a row lock on PostgreSQL, the write lock on SQLite). When the
passcode turns out right the reservation is given back, so only failures count.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from meetings.models import Meeting, PasscodeAttemptWindow

Scope = PasscodeAttemptWindow.Scope


@dataclass(frozen=True)
class Limit:
    scope: str
    key: str
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


@dataclass(frozen=True)
class Reservation:
    """The window rows an attempt was counted in; empty when the attempt was refused."""

    windows: tuple[tuple[Limit, datetime], ...]

    @property
    def granted(self) -> bool:
        return bool(self.windows)


def limits_for(meeting: Meeting | None, address: str) -> list[Limit]:
    """The limits one attempt counts against; a guess at an unknown ID counts for the address."""
    limits = [
        Limit(
            Scope.ADDRESS,
            address[:64],
            settings.PASSCODE_ATTEMPTS_PER_ADDRESS,
            timedelta(seconds=settings.PASSCODE_ADDRESS_WINDOW),
        )
    ]
    if meeting is not None:
        limits.insert(
            0,
            Limit(
                Scope.MEETING,
                str(meeting.pk),
                settings.PASSCODE_ATTEMPTS_PER_MEETING,
                timedelta(seconds=settings.PASSCODE_MEETING_WINDOW),
            ),
        )
    return limits


def _count_attempt(*, scope: str, key: str, window_start: datetime, limit: int) -> int:
    """Count one attempt in the window if it is under its limit: the common case, one UPDATE."""
    return PasscodeAttemptWindow.objects.filter(
        scope=scope, key=key, window_start=window_start, attempts__lt=limit
    ).update(attempts=F("attempts") + 1)


def _take(limit: Limit, window_start: datetime) -> bool:
    window = {"scope": limit.scope, "key": limit.key, "window_start": window_start}
    if _count_attempt(**window, limit=limit.limit):
        return True
    rows = PasscodeAttemptWindow.objects.filter(**window)
    if rows.exists():
        return False  # at the limit
    # The first attempt of a new window; earlier windows of the key are over.
    PasscodeAttemptWindow.objects.filter(
        scope=limit.scope, key=limit.key, window_start__lt=window_start
    ).delete()
    PasscodeAttemptWindow.objects.bulk_create(
        [PasscodeAttemptWindow(scope=limit.scope, key=limit.key, window_start=window_start)],
        ignore_conflicts=True,
    )
    return bool(_count_attempt(**window, limit=limit.limit))


@transaction.atomic
def attempt_reserve(*, meeting: Meeting | None, address: str) -> Reservation:
    """Count one passcode attempt against every limit, or none if any is reached."""
    now = timezone.now()
    taken = []
    for limit in limits_for(meeting, address):
        start = limit.window_start(now)
        if not _take(limit, start):
            transaction.set_rollback(True)
            return Reservation(windows=())
        taken.append((limit, start))
    return Reservation(windows=tuple(taken))


@transaction.atomic
def attempt_refund(*, reservation: Reservation) -> None:
    """Give back an attempt whose passcode was right: only failures are limited."""
    for limit, start in reservation.windows:
        PasscodeAttemptWindow.objects.filter(
            scope=limit.scope, key=limit.key, window_start=start, attempts__gt=0
        ).update(attempts=F("attempts") - 1)


def client_address(request) -> str:
    """The client's IP: the socket peer, or the address the trusted proxies saw."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
