"""Reads of the busiest pages: the meetings list, the dashboard, the lookups of the join pages."""

import re
from dataclasses import dataclass
from math import ceil

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from meetings.models import Meeting

WHEN = ("upcoming", "past", "all")
# What a row of the meetings list, and of the dashboard, shows.
LIST_FIELDS = (
    "meeting_id",
    "title",
    "starts_at",
    "duration",
    "status",
    "started_at",
    "no_show",
    "invitation_token",
    "host__first_name",
    "host__last_name",
    "host__email",
)
# Each tab's order, on columns both halves of the list select; pk breaks ties.
ORDERING = {
    "upcoming": ("starts_at", "pk"),
    "past": ("-starts_at", "-pk"),
    # Upcoming first (soonest first), then the past (most recent first).
    "all": ("is_past", "upcoming_starts_at", "-starts_at", "pk"),
}
# Past this, a page number asks for more rows than an OFFSET can skip: the last page.
PAGE_NUMBER_MAX = 10**9


def listed_meetings(*, user, now, when: str, status: str = "", search: str = "") -> QuerySet:
    """The meetings of a user's list in its order: hosted and invited, as filtered.

    Two halves, each read on its own index (the host's meetings; the user's
    invitations), joined by UNION ALL: `host = user OR pk IN (invited)` makes
    PostgreSQL walk every meeting of every host to test the OR. Each row carries
    `total`, the length of the whole list: its own half's count, taken in the same
    pass, plus a count of the other half.
    """
    conditions = _conditions(now, when, status, search)
    invitation = apps.get_model("invitations", "Invitation")
    invited_ids = invitation.objects.filter(user=user, revoked_at__isnull=True).values("meeting_id")
    hosted = Meeting.objects.filter(conditions, host=user)
    # A host invited to their own meeting is listed once, as its host.
    invited = Meeting.objects.filter(conditions, pk__in=invited_ids).exclude(host=user)
    # Only the All tab orders on whether a meeting is over.
    order = {"now": now} if when == "all" else {}
    return (
        _rows(hosted, others=invited, **order)
        .union(_rows(invited, others=hosted, **order), all=True)
        .order_by(*ORDERING[when])
    )


def _conditions(now, when: str, status: str, search: str) -> Q:
    """The list's filters: its tab (upcoming, past, all), a status, words of the title."""
    conditions = Q()
    if when == "upcoming":
        conditions &= Q(status=Meeting.Status.ACTIVE) | Q(
            status=Meeting.Status.SCHEDULED, ends_at__gt=now
        )
    elif when == "past":
        conditions &= Meeting.past_condition(now)
    if status:
        conditions &= Q(status=status)
    if search:
        conditions &= Q(title__icontains=search)
    return conditions


def hosted_meetings(*, user, now, when: str, status: str = "", search: str = "") -> QuerySet:
    """The meetings the user hosts, in the list's order and with its filters and `total`.

    On the host's index alone: what the API's "my meetings" lists.
    """
    hosted = Meeting.objects.filter(_conditions(now, when, status, search), host=user)
    order = {"now": now} if when == "all" else {}
    return _rows(hosted, others=None, **order).order_by(*ORDERING[when])


def _rows(meetings: QuerySet, *, others: QuerySet | None, now=None) -> QuerySet:
    """One half of the list as its rows are shown, each with the length of the whole list.

    With `now`, each row also says whether it is over, for the All tab's order.
    """
    total = Window(Count("pk"))
    if others is not None:
        total = total + Subquery(_count(others))
    rows = meetings.select_related("host").only(*LIST_FIELDS).annotate(total=total).order_by()
    if now is None:
        return rows
    is_past = Case(When(Meeting.past_condition(now), then=1), default=0)
    return rows.annotate(
        is_past=is_past, upcoming_starts_at=Case(When(is_past=0, then="starts_at"))
    )


