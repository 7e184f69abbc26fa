"""Tallies of attendance kept up to date on write (meetings.attendance_tallies), filled from the
record: the meetings held each participant attended, by year and role, that its page and the list
of participants read instead of counting every row of attendance.
"""

import django.db.models.deletion
import meetings.models.constraints
from django.db import migrations, models


def fill(apps, schema_editor):
    from meetings import attendance_tallies

    names = ["Attendance", "AttendanceTally", "AttendanceTallyMark", "Meeting"]
    attendance_tallies.rebuild({name: apps.get_model("meetings", name) for name in names})


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0022_search_parts_once'),
    ]

    operations = [
        migrations.CreateModel(
            name='AttendanceTallyMark',
            fields=[
                ('attendance_id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='attendance')),
                ('participant_id', models.BigIntegerField(verbose_name='participant')),
                ('year', models.SmallIntegerField(blank=True, null=True, verbose_name='year')),
                ('role', models.CharField(max_length=16, verbose_name='role')),
            ],
            options={
                'verbose_name': 'attendance tally mark',
                'verbose_name_plural': 'attendance tally marks',
            },
            bases=(meetings.models.constraints.ShowableText, models.Model),
        ),
        migrations.CreateModel(
            name='AttendanceTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.SmallIntegerField(blank=True, null=True, verbose_name='year')),
                ('role', models.CharField(max_length=16, verbose_name='role')),
                ('meetings', models.IntegerField(default=0, verbose_name='meetings')),
                ('participant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance_tallies', to='meetings.participant', verbose_name='participant')),
            ],
            options={
                'verbose_name': 'attendance tally',
                'verbose_name_plural': 'attendance tallies',
                'indexes': [models.Index(fields=['participant', 'year', 'role', 'meetings'], name='attendance_tally_key')],
            },
            bases=(meetings.models.constraints.ShowableText, models.Model),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
