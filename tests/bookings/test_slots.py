"""The pure slot computation: availability, rules and busy times in, free starts out."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.slots import (
    Availability,
    Refusal,
    Rules,
    first_instant_at_or_after,
    free_slots,
    merge,
    refusal,
)

MINUTE = timedelta(minutes=1)
# A Monday, long before every day the tests ask about.
LONG_AGO = datetime(2025, 1, 6, tzinfo=UTC)
FAR_AHEAD = datetime(2030, 1, 1, tzinfo=UTC)


def hours(*spans: str) -> list[tuple[time, time]]:
    """'09:00-12:00' → (time(9), time(12))."""
    result = []
    for span in spans:
        start, end = span.split("-")
        result.append((time.fromisoformat(start), time.fromisoformat(end)))
    return result


def every_day(*spans: str) -> dict[int, list]:
    return {weekday: hours(*spans) for weekday in range(7)}


def rules(duration=30, step=30, **overrides) -> Rules:
    values = {
        "duration": duration * MINUTE,
        "step": step * MINUTE,
        "earliest": LONG_AGO,
        "latest": FAR_AHEAD,
    } | overrides
    return Rules(**values)


def day_range(day: date, zone: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    return start, datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(zone))


def local(slots, zone: str) -> list[str]:
    """Slots as the host's clock shows them, with the offset: '02:30+01:00'."""
    return [slot.astimezone(ZoneInfo(zone)).strftime("%H:%M%z") for slot in slots]


def slots_on(day: date, zone: str, availability: Availability, slot_rules: Rules, **kwargs):
    start, end = day_range(day, zone)
    return free_slots(availability, slot_rules, start=start, end=end, **kwargs)


BERLIN = "Europe/Berlin"
WORKDAYS = {weekday: hours("09:00-12:00", "13:00-17:00") for weekday in range(5)}
MONDAY = date(2026, 6, 1)


def test_slots_follow_the_weekly_hours_with_several_intervals_a_day():
    availability = Availability(ZoneInfo(BERLIN), WORKDAYS)

    slots = slots_on(MONDAY, BERLIN, availability, rules(duration=60))

    assert [s.strftime("%H:%M") for s in (x.astimezone(ZoneInfo(BERLIN)) for x in slots)] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
    ]
    assert slots_on(date(2026, 6, 6), BERLIN, availability, rules()) == []  # a Saturday


def test_the_step_counts_from_each_intervals_start():
    availability = Availability(ZoneInfo(BERLIN), {0: hours("09:15-10:30")})

    slots = slots_on(MONDAY, BERLIN, availability, rules(duration=30, step=20))

    assert local(slots, BERLIN) == ["09:15+0200", "09:35+0200", "09:55+0200"]


def test_an_override_replaces_the_weekly_hours_of_its_date():
    availability = Availability(
        ZoneInfo(BERLIN),
        WORKDAYS,
        overrides={MONDAY: hours("18:00-19:00", "20:00-20:30"), date(2026, 6, 2): []},
    )

    assert local(slots_on(MONDAY, BERLIN, availability, rules()), BERLIN) == [
        "18:00+0200",
        "18:30+0200",
        "20:00+0200",
    ]
    assert slots_on(date(2026, 6, 2), BERLIN, availability, rules()) == []
    assert len(slots_on(date(2026, 6, 3), BERLIN, availability, rules())) == 14


def test_touching_intervals_hold_a_slot_across_them_even_across_midnight():
    availability = Availability(
        ZoneInfo(BERLIN),
        {0: hours("09:00-10:00", "10:00-10:30", "23:00-00:00"), 1: hours("00:00-01:00")},
    )
    slot_rules = rules(duration=90, step=60)

    monday = local(slots_on(MONDAY, BERLIN, availability, slot_rules), BERLIN)

    assert monday == ["09:00+0200", "23:00+0200"]


def test_buffers_keep_a_gap_around_busy_times():
    availability = Availability(ZoneInfo(BERLIN), WORKDAYS)
    meeting = (datetime(2026, 6, 1, 8, 0, tzinfo=UTC), datetime(2026, 6, 1, 9, 0, tzinfo=UTC))

    plain = local(slots_on(MONDAY, BERLIN, availability, rules(), busy=[meeting]), BERLIN)
    buffered = local(
        slots_on(
            MONDAY,
            BERLIN,
            availability,
            rules(buffer_before=15 * MINUTE, buffer_after=15 * MINUTE),
            busy=[meeting],
        ),
        BERLIN,
    )

    # The meeting holds 10:00-11:00 Berlin time.
    assert plain[:3] == ["09:00+0200", "09:30+0200", "11:00+0200"]
    # 09:30 would end at 10:00 and its buffer after runs into the meeting;
    # 11:00's buffer before starts at 10:45, inside it.
    assert buffered[:3] == ["09:00+0200", "11:30+0200", "13:00+0200"]


