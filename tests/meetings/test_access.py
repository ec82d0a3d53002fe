from datetime import timedelta

import pytest

from meetings.access import links_expired
from tests.factories import move_to_past

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def test_links_expire_30_days_after_the_scheduled_end(meeting):
    assert not links_expired(move_to_past(meeting, ended_ago=30 * DAY - MINUTE))
    assert links_expired(move_to_past(meeting, ended_ago=30 * DAY))


def test_links_of_a_meeting_never_completed_expire_all_the_same(meeting):
    assert links_expired(move_to_past(meeting, ended_ago=31 * DAY, status="scheduled"))
    assert links_expired(move_to_past(meeting, ended_ago=31 * DAY, status="active"))


def test_a_meeting_that_is_not_over_keeps_its_links(meeting):
    assert not links_expired(meeting)


def test_the_days_follow_the_setting(meeting, settings):
    settings.MEETING_LINKS_EXPIRE_DAYS = 7
    assert links_expired(move_to_past(meeting, ended_ago=7 * DAY))
    settings.MEETING_LINKS_EXPIRE_DAYS = 0
    assert links_expired(move_to_past(meeting, ended_ago=MINUTE))


def test_a_cancelled_meetings_links_keep_saying_it_was_cancelled(meeting):
    assert not links_expired(move_to_past(meeting, ended_ago=400 * DAY, status="cancelled"))
