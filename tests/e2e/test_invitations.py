import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contacts.models import Contact
from invitations.models import Invitation
from tests.factories import ContactFactory

pytestmark = pytest.mark.e2e

PERSONAL_MESSAGE = "Bring the kernel roadmap, please."


def test_host_invites_by_address_and_from_contacts_and_the_contact_answers_and_joins(
    host_page, new_page, user, meeting, smtp_server, run_worker, live_server, browser_log
):
    ContactFactory(
        owner=user, first_name="Margaret", last_name="Hamilton", email="margaret@example.org"
    )
    page = host_page
    page.get_by_role("link", name="My meetings").click()
    row = page.locator(f"tr[data-meeting-id='{meeting.meeting_id}']")
    row.get_by_label("Actions for Weekly sync").click()
    row.locator(".menu-items").get_by_role("link", name="Send invitations").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/invitations/new/")
    expect(page.get_by_role("heading", name="Invite people")).to_be_visible()
    page.get_by_label("Email addresses").fill("Linus Torvalds <linus@example.org>")
    page.get_by_label("Add from your contacts").press_sequentially("hamil")
    option = page.get_by_role("option", name="Margaret Hamilton <margaret@example.org>")
    expect(page.locator("#contact-results").get_by_role("option")).to_have_count(1)
    option.click()
    chips = page.get_by_role("list", name="Chosen contacts").get_by_role("listitem")
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text("Margaret Hamilton <margaret@example.org>")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.get_by_label("Add from your contacts")).to_have_value("")
    page.get_by_label("Personal message (optional)").fill(PERSONAL_MESSAGE)
    page.get_by_role("button", name="Send invitations").click()

    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/#invitations")
    expect(page.locator(".messages")).to_have_text("2 invitations on the way.")
    linus_row = page.locator("#invitations tbody tr", has_text="linus@example.org")
    margaret_row = page.locator("#invitations tbody tr", has_text="margaret@example.org")
    expect(linus_row).to_contain_text("Linus Torvalds")
    expect(margaret_row).to_contain_text("Margaret Hamilton")
    for invitee_row in (linus_row, margaret_row):
        expect(invitee_row.locator("[data-delivery]")).to_have_text("Queued")
        expect(invitee_row.locator("[data-rsvp]")).to_have_text("No answer yet")
    assert smtp_server.messages == []
    # The address typed in became one of the host's contacts, under the name given.
    assert Contact.objects.get(owner=user, email="linus@example.org").full_name == "Linus Torvalds"
    # Gone if the page reloads: every change below must come from polling.
    page.evaluate("window.sameDocument = true")

    run_worker()

    # The page asks for the states every two seconds while mail is on its way.
    for invitee_row in (linus_row, margaret_row):
        expect(invitee_row.locator("[data-delivery]")).to_have_text("Sent", timeout=10_000)
    assert set(
        Invitation.objects.filter(meeting=meeting).values_list("delivery_state", flat=True)
    ) == {Invitation.Delivery.SENT}
    recipients = {message["To"].addresses[0].addr_spec: message for message in smtp_server.messages}
    assert sorted(recipients) == ["linus@example.org", "margaret@example.org"]
    email = recipients["linus@example.org"]
    assert str(email["To"]) == "Linus Torvalds <linus@example.org>"
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert PERSONAL_MESSAGE in text
    base = re.escape(live_server.url)
    join_url = re.search(rf"{base}/meetings/\d{{9}}/join/\S+", text)[0]
    accept_url = re.search(rf"{base}/meetings/\d{{9}}/rsvp/\S+\?answer=accepted", text)[0]
    assert f"/meetings/{meeting.meeting_id}/" in join_url

    invitee = new_page()
    invitee.goto(accept_url)
    expect(invitee.get_by_role("heading", name="Weekly sync")).to_be_visible()
    yes = invitee.get_by_role("button", name="Yes, I'll attend")
    expect(yes).to_have_class(re.compile(r"\bprimary\b"))
    # A link scanner opening the page answers nothing.
    invitation = Invitation.objects.get(meeting=meeting, email="linus@example.org")
    assert invitation.rsvp == Invitation.Rsvp.NEEDS_ACTION
    yes.click()
    expect(invitee.get_by_role("status")).to_have_text(
        "Thank you, Linus Torvalds. Your answer is saved: Accepted."
    )
    invitation.refresh_from_db()
    assert invitation.rsvp == Invitation.Rsvp.ACCEPTED

    # With nothing left to deliver the page polls less often (4 s, then 8 s, …).
    expect(linus_row.locator("[data-rsvp]")).to_have_text("Accepted", timeout=10_000)
    expect(margaret_row.locator("[data-rsvp]")).to_have_text("No answer yet")
    assert page.evaluate("window.sameDocument") is True

    invitee.goto(join_url)
    expect(invitee.get_by_role("heading", name="Weekly sync")).to_be_visible()
    name = invitee.get_by_label("Your name")
    expect(name).to_have_value("Linus Torvalds")
    name.fill("Linus T.")
    invitee.get_by_role("button", name="Join", exact=True).click()

    expect(invitee).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    expect(invitee.get_by_test_id("display-name")).to_have_text("Linus T.")
    expect(invitee.get_by_role("link", name="Open the meeting room")).to_have_attribute(
        "href",
        f"{settings.JITSI_BASE_URL}/{meeting.room_name}#userInfo.displayName=%22Linus%20T.%22"
        "&config.startWithAudioMuted=false",
    )
    assert browser_log.errors == []
