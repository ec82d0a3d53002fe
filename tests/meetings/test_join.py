import html
import json
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.forms import JoinNameForm
from meetings.models import Attendance, Meeting
from tests.factories import MeetingFactory, UserFactory, move_to_past

pytestmark = pytest.mark.django_db

JOIN = reverse("join:by_id")


def _room(meeting):
    return reverse("meetings:room", args=[meeting.meeting_id])


def _share(meeting):
    return reverse("join:share", args=[meeting.invitation_token])


def _room_params(room_page: str) -> dict:
    """The Jitsi link's hash parameters, read the way Jitsi reads them."""
    href = room_page.split('id="open-room" href="', 1)[1].split('"', 1)[0]
    fragment = html.unescape(href).split("#", 1)[1]
    return {
        key: json.loads(unquote(value))
        for key, value in (part.split("=", 1) for part in fragment.split("&"))
    }


def _display_name_in(room_page: str) -> str:
    return _room_params(room_page)["userInfo.displayName"]


# The home page


def test_visitors_see_join_form_and_sign_up(client):
    page = client.get(reverse("home")).text
    assert "Join a meeting" in page and 'name="meeting_id"' in page and 'name="passcode"' in page
    assert reverse("accounts:signup") in page and reverse("accounts:login") in page


def test_users_see_their_upcoming_meetings_and_new_meeting(host_client, meeting):
    page = host_client.get(reverse("home")).text
    assert meeting.title in page and "New meeting" in page


# Share link


def test_share_link_shows_the_meeting_without_asking_a_passcode(client, meeting):
    page = client.get(_share(meeting)).text
    assert meeting.title in page and meeting.host.display_name in page
    assert "Join meeting now" in page
    assert 'name="passcode"' not in page
    assert "(Europe/Berlin)" in page


def test_share_link_join_asks_a_name_and_leads_to_the_room(client, meeting):
    response = client.post(_share(meeting), {"name": "  Grace   Hopper "})
    assert response["Location"] == _room(meeting)
    page = client.get(_room(meeting)).text
    assert _display_name_in(page) == "Grace Hopper"


def test_share_link_prefills_a_users_display_name(client, meeting):
    client.force_login(UserFactory(first_name="Alan", last_name="Turing"))
    assert 'value="Alan Turing"' in client.get(_share(meeting)).text


@pytest.mark.parametrize("name", ["", "   ", "y" * 81])
def test_share_link_refuses_bad_names(client, meeting, name):
    response = client.post(_share(meeting), {"name": name})
    assert response.status_code == 400
    assert client.get(_room(meeting)).status_code == 302


def test_share_link_page_refusing_a_name_still_shows_the_meeting(client, meeting):
    response = client.post(_share(meeting), {"name": ""})
    assert meeting.title in response.text and "Enter the name others will see." in response.text


def test_share_link_page_runs_one_query(client, meeting, django_assert_num_queries):
    for _ in range(2):  # rendered, then cached
        with django_assert_num_queries(1):
            assert client.get(_share(meeting)).status_code == 200


def test_share_link_page_shows_every_change_to_the_meeting_and_its_host(client, meeting):
    client.get(_share(meeting))
    meeting = services.meeting_update(
        meeting=meeting,
        title="Quarterly planning",
        description="Bring the numbers.",
        starts_at=meeting.starts_at + timedelta(days=1, minutes=30),
        duration=90,
        timezone_name="America/New_York",
        passcode=meeting.passcode,
    )
    meeting.host.first_name = "Augusta"
    meeting.host.save()
    page = client.get(_share(meeting)).text
    local = timezone.localtime(meeting.starts_at, meeting.zone)
    for shown in [
        "Quarterly planning",
        "Bring the numbers.",
        "90 minutes",
        "(America/New_York)",
        local.strftime("%H:%M"),
        "Augusta Lovelace",
    ]:
        assert shown in page


def _csrf_token_in(page: str) -> str:
    return page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


