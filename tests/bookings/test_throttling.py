from bookings.throttling import booking_limits
from meetings_site.limits import attempt_reserve


def test_ten_booking_posts_an_hour_per_address(db):
    limits = booking_limits(address="192.0.2.7")

    granted = [attempt_reserve(limits=limits).granted for _ in range(10)]
    refused = attempt_reserve(limits=limits)

    assert all(granted)
    assert not refused.granted
    assert 0 < refused.retry_after <= 3600
    assert attempt_reserve(limits=booking_limits(address="192.0.2.8")).granted


def test_an_ipv6_client_is_counted_per_64(db, settings):
    settings.BOOKING_POSTS_PER_ADDRESS = 1
    assert attempt_reserve(limits=booking_limits(address="2001:db8::1")).granted

    assert not attempt_reserve(limits=booking_limits(address="2001:db8::2")).granted
