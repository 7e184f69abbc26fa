"""The record's version moves in the transaction of every write the public could see, before it commits.

A version committed before the change it announces lets a reader cache the old record under the new
key, where it stays until the next edit: the admin saves a meeting (the version moves), a reader's
page is cached, and only then are the due dates it gives other actions written. So each test here
walks one write path (every admin change and add form with its inlines, bulk action, delete, the
records import, a revert, the due dates, publication) under ``VersionAudit`` (tests/transactions.py),
which fails a transaction that writes a public table and commits without the version having moved in
it. The tests run with real transactions (``transaction=True``): in a test wrapped in one
transaction, nothing would ever commit.
"""

import datetime
import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import tallies, versions
from meetings.models import (
    ActionItem,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ProgressUpdate,
    RecordVersion,
    Theme,
)
from meetings.records import build_records, dumps
from tests.admin_forms import add_inline_rows, first_version, import_records, posted
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.recount import assert_tallies_match_a_recount
from tests.transactions import VersionAudit

pytestmark = pytest.mark.django_db(transaction=True)

SOM_DATE = datetime.date(2014, 8, 6)
MINISTERIAL_DATE = datetime.date(2016, 3, 23)
DRAFT_DATE = datetime.date(2018, 8, 7)


@pytest.fixture
def record():
    """A published meeting with a row of every kind and an action due at the next ministerial
    conference; that conference, published, dating it, with an action of its own due at the next
    one; the next one, a draft; and rows to delete."""
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    som = MeetingTypeFactory(name="Senior Officials' Meeting", slug="som")
    australia = ParticipantFactory(name="Australia", slug="australia")
    indonesia = ParticipantFactory(name="Indonesia", slug="indonesia", country="ID")
    ParticipantAliasFactory(participant=australia, name="Commonwealth of Australia")
    MembershipFactory(participant=australia)
    theme = ThemeFactory(name="People smuggling", slug="people-smuggling")
    meeting = MeetingFactory(
        meeting_type=som, slug="som-8", title="Eighth SOM", start_date=SOM_DATE, themes=[theme]
    )
    AttendanceFactory(meeting=meeting, participant=australia)
    document = DocumentFactory(meeting=meeting)
    outcome = OutcomeFactory(meeting=meeting, position=1)
    action_item = ActionItemFactory(outcome=outcome, due_at_next=ministerial, title="Report to Ministers")
    ActionOwnerFactory(action_item=action_item, participant=australia)
    ProgressUpdateFactory(action_item=action_item)
    conference = MeetingFactory(
        meeting_type=ministerial, slug="ministerial-6", title="Sixth Ministerial", start_date=MINISTERIAL_DATE
    )
    # Set off at the conference, due at the next one: the draft, once it is published.
    later_action = ActionItemFactory(
        outcome=OutcomeFactory(meeting=conference, position=1), due_at_next=ministerial, title="Follow up"
    )
    ActionItem.objects.date_by_next_meetings()
    draft = MeetingFactory(
        meeting_type=ministerial,
        slug="ministerial-7",
        title="Seventh Ministerial",
        start_date=DRAFT_DATE,
        published_at=None,
    )
    # To be deleted: nothing protects them, and they take no progress update with them (no one may
    # delete an entry of an action's timeline).
    spare_outcome = OutcomeFactory(meeting=meeting, position=2)
    ActionItemFactory(outcome=spare_outcome)
    spare_action_item = ActionItemFactory(outcome=outcome, title="Redundant")
    nowhere = ParticipantFactory(name="Nowhere", slug="nowhere")
    unused_type = MeetingTypeFactory(name="Unused", slug="unused")
    return SimpleNamespace(**locals())


@pytest.fixture
def audit():
    """Enter it around the write alone: the factories of a test's set-up write outside transactions."""
    return VersionAudit()


def assert_every_write_moved_the_version(audit):
    assert audit.public_writes, "the path wrote nothing public, so it proves nothing"
    assert audit.failures == []


