from django.urls import path

from bookings.views import ratings

app_name = "bookings"

urlpatterns = [
    # Ratings
    path("ratings/<str:token>/", ratings.rating_page, name="rate"),
]
