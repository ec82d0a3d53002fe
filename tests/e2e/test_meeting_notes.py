import pytest
from playwright.sync_api import expect

from invitations.models import Invitation
from tests.e2e.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_host_keeps_private_notes_that_a_co_host_edits_and_an_invitee_never_sees(
    host_page, new_page, meeting, password, live_server, browser_log
):
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    notes = page.get_by_label("Private notes")
    expect(notes).to_have_value("")
    notes.fill("Ask about the budget.\nFollow up on Friday.")
    page.get_by_role("button", name="Save notes").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/#notes")
    expect(page.locator(".messages")).to_have_text("Your notes are saved.")
    expect(notes).to_have_value("Ask about the budget.\nFollow up on Friday.")
    meeting.refresh_from_db()
    assert meeting.host_notes == "Ask about the budget.\nFollow up on Friday."

    co_host, invitee = UserFactory(first_name="Grace"), UserFactory(first_name="Linus")
    for person, role in ((co_host, "moderator"), (invitee, "attendee")):
        Invitation.objects.create(meeting=meeting, user=person, email=person.email, role=role)
    other = log_in(new_page(), co_host, password)
    other.goto(f"/meetings/{meeting.meeting_id}/")
    other_notes = other.get_by_label("Private notes")
    expect(other_notes).to_have_value("Ask about the budget.\nFollow up on Friday.")
    other_notes.fill("Budget agreed.")
    other.get_by_role("button", name="Save notes").click()
    expect(other.locator(".messages")).to_have_text("Your notes are saved.")

    page.reload()
    expect(notes).to_have_value("Budget agreed.")

    attendee = log_in(new_page(), invitee, password)
    attendee.goto(f"/meetings/{meeting.meeting_id}/")
    expect(attendee.get_by_role("heading", name="Weekly sync")).to_be_visible()
    expect(attendee.get_by_label("Private notes")).to_have_count(0)
    expect(attendee.locator("body")).not_to_contain_text("Budget agreed")
    assert browser_log.errors == []


def test_notes_past_the_limit_are_refused_and_kept_in_the_box(
    host_page, meeting, live_server, browser_log
):
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    notes = page.get_by_label("Private notes")
    # The box stops typing at the limit; a browser that ignores it meets the server's.
    notes.evaluate("box => box.removeAttribute('maxlength')")
    notes.fill("n" * 10_001)
    page.get_by_role("button", name="Save notes").click()

    expect(page.get_by_role("alert")).to_have_text(
        "Keep the notes to 10,000 characters or fewer (these have 10,001)."
    )
    expect(notes).to_have_value("n" * 10_001)
    meeting.refresh_from_db()
    assert meeting.host_notes == ""
    assert browser_log.errors == []
