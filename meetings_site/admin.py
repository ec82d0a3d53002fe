from django.contrib import admin

from meetings_site.models import AttemptWindow


@admin.register(AttemptWindow)
class AttemptWindowAdmin(admin.ModelAdmin):
    """Staff lift a limit early by deleting its window."""

    list_display = ("scope", "key", "window_start", "attempts")
    list_filter = ("scope",)
    search_fields = ("key",)
    ordering = ("-window_start",)
