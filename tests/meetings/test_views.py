import zoneinfo
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invitations import services as invitation_services
from invitations.models import Invitation
from meetings import services
from meetings.models import Meeting
from tests.factories import ContactFactory, MeetingFactory, UserFactory, move_to_past

pytestmark = pytest.mark.django_db


def _url(name, meeting):
    return reverse(f"meetings:{name}", args=[meeting.meeting_id])


# Creating


def test_create_schedules_and_opens_the_share_dialog(host_client, user, settings):
    settings.SITE_URL = "https://meet.example.com"
    day = (timezone.now() + timedelta(days=5)).date().isoformat()
    response = host_client.post(
        reverse("meetings:create"),
        {
            "title": "Kick-off",
            "description": "First call",
            "date": day,
            "time": "10:00",
            "timezone": "Europe/Berlin",
            "duration_preset": "45",
            "passcode": "",
        },
    )
    meeting = Meeting.objects.get()
    assert meeting.host == user and meeting.duration == 45
    assert response["Location"] == _url("detail", meeting) + "?created=1"

    page = host_client.get(response["Location"]).text
    assert "data-open-on-load" in page
    assert meeting.formatted_meeting_id in page
    assert meeting.passcode in page
    assert f"https://meet.example.com/join/{meeting.invitation_token}/" in page
    assert "Copy link" in page and "data-share" in page and "Start meeting" in page


def test_create_with_bad_input_shows_errors_and_stores_nothing(host_client):
    response = host_client.post(
        reverse("meetings:create"),
        {
            "title": "",
            "date": "not-a-date",
            "time": "25:00",
            "timezone": "UTC",
            "duration_preset": "custom",
            "duration_custom": "9999",
            "passcode": "12",
        },
    )
    assert response.status_code == 400
    for message in [
        "This field is required.",
        "Enter a valid date.",
        "Enter a valid time.",
        "A passcode is 4 to 10 digits",
    ]:
        assert message in response.text
    assert not Meeting.objects.exists()


