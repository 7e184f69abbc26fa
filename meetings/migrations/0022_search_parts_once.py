"""On SQLite, a write of thousands of parts can index each record once, not once per part.

Each row of attendance written rewrites its meeting's search row (0018), reading the whole
attendance again, and each owner its action's: an import writing a meeting with 32 attendees wrote
its search row 32 times, most of the SQL an import of 200 meetings runs. The triggers of those two
tables now hold while the table ``meetings_search_paused`` is empty, always but within
``meetings.search.indexing.parts_indexed_once``, which inserts its one row, writes, rewrites the
search rows of the records written once, and deletes the row, all in the writer's transaction: no
other connection ever sees the row, and an error inside rolls all of it back.

The other triggers are as they were; PostgreSQL's already refresh once per statement. Where SQLite
has no FTS5 there are no triggers, and nothing is done.
"""

import importlib

from django.db import migrations

search_finds = importlib.import_module("meetings.migrations.0018_search_finds")

PAUSED_TABLE = "meetings_search_paused"
PAUSED = f"WHEN NOT EXISTS (SELECT 1 FROM {PAUSED_TABLE}) "
PAUSABLE = ("meetings_attendance_", "meetings_actionowner_")


def pausable_triggers():
    """(name, CREATE TRIGGER statement as 0018 wrote it) of the triggers that a pause holds."""
    return [
        (name, statement)
        for name, statement in search_finds.sqlite_trigger_statements()
        if name.startswith(PAUSABLE)
    ]


def with_pause(statement):
    return statement.replace(" FOR EACH ROW BEGIN", f" FOR EACH ROW {PAUSED}BEGIN", 1)


def has_triggers(schema_editor):
    return schema_editor.connection.vendor == "sqlite" and search_finds.sqlite_has_fts5(
        schema_editor.connection
    )


def pause_triggers(apps, schema_editor):
    if not has_triggers(schema_editor):
        return
    schema_editor.execute(f"CREATE TABLE {PAUSED_TABLE} (id integer NOT NULL PRIMARY KEY)")
    for name, statement in pausable_triggers():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(with_pause(statement))


def unpause_triggers(apps, schema_editor):
    if not has_triggers(schema_editor):
        return
    for name, statement in pausable_triggers():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(statement)
    schema_editor.execute(f"DROP TABLE IF EXISTS {PAUSED_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("meetings", "0021_meeting_neighbours")]

    operations = [migrations.RunPython(pause_triggers, unpause_triggers, elidable=False)]
