"""Ratings after the call: the request email an hour after the end, the rating, what hosts see.

An hour after a meeting's scheduled end, once it has ended, each attendee who
joined with an account or a personal invitation (share-link guests leave no
address) gets "How was <title>?" with a personal link. The sweep of
invitations.tasks runs `send_rating_requests` every minute (registered in
BookingsConfig.ready()). Ratings are open until 7 days after the end.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from bookings.models import FEEDBACK_MAX, RATING_MAX, RATING_MIN, Rating
from invitations.delivery import send_each
from invitations.emails import render_email
from meetings.models import DURATION_MAX, Attendance, Meeting
from meetings_site.tokens import digest, find, new_token

# When the request goes out, and how long the attendee may rate.
REQUEST_DELAY = timedelta(hours=1)
RATING_WINDOW = timedelta(days=7)
# Requests sent per sweep; the rest wait a minute for the next one.
BATCH_SIZE = 200

CLOSED_MESSAGE = "Rating is closed: ratings can be given until 7 days after the meeting."
SCORE_MESSAGE = f"Choose a rating from {RATING_MIN} to {RATING_MAX}."
FEEDBACK_MESSAGE = f"Feedback can be at most {FEEDBACK_MAX} characters."


class RatingClosed(Exception):
    """The meeting ended more than RATING_WINDOW ago: nothing is changed."""


def closes_at(meeting: Meeting) -> datetime:
    return meeting.ends_at + RATING_WINDOW


def is_open(rating: Rating, now: datetime | None = None) -> bool:
    return (now or timezone.now()) < closes_at(rating.meeting)


# Sending the requests.


@dataclass
class Due:
    meeting: Meeting
    user_id: int | None
    invitation_id: int | None
    email: str
    name: str
    timezone: str
    token: str = ""


def raters() -> QuerySet[Attendance]:
    """The entries into meetings whose person may rate the meeting: let into the room with an
    account or an invitation (so with an address), and not running it (host, co-hosts, staff)."""
    return (
        Attendance.objects.filter(admitted_at__isnull=False, is_moderator=False)
        .exclude(user__isnull=True, invitation__isnull=True)
        .exclude(user=F("meeting__host"))
    )


def due_requests(now: datetime, *, limit: int) -> list[Due]:
    """The attendees owed a rating request now, one per (meeting, email), in one query.

    Owed: the meeting has ended, its scheduled end is at least an hour and
    less than the rating window ago, and the attendee was let into the room
    with an account or an invitation (so with an address), did not run it
    (host, co-host, staff) and has not been asked yet: the asked are left out
    in SQL, on the rating's unique (meeting, email), so the sweep reads only
    what it will send.
    """
    asked = Rating.objects.filter(meeting_id=OuterRef("meeting_id"), email=OuterRef("address"))
    attendances = (
        raters()
        .select_related("meeting__host", "user", "invitation__user")
        .filter(
            meeting__status=Meeting.Status.ENDED,
            meeting__ends_at__lte=now - REQUEST_DELAY,
            meeting__ends_at__gt=now - RATING_WINDOW,
            # The same range on the indexed start, so the meetings are found by index.
            meeting__starts_at__gt=now - RATING_WINDOW - timedelta(minutes=DURATION_MAX),
            meeting__starts_at__lte=now - REQUEST_DELAY,
        )
        .annotate(address=Lower(Coalesce("invitation__email", "user__email")))
        .exclude(Exists(asked))
        .order_by("meeting__ends_at", "meeting_id", "pk")[:limit]
    )
    due = []
    seen = set()
    for attendance in attendances:
        meeting = attendance.meeting
        key = (meeting.pk, attendance.address)
        if key in seen:  # joined more than once
            continue
        seen.add(key)
        invitation = attendance.invitation
        user = attendance.user or (invitation.user if invitation else None)
        due.append(
            Due(
                meeting,
                user.pk if user else None,
                invitation.pk if invitation else None,
                invitation.email if invitation else user.email,
                invitation.display_name if invitation else user.display_name,
                user.timezone if user else meeting.timezone,
            )
        )
    return due


def _claim(items: list[Due]) -> list[tuple[Due, Rating]]:
    """Insert a Rating row per item, with a new token's digest; keep those this run inserted."""
    claim = uuid.uuid4().hex
    rows = []
    for item in items:
        item.token = new_token()
        rows.append(
            Rating(
                meeting=item.meeting,
                user_id=item.user_id,
                invitation_id=item.invitation_id,
                email=item.email.lower(),
                name=item.name[:200],
                digest=digest(item.token),
                claimed_by=claim,
            )
        )
    Rating.objects.bulk_create(rows, ignore_conflicts=True)
    ours = {
        digest_: pk
        for pk, digest_ in Rating.objects.filter(claimed_by=claim).values_list("pk", "digest")
    }
    claimed = []
    for item, row in zip(items, rows, strict=True):
        pk = ours.get(row.digest)
        if pk is not None:
            row.pk = pk
            claimed.append((item, row))
    return claimed


