"""Free slots, computed without the database: availability, rules and busy times in, starts out.

Availability is wall-clock time in the schedule's zone. Each interval offers
starts from its own start, every `step`, in wall-clock time, so a day's grid
does not depend on which range is asked for. A wall-clock start that does not
exist (the hour skipped when clocks go forward) is never offered; one that
happens twice (when clocks go back) is offered once, at its first occurrence.
A slot must fit, start to end in real time, inside availability; intervals
that touch (12:00-13:00 after 09:00-12:00, or Monday until 24:00 and Tuesday
from 00:00) count as one.

An interval runs from the first moment the clock shows its start to the
first moment it shows its end: on the night clocks go back, 01:00-02:30
ends at the first 02:30.
"""

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
WallInterval = tuple[time, time]

END_OF_DAY = time(0, 0)


@dataclass(frozen=True)
class Availability:
    """A schedule's hours: weekday (Monday 0) to intervals; dates whose hours differ.

    An override with no intervals is a day off. An end of 00:00 is the end of the day.
    """

    zone: ZoneInfo
    weekly: Mapping[int, Sequence[WallInterval]]
    overrides: Mapping[date, Sequence[WallInterval]] = field(default_factory=dict)

    def intervals_on(self, day: date) -> Sequence[WallInterval]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


@dataclass(frozen=True)
class Rules:
    """What a booking type asks of a slot, for one duration."""

    duration: timedelta
    step: timedelta
    # now + minimum notice, and now + the booking window: the first and last start.
    earliest: datetime
    latest: datetime
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    # Bookings of the type per date of the schedule's (the host's) zone, not the guest's.
    daily_maximum: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A start inside availability and on the step, with the host's date it falls on."""

    start: datetime
    local_date: date


class Refusal:
    """Why a start cannot be booked (refusal()); views and services word them."""

    PAST = "past"
    NOTICE = "notice"
    WINDOW = "window"
    AVAILABILITY = "availability"
    STEP = "step"
    DAILY_MAXIMUM = "daily_maximum"
    TAKEN = "taken"


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    merged: list[list] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant a naive wall-clock time names (its first, if twice); None if it never is."""
    utc = wall.replace(tzinfo=zone).astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return utc


def first_instant_at_or_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the clock shows `wall` or later."""
    exact = instant(wall, zone)
    if exact is not None:
        return exact
    # Inside a gap: the moment the clocks jumped, between the wall time read
    # with the offset after the change (earlier) and before it (later).
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall_intervals(availability: Availability, first: date, last: date):
    """(day, naive start, naive end) of every interval on the dates first..last."""
    day = first
    while day <= last:
        for start, end in availability.intervals_on(day):
            wall_start = datetime.combine(day, start)
            wall_end = datetime.combine(day + timedelta(days=1) if end == END_OF_DAY else day, end)
            yield day, wall_start, wall_end
        day += timedelta(days=1)


def _local_dates(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The schedule's dates to read for starts in [start, end), with a day's margin each side
    (an interval of the day before may reach into the range, a slot may run into the next)."""
    return (
        start.astimezone(zone).date() - timedelta(days=1),
        end.astimezone(zone).date() + timedelta(days=1),
    )


def spans(availability: Availability, first: date, last: date) -> list[Interval]:
    """The real-time (UTC) stretches of availability on the dates first..last, joined."""
    zone = availability.zone
    return merge(
        (first_instant_at_or_after(wall_start, zone), first_instant_at_or_after(wall_end, zone))
        for _day, wall_start, wall_end in _wall_intervals(availability, first, last)
    )


def candidates(
    availability: Availability,
    *,
    duration: timedelta,
    step: timedelta,
    start: datetime,
    end: datetime,
) -> list[Candidate]:
    """The starts in [start, end) that lie on the step and fit inside availability, in order."""
    zone = availability.zone
    first, last = _local_dates(start, end, zone)
    stretches = spans(availability, first, last)
    stretch_ends = [stretch_end for _s, stretch_end in stretches]
    found: dict[datetime, Candidate] = {}
    for _day, wall_start, wall_end in _wall_intervals(availability, first, last):
        wall = wall_start
        while wall < wall_end:
            begins = instant(wall, zone)
            if begins is not None and start <= begins < end and begins not in found:
                # The stretch holding the start: the first whose end is after it.
                index = bisect_right(stretch_ends, begins)
                if index < len(stretches) and begins + duration <= stretches[index][1]:
                    found[begins] = Candidate(begins, wall.date())
            wall += step
    return sorted(found.values(), key=lambda candidate: candidate.start)


class _Busy:
    """Merged busy intervals, asked whether a range overlaps any."""

    def __init__(self, busy: Sequence[Interval]):
        self.intervals = merge(busy)
        self.ends = [end for _start, end in self.intervals]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self.ends, start)
        return index < len(self.intervals) and self.intervals[index][0] < end


def free_slots(
    availability: Availability,
    rules: Rules,
    *,
    start: datetime,
    end: datetime,
    busy: Sequence[Interval] = (),
    booked_per_day: Mapping[date, int] | None = None,
) -> list[datetime]:
    """The free starts (UTC) in [start, end).

    Free: inside availability and on the step (candidates()), within notice
    and window, on a host date under the daily maximum (booked_per_day counts
    the type's bookings per date of the schedule's zone), and, widened by the
    buffers, overlapping nothing busy.
    """
    start = max(start, rules.earliest)
    end = min(end, rules.latest + timedelta(microseconds=1))
    if start >= end:
        return []
    booked_per_day = booked_per_day or {}
    occupied = _Busy(busy)
    free = []
    for candidate in candidates(
        availability, duration=rules.duration, step=rules.step, start=start, end=end
    ):
        if _full(rules, booked_per_day, candidate.local_date):
            continue
        if occupied.overlaps(*_blocked(rules, candidate.start)):
            continue
        free.append(candidate.start)
    return free


def refusal(
    availability: Availability,
    rules: Rules,
    *,
    start: datetime,
    now: datetime,
    busy: Sequence[Interval] = (),
    booked_per_day: Mapping[date, int] | None = None,
) -> str | None:
    """Why `start` is not a free slot (a Refusal), or None when it is one."""
    if start < now:
        return Refusal.PAST
    if start < rules.earliest:
        return Refusal.NOTICE
    if start > rules.latest:
        return Refusal.WINDOW
    found = candidates(
        availability,
        duration=rules.duration,
        step=rules.step,
        start=start,
        end=start + timedelta(microseconds=1),
    )
    if not found:
        first, last = _local_dates(start, start, availability.zone)
        inside = any(
            begins <= start and start + rules.duration <= ends
            for begins, ends in spans(availability, first, last)
        )
        return Refusal.STEP if inside else Refusal.AVAILABILITY
    if _full(rules, booked_per_day or {}, found[0].local_date):
        return Refusal.DAILY_MAXIMUM
    if _Busy(busy).overlaps(*_blocked(rules, start)):
        return Refusal.TAKEN
    return None


def _blocked(rules: Rules, start: datetime) -> Interval:
    return start - rules.buffer_before, start + rules.duration + rules.buffer_after


def _full(rules: Rules, booked_per_day: Mapping[date, int], day: date) -> bool:
    return rules.daily_maximum is not None and booked_per_day.get(day, 0) >= rules.daily_maximum
