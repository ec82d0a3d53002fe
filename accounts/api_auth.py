"""Who calls the JSON API: a personal API token, or the site's own pages through their session.

A request that carries an Authorization header is a token request and never
reads the session cookie: a valid token is the only way in, and an unknown or
revoked one gets the same 401 as none at all. Without the header, the logged-in
session is used, and unsafe methods must pass Django's CSRF check, as forms do.
Each authenticated request counts against its caller's and its address's limits.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from accounts import services
from meetings_site.api_common import ApiError, request_reserve

CSRF_FAILED = (
    "CSRF check failed: a request from the site's pages sends the csrftoken cookie's value "
    "in the X-CSRFToken header. Scripts use a personal API token instead."
)


def uses_session(request) -> bool:
    """Whether an authenticated API request came in through the session (the site's pages),
    not a token: only those may keep state in it."""
    return "Authorization" not in request.headers


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mtg_…`, a personal API token from the profile page."""

    def __call__(self, request):
        # Any other scheme is refused too: the header says this is not a session request.
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str):
        found = services.api_token_use(token=token)
        if found is None:
            return None
        # The services and access rules read request.user, whatever cookie came along.
        request.user = found.user
        request_reserve(request, scope="api-token", key=str(found.pk))
        return found.user


class SessionAuth(APIKeyCookie):
    """The session of the site's own pages, with CSRF enforced on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        # csrf=True also has the docs page send the CSRF token; the check runs below.
        super().__init__(csrf=True)

    def __call__(self, request):
        if "Authorization" in request.headers:
            return None
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise ApiError(403, CSRF_FAILED)
        request_reserve(request, scope="api-user", key=str(user.pk))
        return user


api_auth = [TokenAuth(), SessionAuth()]


def caller_or_anonymous(request):
    """For an operation open to anyone (declared with auth=None): the caller as api_auth
    finds them, else an anonymous visitor, counted against their address. A token that
    is sent but wrong is still 401: it never falls back to anonymous."""
    for auth in api_auth:
        user = auth(request)
        if user:
            return user
    if "Authorization" in request.headers:
        raise AuthenticationError()
    request_reserve(request)
    return AnonymousUser()
