from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from accounts import services
from accounts.models import ApiToken, GoogleAccount, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # The admin builds both forms for this model, from the fieldsets below.
    add_form = AdminUserCreationForm
    list_display = ("email", "first_name", "last_name", "timezone", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "timezone")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "timezone")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(GoogleAccount)
class GoogleAccountAdmin(admin.ModelAdmin):
    """Connected Google accounts; the tokens never leave the database."""

    list_display = ("user", "email", "connected_at", "updated_at")
    search_fields = ("user__email", "email")
    fields = ("user", "email", "scopes", "connected_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal API tokens: staff see who has which and may revoke one; the secret is not kept."""

    list_display = ("name", "user", "shown_start", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__email", "name", "shown_start")
    list_select_related = ("user",)
    fields = ("user", "name", "shown_start", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token)
        self.message_user(request, "The selected tokens were revoked.")
