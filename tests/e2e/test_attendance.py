import time

import pytest
from playwright.sync_api import expect

from meetings.models import Attendance
from tests.factories import MeetingFactory

pytestmark = pytest.mark.e2e


def _left_at(name: str):
    """The leave as the server recorded it, waiting for the beacon to arrive."""
    deadline = time.monotonic() + 15  # a loaded machine may take a while to deliver it
    while True:
        left_at = Attendance.objects.get(display_name=name).left_at
        if left_at is not None or time.monotonic() > deadline:
            return left_at
        time.sleep(0.1)


@pytest.mark.parametrize("leave", ["go elsewhere", "close the tab"])
def test_leaving_the_room_page_records_the_leave(new_page, user, live_server, browser_log, leave):
    meeting = MeetingFactory(host=user, title="Design review")
    visitor = new_page()
    visitor.goto(f"/join/{meeting.invitation_token}/")
    visitor.get_by_label("Your name").fill("Grace Hopper")
    visitor.get_by_role("button", name="Join meeting now").click()
    expect(visitor).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/room/")
    expect(visitor.get_by_test_id("display-name")).to_have_text("Grace Hopper")
    assert Attendance.objects.get(display_name="Grace Hopper").left_at is None
    # The leave is reported by the room's script, which listens once the page has loaded.
    visitor.wait_for_load_state("load")

    if leave == "go elsewhere":
        visitor.goto("/")
    else:
        # As a person closing the tab: the page's unload handlers run. Playwright's
        # default close discards the page without them, which no browser user can do.
        visitor.close(run_before_unload=True)

    assert _left_at("Grace Hopper") is not None
    assert browser_log.errors == []
