from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from bookings import selectors
from bookings.google_busy import GoogleBusy
from bookings.models import Booking, BookingProfile, DateOverride
from invitations.models import Invitation
from meetings.models import Meeting
from tests import google as google_api
from tests.bookings.conftest import connect_google, freebusy, make_schedule, make_type
from tests.factories import MeetingFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday in March 2026, seen from the Sunday before.
MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0, zone=BERLIN) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


def booking_row(booking_type, start: datetime, minutes=30, *, before=0, after=0, **fields):
    """A booking as the service leaves it, written directly."""
    end = start + timedelta(minutes=minutes)
    values = {
        "booking_type": booking_type,
        "host": booking_type.host,
        "meeting": MeetingFactory(host=booking_type.host, starts_at=start, duration=minutes),
        "guest_name": "Grace Hopper",
        "guest_email": "grace@example.org",
        "guest_timezone": "Europe/Berlin",
        "starts_at": start,
        "ends_at": end,
        "blocked_start": start - timedelta(minutes=before),
        "blocked_end": end + timedelta(minutes=after),
    } | fields
    return Booking.objects.create(**values)


def berlin_times(intervals) -> list[tuple[str, str]]:
    return [
        (start.astimezone(BERLIN).strftime("%H:%M"), end.astimezone(BERLIN).strftime("%H:%M"))
        for start, end in intervals
    ]


class TestBusyIntervals:
    def busy(self, host, **kwargs):
        return selectors.busy_intervals(
            host=host, start=at(MONDAY, 0), end=at(MONDAY + timedelta(days=1), 0), **kwargs
        )

    def test_meetings_the_host_hosts_unless_cancelled(self, host):
        MeetingFactory(host=host, starts_at=at(MONDAY, 9), duration=60)
        MeetingFactory(host=host, starts_at=at(MONDAY, 9, 30), duration=60)  # overlapping: allowed
        MeetingFactory(host=host, starts_at=at(MONDAY, 14), status=Meeting.Status.CANCELLED)
        MeetingFactory(host=host, starts_at=at(MONDAY, 16), status=Meeting.Status.ACTIVE)
        MeetingFactory(starts_at=at(MONDAY, 18))  # someone else's

        assert berlin_times(self.busy(host).intervals) == [("09:00", "10:30"), ("16:00", "17:00")]

    def test_meetings_the_host_cohosts_unless_declined_revoked_or_cancelled(self, host):
        def invited(hour, **fields):
            meeting = MeetingFactory(starts_at=at(MONDAY, hour), duration=30)
            return Invitation.objects.create(
                meeting=meeting,
                user=host,
                email=host.email,
                **({"role": Invitation.Role.MODERATOR} | fields),
            )

        invited(9)
        invited(10, role=Invitation.Role.ATTENDEE)
        invited(11, rsvp=Invitation.Rsvp.DECLINED)
        invited(12, revoked_at=timezone.now())
        Meeting.objects.filter(pk=invited(13).meeting_id).update(status=Meeting.Status.CANCELLED)

        assert berlin_times(self.busy(host).intervals) == [("09:00", "09:30")]

    def test_bookings_block_their_buffers_until_cancelled(self, host, booking_type):
        booking_row(booking_type, at(MONDAY, 9), before=15, after=10)
        cancelled = booking_row(booking_type, at(MONDAY, 14), after=10)
        Booking.objects.filter(pk=cancelled.pk).update(
            status=Booking.Status.CANCELLED, cancelled_at=timezone.now()
        )
        Meeting.objects.filter(pk=cancelled.meeting_id).update(status=Meeting.Status.CANCELLED)

        assert berlin_times(self.busy(host).intervals) == [("08:45", "09:40")]

    def test_a_booking_being_moved_leaves_its_own_time_out(self, host, booking_type):
        moving = booking_row(booking_type, at(MONDAY, 9), after=10)
        booking_row(booking_type, at(MONDAY, 11))

        busy = self.busy(host, exclude_booking=moving)

        assert berlin_times(busy.intervals) == [("11:00", "11:30")]

    def test_only_what_overlaps_the_range(self, host):
        MeetingFactory(host=host, starts_at=at(MONDAY, 23, 30), duration=60)
        MeetingFactory(host=host, starts_at=at(MONDAY, 0) - timedelta(hours=1), duration=30)
        MeetingFactory(host=host, starts_at=at(MONDAY, 0) - timedelta(minutes=30), duration=60)

        assert berlin_times(self.busy(host).intervals) == [("23:30", "00:30"), ("23:30", "00:30")]

    def test_google_busy_times_join_in(self, host):
        google = GoogleBusy(intervals=((at(MONDAY, 9), at(MONDAY, 10)),))
        MeetingFactory(host=host, starts_at=at(MONDAY, 9, 30), duration=60)

        busy = self.busy(host, google=google)

        assert berlin_times(busy.intervals) == [("09:00", "10:30")]
        assert not busy.google_unavailable
        assert self.busy(host, google=GoogleBusy(unavailable=True)).google_unavailable

    def test_asks_google_when_connected(self, host, google_server):
        connect_google(host)
        google_server.answer(freebusy((at(MONDAY, 15), at(MONDAY, 16))))

        busy = self.busy(host)

        assert berlin_times(busy.intervals) == [("15:00", "16:00")]
        assert google_server.request(0).url == "https://www.googleapis.com/calendar/v3/freeBusy"

    def test_two_queries_however_busy(self, host, booking_type, django_assert_num_queries):
        for hour in range(8, 18):
            MeetingFactory(host=host, starts_at=at(MONDAY, hour), duration=30)
            booking_row(booking_type, at(MONDAY, hour, 30), minutes=15)
        with django_assert_num_queries(2):  # the rows, and the host's Google account
            busy = self.busy(host)
        assert berlin_times(busy.intervals) == [(f"{h:02}:00", f"{h:02}:45") for h in range(8, 18)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads the plan of PostgreSQL")
def test_busy_rows_read_only_the_hosts_rows_in_range(host, booking_type):
    other = UserFactory()
    other_type = make_type(other)
    for day in range(-60, 60):
        start = at(MONDAY + timedelta(days=day), 10)
        MeetingFactory(host=other, starts_at=start)
        MeetingFactory(host=host, starts_at=start + timedelta(hours=2))
        booking_row(other_type, start + timedelta(hours=4))
        booking_row(booking_type, start + timedelta(hours=6))
    rows = selectors.busy_rows(host=host, start=at(MONDAY, 0), end=at(MONDAY, 23))
    with connection.cursor() as cursor:
        # The planner's statistics, and no sequential scan: as on large tables.
        cursor.execute("ANALYZE meetings_meeting, bookings_booking")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]

    assert len(list(rows)) == 3  # a meeting, and a booking with its meeting
    # A day or so of the host's rows is read; neither the other host's nor the other days.
    assert _rows_read_from(plan, "meetings_meeting") <= 4
    assert _rows_read_from(plan, "bookings_booking") <= 4


