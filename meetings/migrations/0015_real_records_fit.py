"""Real records fit: a document may be recorded by its title alone, and the words as published (a
meeting's date, an action's timeframe, an attendance note) hold up to 2,000 characters.

On PostgreSQL, the trigger that keeps an action's search document (0011) names ``due_as_published``
among the columns it fires on, and PostgreSQL will not change the type of a column a trigger names:
the trigger is dropped around the change and created again as 0011 wrote it.
"""

from django.db import migrations, models

ACTION_TRIGGER = """
    CREATE TRIGGER meetings_actionitem_search_document
    BEFORE INSERT OR UPDATE OF title, description, due_as_published, outcome_id ON meetings_actionitem
    FOR EACH ROW EXECUTE FUNCTION meetings_actionitem_search_document()
"""


def drop_action_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER meetings_actionitem_search_document ON meetings_actionitem")


def create_action_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ACTION_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_history_as_revisions"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="document",
            name="document_has_url_or_file",
        ),
        migrations.RunPython(drop_action_trigger, create_action_trigger, elidable=False),
        migrations.AlterField(
            model_name="actionitem",
            name="due_as_published",
            field=models.CharField(
                blank=True,
                help_text='The words of the record: "first half of 2015", "late 2015".',
                max_length=2000,
                verbose_name="timeframe as published",
            ),
        ),
        migrations.RunPython(create_action_trigger, drop_action_trigger, elidable=False),
        migrations.AlterField(
            model_name="attendance",
            name="note",
            field=models.CharField(blank=True, max_length=2000, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="document",
            name="url",
            field=models.URLField(
                blank=True,
                help_text="Leave it and the file empty for a document not online yet: it is listed by its title.",
                max_length=500,
                verbose_name="address",
            ),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="date_as_published",
            field=models.CharField(
                blank=True,
                help_text="The date exactly as the source gives it, where it differs or is vague.",
                max_length=2000,
                verbose_name="date as published",
            ),
        ),
    ]