def test_visitors_of_a_share_link_each_get_a_working_csrf_token_of_their_own(meeting):
    visitors = [Client(enforce_csrf_checks=True) for _ in range(3)]
    tokens = []
    for visitor in visitors:  # the first renders the page, the others get it cached
        response = visitor.get(_share(meeting))
        assert response.status_code == 200 and "csrftoken" in response.cookies
        tokens.append(_csrf_token_in(response.text))
    assert len(set(tokens)) == 3
    for visitor, token in zip(visitors, tokens, strict=True):
        response = visitor.post(_share(meeting), {"name": "Guest", "csrfmiddlewaretoken": token})
        assert response.status_code == 302 and response["Location"] == _room(meeting)
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(_share(meeting))
    response = stranger.post(_share(meeting), {"name": "Guest", "csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 403


def test_the_cached_page_for_visitors_is_the_page_rendered_for_them(client, meeting):
    client.get(_share(meeting))
    served = client.get(_share(meeting)).text
    request = RequestFactory().get(_share(meeting))
    request.user, request.session = AnonymousUser(), {}
    request._messages = FallbackStorage(request)
    rendered = render_to_string(
        "meetings/share_link.html", {"meeting": meeting, "form": JoinNameForm()}, request=request
    )
    assert served.replace(_csrf_token_in(served), "-") == rendered.replace(
        _csrf_token_in(rendered), "-"
    )


def test_logged_in_visitors_of_a_share_link_get_their_own_page(client, meeting, settings):
    client.get(_share(meeting))  # cached for visitors
    # In the visitors' time zone, so that only who asks tells the pages apart.
    client.force_login(
        UserFactory(first_name="Alan", last_name="Turing", timezone=settings.TIME_ZONE)
    )
    page = client.get(_share(meeting)).text
    assert 'value="Alan Turing"' in page and "Log out" in page


def test_a_visitor_with_a_message_waiting_sees_it_once_and_nobody_else_does(client, user, meeting):
    Client().get(_share(meeting))  # cached for visitors
    client.force_login(user)
    client.post(
        reverse("accounts:profile"),
        {"first_name": user.first_name, "last_name": user.last_name, "timezone": user.timezone},
    )
    client.post(reverse("accounts:logout"))  # the message waits in a cookie
    assert "Your profile was saved." in client.get(_share(meeting)).text
    assert "Your profile was saved." not in client.get(_share(meeting)).text
    assert "Your profile was saved." not in Client().get(_share(meeting)).text


def test_share_link_of_a_closed_meeting_runs_one_query(client, meeting, django_assert_num_queries):
    services.meeting_cancel(meeting=meeting)
    with django_assert_num_queries(1):
        assert client.get(_share(meeting)).status_code == 410


def test_unknown_share_link_is_not_found(client, meeting):
    response = client.get(reverse("join:share", args=["nope" + meeting.invitation_token]))
    assert response.status_code == 404
    assert "Invitation link not found" in response.text


def test_share_link_get_changes_nothing(client, meeting):
    client.get(_share(meeting))
    assert client.get(_room(meeting)).status_code == 302


def test_cancelled_meeting_cannot_be_joined_by_link(client, meeting):
    services.meeting_cancel(meeting=meeting)
    response = client.post(_share(meeting), {"name": "Late"})
    assert response.status_code == 410
    assert "This meeting was cancelled on" in response.text
    assert "(Europe/Berlin)" in response.text
    assert client.get(_room(meeting)).status_code == 302


def test_ended_meeting_cannot_be_joined_by_link_or_room(client, meeting):
    client.post(_share(meeting), {"name": "Early"})
    services.meeting_end(meeting=services.meeting_start(meeting=meeting))
    response = client.get(_share(meeting))
    assert response.status_code == 410
    assert "This meeting ended on" in response.text
    assert client.get(_room(meeting)).status_code == 410


# Expired links


@pytest.fixture
def expired(meeting):
    """The meeting completed 30 days ago, an hour early: its links expired just now."""
    ended = timezone.now() - timedelta(days=30)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
        status=Meeting.Status.ENDED,
        ended_at=ended - timedelta(hours=1),
    )
    meeting.refresh_from_db()
    return meeting


ASK_ADA = 'ask the host, Ada Lovelace (<a href="mailto:ada@example.com">ada@example.com</a>)'


def _ended_on(meeting) -> str:
    local = timezone.localtime(meeting.ended_at, meeting.zone)
    return f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M} (Europe/Berlin)"


def test_an_expired_share_link_says_not_found_when_it_ended_and_whom_to_ask(client, expired):
    for response in (client.get(_share(expired)), client.post(_share(expired), {"name": "Late"})):
        assert response.status_code == 410
        page = html.unescape(response.text)
        assert "<h1>Invitation link not found</h1>" in page
        assert f"“Weekly sync” ended on {_ended_on(expired)}, and its links have expired." in page
        assert ASK_ADA in page
    assert not Attendance.objects.exists()
    assert client.get(_room(expired)).status_code == 302


