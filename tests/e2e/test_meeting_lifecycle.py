from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting

pytestmark = pytest.mark.e2e


def test_host_reschedules_a_meeting_with_a_custom_duration(
    host_page, meeting, live_server, browser_log
):
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.get_by_role("link", name="Edit or reschedule").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/edit/")
    expect(page.get_by_label("Title")).to_have_value("Weekly sync")
    expect(page.get_by_label("Passcode")).to_have_value("012345")
    custom_duration = page.get_by_label("Custom duration (minutes)")
    expect(custom_duration).to_be_hidden()
    page.get_by_label("Duration", exact=True).select_option(label="Custom…")
    expect(custom_duration).to_be_visible()
    custom_duration.fill("75")
    day = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=3)).date()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Time", exact=True).fill("14:15")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/")
    expect(page.locator(".messages")).to_have_text("The meeting was updated.")
    details = page.locator(".facts")
    expect(details).to_contain_text(f"{day:%A}, {day.day} {day:%B %Y}, 14:15")
    expect(details).to_contain_text("75 minutes")
    meeting.refresh_from_db()
    assert meeting.duration == 75
    assert meeting.local_starts_at.replace(tzinfo=None) == datetime(
        day.year, day.month, day.day, 14, 15
    )
    assert browser_log.errors == []


def test_host_starts_the_meeting_and_ends_it_only_after_confirming(
    host_page, new_page, meeting, live_server, browser_log
):
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.get_by_role("button", name="Start meeting").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    expect(page.get_by_test_id("display-name")).to_have_text("Ada Lovelace")
    page.get_by_role("button", name="Share").click()
    expect(page.locator("dialog#share-dialog").get_by_test_id("meeting-id")).to_have_text(
        meeting.formatted_meeting_id
    )
    page.keyboard.press("Escape")
    expect(page.locator("dialog#share-dialog")).to_be_hidden()

    end_meeting = page.get_by_role("button", name="End meeting")
    confirmations = []

    def answer(dialog, accept):
        confirmations.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    end_meeting.click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    end_meeting.click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/")
    expect(page.locator(".messages")).to_have_text("The meeting has ended.")
    expect(page.locator(".page-head .badge")).to_have_text("Completed")
    assert confirmations == ["End the meeting for everyone?"] * 2
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED

    visitor = new_page()
    visitor.goto(f"/join/{meeting.invitation_token}/")
    expect(visitor.locator(".lead")).to_contain_text("This meeting ended on")
    assert browser_log.errors == []


def test_new_invitation_link_replaces_the_old_one(
    host_page, new_page, meeting, live_server, browser_log
):
    old_link = f"{live_server.url}/join/{meeting.invitation_token}/"
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="New invitation link").click()

    expect(page.locator(".messages")).to_have_text(
        "The invitation link was replaced. The old link no longer works."
    )
    meeting.refresh_from_db()
    new_link = f"{live_server.url}/join/{meeting.invitation_token}/"
    assert new_link != old_link
    expect(page.get_by_label("Invitation link").first).to_have_value(new_link)

    visitor = new_page()
    response = visitor.goto(old_link)
    assert response.status == 404
    expect(visitor.get_by_role("heading", name="Invitation link not found")).to_be_visible()
    visitor.goto(new_link)
    expect(visitor.get_by_role("heading", name="Weekly sync")).to_be_visible()
    expect(visitor.get_by_role("button", name="Join meeting now")).to_be_visible()
    assert browser_log.errors == []
