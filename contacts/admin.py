from django.contrib import admin

from contacts.models import Contact


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):  # anything else, or nothing: all contacts
            return queryset.filter(archived_at__isnull=self.value() == "no")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "company", "owner", "is_archived", "created_at")
    list_filter = (ArchivedFilter,)
    search_fields = ("first_name", "last_name", "email", "company", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("archived_at", "created_at", "updated_at")
    fields = (
        "owner",
        ("first_name", "last_name"),
        "email",
        "company",
        "phone",
        "notes",
        "archived_at",
        "created_at",
        "updated_at",
    )

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, contact: Contact) -> str:
        return contact.full_name

    @admin.display(description="Archived", boolean=True, ordering="archived_at")
    def is_archived(self, contact: Contact) -> bool:
        return contact.archived_at is not None
