import csv
import io
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invitations import tokens
from invitations.models import Invitation
from meetings import attendance as attendance_services
from meetings.models import Attendance, Meeting
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(name, meeting):
    return reverse(f"meetings:{name}", args=[meeting.meeting_id])


def _share(meeting):
    return reverse("join:share", args=[meeting.invitation_token])


def _settings(meeting, **fields):
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()


def _personal_link(meeting, role="attendee"):
    contact = ContactFactory(owner=meeting.host)
    invitation = Invitation.objects.create(
        meeting=meeting, contact=contact, email=contact.email, role=role
    )
    token, _ = tokens.mint_many([invitation])[invitation.pk]
    return reverse("invitations:join", args=[meeting.meeting_id, token])


# Every way in is recorded


def test_each_way_in_is_recorded(host_client, meeting):
    Client().post(_share(meeting), {"name": "By link"})
    Client().post(
        reverse("join:by_id"),
        {"meeting_id": meeting.meeting_id, "passcode": meeting.passcode, "name": "By ID"},
    )
    Client().post(_personal_link(meeting), {"name": "By invitation"})
    guest = UserFactory(first_name="By", last_name="Account")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    member = Client()
    member.force_login(guest)
    member.post(reverse("invitations:join_as_invitee", args=[meeting.meeting_id]))
    host_client.post(_url("start", meeting))

    rows = {a.display_name: a for a in Attendance.objects.all()}
    assert {name: a.way for name, a in rows.items()} == {
        "By link": "share_link",
        "By ID": "meeting_id",
        "By invitation": "personal_link",
        "By Account": "meetings_page",
        "Ada Lovelace": "host",
    }
    assert rows["By Account"].user == guest
    assert rows["By invitation"].invitation is not None
    assert rows["Ada Lovelace"].is_moderator and not rows["By link"].is_moderator
    assert all(a.admitted_at for a in rows.values())


def test_joining_twice_keeps_one_record_with_the_latest_name(client, meeting):
    client.post(_share(meeting), {"name": "First"})
    client.post(_share(meeting), {"name": "Second"})
    assert list(Attendance.objects.values_list("display_name", flat=True)) == ["Second"]


# The waiting room


def test_waiting_room_holds_attendees_until_admitted(host_client, meeting):
    _settings(meeting, waiting_room=True)
    client = Client()
    response = client.post(_share(meeting), {"name": "Guest"})
    assert response["Location"] == _url("waiting", meeting)
    page = client.get(_url("waiting", meeting))
    assert "Please wait, Guest" in page.text
    assert client.get(_url("waiting_status", meeting)).json()["admitted"] is False
    # The room's own address does not skip the wait.
    assert client.get(_url("room", meeting))["Location"] == _url("waiting", meeting)

    waiting = host_client.get(_url("attendance", meeting)).json()["waiting"]
    assert [w["name"] for w in waiting] == ["Guest"]
    host_client.post(_url("admit", meeting), {"attendance": waiting[0]["id"]})
    assert client.get(_url("waiting_status", meeting)).json()["admitted"] is True
    assert client.get(_url("room", meeting)).status_code == 200


def test_admit_all(host_client, meeting):
    _settings(meeting, waiting_room=True)
    guests = [Client() for _ in range(3)]
    for n, guest in enumerate(guests):
        guest.post(_share(meeting), {"name": f"Guest {n}"})
    host_client.post(_url("admit", meeting), {"all": "1"})
    assert all(guest.get(_url("room", meeting)).status_code == 200 for guest in guests)


def test_co_hosts_and_the_host_skip_the_waiting_room(host_client, meeting):
    _settings(meeting, waiting_room=True)
    response = Client().post(_personal_link(meeting, role="moderator"), {"name": "Co-host"})
    assert response["Location"] == _url("room", meeting)
    assert host_client.post(_url("start", meeting))["Location"] == _url("room", meeting)


