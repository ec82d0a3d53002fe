"""Input validation of the booking pages; the writes are in setup.py and services.py."""

import re
from datetime import date, datetime, time
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone

from accounts import google
from accounts.timezones import (
    TimeZoneField,
    TimeZoneSelect,
    current_timezone_name,
    timezone_choices,
    timezone_names,
)
from bookings.models import (
    BUFFER_MAX,
    DAILY_MAXIMUM_MAX,
    END_OF_DAY,
    FEEDBACK_MAX,
    HANDLE_MAX,
    HANDLE_MESSAGE,
    HANDLE_MIN,
    HANDLE_PATTERN,
    NOTICE_MAX,
    RATING_MAX,
    RATING_MIN,
    STEP_MIN,
    WINDOW_MAX,
    BookingType,
    Schedule,
    WeeklyInterval,
)
from bookings.ratings import FEEDBACK_MESSAGE, SCORE_MESSAGE
from bookings.services import NAME_MAX, NOTES_MAX, REASON_MAX, SUBJECT_MAX
from bookings.setup import BOOKING_TYPE_FIELDS
from meetings.models import DURATION_MAX, DURATION_MIN

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

    def booking(self) -> dict:
        """The valid answers as services.booking_create() takes them."""
        data = self.cleaned_data
        return {
            "booking_type": self.booking_type,
            "starts_at": data["start"],
            "duration": data["duration"],
            "guest_name": data["guest_name"],
            "guest_email": data["guest_email"],
            "guest_timezone": data["tz"],
            "subject": data.get("subject", ""),
            "notes": data.get("notes", ""),
        }


class GuestCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The host sees it.",
    )


# ---------------------------------------------------------------------------
# Hosts

HANDLE_HELP = (
    f"{HANDLE_MIN} to {HANDLE_MAX} lowercase letters, digits and hyphens; "
    "your page is /book/<handle>/."
)
HOURS_FORMAT = "Write hours as 09:00-12:00, several separated by commas."
DURATION_CHOICES = [15, 30, 45, 60, 75, 90, 120, 150, 180, 240, 300, 360, 420, 480]
# The ranges of the model's constraints, checked here so that each error shows on its field.
TYPE_RANGES = {
    "buffer_before": (0, BUFFER_MAX),
    "buffer_after": (0, BUFFER_MAX),
    "minimum_notice": (0, NOTICE_MAX),
    "booking_window": (1, WINDOW_MAX),
    "slot_step": (STEP_MIN, DURATION_MAX),
    "daily_maximum": (1, DAILY_MAXIMUM_MAX),
}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})$")


def _minutes_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _clock(hours: str, minutes: str, *, end: bool) -> time:
    hour, minute = int(hours), int(minutes)
    # 24:00 (or 00:00) as an end is midnight at the end of the day.
    if end and hour == 24 and minute == 0:
        return END_OF_DAY
    if hour > 23 or minute > 59:
        raise forms.ValidationError(f"{hours}:{minutes} is not a time of day. {HOURS_FORMAT}")
    return time(hour, minute)


def parse_hours(text: str) -> list[tuple[time, time]]:
    """'09:00-12:00, 13:00-17:00' as (start, end) pairs, ordered; start before end, no overlap."""
    spans = []
    for part in re.split(r"[,;\n]+", text):
        part = part.strip()
        if not part:
            continue
        match = _SPAN.match(part)
        if match is None:
            raise forms.ValidationError(f"“{part}” is not a span of hours. {HOURS_FORMAT}")
        start = _clock(*match.group(1, 2), end=False)
        end = _clock(*match.group(3, 4), end=True)
        if end != END_OF_DAY and start >= end:
            raise forms.ValidationError(f"{part}: the start must be before the end.")
        spans.append((start, end))
    spans.sort()
    for (_start, end), (next_start, _end) in pairwise(spans):
        if end == END_OF_DAY or next_start < end:
            raise forms.ValidationError("These hours overlap: give each time once.")
    return spans


def format_hours(spans) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in spans)


class BookingProfileForm(forms.Form):
    """The booking page's handle and introduction; setup.booking_profile_save checks the handle."""

    handle = forms.CharField(
        max_length=HANDLE_MAX,
        help_text=HANDLE_HELP,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    introduction = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A line or two on your page, above what guests can book.",
    )

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower()
        if not re.fullmatch(HANDLE_PATTERN, handle):
            raise forms.ValidationError(HANDLE_MESSAGE)
        return handle


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=100, initial="Working hours")
    timezone = TimeZoneField(label="Time zone")


