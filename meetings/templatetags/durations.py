from math import floor

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def duration_minutes(value) -> str:
    """A timedelta as "1 h 5 min" or "12 min"."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@register.filter
def countdown(meeting, now=None) -> str:
    """How soon a meeting starts, or how long it has been under way.

    "starts in 2 h 30 min", "starting now", "in progress for 12 min". The
    dashboard's script (static/js/app.js, countdownText) writes the same words
    as the minutes go by: change both together.
    """
    now = now or timezone.now()
    if meeting.status == meeting.Status.ACTIVE:
        minutes = _whole_minutes(now - (meeting.started_at or meeting.starts_at))
        return f"in progress for {_span(minutes)}" if minutes > 0 else "just started"
    minutes = _whole_minutes(meeting.starts_at - now)
    return f"starts in {_span(minutes)}" if minutes > 0 else "starting now"


def _whole_minutes(delta) -> int:
    """To the nearest minute, halves up (as JavaScript's Math.round)."""
    return floor(delta.total_seconds() / 60 + 0.5)


def _span(minutes: int) -> str:
    """Minutes as "5 min", "2 h 30 min" or "3 days 4 h" (past a day, without minutes)."""
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'' if days == 1 else 's'}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"
