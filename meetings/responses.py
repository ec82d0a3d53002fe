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


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def entry_response(request, result: JoinResult):
    """Where a join page sends the visitor: the room, the waiting page, or why not."""
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
    raise ValueError(f"a join page answers {result.outcome} itself")
