"""The databases' full-text indexes as query expressions: PostgreSQL's stored search documents and
SQLite's FTS5 tables (migration 0016), and whether this database has one.

Both index the same documents, weighted alike: a kind's own most telling field A (a title, a name),
then B, C and D. PostgreSQL ranks with ``ts_rank`` and its default weights (A 1.0, B 0.4, C 0.2,
D 0.1); SQLite with ``bm25`` and the same weights for the columns ``a`` to ``d``.
"""

import logging
import sqlite3
from contextlib import closing
from functools import cache

from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Expression, F
from django.db.models.expressions import Col, RawSQL

logger = logging.getLogger(__name__)

WEIGHTS = (1.0, 0.4, 0.2, 0.1)


class StoredSearchDocument(Expression):
    """The stored search document (PostgreSQL, migrations 0011 and 0016) of the rows a query selects.

    The column is kept by the database, not by Django, so no model field loads it with every row;
    this resolves to the column of the query's own table, under whatever alias a subquery gives it.
    """

    output_field = SearchVectorField()
    column = "search_document"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        target = SearchVectorField(null=True)
        target.set_attributes_from_name(self.column)
        target.model = query.model  # not added to the model: only named, for hashing and errors
        return Col(query.get_initial_alias(), target)


def index_table(model: type) -> str:
    """The FTS5 table of a model's documents (SQLite)."""
    return f"{model._meta.db_table}_search"


class FullTextMatch(Expression):
    """SQLite: the rows whose document in their FTS5 table matches ``expression``: a condition."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str, expression: str):
        super().__init__()
        self.table, self.expression = table, expression
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, expressions):
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        table = connection.ops.quote_name(self.table)
        return f"{pk_sql} IN (SELECT rowid FROM {table} WHERE {table} MATCH %s)", [
            *pk_params,
            self.expression,
        ]


def sqlite_newest_matches(queryset, table: str, expression: str, limit: int) -> list[tuple[int, float]]:
    """SQLite: ``(pk, rank)`` of the ``limit`` newest records of ``queryset`` that match, newest first.

    Read from the FTS5 table in descending rowid (the record's id, so the most recently recorded
    first), each tested against ``queryset`` by its key: FTS5 streams its matches in that order,
    so the query stops after ``limit``, and computes ``bm25`` for those only. Ranking rows one by one
    from outside the FTS5 table instead runs the whole full-text query again for each.
    """
    record = queryset.filter(pk=RawSQL(f"{table}.rowid", ())).values("pk")
    record_sql, record_params = record.query.sql_with_params()
    weights = ", ".join(str(weight) for weight in WEIGHTS)
    sql = (
        f"SELECT rowid, -bm25({table}, {weights}) FROM {table} "
        f"WHERE {table} MATCH %s AND EXISTS ({record_sql}) ORDER BY rowid DESC LIMIT %s"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, (expression, *record_params, limit))
        return cursor.fetchall()


def postgresql_rank(search_query) -> SearchRank:
    """PostgreSQL: a row's relevance, by ``ts_rank`` with its default weights, those of ``WEIGHTS``."""
    return SearchRank(StoredSearchDocument(), search_query)


@cache
def sqlite_has_fts5() -> bool:
    """Whether the SQLite library Python uses has FTS5, as migration 0016 asked before creating
    the index: asked of the library, once, not of the database on every request."""
    with closing(sqlite3.connect(":memory:")) as probe:
        found = bool(probe.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0])
    if not found:
        logger.warning("SQLite has no FTS5: the search reads the tables with LIKE, more slowly.")
    return found


def full_text_available(alias: str) -> bool:
    """Whether the database ``alias`` searches by its full-text index (else by LIKE, slowly).

    PostgreSQL always; SQLite when its library has FTS5, as migration 0016 then made the index.
    """
    vendor = connections[alias].vendor
    return vendor == "postgresql" or (vendor == "sqlite" and sqlite_has_fts5())