def test_without_join_before_host_attendees_wait_for_the_host(host_client, meeting):
    _settings(meeting, join_before_host=False)
    client = Client()
    assert client.post(_share(meeting), {"name": "Early"})["Location"] == _url("waiting", meeting)
    page = client.get(_url("waiting", meeting)).text
    assert "the meeting starts when the host arrives" in page
    host_client.post(_url("start", meeting))
    assert client.get(_url("waiting_status", meeting)).json()["admitted"] is True


def test_only_the_host_sees_and_admits_the_waiting(client, meeting):
    _settings(meeting, waiting_room=True)
    Client().post(_share(meeting), {"name": "Guest"})
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(_url("attendance", meeting)).status_code == 403
    assert client.post(_url("admit", meeting), {"all": "1"}).status_code == 403
    assert Attendance.objects.get().is_waiting


def test_admitting_nobody_in_particular_is_a_clear_error(host_client, meeting):
    response = host_client.post(
        _url("admit", meeting), {"attendance": "x"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400


def test_host_page_lists_who_waits_and_who_attended(host_client, meeting):
    _settings(meeting, waiting_room=True)
    Client().post(_share(meeting), {"name": "Waiting Wendy"})
    Client().post(_personal_link(meeting, role="moderator"), {"name": "Cohost Carl"})
    page = host_client.get(meeting.get_absolute_url()).text
    assert "Waiting to be admitted" in page and "Waiting Wendy" in page
    assert "Cohost Carl" in page and "Personal link" in page


# The participant limit


def test_joins_past_the_limit_are_refused_clearly(meeting):
    _settings(meeting, participant_limit=2)
    for name in ("One", "Two"):
        assert Client().post(_share(meeting), {"name": name}).status_code == 302
    response = Client().post(_share(meeting), {"name": "Three"})
    assert response.status_code == 409
    assert "This meeting is full: it allows 2 people at once." in response.text
    assert Attendance.objects.count() == 2


def test_the_host_is_never_kept_out_by_the_limit(host_client, meeting):
    _settings(meeting, participant_limit=2)
    for name in ("One", "Two"):
        Client().post(_share(meeting), {"name": name})
    assert host_client.post(_url("start", meeting))["Location"] == _url("room", meeting)


def test_someone_who_left_makes_room(meeting):
    _settings(meeting, participant_limit=2)
    first = Client()
    first.post(_share(meeting), {"name": "One"})
    Client().post(_share(meeting), {"name": "Two"})
    first.post(_url("left", meeting))
    assert Client().post(_share(meeting), {"name": "Three"}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_cannot_pass_the_limit():
    meeting = MeetingFactory(participant_limit=3)
    start = threading.Barrier(12)
    outcomes, errors = [], []

    def join(n):
        try:
            start.wait()
            attendance_services.attendance_join(
                meeting=meeting, display_name=f"P{n}", way="share_link", is_moderator=False
            )
            outcomes.append("in")
        except attendance_services.MeetingFull:
            outcomes.append("full")
        except Exception as error:  # reported below, so a thread cannot fail silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes.count("in") == 3 and outcomes.count("full") == 9
    assert Attendance.objects.filter(admitted_at__isnull=False).count() == 3


# Leaving and the export


def test_the_room_reports_leaving_for_that_participant_only(client, meeting):
    client.post(_share(meeting), {"name": "Leaver"})
    Client().post(_share(meeting), {"name": "Stayer"})
    assert client.post(_url("left", meeting)).json() == {"left": True}
    assert Attendance.objects.get(display_name="Leaver").left_at is not None
    assert Attendance.objects.get(display_name="Stayer").left_at is None
    assert Client().post(_url("left", meeting)).status_code == 403


def test_leaving_needs_a_post(client, meeting):
    client.post(_share(meeting), {"name": "Leaver"})
    assert client.get(_url("left", meeting)).status_code == 405
    assert Attendance.objects.get().left_at is None


def test_attendance_export(host_client, meeting):
    Client().post(_share(meeting), {"name": "=HYPERLINK(evil)"})
    response = host_client.get(_url("attendance_csv", meeting))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["name", "email", "way", "role", "joined_at", "left_at", "minutes"]
    assert rows[1][0] == "'=HYPERLINK(evil)" and rows[1][2] == "Share link"


def _in_the_room_since(name: str, minutes: int) -> None:
    Attendance.objects.filter(display_name=name).update(
        admitted_at=timezone.now() - timedelta(minutes=minutes)
    )


def _export(host_client, meeting) -> dict[str, dict]:
    response = host_client.get(_url("attendance_csv", meeting))
    return {row["name"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}


def test_ending_the_meeting_closes_every_entry_still_open(host_client, meeting):
    host_client.post(_url("start", meeting))
    Client().post(_share(meeting), {"name": "Stayer"})
    leaver = Client()
    leaver.post(_share(meeting), {"name": "Leaver"})
    _in_the_room_since("Stayer", 30)
    _in_the_room_since("Leaver", 30)
    leaver.post(_url("left", meeting))
    left_earlier = Attendance.objects.get(display_name="Leaver").left_at

    host_client.post(_url("end", meeting))

    meeting.refresh_from_db()
    assert Attendance.objects.get(display_name="Stayer").left_at == meeting.ended_at
    assert Attendance.objects.get(display_name="Ada Lovelace").left_at == meeting.ended_at
    assert Attendance.objects.get(display_name="Leaver").left_at == left_earlier
    assert "(0 in the room" in host_client.get(_url("detail", meeting)).text
    rows = _export(host_client, meeting)
    assert rows["Stayer"]["left_at"] == meeting.ended_at.isoformat()
    assert rows["Stayer"]["minutes"] == "30"
    assert rows["Leaver"]["minutes"] == "30"
    assert rows["Ada Lovelace"]["left_at"] and rows["Ada Lovelace"]["minutes"] == "0"


def test_cancelling_closes_the_room_and_the_waiting_room(host_client, meeting):
    _settings(meeting, waiting_room=True)
    host_client.post(_url("start", meeting))
    Client().post(_share(meeting), {"name": "Waiter"})
    _in_the_room_since("Ada Lovelace", 12)

    host_client.post(_url("cancel", meeting))

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert Attendance.objects.get(display_name="Waiter").admitted_at is None
    page = host_client.get(_url("detail", meeting)).text
    assert "Waiting to be admitted" not in page and "(0 in the room" in page
    assert host_client.get(_url("attendance", meeting)).json()["waiting"] == []
    rows = _export(host_client, meeting)
    assert rows["Ada Lovelace"]["left_at"] == meeting.cancelled_at.isoformat()
    assert rows["Ada Lovelace"]["minutes"] == "12"


def test_someone_whose_wait_ended_with_the_meeting_cannot_be_admitted(host_client, meeting):
    _settings(meeting, waiting_room=True)
    host_client.post(_url("start", meeting))
    Client().post(_share(meeting), {"name": "Waiter"})
    host_client.post(_url("end", meeting))
    host_client.post(_url("admit", meeting), {"all": "1"})
    assert Attendance.objects.get(display_name="Waiter").admitted_at is None


def test_a_leave_reported_by_beacon_carries_its_csrf_token_in_the_body(meeting):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(_share(meeting))
    token = page.context["csrf_token"]
    visitor.post(_share(meeting), {"name": "Leaver", "csrfmiddlewaretoken": token})
    room = visitor.get(_url("room", meeting))
    assert room.status_code == 200
    # As navigator.sendBeacon sends it: a form body, no X-CSRFToken header.
    assert visitor.post(_url("left", meeting)).status_code == 403
    assert Attendance.objects.get().left_at is None
    response = visitor.post(
        _url("left", meeting), {"csrfmiddlewaretoken": room.context["csrf_token"]}
    )
    assert response.json() == {"left": True}
    assert Attendance.objects.get().left_at is not None


def test_attendance_export_is_for_the_host(client, meeting):
    client.force_login(UserFactory())
    assert client.get(_url("attendance_csv", meeting)).status_code == 403


def test_admin_lists_attendance(client, staff_user, meeting):
    Client().post(_share(meeting), {"name": "Listed Lucy"})
    client.force_login(staff_user)
    page = client.get(reverse("admin:meetings_attendance_changelist"), {"q": "lucy"}).text
    assert "Listed Lucy" in page
