import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_log_in_leads_back_to_the_page_asked_for_and_log_out_ends_the_session(
    page, user, password, meeting, live_server, browser_log
):
    page.goto("/meetings/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/meetings/")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email address")
    expect(page.get_by_label("Email address")).to_have_value(user.email)

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/")
    expect(page.get_by_role("heading", name="My meetings")).to_be_visible()
    expect(page.locator("tbody")).to_contain_text("Weekly sync")

    page.get_by_label("Account menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(
        page.get_by_role("heading", name="Video meetings, protected by a passcode")
    ).to_be_visible()
    expect(page.get_by_label("Account menu")).to_have_count(0)
    page.goto("/meetings/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/meetings/")
    assert browser_log.errors == []
