"""Search documents that find meetings by who attended, where and when, and participants by name,
on PostgreSQL (tsvector columns) and on SQLite (FTS5 tables), kept in step by the database.

A meeting's document now holds, besides its own fields (0011):

- weight B: the names of its country (the state recorded with that ISO code: its name, short name
  and aliases) and its year (and its last day's year, when another);
- weight D: the names, short names and aliases of every participant in its attendance.

A participant gets a document of its own: name and short name (A), aliases (B), description (C).

On PostgreSQL the meeting's column stops being generated (it now reads other tables) and is kept,
as an action's is, by triggers: computed from the row as a meeting or participant is written, and
refreshed, once per statement, for the meetings concerned when attendance, a participant's names or
country, or an alias is written. The triggers fire on every update of their table, naming no
column, so that a later change of a column's type needs no care here.

On SQLite each searched kind gets an FTS5 table (``meetings_<model>_search``) whose rowid is the
record's id and whose four columns ``a`` to ``d`` hold the text of the four weights, as PostgreSQL
weighs it; triggers replace a record's row whenever what feeds it is written, in the writing
transaction. The tokenizer is Porter stemming over ``unicode61`` without folding accents, as
close as SQLite comes to PostgreSQL's ``english`` configuration. Where SQLite's build has no FTS5
this part is left out with a warning, and the search reads the tables with LIKE
(``meetings.search.full_text_available``).

Django remakes a SQLite table to alter it (a new table copied and renamed), which drops its
triggers: a later migration that alters one of the tables named here on SQLite must create its
triggers again (``tests/test_search_index.py`` checks that every one exists after migrating).

As in 0002 and 0011 the expressions are written here, not imported.
"""

import logging

from django.db import migrations

logger = logging.getLogger("meetings.search")

CONFIG = "english"
TOKENIZER = "porter unicode61 remove_diacritics 0"

# SQL --------------------------------------------------------------------------------------------
# The pieces of a document, written once for both databases: ``agg`` joins text with spaces
# (group_concat or string_agg), ``year`` is the year of a date as text.


def names_sql(participant, agg):
    """A participant's name, short name and aliases, as one text."""
    aliases = (
        f"(SELECT {agg('alias.name')} FROM meetings_participantalias alias "
        f"WHERE alias.participant_id = {participant}.id)"
    )
    return f"{participant}.name || ' ' || {participant}.short_name || ' ' || coalesce({aliases}, '')"


def country_names_sql(meeting, agg):
    return (
        f"coalesce((SELECT {agg(names_sql('state', agg))} FROM meetings_participant state "
        f"WHERE state.kind = 'state' AND state.country = {meeting}.country AND {meeting}.country <> ''), '')"
    )


def attendee_names_sql(meeting, agg):
    return (
        f"coalesce((SELECT {agg(names_sql('attendee', agg))} FROM meetings_attendance attendance "
        f"JOIN meetings_participant attendee ON attendee.id = attendance.participant_id "
        f"WHERE attendance.meeting_id = {meeting}.id), '')"
    )


def years_sql(meeting, year):
    start, end = year(f"{meeting}.start_date"), year(f"{meeting}.end_date")
    return f"coalesce({start}, '') || ' ' || CASE WHEN {end} <> {start} THEN {end} ELSE '' END"


def join_sql(*parts):
    return " || ' ' || ".join(f"coalesce({part}, '')" for part in parts)


def documents(agg, year):
    """Per kind: its table, the alias its row goes by, and the SQL of the text of each weight."""
    return {
        "meeting": (
            "meetings_meeting",
            "meeting",
            (
                "meeting.title",
                join_sql(
                    "meeting.summary",
                    "meeting.purpose",
                    "meeting.city",
                    country_names_sql("meeting", agg),
                    years_sql("meeting", year),
                ),
                "meeting.body",
                attendee_names_sql("meeting", agg),
            ),
        ),
        "participant": (
            "meetings_participant",
            "participant",
            (
                join_sql("participant.name", "participant.short_name"),
                "coalesce((SELECT "
                + agg("alias.name")
                + " FROM meetings_participantalias alias WHERE alias.participant_id = participant.id), '')",
                "participant.description",
                "''",
            ),
        ),
        "outcome": ("meetings_outcome", "outcome", ("outcome.text", "''", "''", "''")),
        "actionitem": (
            "meetings_actionitem",
            "action_item",
            (
                "action_item.title",
                join_sql("action_item.description", "action_item.due_as_published"),
                "''",
                join_sql(
                    "(SELECT text FROM meetings_outcome WHERE id = action_item.outcome_id)",
                    "(SELECT "
                    + agg("participant.name || ' ' || participant.short_name")
                    + " FROM meetings_actionowner ownership JOIN meetings_participant participant"
                    " ON participant.id = ownership.participant_id"
                    " WHERE ownership.action_item_id = action_item.id)",
                ),
            ),
        ),
        "document": ("meetings_document", "document", ("document.title", "''", "''", "''")),
    }


