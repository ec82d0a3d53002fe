"""Settings for the meetings site.

Every difference between deployments is an environment variable (read here
once, through django-environ); `.env.example` lists and explains them all.
"""

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Without SECRET_KEY a random key is drawn per process: tests need no set-up,
# while `check --deploy` reports it (see meetings_site/checks.py) because
# sessions and reset links would not survive a restart. `make run` keeps a
# generated development key in .env for that reason.
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_IS_EPHEMERAL = not SECRET_KEY
if SECRET_KEY_IS_EPHEMERAL:
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The absolute base of links that leave the site: emails and the share dialog.
# Unset, it is the development server's address, which `make run` passes as
# HOST and PORT, so `make run PORT=8100` hands out links to port 8100.
_RUN_HOST = env.str("HOST", default="127.0.0.1")
if _RUN_HOST in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 (listening everywhere, linking locally)
    _RUN_HOST = "localhost"
elif ":" in _RUN_HOST and not _RUN_HOST.startswith("["):
    _RUN_HOST = f"[{_RUN_HOST}]"
SITE_URL = env.str(
    "SITE_URL", default=f"http://{_RUN_HOST}:{env.int('PORT', default=8000)}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The widgets' own templates, for FORM_RENDERER's project engine.
    "django.forms",
    "csp",
    "corsheaders",
    # The API's documentation page, served from our static files (not a CDN), within the CSP.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "meetings_site",
    "accounts",
    "contacts",
    "meetings",
    "invitations",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers preflights for /api/ before anything else runs.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Above the NUL check, so that its refusals carry the same headers as every page.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before the NUL check reads a body: the API refuses one too large or not JSON.
    "meetings_site.middleware.ApiErrorsMiddleware",
    # Before anything reads the session, the user or a form from the database.
    "meetings_site.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "meetings.throttling.ThrottledMiddleware",
]

ROOT_URLCONF = "meetings_site.urls"
WSGI_APPLICATION = "meetings_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Fields render through one project template (templates/forms/field.html).
FORM_RENDERER = "meetings_site.forms.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent
    # writers wait (up to the timeout) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so that tests with several threads share one database;
    # one per process, so that test runs side by side do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"meetings-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A commit returns once its WAL is written, not flushed to disk: a wrong
    # passcode's counter update waited ~4 ms (p90 9 ms) for the flush, alone.
    # An operating-system crash may lose the last fraction of a second of
    # commits, never consistency: the durability that SQLite's
    # synchronous=NORMAL above already chose. Another `options` in
    # DATABASE_URL (e.g. ?options=-c%20synchronous_commit%3Don) replaces it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c synchronous_commit=off"
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No page is cached. With CACHE_URL (e.g. redis://…) the shared cache holds the
# sessions in front of the database; by default a per-process memory cache.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sessions live in the database, so any web process can serve any request. A
# cache in front of them is only safe when all processes share it.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env.str("CACHE_URL", default="").startswith(("redis", "valkey", "memcache", "pymemcache"))
    else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# English only: without translation machinery, every reverse() and date is cheaper.
USE_I18N = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail. Every message goes through ConfiguredEmailBackend, which uses the
# MailSettings row that staff edit in the admin when it is enabled, and else
# MAIL_FALLBACK_BACKEND with the SMTP_* variables below. Without SMTP_HOST or
# EMAIL_BACKEND, mail is printed to the console (and a warning says so).
EMAIL_BACKEND = "invitations.backends.ConfiguredEmailBackend"
SMTP_HOST = env.str("SMTP_HOST", default="")
MAIL_FALLBACK_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if SMTP_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = SMTP_HOST or "localhost"
EMAIL_PORT = env.int("SMTP_PORT", default=587)
EMAIL_HOST_USER = env.str("SMTP_USER", default="")
EMAIL_HOST_PASSWORD = env.str("SMTP_PASS", default="")
EMAIL_USE_SSL = env.bool("SMTP_SSL", default=EMAIL_PORT == 465)
EMAIL_USE_TLS = env.bool("SMTP_STARTTLS", default=EMAIL_PORT == 587 and not EMAIL_USE_SSL)
EMAIL_TIMEOUT = env.int("SMTP_TIMEOUT", default=15)
SMTP_FROM = env.str("SMTP_FROM", default="meetings@localhost")
SMTP_FROM_NAME = env.str("SMTP_FROM_NAME", default="Meetings")
DEFAULT_FROM_EMAIL = f"{SMTP_FROM_NAME} <{SMTP_FROM}>"
SERVER_EMAIL = SMTP_FROM
ANYMAIL = env.json("ANYMAIL", default={})
# Fernet keys (comma-separated, newest first) that encrypt the SMTP password
# stored in MailSettings; older keys still decrypt, so keys can be rotated.
MAIL_ENCRYPTION_KEYS = env.list("MAIL_ENCRYPTION_KEYS", default=[])

# Delivery of invitations: retries of temporary failures with growing delays.
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=6)
MAIL_RETRY_BASE_SECONDS = env.int("MAIL_RETRY_BASE_SECONDS", default=30)
# A message "sending" for longer than this was lost with its worker: queue it again.
MAIL_SENDING_TIMEOUT_SECONDS = env.int("MAIL_SENDING_TIMEOUT_SECONDS", default=600)

