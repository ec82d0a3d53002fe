"""Guest booking links: one token per email or success page, stored as a SHA-256 digest."""

from bookings.models import Booking, BookingToken
from meetings_site.tokens import digest, find, new_token


def mint(*, booking: Booking) -> str:
    """A new 256-bit token for the booking's guest link; the clear token is returned, never kept."""
    token = new_token()
    BookingToken.objects.create(booking=booking, digest=digest(token))
    return token


def booking_for_token(*, token: str) -> Booking | None:
    """The booking a guest link opens, with its host, type and meeting; None for a wrong token."""
    found = find(
        BookingToken.objects.select_related(
            "booking__host", "booking__booking_type", "booking__meeting"
        ),
        token,
    )
    return found.booking if found else None
