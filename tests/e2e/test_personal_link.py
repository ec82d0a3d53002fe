import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.e2e.conftest import BROWSER_TIMEZONE

pytestmark = pytest.mark.e2e


def test_personal_join_page_also_shows_the_start_in_the_visitors_time_zone(
    new_page, meeting, personal_link, browser_log
):
    Meeting.objects.filter(pk=meeting.pk).update(timezone="America/New_York")
    meeting.refresh_from_db()
    page = new_page()

    page.goto(personal_link(meeting))

    local = meeting.starts_at.astimezone(ZoneInfo(BROWSER_TIMEZONE))
    expect(page.locator("[data-local-time]")).to_have_text(
        re.compile(rf"{local:%A}.*{local:%H:%M} your time \({BROWSER_TIMEZONE}\)$")
    )
    expect(page.locator(".facts")).to_contain_text("(America/New_York)")
    assert browser_log.errors == []
