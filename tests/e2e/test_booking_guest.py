"""A guest who never saw the site books a host from a phone, then reschedules and cancels."""

import re
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, BookingProfile
from meetings.models import Meeting
from tests.bookings.conftest import make_schedule, make_type, next_weekday
from tests.e2e.conftest import BROWSER_TIMEZONE, open_day
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
HOST_ZONE = ZoneInfo("America/New_York")
GUEST_ZONE = ZoneInfo(BROWSER_TIMEZONE)


@pytest.fixture
def host(db):
    host = UserFactory(
        email="ada@example.com", first_name="Ada", last_name="Lovelace", timezone=HOST_ZONE.key
    )
    BookingProfile.objects.create(user=host, handle="ada", introduction="Engines and notes.")
    make_schedule(host, zone=HOST_ZONE.key)
    make_type(host, title="Intro call", subject_question="optional", notes_question="off")
    return host


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_guest_books_from_a_phone_then_reschedules_and_cancels_from_the_email(
    host, new_page, smtp_server, run_worker, live_server, browser_log
):
    monday = next_weekday(0)
    first = datetime.combine(monday, time(9), HOST_ZONE).astimezone(GUEST_ZONE)
    later = datetime.combine(monday, time(11), HOST_ZONE).astimezone(GUEST_ZONE)

    guest = new_page(viewport=PHONE)
    guest.goto("/book/ada/")
    expect(guest.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    fits_a_phone(guest)
    guest.get_by_role("link", name=re.compile("Intro call")).click()

    # The browser's zone is found and the times follow it; the host's zone is named.
    expect(guest).to_have_url(re.compile(r"tz=Europe%2FBerlin"))
    expect(guest.locator("[data-zone-name]")).to_have_text(BROWSER_TIMEZONE)
    expect(guest.get_by_text("Ada Lovelace is in America/New_York.")).to_be_visible()
    open_day(guest, monday)
    fits_a_phone(guest)
    guest.get_by_role("link", name=f"{first:%H:%M}", exact=True).click()

    expect(guest.get_by_role("heading", name="Book Intro call")).to_be_visible()
    shown = f"{first:%A} {first.day} {first:%B %Y}, {first:%H:%M}"
    expect(guest.get_by_text(shown)).to_be_visible()
    fits_a_phone(guest)
    guest.get_by_label("Your name").fill("Grace Hopper")
    guest.get_by_label("Your email").fill("grace@example.org")
    guest.get_by_label("Subject").fill("Compilers")
    guest.get_by_role("button", name="Confirm booking").click()

    expect(guest.get_by_role("heading", name="You're booked with Ada Lovelace")).to_be_visible()
    expect(guest.get_by_text(f"{first:%H:%M}", exact=False).first).to_be_visible()
    expect(guest.get_by_role("link", name="Add to Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?")
    )
    fits_a_phone(guest)
    booking = Booking.objects.get()
    assert booking.starts_at == first
    assert booking.guest_timezone == BROWSER_TIMEZONE
    with guest.expect_download() as download:
        guest.get_by_role("link", name="Download .ics").click()
    assert "METHOD:PUBLISH" in Path(download.value.path()).read_text()

    run_worker()
    mail = {message["To"].addresses[0].addr_spec: message for message in smtp_server.messages}
    assert sorted(mail) == ["ada@example.com", "grace@example.org"]
    assert "New booking: Intro call with Grace Hopper" in mail["ada@example.com"]["Subject"]
    text = mail["grace@example.org"].get_body(preferencelist=("plain",)).get_content()
    base = re.escape(live_server.url)
    reschedule_url = re.search(rf"{base}/bookings/[\w-]+/reschedule/", text)[0]
    cancel_url = re.search(rf"{base}/bookings/[\w-]+/cancel/", text)[0]

    smtp_server.reset()
    guest.goto(reschedule_url)
    expect(guest.get_by_role("heading", name="Intro call with Ada Lovelace")).to_be_visible()
    open_day(guest, monday)
    fits_a_phone(guest)
    guest.get_by_role("link", name=f"{later:%H:%M}", exact=True).click()
    guest.get_by_role("button", name="Move to this time").click()
    expect(guest.get_by_role("heading", name="You're booked with Ada Lovelace")).to_be_visible()
    expect(guest.locator(".facts")).to_contain_text(f"{later:%H:%M}")
    booking.refresh_from_db()
    assert booking.starts_at == later
    run_worker()
    moved = {message["To"].addresses[0].addr_spec for message in smtp_server.messages}
    assert moved == {"ada@example.com", "grace@example.org"}

    smtp_server.reset()
    guest.goto(cancel_url)
    guest.get_by_label("Reason (optional)").fill("Something came up.")
    fits_a_phone(guest)
    guest.get_by_role("button", name="Cancel booking").click()
    expect(guest.get_by_role("heading", name="This booking was cancelled")).to_be_visible()
    booking.refresh_from_db()
    assert booking.is_cancelled and booking.cancel_reason == "Something came up."
    assert booking.meeting.status == Meeting.Status.CANCELLED
    run_worker()
    cancelled = {message["To"].addresses[0].addr_spec for message in smtp_server.messages}
    assert cancelled == {"ada@example.com", "grace@example.org"}
    assert browser_log.errors == []


def test_a_guest_on_a_desktop_picks_another_zone_and_keeps_the_chosen_day(
    host, new_page, live_server, browser_log
):
    monday = next_weekday(0)
    kolkata = ZoneInfo("Asia/Kolkata")
    first = datetime.combine(monday, time(9), HOST_ZONE).astimezone(kolkata)

    guest = new_page(viewport={"width": 1280, "height": 900})
    guest.goto("/book/ada/intro/")
    expect(guest).to_have_url(re.compile(r"tz=Europe%2FBerlin"))
    open_day(guest, monday)
    guest.get_by_role("searchbox", name="Search by place or UTC offset").fill("Kolkata")

    # The picker shows the new zone's times by itself, on the same day.
    expect(guest).to_have_url(re.compile(r"tz=Asia%2FKolkata"))
    expect(guest.locator("[data-zone-name]")).to_have_text("Asia/Kolkata")
    expect(
        guest.get_by_role("heading", name=f"{monday:%A} {monday.day} {monday:%B}")
    ).to_be_visible()
    expect(guest.get_by_role("link", name=f"{first:%H:%M}", exact=True)).to_be_visible()
    assert guest.evaluate("document.documentElement.scrollWidth") <= 1280
    assert browser_log.errors == []
