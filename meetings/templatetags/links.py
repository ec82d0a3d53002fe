from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url %} for a URL without arguments, such as the links in every page's header."""
    return reverse(name)
