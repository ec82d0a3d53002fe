"""The busiest pages, rendered once for everything they show.

A page's key holds every value the page shows, as read from the database for
this very request, what it shows of who asks, the active time zone, the
site's address, the templates that show it and the static files' manifest:
a change to any of them makes a new key, so a cached copy is never stale,
and a per-process cache is as correct as a shared one. (A shared cache also
outlives a release: what else a release changes in a page, such as a URL,
shows once the copies made before it expire.) A page is cached only while no
message waits, and without its CSRF token, which each request fills in.
"""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac

# Keys change with what a page shows, so this only bounds how long unused copies stay.
SECONDS = 60 * 60


def _cached(templates: tuple[str, ...], shown: tuple, render: Callable[[], str]) -> str:
    """The rendering of `templates[0]` (which uses the others) showing `shown`."""
    context = (
        _digest(templates),
        getattr(staticfiles_storage, "manifest_hash", ""),
        settings.SITE_URL,
        timezone.get_current_timezone_name(),
        shown,
    )
    key = f"page:{templates[0]}:" + hashlib.sha256(repr(context).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, SECONDS)
    return html


@dataclass(frozen=True)
class Viewer:
    """All that a page cached whole sees of the user: what the header shows of them."""

    is_authenticated: bool
    display_name: str = ""
    is_staff: bool = False


def cached_response(request, templates: tuple[str, ...], shown: tuple, context: Callable[[], dict]):
    """The response of `templates[0]`, cached whole for what it shows; None if messages wait.

    Given what it shows (`templates` lists every template of the page) and to whom,
    a page differs from one request to the next only in its CSRF token and in the
    messages waiting. So, when none wait, it is cached around a stand-in for the
    token, which each request replaces with its own (and so gets its CSRF cookie).
    `context` is called only when the page is rendered.
    """
    if messages.get_messages(request):
        return None
    user = request.user
    viewer = (
        Viewer(True, user.display_name, user.is_staff) if user.is_authenticated else Viewer(False)
    )
    stand_in = _csrf_stand_in()

    def render() -> str:
        return render_to_string(
            templates[0], context() | {"user": viewer, "messages": (), "csrf_token": stand_in}
        )

    html = _cached(templates, (viewer, shown), render)
    return HttpResponse(html.replace(stand_in, get_token(request)))


@functools.cache
def _csrf_stand_in() -> str:
    # The same in every process, for a shared cache; no page content can hold it by chance.
    return salted_hmac("meetings.page_cache.csrf", "stand-in").hexdigest()


def _digest(templates: tuple[str, ...]) -> str:
    # Templates change without a restart only in development, where they are reloaded.
    return _sources_digest(templates) if settings.DEBUG else _sources_digest_at_start(templates)


def _sources_digest(templates: tuple[str, ...]) -> str:
    sources = (get_template(name).template.source for name in templates)
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


_sources_digest_at_start = functools.cache(_sources_digest)
