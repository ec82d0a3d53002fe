"""Input validation of the booking pages."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.timezones import (
    TimeZoneSelect,
    current_timezone_name,
    timezone_choices,
    timezone_names,
)
from bookings.models import BookingType
from bookings.services import NAME_MAX, NOTES_MAX, REASON_MAX, SUBJECT_MAX

# ---------------------------------------------------------------------------
# Guests
# ---------------------------------------------------------------------------

# Months a calendar may show: wide enough for any window, narrow enough that
# a date computed from them never leaves what datetime can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2999


class TimeZoneChoice(forms.Form):
    """The guest's zone, as the `tz` query parameter of the calendar; one of the current zones."""

    tz = forms.ChoiceField(
        label="Your time zone", widget=TimeZoneSelect(), choices=timezone_choices
    )


def clean_zone(value: str) -> str:
    """A current zone name for `value` (old names are followed); ValidationError otherwise."""
    zone = current_timezone_name(value.strip())
    if zone not in timezone_names():
        raise ValidationError(f"“{value}” is not a time zone we know. Pick one from the list.")
    return zone


def clean_duration(value: str, booking_type: BookingType, *, also: int | None = None) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or (minutes not in booking_type.durations and minutes != also):
        offered = ", ".join(f"{m} min" for m in booking_type.durations)
        raise ValidationError(f"Pick one of the durations offered ({offered}).")
    return minutes


def clean_month(value: str) -> tuple[int, int]:
    try:
        month = datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise ValidationError(f"“{value}” is not a month: write it as YYYY-MM.") from None
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise ValidationError("That month is out of range.")
    return month.year, month.month


def clean_day(value: str) -> date:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(f"“{value}” is not a date: write it as YYYY-MM-DD.")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError("That date is out of range.")
    return day


def clean_start(value: str) -> datetime:
    """An aware start time as the time links carry it (ISO 8601 with an offset)."""
    try:
        start = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        start = None
    if start is None or timezone.is_naive(start) or not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise ValidationError("That start time is not one we offered. Pick a time from the list.")
    return start


class GuestBookingForm(forms.Form):
    """The guest's answers; the slot travels in hidden fields the service checks again."""

    guest_name = forms.CharField(label="Your name", max_length=NAME_MAX)
    guest_email = forms.EmailField(label="Your email", max_length=254)
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX)
    notes = forms.CharField(
        label="Notes",
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything that helps prepare the meeting.",
    )
    start = forms.CharField(widget=forms.HiddenInput)
    duration = forms.CharField(widget=forms.HiddenInput)
    tz = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, booking_type: BookingType, **kwargs):
        super().__init__(*args, **kwargs)
        self.booking_type = booking_type
        for question in ("subject", "notes"):
            if not booking_type.asks(question):
                del self.fields[question]
            else:
                self.fields[question].required = booking_type.requires(question)
        self.fields["guest_name"].widget.attrs["autocomplete"] = "name"
        self.fields["guest_email"].widget.attrs["autocomplete"] = "email"

    def clean_start(self):
        return clean_start(self.cleaned_data["start"])

    def clean_duration(self):
        return clean_duration(self.cleaned_data["duration"], self.booking_type)

    def clean_tz(self):
        return clean_zone(self.cleaned_data["tz"])


class GuestCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The host sees it.",
    )
