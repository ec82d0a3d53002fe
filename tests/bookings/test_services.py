from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from bookings import selectors, services, tokens
from bookings.models import Booking, BookingToken, BookingType
from contacts.models import Contact
from invitations.models import Invitation
from meetings.models import Meeting
from tests import google
from tests.bookings.conftest import connect_google, freebusy, make_type, next_weekday
from tests.factories import ContactFactory, MeetingFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday():
    return next_weekday(0)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), BERLIN)


def book(booking_type, starts_at, **overrides):
    values = {
        "booking_type": booking_type,
        "starts_at": starts_at,
        "duration": 30,
        "guest_name": "Grace Hopper",
        "guest_email": "grace@example.org",
        "guest_timezone": "America/New_York",
        "subject": "Compilers",
        "notes": "Let's talk about COBOL.",
    } | overrides
    return services.booking_create(**values)


def nothing_written():
    return (
        Booking.objects.count(),
        Meeting.objects.count(),
        Invitation.objects.count(),
        Contact.objects.count(),
        BookingToken.objects.count(),
    ) == (0, 0, 0, 0, 0)


class TestBookingCreate:
    def test_a_booking_makes_the_meeting_and_invites_the_guest(
        self, booking_type, monday, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            new = book(booking_type, at(monday, 10), duration=60)

        booking = new.booking
        meeting = booking.meeting
        assert meeting.host == booking_type.host
        assert meeting.starts_at == at(monday, 10) and meeting.duration == 60
        assert meeting.timezone == "Europe/Berlin"
        assert meeting.provider == Meeting.Provider.JITSI
        assert meeting.title == "Intro call between Ada Lovelace and Grace Hopper"
        assert "Subject: Compilers" in meeting.description
        assert "Let's talk about COBOL." in meeting.description
        assert len(str(meeting.meeting_id)) == 9 and meeting.passcode and meeting.access_token
        invitation = booking.invitation
        assert invitation.meeting == meeting and invitation.email == "grace@example.org"
        assert invitation.contact.owner == booking_type.host and invitation.user is None
        assert invitation.name == "Grace Hopper"
        assert (booking.starts_at, booking.ends_at) == (at(monday, 10), at(monday, 11))
        assert (booking.blocked_start, booking.blocked_end) == (at(monday, 10), at(monday, 11))
        assert booking.status == Booking.Status.CONFIRMED
        assert booking.guest_timezone == "America/New_York"
        assert booking.subject == "Compilers"
        assert tokens.booking_for_token(token=new.token) == booking
        assert booking.tokens.get().digest == tokens.digest(new.token) != new.token
        # The invitation email goes out through the queue, like every invitation.
        assert callbacks

    def test_the_blocked_range_carries_the_buffers(self, host, schedule, monday):
        booking_type = make_type(host, buffer_before=10, buffer_after=15)

        booking = book(booking_type, at(monday, 10)).booking

        assert booking.blocked_start == at(monday, 9, 50)
        assert booking.blocked_end == at(monday, 10, 45)

    def test_the_guests_existing_contact_is_used(self, booking_type, monday):
        contact = ContactFactory(owner=booking_type.host, email="Grace@Example.org")

        booking = book(booking_type, at(monday, 10)).booking

        assert booking.invitation.contact == contact
        assert Contact.objects.count() == 1

    def test_a_logged_in_guest_is_invited_as_themselves(self, booking_type, monday):
        grace = UserFactory(email="grace@example.org")

        booking = book(booking_type, at(monday, 10), guest_user=grace).booking

        assert booking.invitation.user == grace and booking.invitation.contact is None

    def test_an_address_with_an_account_is_a_contact_unless_its_owner_is_logged_in(
        self, booking_type, monday
    ):
        UserFactory(email="grace@example.org")
        someone_else = UserFactory()

        anonymous = book(booking_type, at(monday, 10)).booking
        other = book(booking_type, at(monday, 11), guest_user=someone_else).booking

        assert anonymous.invitation.user is None and anonymous.invitation.contact
        assert other.invitation.user is None and other.invitation.contact

    def test_an_external_location_puts_its_link_on_the_meeting(self, host, schedule, monday):
        booking_type = make_type(
            host, location="external", external_url="https://zoom.us/j/123456789"
        )

        meeting = book(booking_type, at(monday, 10)).booking.meeting

        assert meeting.provider == Meeting.Provider.EXTERNAL
        assert meeting.external_url == "https://zoom.us/j/123456789"

    def test_a_google_meet_location_sets_up_a_meet(self, host, schedule, monday, google_server):
        connect_google(host)
        booking_type = make_type(host, location="google_meet")
        google_server.answer(freebusy(), google.event())

        meeting = book(booking_type, at(monday, 10)).booking.meeting

        assert meeting.provider == Meeting.Provider.GOOGLE_MEET
        assert meeting.external_url == google.MEET_URL
        assert google_server.request(1).url == google.EVENTS_URL

    def test_when_google_cannot_set_up_the_meet_nothing_is_booked(
        self, host, schedule, monday, google_server
    ):
        connect_google(host)
        booking_type = make_type(host, location="google_meet")
        google_server.answer(freebusy(), google.api_error(500, "backendError", "Backend Error"))

        with pytest.raises(ValidationError, match="cannot be set up right now"):
            book(booking_type, at(monday, 10))

        assert nothing_written()

    def test_a_slot_overlapping_a_meeting_of_the_host_is_taken(self, booking_type, monday):
        MeetingFactory(host=booking_type.host, starts_at=at(monday, 10, 15), duration=15)

        with pytest.raises(services.SlotTaken) as error:
            book(booking_type, at(monday, 10))

        assert error.value.message_dict == {
            "starts_at": ["That time was just taken — please pick another."]
        }
        assert Booking.objects.count() == 0 and Meeting.objects.count() == 1

    def test_a_slot_inside_another_bookings_buffer_is_taken(self, host, schedule, monday):
        booking_type = make_type(host, buffer_after=15)
        book(booking_type, at(monday, 10))

        with pytest.raises(services.SlotTaken):
            book(booking_type, at(monday, 10, 30), guest_email="alan@example.org")
        assert book(booking_type, at(monday, 11), guest_email="alan@example.org")

    def test_the_daily_maximum_takes_the_days_other_slots(self, host, schedule, monday):
        booking_type = make_type(host, daily_maximum=1)
        book(booking_type, at(monday, 10))

        with pytest.raises(services.SlotTaken):
            book(booking_type, at(monday, 14), guest_email="alan@example.org")
        book(booking_type, at(monday + timedelta(days=1), 14), guest_email="alan@example.org")

    def test_google_is_asked_afresh_and_a_slot_it_now_shows_busy_is_refused(
        self, booking_type, monday, google_server
    ):
        connect_google(booking_type.host)
        google_server.answer(freebusy(), freebusy((at(monday, 10), at(monday, 10, 30))))
        page = selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="Europe/Berlin", day=monday
        )
        assert at(monday, 10) in page.slots

        with pytest.raises(services.SlotTaken):
            book(booking_type, at(monday, 10))

        assert len(google_server.requests) == 2
        assert nothing_written()

    def test_when_google_is_unavailable_the_site_books_what_it_knows(
        self, booking_type, monday, google_server
    ):
        connect_google(booking_type.host)
        google_server.answer(google.api_error(503, "backendError", "Backend Error"))

        assert book(booking_type, at(monday, 10)).booking

    def test_a_booking_drops_the_hosts_cached_google_answers(
        self, booking_type, monday, google_server, django_capture_on_commit_callbacks
    ):
        connect_google(booking_type.host)
        busy = (at(monday, 15), at(monday, 16))
        google_server.answer(freebusy(), freebusy(), freebusy(busy))
        selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="Europe/Berlin", day=monday
        )

        with django_capture_on_commit_callbacks(execute=True):
            book(booking_type, at(monday, 10))
        page = selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="Europe/Berlin", day=monday
        )

        assert at(monday, 15) not in page.slots
        assert len(google_server.requests) == 3


