from django.contrib import admin
from django.db import models

from bookings.models import (
    Booking,
    BookingProfile,
    BookingType,
    DateOverride,
    Rating,
    Schedule,
    WeeklyInterval,
)


@admin.register(BookingProfile)
class BookingProfileAdmin(admin.ModelAdmin):
    list_display = ("handle", "user", "created_at")
    search_fields = ("handle", "user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


class WeeklyIntervalInline(admin.TabularInline):
    model = WeeklyInterval
    extra = 0


class DateOverrideInline(admin.TabularInline):
    model = DateOverride
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "host", "timezone", "is_default")
    list_filter = ("is_default",)
    search_fields = ("name", "host__email")
    list_select_related = ("host",)
    raw_id_fields = ("host",)
    inlines = [WeeklyIntervalInline, DateOverrideInline]


@admin.register(BookingType)
class BookingTypeAdmin(admin.ModelAdmin):
    list_display = ("title", "host", "slug", "durations", "location", "is_active")
    list_filter = ("is_active", "location")
    search_fields = ("title", "slug", "host__email")
    list_select_related = ("host",)
    raw_id_fields = ("host", "schedule")
    # Links are https (a constraint says so): a link typed without a scheme is taken as one.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("booking_type", "guest_name", "guest_email", "host", "starts_at", "status")
    list_filter = ("status", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("guest_name", "guest_email", "host__email", "booking_type__title")
    list_select_related = ("booking_type", "host")
    date_hierarchy = "starts_at"
    raw_id_fields = ("booking_type", "host", "meeting", "invitation")
    # Times, status and the meeting move together through the booking services.
    readonly_fields = (
        "starts_at",
        "ends_at",
        "blocked_start",
        "blocked_end",
        "status",
        "cancelled_by",
        "cancelled_at",
        "created_at",
        "updated_at",
    )


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """The attendees' ratings, to look at: they are written by the sweep and the rating page."""

    list_display = ("meeting", "name", "email", "score", "sent_at", "rated_at")
    list_filter = ("score", ("rated_at", admin.DateFieldListFilter))
    search_fields = ("name", "email", "meeting__title")
    list_select_related = ("meeting",)
    fields = ("meeting", "name", "email", "user", "invitation", "score", "feedback")
    fields += ("requested_at", "sent_at", "rated_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
