import copy
import dataclasses
import zoneinfo
from datetime import UTC, datetime, timedelta

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone

from accounts import google
from accounts.timezones import TimeZoneField
from meetings import services
from meetings.access import NAME_MAX_LENGTH
from meetings.credentials import PASSCODE_RE, parse_meeting_id
from meetings.models import (
    DURATION_MAX,
    DURATION_MIN,
    MAX_YEARS_AHEAD,
    NOTES_MAX_LENGTH,
    PARTICIPANT_LIMIT_MAX,
    PARTICIPANT_LIMIT_MIN,
    Meeting,
)
from meetings.services import RoomSettings

DURATION_PRESETS = [15, 30, 45, 60, 90, 120]
# The scheduling form's first choice, and an instant meeting's length.
DEFAULT_DURATION = 60
CUSTOM = "custom"
# A start a few minutes ago is still "now": the host picked the current time.
PAST_START_GRACE = timedelta(minutes=10)
NAME_REQUIRED = "Enter the name others will see."
NAME_TOO_LONG = f"Keep your name to {NAME_MAX_LENGTH} characters or fewer."
FAR_FUTURE_MESSAGE = (
    f"Pick a date within {MAX_YEARS_AHEAD} years from now: meetings are planned no further ahead."
)


def _duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    label = "1 hour" if hours == 1 else f"{hours} hours"
    return f"{label} {rest} minutes" if rest else label


# The fields of a meeting's RoomSettings, which the services take as one.
ROOM_FIELDS = [field.name for field in dataclasses.fields(RoomSettings)]


class MeetingForm(forms.ModelForm):
    """A meeting's title, time and room settings; the services write them.

    cleaned_data adds `starts_at` (aware, UTC) and `duration` (minutes) to the fields.
    """

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    timezone = TimeZoneField(label="Time zone")
    duration_preset = forms.ChoiceField(
        label="Duration",
        choices=[(str(m), _duration_label(m)) for m in DURATION_PRESETS] + [(CUSTOM, "Custom…")],
        initial=str(DEFAULT_DURATION),
    )
    duration_custom = forms.IntegerField(
        label="Custom duration (minutes)",
        min_value=DURATION_MIN,
        max_value=DURATION_MAX,
        required=False,
    )
    passcode = forms.CharField(
        required=False,
        strip=True,
        validators=[RegexValidator(PASSCODE_RE, "A passcode is 4 to 10 digits (0–9).")],
        help_text="4 to 10 digits. Leave empty to have one generated.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 10}
        ),
    )
    participant_limit = forms.IntegerField(
        required=False,
        min_value=PARTICIPANT_LIMIT_MIN,
        max_value=PARTICIPANT_LIMIT_MAX,
        label="Participant limit",
        help_text="Most people in the room at once. Leave empty for no limit.",
    )
    # Optional here: a form without it (an older page, a script) means Jitsi.
    provider = forms.ChoiceField(
        label="Where the meeting is held", choices=Meeting.Provider.choices, required=False
    )
    external_url = forms.URLField(
        label="Meeting link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The https link of your Zoom, Teams or other meeting.",
    )

    # Only when editing. Absent (an older page, a script) means yes: invitees
    # hear of every change unless the host says otherwise.
    notify = forms.ChoiceField(
        label="Tell the invitees",
        choices=[
            ("yes", "Email the invitees what changed"),
            ("no", "Save without emailing them (their calendars update with the next email)"),
        ],
        initial="yes",
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Meeting
        fields = ["title", "description", "timezone", "passcode", *ROOM_FIELDS]
        labels = {
            "join_before_host": "Attendees may join before the host",
            "mute_on_join": "Mute attendees when they join",
            "allow_name_change": "People may change their name in the room",
        }
        help_texts = {
            "waiting_room": "Attendees wait until you admit them.",
            "join_before_host": "",
            "mute_on_join": "",
            "allow_name_change": "",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, instance: Meeting | None = None, user=None, **kwargs):
        # Google Meet runs through the host's Google account (for staff editing
        # someone's meeting, the host's, not their own).
        self.host = instance.host if instance is not None else user
        self.google_offered = google.is_configured() or (
            instance is not None and instance.provider == Meeting.Provider.GOOGLE_MEET
        )
        self.google_account = (
            google.connected_account(self.host)
            if self.google_offered and self.host is not None
            else None
        )
        self.google_missing_message = (
            "Google Meet needs your Google account: connect it first, or choose Jitsi."
            if user is None or self.host == user
            else "The host has not connected a Google account, so Google Meet is not "
            "available for this meeting. Choose Jitsi."
        )
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            local = instance.local_starts_at
            preset = str(instance.duration) if instance.duration in DURATION_PRESETS else CUSTOM
            initial.update(
                date=local.date(),
                time=local.time().replace(second=0, microsecond=0),
                duration_preset=preset,
                duration_custom=instance.duration if preset == CUSTOM else None,
            )
            # Validation fills the form's instance in; the services compare the
            # caller's meeting with the new values, so that one stays untouched.
            instance = copy.copy(instance)
        elif user is not None:
            initial.setdefault("timezone", user.timezone)
            default = settings.DEFAULT_MEETING_PROVIDER
            if default == Meeting.Provider.GOOGLE_MEET and self.google_account is None:
                default = Meeting.Provider.JITSI
            initial.setdefault("provider", default)
        super().__init__(*args, instance=instance, **kwargs)
        if not self.google_offered:
            self.fields["provider"].choices = [
                choice
                for choice in Meeting.Provider.choices
                if choice[0] != Meeting.Provider.GOOGLE_MEET
            ]
        if instance is not None:
            self.fields["passcode"].required = True
            self.fields["passcode"].help_text = "4 to 10 digits."
        else:
            del self.fields["notify"]

    def clean_notify(self) -> bool:
        return self.cleaned_data["notify"] != "no"

    def room_settings(self) -> RoomSettings:
        return RoomSettings(**{name: self.cleaned_data[name] for name in ROOM_FIELDS})

    def clean(self):
        data = super().clean()
        preset = data.get("duration_preset")
        if preset == CUSTOM:
            if data.get("duration_custom") is None and "duration_custom" not in self.errors:
                self.add_error("duration_custom", "Enter the duration in minutes (15 to 480).")
            data["duration"] = data.get("duration_custom")
        elif preset:
            data["duration"] = int(preset)

        provider = data["provider"] = data.get("provider") or Meeting.Provider.JITSI
        if provider == Meeting.Provider.GOOGLE_MEET and self.google_account is None:
            self.add_error("provider", self.google_missing_message)
        if provider == Meeting.Provider.EXTERNAL:
            url = data.get("external_url", "")
            if not url and "external_url" not in self.errors:
                self.add_error(
                    "external_url", "Paste the link of the meeting on the other service."
                )
            elif url and not url.startswith("https://"):
                self.add_error("external_url", "The link must start with https://.")
        else:
            data["external_url"] = ""

        day, at, zone_name = data.get("date"), data.get("time"), data.get("timezone")
        if day and at and zone_name:
            data["starts_at"] = self._aware_start(day, at, zone_name)
        return data

    def _aware_start(self, day, at, zone_name):
        latest = services.latest_start()
        # Checked on the date before any conversion: near year 9999 that overflows.
        if day > latest.date():
            self.add_error("date", FAR_FUTURE_MESSAGE)
            return None
        zone = zoneinfo.ZoneInfo(zone_name)
        local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=zone)
        # A wall time inside a daylight-saving gap does not survive a round trip through UTC.
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(
            tzinfo=None
        ):
            self.add_error(
                "time",
                f"{at:%H:%M} does not exist on {day} in {zone_name} "
                "(the clocks change). Pick another time.",
            )
            return None
        starts_at = local.astimezone(UTC)
        if starts_at > latest:
            self.add_error("date", FAR_FUTURE_MESSAGE)
            return None
        rescheduled = self.instance.pk is None or starts_at != self.instance.starts_at
        if rescheduled and starts_at < timezone.now() - PAST_START_GRACE:
            self.add_error("time", "This time is in the past. Pick a time from now on.")
            return None
        return starts_at


