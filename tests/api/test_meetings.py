"""The meetings' endpoints: list, one meeting, create, change, cancel."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from invitations.models import Invitation
from meetings.access import BOOKED
from meetings.forms import FAR_FUTURE_MESSAGE
from meetings.google_meet import MeetError
from meetings.models import Meeting
from tests.api.conftest import token_client
from tests.factories import (
    ContactFactory,
    MeetingFactory,
    UserFactory,
    create_meeting,
    move_to_past,
)

NO_PERMISSION = {"success": False, "error": "You don't have permission to access this meeting"}
NOT_FOUND = {"success": False, "error": "Meeting not found"}
UNUSED_ID = 123_456_780


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Who is who around one meeting.


# GET /api/meetings and /api/meetings/my-meetings


def test_the_list_has_the_documented_shape(api, meeting):
    response = api.get("/api/meetings")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["count"] == 1
    assert (body["page"], body["pages"]) == (1, 1)
    [row] = body["meetings"]
    assert row["id"] == meeting.meeting_id
    assert row["meeting_id"] == meeting.formatted_meeting_id
    assert row["title"] == "Weekly sync"
    assert row["status"] == "scheduled"
    assert row["no_show"] is False
    assert row["is_host"] is True
    assert row["meetingLink"] == meeting.share_url
    assert row["host"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert row["duration"] == meeting.duration
    assert row["starts_at"] == row["scheduledAt"] == _iso(meeting.starts_at)
    assert row["ends_at"] == _iso(meeting.ends_at)


def test_the_list_holds_hosted_and_invited_meetings_upcoming_first(
    api, user, meeting, others_meeting
):
    Invitation.objects.create(meeting=others_meeting, user=user, email=user.email)
    past = move_to_past(MeetingFactory(host=user, title="Old"), ended_ago=timedelta(days=1))
    body = api.get("/api/meetings").json()
    titles = [row["title"] for row in body["meetings"]]
    assert set(titles[:2]) == {"Weekly sync", "Grace's review"}
    assert titles[2] == past.title
    invited = next(row for row in body["meetings"] if row["title"] == "Grace's review")
    assert invited["is_host"] is False
    assert invited["meetingLink"] is None  # the share link is the host's to give


def test_the_list_filters_upcoming_and_status(api, user, meeting):
    move_to_past(MeetingFactory(host=user, title="Done"), ended_ago=timedelta(days=1))
    cancelled = MeetingFactory(host=user, title="Off", status=Meeting.Status.CANCELLED)
    started = MeetingFactory(host=user, title="Live", status=Meeting.Status.ACTIVE)

    def titles(query):
        return {row["title"] for row in api.get("/api/meetings", query).json()["meetings"]}

    assert titles({"upcoming": "true"}) == {"Weekly sync", "Live"}
    assert titles({"upcoming": "true", "status": "scheduled"}) == {"Weekly sync"}
    assert titles({"status": "in-progress"}) == {started.title}
    assert titles({"upcoming": "false"}) == {"Done", cancelled.title}
    assert titles({"status": "completed"}) == {"Done"}
    assert titles({"status": "cancelled"}) == {"Off"}
    assert titles({"q": "weekly"}) == {"Weekly sync"}
    done = api.get("/api/meetings", {"status": "completed"}).json()["meetings"][0]
    assert done["status"] == "completed"


def test_the_list_is_paginated_by_20(api, user):
    for n in range(25):
        MeetingFactory(host=user, title=f"M{n:02}")
    first = api.get("/api/meetings").json()
    assert (first["count"], first["page"], first["pages"]) == (25, 1, 2)
    assert len(first["meetings"]) == 20
    second = api.get("/api/meetings", {"page": 2}).json()
    assert len(second["meetings"]) == 5
    assert {row["id"] for row in first["meetings"]}.isdisjoint(
        row["id"] for row in second["meetings"]
    )
    # A page past the end is the last, and says so.
    assert api.get("/api/meetings", {"page": 9}).json()["page"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"upcoming": "soon"}, "upcoming"),
        ({"status": "active"}, "status"),
        ({"status": "ended"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_filter_is_400_with_the_field(api, query, field):
    response = api.get("/api/meetings", query)
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "The request has invalid fields: see `fields`."
    assert list(body["fields"]) == [field]


def test_my_meetings_lists_only_the_hosted_ones(api, user, meeting, others_meeting):
    Invitation.objects.create(meeting=others_meeting, user=user, email=user.email)
    body = api.get("/api/meetings/my-meetings").json()
    assert body["success"] is True
    assert body["count"] == 1
    assert [row["title"] for row in body["meetings"]] == ["Weekly sync"]
    upcoming = api.get("/api/meetings/my-meetings", {"upcoming": "true", "status": "scheduled"})
    assert upcoming.json()["count"] == 1


def test_my_meetings_is_paginated_upcoming_first(api, user):
    past = move_to_past(MeetingFactory(host=user, title="Old"), ended_ago=timedelta(days=1))
    for n in range(21):
        MeetingFactory(host=user, title=f"M{n:02}")
    first = api.get("/api/meetings/my-meetings").json()
    assert (first["count"], first["pages"]) == (22, 2)
    assert past.title not in {row["title"] for row in first["meetings"]}
    last = api.get("/api/meetings/my-meetings", {"page": 5}).json()
    assert last["page"] == 2
    assert [row["title"] for row in last["meetings"]][-1] == "Old"


@pytest.mark.parametrize("path", ["/api/meetings", "/api/meetings/my-meetings"])
def test_the_list_takes_the_same_queries_for_one_meeting_and_many(
    path, user, others_meeting, django_assert_num_queries
):
    api = token_client(user)
    MeetingFactory(host=user)
    Invitation.objects.create(meeting=others_meeting, user=user, email=user.email)
    api.get(path)  # writes the token's first use
    with django_assert_num_queries(4) as one:
        assert api.get(path).status_code == 200
    for _ in range(30):
        invited = MeetingFactory(host=UserFactory())
        Invitation.objects.create(meeting=invited, user=user, email=user.email)
        MeetingFactory(host=user)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get(path).json()["meetings"]) == 20


def test_the_list_needs_authentication(client, meeting):
    for path in ("/api/meetings", "/api/meetings/my-meetings"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json() == {"success": False, "error": "Authentication required"}


# GET /api/meetings/{id}


@pytest.mark.parametrize(
    ("who", "status"),
    [("host", 200), ("cohost", 200), ("invitee", 200), ("staff", 200), ("stranger", 403)],
)
def test_who_may_read_a_meeting(people, meeting, who, status):
    response = people[who].get(f"/api/meetings/{meeting.meeting_id}")
    assert response.status_code == status
    if status == 403:
        assert response.json() == NO_PERMISSION
    else:
        body = response.json()["meeting"]
        assert response.json()["success"] is True
        assert body["title"] == "Weekly sync"
        assert body["password"] == "012345"
        manages = who in ("host", "staff")
        assert body["can_manage"] is manages
        assert (body["meetingLink"] == meeting.share_url) is manages
        assert (body["invitation_token"] == meeting.invitation_token) is manages


@pytest.mark.parametrize(
    ("who", "shown"), [("host", True), ("staff", True), ("cohost", False), ("invitee", False)]
)
def test_a_call_held_elsewhere_is_shown_only_to_those_who_manage_it(people, meeting, who, shown):
    # Invitees reach it through the join flows, with the passcode and the waiting room.
    meeting.provider = meeting.Provider.EXTERNAL
    meeting.external_url = "https://zoom.example.com/j/123"
    meeting.save()
    body = people[who].get(f"/api/meetings/{meeting.meeting_id}").json()["meeting"]
    assert body["video_call_url"] == ("https://zoom.example.com/j/123" if shown else None)


def test_anonymous_may_not_read_a_meeting(client, meeting):
    response = client.get(f"/api/meetings/{meeting.meeting_id}")
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Authentication required"}


def test_a_meeting_is_read_by_its_id_with_or_without_dashes(api, meeting):
    for form in (str(meeting.meeting_id), meeting.formatted_meeting_id):
        response = api.get(f"/api/meetings/{form}")
        assert response.status_code == 200
        body = response.json()["meeting"]
        assert body["id"] == meeting.meeting_id
        assert body["description"] == meeting.description
        assert body["timezone"] == "Europe/Berlin"
        assert body["provider"] == "jitsi"


@pytest.mark.parametrize(
    "raw", ["12", "abc", "1234567890", "012345678", "12-34", "123.456.789", "123 456 789"]
)
def test_a_malformed_id_is_400(api, raw):
    response = api.get(f"/api/meetings/{raw}")
    assert response.status_code == 400
    assert response.json()["error"] == "A meeting ID is 9 digits, like 123-456-789 or 123456789."


def test_an_unused_id_is_404(api):
    response = api.get(f"/api/meetings/{UNUSED_ID}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_failed_lookups_are_throttled_as_on_the_pages(settings, user, meeting, other_host):
    settings.MEETING_LOOKUP_FAILURES_PER_USER = 3
    prober = token_client(other_host)
    assert prober.get(f"/api/meetings/{meeting.meeting_id}").status_code == 403
    assert prober.get(f"/api/meetings/{UNUSED_ID}").status_code == 404
    assert prober.get(f"/api/meetings/{UNUSED_ID}").status_code == 404
    response = prober.get(f"/api/meetings/{meeting.meeting_id}")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert wait > 0
    assert response.json() == {
        "success": False,
        "error": f"Too many meetings not found or not yours: try again in {wait} seconds.",
    }
    # The host's own lookups are never refused.
    assert token_client(user).get(f"/api/meetings/{meeting.meeting_id}").status_code == 200


# POST /api/meetings/create and POST /api/meetings


@pytest.mark.parametrize("path", ["/api/meetings/create", "/api/meetings"])
def test_a_title_alone_creates_a_meeting_now(api, user, path):
    before = timezone.now().replace(second=0, microsecond=0)
    response = api.post(path, {"title": "Team Standup"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    meeting = user.hosted_meetings.get()
    assert body["success"] is True
    assert body["message"] == "Meeting created successfully"
    assert body["meeting_id"] == meeting.formatted_meeting_id
    assert body["title"] == "Team Standup"
    assert body["password"] == meeting.passcode
    assert body["invitation_token"] == meeting.invitation_token
    assert body["created_at"]
    assert body["meeting"]["meetingLink"] == meeting.share_url
    assert body["meeting"]["id"] == meeting.meeting_id
    assert meeting.starts_at >= before
    assert meeting.duration == 60
    assert meeting.timezone == user.timezone


def test_a_meeting_is_scheduled_with_the_booking_documents_fields(api, user):
    start = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    response = api.post(
        "/api/meetings/create",
        {
            "subject": "React Hooks Deep Dive",
            "description": "useEffect and custom hooks",
            "scheduledAt": _iso(start),
            "duration": 90,
            "timezone": "Asia/Tokyo",
            "passcode": "2468",
            "waiting_room": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    meeting = user.hosted_meetings.get()
    assert (meeting.title, meeting.description) == (
        "React Hooks Deep Dive",
        "useEffect and custom hooks",
    )
    assert meeting.starts_at == start
    assert (meeting.duration, meeting.timezone, meeting.passcode) == (90, "Asia/Tokyo", "2468")
    assert meeting.waiting_room is True
    assert response.json()["meeting"]["scheduledAt"] == _iso(start)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "title", "This field is required."),
        ({"title": ""}, "title", "This field is required."),
        ({"title": 123}, "title", "Enter text."),
        ({"title": "x" * 201}, "title", "Keep it to 200 characters or fewer."),
        ({"title": "T", "duration": -30}, "duration", "Enter 15 or more."),
        ({"title": "T", "duration": 481}, "duration", "Enter 480 or less."),
        ({"title": "T", "duration": "sixty"}, "duration", "Enter a whole number."),
        ({"title": "T", "duration": 1.5}, "duration", "Enter a whole number."),
        (
            {"title": "T", "starts_at": "2030-01-01T10:00:00"},
            "starts_at",
            "Give the time with its UTC offset, like 2025-12-01T10:00:00Z.",
        ),
        ({"title": "T", "starts_at": "tomorrow"}, "starts_at", None),
        ({"title": "T", "starts_at": "9999-12-31T23:59:00Z"}, "starts_at", FAR_FUTURE_MESSAGE),
        ({"title": "T", "scheduledAt": "2100-01-01T10:00:00Z"}, "scheduledAt", FAR_FUTURE_MESSAGE),
        (
            {"title": "T", "starts_at": "2020-01-01T10:00:00Z"},
            "starts_at",
            "This time is in the past. Pick a time from now on.",
        ),
        ({"title": "T", "timezone": "Mars/Olympus"}, "timezone", None),
        ({"title": "T", "passcode": "12ab"}, "passcode", None),
        ({"title": "T", "provider": "zoom"}, "provider", None),
        ({"title": "T", "provider": "external"}, "external_url", None),
        ({"title": "T", "participant_limit": 1}, "participant_limit", "Enter 2 or more."),
        ({"title": "T", "waiting_room": "maybe"}, "waiting_room", "Enter true or false."),
        ({"title": "T", "host": "someone"}, "host", "Unknown field."),
        ({"title": "T", "meeting_id": 123456789}, "meeting_id", "Unknown field."),
    ],
)
def test_bad_input_is_400_with_the_field_and_creates_nothing(api, user, body, field, message):
    response = api.post("/api/meetings", body, content_type="application/json")
    assert response.status_code == 400, response.json()
    error = response.json()
    assert error["success"] is False
    assert field in error["fields"], error
    if message:
        assert error["fields"][field] == message
    assert not user.hosted_meetings.exists()


def test_an_empty_body_is_400(api, user):
    response = api.post("/api/meetings", "", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "The request has invalid fields: see `fields`.",
        "fields": {"body": "Send the fields as a JSON object, e.g. {}."},
    }
    assert not user.hosted_meetings.exists()


def test_creating_needs_authentication(client, db):
    response = client.post("/api/meetings", {"title": "T"}, content_type="application/json")
    assert response.status_code == 401
    assert not Meeting.objects.exists()


# PUT and PATCH /api/meetings/{id}


@pytest.fixture
def planned(user):
    """A meeting scheduled through the service, with an invitee who hears of changes."""
    meeting = create_meeting(user, title="Planning")
    ann = ContactFactory(owner=user, email="ann@example.org", first_name="Ann")
    Invitation.objects.create(
        meeting=meeting,
        contact=ann,
        email=ann.email,
        name="Ann",
        sent_at=timezone.now(),
        delivery_state=Invitation.Delivery.SENT,
    )
    return meeting


def _queued_message(meeting) -> str | None:
    """What Ann's next email says, if one is queued for her."""
    invitation = meeting.invitations.get(email="ann@example.org")
    queued = invitation.delivery_state == Invitation.Delivery.QUEUED
    return invitation.message if queued else None


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_reschedule_goes_through_the_service_and_tells_the_invitees(api, planned, method):
    # Starts are kept to the minute, as the scheduling page keeps them.
    start = (planned.starts_at + timedelta(days=1)).replace(second=0, microsecond=0)
    response = getattr(api, method)(
        f"/api/meetings/{planned.formatted_meeting_id}",
        {"scheduledAt": _iso(start), "duration": 45},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Meeting updated successfully"
    assert body["meeting"]["starts_at"] == _iso(start)
    planned.refresh_from_db()
    assert (planned.starts_at, planned.duration, planned.title) == (start, 45, "Planning")
    assert planned.sequence == 1
    assert _queued_message(planned) == Invitation.Message.REQUEST


def test_notify_false_changes_without_email(api, planned):
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}",
        {"title": "Planning, moved", "notify": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    planned.refresh_from_db()
    assert planned.title == "Planning, moved"
    assert _queued_message(planned) is None


def test_a_title_change_emails_the_invitees_by_default(api, planned):
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}", {"title": "Moved"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert _queued_message(planned) == Invitation.Message.REQUEST


