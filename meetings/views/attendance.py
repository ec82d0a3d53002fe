"""Attendance: who waits and who is in, admitting people, leaving, the CSV export."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from meetings import attendance as attendance_services
from meetings.access import NO_PERMISSION, get_manageable_meeting
from meetings.responses import json_error
from meetings.views.room import own_attendance
from meetings_site.csvcells import safe_cell


@login_required
@never_cache
@require_GET
def attendance_status(request, meeting_id: int):
    """Who waits and who is in, for the host's room and meeting page to refresh."""
    meeting = get_manageable_meeting(request, meeting_id)
    rows = list(meeting.attendances.all())
    return JsonResponse(
        {
            "waiting": [
                {"id": a.pk, "name": a.display_name, "way": a.get_way_display()}
                for a in rows
                if a.is_waiting and not a.left_at
            ],
            "present": sum(1 for a in rows if a.admitted_at and not a.left_at),
            "limit": meeting.participant_limit,
        }
    )


@login_required
@require_POST
def attendance_admit(request, meeting_id: int):
    """Admit one waiting person (`attendance`) or everyone (`all`)."""
    meeting = get_manageable_meeting(request, meeting_id)
    ids = None
    if request.POST.get("all") != "1":
        try:
            ids = [int(request.POST.get("attendance", ""))]
        except ValueError:
            return json_error(400, "Say whom to admit.")
    try:
        count = attendance_services.attendance_admit(meeting=meeting, attendance_ids=ids)
    except attendance_services.MeetingFull as error:
        if request.headers.get("Accept") == "application/json":
            return json_error(409, str(error))
        messages.error(request, str(error))
        return redirect(meeting)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"admitted": count})
    messages.success(request, f"{count} admitted." if count != 1 else "1 person admitted.")
    return redirect(meeting)


@require_POST
def attendance_left(request, meeting_id: int):
    """The embedded room reports that this visitor left; only their own record is touched."""
    _, attendance = own_attendance(request, meeting_id)
    if attendance is None:
        return json_error(403, NO_PERMISSION + ".")
    attendance_services.attendance_leave(attendance=attendance)
    return JsonResponse({"left": True})


@login_required
@require_GET
def attendance_csv(request, meeting_id: int):
    meeting = get_manageable_meeting(request, meeting_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{meeting.meeting_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["name", "email", "way", "role", "joined_at", "left_at", "minutes"])
    for row in meeting.attendances.select_related("user", "invitation"):
        email = row.invitation.email if row.invitation else (row.user.email if row.user else "")
        writer.writerow(
            [
                safe_cell(row.display_name),
                safe_cell(email),
                row.get_way_display(),
                "moderator" if row.is_moderator else "attendee",
                row.admitted_at.isoformat() if row.admitted_at else "",
                row.left_at.isoformat() if row.left_at else "",
                round(row.duration.total_seconds() / 60) if row.duration else "",
            ]
        )
    return response
