"""The guest's pages: the host's page, a type's calendar, the booking form, the guest's links."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings import services, tokens
from bookings.models import Booking, BookingProfile, BookingToken
from meetings.models import Meeting
from tests import google
from tests.bookings.conftest import connect_google, make_type, next_weekday
from tests.factories import MeetingFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def profile(host):
    return BookingProfile.objects.create(
        user=host, handle="ada", introduction="Analytical engines, mostly."
    )


@pytest.fixture
def monday():
    return next_weekday(0)


def at(day, hour, minute=0, zone=BERLIN):
    return datetime.combine(day, time(hour, minute), zone)


def book_url(start, duration=30, zone="Europe/Berlin", slug="intro"):
    query = urlencode({"start": start.isoformat(), "duration": duration, "tz": zone})
    return f"/book/ada/{slug}/book/?{query}"


def answers(starts_at, **overrides):
    return {
        "guest_name": "Grace Hopper",
        "guest_email": "grace@example.org",
        "start": starts_at.isoformat(),
        "duration": "30",
        "tz": "Europe/Berlin",
    } | overrides


def counts():
    return Booking.objects.count(), Meeting.objects.count(), BookingToken.objects.count()


def start_at(started):
    """Move the booking in the database alone, as time passing would."""
    Booking.objects.update(
        starts_at=started,
        ends_at=started + timedelta(minutes=30),
        blocked_start=started,
        blocked_end=started + timedelta(minutes=30),
    )


@pytest.fixture
def booked(booking_type, profile, monday):
    """A booking of Monday 10:00 Berlin by Grace, and the clear token of its link."""
    return services.booking_create(
        booking_type=booking_type,
        starts_at=at(monday, 10),
        duration=30,
        guest_name="Grace Hopper",
        guest_email="grace@example.org",
        guest_timezone="America/New_York",
    )


class TestHostPage:
    def test_shows_the_host_and_the_active_types(self, client, booking_type, profile, host):
        make_type(host, title="Secret chat", slug="secret", is_active=False)
        response = client.get("/book/ADA/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ada Lovelace" in html
        assert "Analytical engines, mostly." in html
        assert 'href="/book/ada/intro/"' in html
        assert "Secret chat" not in html

    def test_an_unknown_handle_is_not_found(self, client, profile):
        assert client.get("/book/nobody/").status_code == 404


class TestTypePage:
    def test_the_month_offers_free_days_as_links_and_greys_the_others(
        self, client, booking_type, profile, monday
    ):
        response = client.get(f"/book/ada/intro/?month={monday:%Y-%m}&tz=Europe/Berlin")
        assert response.status_code == 200
        html = response.content.decode()
        assert f"date={monday.isoformat()}" in html
        sunday = monday - timedelta(days=1)
        if sunday.month == monday.month:
            assert f"date={sunday.isoformat()}" not in html
            assert f"{sunday:%A} {sunday.day} {sunday:%B}: no free time" in html
        assert "Pick a day to see its free times." in html

    def test_a_chosen_day_lists_its_times_in_the_guests_zone(
        self, client, booking_type, profile, monday
    ):
        response = client.get(f"/book/ada/intro/?date={monday}&tz=America/New_York")
        html = response.content.decode()
        # 09:00 in Berlin is 03:00 in New York (02:00 or 04:00 around the clock changes).
        first = at(monday, 9).astimezone(NEW_YORK)
        assert f">{first:%H:%M}</a>" in html
        assert book_url(first, zone="America/New_York").replace("&", "&amp;") in html
        assert "America/New_York" in html and "Europe/Berlin" in html

    def test_without_a_zone_times_are_in_the_hosts(self, client, booking_type, profile, monday):
        html = client.get(f"/book/ada/intro/?date={monday}").content.decode()
        assert ">09:00</a>" in html
        assert 'data-zone-given=""' in html

    def test_several_durations_can_be_chosen(self, client, booking_type, profile, monday):
        html = client.get(f"/book/ada/intro/?date={monday}&duration=60").content.decode()
        assert "duration=30" in html
        assert ">16:00</a>" in html and ">16:30</a>" not in html

    def test_google_unavailable_is_said(
        self, client, booking_type, profile, host, monday, settings
    ):
        settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        connect_google(host)  # stored under another key: the sign-in cannot be read
        html = client.get(f"/book/ada/intro/?date={monday}").content.decode()
        assert "Some of Ada Lovelace's calendar could not be checked" in html

    def test_a_host_whose_google_lacks_the_free_busy_scope_is_booked_as_without_google(
        self, client, booking_type, profile, host, monday, google_server
    ):
        """Connected before the scope was asked for: not checked, and no warning to guests."""
        connect_google(host, scopes=google.GRANTED_SCOPES)

        html = client.get(f"/book/ada/intro/?date={monday}").content.decode()
        assert "could not be checked" not in html
        assert ">09:00</a>" in html and ">16:30</a>" in html
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))

        assert response.status_code == 303
        assert Booking.objects.get().starts_at == at(monday, 9)
        assert google_server.requests == []

    def test_an_unknown_slug_or_a_hidden_type_is_not_found(self, client, host, profile, schedule):
        make_type(host, slug="secret", is_active=False)
        assert client.get("/book/ada/nothing/").status_code == 404
        assert client.get("/book/ada/secret/").status_code == 404
        assert client.get("/book/nobody/intro/").status_code == 404

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("month=2026-13", "is not a month"),
            ("month=junk", "is not a month"),
            ("month=0001-01", "out of range"),
            ("date=2026-02-30", "is not a date"),
            ("date=20261207", "is not a date"),
            ("date=9999-12-31", "out of range"),
            ("duration=45", "Pick one of the durations offered"),
            ("duration=abc", "Pick one of the durations offered"),
            ("tz=Mars/Olympus", "is not a time zone we know"),
            ("tz=Etc/GMT%2B5", "is not a time zone we know"),
        ],
    )
    def test_bad_parameters_answer_400_with_a_message(
        self, client, booking_type, profile, query, message
    ):
        response = client.get(f"/book/ada/intro/?{query}")
        assert response.status_code == 400
        assert message in response.content.decode()

    @pytest.mark.parametrize("meetings", [3, 300])
    def test_the_month_takes_the_same_queries_however_many_meetings(
        self, client, booking_type, profile, host, monday, meetings, settings
    ):
        first = monday.replace(day=1)
        Meeting.objects.bulk_create(
            MeetingFactory.build(
                host=host,
                starts_at=at(first + timedelta(days=n % 27), 8) + timedelta(minutes=n // 27 * 45),
                ends_at=at(first + timedelta(days=n % 27), 8)
                + timedelta(minutes=n // 27 * 45 + 30),
                duration=30,
            )
            for n in range(meetings)
        )
        url = f"/book/ada/intro/?month={monday:%Y-%m}&date={monday}&tz=Europe/Berlin"
        client.get(url)  # sessions, content types: whatever a first request warms
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        # The type and its host; then, for the month and for the day, the schedule, its
        # weekly hours, its overrides, the busy rows and the Google account.
        assert len(queries) == 11, [q["sql"] for q in queries]


class TestBookingForm:
    def test_get_shows_the_slot_and_the_types_questions(
        self, client, host, profile, schedule, monday
    ):
        make_type(host, subject_question="required", notes_question="optional")
        response = client.get(book_url(at(monday, 9).astimezone(NEW_YORK), zone="America/New_York"))
        assert response.status_code == 200
        html = response.content.decode()
        assert f"{at(monday, 9).astimezone(NEW_YORK):%H:%M}" in html
        assert 'name="subject"' in html and 'name="notes"' in html
        assert 'name="guest_email"' in html
        assert counts() == (0, 0, 0)

    def test_questions_that_are_off_are_not_asked(self, client, host, profile, schedule, monday):
        make_type(host, subject_question="off", notes_question="off")
        html = client.get(book_url(at(monday, 9))).content.decode()
        assert 'name="subject"' not in html and 'name="notes"' not in html

    def test_a_booking_leads_to_its_success_page(self, client, booking_type, profile, monday):
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 303
        booking = Booking.objects.get()
        assert booking.starts_at == at(monday, 9)
        assert booking.guest_timezone == "Europe/Berlin"
        assert booking.invitation.user is None
        page = client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert "You're booked with Ada Lovelace" in html
        assert booking.meeting.share_url in html
        assert "https://calendar.google.com/calendar/render?" in html
        assert "Download .ics" in html
        assert response["Location"] + "reschedule/" in html
        assert response["Location"] + "cancel/" in html

    def test_a_logged_in_guest_books_as_themself(self, client, booking_type, profile, monday):
        grace = UserFactory(email="grace@example.org", first_name="Grace")
        client.force_login(grace)
        assert 'value="grace@example.org"' in client.get(book_url(at(monday, 9))).content.decode()
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 303
        assert Booking.objects.get().invitation.user == grace

    def test_a_taken_slot_answers_409_with_the_days_fresh_times(
        self, client, booking_type, profile, monday, booked
    ):
        before = counts()
        response = client.post(
            "/book/ada/intro/book/", answers(at(monday, 10), guest_email="alan@example.org")
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "That time was just taken — please pick another." in html
        assert ">09:30</a>" in html and ">10:00</a>" not in html and ">10:30</a>" in html
        assert counts() == before

    @pytest.mark.parametrize(
        ("start", "message"),
        [
            (lambda monday: at(monday + timedelta(days=6), 10), "is not available then"),
            (lambda monday: at(monday, 7), "is not available then"),
            (lambda monday: at(monday, 9, 10), "Pick one of the start times offered."),
            (lambda monday: at(monday - timedelta(days=14), 9), "That time has passed."),
        ],
        ids=["sunday", "before-hours", "off-step", "past"],
    )
    def test_a_slot_that_is_not_offered_is_refused(
        self, client, booking_type, profile, monday, start, message
    ):
        response = client.post("/book/ada/intro/book/", answers(start(monday)))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert counts() == (0, 0, 0)

    def test_inside_the_minimum_notice_is_refused(self, client, host, profile, schedule, monday):
        make_type(host, minimum_notice=60 * 24 * 20)
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 400
        assert "Book at least 20 days ahead." in response.content.decode()
        assert counts() == (0, 0, 0)

    def test_beyond_the_window_is_refused(self, client, host, profile, schedule, monday):
        make_type(host, booking_window=1)
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 400
        assert "Bookings open at most 1 days ahead." in response.content.decode()
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"start": "2026-02-30T09:00:00+01:00"}, "That start time is not one we offered."),
            ({"start": "2026-03-02T09:00:00"}, "That start time is not one we offered."),
            ({"duration": "45"}, "Pick one of the durations offered"),
            ({"duration": "-30"}, "Pick one of the durations offered"),
            ({"tz": "Mars/Olympus"}, "is not a time zone we know"),
            ({"guest_email": "grace@"}, "Enter a valid email address."),
            ({"guest_name": "Grace\r\nBcc: all@example.org"}, "Write your name on one line."),
            ({"guest_name": ""}, "This field is required."),
            ({"guest_email": "ADA@example.com"}, "you cannot book yourself"),
        ],
        ids=[
            "bad-date",
            "naive-date",
            "duration",
            "negative-duration",
            "zone",
            "email",
            "header-injection",
            "no-name",
            "host-themself",
        ],
    )
    def test_bad_input_is_refused_on_the_form(
        self, client, booking_type, profile, monday, changes, message
    ):
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9), **changes))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert counts() == (0, 0, 0)

    def test_the_host_logged_in_cannot_book_themself(
        self, client, booking_type, profile, host, monday
    ):
        client.force_login(host)
        response = client.post(
            "/book/ada/intro/book/", answers(at(monday, 9), guest_email="other@example.org")
        )
        assert response.status_code == 400
        assert "you cannot book yourself" in response.content.decode()
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize(
        "query", ["start=junk&duration=30&tz=UTC", "start=2026-03-02T09:00:00Z&duration=45&tz=UTC"]
    )
    def test_a_tampered_link_to_the_form_answers_400(self, client, booking_type, profile, query):
        response = client.get(f"/book/ada/intro/book/?{query}")
        assert response.status_code == 400

    def test_the_form_of_a_hidden_type_is_not_found(self, client, host, profile, schedule, monday):
        make_type(host, is_active=False)
        assert client.get(book_url(at(monday, 9))).status_code == 404
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 404
        assert counts() == (0, 0, 0)

    def test_past_the_limit_a_post_answers_429_before_any_work(
        self, client, booking_type, profile, monday, settings
    ):
        settings.BOOKING_POSTS_PER_ADDRESS = 2
        for _ in range(2):
            client.post("/book/ada/intro/book/", answers(at(monday, 9), guest_email="bad"))
        response = client.post("/book/ada/intro/book/", answers(at(monday, 9)))
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many booking attempts" in response.content.decode()
        assert counts() == (0, 0, 0)

    def test_a_post_needs_the_csrf_token(self, booking_type, profile, monday):
        from django.test import Client

        response = Client(enforce_csrf_checks=True).post(
            "/book/ada/intro/book/", answers(at(monday, 9))
        )
        assert response.status_code == 403
        assert counts() == (0, 0, 0)


class TestBookingPage:
    def test_shows_the_time_in_the_guests_zone(self, client, booked, monday):
        html = client.get(f"/bookings/{booked.token}/").content.decode()
        assert f"{at(monday, 10).astimezone(NEW_YORK):%H:%M}" in html
        assert "America/New_York" in html

    def test_the_calendar_file_is_published(self, client, booked):
        response = client.get(f"/bookings/{booked.token}/booking.ics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        body = response.content.decode()
        assert "METHOD:PUBLISH" in body
        assert f"UID:{booked.booking.meeting.uid}@" in body

    @pytest.mark.parametrize(
        "suffix", ["", "booking.ics", "reschedule/", "cancel/"], ids=["page", "ics", "re", "cancel"]
    )
    def test_a_wrong_token_is_not_found(self, client, booked, suffix):
        assert client.get(f"/bookings/{'x' * 43}/{suffix}").status_code == 404
        assert client.post(f"/bookings/{'x' * 43}/{suffix}").status_code in (404, 405)


class TestReschedule:
    def test_shows_the_calendar_with_the_bookings_own_time_free(self, client, booked, monday):
        response = client.get(
            f"/bookings/{booked.token}/reschedule/?date={monday}&tz=Europe/Berlin"
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert ">10:00</a>" in html
        assert f"/bookings/{booked.token}/reschedule/?start=" in html

    def test_a_chosen_time_is_confirmed_by_a_post(self, client, booked, monday):
        link = f"/bookings/{booked.token}/reschedule/?" + urlencode(
            {"start": at(monday, 14).isoformat(), "duration": 30, "tz": "Europe/Berlin"}
        )
        response = client.get(link)
        assert response.status_code == 200
        assert "Move to this time" in response.content.decode()
        assert Booking.objects.get().starts_at == at(monday, 10)  # a GET changes nothing
        response = client.post(
            f"/bookings/{booked.token}/reschedule/",
            {"start": at(monday, 14).isoformat(), "duration": "30", "tz": "Europe/Berlin"},
        )
        assert response.status_code == 303
        assert response["Location"] == f"/bookings/{booked.token}/"
        booking = Booking.objects.get()
        assert booking.starts_at == at(monday, 14)
        assert booking.meeting.starts_at == at(monday, 14)

    def test_a_taken_time_answers_409(self, client, booked, booking_type, monday):
        services.booking_create(
            booking_type=booking_type,
            starts_at=at(monday, 14),
            duration=30,
            guest_name="Alan",
            guest_email="alan@example.org",
            guest_timezone="UTC",
        )
        response = client.post(
            f"/bookings/{booked.token}/reschedule/",
            {"start": at(monday, 14).isoformat(), "duration": "30", "tz": "Europe/Berlin"},
        )
        assert response.status_code == 409
        assert "That time was just taken" in response.content.decode()
        assert Booking.objects.get(pk=booked.booking.pk).starts_at == at(monday, 10)

    def test_a_time_outside_availability_is_refused_and_nothing_moves(self, client, booked, monday):
        response = client.post(
            f"/bookings/{booked.token}/reschedule/",
            {"start": at(monday, 20).isoformat(), "duration": "30", "tz": "Europe/Berlin"},
        )
        assert response.status_code == 400
        assert "Ada Lovelace is not available then." in response.content.decode()
        assert Booking.objects.get().starts_at == at(monday, 10)
        assert Booking.objects.get().meeting.sequence == booked.booking.meeting.sequence

    def test_a_tampered_time_answers_400(self, client, booked, monday):
        response = client.post(
            f"/bookings/{booked.token}/reschedule/",
            {"start": "tomorrow", "duration": "30", "tz": "Europe/Berlin"},
        )
        assert response.status_code == 400
        assert Booking.objects.get().starts_at == at(monday, 10)

    def test_past_the_limit_a_post_answers_429_and_moves_nothing(
        self, client, booked, monday, settings
    ):
        settings.BOOKING_POSTS_PER_ADDRESS = 0
        response = client.post(
            f"/bookings/{booked.token}/reschedule/",
            {"start": at(monday, 14).isoformat(), "duration": "30", "tz": "Europe/Berlin"},
        )
        assert response.status_code == 429
        assert response["Retry-After"]
        assert Booking.objects.get().starts_at == at(monday, 10)

    def test_once_started_it_is_too_late_and_names_the_host(self, client, booked):
        started = timezone.now() - timedelta(minutes=5)
        start_at(started)
        for response in (
            client.get(f"/bookings/{booked.token}/reschedule/"),
            client.post(
                f"/bookings/{booked.token}/reschedule/",
                {"start": datetime.now(UTC).isoformat(), "duration": "30", "tz": "UTC"},
            ),
        ):
            assert response.status_code == 410
            html = response.content.decode()
            assert "can no longer be changed" in html
            assert "ada@example.com" in html
        assert Booking.objects.get().starts_at == started


class TestCancel:
    def test_get_asks_and_changes_nothing(self, client, booked):
        response = client.get(f"/bookings/{booked.token}/cancel/")
        assert response.status_code == 200
        assert 'name="reason"' in response.content.decode()
        assert Booking.objects.get().status == Booking.Status.CONFIRMED

    def test_post_cancels_with_the_reason(self, client, booked):
        response = client.post(f"/bookings/{booked.token}/cancel/", {"reason": "Ill, sorry."})
        assert response.status_code == 303
        booking = Booking.objects.get()
        assert booking.is_cancelled
        assert booking.cancelled_by == Booking.Party.GUEST
        assert booking.cancel_reason == "Ill, sorry."
        assert booking.meeting.status == Meeting.Status.CANCELLED
        html = client.get(response["Location"]).content.decode()
        assert "This booking was cancelled" in html

    def test_a_used_link_says_the_booking_was_cancelled(self, client, booked):
        client.post(f"/bookings/{booked.token}/cancel/")
        response = client.post(f"/bookings/{booked.token}/cancel/", {"reason": "again"})
        assert response.status_code == 410
        assert "This booking was cancelled." in response.content.decode()
        assert Booking.objects.get().cancel_reason == ""
        assert client.get(f"/bookings/{booked.token}/reschedule/").status_code == 410

    def test_too_late_once_the_meeting_started(self, client, booked):
        started = timezone.now() - timedelta(minutes=1)
        start_at(started)
        response = client.post(f"/bookings/{booked.token}/cancel/")
        assert response.status_code == 410
        assert "Contact Ada Lovelace" in response.content.decode()
        assert Booking.objects.get().status == Booking.Status.CONFIRMED

    def test_a_reason_too_long_is_refused(self, client, booked):
        response = client.post(f"/bookings/{booked.token}/cancel/", {"reason": "x" * 1001})
        assert response.status_code == 400
        assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_every_link_the_emails_carry_opens(client, booked):
    from bookings import links

    token = tokens.mint(booking=booked.booking)
    for url in (links.booking_url(token), links.reschedule_url(token), links.cancel_url(token)):
        path = "/" + url.split("/", 3)[3]
        assert client.get(path).status_code == 200, path