class TestBadInput:
    @pytest.fixture(autouse=True)
    def _booking_type(self, booking_type):
        self.booking_type = booking_type

    def refused(self, **overrides) -> ValidationError:
        values = {"starts_at": at(next_weekday(0), 10)} | overrides
        with pytest.raises(ValidationError) as error:
            book(self.booking_type, **values)
        assert nothing_written()
        return error.value

    def messages(self, error: ValidationError) -> list[str]:
        return [message for messages in error.message_dict.values() for message in messages]

    def test_outside_availability(self, monday):
        error = self.refused(starts_at=at(monday, 12))
        assert self.messages(error) == [
            "Ada Lovelace is not available then. Pick one of the times offered."
        ]
        assert self.refused(starts_at=at(next_weekday(5), 10))  # a Saturday

    def test_in_the_past(self):
        past = (timezone.now() - timedelta(days=7)).replace(second=0, microsecond=0)
        assert self.messages(self.refused(starts_at=past)) == [
            "That time has passed. Pick another."
        ]

    def test_inside_the_minimum_notice(self, monday):
        self.booking_type.minimum_notice = 240
        self.booking_type.save()
        now = at(monday, 8)
        assert self.messages(self.refused(starts_at=at(monday, 10), now=now)) == [
            "Book at least 4 hours ahead. Pick a later time."
        ]

    def test_beyond_the_window(self, monday):
        self.booking_type.booking_window = 14
        self.booking_type.save()
        far = at(monday + timedelta(days=21), 10)
        assert self.messages(self.refused(starts_at=far)) == [
            "Bookings open at most 14 days ahead. Pick an earlier date."
        ]

    def test_off_the_step(self, monday):
        assert self.messages(self.refused(starts_at=at(monday, 10, 10))) == [
            "Pick one of the start times offered."
        ]
        assert self.refused(starts_at=at(monday, 10).replace(second=30))

    def test_a_tampered_date(self):
        assert self.refused(starts_at=datetime(2026, 3, 2, 10, 0))  # naive
        assert self.refused(starts_at="2026-03-02T10:00")

    def test_a_duration_not_offered(self):
        assert self.messages(self.refused(duration=45)) == ["Pick one of the durations offered."]

    def test_a_hidden_type(self):
        self.booking_type.is_active = False
        self.booking_type.save()
        assert self.refused().messages == ["This booking type is not open for booking."]

    @pytest.mark.parametrize(
        "email",
        ["grace", "grace@", "grace@example.org\r\nBcc: all@example.org", "a" * 250 + "@x.org"],
    )
    def test_an_invalid_email(self, email):
        assert self.refused(guest_email=email).message_dict == {
            "guest_email": ["Enter a valid email address."]
        }

    @pytest.mark.parametrize(
        "name", ["Grace\r\nBcc: all@example.org", "Grace\nHopper", "Grace\x00", "Grace\u2028Hopper"]
    )
    def test_header_injection_in_the_name(self, name):
        assert self.refused(guest_name=name).message_dict == {
            "guest_name": ["Write your name on one line."]
        }

    def test_a_missing_name(self):
        assert self.refused(guest_name="  ").message_dict == {"guest_name": ["Enter your name."]}

    def test_a_required_answer_missing(self):
        self.booking_type.subject_question = BookingType.Question.REQUIRED
        self.booking_type.save()
        assert self.refused(subject="").message_dict == {"subject": ["Enter a subject."]}

    def test_the_host_booking_themself(self):
        host = self.booking_type.host
        assert "guest_email" in self.refused(guest_email="ADA@example.com").message_dict
        assert "guest_email" in self.refused(guest_user=host).message_dict

    def test_an_unknown_time_zone(self):
        assert "guest_timezone" in self.refused(guest_timezone="Mars/Olympus").message_dict


