from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invitations.models import Invitation
from meetings.models import Meeting
from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.e2e


def _on_the_clock(page):
    """The page's clock, set to the real time: the server and the page agree on "now"."""
    page.clock.install(time=datetime.now(UTC))
    page.goto("/")
    return page.locator(".next-up [role=timer]")


def test_next_up_counts_down_without_reloading(host_page, user, live_server, browser_log):
    meeting = MeetingFactory(
        host=user, title="Weekly sync", starts_at=timezone.now() + timedelta(hours=2, minutes=30)
    )
    countdown = _on_the_clock(host_page)
    expect(countdown).to_have_text("starts in 2 h 30 min")

    host_page.clock.fast_forward("01:00")
    expect(countdown).to_have_text("starts in 2 h 29 min")
    host_page.clock.fast_forward("02:24:00")
    expect(countdown).to_have_text("starts in 5 min")
    host_page.clock.fast_forward("05:00")
    expect(countdown).to_have_text("starting now")

    host_page.locator(".next-up").get_by_role("button", name="Start").click()
    expect(host_page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    assert browser_log.errors == []


def test_next_up_counts_the_time_a_meeting_has_been_under_way(host_page, user, browser_log):
    guest = UserFactory(first_name="Grace", last_name="Hopper")
    meeting = MeetingFactory(
        host=guest,
        title="Partner call",
        starts_at=timezone.now() - timedelta(minutes=15),
        status=Meeting.Status.ACTIVE,
        started_at=timezone.now() - timedelta(minutes=12),
    )
    Invitation.objects.create(meeting=meeting, user=user, email=user.email)
    countdown = _on_the_clock(host_page)
    expect(countdown).to_have_text("in progress for 12 min")
    expect(host_page.locator(".next-up")).to_contain_text("hosted by Grace Hopper")

    host_page.clock.fast_forward("01:00")
    expect(countdown).to_have_text("in progress for 13 min")
    assert browser_log.errors == []


def test_start_a_meeting_now_opens_the_share_dialog_and_starts_it(
    host_page, live_server, browser_log
):
    host_page.goto("/")
    host_page.get_by_label("Title").fill("Quick design huddle")
    host_page.get_by_role("button", name="Start a meeting now").click()

    dialog = host_page.locator("dialog#share-dialog")
    expect(dialog).to_be_visible()
    meeting = Meeting.objects.get()
    expect(dialog.get_by_role("heading")).to_have_text("Quick design huddle")
    expect(dialog.get_by_test_id("meeting-id")).to_have_text(meeting.formatted_meeting_id)
    expect(dialog.get_by_test_id("passcode")).to_have_text(meeting.passcode)
    expect(dialog.get_by_test_id("share-url")).to_have_value(
        f"{live_server.url}/join/{meeting.invitation_token}/"
    )
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")

    dialog.get_by_role("button", name="Start meeting").click()
    expect(host_page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    assert browser_log.errors == []


def test_dashboard_rows_start_and_join_meetings(host_page, user, meeting, live_server, browser_log):
    """The host starts their own meeting from its row, and joins one they are invited to."""
    MeetingFactory(host=user, title="Stand-up", starts_at=timezone.now() + timedelta(minutes=30))
    hosted_elsewhere = MeetingFactory(title="Partner call")
    Invitation.objects.create(meeting=hosted_elsewhere, user=user, email=user.email)
    page = host_page
    page.goto("/")
    expect(page.locator(".next-up")).to_contain_text("Stand-up")
    rows = page.locator(".upcoming li")
    expect(rows).to_have_count(2)

    rows.filter(has_text="Partner call").get_by_role("button", name="Join").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{hosted_elsewhere.meeting_id}/room/")

    page.goto("/")
    rows.filter(has_text="Weekly sync").get_by_role("button", name="Start").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ACTIVE
    assert browser_log.errors == []
