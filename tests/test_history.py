"""History as revisions: one save is one revision of the record with its parts, shown in words."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Revision, Version

from meetings import revisions
from meetings.models import (
    ActionItem,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Meeting,
    MeetingType,
    Outcome,
    Participant,
)
from meetings.records import RecordsImport, build_records, dumps, parse_records
from tests.admin_forms import first_version, post_admin_form
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MembershipFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db


def change_url(record):
    return reverse(f"admin:meetings_{record._meta.model_name}_change", args=[record.pk])


def history_url(record):
    return reverse(f"admin:meetings_{record._meta.model_name}_history", args=[record.pk])


def versions_of(record):
    return Version.objects.get_for_object(record)


@pytest.fixture
def draft_meeting():
    meeting = MeetingFactory(published_at=None, summary="First words.", venue="Old hall")
    outcome = OutcomeFactory(meeting=meeting, position=1, text="The Co-Chairs agreed to meet again.")
    ActionItemFactory(outcome=outcome, title="Meet again", status=ActionStatus.NOT_STARTED)
    first_version(meeting)
    return meeting


def test_one_admin_save_with_its_inlines_is_one_revision_naming_the_editor(editor_client, draft_meeting):
    australia = ParticipantFactory(name="Australia")
    before = Revision.objects.count()

    response = post_admin_form(
        editor_client,
        change_url(draft_meeting),
        {
            "summary": "Second words.",
            "attendances-0-participant": australia.pk,
            "attendances-0-role": AttendanceRole.CO_CHAIR,
        },
    )

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Revision.objects.count() == before + 1
    revision = versions_of(draft_meeting).first().revision
    assert revision.user.username == "editor"
    held = {version.content_type.model for version in revision.version_set.all()}
    # The meeting with its parts, down to its actions.
    assert {"meeting", "attendance", "outcome", "actionitem"} <= held


def test_the_timeline_says_each_change_in_words(editor_client, draft_meeting):
    australia = ParticipantFactory(name="Australia")
    theme = ThemeFactory(name="Trafficking in persons")
    post_admin_form(
        editor_client,
        change_url(draft_meeting),
        {
            "summary": "Second words.",
            "themes": [theme.pk],
            "attendances-0-participant": australia.pk,
            "attendances-0-role": AttendanceRole.CO_CHAIR,
        },
    )

    page = editor_client.get(history_url(draft_meeting))

    assertContains(page, "<strong>Summary:</strong> First words. → Second words.", html=True)
    assertContains(page, "<strong>Themes:</strong> added Trafficking in persons", html=True)
    assertContains(page, "Attendance “Australia")
    assertContains(page, ": added")
    assertContains(page, "The first version kept.")


def test_an_outcome_saved_on_its_own_page_is_an_entry_of_its_meeting_and_of_itself(
    editor_client, draft_meeting
):
    outcome = draft_meeting.outcomes.get()
    first_version(outcome)
    meeting_versions = versions_of(draft_meeting).count()

    response = post_admin_form(
        editor_client, change_url(outcome), {"text": "The Co-Chairs agreed to hold a forum."}
    )

    assert response.status_code == 302
    assert versions_of(draft_meeting).count() == meeting_versions + 1
    meeting_page = editor_client.get(history_url(draft_meeting))
    assertContains(
        meeting_page, "The Co-Chairs agreed to meet again. → The Co-Chairs agreed to hold a forum."
    )
    outcome_page = editor_client.get(history_url(outcome))
    assertContains(
        outcome_page, "The Co-Chairs agreed to meet again. → The Co-Chairs agreed to hold a forum."
    )


def test_a_progress_update_is_an_entry_of_its_action_but_not_of_its_meeting(editor_client, draft_meeting):
    action_item = ActionItem.objects.get()
    first_version(action_item)
    meeting_versions = versions_of(draft_meeting).count()

    with revisions.revision(comment="Progress"):
        action_item.change_status(ActionStatus.IN_PROGRESS, by=None, note="Planning has begun.")

    page = editor_client.get(history_url(action_item))
    assertContains(page, "<strong>Status:</strong> Not started → In progress", html=True)
    assertContains(page, "Progress update")
    assert versions_of(draft_meeting).count() == meeting_versions


def test_saves_of_what_holds_a_record_that_change_nothing_of_it_are_not_listed(editor_client, draft_meeting):
    action_item = ActionItem.objects.get()
    for summary in ("One.", "Two.", "Three."):
        post_admin_form(editor_client, change_url(draft_meeting), {"summary": summary})

    page = editor_client.get(history_url(action_item))

    assert [entry.first for entry in page.context["page_obj"].object_list] == [True]
    assertContains(page, "3 versions on this page are not listed")


def test_linking_a_related_meeting_is_an_entry_of_the_other_meeting_too(editor_client, draft_meeting):
    other = MeetingFactory(published_at=None, title="Bangkok workshop")
    first_version(other)

    post_admin_form(editor_client, change_url(draft_meeting), {"related_meetings": [other.pk]})

    page = editor_client.get(history_url(other))
    assertContains(page, f"<strong>Related meetings:</strong> added {draft_meeting}", html=True)


def test_deleting_an_outcome_on_its_own_page_is_an_entry_of_its_meeting(editor_client, draft_meeting):
    outcome = draft_meeting.outcomes.get()

    response = editor_client.post(
        reverse("admin:meetings_outcome_delete", args=[outcome.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Outcome.objects.exists()
    page = editor_client.get(history_url(draft_meeting))
    assertContains(page, "Outcome “")
    assertContains(page, ": removed")
    assert versions_of(draft_meeting).first().revision.user.username == "editor"


def test_a_bulk_action_is_one_revision_naming_its_user(editor_client, draft_meeting):
    other = MeetingFactory(published_at=None)
    before = Revision.objects.count()

    editor_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "publish_now", "_selected_action": [draft_meeting.pk, other.pk]},
    )

    assert Revision.objects.count() == before + 1
    revision = Revision.objects.order_by("-pk").first()
    assert revision.user.username == "editor"
    assert versions_of(draft_meeting).first().revision == revision == versions_of(other).first().revision


def test_an_import_is_one_entry_of_each_record_it_changes_naming_the_importer(
    django_user_model, draft_meeting
):
    user = django_user_model.objects.create_user("importer")
    document = build_records()
    document["meetings"][0]["summary"] = "Imported words."
    before = versions_of(draft_meeting).count()

    RecordsImport(parse_records(dumps(document))).apply(user=user)

    assert versions_of(draft_meeting).count() == before + 1
    revision = versions_of(draft_meeting).first().revision
    assert revision.user == user
    assert revision.comment == "Imported from a records file."
    assert Meeting.objects.get().summary == "Imported words."


def test_a_bulk_revision_holds_the_very_versions_that_adding_each_record_to_a_revision_would():
    theme, other_theme = ThemeFactory(), ThemeFactory()
    meeting = MeetingFactory(themes=[other_theme, theme], summary="Words \u201cquoted\u201d.")
    meeting.related_meetings.add(MeetingFactory(), MeetingFactory())
    AttendanceFactory(meeting=meeting, role=AttendanceRole.CO_CHAIR)
    AttendanceFactory(meeting=meeting)
    outcome = OutcomeFactory(meeting=meeting, position=1)
    outcome.themes.add(theme, other_theme)
    outcome.concerns.add(ParticipantFactory(), ParticipantFactory())
    outcome.documents.add(DocumentFactory(meeting=meeting), DocumentFactory(meeting=meeting))
    OutcomeFactory(meeting=meeting, position=2)
    for _ in range(2):
        action = ActionItemFactory(outcome=outcome, status=ActionStatus.IN_PROGRESS)
        action.themes.add(theme)
        ActionOwnerFactory(action_item=action)
        ProgressUpdateFactory(action_item=action, note="Begun.")
        ProgressUpdateFactory(action_item=action, status=ActionStatus.COMPLETED)

    def held(revision):
        return [
            (v.content_type_id, v.object_id, v.db, v.format, v.serialized_data, v.object_repr)
            for v in revision.version_set.order_by("pk")
        ]

    with revisions.revision(comment="One at a time"):
        revisions.add(Meeting.objects.get(pk=meeting.pk))
    in_bulk = revisions.BulkRevision(comment="In bulk")
    in_bulk.add(Meeting.objects.filter(pk=meeting.pk))

    one_at_a_time = held(Revision.objects.get(comment="One at a time"))
    assert len(one_at_a_time) == 1 + 2 + 2 + 2 + 2 * (1 + 1 + 2)
    assert held(in_bulk.revision) == one_at_a_time


def test_a_bulk_revision_of_participants_types_and_meetings_read_together_holds_the_same_versions():
    """Records read in one query each, with their parts (aliases; memberships, whose names read the
    body), and several meetings at once: each record's versions as adding it alone would write."""
    body = ForumBodyFactory()
    states = [ParticipantFactory(), ParticipantFactory()]
    for state in states:
        ParticipantAliasFactory(participant=state)
        MembershipFactory(participant=state)
        MembershipFactory(participant=state, body=body)
    meetings = [MeetingFactory(), MeetingFactory()]
    for meeting in meetings:
        AttendanceFactory(meeting=meeting, participant=states[0])
        AttendanceFactory(meeting=meeting, participant=states[1])
        action = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting))
        ActionOwnerFactory(action_item=action, participant=states[0])
    records = [
        Participant.objects.filter(pk__in=[body.pk, *(state.pk for state in states)]),
        MeetingType.objects.filter(pk__in=[meeting.meeting_type_id for meeting in meetings]),
        Meeting.objects.filter(pk__in=[meeting.pk for meeting in meetings]),
    ]

    def held(revision):
        return sorted(
            (v.content_type_id, v.object_id, v.serialized_data, v.object_repr)
            for v in revision.version_set.all()
        )

    with revisions.revision(comment="One at a time"):
        for queryset in records:
            revisions.add(*queryset.all())
    in_bulk = revisions.BulkRevision(comment="In bulk")
    for queryset in records:
        in_bulk.add(queryset.all())

    one_at_a_time = held(Revision.objects.get(comment="One at a time"))
    assert len(one_at_a_time) == 3 + 2 * (1 + 2) + 2 + 2 * (1 + 2 + 1 + 1 + 1)
    assert held(in_bulk.revision) == one_at_a_time


