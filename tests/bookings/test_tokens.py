from datetime import datetime, time
from zoneinfo import ZoneInfo

from bookings import services, tokens
from bookings.models import BookingToken
from tests.bookings.conftest import next_weekday


def book(booking_type):
    return services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(0), time(10), ZoneInfo("Europe/Berlin")),
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="Europe/Berlin",
    )


def test_guest_links_open_their_booking_only(booking_type):
    new = book(booking_type)

    assert tokens.booking_for_token(token=new.token) == new.booking
    for wrong in ["", "x", new.token[:-1], new.token + "x", "x" * 100, tokens.digest(new.token)]:
        assert tokens.booking_for_token(token=wrong) is None


def test_a_token_is_stored_as_its_digest_only(booking_type):
    new = book(booking_type)

    token = tokens.mint(booking=new.booking)

    digests = set(BookingToken.objects.values_list("digest", flat=True))
    assert digests == {tokens.digest(new.token), tokens.digest(token)}
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert tokens.booking_for_token(token=token) == new.booking