def test_fields_left_out_keep_their_values(api, planned):
    before = Meeting.objects.get(pk=planned.pk)
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}", {"title": "New"}, content_type="application/json"
    )
    assert response.status_code == 200
    planned.refresh_from_db()
    for name in ("starts_at", "duration", "timezone", "passcode", "description", "provider"):
        assert getattr(planned, name) == getattr(before, name)


@pytest.mark.parametrize(
    ("who", "status"),
    [("cohost", 403), ("invitee", 403), ("stranger", 403), ("staff", 200), ("host", 200)],
)
def test_who_may_change_a_meeting(people, meeting, who, status):
    response = people[who].patch(
        f"/api/meetings/{meeting.meeting_id}",
        {"title": "Mine now"},
        content_type="application/json",
    )
    assert response.status_code == status
    meeting.refresh_from_db()
    if status == 403:
        assert response.json() == NO_PERMISSION
        assert meeting.title == "Weekly sync"
    else:
        assert meeting.title == "Mine now"


def test_anonymous_may_not_change_or_cancel(client, meeting):
    path = f"/api/meetings/{meeting.meeting_id}"
    assert client.patch(path, {"title": "x"}, content_type="application/json").status_code == 401
    assert client.delete(path).status_code == 401
    meeting.refresh_from_db()
    assert (meeting.title, meeting.status) == ("Weekly sync", "scheduled")


