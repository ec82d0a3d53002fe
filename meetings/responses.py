"""Answers shared by the pages that open a meeting: not found, closed, a JSON error,
and where a join leads."""

from django.http import JsonResponse
from django.shortcuts import redirect, render

from meetings.joining import JoinResult, Outcome
from meetings.models import Meeting


def not_found_response(request, title: str, detail: str):
    return render(
        request, "meetings/not_found.html", {"title": title, "detail": detail}, status=404
    )


def closed_response(request, meeting: Meeting):
    return render(request, "meetings/closed.html", {"meeting": meeting}, status=410)


# The founding document's words for a link that no longer works, and for joining by ID.
LINK_EXPIRED = "Invitation link not found"
MEETING_ENDED = "This meeting has ended"


def expired_response(request, meeting: Meeting, *, title: str):
    """Its links expired: when it ended and whom to ask, as 410 Gone."""
    context = {"meeting": meeting, "title": title, "ended_at": meeting.ended_at or meeting.ends_at}
    return render(request, "meetings/expired.html", context, status=410)


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def entry_response(request, result: JoinResult, *, by_link: bool = False):
    """Where a join page sends the visitor: the room, the waiting page, or why not.

    A visitor who came `by_link` (the share link, a personal link) is told, once the
    links expired, that the link is not found any more; others, that the meeting ended.
    """
    meeting = result.meeting
    if result.outcome == Outcome.ADMITTED:
        return redirect("meetings:room", meeting_id=meeting.meeting_id)
    if result.outcome == Outcome.WAITING:
        return redirect("meetings:waiting", meeting_id=meeting.meeting_id)
    if result.outcome == Outcome.FULL:
        context = {"meeting": meeting, "message": result.message}
        return render(request, "meetings/full.html", context, status=409)
    if result.outcome == Outcome.CLOSED:
        return closed_response(request, meeting)
    if result.outcome == Outcome.EXPIRED:
        title = LINK_EXPIRED if by_link else MEETING_ENDED
        return expired_response(request, meeting, title=title)
    raise ValueError(f"a join page answers {result.outcome} itself")