class InstantMeetingForm(forms.Form):
    """The dashboard's "Start a meeting now": a title, or the host's name in one."""

    title = forms.CharField(
        label="Title",
        required=False,
        max_length=Meeting._meta.get_field("title").max_length,
        error_messages={"max_length": "Keep the title to %(limit_value)d characters or fewer."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["title"].widget.attrs["placeholder"] = self.default_title()

    def default_title(self) -> str:
        return f"{self.user.first_name}'s meeting" if self.user.first_name else "Instant meeting"

    def clean_title(self) -> str:
        return self.cleaned_data["title"] or self.default_title()


class JoinNameForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_name(self) -> str:
        # The field has stripped the ends and checked the length; runs of spaces become one.
        return " ".join(self.cleaned_data["name"].split())


class JoinByIdForm(JoinNameForm):
    meeting_id = forms.CharField(
        label="Meeting ID",
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "123-456-789"}
        ),
    )
    passcode = forms.CharField(
        label="Passcode",
        max_length=10,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False, attrs={"inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    field_order = ["meeting_id", "passcode", "name"]

    def clean_meeting_id(self) -> int:
        meeting_id = parse_meeting_id(self.cleaned_data["meeting_id"])
        if meeting_id is None:
            raise forms.ValidationError("A meeting ID is 9 digits, like 123-456-789.")
        return meeting_id


class MeetingFilterForm(forms.Form):
    """The list's tab, status and search, bound to the query string."""

    WHEN_CHOICES = [("upcoming", "Upcoming"), ("past", "Past"), ("all", "All")]

    when = forms.ChoiceField(choices=WHEN_CHOICES, required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Meeting.Status.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Status"}),
    )
    q = forms.CharField(
        label="Search",
        max_length=100,
        required=False,
        widget=forms.SearchInput(
            attrs={"placeholder": "Search by title", "aria-label": "Search by title"}
        ),
    )

    def clean_when(self) -> str:
        return self.cleaned_data["when"] or "upcoming"


class InvitationSearchForm(forms.Form):
    q = forms.CharField(
        label="Search invitations",
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "Name or email"}),
    )


class MeetingNotesForm(forms.Form):
    notes = forms.CharField(
        label="Private notes",
        required=False,
        help_text=(
            f"Only the host and co-hosts see these; invitees never do. "
            f"Up to {NOTES_MAX_LENGTH:,} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": NOTES_MAX_LENGTH}),
    )

    def clean_notes(self) -> str:
        # Empty notes are sent as an empty field; a request without it would wipe them.
        if "notes" not in self.data:
            raise forms.ValidationError("Send the notes to save, even if empty.", code="missing")
        # Browsers send each line break as CRLF but count it as one character.
        notes = self.cleaned_data["notes"].replace("\r\n", "\n")
        if len(notes) > NOTES_MAX_LENGTH:
            raise forms.ValidationError(
                f"Keep the notes to {NOTES_MAX_LENGTH:,} characters or fewer "
                f"(these have {len(notes):,}).",
                code="max_length",
            )
        return notes
