"""The one mail backend of the site: the admin's mail settings, else the environment."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from invitations.models import MailSettings
from meetings_site.crypto import decrypt_secret

# django-anymail ESPs that accept a raw MIME message keep the calendar as an
# alternative part; the others take it as an attachment only.
_RAW_MIME_ESPS = ("anymail.backends.amazon_ses",)


def active_mail_settings() -> MailSettings | None:
    """The admin's row when it is enabled; read for every message, so edits apply at once."""
    return MailSettings.objects.filter(enabled=True).first()


def calendar_alternative_supported() -> bool:
    if active_mail_settings() is not None:
        return True
    backend = settings.MAIL_FALLBACK_BACKEND
    return not backend.startswith("anymail.") or backend.startswith(_RAW_MIME_ESPS)


def _build(fail_silently: bool, **kwargs) -> tuple[BaseEmailBackend, str | None]:
    row = active_mail_settings()
    if row is None:
        return get_connection(settings.MAIL_FALLBACK_BACKEND, fail_silently, **kwargs), None
    options = {
        "host": row.host,
        "port": row.port,
        "username": row.username or None,
        "password": decrypt_secret(row.password_encrypted) if row.username else None,
        "use_tls": row.security == MailSettings.Security.STARTTLS,
        "use_ssl": row.security == MailSettings.Security.SSL,
        "timeout": row.timeout,
    }
    # As with Django's own backends, what a caller passes explicitly wins; None
    # means "not given" (send_mail() passes username=None, password=None).
    options.update({name: value for name, value in kwargs.items() if value is not None})
    backend = SMTPBackend(fail_silently=fail_silently, **options)
    sender = formataddr((row.from_name, row.from_email)) if row.from_email else None
    return backend, sender


class ConfiguredEmailBackend(BaseEmailBackend):
    """Delegates to the SMTP server of the admin's MailSettings, or to the fallback backend.

    An open() ... close() span reuses one connection for many messages (one
    SMTP session per batch); outside it every send_messages() reads the
    settings afresh.
    """

    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self._kwargs = kwargs
        self._delegate: BaseEmailBackend | None = None
        self._sender: str | None = None

    def open(self):
        if self._delegate is None:
            self._delegate, self._sender = _build(self.fail_silently, **self._kwargs)
        return self._delegate.open()

    def close(self) -> None:
        if self._delegate is not None:
            try:
                self._delegate.close()
            finally:
                self._delegate = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened_here = self._delegate is None
        if opened_here:
            self._delegate, self._sender = _build(self.fail_silently, **self._kwargs)
        try:
            if self._sender:
                for message in email_messages:
                    if message.from_email == settings.DEFAULT_FROM_EMAIL:
                        message.from_email = self._sender
            return self._delegate.send_messages(email_messages) or 0
        finally:
            if opened_here:
                self.close()
