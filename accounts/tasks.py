"""Background work of accounts, run by `manage.py db_worker`."""

import logging
import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from accounts.models import User

logger = logging.getLogger(__name__)


@task()
def send_password_reset(user_pk: int, attempt: int = 1) -> str:
    """Email a link to choose a new password; retried while the mail server fails.

    The token is made here, when the mail leaves, so it is stored nowhere, not
    even in the task queue, and the link's validity starts with the email.
    """
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "no account"
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme,
        "domain": site.netloc,
    }
    subject = "".join(render_to_string("emails/password-reset-subject.txt", context).splitlines())
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/password-reset-body.txt", context), to=[user.email]
    )
    message.attach_alternative(
        render_to_string("emails/password-reset-body.html", context), "text/html"
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= settings.MAIL_MAX_ATTEMPTS:
            logger.warning("The password reset email to user %s was not sent: %s", user_pk, error)
            return "gave up"
        delay = timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        send_password_reset.using(run_after=timezone.now() + delay).enqueue(user_pk, attempt + 1)
        return "retrying"
    return "sent"
