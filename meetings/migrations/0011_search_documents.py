"""Search documents stored and indexed on PostgreSQL; nothing on other databases.

0002 indexed each kind's weighted tsvector as an expression. The index found the rows, but every
row it found was parsed again to check a phrase and to rank it, and an action item's vector, which
also holds the text of its outcome and its owners' names, spanned three tables and had no index at
all: one common word read every action (16 s at 10,000 meetings). Here each searched table gets a
``search_document`` column, which Django does not manage, with a GIN index:

- meetings, outcomes and documents: a generated column of their own fields, weighted as
  ``meetings.search.SEARCH_FIELDS``;
- action items: their own fields weighted A and B, and their outcome's text and owners' names
  weighted D, kept by the database: computed when an action is written, and refreshed for the
  actions concerned when owners are written or an outcome's text or a participant's names change
  (once per statement, so a bulk write refreshes in one update).

The expression indexes of 0002 are dropped. As in 0002 the expressions are written here, not
imported: a change to the searched fields needs a new migration that redefines the columns (and
``meetings_action_search_document`` for actions).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"

# Table, the 0002 index it replaces, its new index, and its fields by weight.
GENERATED = [
    (
        "meetings_meeting",
        "meeting_search",
        "meeting_search_doc",
        (("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
    ),
    ("meetings_outcome", "outcome_search", "outcome_search_doc", (("A", ("text",)),)),
    ("meetings_document", "document_search", "document_search_doc", (("A", ("title",)),)),
]


def weighted_sql(weighted_fields):
    """SQL of a weighted tsvector, as Django's SearchVector writes it: fields joined by spaces."""
    parts = []
    for weight, fields in weighted_fields:
        text = " || ' ' || ".join(f"coalesce({name}, '')" for name in fields)
        parts.append(f"setweight(to_tsvector('{CONFIG}'::regconfig, {text}), '{weight}')")
    return " || ".join(parts)


def generated_columns():
    for table, old_index, new_index, weighted_fields in GENERATED:
        yield (
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({weighted_sql(weighted_fields)}) STORED"
        )
        yield f"CREATE INDEX {new_index} ON {table} USING gin (search_document)"
        yield f"DROP INDEX {old_index}"


ACTION_OWN_FIELDS = (("A", ("$2",)), ("B", ("$3", "$4")))

ACTION_DOCUMENTS = [
    "ALTER TABLE meetings_actionitem ADD COLUMN search_document tsvector",
    # $1 action id, $2 title, $3 description, $4 timeframe as published, $5 outcome id.
    f"""
    CREATE FUNCTION meetings_action_search_document(bigint, text, text, text, bigint)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT {weighted_sql(ACTION_OWN_FIELDS)}
            || setweight(
                to_tsvector(
                    '{CONFIG}'::regconfig,
                    coalesce((SELECT text FROM meetings_outcome WHERE id = $5), '')
                    || ' '
                    || coalesce(
                        (
                            SELECT string_agg(participant.name || ' ' || participant.short_name, ' ')
                            FROM meetings_actionowner ownership
                            JOIN meetings_participant participant ON participant.id = ownership.participant_id
                            WHERE ownership.action_item_id = $1
                        ),
                        ''
                    )
                ),
                'D'
            )
    $$
    """,
    """
    CREATE FUNCTION meetings_refresh_action_search_documents(bigint[]) RETURNS void LANGUAGE sql AS $$
        UPDATE meetings_actionitem action_item
        SET search_document = meetings_action_search_document(
            action_item.id, action_item.title, action_item.description, action_item.due_as_published,
            action_item.outcome_id
        )
        WHERE action_item.id = ANY($1)
    $$
    """,
    # The action's own row: computed as it is written.
    """
    CREATE FUNCTION meetings_actionitem_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := meetings_action_search_document(
            NEW.id, NEW.title, NEW.description, NEW.due_as_published, NEW.outcome_id
        );
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER meetings_actionitem_search_document
    BEFORE INSERT OR UPDATE OF title, description, due_as_published, outcome_id ON meetings_actionitem
    FOR EACH ROW EXECUTE FUNCTION meetings_actionitem_search_document()
    """,
    # Owners added, removed or changed: their actions.
    """
    CREATE FUNCTION meetings_actionowner_search_documents() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM meetings_refresh_action_search_documents(
                ARRAY(SELECT DISTINCT action_item_id FROM new_rows)
            );
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            PERFORM meetings_refresh_action_search_documents(
                ARRAY(SELECT DISTINCT action_item_id FROM old_rows)
            );
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER meetings_actionowner_insert_search_documents AFTER INSERT ON meetings_actionowner
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetings_actionowner_search_documents()
    """,
    """
    CREATE TRIGGER meetings_actionowner_update_search_documents AFTER UPDATE ON meetings_actionowner
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetings_actionowner_search_documents()
    """,
    """
    CREATE TRIGGER meetings_actionowner_delete_search_documents AFTER DELETE ON meetings_actionowner
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetings_actionowner_search_documents()
    """,
    # An outcome's text changed: the actions it set off.
    """
    CREATE FUNCTION meetings_outcome_search_documents() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM meetings_refresh_action_search_documents(ARRAY(
            SELECT action_item.id
            FROM new_rows
            JOIN old_rows ON old_rows.id = new_rows.id
            JOIN meetings_actionitem action_item ON action_item.outcome_id = new_rows.id
            WHERE new_rows.text IS DISTINCT FROM old_rows.text
        ));
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER meetings_outcome_search_documents AFTER UPDATE ON meetings_outcome
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetings_outcome_search_documents()
    """,
    # A participant renamed: the actions it owns.
    """
    CREATE FUNCTION meetings_participant_search_documents() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM meetings_refresh_action_search_documents(ARRAY(
            SELECT DISTINCT ownership.action_item_id
            FROM new_rows
            JOIN old_rows ON old_rows.id = new_rows.id
            JOIN meetings_actionowner ownership ON ownership.participant_id = new_rows.id
            WHERE (new_rows.name, new_rows.short_name) IS DISTINCT FROM (old_rows.name, old_rows.short_name)
        ));
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER meetings_participant_search_documents AFTER UPDATE ON meetings_participant
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION meetings_participant_search_documents()
    """,
    # The actions already recorded.
    """
    UPDATE meetings_actionitem
    SET search_document = meetings_action_search_document(
        id, title, description, due_as_published, outcome_id
    )
    """,
    "CREATE INDEX action_item_search_doc ON meetings_actionitem USING gin (search_document)",
    "DROP INDEX action_item_search",
]

