from django.urls import path

from meetings import views

app_name = "join"

urlpatterns = [
    path("", views.join_by_id, name="by_id"),
    path("<str:token>/", views.join_share_link, name="share"),
]
