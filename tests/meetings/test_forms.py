from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from meetings.forms import (
    JoinByIdForm,
    JoinNameForm,
    MeetingFilterForm,
    MeetingForm,
    MeetingNotesForm,
)

# Validation checks the model's constraints, which asks the database.
pytestmark = pytest.mark.django_db


def _data(**overrides):
    day = (timezone.now() + timedelta(days=3)).date()
    data = {
        "title": "Design review",
        "description": "",
        "date": day.isoformat(),
        "time": "14:30",
        "timezone": "America/New_York",
        "duration_preset": "60",
        "duration_custom": "",
        "passcode": "",
    }
    return data | overrides


def test_start_is_read_in_the_chosen_time_zone():
    form = MeetingForm(_data(date="2031-07-01", time="09:00"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == datetime(2031, 7, 1, 13, 0, tzinfo=UTC)


def test_custom_duration_is_used_when_chosen():
    form = MeetingForm(_data(duration_preset="custom", duration_custom="75"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["duration"] == 75


@pytest.mark.parametrize("minutes", ["", "10", "481", "abc"])
def test_custom_duration_outside_15_to_480_is_refused(minutes):
    form = MeetingForm(_data(duration_preset="custom", duration_custom=minutes))
    assert not form.is_valid()
    assert "duration_custom" in form.errors


@pytest.mark.parametrize("passcode", ["123", "12345678901", "12 34", "abcd", "１２３４"])
def test_passcode_must_be_4_to_10_digits(passcode):
    form = MeetingForm(_data(passcode=passcode))
    assert not form.is_valid()
    assert form.errors["passcode"] == ["A passcode is 4 to 10 digits (0–9)."]


def test_start_in_the_past_is_refused():
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    form = MeetingForm(_data(date=yesterday))
    assert not form.is_valid()
    assert "This time is in the past" in form.errors["time"][0]


def test_a_time_skipped_by_daylight_saving_is_refused():
    # Clocks in New York jumped from 02:00 to 03:00 on 9 March 2031.
    form = MeetingForm(_data(date="2031-03-09", time="02:30"))
    assert not form.is_valid()
    assert "does not exist" in form.errors["time"][0]


def test_unknown_time_zone_is_refused():
    form = MeetingForm(_data(timezone="Atlantis/Capital"))
    assert not form.is_valid()
    assert "timezone" in form.errors


def test_oversized_title_is_refused():
    form = MeetingForm(_data(title="x" * 201))
    assert not form.is_valid()
    assert "title" in form.errors


@pytest.mark.parametrize(
    ("name", "expected"), [("  Ada   Lovelace ", "Ada Lovelace"), ("x" * 80, "x" * 80)]
)
def test_join_name_is_trimmed(name, expected):
    form = JoinByIdForm({"meeting_id": "123 456 789", "passcode": "0123", "name": name})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == expected
    assert form.cleaned_data["meeting_id"] == 123456789
    assert form.cleaned_data["passcode"] == "0123"


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_join_name_must_be_1_to_80_characters(name):
    form = JoinByIdForm({"meeting_id": "123456789", "passcode": "0123", "name": name})
    assert not form.is_valid()
    assert "name" in form.errors


def test_start_more_than_five_years_ahead_is_refused():
    later = (timezone.now() + timedelta(days=6 * 365)).date().isoformat()
    form = MeetingForm(_data(date=later))
    assert not form.is_valid()
    assert form.errors["date"] == [
        "Pick a date within 5 years from now: meetings are planned no further ahead."
    ]


def test_start_at_the_end_of_the_calendar_is_refused_without_overflowing():
    # 22:00 in New York on the last day of year 9999 is past the largest UTC datetime.
    form = MeetingForm(_data(date="9999-12-31", time="22:00"))
    assert not form.is_valid()
    assert "within 5 years" in form.errors["date"][0]


def test_start_four_years_ahead_is_accepted():
    later = (timezone.now() + timedelta(days=4 * 365)).date().isoformat()
    form = MeetingForm(_data(date=later))
    assert form.is_valid(), form.errors


def test_edit_form_leaves_the_given_meeting_untouched(meeting):
    # The update service compares the meeting it is given with the new values.
    form = MeetingForm(
        _data(title="Renamed", passcode="4321", timezone=meeting.timezone), instance=meeting
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Renamed"
    assert meeting.title == "Weekly sync"
    assert meeting.passcode != "4321"


def test_edit_form_starts_from_the_meetings_values(meeting):
    form = MeetingForm(instance=meeting)
    assert form["title"].value() == meeting.title
    assert form["passcode"].value() == meeting.passcode
    assert form["timezone"].value() == meeting.timezone
    assert form["duration_preset"].value() == str(meeting.duration)


def test_fields_render_through_the_project_field_template():
    html = str(MeetingForm()["waiting_room"].as_field_group())
    assert 'class="field check-field"' in html
    assert 'data-field="waiting_room"' in html
    assert '<small class="help" id="id_waiting_room_helptext">' in html


@pytest.mark.parametrize("form_class", [JoinByIdForm, JoinNameForm])
def test_join_name_input_takes_as_many_characters_as_the_room(form_class):
    assert 'maxlength="80"' in str(form_class()["name"])


def test_join_name_longer_than_the_room_allows_is_refused_in_words():
    form = JoinNameForm({"name": "x" * 81})
    assert form.errors["name"] == ["Keep your name to 80 characters or fewer."]


def test_meeting_filter_without_parameters_shows_upcoming_meetings():
    form = MeetingFilterForm(QueryDict(""))
    assert form.is_valid()
    assert form.cleaned_data == {"when": "upcoming", "status": "", "q": ""}


def test_meeting_filter_reads_the_query_string():
    form = MeetingFilterForm(QueryDict("when=past&status=cancelled&q=budget"))
    assert form.is_valid()
    assert form.cleaned_data == {"when": "past", "status": "cancelled", "q": "budget"}


@pytest.mark.parametrize("query", ["when=someday", "status=lost", "q=a%00b", "q=" + "x" * 101])
def test_meeting_filter_refuses_values_it_does_not_know(query):
    assert not MeetingFilterForm(QueryDict(query)).is_valid()


def test_meeting_filter_renders_a_labelled_search_box_and_status_menu():
    form = MeetingFilterForm(QueryDict("q=budget&status=ended"))
    search, status = str(form["q"]), str(form["status"])
    assert 'type="search"' in search and 'aria-label="Search by title"' in search
    assert 'value="budget"' in search and 'maxlength="100"' in search
    assert 'aria-label="Status"' in status
    assert '<option value="ended" selected>Completed</option>' in status


def test_notes_form_counts_a_line_break_once_and_says_the_limit():
    form = MeetingNotesForm({"notes": "a\r\n" * 5_000})
    assert form.is_valid() and len(form.cleaned_data["notes"]) == 9_999  # stripped at the end
    form = MeetingNotesForm({"notes": "b" * 10_001})
    assert form.errors["notes"] == [
        "Keep the notes to 10,000 characters or fewer (these have 10,001)."
    ]
    assert "Up to 10,000 characters." in str(form["notes"].help_text)
