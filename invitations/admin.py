import smtplib

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from invitations.backends import ConfiguredEmailBackend, active_mail_settings
from invitations.delivery import smtp_reply
from invitations.mail_settings_forms import MailSettingsForm, SendTestEmailForm
from invitations.models import Invitation, MailSettings
from meetings_site.checks import CONSOLE_BACKEND

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    """One row, never added twice nor deleted; its change page offers a test email."""

    form = MailSettingsForm
    change_form_template = "admin/invitations/mailsettings/change_form.html"
    radio_fields = {"security": admin.HORIZONTAL}
    list_display = ("__str__", "enabled", "host", "port", "from_email", "updated_at")
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("enabled",)}),
        ("Server", {"fields": ("host", "port", "security", "timeout")}),
        ("Login", {"fields": ("username", "password", "clear_password")}),
        ("Sender", {"fields": ("from_email", "from_name")}),
        (None, {"fields": ("updated_at",)}),
    )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not MailSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        """A list of one row is a detour: go to the row, or to the form that creates it."""
        row = MailSettings.objects.first()
        if row is not None and self.has_view_or_change_permission(request, row):
            return redirect("admin:invitations_mailsettings_change", row.pk)
        if row is None and self.has_add_permission(request):
            return redirect("admin:invitations_mailsettings_add")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        # Before the default patterns, whose "<object_id>/" would take the path.
        return [
            path(
                "test-email/",
                self.admin_site.admin_view(self.test_email_view),
                name="invitations_mailsettings_test_email",
            ),
            *super().get_urls(),
        ]

    def test_email_view(self, request):
        """Send one message right now, through the saved configuration, and report the outcome.

        The only mail the site sends inside a request: waiting for the server's
        answer is the point of the button.
        """
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = SendTestEmailForm(request.POST or None, initial={"to": request.user.email})
        where, timeout, explanation = _mail_route()
        if request.method == "POST" and form.is_valid():
            to = form.cleaned_data["to"]
            try:
                _send_test_email(to=to, via=where, sent_by=request.user.email)
            except Exception as error:  # whatever went wrong is the answer staff asked for
                messages.error(
                    request,
                    f"The test email to {to} could not be sent via {where}: "
                    f"{_describe_error(error, timeout)}",
                )
            else:
                messages.success(request, f"Test email sent to {to} via {where}.")
                return redirect("admin:invitations_mailsettings_test_email")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Send a test email",
            "form": form,
            "explanation": explanation,
        }
        return TemplateResponse(request, "admin/invitations/mailsettings/test_email.html", context)


def _mail_route() -> tuple[str, int | None, str]:
    """Where the next message goes: in a word, with the timeout on the way, and explained."""
    row = active_mail_settings()
    if row is not None:
        where = f"{row.host}:{row.port}"
        explanation = f"Mail goes through the SMTP server of these mail settings: {where}."
        return where, row.timeout, explanation
    backend = settings.MAIL_FALLBACK_BACKEND
    if backend == SMTP_BACKEND:
        where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        timeout, source = settings.EMAIL_TIMEOUT, f"the SMTP server {where} (SMTP_HOST)"
    elif backend == CONSOLE_BACKEND:
        where, timeout = "the console", None
        source = "the console, where it is printed (neither SMTP_HOST nor EMAIL_BACKEND is set)"
    else:
        where, timeout, source = backend, None, f"the mail backend {backend} (EMAIL_BACKEND)"
    explanation = f"These mail settings are not enabled, so mail follows the environment: {source}."
    return where, timeout, explanation


def _send_test_email(*, to: str, via: str, sent_by: str) -> None:
    EmailMessage(
        subject="Test email from Meetings",
        body=(
            f"This test email was sent by {sent_by} from the mail settings of Meetings "
            f"({settings.SITE_URL}), via {via}.\n\nIt arrived, so outgoing mail works.\n"
        ),
        to=[to],
        connection=ConfiguredEmailBackend(),
    ).send()


def _describe_error(error: Exception, timeout: int | None) -> str:
    """The server's own words where there are any: "550 5.7.1 Relaying denied"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} refused: {smtp_reply(code, text)}"
            for address, (code, text) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return smtp_reply(error.smtp_code, error.smtp_error)
    # smtplib reports a silent server as a disconnection caused by the timeout.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        if timeout:
            return f"the server did not answer within {timeout} s ({error})"
        return f"the server did not answer in time ({error})"
    return str(error) or type(error).__name__


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "meeting", "rsvp", "delivery_state", "attempts", "sent_at")
    list_filter = ("delivery_state", "rsvp", "message", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "name", "meeting__title", "meeting__meeting_id")
    list_select_related = ("meeting",)
    raw_id_fields = ("meeting", "user", "contact")
    readonly_fields = (
        "delivery_state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "claimed_by",
        "sent_at",
        "rsvp_at",
        "revoked_at",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