def test_any_overlap_with_busy_times_takes_the_slot():
    availability = Availability(ZoneInfo(BERLIN), {0: hours("09:00-12:00")})
    busy = [
        # A meeting, and a Google busy time that overlaps it and runs on.
        (datetime(2026, 6, 1, 7, 30, tzinfo=UTC), datetime(2026, 6, 1, 7, 45, tzinfo=UTC)),
        (datetime(2026, 6, 1, 7, 40, tzinfo=UTC), datetime(2026, 6, 1, 8, 1, tzinfo=UTC)),
    ]

    slots = local(slots_on(MONDAY, BERLIN, availability, rules(), busy=busy), BERLIN)

    assert slots == ["09:00+0200", "10:30+0200", "11:00+0200", "11:30+0200"]


def test_minimum_notice_and_the_window_bound_the_slots():
    availability = Availability(ZoneInfo(BERLIN), WORKDAYS)
    slot_rules = rules(
        earliest=datetime(2026, 6, 1, 9, 10, tzinfo=UTC),  # 11:10 in Berlin
        latest=datetime(2026, 6, 1, 12, 0, tzinfo=UTC),  # 14:00 in Berlin
    )

    slots = local(slots_on(MONDAY, BERLIN, availability, slot_rules), BERLIN)

    assert slots == ["11:30+0200", "13:00+0200", "13:30+0200", "14:00+0200"]


def test_the_daily_maximum_closes_a_full_day_of_the_hosts_zone():
    availability = Availability(ZoneInfo(BERLIN), WORKDAYS)
    slot_rules = rules(daily_maximum=2)

    full = slots_on(MONDAY, BERLIN, availability, slot_rules, booked_per_day={MONDAY: 2})
    one_left = slots_on(MONDAY, BERLIN, availability, slot_rules, booked_per_day={MONDAY: 1})

    assert full == []
    assert len(one_left) == 14


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # Clocks jump from 02:00 to 03:00: 02:00 and 02:30 never happen.
        (
            BERLIN,
            date(2026, 3, 29),
            ["00:00+0100", "00:30+0100", "01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"],
        ),
        # Clocks go back from 03:00 to 02:00: 02:00 and 02:30 are offered once, the first time.
        (
            BERLIN,
            date(2026, 10, 25),
            [
                "00:00+0200",
                "00:30+0200",
                "01:00+0200",
                "01:30+0200",
                "02:00+0200",
                "02:30+0200",
                "03:00+0100",
                "03:30+0100",
            ],
        ),
        (
            "America/New_York",
            date(2026, 3, 8),
            ["00:00-0500", "00:30-0500", "01:00-0500", "01:30-0500", "03:00-0400", "03:30-0400"],
        ),
        (
            "America/New_York",
            date(2026, 11, 1),
            [
                "00:00-0400",
                "00:30-0400",
                "01:00-0400",
                "01:30-0400",
                "02:00-0500",
                "02:30-0500",
                "03:00-0500",
                "03:30-0500",
            ],
        ),
    ],
)
def test_slots_on_the_days_clocks_change(zone, day, expected):
    availability = Availability(ZoneInfo(zone), every_day("00:00-04:00"))

    slots = slots_on(day, zone, availability, rules())

    assert local(slots, zone) == expected
    assert len(set(slots)) == len(slots)
    # Every slot lasts its 30 real minutes inside the 00:00-04:00 of the clock.
    end = first_instant_at_or_after(datetime.combine(day, time(4)), ZoneInfo(zone))
    assert all(slot + 30 * MINUTE <= end for slot in slots)


def test_a_morning_on_the_days_clocks_change_keeps_its_local_hours():
    for zone, day, offset in [
        (BERLIN, date(2026, 3, 29), "+0200"),
        (BERLIN, date(2026, 10, 25), "+0100"),
        ("America/New_York", date(2026, 3, 8), "-0400"),
        ("America/New_York", date(2026, 11, 1), "-0500"),
    ]:
        availability = Availability(ZoneInfo(zone), every_day("09:00-10:00"))

        assert local(slots_on(day, zone, availability, rules()), zone) == [
            f"09:00{offset}",
            f"09:30{offset}",
        ]


def test_a_slot_may_span_the_change_in_real_time():
    # 00:00-04:00 on the night clocks go back in Berlin lasts five real hours.
    availability = Availability(ZoneInfo(BERLIN), every_day("00:00-04:00"))

    slots = slots_on(date(2026, 10, 25), BERLIN, availability, rules(duration=240, step=60))

    assert local(slots, BERLIN) == ["00:00+0200", "01:00+0200"]


