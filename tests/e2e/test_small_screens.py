import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invitations.models import Invitation
from tests.e2e.conftest import log_in
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _widths(page, who: str, paths) -> dict[str, int]:
    """How wide each page lays out for someone, in CSS pixels."""
    widths = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        widths[f"{path} ({who})"] = _width(page)
    return widths


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_no_page_is_wider_than_a_phone(
    new_page, user, password, personal_link, live_server, browser_log
):
    user.first_name, user.last_name = "Maximiliane", "Oppenheimer-Wolfenstein"
    user.save()
    meeting = MeetingFactory(
        host=user,
        title="Quarterly planning with the extended leadership team",
        waiting_room=True,
        participant_limit=20,
    )
    MeetingFactory(host=user, title="Past retrospective", starts_at=timezone.now() - timedelta(2))
    # The dashboard's Next up card, and rows under more than one day.
    MeetingFactory(
        host=user,
        title="Onboarding session for the new international partnerships coordinators",
        starts_at=timezone.now() + timedelta(hours=1),
    )
    MeetingFactory(host=user, title="Budget", starts_at=timezone.now() + timedelta(days=5))
    guest = UserFactory(first_name="Bartholomew", last_name="Featherstonehaugh-Smythe")
    Invitation.objects.create(meeting=meeting, user=guest, email=guest.email)
    contact = ContactFactory(
        owner=user,
        email="bartholomew.featherstonehaugh@international-consolidated.example.com",
        company="International Consolidated Holdings",
        phone="+44 20 7946 0958",
    )
    Invitation.objects.create(meeting=meeting, contact=contact, email=contact.email)
    detail = f"/meetings/{meeting.meeting_id}/"
    share = f"/join/{meeting.invitation_token}/"

    visitor = new_page(viewport=PHONE)
    widths = _widths(
        visitor,
        "visitor",
        [
            "/",
            "/accounts/login/",
            "/accounts/signup/",
            share,
            f"/join/?meeting_id={meeting.formatted_meeting_id}",
            personal_link(meeting),
        ],
    )
    visitor.goto(share)
    visitor.get_by_label("Your name").fill("Wilhelmina Featherstonehaugh-Smythe")
    visitor.get_by_role("button", name="Join meeting now").click()
    expect(visitor).to_have_url(f"{live_server.url}/meetings/{meeting.meeting_id}/waiting/")
    widths["waiting page"] = _width(visitor)

    host = log_in(new_page(viewport=PHONE), user, password)
    widths |= _widths(
        host,
        "host",
        [
            "/",
            "/meetings/",
            "/meetings/?when=all",
            "/meetings/new/",
            f"{detail}invitations/new/",
            "/contacts/",
            "/contacts/new/",
            f"/contacts/{contact.pk}/edit/",
            "/accounts/profile/",
        ],
    )
    host.goto("/")
    expect(host.locator(".next-up [role=timer]")).to_have_text(
        re.compile(r"starts in (1 h|5\d min)")
    )
    expect(host.locator(".upcoming li")).to_have_count(2)
    host.goto(detail)
    widths[f"{detail} (host)"] = _width(host)
    # The header's account menu, opened, stays on the screen too.
    host.get_by_label("Account menu").click()
    widths["account menu"] = _width(host)
    host.goto(f"{detail}?created=1")
    expect(host.locator("dialog#share-dialog")).to_be_visible()
    widths["share dialog"] = _width(host)

    invitee = log_in(new_page(viewport=PHONE), guest, password)
    widths |= _widths(invitee, "invitee", ["/", "/meetings/", detail])

    too_wide = {page: width for page, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, f"wider than the screen: {too_wide}"
    assert browser_log.errors == []
