"""The product's settings, plus the mail queues that the mail bench compares the product with.

django-post-office and django-mailer are Django apps with tables of their own,
so the bench process runs under these settings; gunicorn never does. Without
the bench's optional dependencies (`pip install -e '.[bench]'`) they are left
out and the mail bench skips them.
"""

import os
from importlib.util import find_spec

from meetings_site.settings import *  # noqa: F403
from meetings_site.settings import INSTALLED_APPS

PEERS = [app for app in ("post_office", "mailer") if find_spec(app) is not None]
INSTALLED_APPS = [*INSTALLED_APPS, *PEERS]

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Each sends through Django's SMTP backend with the product's EMAIL_* settings,
# which point at the bench's SMTP server; otherwise as each documents by default.
POST_OFFICE = {"BACKENDS": {"default": SMTP_BACKEND}}
MAILER_EMAIL_BACKEND = SMTP_BACKEND
# Their lock files and post_office's attachments stay in the run's work directory.
_WORK_DIR = os.environ.get("BENCH_WORK_DIR", ".")
MAILER_LOCK_PATH = os.path.join(_WORK_DIR, "mailer")
MEDIA_ROOT = os.path.join(_WORK_DIR, "media")
BENCH_WORK_DIR = _WORK_DIR
