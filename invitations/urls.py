from django.urls import path

from invitations import views
from meetings import converters  # noqa: F401  (registers <meeting_id:>)

app_name = "invitations"

urlpatterns = [
    path("<meeting_id:meeting_id>/invitations/new/", views.send, name="send"),
    path("<meeting_id:meeting_id>/invitations/status/", views.status, name="status"),
    path("<meeting_id:meeting_id>/invitations/<int:pk>/resend/", views.resend, name="resend"),
    path("<meeting_id:meeting_id>/invitations/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<meeting_id:meeting_id>/invitations/<int:pk>/remove/", views.remove, name="remove"),
    path("<meeting_id:meeting_id>/join/", views.join_as_invitee, name="join_as_invitee"),
    path("<meeting_id:meeting_id>/join/<str:token>/", views.join, name="join"),
    path("<meeting_id:meeting_id>/rsvp/", views.rsvp_as_invitee, name="rsvp_as_invitee"),
    path("<meeting_id:meeting_id>/rsvp/<str:token>/", views.rsvp, name="rsvp"),
    path("<meeting_id:meeting_id>/calendar.ics", views.calendar_file, name="calendar"),
]
