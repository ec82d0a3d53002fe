from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import expect

from bookings import services
from bookings.models import BookingProfile, BookingType, Schedule
from tests.bookings.conftest import make_schedule, make_type, next_weekday
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_a_host_sets_up_a_booking_page(host_page, user, live_server, browser_log):
    page = host_page
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Booking pages").click()
    expect(page.get_by_role("heading", name="Booking pages")).to_be_visible()

    # The handle, suggested from the name, changed to one of the host's own.
    page.get_by_role("link", name="Set up your booking page").click()
    expect(page.get_by_label("Handle")).to_have_value("ada-lovelace")
    page.get_by_label("Handle").fill("ada")
    page.get_by_label("Introduction").fill("Mathematician; ask me about engines.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your booking page is saved.")).to_be_visible()
    expect(page.get_by_test_id("page-url")).to_have_value(f"{live_server.url}/book/ada/")

    # Weekday hours: a schedule, then Monday to Friday in two spans.
    page.get_by_role("link", name="Availability").click()
    page.get_by_label("Name").fill("Working hours")
    page.get_by_role("button", name="Add schedule").click()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day).fill("09:00-12:00, 13:00-17:00")
    page.get_by_label("Saturday").fill("12:00-10:00")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("12:00-10:00: the start must be before the end.")).to_be_visible()
    page.get_by_label("Saturday").fill("")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("Weekly hours saved.")).to_be_visible()
    schedule = Schedule.objects.get(host=user)
    assert schedule.is_default
    assert sorted(schedule.weekly.values_list("weekday", "start", "end"))[:2] == [
        (0, time(9), time(12)),
        (0, time(13), time(17)),
    ]
    assert schedule.weekly.count() == 10

    # A booking type.
    page.get_by_role("link", name="Booking types").click()
    page.get_by_role("link", name="New booking type").first.click()
    page.get_by_label("Title").fill("Intro call")
    page.get_by_label("Address").fill("intro")
    page.get_by_label("1 h", exact=True).check()
    page.get_by_role("button", name="Add booking type").click()
    expect(page.get_by_text("Booking type added.")).to_be_visible()
    assert BookingType.objects.get(host=user).durations == [30, 60]

    # Its link, copied; then its preview, in a new tab.
    card = page.locator('[data-booking-type="intro"]')
    link = f"{live_server.url}/book/ada/intro/"
    expect(card.get_by_test_id("type-url")).to_have_value(link)
    card.get_by_role("button", name="Copy link").click()
    expect(card.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    with page.context.expect_page() as opened:
        card.get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.url == link
    assert BookingProfile.objects.get(user=user).handle == "ada"
    assert browser_log.errors == []


def test_the_booking_setup_pages_fit_a_phone(new_page, user, password, browser_log):
    BookingProfile.objects.create(user=user, handle="ada-lovelace-and-the-analytical-engine")
    schedule = make_schedule(user, zone="UTC")
    booking_type = make_type(
        user,
        title="A long conversation about the analytical engine and its programs",
        slug="conversation-about-the-analytical-engine",
        durations=[30, 60, 90],
        label="Mentoring",
    )
    booking = services.booking_create(
        booking_type=booking_type,
        starts_at=datetime.combine(next_weekday(0), time(10), UTC),
        duration=30,
        guest_name="Bartholomew Featherstonehaugh-Smythe",
        guest_email="bartholomew.featherstonehaugh@international-consolidated.example.com",
        guest_timezone="Europe/London",
    ).booking
    page = log_in(new_page(viewport=PHONE), user, password)
    paths = [
        "/booking-pages/",
        "/booking-pages/page/",
        "/booking-pages/availability/",
        f"/booking-pages/availability/{schedule.pk}/",
        "/booking-pages/types/new/",
        f"/booking-pages/types/{booking_type.pk}/",
        "/booking-pages/bookings/",
        f"/booking-pages/bookings/{booking.pk}/move/",
        f"/booking-pages/bookings/{booking.pk}/cancel/",
        "/accounts/profile/",
    ]
    widths = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(paths, PHONE["width"])
    assert browser_log.errors == []
