import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from meetings.models import ActionItem, ProgressUpdate
from tests.admin_forms import page_version
from tests.factories import (
    ActionItemFactory,
    DocumentFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:meetings_actionitem_changelist"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_change_status_records_who_when_and_the_note(editor):
    action_item = ActionItemFactory()

    update = action_item.change_status("in_progress", by=editor, note="Terms of reference drafted.")

    action_item.refresh_from_db()
    assert action_item.status == "in_progress"
    assert update.action_item == action_item
    assert update.status == "in_progress"
    assert update.recorded_by == editor
    assert update.date == timezone.localdate()
    assert update.note == "Terms of reference drafted."


def test_completing_names_what_fulfilled_the_action(editor):
    action_item = ActionItemFactory(status="in_progress")
    first_meeting = MeetingFactory(title="First Meeting of the Working Group")
    report = DocumentFactory(meeting=first_meeting)

    update = action_item.change_status(
        "completed",
        by=editor,
        meeting=first_meeting,
        date=datetime.date(2015, 3, 27),
        fulfilled_by_meeting=first_meeting,
        fulfilled_by_document=report,
    )

    action_item.refresh_from_db()
    assert action_item.fulfilled_by_meeting == first_meeting
    assert action_item.fulfilled_by_document == report
    assert update.meeting == first_meeting
    assert update.date == datetime.date(2015, 3, 27)
    assert update.percent_complete == 100


def test_change_status_refuses_an_unknown_status(editor):
    action_item = ActionItemFactory()

    with pytest.raises(ValueError, match="not an action status"):
        action_item.change_status("finished", by=editor)
    assert not ProgressUpdate.objects.exists()


def test_leaving_superseded_forgets_what_superseded_it(editor):
    newer = ActionItemFactory()
    action_item = ActionItemFactory()
    action_item.change_status("superseded", by=editor, superseded_by=newer)
    assert action_item.superseded_by == newer

    action_item.change_status("in_progress", by=editor)

    action_item.refresh_from_db()
    assert action_item.superseded_by is None


def _change_form_data(client, action_item, **changes):
    data = {
        "version": page_version(client, action_item) if action_item.pk else "",
        "outcome": action_item.outcome_id,
        "position": 0,
        "title": action_item.title,
        "description": "",
        "due_as_published": "",
        "due_date": "",
        "due_precision": "",
        "status": action_item.status,
        "status_note": "",
        "ownerships-TOTAL_FORMS": 0,
        "ownerships-INITIAL_FORMS": 0,
        "progress_updates-TOTAL_FORMS": 0,
        "progress_updates-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_admin_form_status_change_records_an_update(editor_client, editor):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    response = editor_client.post(
        url,
        _change_form_data(editor_client, action_item, status="in_progress", status_note="Work has begun."),
    )

    assert response.status_code == 302
    update = action_item.progress_updates.get()
    assert update.status == "in_progress"
    assert update.note == "Work has begun."
    assert update.recorded_by == editor


def test_admin_form_without_a_status_change_records_nothing(editor_client):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    response = editor_client.post(url, _change_form_data(editor_client, action_item, title="A clearer title"))

    assert response.status_code == 302
    assert not action_item.progress_updates.exists()


def test_admin_form_note_alone_adds_a_note_to_the_timeline(editor_client):
    action_item = ActionItemFactory(status="in_progress")
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    editor_client.post(url, _change_form_data(editor_client, action_item, status_note="Reported to the AHG."))

    update = action_item.progress_updates.get()
    assert (update.status, update.note) == ("in_progress", "Reported to the AHG.")


def test_admin_add_with_a_status_records_it(editor_client, editor):
    outcome = OutcomeFactory()
    data = _change_form_data(editor_client, ActionItem(outcome=outcome, title="New"), status="in_progress")

    response = editor_client.post(reverse("admin:meetings_actionitem_add"), data)

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.action_item.title == "New"
    assert update.recorded_by == editor


def test_timeline_entries_added_in_the_inline_move_the_status(editor_client, editor):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])
    data = _change_form_data(
        editor_client,
        action_item,
        **{
            "progress_updates-TOTAL_FORMS": 1,
            "progress_updates-0-date": timezone.localdate().isoformat(),
            "progress_updates-0-status": "in_progress",
            "progress_updates-0-note": "Started.",
        },
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert action_item.status == "in_progress"
    assert action_item.progress_updates.get().recorded_by == editor


def test_saved_timeline_entries_are_read_only_in_the_action_form(editor_client):
    update = ProgressUpdateFactory(note="Original note.")
    url = reverse("admin:meetings_actionitem_change", args=[update.action_item_id])

    page = editor_client.get(url).content.decode()

    assert "Original note." in page
    assert 'name="progress_updates-0-note"' not in page
    assert 'name="progress_updates-0-DELETE"' not in page


def test_saved_timeline_entries_cannot_be_changed_or_deleted_in_their_own_admin(editor_client):
    update = ProgressUpdateFactory(note="Original note.")
    change_url = reverse("admin:meetings_progressupdate_change", args=[update.pk])
    delete_url = reverse("admin:meetings_progressupdate_delete", args=[update.pk])

    editor_client.post(
        change_url, {"action_item": update.action_item_id, "date": "2015-01-01", "status": "completed"}
    )
    response = editor_client.post(delete_url, {"post": "yes"})

    assert response.status_code == 403
    update.refresh_from_db()
    assert update.note == "Original note."
    assert update.status == "in_progress"


def test_a_note_added_in_the_progress_admin_moves_the_status(editor_client, editor):
    action_item = ActionItemFactory()

    response = editor_client.post(
        reverse("admin:meetings_progressupdate_add"),
        {"action_item": action_item.pk, "date": timezone.localdate().isoformat(), "status": "completed"},
    )

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert action_item.status == "completed"
    assert ProgressUpdate.objects.get().recorded_by == editor


def test_bulk_action_asks_for_a_note_first(editor_client):
    action_items = ActionItemFactory.create_batch(2)

    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "mark_completed", ACTION_CHECKBOX_NAME: [item.pk for item in action_items]},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="note"' in page
    assert 'name="fulfilled_by_meeting"' in page
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_in_progress", "in_progress"), ("mark_completed", "completed"), ("mark_cancelled", "cancelled")],
)
def test_bulk_action_changes_status_and_records_each_change(editor_client, editor, action, status):
    action_items = ActionItemFactory.create_batch(3)
    meeting = MeetingFactory()

    response = editor_client.post(
        reverse(CHANGELIST),
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [item.pk for item in action_items],
            "apply": "yes",
            "note": "Agreed at the meeting.",
            "date": "2016-03-23",
            "meeting": meeting.pk,
        },
    )

    assert response.status_code == 302
    assert set(ActionItem.objects.values_list("status", flat=True)) == {status}
    updates = ProgressUpdate.objects.all()
    assert len(updates) == 3
    for update in updates:
        assert (update.status, update.note, update.recorded_by, update.meeting) == (
            status,
            "Agreed at the meeting.",
            editor,
            meeting,
        )
        assert update.date == datetime.date(2016, 3, 23)


