"""The limit on public booking POSTs: BOOKING_POSTS_PER_ADDRESS per client address and window.

Counted by the site's limiter (meetings_site/limits.py) before the booking is
attempted, whether it then succeeds or not: every POST counts. The view
reserves an attempt and answers 429 with Retry-After when refused:

    reservation = attempt_reserve(limits=booking_limits(address=client_address(request)))
    if not reservation.granted:
        ...  # 429, Retry-After: reservation.retry_after
"""

from datetime import timedelta

from django.conf import settings

from meetings_site.limits import Limit, address_key

BOOKING_ADDRESS = "booking-address"


def booking_limits(*, address: str) -> list[Limit]:
    """The limits a booking POST from this client address counts against."""
    return [
        Limit(
            BOOKING_ADDRESS,
            address_key(address),
            settings.BOOKING_POSTS_PER_ADDRESS,
            timedelta(seconds=settings.BOOKING_POST_WINDOW),
        )
    ]
