"""The tallies kept on write (meetings.tallies) are never wrong.

Each test changes the record through a write path and compares the tallies with a count from
scratch (``tests/recount.py``), and what every reader of them answers with the live aggregate it
replaces, on any day to come: overdue moves with the date, without a write. The admin's forms, bulk
actions, deletes, the records import and reverts are walked in ``tests/test_versions.py``, which
checks the tallies after each too.
"""

import datetime
import importlib
import io
from itertools import accumulate

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from meetings import charts, participation, tallies, tracker
from meetings.models import ActionItem, ActionStatus, ActionTally, Meeting, Participant
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
)
from tests.recount import assert_tallies_match_a_recount

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(count):
    return TODAY + datetime.timedelta(days=count)


def due_on(day):
    return {"due_date": day, "due_precision": "day"} if day else {}


def action(meeting, status=ActionStatus.NOT_STARTED, due=None, owners=(), updates=()):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), status=status, **due_on(due))
    for owner in owners:
        ActionOwnerFactory(action_item=action_item, participant=owner)
    for date, reached in updates:
        ProgressUpdateFactory(action_item=action_item, date=date, status=reached)
    return action_item


@pytest.fixture
def owners():
    return [
        ParticipantFactory(name=name, slug=name.lower()) for name in ("Australia", "Indonesia", "Thailand")
    ]


@pytest.fixture
def record(owners):
    """Actions of every shape: each status, due long ago, earlier this month, today, later this
    month, next year or never; timelines that close, reopen, or move twice in a day; meetings
    undated, in draft and scheduled for publication."""
    australia, indonesia, thailand = owners
    old = MeetingFactory(start_date=datetime.date(2012, 5, 1))
    recent = MeetingFactory(start_date=days(-400))
    undated = MeetingFactory(start_date=None, end_date=None)
    draft = MeetingFactory(start_date=datetime.date(2013, 2, 1), published_at=None)
    scheduled = MeetingFactory(start_date=days(-30), published_at=timezone.now() + datetime.timedelta(days=2))
    month_start = TODAY.replace(day=1)
    for meeting in (old, recent, undated, draft, scheduled):
        action(meeting, due=datetime.date(2013, 6, 30), owners=[australia])
        action(meeting, ActionStatus.IN_PROGRESS, due=month_start, owners=[australia, indonesia])
        action(meeting, due=days(-1), owners=[thailand])
        action(meeting, due=TODAY, owners=[indonesia])
        action(meeting, ActionStatus.IN_PROGRESS, due=days(20), owners=[])
        action(meeting, due=days(400))
        action(meeting, ActionStatus.CANCELLED, due=days(-90), owners=[thailand])
        action(meeting, ActionStatus.SUPERSEDED, owners=[australia])
        if meeting.start_date:
            start = meeting.start_date
            action(
                meeting,
                ActionStatus.COMPLETED,
                due=start + datetime.timedelta(days=200),
                owners=[australia, thailand],
                updates=[(start + datetime.timedelta(days=100), ActionStatus.COMPLETED)],
            )
            # Completed, reopened, completed again: counted overdue only while open.
            action(
                meeting,
                ActionStatus.COMPLETED,
                due=start + datetime.timedelta(days=30),
                owners=[indonesia],
                updates=[
                    (start + datetime.timedelta(days=60), ActionStatus.IN_PROGRESS),
                    (start + datetime.timedelta(days=90), ActionStatus.COMPLETED),
                    (start + datetime.timedelta(days=500), ActionStatus.IN_PROGRESS),
                    (min(start + datetime.timedelta(days=900), TODAY), ActionStatus.COMPLETED),
                ],
            )
            # Two updates on one day: the later one stands.
            action(
                meeting,
                ActionStatus.IN_PROGRESS,
                due=start + datetime.timedelta(days=10),
                owners=[thailand],
                updates=[
                    (start + datetime.timedelta(days=40), ActionStatus.COMPLETED),
                    (start + datetime.timedelta(days=40), ActionStatus.IN_PROGRESS),
                ],
            )
            # An update dated ahead, as an old import may hold: today it is not yet the status.
            action(meeting, ActionStatus.COMPLETED, due=days(-5), updates=[(days(3), ActionStatus.COMPLETED)])
    return locals()