def test_an_expired_share_link_page_runs_one_query(client, expired, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(_share(expired)).status_code == 410


def test_a_share_link_29_days_after_the_end_still_says_the_meeting_ended(client, meeting):
    move_to_past(meeting, ended_ago=timedelta(days=29))
    response = client.get(_share(meeting))
    assert response.status_code == 410 and "This meeting ended on" in response.text


def test_a_share_link_expires_even_if_the_meeting_was_never_completed(client, meeting):
    move_to_past(meeting, ended_ago=timedelta(days=31), status="scheduled")
    response = client.get(_share(meeting))
    assert response.status_code == 410 and "Invitation link not found" in response.text


def test_the_share_link_of_a_meeting_cancelled_long_ago_still_says_cancelled(client, meeting):
    move_to_past(meeting, ended_ago=timedelta(days=90), status="cancelled")
    response = client.get(_share(meeting))
    assert response.status_code == 410 and "This meeting was cancelled on" in response.text


def test_joining_an_expired_meeting_by_id_says_it_has_ended(client, expired):
    data = {"meeting_id": expired.formatted_meeting_id, "passcode": "012345", "name": "Late"}
    response = client.post(JOIN, data)
    assert response.status_code == 410
    page = html.unescape(response.text)
    assert "<h1>This meeting has ended</h1>" in page and _ended_on(expired) in page
    assert ASK_ADA in page
    assert not Attendance.objects.exists()


def test_a_wrong_passcode_for_an_expired_meeting_reveals_nothing(client, expired):
    data = {"meeting_id": expired.formatted_meeting_id, "passcode": "999999", "name": "Late"}
    response = client.post(JOIN, data)
    assert response.status_code == 403 and "Incorrect meeting password." in response.text
    assert "Weekly sync" not in response.text


# Meeting ID and passcode


@pytest.mark.parametrize("typed", ["{}", "{:09d}", "{} ", "{: }"])
def test_join_by_id_accepts_the_id_in_any_layout(client, meeting, typed):
    digits = f"{meeting.meeting_id:09d}"
    layouts = {
        "{}": meeting.formatted_meeting_id,
        "{:09d}": digits,
        "{} ": f" {digits[:3]} {digits[3:6]} {digits[6:]} ",
        "{: }": f"{digits[:3]}-{digits[3:6]} {digits[6:]}",
    }
    response = client.post(
        JOIN, {"meeting_id": layouts[typed], "passcode": "012345", "name": "Visitor"}
    )
    assert response["Location"] == _room(meeting)


def test_passcode_keeps_its_leading_zero(client, meeting):
    response = client.post(
        JOIN, {"meeting_id": meeting.meeting_id, "passcode": "12345", "name": "Visitor"}
    )
    assert response.status_code == 403


def test_unknown_meeting_id_says_room_not_found_and_keeps_the_id(client, meeting):
    response = client.post(JOIN, {"meeting_id": "111-222-333", "passcode": "012345", "name": "V"})
    assert response.status_code == 404
    assert "Meeting room not found." in response.text
    assert 'value="111-222-333"' in response.text


def test_wrong_passcode_says_incorrect_password_and_keeps_the_id(client, meeting):
    response = client.post(
        JOIN, {"meeting_id": meeting.formatted_meeting_id, "passcode": "999999", "name": "V"}
    )
    assert response.status_code == 403
    assert "Incorrect meeting password." in response.text
    assert f'value="{meeting.formatted_meeting_id}"' in response.text
    assert client.get(_room(meeting)).status_code == 302


def test_a_wrong_passcode_costs_a_lookup_and_one_update_per_limit(client, meeting):
    wrong = {"meeting_id": meeting.formatted_meeting_id, "passcode": "999999", "name": "V"}
    client.post(JOIN, wrong)  # the first attempt opens the windows of both limits
    with CaptureQueriesContext(connection) as captured:
        assert client.post(JOIN, wrong).status_code == 403
    statements = [query["sql"] for query in captured.captured_queries]
    # The test's own transaction turns the limiter's into a savepoint.
    statements = [sql.split()[0] for sql in statements if "SAVEPOINT" not in sql]
    assert statements == ["SELECT", "UPDATE", "UPDATE"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"meeting_id": "12-34", "passcode": "1234", "name": "V"}, "A meeting ID is 9 digits"),
        ({"meeting_id": "123456789", "passcode": "", "name": "V"}, "This field is required."),
        ({"meeting_id": "123456789", "passcode": "1234", "name": " "}, "Enter the name"),
    ],
)
def test_malformed_join_input_is_explained(client, data, message):
    response = client.post(JOIN, data)
    assert response.status_code == 400
    assert message in response.text


def test_users_join_under_their_display_name_by_default(client, meeting):
    visitor = UserFactory(first_name="Katherine", last_name="Johnson")
    client.force_login(visitor)
    assert 'value="Katherine Johnson"' in client.get(JOIN).text


def test_join_form_is_prefilled_from_the_room_redirect(client, meeting):
    response = client.get(_room(meeting))
    assert response["Location"] == f"{JOIN}?meeting_id={meeting.formatted_meeting_id}"
    assert f'value="{meeting.formatted_meeting_id}"' in client.get(response["Location"]).text


