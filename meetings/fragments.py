"""Parts of the busiest pages, rendered once for everything they show.

A fragment's key holds every value it shows, as read from the database for
this very request, with the active time zone, the site's address and the
templates that show it: a change to any of them makes a new key, so a cached
copy is never stale, and a per-process cache is as correct as a shared one.
Fragments hold no CSRF token and no messages: those stay in the page around them.
"""

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone

# Keys change with what a fragment shows, so this only bounds how long unused copies stay.
SECONDS = 60 * 60


def cached(templates: tuple[str, ...], shown: tuple, render: Callable[[], str]) -> str:
    """The fragment of `templates[0]` (which includes the others) showing `shown`."""
    context = (
        _digest(templates),
        settings.SITE_URL,
        timezone.get_current_timezone_name(),
        shown,
    )
    key = f"fragment:{templates[0]}:" + hashlib.sha256(repr(context).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, SECONDS)
    return html


def _digest(templates: tuple[str, ...]) -> str:
    # Templates change without a restart only in development, where they are reloaded.
    return _sources_digest(templates) if settings.DEBUG else _sources_digest_at_start(templates)


def _sources_digest(templates: tuple[str, ...]) -> str:
    sources = (get_template(name).template.source for name in templates)
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


_sources_digest_at_start = functools.cache(_sources_digest)