def owned_tallies(participant, today):
    return (
        participation.owned_published(participant)
        .order_by()
        .aggregate(**ActionItem.objects.tally_aggregates(today, prefix="action_item__"))
    )


def assert_readers_agree_with_live_counts(today=None):
    """Every reader of the tallies answers what the aggregate it replaces answers."""
    today = today or timezone.localdate()
    published = ActionItem.objects.published()
    assert tracker.owner_groups() == list(tracker.action_groups(published, "owner", today))
    unowned = tallies.owner_counts(today).get(None) or tallies.blank_counts()
    assert unowned == tracker.unowned_tally(published, today)
    assert tallies.published_status_counts(today) == ActionItem.objects.published_status_tallies(today)
    for participant in Participant.objects.all():
        counted = tallies.owner_counts(today, participant=participant)
        assert counted.get(participant.pk, tallies.blank_counts()) == owned_tallies(participant, today)
    assert charts.status_by_year() == charts.status_by_year(published)
    assert charts.owner_completion() == charts.owner_completion(published)
    assert charts.overdue_over_time() == charts.overdue_over_time(published, today)
    rows = tracker.MeetingGroups(published, "test", filtered=False)
    assert rows[0 : len(rows)] == list(tracker.action_groups(published, "meeting", today))


def later(monkeypatch, day):
    monkeypatch.setattr(timezone, "localdate", lambda *args: day)


def test_every_reader_agrees_with_the_live_aggregates(record):
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


@pytest.mark.parametrize("ahead", [1, 2, 19, 21, 45, 366, 800])
def test_overdue_moves_with_the_date_without_a_write(record, monkeypatch, ahead):
    """A day, a month or a year later, nothing written: the buckets by year, month and day due
    still count as the aggregates do on that day."""
    later(monkeypatch, days(ahead))
    assert_readers_agree_with_live_counts(days(ahead))


def test_saves_and_deletes_of_actions_owners_updates_outcomes_and_meetings_keep_the_tallies(record, owners):
    australia, indonesia, thailand = owners
    recent, old = record["recent"], record["old"]

    def check():
        assert_tallies_match_a_recount()
        assert_readers_agree_with_live_counts()

    action_item = action(recent, due=days(-3), owners=[australia])
    check()
    action_item.change_status(ActionStatus.COMPLETED, by=None)
    check()
    action_item.change_status(ActionStatus.IN_PROGRESS, by=None, date=days(-1))
    check()
    action_item.due_date = days(-40)
    action_item.save()
    check()
    ActionOwnerFactory(action_item=action_item, participant=indonesia)
    action_item.ownerships.filter(participant=australia).delete()
    check()
    ownership = action_item.ownerships.get()
    ownership.participant = thailand
    ownership.save()
    check()
    update = action_item.progress_updates.latest()
    update.delete()
    check()
    outcome = action_item.outcome
    outcome.meeting = old
    outcome.save()
    check()
    old.start_date = datetime.date(2010, 1, 1)
    old.save()
    check()
    old.published_at = None
    old.save()
    check()
    outcome.delete()
    check()
    record["undated"].delete()
    check()
    ActionItem.objects.filter(outcome__meeting=recent).first().delete()
    Meeting.objects.filter(pk=recent.pk).delete()
    check()


