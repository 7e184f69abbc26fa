"""Rows inserted by the ten thousand: the writes of a whole archive (an import's history, the tallies).

``QuerySet.bulk_create`` builds an instance of each row, then prepares each value through the SQL
compiler, about 40 µs a row: a second for the 25,000 tally rows of 200 imported meetings, another
for their 32,000 versions. ``insert`` takes the rows as tuples of field values, prepares each value
through its field (``get_db_prep_save``, as the compiler does) and sends them in one
``executemany``, or on PostgreSQL as one ``COPY`` (psycopg's ``Cursor.copy``): a statement a row,
even pipelined, took longer there than ``bulk_create``'s single ``INSERT … SELECT FROM UNNEST``.

Like ``bulk_create`` it sends no signals; unlike it, it gives no ids back and fills no default:
every field of the row is named, and nothing refers to the rows by id before it reads them again.
"""

from collections.abc import Iterable, Sequence

from django.db import connections, models, router


def insert(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` of ``model``, each a sequence of the values of ``field_names``, in order."""
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    prepared = [
        tuple(field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True))
        for row in rows
    ]
    if not prepared:
        return
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)
