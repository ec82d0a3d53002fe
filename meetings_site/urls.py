from django.contrib import admin
from django.urls import include, path

from meetings import views as meeting_views

urlpatterns = [
    path("", meeting_views.home, name="home"),
    path("healthz", meeting_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("meetings/", include("meetings.urls")),
    path("contacts/", include("contacts.urls")),
    path("meetings/", include("invitations.urls")),
    path("join/", include("meetings.join_urls")),
    path("admin/", admin.site.urls),
]
