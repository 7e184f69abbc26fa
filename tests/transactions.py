"""Watching the database connection for transactions that write the public record without its version.

``VersionAudit`` follows every statement on the default connection and every end of a transaction,
and notes each transaction that writes a public table and commits without the record's version
having moved in it (see ``tests/test_versions.py`` for why that is the rule). It works the same on
SQLite and PostgreSQL because it hooks Django, not the database:

- each statement passes through ``connection.execute_wrapper``: a write to a public table is an
  ``INSERT INTO``, ``UPDATE`` or ``DELETE FROM`` naming it, as the ORM writes them on every backend;
- a statement run in autocommit mode (outside ``transaction.atomic``) is a transaction of its own,
  committed by the database as it runs: a public write there is committed before any bump can join
  it, and is noted at once;
- inside ``atomic``, the counter is read when the transaction's first statement runs and again at
  its COMMIT, by wrapping the connection's ``_commit`` (what ``atomic`` and ``transaction.commit``
  both call), before the database commits: the transaction fails the audit if it wrote a public
  table and the counter is where it started. A ROLLBACK ends the transaction with nothing to check.

The counter is read through the driver's own cursor, which no execute wrapper sees, so the audit
neither counts its reads nor recurses. It reads the state in the transaction, not the statements of
``bump()``, so a bump in a savepoint rolled back since does not count; a write rolled back with a
savepoint still does (no path under test rolls back part of a transaction it then commits).
Run it in a ``transaction=True`` test: in a test wrapped in one transaction, nothing ever commits.
"""

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections

from meetings.models import DigestSent, Job, RecordVersion

# Rows of the meetings app that no public page, feed or API answer reads.
NOT_PUBLIC = {
    RecordVersion,  # the version itself
    DigestSent,  # who was sent a reminder, for the command that sends them
    Job,  # a task's progress and result, read by its own page, which the page cache leaves out
}

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def public_tables():
    """The tables of every model of the meetings app but ``NOT_PUBLIC``, links included."""
    tables = set()
    for model in apps.get_app_config("meetings").get_models(include_auto_created=True):
        if model in NOT_PUBLIC:
            continue
        tables.add(model._meta.db_table)
    return tables


@dataclass
class Transaction:
    counter_at_start: int
    tables_written: set = field(default_factory=set)


@dataclass
class VersionAudit:
    """See the module's docstring. ``failures`` lists what committed without the version."""

    tables: set = field(default_factory=public_tables)
    failures: list = field(default_factory=list)
    # The public tables each committed transaction wrote, in order (empty sets are left out).
    committed: list = field(default_factory=list)
    _open: Transaction | None = None

    def __enter__(self):
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._wrapper = self._connection.execute_wrapper(self._statement)
        self._wrapper.__enter__()
        self._commit, self._rollback = self._connection._commit, self._connection._rollback
        self._connection._commit = self._committing
        self._connection._rollback = self._rolling_back
        return self

    def __exit__(self, *exc_info):
        self._wrapper.__exit__(*exc_info)
        del self._connection._commit, self._connection._rollback

    @property
    def public_writes(self):
        return [tables for tables in self.committed if tables]

    def _statement(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        table = match[1] if match and match[1] in self.tables else None
        if self._connection.get_autocommit():
            result = execute(sql, params, many, context)
            if table:
                self.failures.append(f"{sql[:120]} (committed on its own, outside any transaction)")
                self.committed.append({table})
            return result
        if self._open is None:
            self._open = Transaction(counter_at_start=self._counter())
        if table:
            self._open.tables_written.add(table)
        return execute(sql, params, many, context)

    def _committing(self):
        written, self._open = self._open, None
        if written is not None and written.tables_written:
            if self._counter() == written.counter_at_start:
                tables = ", ".join(sorted(written.tables_written))
                self.failures.append(f"a transaction wrote {tables} and committed without the version")
            self.committed.append(written.tables_written)
        return self._commit()

    def _rolling_back(self):
        self._open = None
        return self._rollback()

    def _counter(self):
        """The counter as this transaction sees it (-1 before its row exists), unseen by the wrapper."""
        table = RecordVersion._meta.db_table
        cursor = self._connection.connection.cursor()
        try:
            cursor.execute(f"SELECT counter FROM {table} WHERE id = 1")
            row = cursor.fetchone()
        finally:
            cursor.close()
        return -1 if row is None else row[0]
