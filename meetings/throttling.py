"""Limits on failures in fixed time windows: passcode guesses and failed meeting lookups.

An attempt is reserved before it can succeed: a conditional UPDATE raises the
window's count only while it is under the limit, which the database does
atomically (a row lock on PostgreSQL, the write lock on SQLite). A passcode
guess is reserved before the passcode is compared and given back when it was
right; a meeting lookup is counted only once it has failed. Either way only
failures count.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone

from meetings.models import AttemptWindow, Meeting

Scope = AttemptWindow.Scope


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
    # When refused: seconds until the window that refused it is over.
    retry_after: int = 0

    @property
    def granted(self) -> bool:
        return bool(self.windows)


class Throttled(Exception):
    """Past the limit of failed lookups: ThrottledMiddleware answers 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; retry after {retry_after} s.")
        self.retry_after = retry_after


def passcode_limits(*, meeting: Meeting | None, address: str) -> list[Limit]:
    """The limits a passcode guess counts against; one at an unknown ID counts for the address."""
    limits = [
        Limit(
            Scope.PASSCODE_ADDRESS,
            address[:64],
            settings.PASSCODE_ATTEMPTS_PER_ADDRESS,
            timedelta(seconds=settings.PASSCODE_ADDRESS_WINDOW),
        )
    ]
    if meeting is not None:
        limits.insert(
            0,
            Limit(
                Scope.PASSCODE_MEETING,
                str(meeting.pk),
                settings.PASSCODE_ATTEMPTS_PER_MEETING,
                timedelta(seconds=settings.PASSCODE_MEETING_WINDOW),
            ),
        )
    return limits


def lookup_limits(*, user, address: str) -> list[Limit]:
    """The limits a failed meeting lookup counts against: the logged-in user's and the address's."""
    window = timedelta(seconds=settings.MEETING_LOOKUP_WINDOW)
    limits = [
        Limit(
            Scope.LOOKUP_ADDRESS,
            address[:64],
            settings.MEETING_LOOKUP_FAILURES_PER_ADDRESS,
            window,
        )
    ]
    if user.is_authenticated:
        limits.insert(
            0,
            Limit(
                Scope.LOOKUP_USER, str(user.pk), settings.MEETING_LOOKUP_FAILURES_PER_USER, window
            ),
        )
    return limits


def _count_attempt(*, scope: str, key: str, window_start: datetime, limit: int) -> int:
    """Count one attempt in the window if it is under its limit: the common case, one UPDATE."""
    return AttemptWindow.objects.filter(
        scope=scope, key=key, window_start=window_start, attempts__lt=limit
    ).update(attempts=F("attempts") + 1)


def _take(limit: Limit, window_start: datetime) -> bool:
    window = {"scope": limit.scope, "key": limit.key, "window_start": window_start}
    if _count_attempt(**window, limit=limit.limit):
        return True
    if AttemptWindow.objects.filter(**window).exists():
        return False  # at the limit
    # The first attempt of a new window; earlier windows of the key are over.
    AttemptWindow.objects.filter(
        scope=limit.scope, key=limit.key, window_start__lt=window_start
    ).delete()
    AttemptWindow.objects.bulk_create(
        [AttemptWindow(scope=limit.scope, key=limit.key, window_start=window_start)],
        ignore_conflicts=True,
    )
    return bool(_count_attempt(**window, limit=limit.limit))


# No savepoint: the join flows call this inside their own transaction, and a
# refused attempt gives back what it took instead of rolling back to one.
@transaction.atomic(savepoint=False)
def attempt_reserve(*, limits: list[Limit]) -> Reservation:
    """Count one attempt against every limit, or against none if any is reached."""
    now = timezone.now()
    taken = []
    for limit in limits:
        start = limit.window_start(now)
        if not _take(limit, start):
            attempt_refund(reservation=Reservation(windows=tuple(taken)))
            over = start + limit.window - now
            return Reservation(windows=(), retry_after=max(1, math.ceil(over.total_seconds())))
        taken.append((limit, start))
    return Reservation(windows=tuple(taken))


@transaction.atomic(savepoint=False)
def attempt_refund(*, reservation: Reservation) -> None:
    """Give back an attempt that succeeded: only failures are limited."""
    for limit, start in reservation.windows:
        AttemptWindow.objects.filter(
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


def too_many_lookups_response(request, retry_after: int):
    """429 with Retry-After, in words a person reads."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "meetings/too_many_lookups.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class ThrottledMiddleware:
    """Answers Throttled, raised by the meeting lookup inside any view, with a 429 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Throttled):
            return too_many_lookups_response(request, exception.retry_after)
        return None
