"""Meetings held on Google Meet: the Calendar event that carries the Meet, through its life."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import GoogleAccount
from meetings.models import Meeting
from meetings_site.crypto import decrypt_secret
from tests import google
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name, meeting):
    return reverse(f"meetings:{name}", args=[meeting.meeting_id])


def _form_data(**overrides):
    day = (timezone.now() + timedelta(days=5)).date().isoformat()
    data = {
        "title": "Design review",
        "description": "Walk through the new booking page.",
        "date": day,
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_preset": "45",
        "passcode": "",
        "provider": "google_meet",
    }
    return data | overrides


def _edit_data(meeting, **overrides):
    return _form_data(passcode=meeting.passcode) | overrides


def _on_meet(user, **fields) -> Meeting:
    return MeetingFactory(
        host=user,
        provider=Meeting.Provider.GOOGLE_MEET,
        external_url=google.MEET_URL,
        google_event_id=google.EVENT_ID,
        **fields,
    )


# Creating


def test_creating_inserts_an_event_with_a_meet_and_stores_its_link(
    host_client, user, google_server
):
    google.connect_google(user)
    google_server.answer(google.event())

    response = host_client.post(reverse("meetings:create"), _form_data())

    meeting = Meeting.objects.get()
    assert response["Location"] == _url("detail", meeting) + "?created=1"
    assert meeting.provider == "google_meet"
    assert (meeting.external_url, meeting.google_event_id) == (google.MEET_URL, google.EVENT_ID)

    (insert,) = [google_server.request(0)]
    assert (insert.method, insert.url) == ("POST", google.EVENTS_URL)
    assert insert.query == {"conferenceDataVersion": "1", "sendUpdates": "none", "alt": "json"}
    assert insert.headers["authorization"] == f"Bearer {google.ACCESS_TOKEN}"
    body = insert.json
    assert body["summary"] == "Design review"
    assert body["description"] == "Walk through the new booking page."
    start = meeting.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert body["start"] == {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"}
    assert body["end"] == {
        "dateTime": (start + timedelta(minutes=45)).isoformat(),
        "timeZone": "Europe/Berlin",
    }
    request = body["conferenceData"]["createRequest"]
    assert request["conferenceSolutionKey"] == {"type": "hangoutsMeet"}
    assert len(request["requestId"]) == 32
    assert body["extendedProperties"] == {"private": {"meetingUid": str(meeting.uid)}}
    assert "attendees" not in body


def test_everyone_is_sent_to_the_meet(host_client, client, user, google_server):
    meeting = _on_meet(user)
    page = host_client.get(_url("detail", meeting)).text
    assert f'href="{google.MEET_URL}"' in page and "Google Meet" in page
    assert "New video room" not in page  # moving rooms is Jitsi's

    link = host_client.get(reverse("meetings:link", args=[meeting.meeting_id])).json()
    assert link["meeting_url"] == google.MEET_URL

    host_client.post(_url("start", meeting))
    room = host_client.get(_url("room", meeting)).text
    assert f'href="{google.MEET_URL}"' in room and "external_api.js" not in room


def test_the_form_waits_for_a_pending_conference(host_client, user, google_server):
    google.connect_google(user)
    google_server.answer(google.event("pending"), google.event("pending"), google.event())

    host_client.post(reverse("meetings:create"), _form_data())

    meeting = Meeting.objects.get()
    assert meeting.external_url == google.MEET_URL
    follow_ups = [google_server.request(index) for index in (1, 2)]
    assert all(
        (r.method, r.url) == ("GET", f"{google.EVENTS_URL}/{google.EVENT_ID}") for r in follow_ups
    )


def test_a_meet_still_pending_is_fetched_by_the_worker(
    host_client, user, google_server, run_worker
):
    google.connect_google(user)
    google_server.answer(*[google.event("pending")] * 4)

    host_client.post(reverse("meetings:create"), _form_data())

    meeting = Meeting.objects.get()
    assert meeting.google_event_id == google.EVENT_ID and meeting.external_url == ""
    link = host_client.get(reverse("meetings:link", args=[meeting.meeting_id]))
    assert link.status_code == 404
    assert link.json() == {
        "error": "The meeting has no room yet: Google is still setting up its Meet."
    }
    host_client.post(_url("start", meeting))
    room = host_client.get(_url("room", meeting)).text
    assert "Google is still setting up" in room and 'http-equiv="refresh"' in room
    assert "open-room" not in room

    google_server.answer(google.event())
    run_worker()

    meeting.refresh_from_db()
    assert meeting.external_url == google.MEET_URL
    assert google_server.unanswered == 0
    assert f'href="{google.MEET_URL}"' in host_client.get(_url("room", meeting)).text


def test_without_a_connected_account_the_form_offers_jitsi(host_client, google_server):
    form = host_client.get(reverse("meetings:create")).text
    assert "Google Meet needs your Google account" in form
    assert 'form="google-connect"' in form

    response = host_client.post(reverse("meetings:create"), _form_data())

    assert response.status_code == 400
    assert "Google Meet needs your Google account: connect it first, or choose Jitsi." in (
        response.text
    )
    assert not Meeting.objects.exists() and google_server.requests == []


def test_without_an_oauth_client_google_meet_is_not_a_choice(host_client, user, settings):
    settings.GOOGLE_OAUTH_CLIENT_ID = ""
    form = host_client.get(reverse("meetings:create")).text
    assert 'value="google_meet"' not in form
    response = host_client.post(reverse("meetings:create"), _form_data())
    assert response.status_code == 400 and not Meeting.objects.exists()


def test_the_form_names_the_connected_account(host_client, user, google_server):
    google.connect_google(user)
    form = host_client.get(reverse("meetings:create")).text
    assert "Google Calendar of ada.lovelace@gmail.com" in form


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            google.api_error(403, "quotaExceeded", "Calendar usage limits exceeded."),
            "Google Calendar refused the request (403: Calendar usage limits exceeded.). "
            "Try again, or choose Jitsi.",
        ),
        (
            google.event("failure"),
            "Google could not set up a Meet for this meeting. Try again, or choose Jitsi.",
        ),
    ],
    ids=["refused", "conference failed"],
)
def test_when_google_refuses_nothing_is_saved(host_client, user, google_server, answer, message):
    google.connect_google(user)
    google_server.answer(answer)

    response = host_client.post(reverse("meetings:create"), _form_data())

    assert response.status_code == 502
    assert message in response.text.replace("&#x27;", "'")
    assert not Meeting.objects.exists()


def test_an_expired_access_token_is_refreshed_and_kept(host_client, user, google_server):
    account = google.connect_google(user, expires_in=timedelta(minutes=-5))
    google_server.answer(google.refreshed_token("ya29.a0AfB_fresh"), google.event())

    host_client.post(reverse("meetings:create"), _form_data())

    refresh = google_server.request(0)
    assert (refresh.method, refresh.url) == ("POST", "https://oauth2.googleapis.com/token")
    assert refresh.form["grant_type"] == "refresh_token"
    assert refresh.form["refresh_token"] == google.REFRESH_TOKEN
    assert google_server.request(1).headers["authorization"] == "Bearer ya29.a0AfB_fresh"
    account.refresh_from_db()
    assert decrypt_secret(account.access_token) == "ya29.a0AfB_fresh"
    assert account.access_token_expires_at > timezone.now()
    assert Meeting.objects.get().external_url == google.MEET_URL


def test_a_revoked_grant_asks_the_host_to_connect_again(host_client, user, google_server):
    google.connect_google(user, expires_in=timedelta(minutes=-5))
    google_server.answer(
        google.ok(
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
            400,
        )
    )

    response = host_client.post(reverse("meetings:create"), _form_data())

    assert response.status_code == 502
    assert "Connect your Google account again on your profile." in response.text
    assert not Meeting.objects.exists()


# Changing


def test_rescheduling_patches_the_event(host_client, user, google_server):
    google.connect_google(user)
    meeting = _on_meet(user, title="Design review")
    google_server.answer(google.event())
    day = (timezone.now() + timedelta(days=9)).date().isoformat()

    response = host_client.post(
        _url("edit", meeting), _edit_data(meeting, date=day, time="15:30", duration_preset="60")
    )

    assert response.status_code == 302
    patch = google_server.request(0)
    assert (patch.method, patch.url) == ("PATCH", f"{google.EVENTS_URL}/{google.EVENT_ID}")
    assert patch.query == {"conferenceDataVersion": "1", "sendUpdates": "none", "alt": "json"}
    meeting.refresh_from_db()
    start = meeting.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert start.isoformat().startswith(f"{day}T15:30:00")
    assert patch.json["start"] == {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"}
    assert patch.json["end"]["dateTime"] == (start + timedelta(hours=1)).isoformat()
    assert "conferenceData" not in patch.json
    meeting.refresh_from_db()
    assert meeting.local_starts_at.strftime("%H:%M") == "15:30"
    assert (meeting.external_url, meeting.google_event_id) == (google.MEET_URL, google.EVENT_ID)


def test_a_change_google_does_not_show_leaves_the_event_alone(host_client, user, google_server):
    google.connect_google(user)
    meeting = _on_meet(
        user, title="Design review", description="Walk through the new booking page."
    )
    local = meeting.local_starts_at

    host_client.post(
        _url("edit", meeting),
        _edit_data(
            meeting,
            date=local.date().isoformat(),
            time=local.strftime("%H:%M"),
            duration_preset="60",
            passcode="4321",
            mute_on_join="on",
        ),
    )

    meeting.refresh_from_db()
    assert meeting.passcode == "4321" and meeting.mute_on_join
    assert google_server.requests == []
    assert meeting.external_url == google.MEET_URL


def test_when_google_refuses_a_reschedule_nothing_changes(host_client, user, google_server):
    google.connect_google(user)
    meeting = _on_meet(user)
    before = (meeting.starts_at, meeting.sequence)
    google_server.answer(google.api_error(404, "notFound", "Not Found"))

    response = host_client.post(_url("edit", meeting), _edit_data(meeting, time="17:00"))

    assert response.status_code == 502 and "Google Calendar refused" in response.text
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == before


def test_moving_a_meeting_to_google_meet_creates_its_event(host_client, user, google_server):
    google.connect_google(user)
    meeting = MeetingFactory(host=user)
    google_server.answer(google.event())

    host_client.post(_url("edit", meeting), _edit_data(meeting))

    meeting.refresh_from_db()
    assert meeting.provider == "google_meet" and meeting.external_url == google.MEET_URL
    assert google_server.request(0).method == "POST"


def test_moving_a_meeting_off_google_meet_deletes_its_event(
    host_client, user, google_server, run_worker
):
    google.connect_google(user)
    meeting = _on_meet(user)

    host_client.post(_url("edit", meeting), _edit_data(meeting, provider="jitsi"))

    meeting.refresh_from_db()
    assert (meeting.provider, meeting.external_url, meeting.google_event_id) == ("jitsi", "", "")
    assert google_server.requests == []  # the worker deletes it
    google_server.answer(google.ok("", 204))
    run_worker()
    delete = google_server.request(0)
    assert (delete.method, delete.url) == ("DELETE", f"{google.EVENTS_URL}/{google.EVENT_ID}")
    assert delete.query["sendUpdates"] == "none"


def test_staff_editing_a_meet_uses_the_hosts_account(client, user, staff_user, google_server):
    google.connect_google(user)
    meeting = _on_meet(user)
    google_server.answer(google.event())
    client.force_login(staff_user)

    response = client.post(_url("edit", meeting), _edit_data(meeting, time="18:00"))

    assert response.status_code == 302
    assert google_server.request(0).headers["authorization"] == f"Bearer {google.ACCESS_TOKEN}"


# Cancelling


def test_cancelling_deletes_the_event(host_client, user, google_server, run_worker):
    google.connect_google(user)
    meeting = _on_meet(user)

    response = host_client.post(_url("cancel", meeting))

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    google_server.answer(google.ok("", 204))
    run_worker()
    (delete,) = [google_server.request(index) for index in range(len(google_server.requests))]
    assert (delete.method, delete.url) == ("DELETE", f"{google.EVENTS_URL}/{google.EVENT_ID}")
    assert delete.query == {"sendUpdates": "none"}


def test_an_event_already_gone_counts_as_deleted(host_client, user, google_server, run_worker):
    google.connect_google(user)
    meeting = _on_meet(user)
    host_client.post(_url("cancel", meeting))
    google_server.answer(google.api_error(410, "deleted", "Resource has been deleted"))
    run_worker()
    assert google_server.unanswered == 0 and len(google_server.requests) == 1


def test_a_failed_delete_is_tried_again_later(user, google_server, run_worker):
    from django_tasks_db.models import DBTaskResult

    google.connect_google(user)
    meeting = _on_meet(user)
    from meetings import services

    services.meeting_cancel(meeting=meeting)
    google_server.answer(google.api_error(503, "backendError", "Backend Error"))
    run_worker()
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"] == [user.pk, google.EVENT_ID, 2]
    assert retry.run_after > timezone.now()


def test_disconnecting_keeps_meetings_on_their_meet(host_client, user, google_server):
    google.connect_google(user)
    meeting = _on_meet(user)
    google_server.answer(google.ok())
    host_client.post(reverse("accounts:google_disconnect"))
    assert not GoogleAccount.objects.exists()
    host_client.post(_url("start", meeting))
    assert f'href="{google.MEET_URL}"' in host_client.get(_url("room", meeting)).text


def test_an_invitee_reaches_the_meet_through_the_personal_link_endpoint(
    client, user, google_server
):
    from invitations.models import Invitation

    meeting = _on_meet(user)
    grace = UserFactory(email="grace@example.com")
    Invitation.objects.create(meeting=meeting, user=grace, email=grace.email, name="Grace")
    client.force_login(grace)
    link = client.get(reverse("meetings:link", args=[meeting.meeting_id])).json()
    assert link["meeting_url"] == google.MEET_URL and link["is_moderator"] is False