def test_a_bad_change_is_400_and_changes_nothing(api, planned):
    response = api.put(
        f"/api/meetings/{planned.meeting_id}",
        {"duration": -5, "title": "Changed"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"duration": "Enter 15 or more."}
    planned.refresh_from_db()
    assert (planned.title, planned.duration, planned.sequence) == ("Planning", 30, 0)


def test_a_started_meeting_cannot_be_changed(api, planned):
    Meeting.objects.filter(pk=planned.pk).update(status=Meeting.Status.ACTIVE)
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "This meeting is in progress and can no longer be edited.",
    }


def test_changing_an_unused_id_is_404(api):
    response = api.patch(
        f"/api/meetings/{UNUSED_ID}", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# DELETE /api/meetings/{id}


def test_delete_cancels_and_tells_the_invitees(api, planned):
    response = api.delete(f"/api/meetings/{planned.formatted_meeting_id}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Meeting cancelled successfully"}
    planned.refresh_from_db()
    assert planned.status == Meeting.Status.CANCELLED
    assert _queued_message(planned) == Invitation.Message.CANCEL


def test_a_cancelled_meeting_cannot_be_cancelled_again(api, planned):
    api.delete(f"/api/meetings/{planned.meeting_id}")
    response = api.delete(f"/api/meetings/{planned.meeting_id}")
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "This meeting is cancelled and cannot be cancelled.",
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [("cohost", 403), ("invitee", 403), ("stranger", 403), ("staff", 200), ("host", 200)],
)
def test_who_may_cancel_a_meeting(people, meeting, who, status):
    response = people[who].delete(f"/api/meetings/{meeting.meeting_id}")
    assert response.status_code == status
    meeting.refresh_from_db()
    if status == 403:
        assert response.json() == NO_PERMISSION
        assert meeting.status == Meeting.Status.SCHEDULED
    else:
        assert meeting.status == Meeting.Status.CANCELLED


