"""The tallies of attendance kept on write (meetings.attendance_tallies) are never wrong.

Each test changes the record through a write path and compares the tallies with a count from
scratch (``tests/recount.py``), and what the pages read from them with the live count they replace.
The admin's forms, bulk actions, deletes, the records import and reverts are walked in
``tests/test_versions.py``, which checks these tallies after each too.
"""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from meetings import attendance_tallies, participation
from meetings.models import (
    Attendance,
    AttendanceRole,
    AttendanceTally,
    AttendanceTallyMark,
    Meeting,
    MeetingStatus,
)
from meetings.models.functions import Year
from meetings.views.participants import meetings_attended
from tests.factories import AttendanceFactory, MeetingFactory, ParticipantFactory
from tests.recount import assert_tallies_match_a_recount

pytestmark = pytest.mark.django_db


def live_by_year_and_role(participant):
    rows = (
        Attendance.objects.filter(participant=participant, meeting__in=Meeting.objects.published().held())
        .values_list(Year("meeting__start_date"), "role")
        .annotate(meetings=Count("pk"))
        .order_by()
    )
    return {(year, role): meetings for year, role, meetings in rows}


def live_by_participant():
    rows = (
        Attendance.objects.filter(meeting__in=Meeting.objects.published().held())
        .values_list("participant")
        .annotate(meetings=Count("pk"))
        .order_by()
    )
    return dict(rows)


def assert_readers_agree_with_live_counts(participants):
    for participant in participants:
        assert dict(attendance_tallies.by_year_and_role(participant)) == live_by_year_and_role(participant)
        shown = {
            (year.year, role["role"]): role["meetings"]
            for year in participation.count_attendance_by_year(participant)
            for role in year.roles
        }
        assert shown == live_by_year_and_role(participant)
    assert dict(attendance_tallies.by_participant()) == live_by_participant()
    assert meetings_attended() == live_by_participant()


@pytest.fixture
def participants():
    return [ParticipantFactory(slug=slug) for slug in ("australia", "indonesia", "unodc")]


@pytest.fixture
def record(participants):
    """Attendance at meetings of every kind: held in several years and undated, scheduled,
    cancelled, in draft and scheduled for publication, in several roles."""
    australia, indonesia, unodc = participants
    meetings = {
        "2014": MeetingFactory(start_date=datetime.date(2014, 8, 6)),
        "2015": MeetingFactory(start_date=datetime.date(2015, 3, 1), end_date=datetime.date(2016, 1, 2)),
        "undated": MeetingFactory(start_date=None, end_date=None),
        "scheduled": MeetingFactory(start_date=datetime.date(2031, 1, 1), status=MeetingStatus.SCHEDULED),
        "cancelled": MeetingFactory(start_date=datetime.date(2015, 6, 1), status=MeetingStatus.CANCELLED),
        "draft": MeetingFactory(start_date=datetime.date(2014, 2, 1), published_at=None),
        "to-come": MeetingFactory(
            start_date=datetime.date(2015, 9, 1), published_at=timezone.now() + datetime.timedelta(days=2)
        ),
    }
    for meeting in meetings.values():
        AttendanceFactory(meeting=meeting, participant=australia, role=AttendanceRole.CO_CHAIR)
        AttendanceFactory(meeting=meeting, participant=indonesia, role=AttendanceRole.MEMBER)
    AttendanceFactory(meeting=meetings["2014"], participant=unodc, role=AttendanceRole.OBSERVER)
    return meetings


def test_the_tallies_count_what_the_live_counts_do(record, participants):
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)
    assert dict(attendance_tallies.by_year_and_role(participants[0])) == {
        (2014, "co_chair"): 1,
        (2015, "co_chair"): 1,
        (None, "co_chair"): 1,
    }


