from django.contrib import admin

from meetings.models import Attendance, Meeting


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "formatted_meeting_id", "host", "starts_at", "duration", "status")
    list_filter = ("status", "no_show", ("starts_at", admin.DateFieldListFilter), "timezone")
    search_fields = ("title", "meeting_id", "host__email", "host__first_name", "host__last_name")
    list_select_related = ("host",)
    date_hierarchy = "starts_at"
    raw_id_fields = ("host",)
    readonly_fields = (
        "meeting_id",
        "invitation_token",
        "access_token",
        "started_at",
        "ended_at",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "description", "host")}),
        ("Schedule", {"fields": ("starts_at", "duration", "timezone", "status", "no_show")}),
        ("Credentials", {"fields": ("meeting_id", "passcode", "invitation_token", "access_token")}),
        (
            "History",
            {"fields": ("started_at", "ended_at", "cancelled_at", "created_at", "updated_at")},
        ),
    )

    @admin.display(description="Meeting ID", ordering="meeting_id")
    def formatted_meeting_id(self, meeting: Meeting) -> str:
        return meeting.formatted_meeting_id


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "meeting",
        "way",
        "is_moderator",
        "requested_at",
        "admitted_at",
        "left_at",
    )
    list_filter = ("way", "is_moderator", ("left_at", admin.EmptyFieldListFilter))
    search_fields = ("display_name", "meeting__title", "meeting__meeting_id", "user__email")
    list_select_related = ("meeting",)
    raw_id_fields = ("meeting", "user", "invitation")
    date_hierarchy = "requested_at"
