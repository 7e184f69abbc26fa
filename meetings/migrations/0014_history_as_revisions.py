"""History as revisions: django-simple-history's tables go, django-reversion keeps history from here.

No installation was live yet, so the old history is not carried over: every existing record gets
an initial revision instead (``createinitialrevisions``), holding it with its parts as it is now.
That step runs the models as they are in the code, so it runs only where there are records to
start from: a new database (and every test database) has none.
"""

from django.core.management import call_command
from django.db import migrations

RECORD_MODELS = ("Meeting", "Participant", "MeetingType", "Theme")


def initial_revisions(apps, schema_editor):
    if any(apps.get_model("meetings", name).objects.exists() for name in RECORD_MODELS):
        call_command("createinitialrevisions", "meetings", comment="Initial version.", verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0013_progress_feed_index"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalactionitem_themes",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicalactionitem_themes",
            name="actionitem",
        ),
        migrations.RemoveField(
            model_name="historicalactionitem_themes",
            name="theme",
        ),
        migrations.RemoveField(
            model_name="historicalactionowner",
            name="action_item",
        ),
        migrations.RemoveField(
            model_name="historicalactionowner",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalactionowner",
            name="participant",
        ),
        migrations.RemoveField(
            model_name="historicalattendance",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalattendance",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicalattendance",
            name="participant",
        ),
        migrations.RemoveField(
            model_name="historicaldocument",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicaldocument",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicaldocument",
            name="translation_of",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting",
            name="convening_body",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting",
            name="meeting_type",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting",
            name="parent",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_related_meetings",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_themes",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_related_meetings",
            name="from_meeting",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_related_meetings",
            name="to_meeting",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_themes",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicalmeeting_themes",
            name="theme",
        ),
        migrations.RemoveField(
            model_name="historicalmembership",
            name="body",
        ),
        migrations.RemoveField(
            model_name="historicalmembership",
            name="ended_by",
        ),
        migrations.RemoveField(
            model_name="historicalmembership",
            name="granted_by",
        ),
        migrations.RemoveField(
            model_name="historicalmembership",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalmembership",
            name="participant",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_themes",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_concerns",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_documents",
            name="history",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_concerns",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_concerns",
            name="participant",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_documents",
            name="document",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_documents",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_themes",
            name="outcome",
        ),
        migrations.RemoveField(
            model_name="historicaloutcome_themes",
            name="theme",
        ),
        migrations.RemoveField(
            model_name="historicalparticipant",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalparticipantalias",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalparticipantalias",
            name="participant",
        ),
        migrations.RemoveField(
            model_name="historicalprogressupdate",
            name="action_item",
        ),
        migrations.RemoveField(
            model_name="historicalprogressupdate",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalprogressupdate",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicalprogressupdate",
            name="recorded_by",
        ),
        migrations.DeleteModel(
            name="HistoricalActionItem",
        ),
        migrations.DeleteModel(
            name="HistoricalActionItem_themes",
        ),
        migrations.DeleteModel(
            name="HistoricalActionOwner",
        ),
        migrations.DeleteModel(
            name="HistoricalAttendance",
        ),
        migrations.DeleteModel(
            name="HistoricalDocument",
        ),
        migrations.DeleteModel(
            name="HistoricalMeeting",
        ),
        migrations.DeleteModel(
            name="HistoricalMeeting_related_meetings",
        ),
        migrations.DeleteModel(
            name="HistoricalMeeting_themes",
        ),
        migrations.DeleteModel(
            name="HistoricalMembership",
        ),
        migrations.DeleteModel(
            name="HistoricalOutcome",
        ),
        migrations.DeleteModel(
            name="HistoricalOutcome_concerns",
        ),
        migrations.DeleteModel(
            name="HistoricalOutcome_documents",
        ),
        migrations.DeleteModel(
            name="HistoricalOutcome_themes",
        ),
        migrations.DeleteModel(
            name="HistoricalParticipant",
        ),
        migrations.DeleteModel(
            name="HistoricalParticipantAlias",
        ),
        migrations.DeleteModel(
            name="HistoricalProgressUpdate",
        ),
        migrations.RunPython(initial_revisions, migrations.RunPython.noop),
    ]