def due(action_item):
    action_item.refresh_from_db()
    return action_item.due_date, action_item.due_precision


def admin_url(model, name, *args):
    return reverse(f"admin:meetings_{model._meta.model_name}_{name}", args=args)


def submit(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    return response


def form_errors(response):
    """Why an admin form page did not save: its form's and inlines' errors."""
    if not response.context or "adminform" not in response.context:
        return response.content.decode()[:2000]
    errors = [response.context["adminform"].form.errors.as_text()]
    for inline in response.context["inline_admin_formsets"]:
        errors.append(f"{inline.formset.prefix}: {inline.formset.errors} {inline.formset.non_form_errors()}")
    return errors


# Change forms: the page posted back with a change, its inline rows included -------------------


def change(client, instance, **changes):
    url = admin_url(type(instance), "change", instance.pk)
    page = client.get(url)
    assert page.status_code == 200
    data = posted(page)
    data.update({name: [value] for name, value in changes.items()})
    return submit(client, url, data)


def change_meeting(client, record):
    change(
        client,
        record.meeting,
        title="Eighth SOM, as corrected",
        **{"attendances-0-note": "Co-chair", "outcomes-0-text": "Members agreed, as corrected."},
    )


def change_outcome(client, record):
    change(client, record.outcome, text="Agreed again.", **{"action_items-0-title": "Report back"})


def change_action_item(client, record):
    url = admin_url(ActionItem, "change", record.action_item.pk)
    page = client.get(url)
    data = posted(page)
    data.update({"title": ["Report to Ministers in writing"], "ownerships-0-role": ["support"]})
    add_inline_rows(page, data, "progress_updates", [{"status": "in_progress", "note": "Drafted."}])
    submit(client, url, data)


def change_participant(client, record):
    change(client, record.australia, name="Australia (Commonwealth)", **{"aliases-0-name": "Oz"})


def change_attendance(client, record):
    change(client, record.meeting.attendances.get(), person="The Foreign Minister")


def change_document(client, record):
    change(client, record.document, title="Co-Chairs' Statement, revised")


def change_membership(client, record):
    change(client, record.australia.memberships.get(), note="A founding member.")


def change_meeting_type(client, record):
    change(client, record.som, name="Senior Officials Meeting")


def change_theme(client, record):
    change(client, record.theme, name="Smuggling of people")


def publish_in_the_form(client, record):
    """A publisher gives the draft conference a publication time: it dates the action now."""
    change(client, record.draft, **{"published_at_0": "2018-01-01", "published_at_1": "00:00:00"})
    assert due(record.later_action) == (DRAFT_DATE, "day")


def unpublish_in_the_form(client, record):
    """A publisher clears the conference's publication time: the date it gave goes with it."""
    change(client, record.conference, **{"published_at_0": "", "published_at_1": ""})
    assert due(record.action_item) == (None, "")


def move_the_conference(client, record):
    change(client, record.conference, start_date="2016-03-30", end_date="2016-03-30")
    assert due(record.action_item) == (datetime.date(2016, 3, 30), "day")


# Add forms, with new inline rows ------------------------------------------------------------------


def add(client, model, fields, rows=None):
    url = admin_url(model, "add")
    page = client.get(url)
    assert page.status_code == 200
    data = posted(page)
    data.update({name: [value] for name, value in fields.items()})
    for prefix, new_rows in (rows or {}).items():
        add_inline_rows(page, data, prefix, new_rows)
    return submit(client, url, data)


def add_meeting(client, record):
    add(
        client,
        Meeting,
        {
            "meeting_type": str(record.som.pk),
            "title": "Ninth SOM",
            "slug": "som-9",
            "start_date": "2015-03-01",
            "published_at_0": "2015-03-02",
            "published_at_1": "00:00:00",
        },
        {
            "attendances": [{"participant": str(record.indonesia.pk), "role": "co_chair"}],
            "outcomes": [{"kind": "agreed", "text": "First."}, {"kind": "noted", "text": "Second."}],
            "documents": [{"title": "Statement", "kind": "co_chairs_statement", "url": "https://x.org/s"}],
        },
    )


def add_outcome(client, record):
    add(
        client,
        Outcome,
        {"meeting": str(record.meeting.pk), "kind": "tasked", "text": "Tasked the RSO."},
        {"action_items": [{"title": "Run a workshop", "lead_owners": str(record.indonesia.pk)}]},
    )


def add_action_item(client, record):
    add(
        client,
        ActionItem,
        {
            "outcome": str(record.outcome.pk),
            "title": "Write the report",
            "due_at_next": str(record.ministerial.pk),
        },
        {
            "ownerships": [{"participant": str(record.indonesia.pk)}],
            "progress_updates": [{"status": "in_progress", "note": "Begun."}],
        },
    )


def add_participant(client, record):
    add(
        client,
        Participant,
        {"name": "Viet Nam", "slug": "viet-nam", "kind": "state", "country": "VN"},
        {"aliases": [{"name": "Vietnam"}], "memberships": [{"status": "member", "start_date": "2002-02-26"}]},
    )


def add_attendance(client, record):
    add(client, Attendance, {"meeting": str(record.meeting.pk), "participant": str(record.indonesia.pk)})


def add_document(client, record):
    add(client, Document, {"meeting": str(record.meeting.pk), "title": "Report", "url": "https://x.org/r"})


def add_membership(client, record):
    add(client, Membership, {"participant": str(record.indonesia.pk), "status": "co_chair"})


def add_meeting_type(client, record):
    add(client, MeetingType, {"name": "Workshop", "slug": "workshop"})


def add_theme(client, record):
    add(client, Theme, {"name": "Border management", "slug": "border-management"})


def add_progress_update(client, record):
    add(client, ProgressUpdate, {"action_item": str(record.action_item.pk), "status": "completed"})


# Bulk actions, deletes and the other admin pages --------------------------------------------------


def bulk(client, model, action, instances, **extra):
    url = admin_url(model, "changelist")
    data = {"action": action, "_selected_action": [str(instance.pk) for instance in instances], **extra}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def publish_now(client, record):
    bulk(client, Meeting, "publish_now", [record.draft, record.meeting])
    assert due(record.later_action) == (DRAFT_DATE, "day")


def return_to_draft(client, record):
    bulk(client, Meeting, "return_to_draft", [record.conference])
    assert due(record.action_item) == (None, "")


def mark_completed(client, record):
    today = timezone.localdate().isoformat()
    bulk(client, ActionItem, "mark_completed", [record.action_item], apply="1", date=today, note="Done.")


def mark_in_progress(client, record):
    today = timezone.localdate().isoformat()
    bulk(client, ActionItem, "mark_in_progress", [record.action_item], apply="1", date=today)


def mark_cancelled(client, record):
    today = timezone.localdate().isoformat()
    bulk(client, ActionItem, "mark_cancelled", [record.action_item], apply="1", date=today)


DELETED = [Meeting, Attendance, Document, Outcome, ActionItem, Participant, Membership, MeetingType, Theme]


def deletable(record, model):
    """A row of ``model`` that the admin may delete."""
    return {
        Meeting: lambda: record.conference,
        Attendance: lambda: record.meeting.attendances.get(),
        Document: lambda: record.document,
        Outcome: lambda: record.spare_outcome,
        ActionItem: lambda: record.spare_action_item,
        Participant: lambda: record.nowhere,
        Membership: lambda: record.australia.memberships.get(),
        MeetingType: lambda: record.unused_type,
        Theme: lambda: record.theme,
    }[model]()


def delete_in_bulk(model):
    def path(client, record):
        instance = deletable(record, model)
        bulk(client, model, "delete_selected", [instance], post="yes")
        assert not model.objects.filter(pk=instance.pk).exists()

    path.__name__ = f"delete_{model._meta.model_name}_in_bulk"
    return path


def delete_page(model):
    def path(client, record):
        instance = deletable(record, model)
        response = client.post(admin_url(model, "delete", instance.pk), {"post": "yes"})
        assert response.status_code == 302
        assert not model.objects.filter(pk=instance.pk).exists()

    path.__name__ = f"delete_{model._meta.model_name}_page"
    return path


def reorder_meeting_types(client, record):
    url = admin_url(MeetingType, "changelist")
    data = posted(client.get(url), form_id="changelist-form")
    data["form-0-position"] = ["7"]
    data["_save"] = ["Save"]
    assert client.post(url, data).status_code == 302
    assert MeetingType.objects.filter(position=7).exists()


def paste_attendance(client, record):
    url = reverse("admin:meetings_meeting_paste_attendance", args=[record.meeting.pk])
    response = client.post(url, {"text": "Representatives from Indonesia attended.", "role": "member"})
    assert response.status_code == 200
    assert record.meeting.attendances.filter(participant=record.indonesia).exists()


def revert(client, instance, version):
    url = admin_url(type(instance), "revision", instance.pk, version.pk)
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"digest": page.context["form"].initial["digest"]})
    assert response.status_code == 302, response.content.decode()[:2000]