def test_null_fields_count_as_not_given(api, planned):
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}",
        {"title": None, "starts_at": None, "duration": None, "waiting_room": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    planned.refresh_from_db()
    assert (planned.title, planned.duration, planned.sequence) == ("Planning", 30, 0)


def test_a_null_participant_limit_removes_the_limit(api, planned):
    Meeting.objects.filter(pk=planned.pk).update(participant_limit=10)
    response = api.patch(
        f"/api/meetings/{planned.meeting_id}",
        {"participant_limit": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    planned.refresh_from_db()
    assert planned.participant_limit is None


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_booked_meeting_changes_through_its_booking(api, planned, monkeypatch, method):
    monkeypatch.setattr("meetings.api.meetings.booked", lambda meeting: meeting.pk == planned.pk)
    path = f"/api/meetings/{planned.meeting_id}"
    response = (
        api.patch(path, {"title": "x"}, content_type="application/json")
        if method == "patch"
        else api.delete(path)
    )
    assert response.status_code == 409
    assert response.json() == {"success": False, "error": BOOKED}
    planned.refresh_from_db()
    assert (planned.title, planned.status) == ("Planning", Meeting.Status.SCHEDULED)


def test_google_refusing_the_meet_is_502_and_creates_nothing(api, user, monkeypatch):
    def refuse(**kwargs):
        raise MeetError("Google did not answer. Try again, or choose Jitsi.")

    monkeypatch.setattr("meetings.services.meeting_create", refuse)
    response = api.post("/api/meetings", {"title": "T"}, content_type="application/json")
    assert response.status_code == 502
    assert response.json()["error"] == "Google did not answer. Try again, or choose Jitsi."
    assert not user.hosted_meetings.exists()


def test_unknown_query_parameters_are_ignored(api, meeting):
    response = api.get("/api/meetings", {"_": "1700000000", "sort": "title"})
    assert response.status_code == 200
    assert response.json()["count"] == 1