def test_an_unasked_question_is_not_kept(host, schedule, monday):
    booking_type = make_type(host, subject_question="off", notes_question="off")

    booking = book(booking_type, at(monday, 10)).booking

    assert (booking.subject, booking.notes, booking.meeting.description) == ("", "", "")


def test_old_zone_names_are_kept_as_current_ones(booking_type, monday):
    booking = book(booking_type, at(monday, 10), guest_timezone="Asia/Calcutta").booking

    assert booking.guest_timezone == "Asia/Kolkata"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's exclusion constraint")
def test_the_exclusion_constraint_refusing_a_booking_is_a_taken_slot(
    booking_type, monday, monkeypatch
):
    book(booking_type, at(monday, 10), duration=60)
    # As if the check had let an overlapping booking through.
    monkeypatch.setattr(services, "_check_slot", lambda *args, **kwargs: "Europe/Berlin")

    with pytest.raises(services.SlotTaken):
        book(booking_type, at(monday, 10, 30), guest_email="alan@example.org")

    assert Booking.objects.count() == 1 and Meeting.objects.count() == 1


class TestReschedule:
    @pytest.fixture
    def booking(self, booking_type, monday):
        booking = book(booking_type, at(monday, 10), duration=60).booking
        Invitation.objects.filter(pk=booking.invitation_id).update(
            delivery_state=Invitation.Delivery.SENT,
            sent_at=timezone.now(),
            rsvp=Invitation.Rsvp.ACCEPTED,
        )
        return booking

    def test_the_same_meeting_moves(self, booking, monday):
        meeting = booking.meeting

        moved = services.booking_reschedule(
            booking=booking, starts_at=at(monday, 14), by=Booking.Party.GUEST
        )

        moved.meeting.refresh_from_db()
        assert moved.pk == booking.pk and moved.meeting.pk == meeting.pk
        assert (moved.meeting.meeting_id, moved.meeting.passcode) == (
            meeting.meeting_id,
            meeting.passcode,
        )
        assert moved.meeting.uid == meeting.uid
        assert moved.meeting.invitation_token == meeting.invitation_token
        assert moved.meeting.sequence == meeting.sequence + 1
        assert moved.meeting.starts_at == at(monday, 14) and moved.meeting.duration == 60
        assert (moved.starts_at, moved.ends_at) == (at(monday, 14), at(monday, 15))
        invitation = Invitation.objects.get(pk=booking.invitation_id)
        assert invitation.rsvp == Invitation.Rsvp.NEEDS_ACTION
        assert invitation.delivery_state == Invitation.Delivery.QUEUED
        assert invitation.message == Invitation.Message.REQUEST

    def test_the_bookings_own_time_does_not_block_the_move(self, booking, monday):
        moved = services.booking_reschedule(
            booking=booking, starts_at=at(monday, 10, 30), by=Booking.Party.GUEST
        )

        assert moved.starts_at == at(monday, 10, 30)

    def test_another_duration_offered(self, booking, monday):
        moved = services.booking_reschedule(
            booking=booking, starts_at=at(monday, 9), duration=30, by=Booking.Party.HOST
        )

        assert moved.ends_at == at(monday, 9, 30) and moved.meeting.duration == 30

    def test_a_taken_slot_is_refused_and_nothing_moves(self, booking, booking_type, monday):
        book(booking_type, at(monday, 14), guest_email="alan@example.org")

        with pytest.raises(services.SlotTaken):
            services.booking_reschedule(
                booking=booking, starts_at=at(monday, 14), by=Booking.Party.GUEST
            )

        booking.refresh_from_db()
        booking.meeting.refresh_from_db()
        assert booking.starts_at == booking.meeting.starts_at == at(monday, 10)

    def test_the_guest_is_too_late_once_the_meeting_started(self, booking, monday):
        with pytest.raises(ValidationError) as error:
            services.booking_reschedule(
                booking=booking,
                starts_at=at(monday, 14),
                by=Booking.Party.GUEST,
                now=at(monday, 10, 5),
            )

        assert error.value.code == "too_late"
        assert "Contact Ada Lovelace <ada@example.com>" in error.value.message

    def test_a_cancelled_booking_cannot_move(self, booking, monday):
        services.booking_cancel(booking=booking, by=Booking.Party.GUEST)

        with pytest.raises(ValidationError) as error:
            services.booking_reschedule(
                booking=booking, starts_at=at(monday, 14), by=Booking.Party.GUEST
            )

        assert error.value.code == "used"


