"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Nothing leaves the machine: no browser download, the Jitsi script is not embedded,
and every request to another host is aborted.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from invitations import tokens
from invitations.models import Invitation
from tests.factories import ContactFactory

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The browser's own zone, which sign-up detects; the tests spell it out where they rely on it.
BROWSER_TIMEZONE = "Europe/Berlin"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        message = f"Chromium not found at {path}; install Debian's chromium package"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="package")
def browser(chromium_path):
    # Package scope, not session: while Playwright's sync API runs, its event loop
    # counts as running in this thread, which would break async code in later tests.
    # For the same reason Django's ORM would refuse calls from the tests without this.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, built while HTTPS redirects are off.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds
    its handler, so a per-test override comes too late; outside this block the
    setting keeps its value for the rest of the test session.
    """
    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _plain_http_site(settings, live_server):
    """Links point at the live server, which speaks plain HTTP, and the room is not embedded."""
    settings.SITE_URL = live_server.url
    settings.JITSI_EMBED = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0


class BrowserLog:
    """What went wrong in the browser, from every page of every context of one test."""

    # Chromium reports every response of 400 or more this way, pages included.
    FAILED_RESPONSE = "Failed to load resource: the server responded with a status of"

    def __init__(self):
        self.console: list[tuple[str, str, str]] = []
        self.other: list[str] = []
        self.error_pages: set[str] = set()

    def watch(self, context) -> None:
        context.on("console", self._on_console)
        context.on("weberror", self._on_page_error)
        context.on("response", self._on_response)

    def blocked(self, url: str) -> None:
        self.other.append(f"blocked off-site request: {url}")

    @property
    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions, CSP violations among them.

        Pages answered on purpose with an error status (a wrong passcode is a 403)
        are left out; a failed script, style or fetch is kept.
        """
        console = [
            f"console error on {page_url}: {text}"
            for text, source_url, page_url in self.console
            if not (text.startswith(self.FAILED_RESPONSE) and source_url in self.error_pages)
        ]
        return console + self.other

    def _on_console(self, message) -> None:
        if message.type == "error":
            page_url = message.page.url if message.page else ""
            self.console.append((message.text, message.location.get("url", ""), page_url))

    def _on_page_error(self, error) -> None:
        page_url = error.page.url if error.page else ""
        self.other.append(f"uncaught error on {page_url}: {error.error}")

    def _on_response(self, response) -> None:
        request = response.request
        if response.status >= 400 and request.resource_type == "document":
            self.error_pages.add(response.url)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def new_page(browser, live_server, browser_log):
    """Opens a page in a fresh browser context: a separate person, with their own cookies."""
    origin = live_server.url
    local_host = urlsplit(origin).netloc
    contexts = []

    def keep_local(route):
        if urlsplit(route.request.url).netloc == local_host:
            route.continue_()
        else:
            browser_log.blocked(route.request.url)
            route.abort()

    def open_page(*, clipboard: bool = False, viewport: dict | None = None) -> Page:
        options = {"viewport": viewport} if viewport else {}
        context = browser.new_context(
            base_url=origin, timezone_id=BROWSER_TIMEZONE, locale="en-GB", **options
        )
        contexts.append(context)
        if clipboard:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        context.route("**/*", keep_local)
        browser_log.watch(context)
        context.set_default_timeout(5_000)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page(clipboard=True)


def log_in(page: Page, user, password: str) -> Page:
    """Log a user in through the login form; the page ends on the home page."""
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hello, {user.first_name}")).to_be_visible()
    return page


@pytest.fixture
def host_page(page, user, password) -> Page:
    """The `user` fixture's host, logged in through the login form."""
    return log_in(page, user, password)


@pytest.fixture
def personal_link():
    """The path of a new contact's personal join link to a meeting, as their email carries it."""

    def make(meeting) -> str:
        contact = ContactFactory(owner=meeting.host, first_name="Ada", last_name="Lovelace")
        invitation = Invitation.objects.create(
            meeting=meeting, contact=contact, email=contact.email, name=contact.display_name
        )
        token, _ = tokens.mint_many([invitation])[invitation.pk]
        return reverse("invitations:join", args=[meeting.meeting_id, token])

    return make


def open_day(page: Page, day) -> None:
    """On a booking type's calendar, go to the month of `day` and open that day's free times."""
    label = re.compile(rf"^{day:%A} {day.day} {day:%B}: \d+ times? free$")
    if not page.get_by_role("link", name=label).count():
        page.get_by_role("link", name="Next month").click()
    page.get_by_role("link", name=label).click()
    expect(page.get_by_role("heading", name=f"{day:%A} {day.day} {day:%B}")).to_be_visible()


def rate_from_email(page: Page, message, *, score: int, feedback: str) -> None:
    """Open the link of a "How was <title>?" email and send a rating; the page confirms it."""
    url = re.search(r"http://\S+/ratings/\S+/", message.get_body(("plain",)).get_content())[0]
    page.goto(urlsplit(url).path)
    expect(page.get_by_role("heading", name=str(message["Subject"]))).to_be_visible()
    page.get_by_label(str(score), exact=True).check()
    page.get_by_label("Feedback (optional)").fill(feedback)
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator(".messages")).to_have_text("Thank you for your rating.")
    expect(page.get_by_test_id("current-rating")).to_contain_text(f"{score} of 5")