def test_lord_howe_shifts_by_half_an_hour():
    availability = Availability(ZoneInfo("Australia/Lord_Howe"), every_day("01:00-03:00"))
    slot_rules = rules(duration=15, step=15)

    forward = local(
        slots_on(date(2026, 10, 4), "Australia/Lord_Howe", availability, slot_rules),
        "Australia/Lord_Howe",
    )
    back = local(
        slots_on(date(2026, 4, 5), "Australia/Lord_Howe", availability, slot_rules),
        "Australia/Lord_Howe",
    )

    # 02:00 becomes 02:30: 02:00 and 02:15 never happen.
    assert forward == [
        "01:00+1030",
        "01:15+1030",
        "01:30+1030",
        "01:45+1030",
        "02:30+1100",
        "02:45+1100",
    ]
    # 02:00 becomes 01:30: 01:30 and 01:45 happen twice and are offered once.
    assert back == [
        "01:00+1100",
        "01:15+1100",
        "01:30+1100",
        "01:45+1100",
        "02:00+1030",
        "02:15+1030",
        "02:30+1030",
        "02:45+1030",
    ]


def test_kolkata_half_hour_offset():
    availability = Availability(ZoneInfo("Asia/Kolkata"), {0: hours("09:00-10:00")})

    slots = slots_on(MONDAY, "Asia/Kolkata", availability, rules())

    assert slots == [
        datetime(2026, 6, 1, 3, 30, tzinfo=UTC),
        datetime(2026, 6, 1, 4, 0, tzinfo=UTC),
    ]


def test_an_interval_starting_inside_the_skipped_hour_starts_when_the_clocks_jump():
    zone = ZoneInfo(BERLIN)

    assert first_instant_at_or_after(datetime(2026, 3, 29, 2, 30), zone) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    availability = Availability(zone, every_day("02:30-04:00"))
    assert local(slots_on(date(2026, 3, 29), BERLIN, availability, rules()), BERLIN) == [
        "03:00+0200",
        "03:30+0200",
    ]


def test_merge_joins_overlapping_and_touching_intervals():
    a, b, c, d = (datetime(2026, 6, 1, hour, tzinfo=UTC) for hour in (8, 9, 10, 11))

    assert merge([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert merge([(a, b), (c, d)]) == [(a, b), (c, d)]


class TestRefusal:
    availability = Availability(ZoneInfo(BERLIN), WORKDAYS)
    now = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    slot_rules = rules(
        earliest=now + timedelta(hours=4),
        latest=now + timedelta(days=30),
        buffer_after=10 * MINUTE,
        daily_maximum=3,
    )

    def refuse(self, start: datetime, **kwargs):
        return refusal(self.availability, self.slot_rules, start=start, now=self.now, **kwargs)

    def test_a_free_slot_is_not_refused(self):
        assert self.refuse(datetime(2026, 6, 1, 7, 0, tzinfo=UTC)) is None

    def test_each_reason(self):
        berlin = ZoneInfo(BERLIN)
        monday_at = lambda hour, minute=0: datetime(2026, 6, 1, hour, minute, tzinfo=berlin)  # noqa: E731
        assert self.refuse(self.now - MINUTE) == Refusal.PAST
        assert self.refuse(self.now + timedelta(hours=3)) == Refusal.NOTICE
        assert self.refuse(datetime(2026, 7, 1, 7, tzinfo=UTC)) == Refusal.WINDOW
        assert self.refuse(monday_at(12)) == Refusal.AVAILABILITY
        assert self.refuse(monday_at(11, 45)) == Refusal.AVAILABILITY  # would end at 12:15
        assert self.refuse(monday_at(9, 10)) == Refusal.STEP
        assert self.refuse(monday_at(9, 0).replace(second=1)) == Refusal.STEP
        assert self.refuse(monday_at(9), booked_per_day={MONDAY: 3}) == Refusal.DAILY_MAXIMUM
        busy = [(monday_at(9, 35), monday_at(10))]
        assert self.refuse(monday_at(9), busy=busy) == Refusal.TAKEN
        assert self.refuse(monday_at(10), busy=busy) is None

    def test_a_start_the_clock_skips_is_refused(self):
        availability = Availability(ZoneInfo(BERLIN), every_day("00:00-04:00"))
        # 02:00 CET, as a tampered request might name it: 01:00 UTC is 03:00 CEST, on the grid.
        start = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        now = datetime(2026, 3, 1, tzinfo=UTC)

        assert refusal(availability, rules(), start=start, now=now) is None
        assert refusal(availability, rules(), start=start - 30 * MINUTE, now=now) is None
        assert refusal(availability, rules(), start=start - 45 * MINUTE, now=now) == Refusal.STEP
