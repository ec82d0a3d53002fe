import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_visitor_joins_from_the_home_page_after_a_wrong_passcode(
    new_page, meeting, live_server, browser_log
):
    page = new_page()
    page.goto("/")
    home_form = page.locator("form", has=page.get_by_role("button", name="Join", exact=True))
    # Typed the way people read it out: groups separated by spaces.
    spaced_id = meeting.formatted_meeting_id.replace("-", " ")
    home_form.get_by_label("Meeting ID").fill(spaced_id)
    home_form.get_by_label("Passcode").fill("999999")
    home_form.get_by_label("Your name").fill("Grace Hopper")
    home_form.get_by_role("button", name="Join", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/join/")
    expect(page.locator("[data-field=passcode] .error")).to_have_text("Incorrect meeting password.")
    expect(page.locator("[data-field=meeting_id] .error")).to_have_count(0)
    expect(page.get_by_label("Meeting ID")).to_have_value(spaced_id)
    expect(page.get_by_label("Your name")).to_have_value("Grace Hopper")
    expect(page.get_by_label("Passcode")).to_have_value("")

    page.get_by_label("Passcode").fill("012345")
    page.get_by_role("button", name="Join", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    expect(page.get_by_role("heading", name="Weekly sync")).to_be_visible()
    expect(page.get_by_test_id("display-name")).to_have_text("Grace Hopper")
    # A visitor is no moderator: the room offers no way to end the meeting.
    expect(page.get_by_role("button", name="End meeting")).to_have_count(0)
    assert browser_log.errors == []


def test_room_link_without_joining_asks_for_the_passcode_with_the_id_filled_in(
    new_page, meeting, live_server, browser_log
):
    page = new_page()
    page.goto(f"/meetings/{meeting.meeting_id}/room/")

    expect(page).to_have_url(f"{live_server.url}/join/?meeting_id={meeting.formatted_meeting_id}")
    expect(page.get_by_role("heading", name="Join a meeting")).to_be_visible()
    expect(page.get_by_label("Meeting ID")).to_have_value(meeting.formatted_meeting_id)
    expect(page.get_by_test_id("display-name")).to_have_count(0)
    assert browser_log.errors == []
