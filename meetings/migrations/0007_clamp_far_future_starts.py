"""Bring meetings stored with a start years away back within the bound new ones must keep.

A start near the end of year 9999 was once accepted; adding its duration or a
time zone east of UTC overflows, and every page showing it failed, for the host
and for everyone invited. Such a start is moved to the bound (five years from
when this runs) and its end follows, so that it can be seen and edited again.
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import F
from django.utils import timezone

# meetings.models.MAX_YEARS_AHEAD as it was when this was written; a later change must not
# change what this migration did.
YEARS_AHEAD = 5


def _years_later(moment, years):
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February, in a year that has none
        return moment.replace(year=moment.year + years, day=28)


def clamp_far_future_starts(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    latest = _years_later(timezone.now(), YEARS_AHEAD).replace(second=0, microsecond=0)
    too_far = Meeting.objects.filter(starts_at__gt=latest)
    # One update per duration, without reading the stored times into Python, which cannot
    # hold a time past year 9999 that PostgreSQL may have kept.
    durations = too_far.order_by().values_list("duration", flat=True).distinct()
    for duration in list(durations):
        too_far.filter(duration=duration).update(
            starts_at=latest,
            ends_at=latest + timedelta(minutes=duration),
            # Calendars that took the old time accept the new one only with a higher sequence.
            sequence=F("sequence") + 1,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0006_google_meet"),
    ]

    operations = [
        # The old starts are gone for good: going back leaves the meetings where they are.
        migrations.RunPython(clamp_far_future_starts, migrations.RunPython.noop),
    ]
