import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.e2e


def test_typing_in_the_time_zone_search_narrows_the_list_and_picks_a_match(
    host_page, user, browser_log
):
    page = host_page
    page.goto("/accounts/profile/")
    picker = page.get_by_label("Time zone")
    search = page.get_by_label("Search by place or UTC offset")
    every = picker.locator("option").count()
    assert every > 400

    search.fill("kolkata")
    expect(picker.locator("option")).to_have_count(1)
    expect(picker).to_have_value("Asia/Kolkata")
    expect(picker.locator("option:checked")).to_have_text("(UTC+05:30) Asia/Kolkata")

    # Old names and offsets find zones too.
    search.fill("calcutta")
    expect(picker).to_have_value("Asia/Kolkata")
    search.fill("+05:45")
    expect(picker).to_have_value("Asia/Kathmandu")
    search.fill("new york")
    expect(picker).to_have_value("America/New_York")

    search.fill("")
    expect(picker.locator("option")).to_have_count(every)
    expect(picker).to_have_value("America/New_York")
    search.fill("kyiv")
    search.press("Enter")  # chooses, does not send the form
    expect(page.locator(".messages")).to_have_count(0)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_have_text("Your profile was saved.")
    user.refresh_from_db()
    assert user.timezone == "Europe/Kyiv"
    assert browser_log.errors == []


def _sign_up(page, email: str) -> None:
    """Fill in the rest of the sign-up form (the zone as it stands) and send it."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("a-long-unusual-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()


def test_sign_up_finds_a_browser_zone_given_by_its_old_name(browser, live_server, browser_log):
    context = browser.new_context(base_url=live_server.url, timezone_id="Asia/Calcutta")
    browser_log.watch(context)
    try:
        page = context.new_page()
        page.goto("/accounts/signup/")
        expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
        _sign_up(page, "ravi@example.com")
    finally:
        context.close()
    assert User.objects.get(email="ravi@example.com").timezone == "Asia/Kolkata"
    assert browser_log.errors == []


def test_without_its_script_the_picker_is_a_plain_select(browser, live_server, user, password):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/signup/")
        expect(page.get_by_label("Search by place or UTC offset")).to_have_count(0)
        page.get_by_label("Time zone").select_option("Europe/Kyiv")
        _sign_up(page, "olena@example.com")
    finally:
        context.close()
    assert User.objects.get(email="olena@example.com").timezone == "Europe/Kyiv"