def test_bulk_completion_names_the_meeting_that_fulfilled_it(editor_client):
    action_item = ActionItemFactory(status="in_progress")
    meeting = MeetingFactory()

    editor_client.post(
        reverse(CHANGELIST),
        {
            "action": "mark_completed",
            ACTION_CHECKBOX_NAME: [action_item.pk],
            "apply": "yes",
            "date": "2015-03-27",
            "fulfilled_by_meeting": meeting.pk,
        },
    )

    action_item.refresh_from_db()
    assert action_item.status == "completed"
    assert action_item.fulfilled_by_meeting == meeting


def test_bulk_action_with_a_bad_date_shows_the_form_again(editor_client):
    action_item = ActionItemFactory()

    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "mark_cancelled", ACTION_CHECKBOX_NAME: [action_item.pk], "apply": "yes", "date": "soon"},
    )

    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    action_item.refresh_from_db()
    assert action_item.status == "not_started"


def test_bulk_action_leaves_actions_already_in_that_status_alone(editor_client):
    action_item = ActionItemFactory(status="cancelled")

    editor_client.post(
        reverse(CHANGELIST),
        {
            "action": "mark_cancelled",
            ACTION_CHECKBOX_NAME: [action_item.pk],
            "apply": "yes",
            "date": "2016-01-01",
        },
    )

    assert not ProgressUpdate.objects.exists()


def test_change_list_flags_overdue_actions(editor_client):
    ActionItemFactory(title="Late one", due_date=datetime.date(2015, 6, 30), due_precision="half")
    ActionItemFactory(
        title="Done one", status="completed", due_date=datetime.date(2015, 6, 30), due_precision="half"
    )

    page = editor_client.get(reverse(CHANGELIST)).content.decode()

    assert page.count('class="overdue"') == 1


def test_action_due_at_next_meeting_takes_its_date():
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    origin = MeetingFactory(start_date=datetime.date(2014, 8, 6))
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=origin), due_at_next=ministerial)
    MeetingFactory(meeting_type=ministerial, start_date=datetime.date(2013, 4, 2))
    MeetingFactory(meeting_type=ministerial, start_date=datetime.date(2015, 5, 1), status="cancelled")
    MeetingFactory(meeting_type=ministerial, start_date=datetime.date(2015, 9, 1), published_at=None)
    MeetingFactory(meeting_type=ministerial, start_date=datetime.date(2017, 1, 1), status="scheduled")
    MeetingFactory(meeting_type=ministerial, start_date=datetime.date(2016, 3, 23), status="scheduled")

    changed = ActionItem.objects.date_by_next_meetings()

    assert changed == [action_item]
    action_item.refresh_from_db()
    assert (action_item.due_date, action_item.due_precision) == (datetime.date(2016, 3, 23), "day")
    assert ActionItem.objects.date_by_next_meetings() == []


def test_scheduling_the_next_meeting_in_the_admin_dates_the_action(editor_client):
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    action_item = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(start_date=datetime.date(2014, 8, 6))),
        due_at_next=ministerial,
    )
    meeting = MeetingFactory(
        meeting_type=ministerial, start_date=datetime.date(2016, 3, 23), status="scheduled"
    )
    ActionItem.objects.update(due_date=None, due_precision="")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if name != "hero_image" and form[name].value() is not None
    }
    data.update(
        {
            "start_date": "2016-03-24",
            "end_date": "2016-03-24",
            "published_at_0": "2016-01-01",
            "published_at_1": "00:00:00",
            "themes": [],
            "related_meetings": [],
        }
    )
    for prefix in ("attendances", "outcomes", "documents", "old_addresses"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    action_item.refresh_from_db()
    assert action_item.due_date == datetime.date(2016, 3, 24)
