import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingProfile, BookingType, DateOverride, Schedule
from meetings.models import Meeting
from tests import google
from tests.bookings.conftest import (
    connect_google,
    make_rating,
    make_schedule,
    make_type,
    next_weekday,
)
from tests.factories import MeetingFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def client_of(client, host):
    client.force_login(host)
    return client


@pytest.fixture
def stranger(db):
    return UserFactory(email="eve@example.com", first_name="Eve", last_name="Mallory")


def book(booking_type, starts_at, **overrides):
    values = {
        "booking_type": booking_type,
        "starts_at": starts_at,
        "duration": 30,
        "guest_name": "Grace Hopper",
        "guest_email": "grace@example.org",
        "guest_timezone": "America/New_York",
    } | overrides
    return services.booking_create(**values).booking


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), BERLIN)


def messages_of(response) -> str:
    return response.content.decode()


def type_data(**overrides) -> dict:
    return {
        "title": "Mentoring",
        "slug": "mentoring",
        "description": "An hour on your career.",
        "durations": ["30", "60"],
        "location": "jitsi",
        "external_url": "",
        "schedule": "",
        "buffer_before": "10",
        "buffer_after": "5",
        "minimum_notice": "240",
        "booking_window": "60",
        "slot_step": "30",
        "daily_maximum": "",
        "subject_question": "required",
        "notes_question": "optional",
        "is_active": "on",
        "color": "#059669",
        "label": "Mentor",
    } | overrides


# ---------------------------------------------------------------------------
# Who may open what

HOST_PAGES = [
    ("bookings:host_overview", False),
    ("bookings:host_settings", False),
    ("bookings:host_schedules", False),
    ("bookings:host_bookings", False),
    ("bookings:host_type_create", False),
]


