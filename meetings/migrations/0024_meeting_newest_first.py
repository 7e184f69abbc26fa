"""Meetings newest first, undated last, as an index PostgreSQL reads in that order.

The meeting list and the tracker grouped by meeting list meetings by ``start_date DESC NULLS LAST``
(undated last) and then by id. ``meeting_start_date_desc`` holds ``start_date DESC``, which
PostgreSQL keeps with its nulls first, so it sorted every published meeting for a page (the groups
by meeting at 10,000 meetings: 14 ms against 0.2). SQLite keeps nulls last in a descending index
already, and does not take ``NULLS LAST`` in one: the index is PostgreSQL's alone, outside the
models' state, as the search documents are.
"""

from django.db import migrations

INDEX = "meeting_newest_first"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON meetings_meeting (start_date DESC NULLS LAST, id DESC)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0023_attendance_tallies"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
