import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision, Version

from meetings.models import ActionItem, Attendance, Meeting, Outcome
from tests.recount import assert_tallies_match_a_recount

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Meeting.objects.order_by("slug").values_list("slug", "title", "start_date", "city")),
        list(
            Attendance.objects.order_by("meeting__slug", "position").values_list("participant__slug", "role")
        ),
        list(
            ActionItem.objects.order_by(
                "outcome__meeting__slug", "outcome__position", "position"
            ).values_list("title", "due_date", "due_precision", "status")
        ),
    )


def test_generated_meetings_are_realistic():
    call_command("generate_records", meetings=8, seed=4, stdout=None)

    meetings = Meeting.objects.annotate(
        attendance_count=Count("attendances", distinct=True), outcome_count=Count("outcomes", distinct=True)
    )
    assert meetings.count() == 8
    for meeting in meetings:
        assert 15 <= meeting.attendance_count <= 50
        assert 5 <= meeting.outcome_count <= 20
    per_outcome = Outcome.objects.annotate(action_count=Count("action_items")).values_list(
        "action_count", flat=True
    )
    assert max(per_outcome) <= 5
    for action in ActionItem.objects.all():
        action.full_clean()  # due dates are aligned to their periods, statuses valid


def test_the_same_seed_gives_the_same_archive():
    call_command("generate_records", meetings=5, seed=7)
    first = snapshot()
    call_command("generate_records", meetings=5, seed=7, replace=True)
    assert snapshot() == first


def test_generating_twice_without_replace_is_refused():
    call_command("generate_records", meetings=2, seed=1)
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_records", meetings=2, seed=1)


def test_replacing_moves_the_version_once_for_the_deletion_and_writes_no_history():
    """Each deleted row used to move the record's version on its own: 798 updates of its row for
    five generated meetings. The generated records are for measuring: no revision is written."""
    call_command("generate_records", meetings=5, seed=7)
    with CaptureQueriesContext(connection) as captured:
        call_command("generate_records", meetings=5, seed=7, replace=True)
    moves = [
        query for query in captured.captured_queries if 'UPDATE "meetings_recordversion"' in query["sql"]
    ]
    # Once for the deletion, once for the records generated anew.
    assert len(moves) == 2
    assert not Revision.objects.exists()
    assert not Version.objects.exists()
    assert Meeting.objects.count() == 5
    assert_tallies_match_a_recount()
