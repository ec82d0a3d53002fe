"""Limits on attempts per key and window, counted before the guarded work is done.

An attempt is reserved before the password (or anything else guessable) is
compared: a conditional UPDATE raises the window's count only while it is under
the limit, which the database does atomically (a row lock on PostgreSQL, the
write lock on SQLite), so concurrent guesses cannot slip past the limit. When
only failures should count, the caller refunds the reservation of a success.
Windows are fixed and aligned to the epoch, so every key's window is one row.
"""

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from meetings_site.models import AttemptWindow


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts of one `key` in each `window` of one `scope`."""

    scope: str
    key: str
    limit: int
    window: timedelta

    @property
    def stored_key(self) -> str:
        return self.key[:64]

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


@dataclass(frozen=True)
class Reservation:
    """The windows an attempt was counted in; when refused, none, and how long to wait."""

    windows: tuple[tuple[Limit, datetime], ...]
    retry_after: int = 0

    @property
    def granted(self) -> bool:
        return bool(self.windows)


def _take(limit: Limit, window_start: datetime) -> bool:
    window = AttemptWindow.objects.filter(
        scope=limit.scope, key=limit.stored_key, window_start=window_start
    )
    if window.filter(attempts__lt=limit.limit).update(attempts=F("attempts") + 1):
        return True
    if window.filter(attempts__gte=limit.limit).exists():
        return False
    # No row yet (or one that a concurrent first attempt has just opened, under the
    # limit): a new window for this key, so the scope's earlier windows are over.
    AttemptWindow.objects.filter(scope=limit.scope, window_start__lt=window_start).delete()
    AttemptWindow.objects.bulk_create(
        [AttemptWindow(scope=limit.scope, key=limit.stored_key, window_start=window_start)],
        ignore_conflicts=True,
    )
    return bool(window.filter(attempts__lt=limit.limit).update(attempts=F("attempts") + 1))


# No savepoint: callers may reserve inside their own transaction, and a refused
# attempt gives back what it took instead of rolling back to one.
@transaction.atomic(savepoint=False)
def attempt_reserve(*, limits: Sequence[Limit]) -> Reservation:
    """Count one attempt against every limit, or against none if any is reached."""
    now = timezone.now()
    taken = []
    for limit in limits:
        start = limit.window_start(now)
        if not _take(limit, start):
            attempt_refund(reservation=Reservation(windows=tuple(taken)))
            wait = (start + limit.window - now).total_seconds()
            return Reservation(windows=(), retry_after=max(1, math.ceil(wait)))
        taken.append((limit, start))
    return Reservation(windows=tuple(taken))


@transaction.atomic(savepoint=False)
def attempt_refund(*, reservation: Reservation) -> None:
    """Give back an attempt that succeeded, where only failures are limited."""
    for limit, start in reservation.windows:
        AttemptWindow.objects.filter(
            scope=limit.scope, key=limit.stored_key, window_start=start, attempts__gt=0
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


def address_key(address: str) -> str:
    """The key of a client address: IPv6 clients are counted per /64, which one host holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
