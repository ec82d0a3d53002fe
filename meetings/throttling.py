"""The meetings' limits, counted by meetings_site/limits.py: passcode guesses, failed lookups."""

import math
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render

from meetings.models import Meeting
from meetings_site.limits import Limit, address_key

PASSCODE_MEETING = "passcode-meeting"
PASSCODE_ADDRESS = "passcode-address"
LOOKUP_USER = "lookup-user"
LOOKUP_ADDRESS = "lookup-address"


class Throttled(Exception):
    """Past the limit of failed lookups: ThrottledMiddleware answers 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; retry after {retry_after} s.")
        self.retry_after = retry_after


def passcode_limits(*, meeting: Meeting | None, address: str) -> list[Limit]:
    """The limits a passcode guess counts against; one at an unknown ID counts for the address."""
    limits = []
    if meeting is not None:
        window = timedelta(seconds=settings.PASSCODE_MEETING_WINDOW)
        limits.append(
            Limit(PASSCODE_MEETING, str(meeting.pk), settings.PASSCODE_ATTEMPTS_PER_MEETING, window)
        )
    window = timedelta(seconds=settings.PASSCODE_ADDRESS_WINDOW)
    limit = settings.PASSCODE_ATTEMPTS_PER_ADDRESS
    return [*limits, Limit(PASSCODE_ADDRESS, address_key(address), limit, window)]


def lookup_limits(*, user, address: str) -> list[Limit]:
    """The limits a failed meeting lookup counts against: the logged-in user's and the address's."""
    window = timedelta(seconds=settings.MEETING_LOOKUP_WINDOW)
    limits = []
    if user.is_authenticated:
        limit = settings.MEETING_LOOKUP_FAILURES_PER_USER
        limits.append(Limit(LOOKUP_USER, str(user.pk), limit, window))
    limit = settings.MEETING_LOOKUP_FAILURES_PER_ADDRESS
    return [*limits, Limit(LOOKUP_ADDRESS, address_key(address), limit, window)]


def too_many_response(request, template_name: str, retry_after: int):
    """429 with Retry-After, and a page that says in minutes how long to wait."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, template_name, {"minutes": minutes}, status=429)
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
            return too_many_response(
                request, "meetings/too_many_lookups.html", exception.retry_after
            )
        return None