class TestCancel:
    @pytest.fixture
    def booking(self, booking_type, monday):
        booking = book(booking_type, at(monday, 10)).booking
        Invitation.objects.filter(pk=booking.invitation_id).update(
            delivery_state=Invitation.Delivery.SENT, sent_at=timezone.now()
        )
        return booking

    def test_the_guest_cancels_with_a_reason_and_the_slot_is_free_at_once(
        self, booking, booking_type, monday
    ):
        cancelled = services.booking_cancel(
            booking=booking, by=Booking.Party.GUEST, reason="  Something came up.  "
        )

        assert cancelled.status == Booking.Status.CANCELLED
        assert cancelled.cancelled_by == Booking.Party.GUEST
        assert cancelled.cancel_reason == "Something came up."
        meeting = Meeting.objects.get(pk=booking.meeting_id)
        assert meeting.status == Meeting.Status.CANCELLED
        invitation = Invitation.objects.get(pk=booking.invitation_id)
        assert invitation.message == Invitation.Message.CANCEL
        assert invitation.delivery_state == Invitation.Delivery.QUEUED
        page = selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="Europe/Berlin", day=monday
        )
        assert at(monday, 10) in page.slots
        assert book(booking_type, at(monday, 10), guest_email="alan@example.org")

    def test_the_host_cancels_even_once_started(self, booking, monday):
        cancelled = services.booking_cancel(
            booking=booking, by=Booking.Party.HOST, now=at(monday, 10, 5)
        )

        assert cancelled.cancelled_by == Booking.Party.HOST

    def test_a_token_is_used_up_by_cancelling(self, booking):
        services.booking_cancel(booking=booking, by=Booking.Party.GUEST)

        with pytest.raises(ValidationError) as error:
            services.booking_cancel(booking=booking, by=Booking.Party.GUEST)

        assert error.value.code == "used"
        assert error.value.message == "This booking was already cancelled."

    def test_the_guest_is_too_late_once_the_meeting_started(self, booking, monday):
        with pytest.raises(ValidationError) as error:
            services.booking_cancel(booking=booking, by=Booking.Party.GUEST, now=at(monday, 10))

        assert error.value.code == "too_late"
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED

    def test_a_reason_too_long(self, booking):
        with pytest.raises(ValidationError):
            services.booking_cancel(booking=booking, by=Booking.Party.GUEST, reason="x" * 1001)


def test_times_are_kept_in_utc(booking_type, monday):
    booking = book(booking_type, at(monday, 10)).booking

    assert booking.starts_at.tzinfo == UTC
