"""The calendar of free times the guest's pages share: what the query asks, what it shows.

The month, the chosen day, the duration and the guest's zone are query
parameters (`month`, `date`, `duration`, `tz`), so the page works without
JavaScript; a time is a link to a page that confirms it with a POST.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import forms, selectors
from bookings.models import Booking, BookingType


class BadQuery(Exception):
    """A query parameter no page of ours writes: answered 400 with the message."""


@dataclass(frozen=True)
class SlotQuery:
    """What a calendar shows: a month, perhaps a day, a duration, the guest's zone."""

    year: int
    month: int
    day: date | None
    duration: int
    zone: str
    zone_given: bool

    def params(self, **changes) -> str:
        values = {
            "month": f"{self.year:04}-{self.month:02}",
            "date": self.day.isoformat() if self.day else None,
            "duration": self.duration,
            "tz": self.zone,
        } | changes
        return urlencode({key: value for key, value in values.items() if value is not None})


def slot_query(
    request, booking_type: BookingType, *, duration: int | None = None, zone: str = ""
) -> SlotQuery:
    """The calendar's query parameters, checked; BadQuery says what is wrong.

    Without `tz`, times are in `zone` (else the host's); without `duration`, in
    `duration` when the type still offers it (else the type's first).
    """
    get = request.GET
    try:
        zone_given = bool(get.get("tz"))
        zone = (
            forms.clean_zone(get["tz"]) if zone_given else zone or default_zone(booking_type.host)
        )
        if "duration" in get:
            duration = forms.clean_duration(get["duration"], booking_type)
        elif duration not in booking_type.durations:
            duration = booking_type.default_duration
        day = forms.clean_day(get["date"]) if get.get("date") else None
        if get.get("month"):
            year, month = forms.clean_month(get["month"])
        elif day is not None:
            year, month = day.year, day.month
        else:
            today = timezone.now().astimezone(ZoneInfo(zone)).date()
            year, month = today.year, today.month
    except ValidationError as error:
        raise BadQuery(" ".join(error.messages)) from None
    return SlotQuery(year, month, day, duration, zone, zone_given)


def default_zone(host) -> str:
    """The host's zone: what a visitor without JavaScript sees until they pick theirs."""
    try:
        return forms.clean_zone(host.timezone)
    except ValidationError:
        return "UTC"


def month_weeks(query: SlotQuery, days: dict[date, int], day_url) -> list[list[dict]]:
    """The month as weeks (Monday first) of cells: the day, whether it has times, its link."""

    def cell(day: date) -> dict:
        in_month = day.month == query.month
        count = days.get(day, 0) if in_month else 0
        url = day_url(day) if count else ""
        return {
            "day": day,
            "in_month": in_month,
            "count": count,
            "url": url,
            "chosen": day == query.day,
        }

    weeks = calendar.Calendar().monthdatescalendar(query.year, query.month)
    return [[cell(day) for day in week] for week in weeks]


def calendar_context(
    booking_type: BookingType,
    query: SlotQuery,
    *,
    page_url: str,
    time_url: str,
    exclude_booking: Booking | None = None,
) -> dict:
    """The month, its days with free times, the chosen day's times: what a calendar page shows."""
    host = booking_type.host
    month = selectors.month_slots(
        booking_type=booking_type,
        duration=query.duration,
        guest_timezone=query.zone,
        year=query.year,
        month=query.month,
        exclude_booking=exclude_booking,
    )
    day = None
    if query.day is not None:
        day = selectors.day_slots(
            booking_type=booking_type,
            duration=query.duration,
            guest_timezone=query.zone,
            day=query.day,
            exclude_booking=exclude_booking,
        )
    first = date(query.year, query.month, 1)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=31)).replace(day=1)
    today = timezone.now().astimezone(ZoneInfo(query.zone)).date()
    last_day = today + timedelta(days=booking_type.booking_window)

    def month_url(when: date) -> str:
        return f"{page_url}?{query.params(month=f'{when:%Y-%m}', date=None)}"

    def day_url(when: date) -> str:
        return f"{page_url}?{query.params(date=when.isoformat())}"

    times = (
        [time_link(time_url, start, query.duration, query.zone) for start in day.slots]
        if day
        else []
    )
    durations = [
        {
            "minutes": minutes,
            "chosen": minutes == query.duration,
            "url": f"{page_url}?{query.params(duration=minutes)}",
        }
        for minutes in booking_type.durations
    ]
    return {
        "booking_type": booking_type,
        "host": host,
        "query": query,
        "page_url": page_url,
        "weeks": month_weeks(query, month.days, day_url),
        "month_start": first,
        "previous_url": month_url(previous_month) if previous_month >= today.replace(day=1) else "",
        "next_url": month_url(next_month) if next_month <= last_day else "",
        "durations": durations if len(durations) > 1 else [],
        "day": day,
        "times": times,
        "google_unavailable": month.google_unavailable or bool(day and day.google_unavailable),
        "host_zone": default_zone(host),
        "zone_form": forms.TimeZoneChoice(initial={"tz": query.zone}),
    }


def slot_from_query(request, booking_type: BookingType, *, also=None):
    try:
        start = forms.clean_start(request.GET.get("start", ""))
        duration = forms.clean_duration(request.GET.get("duration", ""), booking_type, also=also)
        zone = forms.clean_zone(request.GET.get("tz", ""))
    except ValidationError as error:
        raise BadQuery(" ".join(error.messages)) from None
    return start.astimezone(ZoneInfo(zone)), duration, zone


def time_link(url: str, start: datetime, duration: int, zone: str) -> dict:
    """A free time and the link that confirms it."""
    params = urlencode({"start": start.isoformat(), "duration": duration, "tz": zone})
    return {"start": start, "url": f"{url}?{params}"}


def fresh_times(booking_type, start: datetime, duration: int, zone: str, time_url: str, **kw):
    """The free times of the guest's day once more, after a refusal."""
    day = selectors.day_slots(
        booking_type=booking_type,
        duration=duration,
        guest_timezone=zone,
        day=start.astimezone(ZoneInfo(zone)).date(),
        **kw,
    )
    return [time_link(time_url, slot, duration, zone) for slot in day.slots]