def test_right_passcode_for_a_closed_meeting_explains_it_ended(client, meeting):
    services.meeting_cancel(meeting=meeting)
    response = client.post(
        JOIN, {"meeting_id": meeting.meeting_id, "passcode": "012345", "name": "V"}
    )
    assert response.status_code == 410
    assert "This meeting was cancelled" in response.text


# The room


def test_room_needs_a_join_flow(client, meeting):
    response = client.get(_room(meeting))
    assert response.status_code == 302


def test_room_for_the_host_uses_the_display_name_and_offers_share(host_client, meeting, user):
    page = host_client.get(_room(meeting)).text
    assert _display_name_in(page) == "Ada Lovelace"
    assert 'id="share-dialog"' in page and meeting.title in page


def test_room_name_is_the_secret_room_not_the_id_alone(host_client, meeting, settings):
    settings.JITSI_BASE_URL = "https://jitsi.internal.example"
    page = host_client.get(_room(meeting)).text
    assert f"https://jitsi.internal.example/{meeting.room_name}#" in page
    assert meeting.access_token in page


def test_room_embeds_jitsi_when_configured(host_client, meeting, settings):
    settings.JITSI_EMBED = True
    page = host_client.get(_room(meeting)).text
    assert "https://meet.jit.si/external_api.js" in page
    config = json.loads(
        page.split('id="room-config" type="application/json">', 1)[1].split("</script>", 1)[0]
    )
    assert config == {
        "domain": "meet.jit.si",
        "options": {
            "roomName": meeting.room_name,
            "userInfo": {"displayName": "Ada Lovelace", "email": "ada@example.com"},
            "configOverwrite": {"startWithAudioMuted": False, "startWithVideoMuted": False},
        },
    }
    settings.JITSI_EMBED = False
    assert "external_api.js" not in host_client.get(_room(meeting)).text


def test_rotating_the_access_token_sends_joined_people_back(client, meeting):
    client.post(_share(meeting), {"name": "Guest"})
    assert client.get(_room(meeting)).status_code == 200
    services.meeting_rotate_access_token(meeting=meeting)
    assert client.get(_room(meeting)).status_code == 302


def test_joining_one_meeting_does_not_open_another(client, meeting):
    other = MeetingFactory()
    client.post(_share(meeting), {"name": "Guest"})
    assert client.get(_room(other)).status_code == 302


def test_unknown_room_is_not_found(client):
    response = client.get("/meetings/123456780/room/")
    assert response.status_code == 404
    assert "Meeting room not found" in response.text


def test_room_runs_a_constant_number_of_queries(client, meeting, django_assert_num_queries):
    client.post(_share(meeting), {"name": "Guest"})
    with django_assert_num_queries(3):  # session, meeting with host, the attendance
        client.get(_room(meeting))


def test_attendees_follow_mute_on_join_and_moderators_do_not(host_client, meeting):
    type(meeting).objects.filter(pk=meeting.pk).update(mute_on_join=True)
    guest = Client()
    guest.post(_share(meeting), {"name": "Guest"})
    attendee = _room_params(guest.get(_room(meeting)).text)
    assert attendee["config.startWithAudioMuted"] is True
    host = _room_params(host_client.get(_room(meeting)).text)
    assert host["config.startWithAudioMuted"] is False
    assert host["config.startWithVideoMuted"] is False


def test_self_hosted_jitsi_gets_a_token_for_the_room(client, meeting, settings):
    import jwt

    settings.JITSI_BASE_URL = "https://video.example.org"
    settings.JITSI_APP_ID = "meetings"
    settings.JITSI_APP_SECRET = "s" * 40
    settings.JITSI_DOMAIN = "video.example.org"
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    client.post(_share(meeting), {"name": "Guest"})
    page = client.get(_room(meeting)).text
    href = html.unescape(page.split('id="open-room" href="', 1)[1].split('"', 1)[0])
    token = href.split("?jwt=", 1)[1].split("#", 1)[0]
    claims = jwt.decode(token, "s" * 40, algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == meeting.room_name
    assert claims["context"]["user"]["name"] == "Guest"
    assert claims["context"]["user"]["moderator"] == "false"


def test_no_token_long_before_the_meeting(client, meeting, settings):
    settings.JITSI_APP_ID = "meetings"
    settings.JITSI_APP_SECRET = "s" * 40
    client.post(_share(meeting), {"name": "Guest"})  # the meeting starts tomorrow
    assert "?jwt=" not in client.get(_room(meeting)).text


def test_attendees_keep_their_name_when_the_host_says_so(meeting):
    type(meeting).objects.filter(pk=meeting.pk).update(allow_name_change=False)
    guest = Client()
    guest.post(_share(meeting), {"name": "Guest"})
    assert _room_params(guest.get(_room(meeting)).text)["config.readOnlyName"] is True
