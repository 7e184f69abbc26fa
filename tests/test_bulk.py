"""Rows inserted in bulk (``meetings.bulk``): as ``bulk_create`` would write them."""

import pytest

from meetings import bulk
from meetings.models import ActionItem, ActionStatus, ProgressUpdate
from tests.factories import ActionItemFactory, MeetingFactory, OutcomeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_rows_inserted_as_built_are_those_bulk_create_writes():
    action = ActionItemFactory()
    built = [
        ProgressUpdate(
            action_item=action,
            date=action.outcome.meeting.start_date,
            status=ActionStatus.IN_PROGRESS,
            note=f"Note {number}.",
        )
        for number in range(3)
    ]
    bulk.insert_built(built[:2])
    ProgressUpdate.objects.bulk_create(built[2:])

    columns = [
        field.attname
        for field in ProgressUpdate._meta.concrete_fields
        if field.name not in {"id", "created_at", "note"}
    ]
    rows = list(ProgressUpdate.objects.order_by("pk").values(*columns, "created_at", "note"))
    assert [row["note"] for row in rows] == ["Note 0.", "Note 1.", "Note 2."]
    assert {tuple(row[column] for column in columns) for row in rows} == {
        tuple(getattr(built[2], column) for column in columns)
    }
    assert all(row["created_at"] is not None for row in rows)


def test_a_row_names_an_object_saved_after_it_was_assigned_by_its_id():
    outcome = OutcomeFactory()
    action = ActionItem(outcome=outcome, title="Saved after its updates were built.")
    done = ActionStatus.COMPLETED
    update = ProgressUpdate(action_item=action, date=outcome.meeting.start_date, status=done)
    unsaved = ProgressUpdate(action_item=ActionItem(outcome=outcome, title="Never saved."), status=done)
    action.save()

    bulk.insert_built([update])

    assert ProgressUpdate.objects.get().action_item_id == action.pk
    with pytest.raises(ValueError, match="action_item of a ProgressUpdate is not saved yet"):
        bulk.insert_built([unsaved])


def test_links_inserted_as_built():
    outcome = OutcomeFactory(meeting=MeetingFactory())
    participant = ParticipantFactory()
    through = outcome.concerns.through

    bulk.insert_built([through(outcome_id=outcome.pk, participant_id=participant.pk)])

    assert list(outcome.concerns.all()) == [participant]
