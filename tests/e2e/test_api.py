"""The API as a person meets it: a token made on the profile page, and the docs page."""

import pytest
from playwright.sync_api import expect

from tests.factories import MeetingFactory

pytestmark = pytest.mark.e2e


def test_a_token_made_on_the_profile_calls_the_api_until_it_is_revoked(
    host_page, user, browser_log
):
    MeetingFactory(host=user, title="Roadmap review")
    page = host_page
    page.goto("/accounts/profile/")
    page.get_by_label("Token name").fill("Calendar sync")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_test_id("new-api-token").locator("code")
    token = shown.inner_text()
    assert token.startswith("mtg_")
    page.get_by_test_id("new-api-token").get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == token

    # A script, with none of the browser's cookies: the token alone.
    script = page.context.browser.new_context(base_url=page.url.split("/accounts")[0])
    headers = {"Authorization": f"Bearer {token}"}
    listed = script.request.get("/api/meetings", headers=headers)
    assert listed.status == 200
    assert [row["title"] for row in listed.json()["meetings"]] == ["Roadmap review"]

    # Reloaded, the page no longer shows the token, only its first characters.
    page.goto("/accounts/profile/")
    expect(page.get_by_test_id("new-api-token")).to_have_count(0)
    row = page.locator("tr", has_text="Calendar sync")
    expect(row).to_contain_text(token[:8] + "…")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("tr", has_text="Calendar sync")).to_contain_text("Revoked")

    refused = script.request.get("/api/meetings", headers=headers)
    assert refused.status == 401
    assert refused.json() == {"success": False, "error": "Authentication required"}
    script.close()
    # The logged-in browser's own session is the site's JavaScript's way in.
    assert page.context.request.get("/api/meetings").status == 200
    assert browser_log.errors == []


def test_the_docs_page_shows_the_api_within_the_csp(page, db, browser_log):
    page.goto("/api/docs")
    expect(page.get_by_text("Meetings API").first).to_be_visible()
    expect(page.get_by_text("/api/meetings/my-meetings").first).to_be_visible()
    assert browser_log.errors == []
