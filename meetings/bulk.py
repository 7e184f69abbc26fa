"""Rows inserted by the ten thousand: the writes of a whole archive (an import's history, the tallies).

``QuerySet.bulk_create`` builds an instance of each row, then prepares each value through the SQL
compiler, about 40 µs a row: a second for the 25,000 tally rows of 200 imported meetings, another
for their 32,000 versions. ``insert`` takes the rows as tuples of field values, prepares each value
through its field (``get_db_prep_save``, as the compiler does) and sends them in one
``executemany``, or on PostgreSQL as one ``COPY`` (psycopg's ``Cursor.copy``): a statement a row,
even pipelined, took longer there than ``bulk_create``'s single ``INSERT … SELECT FROM UNNEST``.

Like ``bulk_create`` it sends no signals; unlike it, it gives no ids back and fills no default:
every field of the row is named, and nothing refers to the rows by id before it reads them again.
``insert_built`` takes instances instead, built with their defaults, for rows no one needs the ids
of (an import's attendance, owners, progress updates and links).

``reserved_ids`` takes ids from a PostgreSQL table's sequence before its rows are written, so that
rows naming them can be written first: a row whose database trigger reads those rows (an action's
search document, its owners' names) is then complete as it is inserted, not updated after.
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


def reserved_ids(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` new ids of ``model`` that no other row will be given, ascending; None where the
    database gives an id only as a row is inserted (SQLite: rows are written with no id, then)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_built(instances: Sequence[models.Model]) -> None:
    """Insert ``instances`` (unsaved, of one model) as ``bulk_create`` would, without reading their
    ids back: each field's value as it saves it (``pre_save``: an ``auto_now`` date is set), and a
    foreign key given as an object saved since it was assigned, by that object's id."""
    if not instances:
        return
    model = type(instances[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(field.generated or field.db_default is not models.NOT_PROVIDED for field in fields):
        raise ValueError(f"{model.__name__} has a value the database makes: insert it with bulk_create")
    rows = (saved_values(instance, fields) for instance in instances)
    insert(model, [field.name for field in fields], rows)


def saved_values(instance, fields):
    """The values of ``fields`` that saving ``instance`` would write, as a tuple."""
    row = []
    for field in fields:
        value = field.pre_save(instance, True)
        if value is None and field.is_relation and field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None:
                if related.pk is None:
                    raise ValueError(f"{field.name} of a {type(instance).__name__} is not saved yet")
                value = related.pk
        row.append(value)
    return tuple(row)
