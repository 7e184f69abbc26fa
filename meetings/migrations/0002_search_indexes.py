"""GIN indexes for full-text search on PostgreSQL; nothing on other databases.

Each index holds exactly the weighted tsvector that ``meetings.search.search_vector`` builds for its
kind, so that PostgreSQL can use it for ``vector @@ query``. The expressions are copied here, not
imported, so that this migration keeps its meaning when the search code changes: a change to the
searched fields needs a new migration that drops these indexes and creates new ones.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"


def weighted_vector(*weighted_fields):
    vector = None
    for weight, fields in weighted_fields:
        part = SearchVector(*fields, config=CONFIG, weight=weight)
        vector = part if vector is None else vector + part
    return vector


def search_indexes():
    return {
        "meeting": GinIndex(
            weighted_vector(("A", ("title",)), ("B", ("summary", "purpose", "city")), ("C", ("body",))),
            name="meeting_search",
        ),
        "outcome": GinIndex(weighted_vector(("A", ("text",))), name="outcome_search"),
        "actionitem": GinIndex(
            weighted_vector(("A", ("title",)), ("B", ("description", "due_as_published"))),
            name="action_item_search",
        ),
        "document": GinIndex(weighted_vector(("A", ("title",))), name="document_search"),
    }


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in search_indexes().items():
        schema_editor.add_index(apps.get_model("meetings", model_name), index)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in search_indexes().items():
        schema_editor.remove_index(apps.get_model("meetings", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
