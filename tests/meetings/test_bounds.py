import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from invitations.models import Invitation
from meetings import services
from meetings.models import MAX_YEARS_AHEAD, Meeting
from tests.factories import MeetingFactory, UserFactory, create_meeting

pytestmark = pytest.mark.django_db

# The start an attacker chose: two hours before the last moment Python can hold.
FAR_FUTURE = datetime(9999, 12, 31, 22, 0, tzinfo=UTC)
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)

clamp = importlib.import_module("meetings.migrations.0007_clamp_far_future_starts")


def _update(meeting, **overrides):
    values = {
        "meeting": meeting,
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": meeting.starts_at,
        "duration": meeting.duration,
        "timezone_name": meeting.timezone,
        "passcode": meeting.passcode,
    }
    return services.meeting_update(**(values | overrides))


def test_create_refuses_a_start_at_the_end_of_year_9999_and_stores_nothing(user):
    with pytest.raises(ValidationError) as refused:
        create_meeting(user, starts_at=FAR_FUTURE, duration=120, timezone_name="Asia/Tokyo")

    assert refused.value.message_dict == {
        "starts_at": [f"Pick a start within the next {MAX_YEARS_AHEAD} years."]
    }
    assert not Meeting.objects.exists()


def test_create_refuses_a_start_just_past_the_bound(user):
    with pytest.raises(ValidationError, match="within the next 5 years"):
        create_meeting(user, starts_at=services.latest_start() + timedelta(minutes=1))


def test_a_start_at_the_bound_shows_in_the_zone_furthest_east_with_the_longest_duration(
    user, client
):
    starts_at = services.latest_start().replace(second=0, microsecond=0) - timedelta(minutes=1)

    meeting = create_meeting(
        user, starts_at=starts_at, duration=480, timezone_name="Pacific/Kiritimati"
    )

    assert meeting.ends_at == starts_at + timedelta(minutes=480)
    assert meeting.local_starts_at.utcoffset() == timedelta(hours=14)
    client.force_login(user)
    assert client.get(meeting.get_absolute_url()).status_code == 200


def test_update_refuses_a_far_future_start_and_keeps_the_meeting_as_it_was(meeting):
    before = Meeting.objects.values().get(pk=meeting.pk)

    with pytest.raises(ValidationError) as refused:
        _update(meeting, starts_at=FAR_FUTURE, title="Moved")

    assert "starts_at" in refused.value.message_dict
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_update_within_the_bound_still_reschedules(meeting):
    later = meeting.starts_at + timedelta(days=365 * MAX_YEARS_AHEAD - 10)

    assert _update(meeting, starts_at=later).starts_at == later


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        (datetime(2026, 12, 2, 7, 30, tzinfo=UTC), datetime(2031, 12, 2, 7, 30, tzinfo=UTC)),
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), datetime(2033, 2, 28, 12, 0, tzinfo=UTC)),
    ],
)
def test_the_bound_is_five_calendar_years_ahead_even_from_29_february(now, latest):
    assert services.latest_start(now) == latest


# Rows stored before the bound existed.


@pytest.fixture
def far_future_meeting(user):
    """A meeting of the host's, with an invitee in Tokyo, moved to the end of year 9999."""
    meeting = MeetingFactory(host=user, timezone="Asia/Tokyo", duration=480, sequence=2)
    invitee = UserFactory(email="kenji@example.com", timezone="Asia/Tokyo")
    Invitation.objects.create(meeting=meeting, user=invitee, email=invitee.email, name="Kenji")
    # As the database kept it: the end is the last moment that Python can still read.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=FAR_FUTURE, ends_at=LAST_MOMENT)
    return meeting


def _pages(meeting) -> list[str]:
    return [
        reverse("home"),
        reverse("meetings:list"),
        reverse("meetings:list") + "?when=all",
        reverse("meetings:detail", args=[meeting.meeting_id]),
        reverse("invitations:calendar", args=[meeting.meeting_id]),
        reverse("join:share", args=[meeting.invitation_token]),
    ]


def _statuses(client, meeting) -> dict[str, int]:
    client.raise_request_exception = False
    return {page: client.get(page).status_code for page in _pages(meeting)}


def test_the_migration_brings_far_future_starts_within_the_bound(far_future_meeting, meeting):
    kept = Meeting.objects.values().get(pk=meeting.pk)

    clamp.clamp_far_future_starts(apps, schema_editor=None)

    moved = Meeting.objects.get(pk=far_future_meeting.pk)
    assert services.latest_start() - timedelta(minutes=1) <= moved.starts_at
    assert moved.starts_at <= services.latest_start()
    assert moved.ends_at == moved.starts_at + timedelta(minutes=480)
    assert moved.sequence == 3
    assert Meeting.objects.values().get(pk=meeting.pk) == kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL keeps year 10000")
def test_the_migration_moves_starts_that_python_cannot_even_read(meeting):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE meetings_meeting SET starts_at = '10000-01-01 00:00+00', "
            "ends_at = '10000-01-01 01:00+00' WHERE id = %s",
            [meeting.pk],
        )

    clamp.clamp_far_future_starts(apps, schema_editor=None)

    moved = Meeting.objects.get(pk=meeting.pk)
    assert moved.starts_at <= services.latest_start()
    assert moved.ends_at == moved.starts_at + timedelta(minutes=meeting.duration)


@pytest.mark.parametrize("visitor", ["host", "invitee in Tokyo", "anonymous"])
def test_after_the_migration_everyone_can_open_the_meetings_pages(
    client, far_future_meeting, visitor
):
    clamp.clamp_far_future_starts(apps, schema_editor=None)
    if visitor == "host":
        client.force_login(far_future_meeting.host)
    elif visitor == "invitee in Tokyo":
        client.force_login(Invitation.objects.get().user)

    statuses = _statuses(client, far_future_meeting)

    assert all(status < 500 for status in statuses.values()), statuses
    if visitor != "anonymous":
        assert set(statuses.values()) == {200}
