from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from meetings.forms import JoinByIdForm, MeetingForm


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
