"""Reads of the busiest pages: the meetings list and the lookups of the join pages."""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from math import ceil

from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, Count, IntegerField, QuerySet, When, Window
from django.utils import timezone

from accounts.models import User
from meetings.models import Meeting
from meetings_site.prepared import PreparedQuery

WHEN = ("upcoming", "past", "all")
# What a row of the meetings list shows, in the order of a row's tuple; the
# page query adds the total number of meetings in the list at the end.
ROW_COLUMNS = (
    "pk",
    "meeting_id",
    "title",
    "starts_at",
    "duration",
    "status",
    "invitation_token",
    "host_id",
    "host__first_name",
    "host__last_name",
    "host__email",
)


def listed_meetings(*, user, now, when: str, status: str = "", search: str = "") -> QuerySet:
    """The meetings of a user's list in its order: hosted and invited, as filtered."""
    meetings = Meeting.objects.for_participant(user)
    if when == "upcoming":
        meetings = meetings.upcoming(now).order_by("starts_at", "pk")
    elif when == "past":
        meetings = meetings.past(now).order_by("-starts_at", "-pk")
    else:
        # Upcoming first (soonest first), then the past (most recent first).
        meetings = meetings.annotate(
            is_past=Case(
                When(Meeting.past_condition(now), then=1), default=0, output_field=IntegerField()
            )
        ).order_by("is_past", Case(When(is_past=0, then="starts_at")), "-starts_at", "pk")
    if status:
        meetings = meetings.filter(status=status)
    if search:
        meetings = meetings.filter(title__icontains=search)
    return meetings


def _page_rows(**filters) -> QuerySet:
    return (
        listed_meetings(**filters)
        .annotate(total=Window(Count("pk")))
        .values_list(*ROW_COLUMNS, "total")
    )


# One prepared query per tab and status filter; searches go through the ORM.
_prepared_pages: dict[tuple[str, str], PreparedQuery] = {}


def _rows(*, user, now, when, status, search, limit, offset) -> list[tuple]:
    if search:
        queryset = _page_rows(user=user, now=now, when=when, status=status, search=search)
        return list(queryset[offset : offset + limit])
    query = _prepared_pages.get((when, status))
    if query is None:
        query = _prepared_pages.setdefault(
            (when, status),
            PreparedQuery(
                partial(_page_rows, when=when, status=status),
                {"user": int, "now": datetime},
                paged=True,
            ),
        )
    return query.rows(user=user.pk, now=now, limit=limit, offset=offset)


def meeting_list_page(
    *, user, when: str, status: str = "", search: str = "", number, per_page: int
) -> Page:
    """A page of the user's meetings list, its rows as tuples of ROW_COLUMNS plus the total.

    One query for the page and the count together. `number` is the page asked for,
    as text; like Paginator.get_page(), anything but a number gives the first page
    and a number out of range the last.
    """
    if when not in WHEN or status not in [*Meeting.Status.values, ""]:
        raise ValueError(f"unknown list filter {when!r}, {status!r}")
    filters = {"user": user, "now": timezone.now(), "when": when, "status": status}
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    # Past the last page of any list, and of what an OFFSET can take: the last page.
    if 1 <= number <= 10**9:
        rows = _rows(**filters, search=search, limit=per_page, offset=(number - 1) * per_page)
        if rows or number == 1:
            return Page(rows, number, _paginator(rows[0][-1] if rows else 0, per_page))
    total = listed_meetings(**filters, search=search).count()
    number = max(1, ceil(total / per_page))
    rows = _rows(**filters, search=search, limit=per_page, offset=(number - 1) * per_page)
    return Page(rows, number, _paginator(rows[0][-1] if rows else 0, per_page))


def _paginator(total: int, per_page: int) -> Paginator:
    # A paginator only needs the length of what it pages: the page query brought the count.
    return Paginator(range(total), per_page)


def rows_as_meetings(rows) -> list[Meeting]:
    """Meetings (with their hosts) built from page rows, holding only the listed columns."""
    return [_meeting(ROW_COLUMNS, row[:-1]) for row in rows]  # all but the total


def _lookup(field: str, kind: type, columns: tuple[str, ...]) -> Callable[..., Meeting | None]:
    """A prepared read of the meeting whose `field` has a value, holding only `columns`."""
    query = PreparedQuery(
        lambda value: Meeting.objects.filter(**{field: value}).order_by().values_list(*columns),
        {"value": kind},
    )

    def find(value) -> Meeting | None:
        rows = query.rows(value=value)
        return _meeting(columns, rows[0]) if rows else None

    return find


# What the page of a share link shows, and the answer when the meeting is over.
SHARED_COLUMNS = (
    "pk",
    "meeting_id",
    "title",
    "description",
    "starts_at",
    "duration",
    "timezone",
    "status",
    "ended_at",
    "cancelled_at",
    "host_id",
    "host__first_name",
    "host__last_name",
    "host__email",
)
_by_invitation_token = _lookup("invitation_token", str, SHARED_COLUMNS)
_by_meeting_id = _lookup("meeting_id", int, ("pk", "meeting_id", "passcode"))


def meeting_for_share_link(token: str) -> Meeting | None:
    """The meeting a share link opens, with its host: the fields its page shows, or None."""
    return _by_invitation_token(token)


def meeting_for_passcode(meeting_id: int) -> Meeting | None:
    """The meeting of an ID, holding only its passcode: most passcodes typed are wrong."""
    return _by_meeting_id(meeting_id)


def _meeting(columns, row) -> Meeting:
    """A meeting from a row of `columns`, with its host when they include the host's."""
    values = dict(zip(columns, row, strict=True))
    meeting = _from_values(
        Meeting, {name: value for name, value in values.items() if "__" not in name}
    )
    host = {
        name.removeprefix("host__"): value
        for name, value in values.items()
        if name.startswith("host__")
    }
    if host:
        meeting.host = _from_values(User, {"id": values["host_id"]} | host)
    return meeting


def _from_values(model, values: dict):
    """An instance as the ORM loads one with only(): other fields load if ever read."""
    values = {("id" if name == "pk" else name): value for name, value in values.items()}
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])
