import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import User
from meetings.models import Meeting

pytestmark = pytest.mark.e2e

SIGNUP_PASSWORD = "violet-lantern-harbour-42"
# Accents, quotes and spaces: the room link must carry them all intact.
VISITOR_NAME = 'Zoë "Zed" O\'Brien'
VISITOR_NAME_IN_LINK = "%22Zo%C3%AB%20%5C%22Zed%5C%22%20O%27Brien%22"


def test_new_host_schedules_a_meeting_and_a_visitor_joins_through_the_copied_link(
    page, new_page, live_server, browser_log
):
    page.goto("/")
    page.get_by_role("link", name="Sign up", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email address").fill("grace@example.com")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    # Filled in from the browser's own time zone.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    page.get_by_label("Password", exact=True).fill(SIGNUP_PASSWORD)
    page.get_by_label("Password confirmation").fill(SIGNUP_PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".messages")).to_have_text("Welcome! Your account is ready.")
    expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
    assert User.objects.get(email="grace@example.com").timezone == "Europe/Berlin"

    page.get_by_role("link", name="New meeting").first.click()
    expect(page).to_have_url(f"{live_server.url}/meetings/new/")
    day = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).date()
    page.get_by_label("Title").fill("Design review")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time", exact=True).fill("09:30")
    page.get_by_label("Duration", exact=True).select_option(label="45 minutes")
    expect(page.get_by_label("Custom duration (minutes)")).to_be_hidden()
    expect(page.get_by_label("Passcode")).to_have_value("")
    page.get_by_role("button", name="Schedule meeting").click()

    meeting = Meeting.objects.get(title="Design review")
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/?created=1")
    assert meeting.duration == 45
    assert meeting.host.email == "grace@example.com"
    dialog = page.locator("dialog#share-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"{day:%A}, {day.day} {day:%B %Y}, 09:30 (Europe/Berlin)")
    meeting_id = dialog.get_by_test_id("meeting-id")
    expect(meeting_id).to_have_text(re.compile(r"^\d{3}-\d{3}-\d{3}$"))
    expect(meeting_id).to_have_text(meeting.formatted_meeting_id)
    passcode = dialog.get_by_test_id("passcode")
    expect(passcode).to_have_text(re.compile(r"^\d{6}$"))
    expect(passcode).to_have_text(meeting.passcode)
    share_url = f"{live_server.url}/join/{meeting.invitation_token}/"
    expect(dialog.get_by_test_id("share-url")).to_have_value(share_url)

    # The system share sheet is offered only where the browser has one.
    share_button = dialog.get_by_role("button", name="Share…")
    if page.evaluate("typeof navigator.share === 'function'"):
        expect(share_button).to_be_visible()
    else:
        expect(share_button).to_be_hidden()

    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == share_url

    visitor = new_page()
    visitor.goto(share_url)
    expect(visitor.get_by_role("heading", name="Design review")).to_be_visible()
    expect(visitor.locator(".facts")).to_contain_text("Grace Hopper")
    expect(visitor.locator(".facts")).to_contain_text(meeting.formatted_meeting_id)
    visitor.get_by_role("button", name="Join meeting now").click()
    expect(visitor.get_by_role("alert")).to_have_text("Enter the name others will see.")
    expect(visitor).to_have_url(share_url)

    visitor.get_by_label("Your name").fill(VISITOR_NAME)
    visitor.get_by_role("button", name="Join meeting now").click()

    expect(visitor).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    expect(visitor.get_by_test_id("display-name")).to_have_text(VISITOR_NAME)
    room_link = visitor.get_by_role("link", name="Open the meeting room")
    expect(room_link).to_have_attribute(
        "href",
        f"{settings.JITSI_BASE_URL}/{meeting.room_name}#userInfo.displayName={VISITOR_NAME_IN_LINK}"
        "&config.startWithAudioMuted=false",
    )
    # Read back the way Jitsi reads it: each parameter decodeURIComponent, then JSON.parse.
    params = visitor.evaluate(
        """() => {
            const hash = new URL(document.getElementById("open-room").href).hash.slice(1);
            return Object.fromEntries(hash.split("&").map((part) => {
                const [key, value] = part.split("=");
                return [key, JSON.parse(decodeURIComponent(value))];
            }));
        }"""
    )
    assert params == {"userInfo.displayName": VISITOR_NAME, "config.startWithAudioMuted": False}
    assert browser_log.errors == []
