from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from invitations.models import Invitation
from meetings import selectors
from meetings.models import Meeting
from tests.factories import MeetingFactory, UserFactory

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
    """The list's meetings in its order, worked out in Python from every stored meeting."""
    now = timezone.now()
    invited = set(
        Invitation.objects.filter(user=user, revoked_at__isnull=True).values_list(
            "meeting_id", flat=True
        )
    )

    def is_past(meeting):
        over = meeting.status == Meeting.Status.SCHEDULED and meeting.ends_at <= now
        return over or meeting.status in (Meeting.Status.ENDED, Meeting.Status.CANCELLED)

    mine = [
        meeting
        for meeting in Meeting.objects.all()
        if (meeting.host_id == user.pk or meeting.pk in invited)
        and (not status or meeting.status == status)
        and search.lower() in meeting.title.lower()
    ]
    upcoming = sorted((m for m in mine if not is_past(m)), key=lambda m: (m.starts_at, m.pk))
    past = [m for m in mine if is_past(m)]
    if when == "upcoming":
        listed = upcoming
    elif when == "past":
        listed = sorted(past, key=lambda m: (m.starts_at, m.pk), reverse=True)
    else:
        listed = upcoming + sorted(past, key=lambda m: (-m.starts_at.timestamp(), m.pk))
    return [meeting.pk for meeting in listed]


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


@pytest.mark.parametrize("asked", ["7", "99", "0", "-1"])
def test_a_page_past_the_end_costs_one_query_more_not_two(viewer, asked, django_assert_num_queries):
    # The asked page comes back empty; the last page and the count come in one more query.
    with django_assert_num_queries(1 if asked in ("0", "-1") else 2):
        page = selectors.meeting_list_page(user=viewer, when="all", number=asked, per_page=3)
    assert page.number == 6
    assert [meeting.pk for meeting in page.object_list] == _expected(viewer, "all")[15:]


def _rows_read_from(plan: dict, table: str) -> int:
    """Rows that the plan's scans of `table` read, kept or filtered out."""
    read = 0
    if plan.get("Relation Name") == table:
        read += plan["Actual Rows"] * plan["Actual Loops"]
        read += plan.get("Rows Removed by Filter", 0) * plan["Actual Loops"]
    return read + sum(_rows_read_from(child, table) for child in plan.get("Plans", []))


@pytest.mark.parametrize("when", selectors.WHEN)
@pytest.mark.parametrize("search", ["", "sync"])
def test_the_list_reads_only_the_users_own_meetings(user, when, search):
    if connection.vendor != "postgresql":
        pytest.skip("reads the plan of PostgreSQL")
    now = timezone.now()
    others = MeetingFactory.build_batch(300, host=UserFactory(), title="Daily sync")
    for n, meeting in enumerate(others):
        meeting.starts_at = now + timedelta(hours=n - 150)
        meeting.ends_at = meeting.starts_at + timedelta(minutes=meeting.duration)
    Meeting.objects.bulk_create(others)
    mine = [
        MeetingFactory(host=user, title="Weekly sync", starts_at=now + timedelta(hours=h))
        for h in (-5, 5)
    ]
    invited = MeetingFactory(title="Team sync", starts_at=now + timedelta(hours=1))
    Invitation.objects.create(meeting=invited, user=user, email=user.email)
    meetings = selectors.listed_meetings(user=user, now=now, when=when, search=search)
    with connection.cursor() as cursor:
        # As on a large table, where reading all of it would cost more than any index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = meetings[:20].query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
    assert len(list(meetings)) == {"upcoming": 2, "past": 1, "all": 3}[when]
    # Each of the user's meetings is read at most a few times (rows, counts), others' never.
    assert _rows_read_from(plan, "meetings_meeting") <= 3 * (len(mine) + 1)
