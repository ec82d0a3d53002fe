from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invitations.models import Invitation
from meetings.models import Attendance, Meeting
from tests.e2e.conftest import log_in
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_host_copies_the_link_and_cancels_a_meeting_from_the_row_menu(
    host_page, new_page, user, meeting, live_server, browser_log
):
    MeetingFactory(host=user, title="Budget review", starts_at=timezone.now() + timedelta(days=2))
    share_url = f"{live_server.url}/join/{meeting.invitation_token}/"
    page = host_page
    page.get_by_role("link", name="My meetings").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/")
    expect(page.locator("tbody tr")).to_have_count(2)
    row = page.locator(f"tr[data-meeting-id='{meeting.meeting_id}']")
    menu_button = row.get_by_label("Actions for Weekly sync")
    menu = row.locator(".menu-items")
    expect(menu).to_be_hidden()

    menu_button.click()
    expect(menu).to_be_visible()
    expect(menu.locator("a, button")).to_have_text(
        ["Open", "Start", "Edit", "Send invitations", "Copy link", "Cancel meeting"]
    )
    menu.get_by_role("button", name="Copy link").click()
    expect(page.locator("p.copied")).to_have_text("Copied to the clipboard.")
    expect(menu).to_be_hidden()
    assert page.evaluate("navigator.clipboard.readText()") == share_url

    menu_button.click()
    menu.get_by_role("link", name="Cancel meeting").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/cancel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel “Weekly sync”?")
    meeting.refresh_from_db()
    # Opening the confirmation page changes nothing.
    assert meeting.status == Meeting.Status.SCHEDULED
    page.get_by_role("button", name="Cancel meeting").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/")
    expect(page.locator(".messages")).to_have_text("The meeting was cancelled.")
    expect(page.locator(".page-head .badge")).to_have_text("Cancelled")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED

    page.get_by_role("link", name="My meetings").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Budget review")
    page.get_by_role("link", name="All", exact=True).click()
    expect(row.locator(".badge")).to_have_text("Cancelled")
    menu_button.click()
    expect(menu.locator("a, button")).to_have_text(["Open"])

    visitor = new_page()
    response = visitor.goto(share_url)
    assert response.status == 410
    expect(visitor.get_by_role("heading", name="Weekly sync")).to_be_visible()
    expect(visitor.locator(".lead")).to_contain_text("This meeting was cancelled on")
    expect(visitor.get_by_text("It can no longer be joined.")).to_be_visible()
    expect(visitor.get_by_role("button", name="Join meeting now")).to_have_count(0)
    assert browser_log.errors == []


def test_pressing_enter_in_the_search_keeps_the_current_tab(
    host_page, user, live_server, browser_log
):
    MeetingFactory(host=user, title="Old retro", starts_at=timezone.now() - timedelta(days=3))
    MeetingFactory(host=user, title="Next retro", starts_at=timezone.now() + timedelta(days=3))
    page = host_page
    page.goto("/meetings/")
    page.get_by_role("link", name="Past", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)

    page.get_by_label("Search by title").fill("retro")
    page.get_by_label("Search by title").press("Enter")

    expect(page).to_have_url(f"{live_server.url}/meetings/?when=past&status=&q=retro")
    expect(page.get_by_role("link", name="Past", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Old retro")
    # Another tab keeps the search.
    page.get_by_role("link", name="All", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/meetings/?when=all&q=retro")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert browser_log.errors == []


def test_host_starts_a_meeting_from_its_row(host_page, meeting, live_server, browser_log):
    page = host_page
    page.goto("/meetings/")
    row = page.locator(f"tr[data-meeting-id='{meeting.meeting_id}']")

    row.get_by_role("button", name="Start", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    assert browser_log.errors == []


def test_host_starts_a_meeting_from_the_row_menu(host_page, meeting, live_server, browser_log):
    page = host_page
    page.goto("/meetings/")
    row = page.locator(f"tr[data-meeting-id='{meeting.meeting_id}']")
    row.get_by_label("Actions for Weekly sync").click()

    row.locator(".menu-items").get_by_role("button", name="Start").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    assert browser_log.errors == []


def test_invitee_joins_from_the_list_row_and_from_the_row_menu(
    page, new_page, meeting, password, live_server, browser_log
):
    guest = UserFactory(first_name="Grace")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    room_url = f"{live_server.url}/meetings/{meeting.meeting_id}/room/"
    log_in(page, guest, password)
    page.goto("/meetings/")
    row = page.locator(f"tr[data-meeting-id='{meeting.meeting_id}']")

    row.get_by_role("button", name="Join", exact=True).click()
    expect(page).to_have_url(room_url)

    page.goto("/meetings/")
    row.get_by_label("Actions for Weekly sync").click()
    expect(row.locator(".menu-items a, .menu-items button")).to_have_text(["Open", "Join"])
    row.locator(".menu-items").get_by_role("button", name="Join").click()
    expect(page).to_have_url(room_url)
    ways = set(Attendance.objects.filter(meeting=meeting).values_list("way", flat=True))
    assert ways == {Attendance.Way.MEETINGS_PAGE}
    assert browser_log.errors == []