def test_create_needs_login(client):
    response = client.get(reverse("meetings:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Listing


def test_list_shows_upcoming_first_in_the_viewers_time_zone(host_client, user):
    soon = MeetingFactory(
        host=user,
        title="Soon",
        starts_at=timezone.now().replace(microsecond=0) + timedelta(hours=2),
    )
    later = MeetingFactory(host=user, title="Later", starts_at=soon.starts_at + timedelta(days=1))
    MeetingFactory(host=user, title="Long ago", starts_at=timezone.now() - timedelta(days=3))
    MeetingFactory(title="Someone else's")

    page = host_client.get(reverse("meetings:list")).text
    assert page.index("Soon") < page.index("Later")
    assert "Long ago" not in page and "Someone else" not in page
    local = timezone.localtime(soon.starts_at, soon.zone)  # the user's zone is Europe/Berlin
    assert local.strftime("%H:%M") in page
    assert later.formatted_meeting_id in page


def test_past_filter_lists_ended_cancelled_and_elapsed_meetings(host_client, user):
    MeetingFactory(host=user, title="Elapsed", starts_at=timezone.now() - timedelta(days=3))
    MeetingFactory(host=user, title="Called off", status=Meeting.Status.CANCELLED)
    MeetingFactory(host=user, title="Still ahead")
    page = host_client.get(reverse("meetings:list"), {"when": "past"}).text
    assert "Elapsed" in page and "Called off" in page
    assert "Still ahead" not in page


def test_all_filter_lists_upcoming_then_most_recent_past(host_client, user):
    now = timezone.now()
    MeetingFactory(host=user, title="Past-old", starts_at=now - timedelta(days=9))
    MeetingFactory(host=user, title="Past-recent", starts_at=now - timedelta(days=2))
    MeetingFactory(host=user, title="Next-week", starts_at=now + timedelta(days=7))
    MeetingFactory(host=user, title="Tomorrow", starts_at=now + timedelta(days=1))
    page = host_client.get(reverse("meetings:list"), {"when": "all"}).text
    order = [page.index(t) for t in ["Tomorrow", "Next-week", "Past-recent", "Past-old"]]
    assert order == sorted(order)


def test_status_filter_and_title_search(host_client, user):
    MeetingFactory(host=user, title="Budget review", status=Meeting.Status.ACTIVE)
    MeetingFactory(host=user, title="Budget planning")
    MeetingFactory(host=user, title="Retro", status=Meeting.Status.ACTIVE)
    page = host_client.get(
        reverse("meetings:list"), {"when": "all", "status": "active", "q": "budget"}
    ).text
    assert "Budget review" in page
    assert "Budget planning" not in page and "Retro" not in page


def test_statuses_read_scheduled_in_progress_completed_and_cancelled(host_client, user):
    for status in Meeting.Status.values:
        MeetingFactory(host=user, title=f"Status {status}", status=status)
    page = host_client.get(reverse("meetings:list"), {"when": "all"}).text
    badges = ["Scheduled</span>", "In progress</span>", "Completed</span>", "Cancelled</span>"]
    assert all(badge in page for badge in badges)
    assert ">Completed</option>" in page and "Ended" not in page


def test_a_completed_meeting_page_says_completed(host_client, user):
    ended_at = timezone.now() - timedelta(hours=1)
    meeting = MeetingFactory(host=user, status=Meeting.Status.ENDED, ended_at=ended_at)
    page = host_client.get(_url("detail", meeting)).text
    assert '<span class="badge status-ended">Completed</span>' in page
    assert "<dt>Completed</dt>" in page and "Ended" not in page


def test_the_host_sees_a_no_show_as_completed_no_show(host_client, user):
    meeting = MeetingFactory(host=user, title="Nobody came", status="ended", no_show=True)
    page = host_client.get(_url("detail", meeting)).text
    assert "Completed · no-show</span>" in page
    assert "Completed · no-show</span>" in _list(host_client, when="past")


def test_an_invitee_sees_a_no_show_as_completed(guest_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status="ended", no_show=True)
    assert "no-show" not in guest_client.get(_url("detail", meeting)).text
    page = _list(guest_client, when="past")
    assert "Weekly sync" in page and "Completed</span>" in page and "no-show" not in page


def test_list_paginates(host_client, user):
    MeetingFactory.create_batch(25, host=user)
    first = host_client.get(reverse("meetings:list"))
    assert first.text.count("data-meeting-id=") == 20
    assert "Page 1 of 2" in first.text
    second = host_client.get(reverse("meetings:list"), {"page": 2})
    assert second.text.count("data-meeting-id=") == 5


def test_list_with_nonsense_filters_still_answers(host_client, user):
    MeetingFactory(host=user)
    response = host_client.get(
        reverse("meetings:list"), {"when": "someday", "status": "??", "page": "x"}
    )
    assert response.status_code == 200


def test_row_menu_offers_open_edit_copy_and_cancel(host_client, meeting):
    page = host_client.get(reverse("meetings:list")).text
    for label in ["Open", "Edit", "Copy link", "Cancel meeting"]:
        assert label in page
    assert f'data-copy="{meeting.share_url}"' in page


@pytest.mark.parametrize("count", [1, 50])
def test_list_runs_a_constant_number_of_queries(
    host_client, user, count, django_assert_num_queries
):
    MeetingFactory.create_batch(count, host=user)
    # session, user, the page with its count; the same whether the list is rendered or cached
    for _ in range(2):
        with django_assert_num_queries(3):
            response = host_client.get(reverse("meetings:list"))
        assert response.status_code == 200


def test_a_list_page_past_the_end_shows_the_last_page_in_one_more_query(
    host_client, user, django_assert_num_queries
):
    MeetingFactory.create_batch(25, host=user)
    # session, user, the empty page asked for, then the last page with its count
    with django_assert_num_queries(4):
        response = host_client.get(reverse("meetings:list"), {"page": 99})
    assert response.text.count("data-meeting-id=") == 5
    assert "Page 2 of 2" in response.text


@pytest.mark.parametrize(
    "params",
    # (A NUL byte never reaches the view: see tests/meetings_site/test_middleware.py.)
    [{"when": "someday"}, {"status": "lost"}, {"q": "x" * 101}],
)
def test_a_filter_that_does_not_clean_shows_the_default_list(host_client, user, params):
    MeetingFactory(host=user, title="Weekly sync")
    MeetingFactory(host=user, title="Old retro", status=Meeting.Status.ENDED)
    response = host_client.get(reverse("meetings:list"), {"when": "past", **params})
    assert response.status_code == 200
    assert "Weekly sync" in response.text and "Old retro" not in response.text
    assert response.context["when"] == "upcoming" and response.context["q"] == ""


def test_the_list_shows_the_filters_it_was_given(host_client, user):
    MeetingFactory(host=user, title="Old retro", status=Meeting.Status.ENDED)
    MeetingFactory(host=user, title="Old sync", status=Meeting.Status.CANCELLED)
    response = host_client.get(
        reverse("meetings:list"), {"when": "past", "status": "ended", "q": " retro "}
    )
    assert "Old retro" in response.text and "Old sync" not in response.text
    assert (response.context["when"], response.context["status"], response.context["q"]) == (
        "past",
        "ended",
        "retro",
    )


# The list is cached whole: whatever it shows must show as soon as it changes.


def _list(client, **params) -> str:
    response = client.get(reverse("meetings:list"), params)
    assert response.status_code == 200
    return response.text


@pytest.fixture
def guest_client(client, meeting):
    """Someone else, invited to the host's meeting, in a browser of their own."""
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    guest_browser = Client()
    guest_browser.force_login(guest)
    return guest_browser


def test_cached_list_shows_a_changed_meeting(host_client, meeting):
    assert "Weekly sync" in _list(host_client)
    services.meeting_update(
        meeting=meeting,
        title="Monthly sync",
        description="",
        starts_at=meeting.starts_at + timedelta(hours=1),
        duration=45,
        timezone_name=meeting.timezone,
        passcode=meeting.passcode,
    )
    page = _list(host_client)
    assert "Monthly sync" in page and "Weekly sync" not in page
    local = timezone.localtime(meeting.starts_at + timedelta(hours=1), meeting.zone)
    assert local.strftime("%H:%M") in page and "45 min" in page
    services.meeting_cancel(meeting=Meeting.objects.get(pk=meeting.pk))
    assert "Monthly sync" not in _list(host_client)
    assert "Cancelled" in _list(host_client, when="past")


def test_cached_list_shows_a_change_made_without_touching_updated_at(host_client, meeting):
    assert "Weekly sync" in _list(host_client)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ACTIVE)
    assert "In progress" in _list(host_client)
    Meeting.objects.filter(pk=meeting.pk).update(invitation_token="a-replaced-token")
    assert "/join/a-replaced-token/" in _list(host_client)


def test_cached_list_shows_invitees_the_hosts_new_name(guest_client, user):
    assert "Hosted by Ada Lovelace" in _list(guest_client)
    user.first_name = "Augusta"
    user.save()
    assert "Hosted by Augusta Lovelace" in _list(guest_client)


def test_cached_list_follows_invitations_given_and_revoked(guest_client, meeting):
    assert "Weekly sync" in _list(guest_client)
    invitation = Invitation.objects.get(meeting=meeting)
    invitation_services.invitation_revoke(invitation=invitation, notify=False)
    assert "Weekly sync" not in _list(guest_client)
    later = MeetingFactory(title="Design review")
    Invitation.objects.create(meeting=later, user=invitation.user, email=invitation.email)
    assert "Design review" in _list(guest_client)


def test_cached_list_moves_a_meeting_to_the_past_when_it_ends(host_client, user, monkeypatch):
    starts_at = timezone.now() + timedelta(hours=1)
    MeetingFactory(host=user, title="Ends soon", starts_at=starts_at, duration=30)
    assert "Ends soon" in _list(host_client)
    assert "Ends soon" not in _list(host_client, when="past")
    monkeypatch.setattr(timezone, "now", lambda: starts_at + timedelta(minutes=31))
    assert "Ends soon" not in _list(host_client)
    assert "Ends soon" in _list(host_client, when="past")


def test_cached_list_follows_the_viewers_time_zone(host_client, user, meeting):
    berlin = timezone.localtime(meeting.starts_at, meeting.zone).strftime("%H:%M")
    assert berlin in _list(host_client)
    user.timezone = "Asia/Kolkata"  # never a whole number of hours from Berlin
    user.save()
    page = _list(host_client)
    kolkata = timezone.localtime(meeting.starts_at, zoneinfo.ZoneInfo("Asia/Kolkata"))
    assert kolkata.strftime("%H:%M") in page and berlin not in page


def test_cached_list_is_each_viewers_own(host_client, guest_client, meeting):
    hosts_page, guests_page = _list(host_client), _list(guest_client)
    join = f'formaction="{reverse("meetings:detail", args=[meeting.meeting_id])}join/"'
    assert "Cancel meeting" in hosts_page and join not in hosts_page
    assert "Cancel meeting" not in guests_page and "Hosted by Ada Lovelace" in guests_page
    assert f'formaction="{reverse("meetings:detail", args=[meeting.meeting_id])}join/"' in (
        guests_page
    )


def test_cached_list_page_shows_the_viewers_new_name_and_role(host_client, user):
    page = _list(host_client)
    assert "Ada Lovelace</summary>" in page and "Administration" not in page
    user.first_name, user.is_staff = "Augusta", True
    user.save()
    page = _list(host_client)
    assert "Augusta Lovelace</summary>" in page and "Administration" in page


def test_log_out_button_of_a_cached_page_posts_with_the_viewers_own_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    _list(browser)
    page = _list(browser)  # from the cache
    logout_form = page.split('action="' + reverse("accounts:logout") + '"', 1)[1]
    token = logout_form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert (
        browser.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    )
    assert browser.get(reverse("meetings:list")).status_code == 302  # to the log-in page


def test_cached_list_shows_a_flash_message_once(host_client, user, meeting):
    _list(host_client)
    host_client.post(
        reverse("accounts:profile"),
        {"first_name": user.first_name, "last_name": user.last_name, "timezone": user.timezone},
    )
    assert "Your profile was saved." in _list(host_client)
    assert "Your profile was saved." not in _list(host_client)


def test_join_button_of_a_cached_list_posts_with_the_viewers_own_csrf_token(meeting):
    guest = UserFactory()
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(guest)
    _list(browser)
    page = _list(browser)  # from the cache
    rows = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert "csrfmiddlewaretoken" not in rows and 'form="join-form"' in rows
    join_form = page.split('<form id="join-form"', 1)[1]
    token = join_form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(
        reverse("meetings:detail", args=[meeting.meeting_id]) + "join/",
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:room", args=[meeting.meeting_id])


# Detail and authorization


def test_detail_shows_credentials_and_allowed_actions(host_client, meeting):
    page = host_client.get(_url("detail", meeting)).text
    assert meeting.formatted_meeting_id in page and "012345" in page
    assert "Edit or reschedule" in page and "Start meeting" in page
    assert "End meeting" not in page


def _invite(meeting, count: int) -> None:
    """`count` invitations, answers and delivery states in turn."""
    contact = ContactFactory(owner=meeting.host)
    answers, deliveries = Invitation.Rsvp.values, Invitation.Delivery.values
    Invitation.objects.bulk_create(
        Invitation(
            meeting=meeting,
            contact=contact,
            email=f"person{n:04d}@example.org",
            name=f"Person {n:04d}",
            rsvp=answers[n % len(answers)],
            delivery_state=deliveries[n % len(deliveries)],
            revoked_at=timezone.now() if n % 10 == 9 else None,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [2, 120])
def test_detail_runs_a_constant_number_of_queries(
    host_client, meeting, count, django_assert_num_queries
):
    _invite(meeting, count)
    # session, user, meeting with host, invitation counts, a page of them, attendance, booking
    with django_assert_num_queries(7):
        response = host_client.get(_url("detail", meeting))
    assert response.text.count("data-invitation-id=") == min(count, 25)


def test_detail_counts_invitations_by_answer_and_delivery_and_shows_a_page(host_client, meeting):
    _invite(meeting, 120)
    response = host_client.get(_url("detail", meeting))
    page = response.text
    assert 'Invitations <span class="muted">(120)</span>' in page
    # 120 in turn over 4 answers and 4 delivery states; every 10th (odd) one revoked.
    assert "Accepted: 24" in page and "No answer yet: 30" in page and "Revoked: 12" in page
    assert "Sent: 30" in page and "Failed: 30" in page
    assert "Person 0000" in page and "Person 0024" in page and "Person 0025" not in page
    assert "Page 1 of 5" in page
    last = host_client.get(_url("detail", meeting), {"page": 5}).text
    assert "Person 0100" in last and "Person 0119" in last and "Person 0099" not in last


def test_detail_searches_invitations_by_name_or_email(host_client, meeting):
    _invite(meeting, 120)
    Invitation.objects.filter(email="person0077@example.org").update(email="grace@navy.example")
    by_name = host_client.get(_url("detail", meeting), {"q": "person 001"}).text
    assert by_name.count("data-invitation-id=") == 10 and "Person 0019" in by_name
    by_email = host_client.get(_url("detail", meeting), {"q": "NAVY"}).text
    assert by_email.count("data-invitation-id=") == 1 and "grace@navy.example" in by_email
    # The counts stay those of everyone invited.
    assert "(120)" in by_email
    none = host_client.get(_url("detail", meeting), {"q": "nobody"}).text
    assert "data-invitation-id=" not in none and "Nobody matches" in none


def test_detail_pages_of_a_search_keep_the_search(host_client, meeting):
    _invite(meeting, 120)
    page = host_client.get(_url("detail", meeting), {"q": "person 00"}).text
    assert 'href="?q=person+00&amp;page=2#invitations"' in page
    second = host_client.get(_url("detail", meeting), {"q": "person 00", "page": "2"}).text
    assert "Person 0025" in second and "Page 2 of 4" in second


@pytest.mark.parametrize("page", ["x", "0", "99", "9" * 30])
def test_detail_answers_any_page_number(host_client, meeting, page):
    _invite(meeting, 60)
    response = host_client.get(_url("detail", meeting), {"page": page})
    assert response.status_code == 200
    assert "Page 1 of 3" in response.text or "Page 3 of 3" in response.text


@pytest.mark.parametrize(
    ("q", "message"),
    [("x" * 101, "Ensure this value has at most 100 characters (it has 101).")],
)
def test_a_bad_invitation_search_is_refused_clearly(host_client, meeting, q, message):
    _invite(meeting, 3)
    response = host_client.get(_url("detail", meeting), {"q": q})
    assert response.status_code == 400
    assert message in response.text
    assert response.text.count("data-invitation-id=") == 3


@pytest.mark.parametrize("count", [2, 120])
def test_share_link_page_runs_the_same_queries_however_many_are_invited(
    client, meeting, count, django_assert_num_queries
):
    _invite(meeting, count)
    # the meeting with its host (an anonymous visitor has no session yet)
    with django_assert_num_queries(1):
        response = client.get(reverse("join:share", args=[meeting.invitation_token]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["detail", "edit", "cancel"])
def test_someone_elses_meeting_is_forbidden_with_a_clear_message(client, meeting, name):
    client.force_login(UserFactory())
    response = client.get(_url(name, meeting))
    assert response.status_code == 403
    assert "You don&#x27;t have permission to access this meeting" in response.text


@pytest.mark.parametrize("name", ["start", "end", "cancel", "regenerate_link", "rotate_room"])
def test_someone_else_cannot_change_a_meeting(client, meeting, name):
    client.force_login(UserFactory())
    before = Meeting.objects.values().get(pk=meeting.pk)
    assert client.post(_url(name, meeting)).status_code == 403
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_staff_may_open_every_meeting(client, meeting, staff_user):
    client.force_login(staff_user)
    assert client.get(_url("detail", meeting)).status_code == 200


def test_unknown_meeting_is_not_found(host_client):
    assert host_client.get("/meetings/999999999/").status_code == 404
    assert host_client.get("/meetings/12345/").status_code == 404


# Editing and the lifecycle


def test_edit_reschedules(host_client, meeting):
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    response = host_client.post(
        _url("edit", meeting),
        {
            "title": "Weekly sync (moved)",
            "description": "",
            "date": day,
            "time": "16:15",
            "timezone": "Europe/Berlin",
            "duration_preset": "custom",
            "duration_custom": "50",
            "passcode": "987654",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Weekly sync (moved)"
    assert meeting.local_starts_at.strftime("%Y-%m-%d %H:%M") == f"{day} 16:15"
    assert (meeting.duration, meeting.passcode) == (50, "987654")


def test_edit_with_bad_input_changes_nothing(host_client, meeting):
    before = Meeting.objects.values().get(pk=meeting.pk)
    response = host_client.post(_url("edit", meeting), {"title": "", "passcode": "1"})
    assert response.status_code == 400
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_edit_keeps_an_unchanged_start_even_if_it_has_passed(host_client, user):
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    meeting = MeetingFactory(host=user, starts_at=started, duration=120)
    local = meeting.local_starts_at
    response = host_client.post(
        _url("edit", meeting),
        {
            "title": "Renamed",
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "timezone": meeting.timezone,
            "duration_preset": "120",
            "passcode": meeting.passcode,
        },
    )
    assert response.status_code == 302


def test_edit_of_an_ended_meeting_is_refused_clearly(host_client, user):
    meeting = MeetingFactory(host=user, status=Meeting.Status.ENDED)
    response = host_client.get(_url("edit", meeting))
    assert response.status_code == 409
    assert "This meeting is completed and can no longer be edited." in response.text


def test_start_opens_the_room_and_end_closes_it(host_client, meeting):
    response = host_client.post(_url("start", meeting))
    assert response["Location"] == _url("room", meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    room = host_client.get(_url("room", meeting)).text
    assert "End meeting" in room
    host_client.post(_url("end", meeting))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ENDED


def test_the_host_cannot_start_a_meeting_whose_links_expired(host_client, meeting):
    move_to_past(meeting, ended_ago=timedelta(days=31), status="scheduled")
    response = host_client.post(_url("start", meeting))
    assert response.status_code == 409 and "This meeting has ended." in response.text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED and not meeting.attendances.exists()


def test_forbidden_transition_answers_409_with_a_message(host_client, meeting):
    response = host_client.post(_url("end", meeting))
    assert response.status_code == 409
    assert "This meeting is scheduled and cannot be ended." in response.text


@pytest.mark.parametrize("name", ["start", "end", "regenerate_link", "rotate_room"])
def test_get_never_changes_a_meeting(host_client, meeting, name):
    before = Meeting.objects.values().get(pk=meeting.pk)
    assert host_client.get(_url(name, meeting)).status_code == 405
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_cancel_asks_for_confirmation_then_cancels(host_client, meeting):
    page = host_client.get(_url("cancel", meeting))
    assert page.status_code == 200 and "Cancel “Weekly sync”?" in page.text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED

    host_client.post(_url("cancel", meeting))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.cancelled_at


def test_regenerated_link_replaces_the_old_one(host_client, client, meeting):
    old = meeting.invitation_token
    host_client.post(_url("regenerate_link", meeting))
    meeting.refresh_from_db()
    assert meeting.invitation_token != old
    assert client.get(reverse("join:share", args=[old])).status_code == 404
    assert client.get(reverse("join:share", args=[meeting.invitation_token])).status_code == 200


def test_share_dialog_and_meeting_page_show_a_qr_code_of_the_link(host_client, meeting):
    import re

    import segno

    page = host_client.get(_url("detail", meeting)).text
    svgs = re.findall(r"<svg[^>]*class=\"segno\".*?</svg>", page, flags=re.S)
    assert len(svgs) == 2  # the page and the share dialog
    expected = segno.make(meeting.share_url, error="m").svg_inline(
        border=4, dark="#111827", light="#ffffff", omitsize=True
    )
    assert svgs[0] == expected


def _form_data(**overrides):
    day = (timezone.now() + timedelta(days=5)).date().isoformat()
    data = {
        "title": "Elsewhere",
        "date": day,
        "time": "10:00",
        "timezone": "UTC",
        "duration_preset": "30",
        "passcode": "",
    }
    return data | overrides


def test_a_meeting_can_be_held_on_another_service(host_client, user):
    response = host_client.post(
        reverse("meetings:create"),
        _form_data(provider="external", external_url="https://zoom.example.com/j/123"),
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.external_url == "https://zoom.example.com/j/123"
    page = host_client.get(_url("room", meeting)).text
    assert 'href="https://zoom.example.com/j/123"' in page
    assert "external_api.js" not in page
    link = host_client.get(reverse("meetings:link", args=[meeting.meeting_id])).json()
    assert link["meeting_url"] == "https://zoom.example.com/j/123"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Paste the link"),
        ("http://zoom.example.com/j/1", "must start with https://"),
        ("javascript:alert(1)", "Enter a valid URL"),
    ],
)
def test_another_service_needs_an_https_link(host_client, url, message):
    response = host_client.post(
        reverse("meetings:create"), _form_data(provider="external", external_url=url)
    )
    assert response.status_code == 400
    assert message in response.text
    assert not Meeting.objects.exists()


def test_the_built_in_room_ignores_a_stray_link(host_client):
    host_client.post(
        reverse("meetings:create"),
        _form_data(provider="jitsi", external_url="https://zoom.example.com/j/1"),
    )
    assert Meeting.objects.get().external_url == ""


# Private notes


def _notes(client, meeting, notes, **extra):
    return client.post(_url("notes", meeting), {"notes": notes}, **extra)


def _co_host_client(meeting, role=Invitation.Role.MODERATOR) -> Client:
    invitee = UserFactory()
    Invitation.objects.create(meeting=meeting, user=invitee, email=invitee.email, role=role)
    browser = Client()
    browser.force_login(invitee)
    return browser


def test_the_host_adds_private_notes_and_edits_them_later(host_client, meeting):
    page = host_client.get(_url("detail", meeting)).text
    assert 'id="notes"' in page and 'maxlength="10000"' in page
    response = _notes(host_client, meeting, "Ask about the budget\r\nFollow up on Friday")
    assert response.status_code == 302
    assert response["Location"] == _url("detail", meeting) + "#notes"
    meeting.refresh_from_db()
    assert meeting.host_notes == "Ask about the budget\nFollow up on Friday"
    page = host_client.get(response["Location"]).text
    assert "Your notes are saved." in page and "Follow up on Friday</textarea>" in page
    _notes(host_client, meeting, "Budget agreed.")
    meeting.refresh_from_db()
    assert meeting.host_notes == "Budget agreed."
    _notes(host_client, meeting, "")
    meeting.refresh_from_db()
    assert meeting.host_notes == ""


@pytest.mark.parametrize("status", ["ended", "cancelled"])
def test_notes_can_be_kept_after_the_meeting(host_client, meeting, status):
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    assert _notes(host_client, meeting, "Went well.").status_code == 302
    meeting.refresh_from_db()
    assert meeting.host_notes == "Went well." and meeting.status == status


def test_notes_of_10000_characters_are_kept_line_breaks_counting_once(host_client, meeting):
    notes = "\r\n".join(["x" * 99] * 100)  # 9,900 characters and 99 line breaks
    assert _notes(host_client, meeting, notes).status_code == 302
    meeting.refresh_from_db()
    assert len(meeting.host_notes) == 9_999


def test_notes_over_the_limit_are_refused_and_change_nothing(host_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(host_notes="Keep me")
    before = Meeting.objects.values().get(pk=meeting.pk)
    response = _notes(host_client, meeting, "y" * 10_001)
    assert response.status_code == 400
    assert "Keep the notes to 10,000 characters or fewer (these have 10,001)." in response.text
    # What was typed is given back, so nothing is lost.
    assert "y" * 10_001 + "</textarea>" in response.text
    assert Meeting.objects.values().get(pk=meeting.pk) == before


def test_a_post_without_the_notes_field_keeps_the_notes(host_client, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(host_notes="Keep me")
    response = host_client.post(_url("notes", meeting), {"note": "typo in the name"})
    assert response.status_code == 400
    assert "Send the notes to save, even if empty." in response.text
    meeting.refresh_from_db()
    assert meeting.host_notes == "Keep me"


def test_a_co_host_reads_and_writes_the_notes(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(host_notes="From the host")
    co_host = _co_host_client(meeting)
    assert "From the host</textarea>" in co_host.get(_url("detail", meeting)).text
    assert _notes(co_host, meeting, "From the co-host").status_code == 302
    meeting.refresh_from_db()
    assert meeting.host_notes == "From the co-host"
    response = _notes(co_host, meeting, "z" * 10_001)
    assert response.status_code == 400 and "10,000 characters" in response.text


def test_an_invitee_never_sees_the_notes_and_cannot_write_them(meeting, guest_client):
    Meeting.objects.filter(pk=meeting.pk).update(host_notes="Private: hire Grace")
    page = guest_client.get(_url("detail", meeting)).text
    assert "hire Grace" not in page and 'id="notes"' not in page
    share = Client().get(reverse("join:share", args=[meeting.invitation_token])).text
    assert "hire Grace" not in share
    ics = guest_client.get(reverse("invitations:calendar", args=[meeting.meeting_id]))
    assert b"hire Grace" not in ics.content
    response = _notes(guest_client, meeting, "Overwritten")
    assert response.status_code == 403
    assert "You don&#x27;t have permission to access this meeting" in response.text
    meeting.refresh_from_db()
    assert meeting.host_notes == "Private: hire Grace"


def test_someone_else_cannot_write_notes(client, meeting):
    client.force_login(UserFactory())
    assert _notes(client, meeting, "Hello").status_code == 403
    assert _notes(Client(), meeting, "Hello").status_code == 302  # to the log-in page
    meeting.refresh_from_db()
    assert meeting.host_notes == ""


def test_notes_of_an_unknown_meeting_are_not_found(host_client):
    response = host_client.post(reverse("meetings:notes", args=[123_456_789]), {"notes": "x"})
    assert response.status_code == 404


def test_notes_are_saved_only_by_a_post_with_the_csrf_token(user, meeting):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert _notes(browser, meeting, "Forged").status_code == 403
    assert browser.get(_url("notes", meeting), {"notes": "By GET"}).status_code == 405
    meeting.refresh_from_db()
    assert meeting.host_notes == ""
