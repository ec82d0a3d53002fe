"""On PostgreSQL, no two live bookings of one host may overlap, buffers included.

The booking service already decides a host's bookings one at a time under a
lock on the host's row; this exclusion constraint is the database's own
guarantee behind it. It is PostgreSQL-only: an ExclusionConstraint in the
model's Meta would break SQLite, where IMMEDIATE transactions serialise writers.
BtreeGistExtension does nothing on other databases.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "booking_no_overlap_per_host"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("bookings", "Booking")._meta.db_table)
    schema_editor.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(host_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("bookings", "Booking")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint, elidable=False),
    ]