def revert_the_conference_date(client, record):
    """Moved since; reverted, it gives the action its old date back.

    The revert dates actions in its own transaction, which must move the version."""
    version = first_version(record.conference)
    move_the_conference(client, record)
    assert due(record.action_item) == (datetime.date(2016, 3, 30), "day")
    revert(client, record.conference, version)
    assert due(record.action_item) == (MINISTERIAL_DATE, "day")


def revert_an_outcome(client, record):
    version = first_version(record.outcome)
    change_outcome(client, record)
    revert(client, record.outcome, version)


def revert_an_action_item(client, record):
    version = first_version(record.action_item)
    change(client, record.action_item, title="Renamed")
    revert(client, record.action_item, version)


def revert_a_participant(client, record):
    version = first_version(record.australia)
    change_participant(client, record)
    revert(client, record.australia, version)


def records_file(record):
    document = json.loads(dumps(build_records()))
    meeting = next(meeting for meeting in document["meetings"] if meeting["slug"] == "som-8")
    meeting["title"] = "Eighth SOM, as imported"
    meeting["outcomes"][0]["actions"][0]["title"] = "Report to Ministers, as imported"
    return json.dumps(document)


def import_records_page(client, record):
    applied = import_records(client, records_file(record))
    assert applied.context["job"].status == "SUCCESSFUL"
    assert Meeting.objects.filter(title="Eighth SOM, as imported").exists()


