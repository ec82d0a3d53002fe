import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from invitations import tokens
from invitations.models import Invitation
from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from tests.factories import ContactFactory, MeetingFactory, UserFactory, move_to_past

pytestmark = pytest.mark.django_db


def _send_url(meeting):
    return reverse("invitations:send", args=[meeting.meeting_id])


def _personal(meeting, email="linus@example.org", **fields):
    """An invitation with a personal token, as the delivery would leave it."""
    contact = ContactFactory(owner=meeting.host, email=email, first_name="Linus", last_name="T")
    invitation = Invitation.objects.create(
        meeting=meeting, contact=contact, email=email, name="Linus T", **fields
    )
    token, _ = tokens.mint_many([invitation])[invitation.pk]
    return invitation, token


def _join_url(meeting, token):
    return reverse("invitations:join", args=[meeting.meeting_id, token])


def _rsvp_url(meeting, token):
    return reverse("invitations:rsvp", args=[meeting.meeting_id, token])


# Sending


def test_send_invites_users_and_contacts_and_creates_missing_contacts(
    host_client, meeting, user, django_capture_on_commit_callbacks
):
    registered = UserFactory(email="grace@example.com")
    known = ContactFactory(owner=user, email="known@example.org", first_name="Kim")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = host_client.post(
            _send_url(meeting),
            {
                "addresses": "GRACE@example.com, New Person <new@example.org>\n",
                "contacts": [known.pk],
                "personal_message": "See you there",
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # one delivery task for the whole batch
    invitations = {i.email.lower(): i for i in meeting.invitations.all()}
    assert invitations["grace@example.com"].user == registered
    assert invitations["known@example.org"].contact == known
    created = Contact.objects.get(owner=user, email="new@example.org")
    assert (created.first_name, created.last_name) == ("New", "Person")
    assert invitations["new@example.org"].contact == created
    assert {i.personal_message for i in invitations.values()} == {"See you there"}
    page = host_client.get(response["Location"]).text
    assert "3 invitations on the way." in page


def test_invalid_addresses_are_named_and_nothing_is_sent(host_client, meeting):
    response = host_client.post(
        _send_url(meeting),
        {
            "addresses": "ok@example.org\nnot-an-email, also@bad@x, <>\nfine@example.org",
        },
    )
    assert response.status_code == 400
    assert (
        "These are not valid email addresses: not-an-email, also@bad@x, &lt;&gt;" in response.text
    )
    assert "ok@example.org" in response.text  # the input is kept for fixing
    assert not Invitation.objects.exists()


def test_already_invited_addresses_are_reported_and_skipped(host_client, meeting):
    host_client.post(_send_url(meeting), {"addresses": "linus@example.org"})
    response = host_client.post(
        _send_url(meeting), {"addresses": "Linus@Example.org, new@example.org"}, follow=True
    )
    assert "Already invited, skipped: linus@example.org" in response.text
    assert "1 invitation on the way." in response.text
    assert meeting.invitations.count() == 2


def test_inviting_yourself_is_skipped_with_a_note(host_client, meeting):
    response = host_client.post(_send_url(meeting), {"addresses": "ada@example.com"}, follow=True)
    assert "You host this meeting, so you were not invited to it." in response.text
    assert not Invitation.objects.exists()


def test_oversized_personal_message_is_refused(host_client, meeting):
    response = host_client.post(
        _send_url(meeting), {"addresses": "a@example.org", "personal_message": "x" * 2001}
    )
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.text
    assert not Invitation.objects.exists()


def test_nothing_to_send_is_explained(host_client, meeting):
    response = host_client.post(_send_url(meeting), {"addresses": "  \n "})
    assert response.status_code == 400
    assert "Enter at least one email address or pick a contact." in response.text


def test_another_hosts_contacts_cannot_be_invited(host_client, meeting):
    stranger = ContactFactory()
    response = host_client.post(_send_url(meeting), {"contacts": [stranger.pk]})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_someone_elses_meeting_cannot_be_invited_to(client, meeting):
    client.force_login(UserFactory())
    assert client.post(_send_url(meeting), {"addresses": "a@example.org"}).status_code == 403
    assert not Invitation.objects.exists()


def test_ended_meeting_cannot_be_invited_to(host_client, user):
    meeting = MeetingFactory(host=user, status=Meeting.Status.ENDED)
    response = host_client.post(_send_url(meeting), {"addresses": "a@example.org"}, follow=True)
    assert "invitations can no longer be sent" in response.text
    assert not Invitation.objects.exists()


def test_meetings_list_row_offers_send_invitations(host_client, meeting):
    assert _send_url(meeting) in host_client.get(reverse("meetings:list")).text


# The host's page


@pytest.mark.parametrize("count", [2, 200])
def test_meeting_page_queries_stay_constant_with_many_invitations(
    host_client, meeting, count, django_assert_num_queries
):
    contact = ContactFactory(owner=meeting.host)
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, contact=contact, email=f"p{n}@example.org")
        for n in range(count)
    )
    # 7: the sixth of meetings' own detail test, and the booking the meeting may come from.
    with django_assert_num_queries(7):
        response = host_client.get(meeting.get_absolute_url())
    # One page of them; the rest are counted, searched and paged.
    assert response.text.count("data-invitation-id=") == min(count, 25)