# SQLite: FTS5 tables and their triggers -----------------------------------------------------------


def sqlite_agg(expression):
    return f"group_concat({expression}, ' ')"


def sqlite_year(column):
    return f"substr({column}, 1, 4)"


SQLITE_DOCUMENTS = documents(sqlite_agg, sqlite_year)


def fts_table(kind):
    return f"{SQLITE_DOCUMENTS[kind][0]}_search"


def sqlite_reindex(kind, ids):
    """Statements that replace the rows of ``kind`` whose ids ``ids`` (SQL of a list) selects."""
    table, alias, weights = SQLITE_DOCUMENTS[kind]
    columns = ", ".join(weights)
    return (
        f"DELETE FROM {fts_table(kind)} WHERE rowid IN ({ids});\n"
        f"INSERT INTO {fts_table(kind)} (rowid, a, b, c, d) "
        f"SELECT {alias}.id, {columns} FROM {table} {alias} WHERE {alias}.id IN ({ids});"
    )


def meetings_attended_by(participant_ids):
    return f"SELECT meeting_id FROM meetings_attendance WHERE participant_id IN ({participant_ids})"


def meetings_in_country_of(participant_ids):
    return (
        "SELECT id FROM meetings_meeting WHERE country <> '' AND country IN "
        f"(SELECT country FROM meetings_participant WHERE kind = 'state' AND id IN ({participant_ids}))"
    )


def sqlite_meetings_in(country, kind):
    return f"SELECT id FROM meetings_meeting WHERE {kind} = 'state' AND country <> '' AND country = {country}"


# (table, event, statements): each an AFTER ... FOR EACH ROW trigger.
def sqlite_triggers():
    own = {
        "meetings_meeting": "meeting",
        "meetings_participant": "participant",
        "meetings_outcome": "outcome",
        "meetings_actionitem": "actionitem",
        "meetings_document": "document",
    }
    for table, kind in own.items():
        yield table, "INSERT", [sqlite_reindex(kind, "NEW.id")]
        yield table, "UPDATE", [sqlite_reindex(kind, "OLD.id, NEW.id")]
        yield table, "DELETE", [f"DELETE FROM {fts_table(kind)} WHERE rowid = OLD.id;"]
    # An outcome's text is in its actions' documents.
    yield (
        "meetings_outcome",
        "UPDATE",
        [sqlite_reindex("actionitem", "SELECT id FROM meetings_actionitem WHERE outcome_id = NEW.id")],
    )
    for row in ("NEW", "OLD"):
        events = {"NEW": ("INSERT", "UPDATE"), "OLD": ("UPDATE", "DELETE")}[row]
        for event in events:
            yield "meetings_attendance", event, [sqlite_reindex("meeting", f"{row}.meeting_id")]
            yield "meetings_actionowner", event, [sqlite_reindex("actionitem", f"{row}.action_item_id")]
            yield (
                "meetings_participantalias",
                event,
                [
                    sqlite_reindex("participant", f"{row}.participant_id"),
                    sqlite_reindex("meeting", meetings_attended_by(f"{row}.participant_id")),
                    sqlite_reindex("meeting", meetings_in_country_of(f"{row}.participant_id")),
                ],
            )
    # A participant's names are in the documents of the meetings it attended, of the actions it owns
    # and, for a state, of the meetings held in its country.
    yield (
        "meetings_participant",
        "INSERT",
        [sqlite_reindex("meeting", sqlite_meetings_in("NEW.country", "NEW.kind"))],
    )
    yield (
        "meetings_participant",
        "UPDATE",
        [
            sqlite_reindex("meeting", meetings_attended_by("NEW.id")),
            sqlite_reindex("meeting", sqlite_meetings_in("OLD.country", "OLD.kind")),
            sqlite_reindex("meeting", sqlite_meetings_in("NEW.country", "NEW.kind")),
            sqlite_reindex(
                "actionitem", "SELECT action_item_id FROM meetings_actionowner WHERE participant_id = NEW.id"
            ),
        ],
    )
    yield (
        "meetings_participant",
        "DELETE",
        [sqlite_reindex("meeting", sqlite_meetings_in("OLD.country", "OLD.kind"))],
    )


