from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=256)
def _reverse(name: str, urlconf: str, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url %} for a URL without arguments, such as the links in every page's header.

    Such a URL changes only with the URL configuration and the script prefix, so
    it is reversed once per process for each of them.
    """
    return _reverse(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
