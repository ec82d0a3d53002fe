"""{% load ratings %}{% meeting_ratings meeting %}: the attendees' ratings on a meeting's page.

The meetings app knows nothing of bookings: its detail templates load this
library, which shows the ratings to the host, staff and co-hosts and nothing
to anyone else.
"""

from django import template

from bookings import ratings
from meetings.access import can_keep_notes
from meetings.models import Meeting

register = template.Library()


@register.inclusion_tag("bookings/ratings/_meeting.html", takes_context=True)
def meeting_ratings(context, meeting) -> dict:
    if meeting.status != Meeting.Status.ENDED:
        return {"visible": False}  # attendees are asked once it has ended
    request = context.get("request")
    user = getattr(request, "user", None)
    # Those who keep the meeting's notes: the host, staff and co-hosts.
    if user is None or not can_keep_notes(user, meeting):
        return {"visible": False}
    given = ratings.meeting_ratings(meeting=meeting)
    average = sum(rating.score for rating in given) / len(given) if given else None
    return {"visible": True, "meeting": meeting, "ratings": given, "average": average}