def sqlite_trigger_statements():
    """CREATE TRIGGER statements, named ``<table>_search_<event>_<n>``."""
    numbers = {}
    for table, event, statements in sqlite_triggers():
        number = numbers[table, event] = numbers.get((table, event), 0) + 1
        # NEW.id and OLD.id of the meeting table's SELECT lists are not the trigger's: no clash,
        # as the subqueries name their own tables.
        body = "\n".join(statements)
        yield (
            f"{table}_search_{event.lower()}_{number}",
            f"CREATE TRIGGER {table}_search_{event.lower()}_{number} AFTER {event} ON {table} "
            f"FOR EACH ROW BEGIN\n{body}\nEND",
        )


def sqlite_has_fts5(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        return bool(cursor.fetchone()[0])


def create_sqlite_index(schema_editor):
    if not sqlite_has_fts5(schema_editor.connection):
        logger.warning("SQLite has no FTS5: search will read the tables with LIKE, more slowly.")
        return
    for kind in SQLITE_DOCUMENTS:
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {fts_table(kind)} USING fts5(a, b, c, d, tokenize = '{TOKENIZER}')"
        )
    for _name, statement in sqlite_trigger_statements():
        schema_editor.execute(statement)
    for kind, (table, alias, weights) in SQLITE_DOCUMENTS.items():
        schema_editor.execute(
            f"INSERT INTO {fts_table(kind)} (rowid, a, b, c, d) SELECT {alias}.id, {', '.join(weights)} "
            f"FROM {table} {alias}"
        )
        schema_editor.execute(f"INSERT INTO {fts_table(kind)} ({fts_table(kind)}) VALUES ('optimize')")


def drop_sqlite_index(schema_editor):
    for name, _statement in sqlite_trigger_statements():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for kind in SQLITE_DOCUMENTS:
        schema_editor.execute(f"DROP TABLE IF EXISTS {fts_table(kind)}")


# PostgreSQL: documents kept by triggers -----------------------------------------------------------


def postgresql_agg(expression):
    return f"string_agg({expression}, ' ')"


def postgresql_year(column):
    return f"extract(year FROM {column})::int::text"


POSTGRESQL_DOCUMENTS = documents(postgresql_agg, postgresql_year)


def postgresql_document_function(kind):
    """``meetings_<kind>_search_document(row)``: the weighted tsvector of a row of the table."""
    table, alias, weights = POSTGRESQL_DOCUMENTS[kind]
    vector = " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, {text}), '{weight}')"
        for weight, text in zip("ABCD", weights, strict=True)
        if text != "''"
    )
    return (
        f"CREATE FUNCTION meetings_{kind}_search_document({alias} {table}) RETURNS tsvector "
        f"LANGUAGE sql STABLE AS $$ SELECT {vector} $$"
    )


def postgresql_own_trigger(kind):
    table = POSTGRESQL_DOCUMENTS[kind][0]
    return [
        f"""
        CREATE FUNCTION meetings_{kind}_own_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_document := meetings_{kind}_search_document(NEW);
            RETURN NEW;
        END
        $$
        """,
        f"""
        CREATE TRIGGER meetings_{kind}_own_search_document BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION meetings_{kind}_own_search_document()
        """,
    ]


# The refresh of a set of rows is an update that changes nothing: the BEFORE trigger recomputes.
REFRESH_FUNCTIONS = [
    """
    CREATE FUNCTION meetings_refresh_meeting_search_documents(bigint[]) RETURNS void LANGUAGE sql AS $$
        UPDATE meetings_meeting SET search_document = NULL WHERE id = ANY($1)
    $$
    """,
    """
    CREATE FUNCTION meetings_refresh_participant_search_documents(bigint[]) RETURNS void LANGUAGE sql AS $$
        UPDATE meetings_participant SET search_document = NULL WHERE id = ANY($1)
    $$
    """,
    # Meetings that name participants: those they attended and, for states, those in their country.
    """
    CREATE FUNCTION meetings_meetings_naming(participant_ids bigint[], countries text[]) RETURNS bigint[]
    LANGUAGE sql STABLE AS $$
        SELECT ARRAY(
            SELECT meeting_id FROM meetings_attendance WHERE participant_id = ANY(participant_ids)
            UNION
            SELECT id FROM meetings_meeting WHERE country <> '' AND country = ANY(countries)
        )
    $$
    """,
]


def statement_triggers(table, function, body_by_rows):
    """A trigger function over ``new_rows``/``old_rows`` and its three statement triggers."""
    yield f"""
    CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {body_by_rows("new_rows")}
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {body_by_rows("old_rows")}
        END IF;
        RETURN NULL;
    END
    $$
    """
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        yield f"""
        CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table}
        REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()
        """


def attendance_body(rows):
    return (
        f"PERFORM meetings_refresh_meeting_search_documents(ARRAY(SELECT DISTINCT meeting_id FROM {rows}));"
    )


