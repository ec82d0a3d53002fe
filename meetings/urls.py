from django.urls import path, re_path

from meetings import converters, views  # noqa: F401  (converters registers <meeting_id:>)

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<meeting_id:meeting_id>/", views.meeting_detail, name="detail"),
    path("<meeting_id:meeting_id>/edit/", views.meeting_edit, name="edit"),
    path("<meeting_id:meeting_id>/start/", views.meeting_start, name="start"),
    path("<meeting_id:meeting_id>/end/", views.meeting_end, name="end"),
    path("<meeting_id:meeting_id>/cancel/", views.meeting_cancel, name="cancel"),
    path(
        "<meeting_id:meeting_id>/regenerate-link/",
        views.meeting_regenerate_link,
        name="regenerate_link",
    ),
    path("<meeting_id:meeting_id>/rotate-room/", views.meeting_rotate_room, name="rotate_room"),
    path("<meeting_id:meeting_id>/room/", views.room, name="room"),
    path("<meeting_id:meeting_id>/waiting/", views.waiting, name="waiting"),
    path("<meeting_id:meeting_id>/waiting/status/", views.waiting_status, name="waiting_status"),
    path("<meeting_id:meeting_id>/attendance/", views.attendance_status, name="attendance"),
    path("<meeting_id:meeting_id>/attendance/admit/", views.attendance_admit, name="admit"),
    path("<meeting_id:meeting_id>/attendance/left/", views.attendance_left, name="left"),
    path("<meeting_id:meeting_id>/attendance.csv", views.attendance_csv, name="attendance_csv"),
    # Any text in place of the ID, so that a malformed one gets a 400 in JSON, not a 404 page.
    re_path(r"^(?P<raw_id>[^/]+)/link$", views.meeting_link, name="link"),
]
