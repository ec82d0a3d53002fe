from django import template

register = template.Library()


@register.filter
def duration_minutes(value) -> str:
    """A timedelta as "1 h 5 min" or "12 min"."""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
