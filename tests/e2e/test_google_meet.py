import copy
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting
from tests import google

pytestmark = pytest.mark.e2e


def test_host_connects_google_and_schedules_a_meeting_on_google_meet(
    host_page, user, google_server, live_server, settings, browser_log
):
    settings.SITE_URL = live_server.url
    # What the settings module derives from GOOGLE_OAUTH_CLIENT_ID being set.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append("https://accounts.google.com")
    settings.CONTENT_SECURITY_POLICY = policy
    page = host_page
    consent = []

    def google_consent(route):
        """Google's consent page, granted at once: back to the site with a code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        consent.append(query)
        back = query["redirect_uri"] + "?" + urlencode({"state": query["state"], "code": "4/0Ae"})
        route.fulfill(status=302, headers={"Location": back})

    page.route("https://accounts.google.com/**", google_consent)
    google_server.answer(google.token_response(), google.event())

    page.goto("/meetings/new/")
    expect(page.get_by_test_id("google-status")).to_contain_text(
        "Google Meet needs your Google account."
    )
    page.get_by_role("button", name="Connect Google account").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/new/")
    expect(page.locator(".messages")).to_contain_text(
        "Google account ada.lovelace@gmail.com is connected"
    )
    assert consent[0]["scope"].split() == [
        "openid",
        "email",
        google.CALENDAR_SCOPE,
        google.FREEBUSY_SCOPE,
    ]
    expect(page.get_by_test_id("google-status")).to_contain_text(
        "Google Calendar of ada.lovelace@gmail.com"
    )

    page.get_by_label("Title").fill("Design review")
    day = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=3)).date()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time", exact=True).fill("09:30")
    page.get_by_label("Where the meeting is held").select_option(label="Google Meet")
    page.get_by_role("button", name="Schedule meeting").click()

    expect(page).to_have_url(re.compile(r"/meetings/\d{9}/\?created=1$"))
    meeting = Meeting.objects.get()
    expect(page.get_by_test_id("provider")).to_contain_text(f"Google Meet: {google.MEET_URL}")
    assert meeting.external_url == google.MEET_URL
    insert = google_server.request(1)
    assert insert.query["conferenceDataVersion"] == "1"
    assert insert.json["summary"] == "Design review"
    assert browser_log.errors == []