def test_meeting_page_shows_delivery_state_errors_and_answers(host_client, meeting):
    _personal(
        meeting, delivery_state="failed", last_error="550 5.1.1 No such user", rsvp="accepted"
    )
    page = host_client.get(meeting.get_absolute_url()).text
    assert "550 5.1.1 No such user" in page and "Failed" in page and "Accepted" in page
    assert "contact" in page


def test_status_feed_reports_states_for_the_host_only(host_client, client, meeting):
    invitation, _ = _personal(meeting, delivery_state="sent", rsvp="tentative")
    url = reverse("invitations:status", args=[meeting.meeting_id])
    data = host_client.get(url, {"ids": str(invitation.pk)}).json()
    assert data["invitations"] == [
        {
            "id": invitation.pk,
            "delivery_state": "sent",
            "delivery_label": "Sent",
            "last_error": "",
            "attempts": 0,
            "rsvp": "tentative",
            "rsvp_label": "Maybe",
            "revoked": False,
        }
    ]
    client.force_login(UserFactory())
    assert client.get(reverse("invitations:status", args=[meeting.meeting_id])).status_code == 403


def test_status_feed_holds_only_the_rows_asked_for(host_client, meeting, django_assert_num_queries):
    asked = [_personal(meeting, f"guest{n}@example.org")[0] for n in range(3)]
    _personal(meeting, "other@example.org")
    url = reverse("invitations:status", args=[meeting.meeting_id])
    ids = ",".join(str(invitation.pk) for invitation in asked)
    # session, user, the meeting, its rows
    with django_assert_num_queries(4):
        data = host_client.get(url, {"ids": ids}).json()
    assert sorted(row["id"] for row in data["invitations"]) == sorted(i.pk for i in asked)
    assert host_client.get(url).json() == {"invitations": []}


@pytest.mark.parametrize("ids", ["x", "1,,a", ",".join(["1"] * 101)])
def test_status_feed_refuses_a_bad_list_of_rows(host_client, meeting, ids):
    url = reverse("invitations:status", args=[meeting.meeting_id])
    response = host_client.get(url, {"ids": ids})
    assert response.status_code == 400 and "error" in response.json()