@pytest.mark.parametrize(("name", "_"), HOST_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, name, _):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_another_hosts_schedule_type_and_booking_are_not_found(
    client, stranger, host, schedule, booking_type
):
    booking = book(booking_type, at(next_weekday(0), 10))
    client.force_login(stranger)
    urls = [
        reverse("bookings:host_schedule", args=[schedule.pk]),
        reverse("bookings:host_type_edit", args=[booking_type.pk]),
        reverse("bookings:host_type_bookings", args=[booking_type.pk]),
        reverse("bookings:host_booking_cancel", args=[booking.pk]),
        reverse("bookings:host_booking_move", args=[booking.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [
        (
            reverse("bookings:host_schedule", args=[schedule.pk]),
            {"name": "Mine", "timezone": "UTC"},
        ),
        (reverse("bookings:host_schedule_hours", args=[schedule.pk]), {"day_0": "08:00-09:00"}),
        (reverse("bookings:host_schedule_default", args=[schedule.pk]), {}),
        (reverse("bookings:host_schedule_delete", args=[schedule.pk]), {}),
        (reverse("bookings:host_type_edit", args=[booking_type.pk]), type_data()),
        (reverse("bookings:host_booking_cancel", args=[booking.pk]), {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    schedule.refresh_from_db()
    booking.refresh_from_db()
    assert schedule.name == "Working hours"
    assert schedule.weekly.count() == 10
    assert BookingType.objects.get().title == "Intro call"
    assert booking.status == Booking.Status.CONFIRMED


def test_the_header_links_to_booking_pages(client_of):
    response = client_of.get(reverse("meetings:list"))
    assert f'href="{reverse("bookings:host_overview")}"' in messages_of(response)


# ---------------------------------------------------------------------------
# The booking page's handle


def test_the_handle_is_suggested_from_the_name(client_of):
    response = client_of.get(reverse("bookings:host_settings"))
    assert response.status_code == 200
    assert 'value="ada-lovelace"' in messages_of(response)


def test_a_handle_and_introduction_are_saved(client_of, host):
    response = client_of.post(
        reverse("bookings:host_settings"),
        {"handle": "Ada-L", "introduction": "Analytical engines."},
    )
    assert response.status_code == 302
    profile = BookingProfile.objects.get(user=host)
    assert (profile.handle, profile.introduction) == ("ada-l", "Analytical engines.")
    page = client_of.get(reverse("bookings:host_overview"))
    assert "/book/ada-l/" in messages_of(page)


@pytest.mark.parametrize("handle", ["ab", "-ada", "ada-", "ada lovelace", "ada/x", "ädä", "a" * 41])
def test_a_bad_handle_is_refused(client_of, host, handle):
    BookingProfile.objects.create(user=host, handle="ada")
    response = client_of.post(reverse("bookings:host_settings"), {"handle": handle})
    assert response.status_code == 400
    assert "lowercase letters, digits and hyphens" in messages_of(response) or (
        "at most 40 characters" in messages_of(response)
    )
    assert BookingProfile.objects.get(user=host).handle == "ada"


def test_a_taken_handle_is_refused(client_of, host, stranger):
    BookingProfile.objects.create(user=stranger, handle="ada")
    response = client_of.post(reverse("bookings:host_settings"), {"handle": "ADA"})
    assert response.status_code == 400
    assert "This handle is taken; try another." in messages_of(response)
    assert not BookingProfile.objects.filter(user=host).exists()


def test_the_profile_page_shows_the_booking_page_link(client_of, host):
    response = client_of.get(reverse("accounts:profile"))
    assert reverse("bookings:host_settings") in messages_of(response)
    BookingProfile.objects.create(user=host, handle="ada")
    response = client_of.get(reverse("accounts:profile"))
    assert 'data-copy="http://testserver/book/ada/"' in messages_of(response)


# ---------------------------------------------------------------------------
# Availability


def test_a_first_schedule_is_created_as_the_default(client_of, host):
    response = client_of.post(
        reverse("bookings:host_schedules"), {"name": "Office", "timezone": "Asia/Calcutta"}
    )
    schedule = Schedule.objects.get(host=host)
    assert response["Location"] == reverse("bookings:host_schedule", args=[schedule.pk])
    assert (schedule.name, schedule.timezone, schedule.is_default) == (
        "Office",
        "Asia/Kolkata",
        True,
    )


def test_a_schedule_with_a_taken_name_or_unknown_zone_is_refused(client_of, host, schedule):
    response = client_of.post(
        reverse("bookings:host_schedules"), {"name": "working HOURS", "timezone": "UTC"}
    )
    assert response.status_code == 400
    assert "You already have a schedule with this name." in messages_of(response)
    response = client_of.post(
        reverse("bookings:host_schedules"), {"name": "Other", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert Schedule.objects.filter(host=host).count() == 1


def test_a_schedule_is_renamed_and_moved_to_another_zone(client_of, schedule):
    url = reverse("bookings:host_schedule", args=[schedule.pk])
    response = client_of.post(url, {"name": "Mornings", "timezone": "America/New_York"})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.name, schedule.timezone) == ("Mornings", "America/New_York")


def test_the_weekly_hours_show_as_text_and_are_saved(client_of, schedule):
    url = reverse("bookings:host_schedule", args=[schedule.pk])
    page = client_of.get(url)
    assert 'value="09:00-12:00, 13:00-17:00"' in messages_of(page)
    response = client_of.post(
        reverse("bookings:host_schedule_hours", args=[schedule.pk]),
        {"day_0": "08:00-10:00,  14:00 – 24:00", "day_5": "10:00-12:00"},
    )
    assert response.status_code == 302
    rows = list(schedule.weekly.values_list("weekday", "start", "end"))
    assert rows == [
        (0, time(8), time(10)),
        (0, time(14), time(0)),
        (5, time(10), time(12)),
    ]


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("12:00-09:00", "the start must be before the end"),
        ("09:00-09:00", "the start must be before the end"),
        ("09:00-12:00, 11:00-13:00", "These hours overlap"),
        ("nine to five", "is not a span of hours"),
        ("09:00-25:00", "is not a time of day"),
    ],
)
def test_bad_weekly_hours_are_refused_and_nothing_changes(client_of, schedule, hours, message):
    before = list(schedule.weekly.values_list("weekday", "start", "end"))
    response = client_of.post(
        reverse("bookings:host_schedule_hours", args=[schedule.pk]),
        {"day_0": "08:00-09:00", "day_2": hours},
    )
    assert response.status_code == 400
    assert message in messages_of(response)
    assert list(schedule.weekly.values_list("weekday", "start", "end")) == before


def test_a_day_off_and_other_hours_are_overrides_that_can_be_removed(client_of, schedule):
    day = date.today() + timedelta(days=10)
    url = reverse("bookings:host_schedule_override", args=[schedule.pk])
    assert client_of.post(url, {"day": day.isoformat(), "hours": ""}).status_code == 302
    assert list(schedule.overrides.values_list("start", "end")) == [(None, None)]
    other = day + timedelta(days=1)
    client_of.post(url, {"day": other.isoformat(), "hours": "10:00-11:00, 15:00-16:00"})
    assert schedule.overrides.filter(date=other).count() == 2
    page = client_of.get(reverse("bookings:host_schedule", args=[schedule.pk]))
    assert "day off" in messages_of(page)
    assert "10:00–11:00" in messages_of(page)
    remove = reverse("bookings:host_schedule_override_remove", args=[schedule.pk, day.isoformat()])
    assert client_of.post(remove).status_code == 302
    assert not schedule.overrides.filter(date=day).exists()


def test_a_bad_override_is_refused_and_nothing_changes(client_of, schedule):
    url = reverse("bookings:host_schedule_override", args=[schedule.pk])
    response = client_of.post(url, {"day": "2026-13-01", "hours": ""})
    assert response.status_code == 400
    response = client_of.post(url, {"day": "2030-01-07", "hours": "17:00-09:00"})
    assert response.status_code == 400
    assert "the start must be before the end" in messages_of(response)
    assert not DateOverride.objects.exists()


def test_make_default_and_delete(client_of, host, schedule):
    other = make_schedule(host, name="Evenings", default=False)
    refused = client_of.post(reverse("bookings:host_schedule_delete", args=[schedule.pk]))
    assert refused.status_code == 302
    assert Schedule.objects.filter(pk=schedule.pk).exists()
    client_of.post(reverse("bookings:host_schedule_default", args=[other.pk]))
    assert Schedule.objects.get(is_default=True) == other
    client_of.post(reverse("bookings:host_schedule_delete", args=[schedule.pk]))
    assert list(Schedule.objects.all()) == [other]


def test_a_get_changes_nothing(client_of, schedule):
    for name in ("host_schedule_default", "host_schedule_delete", "host_schedule_hours"):
        assert client_of.get(reverse(f"bookings:{name}", args=[schedule.pk])).status_code == 405
    assert Schedule.objects.filter(pk=schedule.pk).exists()


# ---------------------------------------------------------------------------
# Booking types


def test_a_booking_type_is_created(client_of, host, schedule):
    response = client_of.post(reverse("bookings:host_type_create"), type_data())
    assert response.status_code == 302
    created = BookingType.objects.get(host=host)
    assert created.durations == [30, 60]
    assert (created.buffer_before, created.subject_question, created.label) == (
        10,
        "required",
        "Mentor",
    )
    assert created.schedule is None


def test_a_booking_type_is_edited_on_its_own_schedule(client_of, host, booking_type):
    other = make_schedule(host, name="Evenings", default=False)
    url = reverse("bookings:host_type_edit", args=[booking_type.pk])
    response = client_of.post(
        url, type_data(title="Intro", slug="intro", schedule=str(other.pk), is_active="")
    )
    assert response.status_code == 302
    booking_type.refresh_from_db()
    assert (booking_type.title, booking_type.schedule, booking_type.is_active) == (
        "Intro",
        other,
        False,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"durations": ["500"]}, "durations", "Pick durations from the list (15 to 480 minutes)."),
        ({"durations": ["10"]}, "durations", "Pick durations from the list"),
        ({"durations": []}, "durations", "Offer at least one duration."),
        ({"location": "external", "external_url": ""}, "external_url", "Paste the https link"),
        ({"slug": "intro"}, "slug", "You already have a booking type with this address."),
        ({"slug": "not a slug"}, "slug", "Enter a valid"),
        ({"buffer_before": "999"}, "buffer_before", "less than or equal to 240"),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_a_bad_booking_type_is_refused_and_nothing_changes(
    client_of, host, booking_type, changes, field, message
):
    response = client_of.post(reverse("bookings:host_type_create"), type_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert list(BookingType.objects.values_list("slug", flat=True)) == ["intro"]


def test_google_meet_needs_a_connected_account(client_of, host, schedule, google_server):
    response = client_of.post(
        reverse("bookings:host_type_create"), type_data(location="google_meet")
    )
    assert response.status_code == 400
    assert "Connect your Google account on your profile to offer Google Meet." in messages_of(
        response
    )
    assert not BookingType.objects.exists()
    connect_google(host)
    response = client_of.post(
        reverse("bookings:host_type_create"), type_data(location="google_meet")
    )
    assert response.status_code == 302
    assert BookingType.objects.get().location == "google_meet"


def test_google_meet_is_not_offered_without_google(client_of, schedule, settings):
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    response = client_of.get(reverse("bookings:host_type_create"))
    assert 'value="google_meet"' not in messages_of(response)


def test_the_edit_of_a_type_refused_leaves_it_unchanged(client_of, host, booking_type):
    make_type(host, title="Other", slug="other")
    url = reverse("bookings:host_type_edit", args=[booking_type.pk])
    response = client_of.post(url, type_data(title="Renamed", slug="other"))
    assert response.status_code == 400
    booking_type.refresh_from_db()
    assert (booking_type.title, booking_type.slug) == ("Intro call", "intro")


def test_the_list_shows_public_links_and_preview(client_of, host, booking_type):
    BookingProfile.objects.create(user=host, handle="ada")
    response = client_of.get(reverse("bookings:host_overview"))
    content = messages_of(response)
    assert 'data-copy="http://testserver/book/ada/intro/"' in content or (
        "/book/ada/intro/" in content
    )
    assert 'href="/book/ada/intro/"' in content
    assert "data-share" in content


def _types_with_bookings(host, count: int, *, rated: bool = False):
    monday = next_weekday(0)
    for number in range(count):
        booking_type = make_type(host, title=f"Type {number}", slug=f"type-{number}")
        booking = book(
            booking_type,
            at(monday + timedelta(days=7 * number), 9),
            guest_email=f"g{number}@example.org",
        )
        if rated:
            Meeting.objects.filter(pk=booking.meeting_id).update(status=Meeting.Status.ENDED)
            make_rating(
                booking.meeting, email=booking.guest_email, score=5, rated_at=at(monday, 10)
            )


@pytest.mark.parametrize("count", [1, 6])
def test_the_booking_types_list_takes_the_same_queries_however_many(
    client_of, host, schedule, count, django_assert_num_queries, google_server
):
    BookingProfile.objects.create(user=host, handle="ada")
    _types_with_bookings(host, count, rated=True)
    connect_google(host)
    # Session, user, profile, types with their counts, the ratings of all types, and
    # (on a site with Google) the host's Google account.
    with django_assert_num_queries(6):
        response = client_of.get(reverse("bookings:host_overview"))
    content = response.content.decode()
    assert content.count('data-booking-type="') == count
    assert content.count("(1 rating)") == count


def _summary_of(content: str, slug: str) -> str:
    card = content.split(f'data-booking-type="{slug}"', 1)[1].split("</section>", 1)[0]
    summary = card.split('data-testid="rating-summary">', 1)[1].split("</p>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", "", summary).split())


def test_the_list_shows_each_types_average_rating_and_count(client_of, host, booking_type):
    deep_dive = make_type(host, title="Deep dive", slug="deep-dive")
    make_type(host, title="Quiet", slug="quiet")
    monday = next_weekday(0)
    scores = {booking_type: [5, 4, 5], deep_dive: [2]}
    for day, (rated_type, given) in enumerate(scores.items()):
        for hour, score in enumerate(given, start=9):
            booking = book(rated_type, at(monday + timedelta(days=day), hour))
            Meeting.objects.filter(pk=booking.meeting_id).update(status=Meeting.Status.ENDED)
            make_rating(booking.meeting, score=score, rated_at=at(monday, 18))
    # Asked and not answered: no rating.
    unanswered = book(deep_dive, at(monday + timedelta(days=3), 9))
    make_rating(unanswered.meeting)

    content = client_of.get(reverse("bookings:host_overview")).content.decode()

    assert _summary_of(content, "intro") == "★ 4.7 (3 ratings)"
    assert _summary_of(content, "deep-dive") == "★ 2.0 (1 rating)"
    assert _summary_of(content, "quiet") == "No ratings yet"


@pytest.mark.parametrize("count", [1, 6])
def test_the_bookings_list_takes_the_same_queries_however_many(
    client_of, host, schedule, count, django_assert_num_queries
):
    _types_with_bookings(host, count)
    # Session, user, count, page.
    with django_assert_num_queries(4):
        response = client_of.get(reverse("bookings:host_bookings"))
    assert response.content.decode().count('data-booking="') == count


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("bookings:host_overview", "/booking-pages/"),
        ("bookings:host_settings", "/booking-pages/page/"),
    ],
)
def test_a_google_account_without_the_free_busy_scope_is_prompted_to_reconnect(
    client_of, host, google_server, name, path
):
    """Accounts connected before the scope was asked for: their busy times are not checked."""
    assert 'data-testid="google-reconnect"' not in client_of.get(reverse(name)).text
    account = connect_google(host)
    assert 'data-testid="google-reconnect"' not in client_of.get(reverse(name)).text
    account.scopes = google.GRANTED_SCOPES
    account.save()

    page = client_of.get(reverse(name)).text

    prompt = page.split('data-testid="google-reconnect"', 1)[1].split("</div>", 1)[0]
    assert "Reconnect Google so your busy times are checked." in prompt
    assert "ada.lovelace@gmail.com" in prompt
    assert f'action="{reverse("accounts:google_connect")}"' in prompt
    assert f'name="next" value="{path}"' in prompt
    # The button starts Google's consent flow, asking for the free/busy scope, and comes back.
    response = client_of.post(reverse("accounts:google_connect"), {"next": path})
    assert response.status_code == 302
    assert quote(google.FREEBUSY_SCOPE, safe="") in response["Location"]
    assert client_of.session["google_oauth"]["next"] == path


def test_no_reconnect_prompt_on_a_site_without_google(client_of, host, settings, google_server):
    connect_google(host, scopes=google.GRANTED_SCOPES)
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    page = client_of.get(reverse("bookings:host_settings")).text
    assert 'data-testid="google-reconnect"' not in page


# ---------------------------------------------------------------------------
# The host cancels or moves a booking


def test_the_host_cancels_a_booking_with_a_reason(
    client_of, booking_type, django_capture_on_commit_callbacks
):
    booking = book(booking_type, at(next_weekday(0), 10))
    url = reverse("bookings:host_booking_cancel", args=[booking.pk])
    assert client_of.get(url).status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    response = client_of.post(url, {"reason": "I am ill."})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        "host",
        "I am ill.",
    )
    assert booking.meeting.status == Meeting.Status.CANCELLED
    again = client_of.post(url, {"reason": ""})
    assert again.status_code == 409


def test_a_too_long_reason_is_refused(client_of, booking_type):
    booking = book(booking_type, at(next_weekday(0), 10))
    response = client_of.post(
        reverse("bookings:host_booking_cancel", args=[booking.pk]), {"reason": "x" * 1001}
    )
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_host_moves_a_booking(client_of, booking_type):
    monday = next_weekday(0)
    booking = book(booking_type, at(monday, 10))
    url = reverse("bookings:host_booking_move", args=[booking.pk])
    page = client_of.get(url)
    assert 'value="10:00"' in messages_of(page)
    tuesday = monday + timedelta(days=1)
    response = client_of.post(url, {"date": tuesday.isoformat(), "time": "14:00", "duration": "60"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == at(tuesday, 14).astimezone(UTC)
    assert booking.duration == 60
    assert booking.meeting.starts_at == booking.starts_at


def test_moving_onto_a_taken_time_is_a_conflict_and_changes_nothing(client_of, host, booking_type):
    monday = next_weekday(0)
    booking = book(booking_type, at(monday, 10))
    MeetingFactory(host=host, starts_at=at(monday, 15), duration=60)
    response = client_of.post(
        reverse("bookings:host_booking_move", args=[booking.pk]),
        {"date": monday.isoformat(), "time": "15:00", "duration": "30"},
    )
    assert response.status_code == 409
    assert "That time was just taken — please pick another." in messages_of(response)
    booking.refresh_from_db()
    assert booking.starts_at == at(monday, 10).astimezone(UTC)


def test_moving_outside_availability_is_refused(client_of, booking_type):
    monday = next_weekday(0)
    booking = book(booking_type, at(monday, 10))
    response = client_of.post(
        reverse("bookings:host_booking_move", args=[booking.pk]),
        {"date": monday.isoformat(), "time": "20:00", "duration": "30"},
    )
    assert response.status_code == 400
    assert "Ada Lovelace is not available then." in messages_of(response)
    booking.refresh_from_db()
    assert booking.starts_at == at(monday, 10).astimezone(UTC)


def test_the_meeting_page_of_a_booking_links_to_moving_and_cancelling_it(client_of, booking_type):
    booking = book(booking_type, at(next_weekday(0), 10))
    page = messages_of(client_of.get(booking.meeting.get_absolute_url()))
    assert "Booked by Grace Hopper" in page
    assert reverse("bookings:host_booking_move", args=[booking.pk]) in page
    assert reverse("bookings:host_booking_cancel", args=[booking.pk]) in page
    # Cancelling the meeting alone would leave the booking holding the slot.
    assert reverse("meetings:cancel", args=[booking.meeting.meeting_id]) not in page


@pytest.mark.parametrize("way", ["edit", "cancel"])
def test_a_booked_meeting_is_not_changed_around_its_booking(client_of, booking_type, way):
    # The list's "Cancel meeting" and the meeting's edit page would leave the booking
    # holding its slot, and the guest without a reason.
    booking = book(booking_type, at(next_weekday(0), 10))
    meeting = booking.meeting
    url = reverse(f"meetings:{way}", args=[meeting.meeting_id])
    data = {"title": "Moved", "date": "2030-01-07", "time": "10:00", "duration": "30"}
    response = client_of.post(url, data if way == "edit" else {})
    assert response.status_code == 409
    assert "move or cancel the booking" in messages_of(response)
    assert client_of.get(url).status_code == 409
    meeting.refresh_from_db()
    booking.refresh_from_db()
    assert (meeting.status, meeting.title) == (Meeting.Status.SCHEDULED, booking.meeting.title)
    assert booking.status == Booking.Status.CONFIRMED


def test_a_meeting_whose_booking_was_cancelled_is_no_longer_held_by_it(client_of, booking_type):
    booking = book(booking_type, at(next_weekday(0), 10))
    services.booking_cancel(booking=booking, by=Booking.Party.HOST, reason="Ill")
    url = reverse("meetings:cancel", args=[booking.meeting.meeting_id])
    assert "move or cancel the booking" not in messages_of(client_of.get(url))


def test_an_override_in_the_past_is_refused(client_of, schedule):
    url = reverse("bookings:host_schedule_override", args=[schedule.pk])
    response = client_of.post(url, {"day": "2020-01-06", "hours": ""})
    assert response.status_code == 400
    assert "Pick a date from today on." in messages_of(response)
    assert not DateOverride.objects.exists()


def free_times(page: str) -> list[str]:
    return re.findall(r'<button type="submit" name="time" value="(\d\d:\d\d)"', page)


def test_the_move_page_offers_the_days_free_times_and_moves_to_one(client_of, host, booking_type):
    monday = next_weekday(0)
    booking = book(booking_type, at(monday, 10))
    tuesday = monday + timedelta(days=1)
    MeetingFactory(host=host, starts_at=at(tuesday, 9), duration=60)
    url = reverse("bookings:host_booking_move", args=[booking.pk])
    # The booking's own time is free for it; the lunch hour is not availability.
    own_day = free_times(messages_of(client_of.get(url)))
    assert "10:00" in own_day and "09:00" in own_day
    assert "12:00" not in own_day and "16:30" in own_day
    page = free_times(
        messages_of(client_of.get(url, {"date": tuesday.isoformat(), "duration": "60"}))
    )
    assert page[:2] == ["10:00", "10:30"]
    assert "16:30" not in page  # an hour from 16:30 passes 17:00
    response = client_of.post(url, {"date": tuesday.isoformat(), "duration": "60", "time": "10:00"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.duration) == (at(tuesday, 10).astimezone(UTC), 60)


def test_the_move_page_survives_a_bad_day_in_its_address(client_of, booking_type):
    booking = book(booking_type, at(next_weekday(0), 10))
    url = reverse("bookings:host_booking_move", args=[booking.pk])
    for query in ({"date": "9999-12-31"}, {"date": "nonsense", "duration": "x"}, {"duration": "7"}):
        assert client_of.get(url, query).status_code == 200
