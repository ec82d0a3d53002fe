from django.contrib import admin
from django.urls import include, path

from meetings.views import joining
from meetings_site import views as site_views
from meetings_site.api import api

urlpatterns = [
    path("", joining.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("meetings/", include("meetings.urls")),
    path("contacts/", include("contacts.urls")),
    path("meetings/", include("invitations.urls")),
    path("join/", include("meetings.join_urls")),
    path("api/", api.urls),
    path("", include("bookings.urls")),
    path("admin/", admin.site.urls),
]