def test_resend_replaces_the_link(host_client, client, meeting):
    invitation, token = _personal(meeting, delivery_state="sent")
    host_client.post(reverse("invitations:resend", args=[meeting.meeting_id, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.delivery_state == "queued"
    assert client.get(_join_url(meeting, token)).status_code == 404


def test_revoke_closes_the_link(host_client, client, meeting):
    invitation, token = _personal(meeting, delivery_state="sent")
    response = host_client.post(
        reverse("invitations:revoke", args=[meeting.meeting_id, invitation.pk])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at and invitation.delivery_state == "sent"
    response = client.get(_join_url(meeting, token))
    assert response.status_code == 404 and "Invitation link not found" in response.text


def test_remove_deletes_the_invitation_but_keeps_the_contact(host_client, meeting):
    invitation, _ = _personal(meeting)
    host_client.post(reverse("invitations:remove", args=[meeting.meeting_id, invitation.pk]))
    assert not Invitation.objects.exists()
    assert Contact.objects.filter(email="linus@example.org").exists()


@pytest.mark.parametrize("action", ["resend", "revoke", "remove"])
def test_actions_on_someone_elses_invitations_are_refused(client, meeting, action):
    invitation, _ = _personal(meeting)
    client.force_login(UserFactory())
    response = client.post(
        reverse(f"invitations:{action}", args=[meeting.meeting_id, invitation.pk])
    )
    assert response.status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).exists()


@pytest.mark.parametrize("action", ["resend", "revoke", "remove"])
def test_actions_need_a_post(host_client, meeting, action):
    invitation, _ = _personal(meeting)
    response = host_client.get(
        reverse(f"invitations:{action}", args=[meeting.meeting_id, invitation.pk])
    )
    assert response.status_code == 405


# The personal link


def test_personal_link_shows_the_meeting_and_joins_under_the_confirmed_name(client, meeting):
    _, token = _personal(meeting)
    page = client.get(_join_url(meeting, token))
    assert page.status_code == 200
    assert meeting.title in page.text and "Ada Lovelace" in page.text
    assert 'value="Linus T"' in page.text and 'name="passcode"' not in page.text
    response = client.post(_join_url(meeting, token), {"name": " Linus  Torvalds "})
    assert response["Location"] == reverse("meetings:room", args=[meeting.meeting_id])
    room = client.get(response["Location"]).text
    assert "Linus%20Torvalds" in room


def test_personal_link_get_changes_nothing(client, meeting):
    _, token = _personal(meeting)
    client.get(_join_url(meeting, token))
    assert client.get(reverse("meetings:room", args=[meeting.meeting_id])).status_code == 302


def test_personal_link_of_another_meeting_is_not_found(client, meeting):
    _, token = _personal(meeting)
    other = MeetingFactory(host=meeting.host)
    response = client.get(_join_url(other, token))
    assert response.status_code == 404
    assert "Invitation link not found" in response.text


@pytest.mark.parametrize("token", ["unknown-token", "x" * 500])
def test_unknown_personal_link_is_not_found(client, meeting, token):
    response = client.get(_join_url(meeting, token))
    assert response.status_code == 404
    assert "Invitation link not found" in response.text


def test_personal_link_refuses_a_blank_name(client, meeting):
    _, token = _personal(meeting)
    response = client.post(_join_url(meeting, token), {"name": "  "})
    assert response.status_code == 400
    assert "Enter the name others will see." in response.text


def test_personal_link_of_a_cancelled_meeting_says_so(client, meeting):
    _, token = _personal(meeting)
    meeting_services.meeting_cancel(meeting=meeting)
    response = client.get(_join_url(meeting, token))
    assert response.status_code == 410
    assert "This meeting was cancelled" in response.text


def test_an_expired_personal_link_says_not_found_and_whom_to_ask(client, meeting):
    _, token = _personal(meeting)
    move_to_past(meeting, ended_ago=timedelta(days=30))
    for response in (
        client.get(_join_url(meeting, token)),
        client.post(_join_url(meeting, token), {"name": "Linus"}),
    ):
        assert response.status_code == 410
        page = html.unescape(response.text)
        assert "<h1>Invitation link not found</h1>" in page
        assert "“Weekly sync” ended on" in page and "and its links have expired." in page
        assert 'ask the host, Ada Lovelace (<a href="mailto:ada@example.com">' in page
    assert not Attendance.objects.exists()


def test_an_invited_user_cannot_join_an_expired_meeting(client, meeting):
    guest = UserFactory()
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    move_to_past(meeting, ended_ago=timedelta(days=31), status="scheduled")
    client.force_login(guest)
    response = client.post(reverse("invitations:join_as_invitee", args=[meeting.meeting_id]))
    assert response.status_code == 410
    assert "<h1>This meeting has ended</h1>" in response.text
    assert not Attendance.objects.exists()


# RSVP


def test_rsvp_link_asks_for_confirmation_before_recording(client, meeting):
    invitation, token = _personal(meeting)
    page = client.get(_rsvp_url(meeting, token) + "?answer=declined")
    assert page.status_code == 200 and "Will you attend?" in page.text
    invitation.refresh_from_db()
    assert invitation.rsvp == "needs_action"

    response = client.post(_rsvp_url(meeting, token), {"answer": "declined"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.rsvp == "declined" and invitation.rsvp_at
    assert "Your answer is saved" in client.get(response["Location"]).text


def test_rsvp_with_a_nonsense_answer_changes_nothing(client, meeting):
    invitation, token = _personal(meeting, rsvp="accepted")
    response = client.post(_rsvp_url(meeting, token), {"answer": "perhaps"})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.rsvp == "accepted"


def test_rsvp_with_a_revoked_link_is_not_found(client, meeting):
    invitation, token = _personal(meeting)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=meeting.created_at)
    assert client.post(_rsvp_url(meeting, token), {"answer": "accepted"}).status_code == 404


def test_host_sees_the_answer_at_once(client, host_client, meeting):
    invitation, token = _personal(meeting)
    client.post(_rsvp_url(meeting, token), {"answer": "tentative"})
    url = reverse("invitations:status", args=[meeting.meeting_id])
    data = host_client.get(url, {"ids": invitation.pk}).json()
    assert data["invitations"][0]["rsvp_label"] == "Maybe"


# Invited users


@pytest.fixture
def invited_client(meeting):
    guest = UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    Invitation.objects.create(
        meeting=meeting, user=guest, email=guest.email, name=guest.display_name
    )
    client = Client()
    client.force_login(guest)
    return client


def test_invited_users_see_the_meeting_in_their_list_and_join_from_there(invited_client, meeting):
    page = invited_client.get(reverse("meetings:list")).text
    assert meeting.title in page and "Hosted by Ada Lovelace" in page
    join = reverse("invitations:join_as_invitee", args=[meeting.meeting_id])
    assert join in page
    response = invited_client.post(join)
    assert response["Location"] == reverse("meetings:room", args=[meeting.meeting_id])
    assert "Grace%20Hopper" in invited_client.get(response["Location"]).text


def test_invited_users_see_a_read_only_meeting_page_and_answer(invited_client, meeting):
    page = invited_client.get(meeting.get_absolute_url()).text
    assert "Ada Lovelace invited you" in page and "Edit or reschedule" not in page
    invited_client.post(
        reverse("invitations:rsvp_as_invitee", args=[meeting.meeting_id]), {"answer": "accepted"}
    )
    assert Invitation.objects.get().rsvp == "accepted"


def test_revoked_users_lose_the_meeting(invited_client, meeting):
    Invitation.objects.update(revoked_at=meeting.created_at)
    assert meeting.title not in invited_client.get(reverse("meetings:list")).text
    assert invited_client.get(meeting.get_absolute_url()).status_code == 403
    response = invited_client.post(
        reverse("invitations:join_as_invitee", args=[meeting.meeting_id])
    )
    assert response.status_code == 403


@pytest.mark.parametrize("count", [1, 30])
def test_list_with_invited_meetings_runs_constant_queries(client, count, django_assert_num_queries):
    guest = UserFactory()
    for meeting in MeetingFactory.create_batch(count):
        Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    client.force_login(guest)
    # session, user, the page with its count
    with django_assert_num_queries(3):
        response = client.get(reverse("meetings:list"))
    assert response.text.count("data-meeting-id=") == min(count, 20)


# The calendar file


def test_calendar_file_for_host_and_invitee_without_personal_links(
    host_client, invited_client, meeting
):
    from icalendar import Calendar

    for who in (host_client, invited_client):
        response = who.get(reverse("invitations:calendar", args=[meeting.meeting_id]))
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.content)
        (event,) = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "PUBLISH"
        assert "ATTENDEE" not in event
        assert "/join/" not in response.content.decode()
        assert event["URL"].endswith(meeting.get_absolute_url())


def test_calendar_file_is_not_for_strangers(client, meeting):
    client.force_login(UserFactory())
    assert client.get(reverse("invitations:calendar", args=[meeting.meeting_id])).status_code == 403
    client.logout()
    assert client.get(reverse("invitations:calendar", args=[meeting.meeting_id])).status_code == 302


def test_admin_lists_and_filters_invitations(client, staff_user, meeting):
    _personal(meeting, delivery_state="failed", last_error="550 no")
    client.force_login(staff_user)
    url = reverse("admin:invitations_invitation_changelist")
    assert "linus@example.org" in client.get(url, {"delivery_state__exact": "failed"}).text
    assert "linus@example.org" not in client.get(url, {"delivery_state__exact": "sent"}).text
    assert "linus@example.org" in client.get(url, {"q": meeting.title}).text


def test_invite_as_co_host(host_client, meeting):
    host_client.post(_send_url(meeting), {"addresses": "co@example.org", "role": "moderator"})
    invitation = Invitation.objects.get()
    assert invitation.is_moderator
    assert "co-host" in host_client.get(meeting.get_absolute_url()).text


def test_an_unknown_role_is_refused(host_client, meeting):
    response = host_client.post(_send_url(meeting), {"addresses": "x@example.org", "role": "owner"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Sao_Paulo"])
def test_calendar_file_in_any_zone_parses_back(host_client, user, zone):
    from icalendar import Calendar

    meeting = MeetingFactory(host=user, timezone=zone)
    response = host_client.get(reverse("invitations:calendar", args=[meeting.meeting_id]))
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert event.start == meeting.starts_at
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ([] if zone == "UTC" else [zone])