# Background work: the database queue, drained by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Video rooms.
JITSI_BASE_URL = env.str("JITSI_BASE_URL", default="https://meet.jit.si").rstrip("/")
JITSI_EMBED = env.bool("JITSI_EMBED", default=True)
# The provider new meetings start with: "jitsi" or "external" (a pasted link).
DEFAULT_MEETING_PROVIDER = env.str("DEFAULT_MEETING_PROVIDER", default="jitsi")

# Token authentication on a self-hosted Jitsi (docs/jitsi.md). With both set,
# every join carries a JWT signed with the secret that Prosody also holds.
JITSI_APP_ID = env.str("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env.str("JITSI_APP_SECRET", default="")
# The token's `sub` claim: the domain Prosody serves.
JITSI_DOMAIN = env.str("JITSI_DOMAIN", default=urlsplit(JITSI_BASE_URL).hostname or "")
# A token is valid from this many minutes before the start to as many after the end.
JITSI_TOKEN_LEEWAY_MINUTES = env.int("JITSI_TOKEN_LEEWAY_MINUTES", default=60)

# A meeting's share and personal links stop working this many days after its scheduled end.
MEETING_LINKS_EXPIRE_DAYS = env.int("MEETING_LINKS_EXPIRE_DAYS", default=30)

# Passcode guessing: failed attempts allowed per window, counted before comparing.
PASSCODE_ATTEMPTS_PER_MEETING = env.int("PASSCODE_ATTEMPTS_PER_MEETING", default=10)
PASSCODE_MEETING_WINDOW = env.int("PASSCODE_MEETING_WINDOW", default=15 * 60)
PASSCODE_ATTEMPTS_PER_ADDRESS = env.int("PASSCODE_ATTEMPTS_PER_ADDRESS", default=20)
PASSCODE_ADDRESS_WINDOW = env.int("PASSCODE_ADDRESS_WINDOW", default=60 * 60)
# Probing meeting IDs: failed lookups (no such meeting, or not yours) per window.
MEETING_LOOKUP_FAILURES_PER_USER = env.int("MEETING_LOOKUP_FAILURES_PER_USER", default=20)
MEETING_LOOKUP_FAILURES_PER_ADDRESS = env.int("MEETING_LOOKUP_FAILURES_PER_ADDRESS", default=60)
MEETING_LOOKUP_WINDOW = env.int("MEETING_LOOKUP_WINDOW", default=15 * 60)
# How many reverse proxies in front of the site append to X-Forwarded-For;
# 0 trusts only the socket's peer address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Log-in and password-reset limits, counted per account (the email typed, known
# or not) and per client address. Only failed log-ins count.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
PASSWORD_RESETS_PER_ACCOUNT = env.int("PASSWORD_RESETS_PER_ACCOUNT", default=3)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=3)
PASSWORD_RESET_WINDOW = env.int("PASSWORD_RESET_WINDOW", default=60 * 60)
# Public booking POSTs per client address in each window (bookings/throttling.py).
BOOKING_POSTS_PER_ADDRESS = env.int("BOOKING_POSTS_PER_ADDRESS", default=10)
BOOKING_POST_WINDOW = env.int("BOOKING_POST_WINDOW", default=60 * 60)

# The JSON API (docs/api.md). Requests per window, counted per token (or logged-in
# user) and per client address; a body larger than API_MAX_BODY_BYTES is refused.
API_REQUESTS_PER_CALLER = env.int("API_REQUESTS_PER_CALLER", default=120)
API_REQUESTS_PER_ADDRESS = env.int("API_REQUESTS_PER_ADDRESS", default=300)
API_REQUEST_WINDOW = env.int("API_REQUEST_WINDOW", default=60)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
# Web origins (scheme://host[:port]) whose pages may call the API from a
# browser; none by default. Tokens are sent in a header, so no cookie is ever
# allowed across origins (CORS_ALLOW_CREDENTIALS stays False).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# Google Meet as a meeting provider: an OAuth client of type "Web application"
# from the Google Cloud console, with SITE_URL + /accounts/google/callback/ as
# its redirect URI. Without it, Google Meet is not offered.
GOOGLE_OAUTH_CLIENT_ID = env.str("GOOGLE_OAUTH_CLIENT_ID", default="")
GOOGLE_OAUTH_CLIENT_SECRET = env.str("GOOGLE_OAUTH_CLIENT_SECRET", default="")
# How long a request to Google may take before it counts as failed.
GOOGLE_TIMEOUT_SECONDS = env.int("GOOGLE_TIMEOUT_SECONDS", default=10)

# Security headers and cookies.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", JITSI_BASE_URL],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-src": [JITSI_BASE_URL],
        "connect-src": ["'self'"],
        # Connecting a Google account posts a form that redirects to Google.
        "form-action": [
            "'self'",
            *(["https://accounts.google.com"] if GOOGLE_OAUTH_CLIENT_ID else []),
        ],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
