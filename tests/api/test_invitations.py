"""invitations/api.py: send invitations, list them, and what a share link opens."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from contacts.models import Contact
from invitations.api import public_host_id
from invitations.forms import MAX_RECIPIENTS
from invitations.models import Invitation
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.api.conftest import token_client
from tests.factories import MeetingFactory, UserFactory, move_to_past

UNUSED_ID = 123_456_780
FORBIDDEN = {"success": False, "error": "You don't have permission to access this meeting"}
NOT_FOUND = {"success": False, "error": "Meeting not found"}
UNAUTHENTICATED = {"success": False, "error": "Authentication required"}
LINK_NOT_FOUND = {"success": False, "error": "Invitation link not found"}


def _send_path(meeting) -> str:
    return f"/api/meetings/{meeting.formatted_meeting_id}/send-invitations"


def _list_path(meeting) -> str:
    return f"/api/meetings/{meeting.formatted_meeting_id}/invitations"


def _send(client, meeting, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(_send_path(meeting), data, content_type="application/json", **extra)


# POST /api/meetings/{id}/send-invitations


def test_sending_invites_each_address_and_queues_one_delivery(
    api, meeting, user, django_capture_on_commit_callbacks
):
    registered = UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    with django_capture_on_commit_callbacks() as callbacks:
        response = _send(
            api,
            meeting,
            {
                "emails": ["GRACE@example.com", "New Person <new@example.org>"],
                "message": "See you there",
            },
        )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "2 invitations on the way.",
        "invited": 2,
        "results": [
            {"email": "GRACE@example.com", "outcome": "invited"},
            {"email": "new@example.org", "outcome": "invited"},
        ],
    }
    assert len(callbacks) == 1  # one delivery task for the batch, as from the page
    invitations = {i.email.lower(): i for i in meeting.invitations.all()}
    assert invitations["grace@example.com"].user == registered
    contact = Contact.objects.get(owner=user, email="new@example.org")
    assert invitations["new@example.org"].contact == contact
    assert {i.delivery_state for i in invitations.values()} == {Invitation.Delivery.QUEUED}
    assert {i.personal_message for i in invitations.values()} == {"See you there"}
    assert {i.role for i in invitations.values()} == {Invitation.Role.ATTENDEE}


def test_already_invited_addresses_and_the_host_are_skipped(api, meeting):
    _send(api, meeting, {"emails": ["kim@example.org"]})
    response = _send(
        api, meeting, {"emails": ["KIM@example.org", "ada@example.com", "new@example.org"]}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "1 invitation on the way.",
        "invited": 1,
        "results": [
            {"email": "KIM@example.org", "outcome": "already_invited"},
            {"email": "ada@example.com", "outcome": "skipped_host"},
            {"email": "new@example.org", "outcome": "invited"},
        ],
    }
    assert meeting.invitations.count() == 2


def test_an_address_given_twice_is_invited_once_and_answered_once(api, meeting):
    response = _send(api, meeting, {"emails": ["kim@example.org", "Kim <KIM@example.org>"]})
    assert response.json()["results"] == [{"email": "kim@example.org", "outcome": "invited"}]
    assert meeting.invitations.count() == 1


def test_a_revoked_invitee_is_invited_again(api, meeting):
    _send(api, meeting, {"emails": ["kim@example.org"]})
    meeting.invitations.update(revoked_at=meeting.created_at)
    response = _send(api, meeting, {"emails": ["kim@example.org"]})
    assert response.json()["results"] == [{"email": "kim@example.org", "outcome": "invited"}]
    assert meeting.invitations.get().revoked_at is None


def test_co_hosts_are_invited_with_the_moderator_role(api, meeting):
    response = _send(api, meeting, {"emails": ["kim@example.org"], "role": "moderator"})
    assert response.status_code == 200
    assert meeting.invitations.get().role == Invitation.Role.MODERATOR


@pytest.mark.parametrize(
    ("who", "status", "body"),
    [
        ("host", 200, None),
        ("staff", 200, None),
        # The invite page is the host's (and staff's); a co-host moderates the room only.
        ("cohost", 403, FORBIDDEN),
        ("invitee", 403, FORBIDDEN),
        ("stranger", 403, FORBIDDEN),
        ("anonymous", 401, UNAUTHENTICATED),
    ],
)
def test_who_may_send_invitations(people, meeting, who, status, body):
    response = _send(people[who], meeting, {"emails": ["kim@example.org"]})
    assert response.status_code == status
    if body is not None:
        assert response.json() == body
        assert not meeting.invitations.filter(email="kim@example.org").exists()
    else:
        assert meeting.invitations.filter(email="kim@example.org").exists()


def test_the_sites_pages_send_with_their_session_and_the_csrf_token(user, meeting):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = _send(browser, meeting, {"emails": ["kim@example.org"]})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    assert not meeting.invitations.exists()
    browser.get("/accounts/profile/")  # sets the CSRF cookie, as any page does
    token = browser.cookies["csrftoken"].value
    response = _send(browser, meeting, {"emails": ["kim@example.org"]}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert meeting.invitations.filter(email="kim@example.org").exists()


def test_sending_to_no_meeting_is_404_and_a_malformed_id_400(api):
    response = api.post(
        f"/api/meetings/{UNUSED_ID}/send-invitations",
        {"emails": ["kim@example.org"]},
        content_type="application/json",
    )
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    response = api.post(
        "/api/meetings/12-34/send-invitations",
        {"emails": ["kim@example.org"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "meeting_id": "A meeting ID is 9 digits, like 123-456-789 or 123456789."
    }


def test_a_cancelled_meeting_takes_no_more_invitations(api, meeting):
    meeting_services.meeting_cancel(meeting=meeting)
    response = _send(api, meeting, {"emails": ["kim@example.org"]})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "This meeting is cancelled; invitations can no longer be sent.",
    }
    assert not meeting.invitations.exists()


def test_an_ended_meeting_takes_no_more_invitations(api, meeting):
    move_to_past(meeting, ended_ago=timedelta(hours=1))
    response = _send(api, meeting, {"emails": ["kim@example.org"]})
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "error": "This meeting is completed; invitations can no longer be sent.",
    }
    assert not meeting.invitations.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"emails": ["ok@example.org", "not-an-email", "also@bad@x"]},
            {
                "emails": "These are not valid email addresses: not-an-email, also@bad@x. "
                "Fix them and send again."
            },
        ),
        ({"emails": []}, {"emails": "Enter at least one email address or pick a contact."}),
        ({"emails": ["  "]}, {"emails": "Enter at least one email address or pick a contact."}),
        (
            {"emails": [f"p{n}@example.org" for n in range(MAX_RECIPIENTS + 1)]},
            {"emails": f"Invite at most {MAX_RECIPIENTS} people at a time."},
        ),
        ({}, {"emails": "This field is required."}),
        ({"emails": "kim@example.org"}, {"emails": 'Send a JSON list, like ["…"].'}),
        ({"emails": [3]}, {"emails.0": "Enter text."}),
        ({"emails": ["kim@example.org"], "message": 5}, {"message": "Enter text."}),
        (
            {"emails": ["kim@example.org"], "message": "x" * 2001},
            {"message": "Keep it to 2000 characters or fewer."},
        ),
        (
            {"emails": ["kim@example.org"], "role": "owner"},
            {"role": "Choose one of 'attendee' or 'moderator'."},
        ),
        ({"emails": ["kim@example.org"], "subject": "Hi"}, {"subject": "Unknown field."}),
    ],
)
def test_bad_input_is_400_with_the_field_at_fault_and_invites_nobody(api, meeting, body, fields):
    response = _send(api, meeting, body)
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": "The request has invalid fields: see `fields`.",
        "fields": fields,
    }
    assert not meeting.invitations.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"emails": ["kim\\u0000@example.org"]}',
        '{"emails": ["kim@example.org"], "message": "a\\u0000b"}',
    ],
)
def test_a_nul_character_is_400_and_invites_nobody(api, meeting, body):
    response = _send(api, meeting, body)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert not meeting.invitations.exists()


def test_malformed_json_is_400_and_invites_nobody(api, meeting):
    response = _send(api, meeting, '{"emails": [')
    assert response.status_code == 400
    assert response.json()["error"].startswith("Malformed JSON")
    assert not meeting.invitations.exists()


def test_failed_lookups_are_throttled_as_on_the_pages(settings, meeting, other_host):
    settings.MEETING_LOOKUP_FAILURES_PER_USER = 2
    prober = token_client(other_host)
    assert _send(prober, meeting, {"emails": ["kim@example.org"]}).status_code == 403
    assert prober.get(f"/api/meetings/{UNUSED_ID}/invitations").status_code == 404
    response = prober.get(_list_path(meeting))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# GET /api/meetings/{id}/invitations


def test_the_list_shows_each_invitation_with_its_answer_and_delivery(api, meeting):
    invitee = UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    _send(api, meeting, {"emails": ["grace@example.com", "Kim <kim@example.org>"]})
    grace = meeting.invitations.get(user=invitee)
    Invitation.objects.filter(pk=grace.pk).update(
        rsvp=Invitation.Rsvp.ACCEPTED,
        rsvp_at=grace.created_at,
        delivery_state=Invitation.Delivery.SENT,
        sent_at=grace.created_at,
    )
    kim = meeting.invitations.get(email="kim@example.org")
    Invitation.objects.filter(pk=kim.pk).update(
        delivery_state=Invitation.Delivery.FAILED, attempts=3, last_error="550 no such user"
    )
    response = api.get(_list_path(meeting))
    assert response.status_code == 200
    created = grace.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert response.json() == {
        "success": True,
        "count": 2,
        "page": 1,
        "pages": 1,
        "summary": {
            "total": 2,
            "revoked": 0,
            "rsvp": {"needs_action": 1, "accepted": 1, "tentative": 0, "declined": 0},
            "delivery": {"queued": 0, "sending": 0, "sent": 1, "failed": 1},
        },
        "invitations": [
            {
                "id": grace.pk,
                "email": "grace@example.com",
                "name": "Grace Hopper",
                "role": "attendee",
                "registered": True,
                "rsvp": "accepted",
                "rsvp_at": created,
                "delivery_state": "sent",
                "attempts": 0,
                "last_error": "",
                "sent_at": created,
                "revoked": False,
                "created_at": created,
            },
            {
                "id": kim.pk,
                "email": "kim@example.org",
                "name": "Kim",
                "role": "attendee",
                "registered": False,
                "rsvp": "needs_action",
                "rsvp_at": None,
                "delivery_state": "failed",
                "attempts": 3,
                "last_error": "550 no such user",
                "sent_at": None,
                "revoked": False,
                "created_at": kim.created_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
            },
        ],
    }


def test_the_list_pages_by_20_and_searches(api, meeting):
    _send(api, meeting, {"emails": [f"p{n:02}@example.org" for n in range(25)]})
    first = api.get(_list_path(meeting)).json()
    assert (first["count"], first["page"], first["pages"]) == (25, 1, 2)
    assert len(first["invitations"]) == 20
    last = api.get(_list_path(meeting), {"page": 9}).json()
    assert last["page"] == 2
    assert [row["email"] for row in last["invitations"]] == [
        f"p{n}@example.org" for n in range(20, 25)
    ]
    found = api.get(_list_path(meeting), {"q": "p07"}).json()
    assert found["count"] == 1
    assert [row["email"] for row in found["invitations"]] == ["p07@example.org"]
    assert found["summary"]["total"] == 25


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"page": 0}, {"page": "Enter 1 or more."}),
        ({"page": "two"}, {"page": "Enter a whole number."}),
        ({"q": "x" * 101}, {"q": "Keep it to 100 characters or fewer."}),
    ],
)
def test_a_bad_list_query_is_400(api, meeting, query, fields):
    response = api.get(_list_path(meeting), query)
    assert response.status_code == 400
    assert response.json()["fields"] == fields


def test_the_list_takes_the_same_queries_for_one_invitation_and_many(
    api, meeting, django_assert_num_queries
):
    _send(api, meeting, {"emails": ["one@example.org"]})
    api.get(_list_path(meeting))  # writes the token's first use
    # The token, its limits, the meeting, the counts, the page.
    with django_assert_num_queries(6) as one:
        assert len(api.get(_list_path(meeting)).json()["invitations"]) == 1
    queries = len(one.captured_queries)  # read now: the next request resets the log
    users = [UserFactory() for _ in range(10)]
    _send(
        api,
        meeting,
        {"emails": [f"p{n}@example.org" for n in range(15)] + [u.email for u in users]},
    )
    with django_assert_num_queries(queries):
        assert len(api.get(_list_path(meeting)).json()["invitations"]) == 20


@pytest.mark.parametrize(
    ("who", "status", "body"),
    [
        ("host", 200, None),
        ("staff", 200, None),
        ("cohost", 403, FORBIDDEN),
        ("invitee", 403, FORBIDDEN),
        ("stranger", 403, FORBIDDEN),
        ("anonymous", 401, UNAUTHENTICATED),
    ],
)
def test_who_may_list_the_invitations(people, meeting, who, status, body):
    response = people[who].get(_list_path(meeting))
    assert response.status_code == status
    if body is None:
        assert response.json()["count"] == 2
    else:
        assert response.json() == body


def test_listing_no_meeting_is_404(api):
    response = api.get(f"/api/meetings/{UNUSED_ID}/invitations")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# GET /api/meetings/invitation/{token}


def _token_path(meeting) -> str:
    return f"/api/meetings/invitation/{meeting.invitation_token}"


def test_a_share_link_token_opens_the_meeting_for_anyone(client, meeting, user):
    response = client.get(_token_path(meeting))
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "meeting_id": meeting.formatted_meeting_id,
        "title": "Weekly sync",
        "password": "012345",
        "host_id": public_host_id(user.pk),
        "host_name": "Ada Lovelace",
        "created_at": meeting.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "starts_at": meeting.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": meeting.ends_at.isoformat().replace("+00:00", "Z"),
        "duration": 60,
        "timezone": meeting.timezone,
        "status": "scheduled",
    }


def test_host_id_is_opaque_and_the_same_for_all_the_hosts_meetings(client, meeting, user):
    other = MeetingFactory(host=user)
    host_id = client.get(_token_path(meeting)).json()["host_id"]
    assert host_id == client.get(_token_path(other)).json()["host_id"]
    assert str(user.pk) != host_id
    stranger = MeetingFactory(host=UserFactory())
    assert client.get(_token_path(stranger)).json()["host_id"] != host_id


@pytest.mark.parametrize("who", ["host", "cohost", "invitee", "stranger", "staff", "anonymous"])
def test_every_caller_reads_a_share_link_alike(people, meeting, who):
    response = people[who].get(_token_path(meeting))
    assert response.status_code == 200
    assert response.json()["meeting_id"] == meeting.formatted_meeting_id


@pytest.mark.parametrize("token", ["nope", "x" * 300, "link"])
def test_an_unknown_token_is_not_found(db, client, token):
    response = client.get(f"/api/meetings/invitation/{token}")
    assert (response.status_code, response.json()) == (404, LINK_NOT_FOUND)


def test_a_replaced_share_link_is_not_found(client, meeting):
    old = meeting.invitation_token
    meeting_services.meeting_regenerate_invitation_link(meeting=meeting)
    response = client.get(f"/api/meetings/invitation/{old}")
    assert (response.status_code, response.json()) == (404, LINK_NOT_FOUND)


@pytest.mark.parametrize("status", ["ended", "scheduled", "cancelled"])
def test_an_expired_link_is_not_found_as_on_the_page(client, meeting, status):
    move_to_past(meeting, ended_ago=timedelta(days=30), status=status)
    response = client.get(_token_path(meeting))
    if status == Meeting.Status.CANCELLED:
        # A cancelled meeting's links keep saying that it was cancelled (access.links_expired).
        assert response.json()["status"] == "cancelled"
    else:
        assert (response.status_code, response.json()) == (404, LINK_NOT_FOUND)


def test_a_recently_ended_meeting_still_answers_with_its_status(client, meeting):
    move_to_past(meeting, ended_ago=timedelta(hours=1))
    response = client.get(_token_path(meeting))
    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_a_nul_character_in_a_share_link_lookup_is_refused(client, meeting):
    response = client.get(_token_path(meeting), {"x": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]


def test_a_wrong_token_header_is_401_not_anonymous(meeting):
    client = Client(HTTP_AUTHORIZATION="Bearer mtg_wrong")
    response = client.get(_token_path(meeting))
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_share_link_lookups_are_limited_per_address(settings, client, meeting):
    settings.API_REQUESTS_PER_ADDRESS = 2
    # An hour's window, so that no window ends between the three requests.
    settings.API_REQUEST_WINDOW = 3600
    assert client.get(_token_path(meeting)).status_code == 200
    assert client.get("/api/meetings/invitation/nope").status_code == 404
    response = client.get(_token_path(meeting))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert response.json()["error"].startswith("Too many requests")
