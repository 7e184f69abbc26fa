"""The full-text index kept in step with a write of thousands of parts, each record indexed once.

The database keeps the index itself, in the writing transaction (migrations 0011, 0016 and 0018).
On SQLite its triggers fire once per row: each row of attendance rewrites its meeting's search row,
reading the meeting's whole attendance again, and each owner its action's. For an import that is
the square of a meeting's attendance, most of the SQL it runs. Within ``parts_indexed_once`` those
two triggers hold (migration 0022), and the search rows of the meetings named, and of their
actions, are rewritten once as the block ends, in the same transaction. PostgreSQL's triggers
already refresh once per statement: there, as where SQLite has no FTS5, the block only runs in a
savepoint of its own.
"""

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F

from ..models import ActionItem, Meeting
from .fulltext import sqlite_has_fts5

# Its one row holds the triggers of attendance and owners (migration 0022).
PAUSED_TABLE = "meetings_search_paused"


@contextmanager
def parts_indexed_once(meeting_ids: Collection[int], using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within, attendance and action owners written for the meetings ``meeting_ids`` leave their
    search rows alone; at the end the rows of those meetings and of their actions are rewritten
    once. Write no part of any other meeting inside. An error inside rolls the block back whole."""
    connection = connections[using]
    if connection.vendor != "sqlite" or not sqlite_has_fts5():
        with transaction.atomic(using=using):
            yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {PAUSED_TABLE} (id) VALUES (1)")
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {PAUSED_TABLE}")
        ids = list(meeting_ids)
        # An update that changes nothing: each row's own trigger rewrites its search row.
        Meeting.objects.using(using).filter(pk__in=ids).update(title=F("title"))
        ActionItem.objects.using(using).filter(outcome__meeting__in=ids).update(title=F("title"))
