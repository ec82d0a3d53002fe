"""Guest booking links: one token per email or success page, stored as a SHA-256 digest."""

import hashlib
import hmac
import secrets

from bookings.models import Booking, BookingToken

# token_urlsafe(32) is 43 characters; anything much longer is not ours.
MAX_TOKEN_LENGTH = 64


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint(*, booking: Booking) -> str:
    """A new 256-bit token for the booking's guest link; the clear token is returned, never kept."""
    token = secrets.token_urlsafe(32)
    BookingToken.objects.create(booking=booking, digest=digest(token))
    return token


def booking_for_token(*, token: str) -> Booking | None:
    """The booking a guest link opens, with its host, type and meeting; None for a wrong token.

    Looked up by digest, so the database's timing says nothing about the token;
    the digests are compared once more in constant time.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    wanted = digest(token)
    found = (
        BookingToken.objects.select_related(
            "booking__host", "booking__booking_type", "booking__meeting"
        )
        .filter(digest=wanted)
        .first()
    )
    if found is None or not hmac.compare_digest(found.digest, wanted):
        return None
    return found.booking