def alias_body(rows):
    return f"""
        PERFORM meetings_refresh_participant_search_documents(
            ARRAY(SELECT DISTINCT participant_id FROM {rows})
        );
        PERFORM meetings_refresh_meeting_search_documents(meetings_meetings_naming(
            ARRAY(SELECT DISTINCT participant_id FROM {rows}),
            ARRAY(
                SELECT participant.country FROM meetings_participant participant
                WHERE participant.kind = 'state' AND participant.id IN (SELECT participant_id FROM {rows})
            )
        ));
    """


PARTICIPANT_MEETING_DOCUMENTS = [
    # Participants written: the meetings that name them. An update that changes none of the names,
    # the kind or the country (a refresh of the participant's own document) refreshes nothing.
    """
    CREATE FUNCTION meetings_participant_meeting_documents() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            PERFORM meetings_refresh_meeting_search_documents(meetings_meetings_naming(
                ARRAY(
                    SELECT written.id FROM new_rows written JOIN old_rows previous ON previous.id = written.id
                    WHERE (written.name, written.short_name, written.kind, written.country)
                        IS DISTINCT FROM (previous.name, previous.short_name, previous.kind, previous.country)
                ),
                ARRAY(
                    SELECT unnest(ARRAY[written.country, previous.country])
                    FROM new_rows written JOIN old_rows previous ON previous.id = written.id
                    WHERE (written.kind, written.country) IS DISTINCT FROM (previous.kind, previous.country)
                    OR (written.kind = 'state' AND (written.name, written.short_name)
                        IS DISTINCT FROM (previous.name, previous.short_name))
                )
            ));
        ELSIF TG_OP = 'INSERT' THEN
            PERFORM meetings_refresh_meeting_search_documents(meetings_meetings_naming(
                ARRAY[]::bigint[], ARRAY(SELECT country FROM new_rows WHERE kind = 'state')
            ));
        ELSE
            PERFORM meetings_refresh_meeting_search_documents(meetings_meetings_naming(
                ARRAY[]::bigint[], ARRAY(SELECT country FROM old_rows WHERE kind = 'state')
            ));
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER meetings_participant_meeting_documents_{event.lower()} AFTER {event}
        ON meetings_participant REFERENCING {referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION meetings_participant_meeting_documents()
        """
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    ),
]


def postgresql_statements():
    yield "ALTER TABLE meetings_meeting ALTER COLUMN search_document DROP EXPRESSION"
    yield "ALTER TABLE meetings_participant ADD COLUMN search_document tsvector"
    for kind in ("meeting", "participant"):
        yield postgresql_document_function(kind)
        yield from postgresql_own_trigger(kind)
    yield from REFRESH_FUNCTIONS
    yield from statement_triggers(
        "meetings_attendance", "meetings_attendance_search_documents", attendance_body
    )
    yield from statement_triggers("meetings_participantalias", "meetings_alias_search_documents", alias_body)
    yield from PARTICIPANT_MEETING_DOCUMENTS
    yield "UPDATE meetings_participant SET search_document = NULL"
    yield "UPDATE meetings_meeting SET search_document = NULL"
    yield "CREATE INDEX participant_search_doc ON meetings_participant USING gin (search_document)"


MEETING_GENERATED = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '') || ' ' || coalesce(purpose, '') "
    "|| ' ' || coalesce(city, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')"
)


def postgresql_reverse_statements():
    for table, function in (
        ("meetings_attendance", "meetings_attendance_search_documents"),
        ("meetings_participantalias", "meetings_alias_search_documents"),
        ("meetings_participant", "meetings_participant_meeting_documents"),
    ):
        for event in ("insert", "update", "delete"):
            yield f"DROP TRIGGER {function}_{event} ON {table}"
        yield f"DROP FUNCTION {function}()"
    for kind, table in (("meeting", "meetings_meeting"), ("participant", "meetings_participant")):
        yield f"DROP TRIGGER meetings_{kind}_own_search_document ON {table}"
        yield f"DROP FUNCTION meetings_{kind}_own_search_document()"
        yield f"DROP FUNCTION meetings_{kind}_search_document({table})"
    yield "DROP FUNCTION meetings_meetings_naming(bigint[], text[])"
    yield "DROP FUNCTION meetings_refresh_meeting_search_documents(bigint[])"
    yield "DROP FUNCTION meetings_refresh_participant_search_documents(bigint[])"
    yield "ALTER TABLE meetings_participant DROP COLUMN search_document"
    yield "ALTER TABLE meetings_meeting DROP COLUMN search_document"
    yield (
        f"ALTER TABLE meetings_meeting ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({MEETING_GENERATED}) STORED"
    )
    yield "CREATE INDEX meeting_search_doc ON meetings_meeting USING gin (search_document)"


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in postgresql_statements():
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        create_sqlite_index(schema_editor)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in postgresql_reverse_statements():
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        drop_sqlite_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0017_tallies"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
