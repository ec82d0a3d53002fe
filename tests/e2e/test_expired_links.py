from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from meetings import services
from meetings.models import Meeting

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _ended_on(meeting) -> str:
    local = timezone.localtime(meeting.ended_at, meeting.zone)
    return f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M} (Europe/Berlin)"


def test_a_month_after_the_end_every_link_says_it_expired_and_whom_to_ask(
    new_page, meeting, personal_link, browser_log
):
    """The meeting is held, completes by itself, and a month later its links are gone."""
    share = f"/join/{meeting.invitation_token}/"
    personal = personal_link(meeting)
    services.meeting_start(meeting=meeting)
    # Held a month ago, and never ended by the host...
    back = timedelta(days=32)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=F("starts_at") - back,
        ends_at=F("ends_at") - back,
        started_at=F("started_at") - back,
    )
    meeting.refresh_from_db()
    # ...so the sweep completed it two hours after its end.
    assert services.meetings_complete_overdue(now=meeting.ends_at + timedelta(hours=2)) == 1
    meeting.refresh_from_db()

    visitor = new_page(viewport=PHONE)
    for path in (share, personal):
        response = visitor.goto(path)
        assert response.status == 410
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Invitation link not found")
        expect(visitor.get_by_test_id("ended")).to_have_text(
            f"“Weekly sync” ended on {_ended_on(meeting)}, and its links have expired."
        )
        host = visitor.get_by_role("link", name="ada@example.com")
        expect(host).to_have_attribute("href", "mailto:ada@example.com")
        # Nothing to fill in: no way into an expired meeting.
        expect(visitor.get_by_role("button", name="Join meeting now")).to_have_count(0)
        width = visitor.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways"

    visitor.goto("/join/")
    visitor.get_by_label("Meeting ID").fill(meeting.formatted_meeting_id)
    visitor.get_by_label("Passcode").fill("012345")
    visitor.get_by_label("Your name").fill("Late Larry")
    with visitor.expect_navigation() as answer:
        visitor.get_by_role("button", name="Join").click()
    assert answer.value.status == 410
    expect(visitor.get_by_role("heading", level=1)).to_have_text("This meeting has ended")
    expect(visitor.get_by_text("ask the host, Ada Lovelace")).to_be_visible()
    assert not meeting.attendances.exists()
    assert browser_log.errors == []
