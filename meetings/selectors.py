"""Reads of the busiest pages: the meetings list and the lookups of the join pages."""

from math import ceil

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, When, Window
from django.utils import timezone

from meetings.models import Meeting

WHEN = ("upcoming", "past", "all")
# What a row of the meetings list shows.
LIST_FIELDS = (
    "meeting_id",
    "title",
    "starts_at",
    "duration",
    "status",
    "invitation_token",
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


def meeting_list_page(
    *, user, when: str, status: str = "", search: str = "", number, per_page: int
) -> Page:
    """A page of the user's meetings list: meetings with their hosts, only the listed fields.

    One query for the page and the count together (each row carries the total).
    `number` is the page asked for, as text; like Paginator.get_page(), anything
    but a number gives the first page and a number out of range the last.
    """
    if when not in WHEN or status not in [*Meeting.Status.values, ""]:
        raise ValueError(f"unknown list filter {when!r}, {status!r}")
    meetings = (
        listed_meetings(user=user, now=timezone.now(), when=when, status=status, search=search)
        .select_related("host")
        .only(*LIST_FIELDS)
        .annotate(total=Window(Count("pk")))
    )
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    # Past the last page of any list, and of what an OFFSET can take: the last page.
    if 1 <= number <= 10**9:
        rows = list(meetings[(number - 1) * per_page : number * per_page])
        if rows or number == 1:
            return Page(rows, number, _paginator(rows[0].total if rows else 0, per_page))
    total = meetings.count()
    number = max(1, ceil(total / per_page))
    rows = list(meetings[(number - 1) * per_page : number * per_page])
    return Page(rows, number, _paginator(total, per_page))


def _paginator(total: int, per_page: int) -> Paginator:
    # A paginator only needs the length of what it pages: the page query brought the count.
    return Paginator(range(total), per_page)


def meeting_for_share_link(token: str) -> Meeting | None:
    """The meeting a share link opens, with its host, or None."""
    return Meeting.objects.select_related("host").filter(invitation_token=token).first()
