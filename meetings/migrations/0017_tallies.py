"""Tallies of the actions kept up to date on write (meetings.tallies), filled from the record."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from meetings import tallies

    names = ["ActionItem", "ActionOwner", "ProgressUpdate", "ActionTally", "ActionTallyMark"]
    tallies.rebuild({name: apps.get_model("meetings", name) for name in names})


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0016_tasks'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActionTallyMark',
            fields=[
                ('action_item_id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='action item')),
                ('shares', models.JSONField(default=list, verbose_name='shares')),
            ],
            options={
                'verbose_name': 'action tally mark',
                'verbose_name_plural': 'action tally marks',
            },
        ),
        migrations.CreateModel(
            name='ActionTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('status', 'actions by status and year due'), ('status_m', 'open actions by status and month due'), ('status_d', 'open actions by status and day due'), ('owner', 'ownerships by owner, status and year due'), ('owner_m', 'open ownerships by owner, status and month due'), ('owner_d', 'open ownerships by owner, status and day due'), ('year', 'actions by year of their meeting and status'), ('dated', 'actions with a due date and a dated meeting, by year of the meeting'), ('late', 'overdue at the end of these years'), ('late_now', 'overdue at the end of a day between these dates'), ('days', 'completed ownerships by owner and days to complete'), ('days_r', 'completed ownerships by owner and range of days to complete')], max_length=8, verbose_name='kind')),
                ('status', models.CharField(blank=True, max_length=16, verbose_name='status')),
                ('year', models.SmallIntegerField(blank=True, null=True, verbose_name='year')),
                ('until_year', models.SmallIntegerField(blank=True, null=True, verbose_name='until year')),
                ('day', models.DateField(blank=True, null=True, verbose_name='day')),
                ('until_day', models.DateField(blank=True, null=True, verbose_name='until day')),
                ('days', models.IntegerField(blank=True, null=True, verbose_name='days')),
                ('count', models.IntegerField(default=0, verbose_name='count')),
                ('participant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='action_tallies', to='meetings.participant', verbose_name='owner')),
            ],
            options={
                'verbose_name': 'action tally',
                'verbose_name_plural': 'action tallies',
                'indexes': [models.Index(fields=['kind', 'day', 'participant', 'status', 'year', 'until_year', 'until_day', 'count'], name='action_tally_key'), models.Index(fields=['kind', 'days', 'participant', 'count'], name='action_tally_days')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