def _count(meetings: QuerySet) -> QuerySet:
    """A queryset's COUNT(*) as a one-value query, to nest in another query.

    An aggregate without GROUP BY: exactly one row, 0 when nothing matches.
    """
    return (
        meetings.order_by()
        .annotate(count=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("count")
    )


def meeting_list_page(
    *,
    user,
    when: str,
    status: str = "",
    search: str = "",
    number,
    per_page: int,
    hosted_only: bool = False,
) -> Page:
    """A page of the user's meetings list: meetings with their hosts, only the listed fields.

    With `hosted_only`, the meetings the user hosts, without those they are invited to.

    One query for the page and the count together. `number` is the page asked
    for, as text; like Paginator.get_page(), anything but a number gives the
    first page and a number out of range the last. A number past the end costs one
    more query: the last page, read from the end of the list. One query could only
    fall back to it by numbering every row (ROW_NUMBER over the whole list), which
    made every page of a 10,000-meeting list two to three times slower.
    """
    if when not in WHEN or status not in [*Meeting.Status.values, ""]:
        raise ValueError(f"unknown list filter {when!r}, {status!r}")
    read = hosted_meetings if hosted_only else listed_meetings
    rows = read(user=user, now=timezone.now(), when=when, status=status, search=search)
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if 1 <= number <= PAGE_NUMBER_MAX:
        page = list(rows[(number - 1) * per_page : number * per_page])
        if page or number == 1:
            return Page(page, number, _paginator(page[0].total if page else 0, per_page))
    tail = list(rows.reverse()[:per_page])
    total = tail[0].total if tail else 0
    number = max(1, ceil(total / per_page))
    page = tail[: total - (number - 1) * per_page][::-1]
    return Page(page, number, _paginator(total, per_page))


def _paginator(total: int, per_page: int) -> Paginator:
    # A paginator only needs the length of what it pages: the page query brought the count.
    return Paginator(range(total), per_page)


def invitation_page(
    *, meeting: Meeting, search: str = "", number, per_page: int, count: int
) -> Page:
    """A page of a meeting's invitations in the order they were made, searched by name or email.

    `count` is how many match, as invitation_summary() counted them, so the page query
    reads only its own rows; `number` is read as Paginator.get_page() reads it.
    """
    paginator = _paginator(count, per_page)
    number = paginator.get_page(number).number
    invitations = meeting.invitations.filter(_invitation_search(search))
    rows = invitations.order_by("created_at", "pk")[(number - 1) * per_page : number * per_page]
    return Page(rows, number, paginator)


def _invitation_search(search: str) -> Q:
    return Q(name__icontains=search) | Q(email__icontains=search) if search else Q()


def invitation_summary(*, meeting: Meeting, search: str = "") -> dict:
    """How many are invited, how many of them gave each answer or are in each delivery state,
    and how many match the search.

    Answers count live invitations only: a revoked one's answer no longer matters.
    One query, however many are invited.
    """
    invitation = apps.get_model("invitations", "Invitation")
    live = Q(revoked_at__isnull=True)
    counts = meeting.invitations.aggregate(
        total=Count("pk"),
        matching=Count("pk", filter=_invitation_search(search)),
        revoked=Count("pk", filter=~live),
        **{
            f"rsvp_{value}": Count("pk", filter=live & Q(rsvp=value))
            for value in invitation.Rsvp.values
        },
        **{
            f"delivery_{value}": Count("pk", filter=Q(delivery_state=value))
            for value in invitation.Delivery.values
        },
    )
    return {
        "total": counts["total"],
        "matching": counts["matching"],
        "revoked": counts["revoked"],
        "answers": [
            (value, label, counts[f"rsvp_{value}"]) for value, label in invitation.Rsvp.choices
        ],
        "deliveries": [
            (value, label, counts[f"delivery_{value}"])
            for value, label in invitation.Delivery.choices
        ],
    }


def meeting_for_share_link(token: str) -> Meeting | None:
    """The meeting a share link opens, with its host, or None."""
    # get(), not first(): the token is unique, and first() would sort by the default ordering.
    try:
        return Meeting.objects.select_related("host").get(invitation_token=token)
    except Meeting.DoesNotExist:
        return None


# A colour as the booking type's check constraint stores it; anything else is not shown.
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class UpcomingRow:
    """One of a user's upcoming meetings as the dashboard shows it."""

    meeting: Meeting
    is_host: bool
    # For the host, the first invitee's name, with `others` more invited; for an
    # invitee, the host's name.
    other_party: str
    others: int = 0
    # For the host of a booked meeting: its booking type's title, label and
    # colour (#rrggbb, or empty). The label is the host's own tag for the type.
    booking_type: str = ""
    label: str = ""
    color: str = ""


def upcoming_rows(*, user, now, limit: int) -> tuple[list[UpcomingRow], int]:
    """The user's next `limit` upcoming meetings, whom each is with, and how many are upcoming.

    Two queries, however many meetings and invitations: the list's Upcoming
    tab with its count, then, for the meetings on it that the user hosts, the
    first invitee, the number invited and the booking type of a booked one.
    """
    meetings = list(listed_meetings(user=user, now=now, when="upcoming")[:limit])
    hosted = _hosted_details([meeting.pk for meeting in meetings if meeting.host_id == user.pk])
    rows = []
    for meeting in meetings:
        if meeting.host_id == user.pk:
            details = hosted.get(meeting.pk, _NO_DETAILS)
            rows.append(
                UpcomingRow(
                    meeting,
                    True,
                    details.first_invitee,
                    max(details.invited - 1, 0),
                    details.booking_type,
                    details.label,
                    details.color,
                )
            )
        else:
            rows.append(UpcomingRow(meeting, False, meeting.host.display_name))
    return rows, meetings[0].total if meetings else 0


@dataclass(frozen=True)
class _HostedDetails:
    first_invitee: str = ""
    invited: int = 0
    booking_type: str = ""
    label: str = ""
    color: str = ""


_NO_DETAILS = _HostedDetails()


def _hosted_details(meeting_pks: list[int]) -> dict[int, _HostedDetails]:
    """Each meeting's first live invitee (name, else email), the number invited, its booking type.

    One query, none for no meetings; the first invitee is read on the
    invitations' (meeting, created_at, id) index. The booking type comes
    through the booking's reverse one-to-one by name (`booking__…`), a LEFT
    JOIN on its unique meeting column: meetings imports nothing of bookings.
    """
    invitation = apps.get_model("invitations", "Invitation")
    live = invitation.objects.filter(meeting=OuterRef("pk"), revoked_at__isnull=True)
    first = live.order_by("created_at", "pk").annotate(
        shown=Coalesce(NullIf("name", Value("")), "email", output_field=CharField())
    )
    meetings = (
        Meeting.objects.filter(pk__in=meeting_pks)
        .order_by()
        .annotate(first_invitee=Subquery(first.values("shown")[:1]), invited=Subquery(_count(live)))
    )
    rows = meetings.values_list(
        "pk",
        "first_invitee",
        "invited",
        "booking__booking_type__title",
        "booking__booking_type__label",
        "booking__booking_type__color",
    )
    return {
        pk: _HostedDetails(
            name or "",
            invited,
            type_title or "",
            label or "",
            color if color and HEX_COLOR.fullmatch(color) else "",
        )
        for pk, name, invited, type_title, label, color in rows
    }