def test_saves_and_deletes_of_attendance_and_meetings_keep_the_tallies(record, participants):
    australia, indonesia, unodc = participants

    def check():
        assert_tallies_match_a_recount()
        assert_readers_agree_with_live_counts(participants)

    added = AttendanceFactory(meeting=record["2015"], participant=unodc, role=AttendanceRole.PARTICIPANT)
    check()
    added.role = AttendanceRole.OBSERVER
    added.save()
    check()
    added.participant = ParticipantFactory(slug="thailand")
    added.save()
    check()
    added.meeting = record["undated"]
    added.save()
    check()
    added.delete()
    check()
    scheduled = record["scheduled"]
    scheduled.status = MeetingStatus.HELD
    scheduled.save()
    check()
    held = record["2014"]
    held.start_date = datetime.date(2013, 12, 30)
    held.end_date = None
    held.save()
    check()
    held.status = MeetingStatus.POSTPONED
    held.save()
    check()
    record["draft"].published_at = timezone.now()
    record["draft"].save()
    check()
    record["2015"].delete()
    check()
    Meeting.objects.filter(pk=record["undated"].pk).delete()
    check()


def test_a_publication_coming_due_is_counted_without_a_write(record, participants, monkeypatch):
    australia = participants[0]
    before = attendance_tallies.by_year_and_role(australia)
    later = timezone.now() + datetime.timedelta(days=3)
    monkeypatch.setattr(
        Meeting.objects, "unpublished", lambda: Meeting.objects.exclude(published_at__lte=later)
    )
    after = attendance_tallies.by_year_and_role(australia)
    assert after - before == {(2015, "co_chair"): 1}


def test_deferred_writes_refresh_once_at_the_end(record, participants):
    with transaction.atomic(), attendance_tallies.deferred():
        Meeting.objects.filter(pk__in=[record["2014"].pk, record["draft"].pk]).delete()
        assert attendance_tallies.deferring.get(), "the deleted rows wait for the end of the block"
    assert attendance_tallies.deferring.get() is None
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)


def test_a_bulk_write_refreshed_in_its_transaction_keeps_the_tallies(record, participants):
    """What a bulk writer (an import, generated records) calls after writing without signals."""
    meeting = MeetingFactory(start_date=datetime.date(2019, 5, 5))
    with transaction.atomic():
        rows = Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, participant=participant) for participant in participants]
        )
        attendance_tallies.refresh(row.pk for row in rows)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)


def test_a_change_of_many_keys_is_merged_into_the_rows_already_there(record, participants, monkeypatch):
    monkeypatch.setattr(attendance_tallies, "BULK_KEYS", 1)
    meeting = MeetingFactory(start_date=datetime.date(2014, 1, 5), end_date=None)
    for participant in participants:
        AttendanceFactory(meeting=meeting, participant=participant, role=AttendanceRole.MEMBER)
    meeting.start_date = datetime.date(2015, 1, 5)
    meeting.save()
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)


def test_a_key_spread_over_two_rows_is_counted_once_whole(record, participants):
    """Two writers adding the same new key at once may each add a row: readers sum them."""
    row = AttendanceTally.objects.filter(participant=participants[0], year=2014).get()
    row.meetings -= 1
    row.save()
    AttendanceTally.objects.create(participant=row.participant, year=row.year, role=row.role, meetings=1)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)


def test_generated_records_and_an_import_join_the_tallies(record, participants, tmp_path):
    call_command("generate_records", meetings=3, seed=2, stdout=io.StringIO())
    assert_tallies_match_a_recount()
    call_command("generate_records", meetings=2, seed=3, replace=True, stdout=io.StringIO())
    assert_tallies_match_a_recount()
    path = tmp_path / "records.json"
    call_command("export_records", "-o", str(path))
    Meeting.objects.all().delete()
    assert not AttendanceTally.objects.exists()
    call_command("import_records", str(path), stdout=io.StringIO())
    assert AttendanceTally.objects.exists()
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)


def test_rebuild_tallies_checks_and_rebuilds_the_attendance_too(record):
    call_command("rebuild_tallies", check=True, stdout=io.StringIO())
    AttendanceTally.objects.update(meetings=7)
    with pytest.raises(CommandError, match="tallies differ from a recount"):
        call_command("rebuild_tallies", check=True, stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "rows of attendance" in out.getvalue()
    assert_tallies_match_a_recount()


def test_the_migration_fills_the_tallies_from_the_record(record, participants):
    AttendanceTally.objects.all().delete()
    AttendanceTallyMark.objects.all().delete()
    migration = importlib.import_module("meetings.migrations.0023_attendance_tallies")
    migration.fill(apps, None)
    assert_tallies_match_a_recount()
    assert_readers_agree_with_live_counts(participants)
