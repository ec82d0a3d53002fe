"""The words of a meeting's countdown, which the dashboard's script repeats."""

from datetime import UTC, datetime, timedelta

import pytest

from meetings.models import Meeting
from meetings.templatetags.durations import countdown

NOW = datetime(2030, 3, 20, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_in", "text"),
    [
        (timedelta(hours=2, minutes=30), "starts in 2 h 30 min"),
        (timedelta(hours=2), "starts in 2 h"),
        (timedelta(minutes=5), "starts in 5 min"),
        # To the nearest minute, as the page's script counts.
        (timedelta(minutes=4, seconds=31), "starts in 5 min"),
        (timedelta(minutes=4, seconds=29), "starts in 4 min"),
        (timedelta(seconds=31), "starts in 1 min"),
        (timedelta(seconds=29), "starting now"),
        # Its time has come and the host has not started it yet.
        (timedelta(minutes=-10), "starting now"),
        (timedelta(days=1), "starts in 1 day"),
        (timedelta(days=3, hours=4, minutes=10), "starts in 3 days 4 h"),
    ],
)
def test_countdown_to_a_scheduled_meeting(starts_in, text):
    meeting = Meeting(status=Meeting.Status.SCHEDULED, starts_at=NOW + starts_in)
    assert countdown(meeting, NOW) == text


@pytest.mark.parametrize(
    ("started", "text"),
    [
        (timedelta(minutes=12), "in progress for 12 min"),
        (timedelta(hours=1, minutes=5), "in progress for 1 h 5 min"),
        (timedelta(seconds=10), "just started"),
    ],
)
def test_countdown_of_a_meeting_under_way_counts_from_when_it_started(started, text):
    meeting = Meeting(
        status=Meeting.Status.ACTIVE,
        starts_at=NOW + timedelta(minutes=30),  # started early
        started_at=NOW - started,
    )
    assert countdown(meeting, NOW) == text