class WeeklyHoursForm(forms.Form):
    """One line of hours per weekday; empty is a day without bookings."""

    def __init__(self, *args, schedule: Schedule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        by_day: dict[int, list] = {}
        if schedule is not None and not self.is_bound:
            for interval in schedule.weekly.all():
                by_day.setdefault(interval.weekday, []).append((interval.start, interval.end))
        for weekday, label in WeeklyInterval.Weekday.choices:
            self.fields[f"day_{weekday}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=format_hours(by_day.get(weekday, [])),
                widget=forms.TextInput(attrs={"placeholder": "Unavailable"}),
            )

    def clean(self):
        data = super().clean()
        for weekday in WeeklyInterval.Weekday.values:
            name = f"day_{weekday}"
            if name in data:
                try:
                    data[name] = parse_hours(data[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def intervals(self) -> list[tuple[int, time, time]]:
        return [
            (weekday, start, end)
            for weekday in WeeklyInterval.Weekday.values
            for start, end in self.cleaned_data[f"day_{weekday}"]
        ]

    def days(self):
        return [self[f"day_{weekday}"] for weekday in WeeklyInterval.Weekday.values]


class DateOverrideForm(forms.Form):
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.CharField(
        required=False,
        max_length=200,
        help_text="Empty: the day is off. Else other hours, e.g. 10:00-14:00.",
        widget=forms.TextInput(attrs={"placeholder": "Day off"}),
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if self.today is not None and day < self.today:
            raise forms.ValidationError("Pick a date from today on.")
        return day

    def clean_hours(self):
        return parse_hours(self.cleaned_data["hours"])


class BookingTypeForm(forms.ModelForm):
    """What guests can book; setup.booking_type_create/update write it."""

    durations = forms.TypedMultipleChoiceField(
        label="Durations offered",
        coerce=int,
        choices=[(str(m), _minutes_label(m)) for m in DURATION_CHOICES],
        widget=forms.CheckboxSelectMultiple,
        help_text="The shortest is preselected for guests.",
        error_messages={
            "required": "Offer at least one duration.",
            "invalid_choice": f"Pick durations from the list ({DURATION_MIN} to "
            f"{DURATION_MAX} minutes).",
        },
    )
    external_url = forms.URLField(
        label="Meeting link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For an external link: the https link of your Zoom, Teams or other meeting.",
    )

    class Meta:
        model = BookingType
        fields = BOOKING_TYPE_FIELDS
        labels = {
            "slug": "Address",
            "location": "Where the meeting is held",
            "buffer_before": "Buffer before (minutes)",
            "buffer_after": "Buffer after (minutes)",
            "minimum_notice": "Minimum notice (minutes)",
            "booking_window": "Booking window (days)",
            "slot_step": "Start times every (minutes)",
            "daily_maximum": "Daily maximum",
            "subject_question": "Ask for a subject",
            "notes_question": "Ask for notes",
            "is_active": "Active: guests can book it",
        }
        help_texts = {
            "slug": "Lowercase letters, digits and hyphens: /book/<handle>/<address>/.",
            "minimum_notice": "240 is 4 hours.",
            "buffer_before": "",
            "buffer_after": "",
            "is_active": "",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "color": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.instance.host = host
        for name, (low, high) in TYPE_RANGES.items():
            field = self.fields[name]
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update(min=low, max=high)
        self.fields["color"].validators.append(
            RegexValidator(r"^#[0-9a-fA-F]{6}$", "Pick a colour as #rrggbb.")
        )
        schedule = self.fields["schedule"]
        schedule.queryset = Schedule.objects.filter(host=host)
        schedule.empty_label = "The default schedule"
        schedule.label_from_instance = lambda s: s.name
        self.google_offered = google.is_configured() or (
            self.instance.location == BookingType.Location.GOOGLE_MEET
        )
        self.google_account = google.connected_account(host) if self.google_offered else None
        if not self.google_offered:
            self.fields["location"].choices = [
                choice
                for choice in BookingType.Location.choices
                if choice[0] != BookingType.Location.GOOGLE_MEET
            ]
        if self.instance.pk:
            self.initial["durations"] = [str(m) for m in self.instance.durations]
        else:
            self.initial.setdefault("durations", ["30"])

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        taken = BookingType.objects.filter(host=self.host, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have a booking type with this address.")
        return slug

    def clean(self):
        data = super().clean()
        # An external location without its link is refused by the model's clean().
        location = data.get("location")
        if location == BookingType.Location.GOOGLE_MEET and (
            not google.is_configured() or self.google_account is None
        ):
            self.add_error(
                "location", "Connect your Google account on your profile to offer Google Meet."
            )
        return data

    def settings(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class BookingCancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the guest with the cancellation.",
    )


class BookingMoveForm(forms.Form):
    """A new start, on the clock of the meeting's zone, and a duration the type offers."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args, durations: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration"].choices = [(str(m), _minutes_label(m)) for m in durations]


SCORE_CHOICES = [(score, str(score)) for score in range(RATING_MIN, RATING_MAX + 1)]


class RatingForm(forms.Form):
    """An attendee's rating: the rating page's form, and the API's check of the same fields."""

    score = forms.TypedChoiceField(
        label=f"Your rating ({RATING_MIN} = poor, {RATING_MAX} = excellent)",
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": SCORE_MESSAGE,
            "invalid_choice": SCORE_MESSAGE,
        },
    )
    feedback = forms.CharField(
        label="Feedback (optional)",
        required=False,
        max_length=FEEDBACK_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": FEEDBACK_MESSAGE},
    )