def test_a_history_page_costs_the_same_queries_for_one_and_twelve_rounds_of_changes(editor_client):
    def build(rounds):
        meeting = MeetingFactory(published_at=None)
        outcome = OutcomeFactory(meeting=meeting)
        action_item = ActionItemFactory(outcome=outcome)
        first_version(meeting)
        for index in range(rounds):
            with revisions.revision(comment=f"Round {index}"):
                meeting.summary = f"Round {index}"
                meeting.save()
                AttendanceFactory(meeting=meeting)
                outcome.text = f"Text {index}"
                outcome.save()
                action_item.change_status(
                    ActionStatus.IN_PROGRESS if index % 2 else ActionStatus.NOT_STARTED, by=None
                )
        return meeting, outcome, action_item

    few, many = build(1), build(12)
    for small, large in zip(few, many, strict=True):
        assert queries_to_get(editor_client, history_url(small)) == queries_to_get(
            editor_client, history_url(large)
        ), type(small).__name__


def test_an_attendance_row_keeps_its_own_history(editor_client, draft_meeting):
    row = AttendanceFactory(meeting=draft_meeting, role=AttendanceRole.MEMBER)
    first_version(row)

    post_admin_form(editor_client, change_url(row), {"role": AttendanceRole.OBSERVER})

    page = editor_client.get(history_url(row))
    assertContains(page, "<strong>Role:</strong> Member → Observer", html=True)
    assert Attendance.objects.get().role == AttendanceRole.OBSERVER


def test_a_progress_update_recorded_without_history_is_not_invented(editor_client):
    meeting = MeetingFactory(published_at=None)
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting))
    ProgressUpdateFactory(action_item=action_item)

    page = editor_client.get(history_url(action_item))

    assertContains(page, "This record has no history yet.")
    assertNotContains(page, "Progress update “")
