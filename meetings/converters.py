from django.urls import register_converter
from django.urls.converters import IntConverter


class MeetingIdConverter(IntConverter):
    """Nine digits, first not zero: anything else never reaches a view."""

    regex = "[1-9][0-9]{8}"


# Registered once, here, for every URLconf that imports this module.
register_converter(MeetingIdConverter, "meeting_id")
