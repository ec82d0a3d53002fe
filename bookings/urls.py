from django.urls import path

from bookings.views import guest, ratings

app_name = "bookings"

urlpatterns = [
    # Guests: the public booking pages, and the guest's links from the emails
    # (bookings/links.py writes the same paths).
    path("book/<str:handle>/", guest.host_page, name="host_page"),
    path("book/<str:handle>/<slug:slug>/", guest.type_page, name="type"),
    path("book/<str:handle>/<slug:slug>/book/", guest.book, name="book"),
    path("bookings/<str:token>/", guest.booking_page, name="booking"),
    path("bookings/<str:token>/booking.ics", guest.booking_calendar, name="calendar"),
    path("bookings/<str:token>/reschedule/", guest.reschedule, name="reschedule"),
    path("bookings/<str:token>/cancel/", guest.cancel, name="cancel"),
    # Ratings
    path("ratings/<str:token>/", ratings.rating_page, name="rate"),
]
