from django.urls import register_converter


class MeetingIdConverter:
    """Nine digits, first not zero: anything else never reaches a view."""

    regex = "[1-9][0-9]{8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):09d}"


# Registered once, here, for every URLconf that imports this module.
register_converter(MeetingIdConverter, "meeting_id")