DROP_ACTION_DOCUMENTS = [
    "DROP TRIGGER meetings_participant_search_documents ON meetings_participant",
    "DROP TRIGGER meetings_outcome_search_documents ON meetings_outcome",
    "DROP TRIGGER meetings_actionowner_delete_search_documents ON meetings_actionowner",
    "DROP TRIGGER meetings_actionowner_update_search_documents ON meetings_actionowner",
    "DROP TRIGGER meetings_actionowner_insert_search_documents ON meetings_actionowner",
    "DROP TRIGGER meetings_actionitem_search_document ON meetings_actionitem",
    "DROP FUNCTION meetings_participant_search_documents()",
    "DROP FUNCTION meetings_outcome_search_documents()",
    "DROP FUNCTION meetings_actionowner_search_documents()",
    "DROP FUNCTION meetings_actionitem_search_document()",
    "DROP FUNCTION meetings_refresh_action_search_documents(bigint[])",
    "DROP FUNCTION meetings_action_search_document(bigint, text, text, text, bigint)",
]


def expression_indexes():
    """The indexes of 0002, by model, to put back when going back."""

    def vector(*weighted_fields):
        parts = [SearchVector(*fields, config=CONFIG, weight=weight) for weight, fields in weighted_fields]
        combined = parts[0]
        for part in parts[1:]:
            combined += part
        return combined

    return {
        "meeting": GinIndex(
            vector(("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
            name="meeting_search",
        ),
        "outcome": GinIndex(vector(("A", ("text",))), name="outcome_search"),
        "actionitem": GinIndex(
            vector(("A", ("title",)), ("B", ("description", "due_as_published"))),
            name="action_item_search",
        ),
        "document": GinIndex(vector(("A", ("title",))), name="document_search"),
    }


def store_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [*generated_columns(), *ACTION_DOCUMENTS]:
        schema_editor.execute(statement)


def drop_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in expression_indexes().items():
        schema_editor.add_index(apps.get_model("meetings", model_name), index)
    for statement in DROP_ACTION_DOCUMENTS:
        schema_editor.execute(statement)
    for table in ("meetings_meeting", "meetings_outcome", "meetings_actionitem", "meetings_document"):
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0010_link_and_part_history"),
    ]

    operations = [
        migrations.RunPython(store_documents, drop_documents, elidable=False),
    ]
