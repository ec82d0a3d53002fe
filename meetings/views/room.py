"""The video room and the waiting room in front of it."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meetings import rooms
from meetings.access import (
    NO_PERMISSION,
    can_manage,
    granted_attendance,
    meeting_for,
    participant_in,
)
from meetings.models import Meeting
from meetings.responses import closed_response, json_error, not_found_response


@never_cache
@require_GET
def room(request, meeting_id: int):
    try:
        meeting = meeting_for(request, meeting_id)
    except Http404:
        return not_found_response(
            request,
            "Meeting room not found",
            "Check the meeting ID with the person who invited you.",
        )
    participant = participant_in(request, meeting)
    attendance = granted_attendance(request.session, meeting)
    if participant is None or (attendance is None and not can_manage(request.user, meeting)):
        return redirect(reverse("join:by_id") + f"?meeting_id={meeting.formatted_meeting_id}")
    if not meeting.is_joinable:
        return closed_response(request, meeting)
    if attendance is not None and attendance.is_waiting:
        # Nobody skips the wait by opening the room's address.
        return redirect("meetings:waiting", meeting_id=meeting.meeting_id)
    session_key = request.session.session_key or ""
    return render(
        request,
        "meetings/room.html",
        {
            "meeting": meeting,
            "moderator": participant.is_moderator,
            "can_end": can_manage(request.user, meeting),
            "display_name": participant.display_name,
            "jitsi_url": rooms.room_url(meeting, participant, session_key),
            "jitsi_base_url": settings.JITSI_BASE_URL,
            "jitsi_embed": settings.JITSI_EMBED and meeting.provider == Meeting.Provider.JITSI,
            "room_config": rooms.embed_config(meeting, participant, session_key),
        },
    )


def own_attendance(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    return meeting, granted_attendance(request.session, meeting)


@never_cache
@require_GET
def waiting(request, meeting_id: int):
    """Where attendees wait for the host; it moves on by itself once they may enter."""
    meeting, attendance = own_attendance(request, meeting_id)
    if attendance is None:
        return redirect(reverse("join:by_id") + f"?meeting_id={meeting.formatted_meeting_id}")
    if not meeting.is_joinable:
        return closed_response(request, meeting)
    if not attendance.is_waiting:
        return redirect("meetings:room", meeting_id=meeting.meeting_id)
    return render(request, "meetings/waiting.html", {"meeting": meeting, "attendance": attendance})


@never_cache
@require_GET
def waiting_status(request, meeting_id: int):
    meeting, attendance = own_attendance(request, meeting_id)
    if attendance is None:
        return json_error(403, NO_PERMISSION + ".")
    return JsonResponse(
        {
            "admitted": not attendance.is_waiting,
            "closed": not meeting.is_joinable,
            "room_url": reverse("meetings:room", args=[meeting.meeting_id]),
        }
    )
