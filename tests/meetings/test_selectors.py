from datetime import timedelta

import pytest
from django.utils import timezone

from invitations.models import Invitation
from meetings import selectors
from meetings.models import Meeting
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(user):
    """A user hosting meetings of every kind and invited to others, some no longer."""
    now = timezone.now().replace(microsecond=0)
    starts = [now + timedelta(hours=h) for h in (-72, -30, -1, 2, 5, 26, 50, 100)]
    for n, starts_at in enumerate(starts):
        MeetingFactory(host=user, title=f"Hosted {n}", starts_at=starts_at)
        invited = MeetingFactory(title=f"Invited {n}", starts_at=starts_at + timedelta(minutes=7))
        Invitation.objects.create(
            meeting=invited,
            user=user,
            email=user.email,
            revoked_at=now if n % 3 == 0 else None,
        )
    for status in (Meeting.Status.ACTIVE, Meeting.Status.ENDED, Meeting.Status.CANCELLED):
        MeetingFactory(host=user, title=f"Hosted {status}", status=status, starts_at=now)
    MeetingFactory(title="Not mine")
    return user


def _expected(user, when, status="", search="") -> list[int]:
    meetings = selectors.listed_meetings(
        user=user, now=timezone.now(), when=when, status=status, search=search
    )
    return list(meetings.values_list("pk", flat=True))


@pytest.mark.parametrize("when", selectors.WHEN)
@pytest.mark.parametrize("status", ["", *Meeting.Status.values])
def test_pages_hold_the_rows_of_the_list_in_order_with_the_count(viewer, when, status):
    expected = _expected(viewer, when, status)
    rows = []
    for number in range(1, 8):
        page = selectors.meeting_list_page(
            user=viewer, when=when, status=status, number=str(number), per_page=3
        )
        assert page.number == min(number, page.paginator.num_pages)
        assert page.paginator.count == len(expected)
        if page.number == number:
            rows += [meeting.pk for meeting in page.object_list]
    assert rows == expected


def test_the_list_holds_hosted_and_live_invitations_only(viewer):
    titles = set(
        Meeting.objects.filter(pk__in=_expected(viewer, "all")).values_list("title", flat=True)
    )
    assert "Not mine" not in titles
    assert {"Invited 1", "Invited 2", "Hosted 0", "Hosted cancelled"} <= titles
    assert not {"Invited 0", "Invited 3"} & titles  # revoked


def test_a_search_pages_like_the_rest(viewer):
    expected = _expected(viewer, "all", search="INVITED")
    page = selectors.meeting_list_page(
        user=viewer, when="all", search="INVITED", number="2", per_page=2
    )
    assert [meeting.pk for meeting in page.object_list] == expected[2:4]
    assert page.paginator.count == len(expected)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        *[(None, 1), ("x", 1), ("2.5", 1), ("1", 1), ("3", 3), ("6", 6)],
        *[("0", 6), ("-1", 6), ("99", 6), ("9" * 30, 6)],
    ],
)
def test_page_numbers_are_read_as_paginator_get_page_reads_them(viewer, asked, shown):
    # 8 hosted, 5 live invitations and 3 meetings started or over: 6 pages of 3.
    assert len(_expected(viewer, "all")) == 16
    page = selectors.meeting_list_page(user=viewer, when="all", number=asked, per_page=3)
    assert page.number == shown
    assert page.paginator.num_pages == 6


def test_an_empty_list_is_one_empty_page(user):
    for asked in (None, "1", "5"):
        page = selectors.meeting_list_page(user=user, when="upcoming", number=asked, per_page=3)
        assert page.number == 1 and list(page.object_list) == []
        assert page.paginator.count == 0 and page.paginator.num_pages == 1


def test_unknown_filters_are_refused(user):
    for when, status in [("someday", ""), ("all", "lost")]:
        with pytest.raises(ValueError):
            selectors.meeting_list_page(user=user, when=when, status=status, number=1, per_page=3)


def test_listed_meetings_show_without_further_queries(viewer, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = selectors.meeting_list_page(user=viewer, when="all", number=1, per_page=20)
        for meeting in page.object_list:
            assert meeting.get_absolute_url() == f"/meetings/{meeting.meeting_id}/"
            assert meeting.formatted_meeting_id and meeting.share_url
            assert meeting.get_status_display() and meeting.host.display_name
            assert meeting.is_editable in (True, False) and meeting.is_joinable in (True, False)
    stored = Meeting.objects.select_related("host").get(pk=page.object_list[0].pk)
    assert page.object_list[0].title == stored.title
    assert page.object_list[0].host.display_name == stored.host.display_name
