"""Reverting a record to one of its versions from its history page, with its parts, by its rules."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains
from reversion.models import Revision, Version

from meetings import revisions
from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Meeting,
    Outcome,
    OwnerRole,
    ParticipantAlias,
    ProgressUpdate,
)
from meetings.roles import EDITOR, PUBLISHER
from tests.admin_forms import staff_in
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db


def saved(*records, comment="A save."):
    """Save ``records`` as one revision, as a page or an import does; the version of the first."""
    with revisions.revision(comment=comment):
        for record in records:
            record.save()
    return Version.objects.get_for_object(records[0]).first()


def revert_url(record, version):
    return reverse(f"admin:meetings_{record._meta.model_name}_revision", args=[record.pk, version.pk])


def confirm(client, record, version):
    """Open the revert page of ``version`` and confirm it as shown; the answer to the POST."""
    url = revert_url(record, version)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"digest": page.context["form"].initial["digest"]})


@pytest.fixture
def meeting_then():
    """A draft meeting with attendance, an outcome with an owned action in progress, and its version."""
    meeting = MeetingFactory(published_at=None, summary="As it was.")
    canada = AttendanceFactory(meeting=meeting, role=AttendanceRole.OBSERVER)
    outcome = OutcomeFactory(meeting=meeting, position=1, text="Agreed to meet.")
    action_item = ActionItemFactory(outcome=outcome, title="Meet", status=ActionStatus.IN_PROGRESS)
    ActionOwnerFactory(action_item=action_item)
    ProgressUpdateFactory(action_item=action_item, status=ActionStatus.IN_PROGRESS, note="Begun.")
    version = saved(meeting)
    return meeting, canada, outcome, version


def test_the_revert_page_lists_what_would_change_and_writes_nothing(editor_client, meeting_then):
    meeting, canada, outcome, version = meeting_then
    meeting.summary = "Changed since."
    saved(meeting)
    AttendanceFactory(meeting=meeting)
    outcome.delete()
    revisions_before = Revision.objects.count()

    page = editor_client.get(revert_url(meeting, version))

    assert page.status_code == 200
    assertContains(page, "<strong>Summary:</strong> Changed since. (now) → As it was.", html=True)
    assertContains(page, "1 removed (added since this version)")
    assertContains(page, "1 brought back (deleted since this version)")
    assert Revision.objects.count() == revisions_before
    assert Meeting.objects.get().summary == "Changed since."


def test_a_meeting_reverts_with_its_parts_and_the_revert_is_an_entry_with_its_reason(
    editor_client, meeting_then
):
    meeting, canada, outcome, version = meeting_then
    old_ids = (outcome.pk, outcome.action_items.get().pk)
    meeting.summary = "Changed since."
    meeting.published_at = None
    saved(meeting)
    added = AttendanceFactory(meeting=meeting)
    canada.role = AttendanceRole.MEMBER
    canada.save()
    outcome.delete()

    response = confirm(editor_client, meeting, version)

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == "As it was."
    assert not Attendance.objects.filter(pk=added.pk).exists()
    assert Attendance.objects.get(pk=canada.pk).role == AttendanceRole.OBSERVER
    outcome = Outcome.objects.get()
    action_item = outcome.action_items.get()
    assert (outcome.pk, action_item.pk) == old_ids
    assert action_item.ownerships.count() == 1
    assert action_item.progress_updates.get().note == "Begun."
    revision = Version.objects.get_for_object(meeting).first().revision
    assert revision.comment.startswith("Reverted to the version of ")
    assert revision.user.username == "editor"


def test_publication_is_never_reverted(editor_client, meeting_then):
    meeting, _canada, _outcome, version = meeting_then
    meeting.summary = "Changed since."
    saved(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(published_at="2020-01-01T00:00:00Z")

    confirm(editor_client, meeting, version)

    meeting.refresh_from_db()
    assert meeting.summary == "As it was."
    assert meeting.published_at is not None


def test_a_revert_confirmed_on_a_stale_page_writes_nothing(editor_client, meeting_then):
    meeting, _canada, _outcome, version = meeting_then
    meeting.summary = "Changed since."
    saved(meeting)
    url = revert_url(meeting, version)
    page = editor_client.get(url)
    meeting.summary = "Changed again, by someone else."
    saved(meeting)

    response = editor_client.post(url, {"digest": page.context["form"].initial["digest"]}, follow=True)

    assertContains(response, "The record changed since this page was opened. Nothing was written")
    assert Meeting.objects.get().summary == "Changed again, by someone else."


def test_an_action_item_reverts_its_fields_themes_and_owners_and_records_its_status_going_back(editor_client):
    action_item = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)),
        title="As it was",
        status=ActionStatus.NOT_STARTED,
    )
    theme = ThemeFactory()
    action_item.themes.add(theme)
    lead = ActionOwnerFactory(action_item=action_item, role=OwnerRole.LEAD)
    version = saved(action_item)
    with revisions.revision():
        action_item.title = "Changed since"
        action_item.save()
        action_item.themes.clear()
        lead.delete()
        ActionOwnerFactory(action_item=action_item)
        action_item.change_status(ActionStatus.COMPLETED, by=None, note="Done.")

    response = confirm(editor_client, action_item, version)

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert action_item.title == "As it was"
    assert list(action_item.themes.all()) == [theme]
    assert list(action_item.ownerships.values_list("participant_id", "role")) == [
        (lead.participant_id, "lead")
    ]
    assert action_item.status == ActionStatus.NOT_STARTED
    notes = list(action_item.progress_updates.order_by("pk").values_list("status", "note"))
    # The update since stays, and a new one records the status going back, with the reason.
    assert notes[0] == (ActionStatus.COMPLETED, "Done.")
    assert notes[1][0] == ActionStatus.NOT_STARTED
    assert notes[1][1].startswith("Reverted to the version of ")


def test_an_outcome_revert_keeps_an_action_item_added_since_that_has_progress_updates(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None), text="As it was.")
    deleted = ActionItemFactory(outcome=outcome, title="Deleted since")
    version = saved(outcome)
    with revisions.revision():
        deleted.delete()
        kept = ActionItemFactory(outcome=outcome, title="Added since, with progress")
        ProgressUpdateFactory(action_item=kept)
        gone = ActionItemFactory(outcome=outcome, title="Added since")
        outcome.text = "Changed since."
        outcome.save()

    page = editor_client.get(revert_url(outcome, version))
    assertContains(page, "Added since, but it stays: it has progress updates")
    confirm(editor_client, outcome, version)

    titles = set(ActionItem.objects.values_list("title", flat=True))
    assert titles == {"Deleted since", "Added since, with progress"}
    assert not ActionItem.objects.filter(pk=gone.pk).exists()
    assert Outcome.objects.get().text == "As it was."
    assert ProgressUpdate.objects.count() == 1


def test_a_participant_reverts_its_other_names_unless_another_now_goes_by_one(editor_client):
    participant = ParticipantFactory(name="Viet Nam")
    alias = ParticipantAliasFactory(participant=participant, name="Vietnam")
    kept = ParticipantAliasFactory(participant=participant, name="VN")
    version = saved(participant)
    with revisions.revision():
        alias.delete()
        kept.delete()
        ParticipantAliasFactory(participant=ParticipantFactory(name="Someone else"), name="VN")

    page = editor_client.get(revert_url(participant, version))
    assertContains(page, "It does not come back")
    confirm(editor_client, participant, version)

    names = dict(ParticipantAlias.objects.values_list("name", "participant__name"))
    assert names == {"Vietnam": "Viet Nam", "VN": "Someone else"}


def test_an_outcome_keeps_its_number_where_another_outcome_now_holds_it(editor_client):
    meeting = MeetingFactory(published_at=None)
    outcome = OutcomeFactory(meeting=meeting, position=1)
    version = saved(outcome)
    with revisions.revision():
        outcome.position = 2
        outcome.save()
        OutcomeFactory(meeting=meeting, position=1)

    page = editor_client.get(revert_url(outcome, version))

    assertContains(page, "It keeps its value")
    confirm(editor_client, outcome, version)
    assert Outcome.objects.get(pk=outcome.pk).position == 2


def test_a_document_reverts_its_own_fields(editor_client):
    document = DocumentFactory(meeting=MeetingFactory(published_at=None), title="As it was")
    version = saved(document)
    document.title = "Changed since"
    saved(document)

    confirm(editor_client, document, version)

    document.refresh_from_db()
    assert document.title == "As it was"


@pytest.fixture
def staff(client, django_user_model):
    def login(role):
        client.force_login(staff_in(role, django_user_model))
        return client

    return login


@pytest.mark.parametrize("published", [True, False])
def test_an_editor_cannot_revert_what_is_published_and_a_publisher_can(staff, meeting_then, published):
    meeting, _canada, outcome, version = meeting_then
    outcome_version = saved(outcome)
    if published:
        Meeting.objects.filter(pk=meeting.pk).update(published_at="2020-01-01T00:00:00Z")
    outcome.text = "Changed since."
    saved(outcome)
    editor = staff(EDITOR)

    page = editor.get(revert_url(outcome, outcome_version))

    if published:
        assertContains(page, "is public or scheduled to be: only a publisher may change it")
        assert editor.post(revert_url(outcome, outcome_version), {"digest": "x" * 64}).status_code == 403
        assert Outcome.objects.get().text == "Changed since."
        publisher = staff(PUBLISHER)
        confirm(publisher, outcome, outcome_version)
    else:
        confirm(editor, outcome, outcome_version)
    assert Outcome.objects.get().text == "Agreed to meet."


def test_a_revert_page_costs_the_same_queries_for_few_and_many_changes(editor_client):
    def build(count):
        meeting = MeetingFactory(published_at=None)
        outcomes = [OutcomeFactory(meeting=meeting) for _ in range(count)]
        for outcome in outcomes:
            ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome))
        version = saved(meeting)
        with revisions.revision():
            for outcome in outcomes:
                outcome.text = "Changed since."
                outcome.save()
            for _ in range(count):
                AttendanceFactory(meeting=meeting)
        return revert_url(meeting, version)

    assert queries_to_get(editor_client, build(1)) == queries_to_get(editor_client, build(9))


def test_an_owner_removed_since_comes_back_with_its_role(editor_client):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    support = ActionOwnerFactory(action_item=action_item, role=OwnerRole.SUPPORT)
    old_id = support.pk
    version = saved(action_item)
    with revisions.revision():
        support.delete()

    confirm(editor_client, action_item, version)

    assert list(ActionOwner.objects.values_list("pk", "role")) == [(old_id, OwnerRole.SUPPORT)]
