"""The whole story of a booking page: a guest books, the host starts it, the guest rates it."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, BookingProfile
from invitations.tasks import run_sweep
from meetings.models import Meeting
from tests.bookings.conftest import make_schedule, make_type
from tests.e2e.conftest import BROWSER_TIMEZONE, log_in, open_day, rate_from_email

pytestmark = pytest.mark.e2e

GUEST_ZONE = ZoneInfo(BROWSER_TIMEZONE)
# What the dashboard's countdown says of a meeting less than an hour away.
COUNTDOWN = re.compile(r"^(starts in \d+ min|starting now)$")


def _first_start(*, after: timedelta) -> datetime:
    """The first half-hour slot start at least `after` from now, in UTC."""
    moment = datetime.now(UTC) + after
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=30 if moment.minute < 30 else 60
    )


def _by_recipient(messages) -> dict:
    return {message["To"].addresses[0].addr_spec: message for message in messages}


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_guest_books_the_host_starts_it_and_the_guests_rating_reaches_the_host(
    user, password, new_page, smtp_server, run_worker, live_server, browser_log
):
    host = user
    host.timezone = "America/New_York"  # the guest's browser is in Berlin
    host.save(update_fields=["timezone"])
    BookingProfile.objects.create(user=host, handle="ada", introduction="Engines and notes.")
    # Open round the clock, so that the next half hour can be booked whenever the test runs.
    make_schedule(host, zone="UTC", weekly={day: [(time(0), time(0))] for day in range(7)})
    booking_type = make_type(
        host,
        title="Mentoring",
        slug="mentoring",
        durations=[30],
        label="Mentee",
        color="#16a34a",
        notes_question="off",
    )
    # A few minutes ahead: still free however slowly the guest's pages load.
    starts_at = _first_start(after=timedelta(minutes=5)).astimezone(GUEST_ZONE)

    # A logged-out guest books from the public page, in their own zone.
    guest = new_page()
    guest.goto("/book/ada/")
    guest.get_by_role("link", name=re.compile("Mentoring")).click()
    expect(guest).to_have_url(re.compile(r"tz=Europe%2FBerlin"))
    open_day(guest, starts_at.date())
    guest.get_by_role("link", name=f"{starts_at:%H:%M}", exact=True).click()
    expect(guest.get_by_role("heading", name="Book Mentoring")).to_be_visible()
    guest.get_by_label("Your name").fill("Grace Hopper")
    guest.get_by_label("Your email").fill("grace@example.org")
    guest.get_by_label("Subject").fill("Compilers")
    guest.get_by_role("button", name="Confirm booking").click()
    expect(guest.get_by_role("heading", name="You're booked with Ada Lovelace")).to_be_visible()
    booking = Booking.objects.select_related("meeting").get()
    meeting = booking.meeting
    assert (booking.booking_type, booking.starts_at) == (booking_type, starts_at)

    # Both emails arrive: the guest's invitation with their personal link, the host's notice.
    run_worker()
    mail = _by_recipient(smtp_server.messages)
    assert sorted(mail) == ["ada@example.com", "grace@example.org"]
    # A long subject with a dash is folded as RFC 2047 words after "Subject:"; the
    # parser keeps the fold's space, mail clients drop it.
    assert (
        str(mail["ada@example.com"]["Subject"])
        .strip()
        .startswith("New booking: Mentoring with Grace Hopper — ")
    )
    assert "Compilers" in _text(mail["ada@example.com"])
    calendars = [
        part.get_content()
        for part in mail["grace@example.org"].walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert calendars and all("METHOD:REQUEST" in calendar for calendar in calendars)
    base = re.escape(live_server.url)
    join_url = re.search(
        rf"{base}(/meetings/{meeting.meeting_id}/join/\S+/)", _text(mail["grace@example.org"])
    )[1]

    # The host logs in: the booking is next up, with its countdown and its type's label.
    host_page = log_in(new_page(), host, password)
    card = host_page.locator(".next-up")
    expect(card.get_by_role("heading")).to_have_text(meeting.title)
    expect(card.get_by_role("timer")).to_have_text(COUNTDOWN)
    badge = card.get_by_test_id("booking-type")
    expect(badge).to_have_text("Mentee")
    expect(badge.locator("circle")).to_have_attribute("fill", "#16a34a")
    card.get_by_role("button", name="Start").click()
    expect(host_page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")

    # The guest joins through their personal link.
    guest.goto(join_url)
    expect(guest.get_by_label("Your name")).to_have_value("Grace Hopper")
    guest.get_by_role("button", name="Join", exact=True).click()
    expect(guest).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")

    # The host ends the meeting.
    host_page.once("dialog", lambda dialog: dialog.accept())
    host_page.get_by_role("button", name="End meeting").click()
    expect(host_page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED

    # The sweep asks for a rating an hour after the scheduled end, and not before.
    smtp_server.reset()
    assert run_sweep(meeting.ends_at)["rating_requests"] == 0
    assert run_sweep(meeting.ends_at + timedelta(hours=1, minutes=1))["rating_requests"] == 1
    [request] = smtp_server.messages
    assert request["To"].addresses[0].addr_spec == "grace@example.org"
    assert str(request["Subject"]) == f"How was {meeting.title}?"

    # The guest rates it from the email.
    rate_from_email(guest, request, score=4, feedback="Clear answers, thank you.")

    # The host sees the rating on the meeting page, and the average on the booking types.
    host_page.goto(f"/meetings/{meeting.meeting_id}/")
    ratings = host_page.get_by_test_id("ratings")
    expect(ratings).to_contain_text("4.0 of 5 from 1")
    row = ratings.get_by_role("row", name=re.compile("Grace Hopper"))
    expect(row).to_contain_text("4/5")
    expect(row).to_contain_text("Clear answers, thank you.")
    host_page.goto("/booking-pages/")
    summary = host_page.locator('[data-booking-type="mentoring"]').get_by_test_id("rating-summary")
    expect(summary).to_have_text("★ 4.0 (1 rating)")
    assert browser_log.errors == []