def rating_url(token: str) -> str:
    return f"{settings.SITE_URL}/ratings/{token}/"


def rating_request_email(item: Due) -> EmailMultiAlternatives:
    """ "How was <title>?" with the attendee's personal rating link."""
    meeting = item.meeting
    host = meeting.host
    context = {
        "meeting": meeting,
        "host": host,
        "name": item.name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "zone_name": item.timezone,
        "rating_url": rating_url(item.token),
        "closes_at": closes_at(meeting),
    }
    return render_email(
        "rating-request",
        context,
        zone=item.timezone,
        to=(item.name, item.email),
        reply_to=(host.display_name, host.email),
    )


def send_rating_requests(now: datetime | None = None) -> dict:
    """Send the rating requests due over one connection; a failed one waits for the next run.

    The number of queries does not grow with the attendees: what is due is
    read in one query, claimed in two, and marked sent or released in one each.
    """
    now = now or timezone.now()
    items = due_requests(now, limit=BATCH_SIZE)
    if not items:
        return {"rating_requests": 0}
    claimed = _claim(items)
    unsent = send_each(
        claimed,
        lambda claim: rating_request_email(claim[0]),
        what="Rating request",
        to=lambda claim: claim[0].email,
    )
    failed = {row.pk for _, row in unsent}
    sent = [row.pk for _, row in claimed if row.pk not in failed]
    if sent:
        Rating.objects.filter(pk__in=sent).update(sent_at=timezone.now(), claimed_by="")
    if failed:
        Rating.objects.filter(pk__in=failed, score__isnull=True).delete()
    return {"rating_requests": len(sent)}


# The rating page.


def rating_for_token(*, token: str) -> Rating | None:
    """The rating a link opens, with its meeting and host; None for a wrong token."""
    return find(Rating.objects.select_related("meeting__host"), token)


def rater_attendance(*, meeting: Meeting, user) -> Attendance | None:
    """The user's entry into the meeting that lets them rate it (as raters() counts them, by
    their account or the invitation to it); None if they have none."""
    if not user.is_authenticated:
        return None
    return (
        raters()
        .select_related("invitation")
        .filter(meeting=meeting)
        .filter(Q(user=user) | Q(invitation__user=user))
        .first()
    )


@transaction.atomic
def rating_for_attendance(*, attendance: Attendance, user) -> Rating:
    """The attendee's rating row of the meeting: the one its request email made, or, when they
    rate before that (through the API), a new one, which the request email then skips."""
    invitation = attendance.invitation
    email = invitation.email if invitation else user.email
    name = invitation.display_name if invitation else user.display_name
    rating, _ = Rating.objects.select_related("meeting__host").get_or_create(
        meeting=attendance.meeting,
        email=email.lower(),
        defaults={
            "user": user,
            "invitation": invitation,
            "name": name[:200],
            "digest": digest(new_token()),
        },
    )
    return rating


@transaction.atomic
def rating_give(*, rating: Rating, score: int, feedback: str, now: datetime | None = None) -> None:
    """Save the attendee's rating, replacing an earlier one, while rating is open."""
    now = now or timezone.now()
    if not RATING_MIN <= score <= RATING_MAX:
        raise ValueError(SCORE_MESSAGE)
    # Conditional on the window in SQL, so a POST that straddles the close changes nothing.
    updated = Rating.objects.filter(pk=rating.pk, meeting__ends_at__gt=now - RATING_WINDOW).update(
        score=score, feedback=feedback, rated_at=now
    )
    if not updated:
        raise RatingClosed(CLOSED_MESSAGE)
    rating.score, rating.feedback, rating.rated_at = score, feedback, now


# What hosts see.


def meeting_ratings(*, meeting: Meeting) -> list[Rating]:
    """The meeting's given ratings, oldest first."""
    return list(
        Rating.objects.filter(meeting=meeting, score__isnull=False).only(
            "name", "email", "score", "feedback", "rated_at", "meeting_id"
        )
    )


def rating_summary(*, host) -> dict[int, tuple[float, int]]:
    """{booking_type_id: (average, count)} of the ratings of meetings booked with a host's types."""
    rows = (
        Rating.objects.filter(meeting__booking__booking_type__host=host, score__isnull=False)
        .values("meeting__booking__booking_type")
        .annotate(average=Avg("score"), count=Count("pk"))
        .order_by()
    )
    return {
        row["meeting__booking__booking_type"]: (round(float(row["average"]), 2), row["count"])
        for row in rows
    }
