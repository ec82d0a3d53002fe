"""GET /api/bookings/{handle}/{slug}/slots and POST /api/bookings/{handle}/{slug}: the booking
page's free times and its booking form, as JSON."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings import services
from bookings.models import Booking, BookingProfile
from invitations.tokens import find_invitation
from meetings.models import Meeting
from tests.api.conftest import token_client
from tests.bookings.conftest import (
    connect_google,
    freebusy,
    make_schedule,
    make_type,
    next_weekday,
)
from tests.factories import MeetingFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SLOTS = "/api/bookings/ada/intro/slots"
BOOK = "/api/bookings/ada/intro"


@pytest.fixture
def booking_type(user):
    BookingProfile.objects.create(user=user, handle="ada")
    make_schedule(user)
    return make_type(user)


@pytest.fixture
def monday():
    return next_weekday(0)


def at(day, hour, minute=0, zone=BERLIN):
    return datetime.combine(day, time(hour, minute), zone)


def _slots(client, monday, **params):
    query = {"from": monday.isoformat(), "to": monday.isoformat(), "timezone": "Europe/Berlin"}
    return client.get(SLOTS, query | params)


def _answers(start, **overrides):
    return {
        "start": start.isoformat(),
        "duration": 30,
        "timezone": "Europe/Berlin",
        "name": "Grace Hopper",
        "email": "grace@example.org",
    } | overrides


def _book(client, body, **headers):
    return client.post(BOOK, body, content_type="application/json", headers=headers)


# Free slots.


def test_the_slots_of_a_day_are_the_booking_pages_in_the_guests_zone(client, booking_type, monday):
    response = _slots(client, monday, timezone="America/New_York")
    assert response.status_code == 200
    body = response.json()
    first = at(monday, 9).astimezone(NEW_YORK)
    assert body["success"] is True
    assert body["timezone"] == "America/New_York"
    assert body["duration"] == 30 and body["durations"] == [30, 60]
    assert body["google_unavailable"] is False
    assert body["slots"][0] == {
        "start": first.isoformat(),
        "end": (first + timedelta(minutes=30)).isoformat(),
    }
    # 09:00-12:00 and 13:00-17:00 every 30 minutes: 6 + 8 starts.
    assert len(body["slots"]) == 14


def test_a_range_of_days_leaves_out_the_weekend(client, booking_type, monday):
    body = client.get(
        SLOTS,
        {
            "from": (monday - timedelta(days=2)).isoformat(),
            "to": (monday + timedelta(days=1)).isoformat(),
            "timezone": "Europe/Berlin",
            "duration": 60,
        },
    ).json()
    days = {datetime.fromisoformat(slot["start"]).date() for slot in body["slots"]}
    assert days == {monday, monday + timedelta(days=1)}
    assert body["duration"] == 60


def test_a_booked_or_busy_time_is_not_offered(client, user, booking_type, monday):
    MeetingFactory(host=user, starts_at=at(monday, 9), duration=60)
    starts = [slot["start"] for slot in _slots(client, monday).json()["slots"]]
    assert at(monday, 9).isoformat() not in starts
    assert at(monday, 9, 30).isoformat() not in starts
    assert at(monday, 10).isoformat() in starts


def test_google_busy_times_are_not_offered(client, user, booking_type, monday, google_server):
    connect_google(user)
    google_server.answer(freebusy((at(monday, 9), at(monday, 10))))
    body = _slots(client, monday).json()
    starts = [slot["start"] for slot in body["slots"]]
    assert body["google_unavailable"] is False
    assert at(monday, 9).isoformat() not in starts
    assert at(monday, 9, 30).isoformat() not in starts
    assert at(monday, 10).isoformat() in starts


def test_google_unavailable_is_said(client, user, booking_type, monday, settings):
    settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connect_google(user)  # stored under another key: the sign-in cannot be read
    body = _slots(client, monday).json()
    assert body["google_unavailable"] is True
    assert body["slots"]


def test_slots_are_open_to_a_token_too(user, booking_type, monday):
    assert _slots(token_client(UserFactory()), monday).status_code == 200


def test_a_wrong_token_is_401_not_anonymous(booking_type, monday):
    client = Client(HTTP_AUTHORIZATION="Bearer mtg_wrong")
    response = _slots(client, monday)
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Authentication required"}


@pytest.mark.parametrize(
    ("handle", "slug"), [("nobody", "intro"), ("ada", "nothing"), ("ada", "secret")]
)
def test_an_unknown_handle_slug_or_hidden_type_is_404(client, user, booking_type, handle, slug):
    make_type(user, title="Secret", slug="secret", is_active=False)
    response = client.get(
        f"/api/bookings/{handle}/{slug}/slots",
        {"from": "2030-01-07", "to": "2030-01-07", "timezone": "UTC"},
    )
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "No booking type has this address."}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2030-13-01"}, "from"),
        ({"from": "tomorrow"}, "from"),
        ({"to": "2030-02-30"}, "to"),
        ({"from": "1500-01-01", "to": "1500-01-02"}, "from"),
        ({"from": "9999-01-01", "to": "9999-01-02"}, "from"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"duration": 45}, "duration"),
        ({"duration": "half an hour"}, "duration"),
    ],
)
def test_a_bad_parameter_is_400_with_its_field(client, booking_type, monday, params, field):
    response = _slots(client, monday, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert field in body["fields"]


@pytest.mark.parametrize("missing", ["from", "to", "timezone"])
def test_a_missing_parameter_is_400(client, booking_type, monday, missing):
    query = {"from": monday.isoformat(), "to": monday.isoformat(), "timezone": "UTC"}
    del query[missing]
    response = client.get(SLOTS, query)
    assert response.status_code == 400
    assert response.json()["fields"] == {missing: "This field is required."}


def test_a_nul_character_in_the_query_is_400(client, booking_type, monday):
    response = _slots(client, monday, timezone="Europe/Berlin\x00")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_unknown_query_parameters_are_ignored_as_elsewhere(client, booking_type, monday):
    assert _slots(client, monday, cachebust="123").status_code == 200


def test_from_after_to_is_400(client, booking_type, monday):
    response = _slots(client, monday, to=(monday - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "`from` is after `to`.",
        "fields": {"to": "Give a date on or after from."},
    }


def test_a_range_longer_than_62_days_is_400(client, booking_type, monday):
    assert _slots(client, monday, to=(monday + timedelta(days=61)).isoformat()).status_code == 200
    response = _slots(client, monday, to=(monday + timedelta(days=62)).isoformat())
    assert response.status_code == 400
    assert response.json()["error"] == "Ask for at most 62 days at a time."


def test_a_far_future_range_is_empty_beyond_the_window(client, booking_type):
    body = client.get(SLOTS, {"from": "2990-01-01", "to": "2990-01-31", "timezone": "UTC"}).json()
    assert body["slots"] == []


def _slot_queries(client, monday) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _slots(client, monday, to=(monday + timedelta(days=27)).isoformat())
    assert response.status_code == 200
    return len(queries)


def test_the_slots_take_the_same_queries_with_3_or_300_meetings(client, user, booking_type, monday):
    for number in range(3):
        MeetingFactory(host=user, starts_at=at(monday, 9) + timedelta(days=number))
    _slot_queries(client, monday)  # the limiter's first row of the address
    few = _slot_queries(client, monday)
    starts = [at(monday, 9) + timedelta(hours=number) for number in range(297)]
    Meeting.objects.bulk_create(
        MeetingFactory.build(host=user, starts_at=start, ends_at=start + timedelta(minutes=60))
        for start in starts
    )
    assert Meeting.objects.count() == 300
    assert _slot_queries(client, monday) == few
    # The type, the limiter's count, and the slot selectors' at most six.
    assert few <= 8


def test_slots_are_limited_per_address(client, booking_type, monday, settings):
    settings.API_REQUESTS_PER_ADDRESS = 2
    assert _slots(client, monday).status_code == 200
    assert _slots(client, monday).status_code == 200
    response = _slots(client, monday)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# Booking.


def test_a_guest_books_a_free_slot(client, booking_type, monday):
    response = _book(client, _answers(at(monday, 10)))
    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get()
    meeting = booking.meeting
    assert body["success"] is True and body["message"] == "Booking confirmed"
    out = body["booking"]
    assert out["id"] == meeting.meeting_id
    assert out["meeting_id"] == meeting.formatted_meeting_id
    assert out["host"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert datetime.fromisoformat(out["starts_at"]) == at(monday, 10)
    assert datetime.fromisoformat(out["ends_at"]) == at(monday, 10, 30)
    assert out["duration"] == 30 and out["timezone"] == "Europe/Berlin"
    assert out["status"] == "scheduled"
    token = out["join_url"].rstrip("/").split("/")[-1]
    assert find_invitation(meeting.meeting_id, token) == booking.invitation
    assert out["booking_url"].startswith("http") and out["booking_url"].endswith("/")
    assert out["reschedule_url"] == out["booking_url"] + "reschedule/"
    assert out["cancel_url"] == out["booking_url"] + "cancel/"


def test_the_booking_url_opens_the_guests_page(client, booking_type, monday, settings):
    out = _book(client, _answers(at(monday, 10))).json()["booking"]
    path = out["booking_url"].removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200


def test_a_booked_slot_is_no_longer_offered(client, booking_type, monday):
    _book(client, _answers(at(monday, 10)))
    starts = [slot["start"] for slot in _slots(client, monday).json()["slots"]]
    assert at(monday, 10).isoformat() not in starts


def test_a_slot_just_taken_is_409_with_the_pages_message(client, booking_type, monday):
    assert _book(client, _answers(at(monday, 10))).status_code == 201
    response = _book(client, _answers(at(monday, 10), email="kim@example.org"))
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": services.SlotTaken.MESSAGE,
        "fields": {"start": services.SlotTaken.MESSAGE},
    }
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (lambda monday: at(monday, 12), "not available then"),  # lunch
        (lambda monday: at(monday, 9, 10), "start times offered"),  # not on a step
        (lambda monday: at(monday - timedelta(days=14), 10), "passed"),
        (lambda monday: datetime(2990, 1, 7, 10, tzinfo=UTC), "days ahead"),
    ],
)
def test_a_slot_not_free_is_400_with_the_pages_reason(client, booking_type, monday, start, message):
    response = _book(client, _answers(start(monday)))
    assert response.status_code == 400
    body = response.json()
    assert message in body["error"]
    assert message in body["fields"]["start"]
    assert Booking.objects.count() == 0


def test_the_types_questions_are_asked(client, user, monday):
    BookingProfile.objects.create(user=user, handle="ada")
    make_schedule(user)
    make_type(user, subject_question="required", notes_question="off")
    response = _book(client, _answers(at(monday, 10)))
    assert response.status_code == 400
    assert response.json()["fields"] == {"subject": "This field is required."}
    response = _book(client, _answers(at(monday, 10), subject="Engines", notes="Hello"))
    assert response.status_code == 400
    assert response.json()["fields"] == {"notes": "This booking type does not ask for notes."}
    assert _book(client, _answers(at(monday, 10), subject="Engines")).status_code == 201
    assert Booking.objects.get().subject == "Engines"


def test_the_host_cannot_book_themself(user, booking_type, monday):
    response = _book(token_client(user), _answers(at(monday, 10), email="someone@example.org"))
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "email": "This is your own booking page: you cannot book yourself."
    }
    assert Booking.objects.count() == 0


def test_a_logged_in_guest_books_as_themself(booking_type, monday):
    guest = UserFactory(email="grace@example.org")
    assert _book(token_client(guest), _answers(at(monday, 10))).status_code == 201
    assert Booking.objects.get().invitation.user == guest


def test_a_logged_in_page_books_with_its_csrf_token_only(user, booking_type, monday):
    guest = UserFactory(email="grace@example.org")
    client = Client(enforce_csrf_checks=True)
    client.force_login(guest)
    response = _book(client, _answers(at(monday, 10)))
    assert response.status_code == 403
    assert response.json()["error"].startswith("CSRF check failed")
    assert Booking.objects.count() == 0


def test_booking_posts_are_limited_per_address(client, booking_type, monday, settings):
    settings.BOOKING_POSTS_PER_ADDRESS = 1
    assert _book(client, _answers(at(monday, 10))).status_code == 201
    response = _book(client, _answers(at(monday, 11), email="kim@example.org"))
    assert response.status_code == 429
    assert response.json()["error"].startswith("Too many requests")
    assert int(response["Retry-After"]) > 0
    assert Booking.objects.count() == 1


def test_an_unknown_type_is_404(client, booking_type, monday):
    response = client.post(
        "/api/bookings/ada/nothing", _answers(at(monday, 10)), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "No booking type has this address."


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2030-01-07T10:00:00"}, "start"),  # no offset
        ({"start": "next monday"}, "start"),
        ({"duration": 45}, "duration"),
        ({"duration": "thirty"}, "duration"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"email": "not an address"}, "email"),
        ({"name": ""}, "name"),
        ({"name": ["Grace"]}, "name"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_400_and_books_nothing(client, booking_type, monday, changes, field):
    response = _book(client, _answers(at(monday, 10)) | changes)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert field in body["fields"]
    assert Booking.objects.count() == 0


def test_a_nul_character_is_400_and_books_nothing(client, booking_type, monday):
    response = _book(client, _answers(at(monday, 10), name="Grace\x00"))
    assert response.status_code == 400
    assert Booking.objects.count() == 0


def test_a_missing_field_is_400(client, booking_type, monday):
    body = _answers(at(monday, 10))
    del body["email"]
    response = _book(client, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {"email": "This field is required."}
