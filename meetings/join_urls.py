from django.urls import path

from meetings.views import joining

app_name = "join"

urlpatterns = [
    path("", joining.join_by_id, name="by_id"),
    path("<str:token>/", joining.join_share_link, name="share"),
]