def test_a_bulk_write_refreshed_in_its_transaction_keeps_the_tallies(record):
    """What a bulk writer (an import, ``date_by_next_meetings``) calls after writing without signals."""
    changed = list(ActionItem.objects.filter(status=ActionStatus.NOT_STARTED))
    for action_item in changed:
        action_item.status = ActionStatus.IN_PROGRESS
        action_item.due_date, action_item.due_precision = days(-2), "day"
    with transaction.atomic():
        ActionItem.objects.bulk_update(changed, ["status", "due_date", "due_precision"])
        tallies.refresh(action_item.pk for action_item in changed)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_deferred_writes_refresh_once_at_the_end(record):
    with transaction.atomic(), tallies.deferred():
        Meeting.objects.filter(pk__in=[record["old"].pk, record["draft"].pk]).delete()
        assert tallies.deferring.get(), "the deleted actions wait for the end of the block"
    assert tallies.deferring.get() is None
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_dating_actions_by_their_next_meetings_keeps_the_tallies(record):
    som = MeetingFactory(start_date=datetime.date(2011, 1, 1))
    waiting = action(som, owners=[])
    waiting.due_at_next = record["old"].meeting_type
    waiting.save()
    assert ActionItem.objects.date_by_next_meetings() == [waiting]
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_generated_records_join_the_tallies(record):
    call_command("generate_records", meetings=3, seed=2, stdout=io.StringIO())
    assert_tallies_match_a_recount()
    call_command("generate_records", meetings=2, seed=3, replace=True, stdout=io.StringIO())
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_rebuild_tallies_checks_and_rebuilds(record):
    call_command("rebuild_tallies", check=True, stdout=io.StringIO())
    ActionTally.objects.filter(kind="owner").update(count=7)
    with pytest.raises(CommandError, match="tallies differ from a recount"):
        call_command("rebuild_tallies", check=True, stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "Tallies rebuilt from" in out.getvalue()
    assert_tallies_match_a_recount()


def test_the_migration_fills_the_tallies_from_the_record(record):
    tallies.ActionTally.objects.all().delete()
    tallies.ActionTallyMark.objects.all().delete()
    migration = importlib.import_module("meetings.migrations.0017_tallies")
    migration.fill(apps, None)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_a_key_spread_over_two_rows_is_counted_once_whole(record):
    """Two writers adding the same new key at once may each add a row: readers sum them."""
    row = ActionTally.objects.filter(kind="owner").first()
    share = row.count
    row.count = share - 1
    row.save()
    ActionTally.objects.create(**{name: getattr(row, name) for name in tallies.KEY}, count=1)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts()


def test_median_of_counted_values_is_the_statistics_median():
    import statistics
    from collections import Counter

    for values in ([5], [1, 9], [3, 3, 4], [1, 2, 3, 40], [7, 7, 7, 8, 100, 100]):
        assert charts.histogram_median(Counter(values)) == statistics.median(values)


@pytest.mark.parametrize("ahead", [0, 45, 800])
def test_the_overdue_line_counted_in_the_database_agrees_with_every_timeline_replayed(record, ahead):
    """The actions open throughout are counted by year in SQL (charts.count_overdue); replaying
    their timelines as the others are replayed gives the same line, filtered or not."""
    today = days(ahead)
    published = ActionItem.objects.published()
    for action_items in (published, published.open(), published.filter(status=ActionStatus.COMPLETED)):
        first_year, total, counts = charts.count_overdue(action_items, today)
        charted = action_items.filter(due_date__isnull=False, outcome__meeting__start_date__isnull=False)
        years = list(range(first_year, today.year + 1))
        changes = [0] * (len(years) + 1)
        charts.replayed(charted, *charts.year_ends(years, today), changes)
        running = list(accumulate(changes[:-1]))
        assert (total, counts) == (charted.count(), dict(zip(years, running, strict=True)))


def test_a_change_of_many_keys_is_merged_into_the_rows_already_there(owners, monkeypatch):
    """Past ``BULK_KEYS`` keys a change is merged in bulk: keys already in the table are summed
    into one row each, rows brought to 0 go, new keys get a row, and the other rows stay."""
    australia, indonesia, _thailand = owners
    meeting = MeetingFactory(start_date=days(-400))
    action(meeting, due=days(-100), owners=[australia])
    moved = [action(meeting, due=days(-30 * n), owners=[indonesia]) for n in range(1, 6)]
    assert_tallies_match_a_recount()
    kept_rows = set(ActionTally.objects.filter(participant=australia).values_list("pk", flat=True))
    monkeypatch.setattr(tallies, "BULK_KEYS", 0)
    with transaction.atomic(), tallies.deferred():
        ActionItem.objects.filter(pk__in=[a.pk for a in moved[:3]]).update(status=ActionStatus.COMPLETED)
        ActionItem.objects.filter(pk=moved[3].pk).delete()
        tallies.refresh([a.pk for a in moved])
    assert_tallies_match_a_recount()
    assert kept_rows == set(ActionTally.objects.filter(participant=australia).values_list("pk", flat=True))
    assert len(set(ActionTally.objects.values_list(*tallies.KEY))) == ActionTally.objects.count()
    assert not ActionTally.objects.filter(count=0).exists()
