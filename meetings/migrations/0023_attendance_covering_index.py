"""A participant's attendance indexed with its meetings: its page counts the meetings it attended by
role and year from this index alone (a member state's 3,800 rows at 10,000 meetings), where the
index of participant and role led to each attendance row for its meeting. It serves everything the
index it replaces served.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0022_search_parts_once'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='attendance',
            name='attendance_participant_role',
        ),
        migrations.AddIndex(
            model_name='attendance',
            index=models.Index(fields=['participant', 'role', 'meeting'], name='attendance_by_participant'),
        ),
    ]
