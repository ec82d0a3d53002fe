from functools import lru_cache

import segno
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@lru_cache(maxsize=1024)
def _svg(data: str) -> str:
    # Inline SVG carries no script or style, so the page's CSP needs no exception.
    # A viewBox and no width or height: the stylesheet sizes the code, and the drawing
    # scales with it instead of being cropped. The border is the 4-module quiet zone
    # that scanners need.
    return segno.make(data, error="m").svg_inline(
        border=4, dark="#111827", light="#ffffff", omitsize=True
    )


@register.filter
def qr_svg(data: str) -> str:
    """A QR code of the text as inline SVG (links to share from a phone)."""
    # segno writes only shapes: the data lives in their geometry, never in text or attributes.
    return mark_safe(_svg(str(data)))  # noqa: S308
