from django.urls import path, re_path

from meetings import converters  # noqa: F401  (registers <meeting_id:>)
from meetings.views import attendance, dashboard, hosts, joining, room

app_name = "meetings"

urlpatterns = [
    path("", hosts.meeting_list, name="list"),
    path("new/", hosts.meeting_create, name="create"),
    path("now/", dashboard.start_now, name="start_now"),
    path("<meeting_id:meeting_id>/", hosts.meeting_detail, name="detail"),
    path("<meeting_id:meeting_id>/edit/", hosts.meeting_edit, name="edit"),
    path("<meeting_id:meeting_id>/notes/", hosts.meeting_notes, name="notes"),
    path("<meeting_id:meeting_id>/start/", hosts.meeting_start, name="start"),
    path("<meeting_id:meeting_id>/end/", hosts.meeting_end, name="end"),
    path("<meeting_id:meeting_id>/cancel/", hosts.meeting_cancel, name="cancel"),
    path(
        "<meeting_id:meeting_id>/regenerate-link/",
        hosts.meeting_regenerate_link,
        name="regenerate_link",
    ),
    path("<meeting_id:meeting_id>/rotate-room/", hosts.meeting_rotate_room, name="rotate_room"),
    path("<meeting_id:meeting_id>/room/", room.room, name="room"),
    path("<meeting_id:meeting_id>/waiting/", room.waiting, name="waiting"),
    path("<meeting_id:meeting_id>/waiting/status/", room.waiting_status, name="waiting_status"),
    path("<meeting_id:meeting_id>/attendance/", attendance.attendance_status, name="attendance"),
    path("<meeting_id:meeting_id>/attendance/admit/", attendance.attendance_admit, name="admit"),
    path("<meeting_id:meeting_id>/attendance/left/", attendance.attendance_left, name="left"),
    path(
        "<meeting_id:meeting_id>/attendance.csv", attendance.attendance_csv, name="attendance_csv"
    ),
    # Any text in place of the ID, so that a malformed one gets a 400 in JSON, not a 404 page.
    re_path(r"^(?P<raw_id>[^/]+)/link$", joining.meeting_link, name="link"),
]