WRITE_PATHS = [
    change_meeting,
    change_outcome,
    change_action_item,
    change_participant,
    change_attendance,
    change_document,
    change_membership,
    change_meeting_type,
    change_theme,
    publish_in_the_form,
    unpublish_in_the_form,
    move_the_conference,
    add_meeting,
    add_outcome,
    add_action_item,
    add_participant,
    add_attendance,
    add_document,
    add_membership,
    add_meeting_type,
    add_theme,
    add_progress_update,
    publish_now,
    return_to_draft,
    mark_in_progress,
    mark_completed,
    mark_cancelled,
    *(delete_in_bulk(model) for model in DELETED),
    *(delete_page(model) for model in DELETED),
    reorder_meeting_types,
    paste_attendance,
    revert_the_conference_date,
    revert_an_outcome,
    revert_an_action_item,
    revert_a_participant,
    import_records_page,
]


@pytest.mark.parametrize("path", WRITE_PATHS, ids=lambda path: path.__name__)
def test_every_write_path_moves_the_version_before_it_commits(path, record, editor_client, audit):
    """The audit reads the version at the start of each transaction and at its COMMIT, and notes
    each transaction, and each statement run outside one, that wrote a public table without it."""
    with audit:
        path(editor_client, record)
    assert_every_write_moved_the_version(audit)
    # And the tallies kept on write (meetings.tallies) followed, in the same transactions.
    assert_tallies_match_a_recount()


