from datetime import timedelta

import pytest
from django.db import DataError, IntegrityError, transaction

from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("duration", [14, 481, 0])
def test_database_refuses_durations_out_of_range(duration):
    with pytest.raises(IntegrityError):
        MeetingFactory(duration=duration)


@pytest.mark.parametrize("passcode", ["123", "12345678901", "12ab56", ""])
def test_database_refuses_passcodes_that_are_not_4_to_10_digits(passcode):
    # PostgreSQL reports an over-long value as a DataError before checking constraints.
    with pytest.raises((IntegrityError, DataError)):
        MeetingFactory(passcode=passcode)


@pytest.mark.parametrize("meeting_id", [99_999_999, 1_000_000_000])
def test_database_refuses_meeting_ids_without_nine_digits(meeting_id):
    with pytest.raises(IntegrityError):
        MeetingFactory(meeting_id=meeting_id)


@pytest.mark.parametrize("field", ["meeting_id", "invitation_token", "access_token"])
def test_credentials_are_unique(field):
    first = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(**{field: getattr(first, field)})


def test_database_refuses_an_unknown_status():
    with pytest.raises(IntegrityError):
        MeetingFactory(status="paused")


@pytest.mark.parametrize("status", ["scheduled", "active", "cancelled"])
def test_only_a_completed_meeting_can_be_a_no_show(status):
    with pytest.raises(IntegrityError):
        MeetingFactory(status=status, no_show=True)


def test_ends_at_follows_start_and_duration():
    meeting = MeetingFactory(duration=45)
    assert meeting.ends_at == meeting.starts_at + timedelta(minutes=45)
    meeting.duration = 90
    meeting.save(update_fields=["duration"])
    meeting.refresh_from_db()
    assert meeting.ends_at == meeting.starts_at + timedelta(minutes=90)


def test_passcode_keeps_leading_zeros():
    meeting = MeetingFactory(passcode="000123")
    meeting.refresh_from_db()
    assert meeting.passcode == "000123"


def test_room_name_cannot_be_derived_from_the_meeting_id():
    one, two = MeetingFactory(), MeetingFactory()
    assert str(one.meeting_id) in one.room_name
    assert one.access_token in one.room_name
    assert one.room_name.replace(str(one.meeting_id), "") != two.room_name.replace(
        str(two.meeting_id), ""
    )
