from datetime import time

import pytest
from django.core.exceptions import ValidationError

from bookings import selectors, setup
from bookings.models import BookingProfile, Schedule
from tests.bookings.conftest import next_weekday
from tests.factories import UserFactory


@pytest.fixture
def monday():
    return next_weekday(0)


def test_a_handle_is_stored_lowercase(host):
    profile = setup.booking_profile_save(user=host, handle=" Ada-Lovelace ")

    assert profile.handle == "ada-lovelace"
    assert selectors.profile_for_handle(handle="ADA-LOVELACE") == profile


@pytest.mark.parametrize("handle", ["ad", "-ada", "ada-", "ada lovelace", "adä", "x" * 41])
def test_a_bad_handle_is_refused(host, handle):
    with pytest.raises(ValidationError):
        setup.booking_profile_save(user=host, handle=handle)
    assert not BookingProfile.objects.exists()


def test_a_taken_handle_is_refused_whatever_its_case(host):
    setup.booking_profile_save(user=UserFactory(), handle="ada")

    with pytest.raises(ValidationError) as error:
        setup.booking_profile_save(user=host, handle="ADA")

    assert error.value.message_dict == {"handle": ["This handle is taken; try another."]}


def test_the_first_schedule_is_the_default_in_the_hosts_zone(host):
    first = setup.schedule_create(host=host, name="Work")
    second = setup.schedule_create(host=host, name="Evenings", timezone_name="Asia/Kolkata")

    assert first.is_default and first.timezone == "Europe/Berlin"
    assert not second.is_default and second.timezone == "Asia/Kolkata"
    setup.schedule_make_default(schedule=second)
    assert list(Schedule.objects.filter(is_default=True)) == [second]
    with pytest.raises(ValidationError):
        setup.schedule_delete(schedule=second)
    setup.schedule_delete(schedule=first)


def test_weekly_hours_several_a_day(host):
    schedule = setup.schedule_create(host=host, name="Work")

    setup.schedule_set_weekly(
        schedule=schedule,
        intervals=[(0, time(13), time(17)), (0, time(9), time(12)), (6, time(22), time(0))],
    )

    assert [str(interval) for interval in schedule.weekly.all()] == [
        "Monday 09:00–12:00",
        "Monday 13:00–17:00",
        "Sunday 22:00–00:00",
    ]


@pytest.mark.parametrize(
    ("intervals", "code"),
    [
        ([(0, time(12), time(9))], "order"),
        ([(0, time(9), time(9))], "order"),
        ([(0, time(9), time(12)), (0, time(11), time(13))], "overlap"),
        ([(0, time(22), time(0)), (0, time(23), time(23, 30))], "overlap"),
    ],
)
def test_bad_weekly_hours_are_refused(host, intervals, code):
    schedule = setup.schedule_create(host=host, name="Work")
    setup.schedule_set_weekly(schedule=schedule, intervals=[(1, time(9), time(17))])

    with pytest.raises(ValidationError) as error:
        setup.schedule_set_weekly(schedule=schedule, intervals=intervals)

    assert error.value.code == code
    assert [str(interval) for interval in schedule.weekly.all()] == ["Tuesday 09:00–17:00"]


def test_an_override_is_a_day_off_or_other_hours(host, monday):
    schedule = setup.schedule_create(host=host, name="Work")

    setup.schedule_set_override(schedule=schedule, day=monday, intervals=[])
    assert [o.is_day_off for o in schedule.overrides.all()] == [True]

    setup.schedule_set_override(
        schedule=schedule, day=monday, intervals=[(time(9), time(10)), (time(14), time(15))]
    )
    assert [str(o) for o in schedule.overrides.all()] == [
        f"{monday} 09:00–10:00",
        f"{monday} 14:00–15:00",
    ]

    setup.schedule_clear_override(schedule=schedule, day=monday)
    assert not schedule.overrides.exists()


def test_a_booking_type_is_checked(host, schedule):
    booking_type = setup.booking_type_create(
        host=host, title="Mentoring", slug="mentoring", durations=[120, 30, 60, 90]
    )
    assert booking_type.durations == [30, 60, 90, 120]

    with pytest.raises(ValidationError) as error:
        setup.booking_type_create(host=host, title="Again", slug="mentoring", durations=[30])
    assert "You already have a booking type with this address." in str(error.value)
    with pytest.raises(ValidationError):
        setup.booking_type_create(host=host, title="Long", slug="long", durations=[500])
    with pytest.raises(ValidationError):
        setup.booking_type_create(
            host=host, title="Meet", slug="meet", durations=[30], location="google_meet"
        )
    with pytest.raises(ValidationError):
        setup.booking_type_create(
            host=host,
            title="Other",
            slug="other",
            durations=[30],
            schedule=Schedule.objects.create(host=UserFactory(), name="x", timezone="UTC"),
        )
    with pytest.raises(TypeError):
        setup.booking_type_create(host=host, title="X", slug="x", durations=[30], color_x=1)


def test_a_booking_type_is_updated(booking_type):
    setup.booking_type_update(booking_type=booking_type, durations=[45], is_active=False)

    booking_type.refresh_from_db()
    assert booking_type.durations == [45] and not booking_type.is_active