def test_the_records_import_command_moves_the_version_before_it_commits(record, audit, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(records_file(record))
    with audit:
        call_command("import_records", str(path), stdout=io.StringIO())
    assert Meeting.objects.filter(title="Eighth SOM, as imported").exists()
    assert_every_write_moved_the_version(audit)
    assert_tallies_match_a_recount()


def test_generating_records_anew_moves_the_version_before_it_commits(record, audit):
    """``generate_records --replace`` deletes the generated meetings with their parts, moving the
    version once for all of them (``versions.deferred``), in the transaction of the deletion."""
    call_command("generate_records", meetings=3, seed=2, stdout=io.StringIO())
    with audit:
        call_command("generate_records", meetings=3, seed=2, replace=True, stdout=io.StringIO())
    assert len(audit.public_writes) == 2
    assert_every_write_moved_the_version(audit)
    assert_tallies_match_a_recount()


def test_dating_actions_by_their_next_meetings_moves_the_version_before_it_commits(record, audit):
    """The queryset method as any caller uses it: a bulk update, which sends no signal."""
    moved = datetime.date(2016, 4, 1)
    Meeting.objects.filter(pk=record.conference.pk).update(start_date=moved, end_date=moved)
    versions.bump()  # the set-up's own write
    tallies.refresh(ActionItem.objects.values_list("pk", flat=True))
    with audit:
        assert ActionItem.objects.date_by_next_meetings() == [record.action_item]
    assert due(record.action_item) == (datetime.date(2016, 4, 1), "day")
    assert_every_write_moved_the_version(audit)
    assert_tallies_match_a_recount()


def test_a_scheduled_publication_coming_due_moves_the_version_and_dates_actions(record, audit):
    """Nothing is written when the time comes: the next read moves the version, and dates the
    actions due at the next meeting of its type, in one transaction."""
    reader = Client()
    Meeting.objects.filter(pk=record.conference.pk).update(published_at=None)
    ActionItem.objects.update(due_date=None, due_precision="")
    # Scheduled a minute from now, as the admin would; then the minute passes (without a write).
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Meeting.objects.filter(pk=record.draft.pk).update(published_at=soon)
    versions.bump()
    assert RecordVersion.objects.get().next_publication_at == soon
    assert "Seventh Ministerial" not in reader.get("/meetings/").text
    passed = timezone.now() - datetime.timedelta(seconds=1)
    Meeting.objects.filter(pk=record.draft.pk).update(published_at=passed)
    RecordVersion.objects.update(next_publication_at=passed)
    before = RecordVersion.objects.get().counter

    with audit:
        page = reader.get("/meetings/")

    assert "Seventh Ministerial" in page.text
    assert RecordVersion.objects.get().counter > before
    assert RecordVersion.objects.get().next_publication_at is None
    assert due(record.action_item) == (DRAFT_DATE, "day")
    assert_every_write_moved_the_version(audit)


def test_the_audit_fails_a_write_that_commits_without_the_version(record, audit):
    """The audit itself: an update without a bump, in a transaction and on its own."""
    with audit:
        with transaction.atomic():
            Meeting.objects.filter(pk=record.meeting.pk).update(title="Quietly renamed")
        Outcome.objects.filter(pk=record.outcome.pk).update(text="Quietly reworded.")
        with transaction.atomic():
            Theme.objects.filter(pk=record.theme.pk).update(name="Renamed, with the version")
            versions.bump()
        with transaction.atomic():
            Meeting.objects.filter(pk=record.meeting.pk).update(title="Rolled back")
            transaction.set_rollback(True)
    first, second = audit.failures
    assert first == "a transaction wrote meetings_meeting and committed without the version"
    assert second.startswith('UPDATE "meetings_outcome"')
    assert second.endswith("(committed on its own, outside any transaction)")
    assert audit.public_writes == [{"meetings_meeting"}, {"meetings_outcome"}, {"meetings_theme"}]


# Unpublishing takes back the due dates a meeting gave, in the transaction that unpublishes it ------


def written_together(audit, *tables):
    """Whether one committed transaction wrote every one of ``tables``."""
    return any(set(tables) <= written for written in audit.public_writes)


def test_returning_a_meeting_to_draft_takes_back_the_due_dates_it_gave(record, editor_client, audit):
    elsewhere = ActionItemFactory(
        outcome=record.outcome, due_at_next=record.som, due_date=MINISTERIAL_DATE, due_precision="day"
    )
    with audit:
        return_to_draft(editor_client, record)
    assert due(record.action_item) == (None, "")
    assert due(elsewhere) == (MINISTERIAL_DATE, "day")  # due at the next meeting of another type
    assert written_together(audit, "meetings_meeting", "meetings_actionitem")
    assert_every_write_moved_the_version(audit)


def test_an_action_whose_next_meeting_is_unpublished_takes_the_one_after(record, editor_client, audit):
    Meeting.objects.filter(pk=record.draft.pk).update(published_at=timezone.now())
    with audit:
        bulk(editor_client, Meeting, "return_to_draft", [record.conference])
    assert due(record.action_item) == (DRAFT_DATE, "day")
    assert written_together(audit, "meetings_meeting", "meetings_actionitem")


def test_a_publisher_clearing_the_publication_time_takes_back_the_due_dates(record, editor_client, audit):
    with audit:
        unpublish_in_the_form(editor_client, record)
    assert due(record.action_item) == (None, "")
    assert written_together(audit, "meetings_meeting", "meetings_actionitem")
    assert_every_write_moved_the_version(audit)


def test_cancelling_or_deleting_the_next_meeting_takes_back_its_due_dates(record, editor_client):
    change(editor_client, record.conference, status="cancelled")
    assert due(record.action_item) == (None, "")
    change(editor_client, record.conference, status="held")
    assert due(record.action_item) == (MINISTERIAL_DATE, "day")
    delete_page(Meeting)(editor_client, record)
    assert due(record.action_item) == (None, "")


def test_a_draft_saved_leaves_a_due_date_it_never_gave(record, editor_client):
    """Only a meeting that was public gave dates: a date typed by hand is an editor's."""
    ActionItem.objects.filter(pk=record.later_action.pk).update(due_date=DRAFT_DATE, due_precision="day")
    change(editor_client, record.draft, title="Seventh Ministerial Conference")
    assert due(record.later_action) == (DRAFT_DATE, "day")


@pytest.mark.parametrize("how", ["delete_selected", "delete page"])
def test_deleting_meetings_moves_the_version_once_and_keeps_the_tallies(record, editor_client, how):
    """A meeting's delete cascades to every part: the version moves once for all of them, and the
    tallies lose the actions' shares in one pass, not a round of queries for each row."""
    meeting = MeetingFactory(meeting_type=record.som, slug="som-9", title="Ninth SOM")
    AttendanceFactory(meeting=meeting, participant=record.australia)
    for position in range(1, 7):
        outcome = OutcomeFactory(meeting=meeting, position=position)
        for _ in range(3):
            ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome), participant=record.indonesia)
    with CaptureQueriesContext(connection) as queries:
        if how == "delete page":
            url = admin_url(Meeting, "delete", meeting.pk)
            assert editor_client.post(url, {"post": "yes"}).status_code == 302
        else:
            bulk(editor_client, Meeting, "delete_selected", [meeting, record.conference], post="yes")
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    moved = [query for query in queries if query["sql"].startswith('UPDATE "meetings_recordversion"')]
    assert len(moved) == 1
    assert_tallies_match_a_recount()
