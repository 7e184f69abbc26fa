"""The databases' full-text indexes as query expressions: PostgreSQL's stored search documents and
SQLite's FTS5 tables (migration 0016), and whether this database has one.

Both index the same documents, weighted alike: a kind's own most telling field A (a title, a name),
then B, C and D (on SQLite the FTS5 columns ``a`` to ``d``). Both rank a record by the same
arithmetic (``RANK_POINTS``): for each word or phrase of the query (each group of alternatives),
the points of the best weight whose text has it, added up. Neither database's own measure is used:
``ts_rank`` and ``bm25`` weigh how often a word occurs, how long the record is and (``bm25``) how
rare the word is each their own way, so they put the same records in different orders; this rank
is the same whole number on both, and the search page can say what it means.
"""

import logging
import sqlite3
from contextlib import closing
from functools import cache

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Case, Expression, F, Func, QuerySet, Value, When
from django.db.models.expressions import Col, RawSQL

logger = logging.getLogger(__name__)

# What a word found in the text of each weight counts toward a record's rank: PostgreSQL's default
# weights (A 1.0, B 0.4, C 0.2, D 0.1) as whole numbers, so that both databases add up alike.
RANK_POINTS = (("a", 10), ("b", 4), ("c", 2), ("d", 1))


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


def sqlite_newest_matches(
    queryset: QuerySet, table: str, expression: str, groups: list[str], limit: int, pool: int
) -> tuple[int, list[tuple[int, int]]]:
    """SQLite: how many of the ``limit`` newest records of ``queryset`` match, and ``(pk, rank)`` of
    the newest ``pool`` of them, newest first.

    Read from the FTS5 table in descending rowid (the record's id, so the most recently recorded
    first), each tested against ``queryset`` by its key: FTS5 streams its matches in that order, so
    the query stops after ``limit``. The rank of the pool adds the ``RANK_POINTS`` of each of
    ``groups`` (the MATCH expression of one word or phrase and its alternatives) by the best column
    that has it: the group's matches in each column are read once, from the pool's oldest key on,
    which costs a fraction of testing each row of the pool on its own.
    """
    record = queryset.filter(pk=RawSQL(f"{table}.rowid", ())).values("pk")
    record_sql, record_params = record.query.sql_with_params()
    in_column = (
        f"id IN (SELECT rowid FROM {table} WHERE {table} MATCH %s AND rowid >= (SELECT min(id) FROM pool))"
    )
    ranks, rank_params = [], []
    for group in groups:
        whens = " ".join(f"WHEN {in_column} THEN {points}" for _column, points in RANK_POINTS)
        ranks.append(f"CASE {whens} ELSE 0 END")
        rank_params += [f"{{{column}}} : {group}" for column, _points in RANK_POINTS]
    sql = (
        f"WITH newest(id) AS MATERIALIZED (SELECT rowid FROM {table} WHERE {table} MATCH %s "
        f"AND EXISTS ({record_sql}) ORDER BY rowid DESC LIMIT %s), "
        "pool(id) AS MATERIALIZED (SELECT id FROM newest ORDER BY id DESC LIMIT %s) "
        f"SELECT (SELECT count(*) FROM newest), id, {' + '.join(ranks)} FROM pool ORDER BY id DESC"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, (expression, *record_params, limit, pool, *rank_params))
        rows = cursor.fetchall()
    return (rows[0][0] if rows else 0), [(pk, rank) for _count, pk, rank in rows]


class WeightedSearchDocument(Func):
    """PostgreSQL: the stored search document with the words of one weight only (``ts_filter``)."""

    function = "ts_filter"
    output_field = SearchVectorField()

    def __init__(self, weight: str):
        if weight not in {column for column, _points in RANK_POINTS}:
            raise ValueError(f"no weight {weight!r}")
        super().__init__(StoredSearchDocument(), template=f"%(function)s(%(expressions)s, '{{{weight}}}')")


def postgresql_ranked(queryset: QuerySet, groups: list[SearchQuery]) -> QuerySet:
    """PostgreSQL: ``queryset`` with ``rank``: the ``RANK_POINTS`` of each of ``groups`` (the tsquery
    of one word or phrase and its alternatives) by the best weight that has it, added up, as
    ``sqlite_newest_matches`` counts them."""
    documents = {f"search_document_{column}": WeightedSearchDocument(column) for column, _ in RANK_POINTS}
    rank = Value(0)
    for group in groups:
        whens = [When(**{f"search_document_{w}": group}, then=Value(points)) for w, points in RANK_POINTS]
        rank += Case(*whens, default=Value(0))
    return queryset.alias(**documents).annotate(rank=rank)


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