def _rows_read_from(plan: dict, table: str) -> int:
    read = 0
    if plan.get("Relation Name") == table:
        read += plan["Actual Rows"] * plan["Actual Loops"]
        read += plan.get("Rows Removed by Filter", 0) * plan["Actual Loops"]
    return read + sum(_rows_read_from(child, table) for child in plan.get("Plans", []))


class TestSlots:
    def test_the_days_free_slots_in_the_guests_zone(self, booking_type):
        MeetingFactory(host=booking_type.host, starts_at=at(MONDAY, 9), duration=60)
        DateOverride.objects.create(
            schedule=booking_type.host.booking_schedules.get(),
            date=MONDAY,
            start=time(9),
            end=time(11),
        )

        day = selectors.day_slots(
            booking_type=booking_type,
            duration=30,
            guest_timezone="Europe/London",
            day=MONDAY,
            now=NOW,
        )

        assert [slot.strftime("%H:%M%z") for slot in day.slots] == ["09:00+0000", "09:30+0000"]
        assert not day.google_unavailable

    def test_a_guest_whose_date_differs_from_the_hosts(self, host):
        make_schedule(host, zone="Asia/Kolkata", weekly={0: [(time(9), time(10))]})
        booking_type = make_type(host)

        def sunday(day):
            slots = selectors.day_slots(
                booking_type=booking_type,
                duration=30,
                guest_timezone="America/Los_Angeles",
                day=day,
                now=NOW,
            ).slots
            return [slot.strftime("%a %H:%M%z") for slot in slots]

        month = selectors.month_slots(
            booking_type=booking_type,
            duration=30,
            guest_timezone="America/Los_Angeles",
            year=2026,
            month=3,
            now=NOW,
        )

        # Monday 09:00 in Kolkata is Sunday evening in Los Angeles.
        assert month.days == {date(2026, 3, day): 2 for day in (1, 8, 15, 22, 29)}
        assert sunday(date(2026, 3, 1)) == ["Sun 19:30-0800", "Sun 20:00-0800"]
        # Los Angeles moved its clocks that Sunday morning; Kolkata did not.
        assert sunday(date(2026, 3, 8)) == ["Sun 20:30-0700", "Sun 21:00-0700"]
        assert sunday(date(2026, 3, 9)) == []

    def test_the_daily_maximum_counts_the_types_bookings_per_host_day(self, host, schedule):
        booking_type = make_type(host, daily_maximum=1)
        other_type = make_type(host, slug="other")
        booking_row(booking_type, at(MONDAY, 16))
        booking_row(other_type, at(MONDAY + timedelta(days=1), 9))

        month = selectors.month_slots(
            booking_type=booking_type,
            duration=30,
            guest_timezone="UTC",
            year=2026,
            month=3,
            now=NOW,
        )

        assert MONDAY not in month.days
        assert month.days[MONDAY + timedelta(days=1)] == 13

    def test_a_duration_not_offered_is_refused(self, booking_type):
        with pytest.raises(ValidationError):
            selectors.day_slots(
                booking_type=booking_type,
                duration=45,
                guest_timezone="UTC",
                day=MONDAY,
                now=NOW,
            )

    def test_without_a_schedule_nothing_is_free(self, host):
        booking_type = make_type(host)

        month = selectors.month_slots(
            booking_type=booking_type,
            duration=30,
            guest_timezone="UTC",
            year=2026,
            month=3,
            now=NOW,
        )

        assert month.days == {}

    def test_google_unavailable_is_reported_and_the_site_offers_what_it_knows(
        self, booking_type, google_server
    ):
        connect_google(booking_type.host)
        google_server.answer(google_api.api_error(503, "backendError", "Backend Error"))

        day = selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="UTC", day=MONDAY, now=NOW
        )

        assert day.google_unavailable
        assert len(day.slots) == 14
        assert len(google_server.requests) == 1

    def test_without_the_free_busy_scope_google_is_not_asked_nor_unavailable(
        self, booking_type, google_server
    ):
        connect_google(booking_type.host, scopes=google_api.GRANTED_SCOPES)

        day = selectors.day_slots(
            booking_type=booking_type, duration=30, guest_timezone="UTC", day=MONDAY, now=NOW
        )

        assert not day.google_unavailable
        assert len(day.slots) == 14
        assert google_server.requests == []

    def test_google_busy_times_take_slots(self, booking_type, google_server):
        connect_google(booking_type.host)
        google_server.answer(freebusy((at(MONDAY, 9), at(MONDAY, 11))))

        day = selectors.day_slots(
            booking_type=booking_type,
            duration=30,
            guest_timezone="Europe/Berlin",
            day=MONDAY,
            now=NOW,
        )

        assert day.slots[0] == at(MONDAY, 11)
        assert len(day.slots) == 10

    @pytest.mark.parametrize("meetings", [3, 300])
    def test_a_months_slots_take_the_same_queries_however_many_meetings(
        self, booking_type, meetings, django_assert_num_queries
    ):
        booking_type.daily_maximum = 5
        booking_type.save()
        host = booking_type.host
        Meeting.objects.bulk_create(
            MeetingFactory.build(
                host=host,
                starts_at=at(date(2026, 3, 2 + n % 27), 8) + timedelta(minutes=n // 27 * 45),
                ends_at=at(date(2026, 3, 2 + n % 27), 8) + timedelta(minutes=n // 27 * 45 + 30),
                duration=30,
            )
            for n in range(meetings)
        )
        # The type's schedule, its weekly hours, its overrides, the busy rows,
        # the Google account, the type's bookings per day.
        with django_assert_num_queries(6):
            month = selectors.month_slots(
                booking_type=booking_type,
                duration=30,
                guest_timezone="UTC",
                year=2026,
                month=3,
                now=NOW,
            )
        assert month.days


class TestHandles:
    def test_a_handle_is_suggested_from_the_name(self, host):
        assert selectors.suggested_handle(user=host) == "ada-lovelace"

    def test_a_taken_handle_gets_a_number(self, host):
        BookingProfile.objects.create(user=UserFactory(), handle="ada-lovelace")
        BookingProfile.objects.create(user=UserFactory(), handle="ada-lovelace-2")

        assert selectors.suggested_handle(user=host) == "ada-lovelace-3"

    @pytest.mark.parametrize(
        ("first", "last", "email", "expected"),
        [
            ("Zoë", "Ångström", "z@example.com", "zoe-angstrom"),
            ("", "", "grace_hopper@example.com", "grace-hopper"),
            ("李", "", "li@example.com", "li-meet"),
            ("", "", "x@example.com", "x-meet"),
            ("Anne-Marie", "O'Neil" + "x" * 50, "a@example.com", None),
        ],
    )
    def test_a_suggestion_is_always_a_valid_handle(self, db, first, last, email, expected):
        user = UserFactory(first_name=first, last_name=last, email=email)

        handle = selectors.suggested_handle(user=user)

        BookingProfile.objects.create(user=user, handle=handle)  # passes the constraint
        if expected:
            assert handle == expected

    def test_a_handle_is_found_whatever_its_case(self, host):
        BookingProfile.objects.create(user=host, handle="ada")

        assert selectors.profile_for_handle(handle="ADA").user == host
        assert selectors.profile_for_handle(handle="bob") is None

    def test_a_hidden_type_is_not_bookable(self, host, booking_type):
        BookingProfile.objects.create(user=host, handle="ada")
        assert selectors.bookable_type(handle="Ada", slug="intro") == booking_type

        booking_type.is_active = False
        booking_type.save()

        assert selectors.bookable_type(handle="ada", slug="intro") is None
        assert list(selectors.bookable_types(host=host)) == []
