from django.urls import path

from bookings.views import guest, host, host_bookings, ratings

app_name = "bookings"

urlpatterns = [
    # Hosts: setting up their booking pages, under a prefix no guest link can take.
    path("booking-pages/", host.overview, name="host_overview"),
    path("booking-pages/page/", host.page_settings, name="host_settings"),
    path("booking-pages/availability/", host.schedule_list, name="host_schedules"),
    path("booking-pages/availability/<int:pk>/", host.schedule_detail, name="host_schedule"),
    path(
        "booking-pages/availability/<int:pk>/hours/",
        host.schedule_hours,
        name="host_schedule_hours",
    ),
    path(
        "booking-pages/availability/<int:pk>/overrides/",
        host.schedule_override,
        name="host_schedule_override",
    ),
    path(
        "booking-pages/availability/<int:pk>/overrides/<str:day>/remove/",
        host.schedule_override_remove,
        name="host_schedule_override_remove",
    ),
    path(
        "booking-pages/availability/<int:pk>/default/",
        host.schedule_default,
        name="host_schedule_default",
    ),
    path(
        "booking-pages/availability/<int:pk>/delete/",
        host.schedule_delete,
        name="host_schedule_delete",
    ),
    path("booking-pages/types/new/", host.type_create, name="host_type_create"),
    path("booking-pages/types/<int:pk>/", host.type_edit, name="host_type_edit"),
    path(
        "booking-pages/types/<int:pk>/bookings/",
        host_bookings.booking_list,
        name="host_type_bookings",
    ),
    path("booking-pages/bookings/", host_bookings.booking_list, name="host_bookings"),
    path(
        "booking-pages/bookings/<int:pk>/cancel/",
        host_bookings.booking_cancel,
        name="host_booking_cancel",
    ),
    path(
        "booking-pages/bookings/<int:pk>/move/",
        host_bookings.booking_move,
        name="host_booking_move",
    ),
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
