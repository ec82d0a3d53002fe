"""The guest's links to a booking, as emails and the success page hand them out.

The pages behind them (bookings/urls.py, bookings/views/guest.py) answer at these paths:
/bookings/<token>/ (what, when, the join link), …/reschedule/ and …/cancel/.
They live outside /book/, where /book/<handle>/<slug>/ could take any path.
"""

from django.conf import settings


def booking_url(token: str) -> str:
    return f"{settings.SITE_URL}/bookings/{token}/"


def reschedule_url(token: str) -> str:
    return f"{booking_url(token)}reschedule/"


def cancel_url(token: str) -> str:
    return f"{booking_url(token)}cancel/"
