import pytest
from playwright.sync_api import expect

from meetings.models import Attendance
from tests.factories import MeetingFactory

pytestmark = pytest.mark.e2e


def test_host_admits_a_visitor_from_the_room_and_the_waiting_page_moves_on_by_itself(
    host_page, new_page, user, live_server, browser_log
):
    meeting = MeetingFactory(host=user, title="Board meeting", waiting_room=True)
    room_url = f"{live_server.url}/meetings/{meeting.meeting_id}/room/"
    waiting_url = f"{live_server.url}/meetings/{meeting.meeting_id}/waiting/"
    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.get_by_role("button", name="Start meeting").click()
    expect(page).to_have_url(room_url)
    expect(page.get_by_role("link", name="Open the meeting room")).to_be_visible()
    panel = page.locator(".waiting-panel")
    # Shown only while someone waits.
    expect(panel).to_be_hidden()

    visitor = new_page()
    visitor.goto(f"/join/{meeting.invitation_token}/")
    visitor.get_by_label("Your name").fill("Grace Hopper")
    visitor.get_by_role("button", name="Join meeting now").click()
    expect(visitor).to_have_url(waiting_url)
    expect(visitor.locator("[data-waiting-message]")).to_have_text(
        "Please wait, Grace Hopper: the host will let you in soon."
    )
    # Nobody skips the wait by opening the room's address.
    visitor.goto(room_url)
    expect(visitor).to_have_url(waiting_url)
    expect(visitor.get_by_test_id("display-name")).to_have_count(0)
    # Gone if the page reloads: only the page's own polling may move it on.
    visitor.evaluate("window.sameDocument = true")

    summary = panel.locator("summary")
    expect(summary).to_have_text("Waiting (1)", timeout=10_000)
    assert visitor.evaluate("window.sameDocument") is True
    assert Attendance.objects.get(meeting=meeting, display_name="Grace Hopper").is_waiting
    summary.click()
    waiting_person = panel.get_by_role("listitem").filter(has_text="Grace Hopper")
    expect(waiting_person).to_contain_text("Grace Hopper (Share link)")
    waiting_person.get_by_role("button", name="Admit").click()

    expect(visitor).to_have_url(room_url, timeout=10_000)
    expect(visitor.get_by_test_id("display-name")).to_have_text("Grace Hopper")
    expect(visitor.get_by_role("link", name="Open the meeting room")).to_be_visible()
    assert visitor.evaluate("window.sameDocument") is None
    expect(panel).to_be_hidden()
    assert not Attendance.objects.get(meeting=meeting, display_name="Grace Hopper").is_waiting
    assert browser_log.errors == []


def test_visitor_who_joins_by_id_before_the_host_enters_once_the_host_starts(
    host_page, new_page, user, live_server, browser_log
):
    meeting = MeetingFactory(
        host=user, title="Release planning", passcode="246810", join_before_host=False
    )
    room_url = f"{live_server.url}/meetings/{meeting.meeting_id}/room/"
    visitor = new_page()
    visitor.goto("/")
    home_form = visitor.locator("form", has=visitor.get_by_role("button", name="Join", exact=True))
    home_form.get_by_label("Meeting ID").fill(meeting.formatted_meeting_id)
    home_form.get_by_label("Passcode").fill("246810")
    home_form.get_by_label("Your name").fill("Alan Turing")
    home_form.get_by_role("button", name="Join", exact=True).click()

    expect(visitor).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/waiting/")
    expect(visitor.locator("[data-waiting-message]")).to_have_text(
        "Please wait, Alan Turing: the meeting starts when the host arrives."
    )
    visitor.evaluate("window.sameDocument = true")

    page = host_page
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.get_by_role("button", name="Start meeting").click()
    expect(page).to_have_url(room_url)

    expect(visitor).to_have_url(room_url, timeout=10_000)
    expect(visitor.get_by_test_id("display-name")).to_have_text("Alan Turing")
    assert visitor.evaluate("window.sameDocument") is None
    # Let in by the host's arrival, not by the host's hand.
    entry = Attendance.objects.get(meeting=meeting, display_name="Alan Turing")
    assert entry.way == Attendance.Way.MEETING_ID
    assert not entry.is_waiting
    assert browser_log.errors == []


def test_visitor_past_the_participant_limit_is_told_the_meeting_is_full(
    new_page, user, live_server, browser_log
):
    meeting = MeetingFactory(host=user, title="Small group", participant_limit=2)
    share_url = f"{live_server.url}/join/{meeting.invitation_token}/"
    room_url = f"{live_server.url}/meetings/{meeting.meeting_id}/room/"

    for name in ("Grace Hopper", "Alan Turing"):
        visitor = new_page()
        visitor.goto(share_url)
        visitor.get_by_label("Your name").fill(name)
        visitor.get_by_role("button", name="Join meeting now").click()
        expect(visitor).to_have_url(room_url)
        expect(visitor.get_by_test_id("display-name")).to_have_text(name)

    third = new_page()
    third.goto(share_url)
    third.get_by_label("Your name").fill("Edsger Dijkstra")
    with third.expect_response(share_url) as answer:
        third.get_by_role("button", name="Join meeting now").click()
    assert answer.value.status == 409
    expect(third.get_by_role("heading", name="Small group")).to_be_visible()
    expect(third.locator(".lead")).to_have_text(
        "This meeting is full: it allows 2 people at once. "
        "Try again when someone leaves, or ask the host."
    )
    # Refused, not held: the room stays closed to them.
    third.goto(room_url)
    expect(third).to_have_url(f"{live_server.url}/join/?meeting_id={meeting.formatted_meeting_id}")
    assert not Attendance.objects.filter(meeting=meeting, display_name="Edsger Dijkstra").exists()
    assert browser_log.errors == []
