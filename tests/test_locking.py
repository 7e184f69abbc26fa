"""Two editors saving the same record: the second is told, and nothing of theirs overwrites the first.

Every change form carries the version of what it shows (the record and each of its inline rows) as it
was opened; these tests drive the admin's own pages with two logged-in editors, "editor" (A) and
"second" (B), as two browsers would.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from meetings.admin.locking import last_change
from meetings.admin.meetings import _set_published_at
from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    Meeting,
    MeetingType,
    Membership,
    MembershipStatus,
    Outcome,
    OwnerRole,
    Participant,
)
from tests.admin_forms import change_page, form_values, opened_form, value_of
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OutcomeFactory,
    ParticipantFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

NOTHING_SAVED = "since you opened it. Nothing was saved: open it again"


@pytest.fixture
def second_editor_client(django_user_model):
    user = django_user_model.objects.create_superuser("second", "second@example.org", "a-long-password-2")
    other = Client()
    other.force_login(user)
    return other


def save(client, page, opened, **typed):
    """Post the form ``opened`` back to the change ``page`` with what the editor ``typed`` into it."""
    return client.post(page, {**opened, **{name: [value] for name, value in typed.items()}})


def refusal(response):
    """The one error of the refused main form."""
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.non_field_errors()
    return error


def row_errors(response, prefix):
    """The errors of each row of the inline ``prefix``, in order."""
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    return [list(form.non_field_errors()) for form in formset.initial_forms]


def test_the_second_of_two_saves_from_the_same_version_is_refused(editor_client, second_editor_client):
    meeting = MeetingFactory(summary="As opened.")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    first_form = opened_form(editor_client, url)
    second_form = opened_form(second_editor_client, url)

    first = save(editor_client, url, first_form, summary="The first editor's words.")
    second = save(second_editor_client, url, second_form, summary="The second editor's words.")

    assert first.status_code == 302
    assert second.status_code == 200
    errors = second.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("This meeting was changed by editor at ")
    assert "since you opened it. Nothing was saved" in errors[0]
    assert "Nothing was saved" in second.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).summary == "The first editor's words."


def test_saving_again_after_reopening_the_form_works(editor_client):
    meeting = MeetingFactory()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    assert save(editor_client, url, opened_form(editor_client, url), summary="One.").status_code == 302
    assert save(editor_client, url, opened_form(editor_client, url), summary="Two.").status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).summary == "Two."


def test_a_meeting_saved_elsewhere_after_the_form_opened_is_not_overwritten(editor_client):
    meeting = MeetingFactory(summary="As opened.")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = opened_form(editor_client, url)
    meeting.summary = "Saved by an import meanwhile."
    meeting.save()

    response = save(editor_client, url, data, summary="Stale edit.")

    assert response.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).summary == "Saved by an import meanwhile."


# Each change form: B saves one field, then A, from the page opened before, saves another. --------------

CHANGE_FORMS = {
    "meeting": (
        lambda: MeetingFactory(summary="As opened."),
        ("summary", "B's summary"),
        ("venue", "A's venue"),
    ),
    "outcome": (
        lambda: OutcomeFactory(text="As opened."),
        ("text", "B's text"),
        ("addressed_to", "Ministers"),
    ),
    "action item": (
        lambda: ActionItemFactory(title="As opened"),
        ("title", "B's title"),
        ("description", "A's description"),
    ),
    "participant": (ParticipantFactory, ("description", "B's description"), ("short_name", "AS")),
    "document": (DocumentFactory, ("title", "B's title"), ("url", "https://example.org/a.pdf")),
    "membership": (
        lambda: MembershipFactory(status=MembershipStatus.MEMBER, start_date=datetime.date(2002, 2, 26)),
        ("note", "B's note"),
        ("source_url", "https://example.org/a"),
    ),
    "meeting type": (MeetingTypeFactory, ("description", "B's description"), ("plural_name", "A's plural")),
    "theme": (ThemeFactory, ("description", "B's description"), ("name", "A's name")),
    "attendance": (
        lambda: AttendanceFactory(role=AttendanceRole.MEMBER),
        ("person", "B's person"),
        ("note", "A's note"),
    ),
}


@pytest.mark.parametrize(("make", "by_b", "by_a"), CHANGE_FORMS.values(), ids=CHANGE_FORMS.keys())
def test_a_save_from_a_page_opened_before_another_editors_save_is_refused(
    editor_client, second_editor_client, make, by_b, by_a
):
    record = make()
    url = change_page(record)
    opened_by_a = opened_form(editor_client, url)
    opened_by_b = opened_form(second_editor_client, url)
    (b_field, b_value), (a_field, a_value) = by_b, by_a
    a_before = getattr(record, a_field)

    assert save(second_editor_client, url, opened_by_b, **{b_field: b_value}).status_code == 302
    response = save(editor_client, url, opened_by_a, **{a_field: a_value})

    error = refusal(response)
    assert error.startswith(f"This {record._meta.verbose_name} was changed by second at ")
    assert NOTHING_SAVED in error
    record.refresh_from_db()
    assert getattr(record, b_field) == b_value
    assert getattr(record, a_field) == a_before
    assert value_of(form_values(response), a_field) == a_value
    assert value_of(form_values(response), b_field) != b_value  # A has not been shown B's change


def test_a_refused_page_is_refused_again_until_it_is_opened_again(editor_client, second_editor_client):
    outcome = OutcomeFactory(text="As opened.")
    url = change_page(outcome)
    opened_by_a = opened_form(editor_client, url)
    save(second_editor_client, url, opened_form(second_editor_client, url), text="B's text")

    refused = save(editor_client, url, opened_by_a, addressed_to="Ministers")
    again = save(editor_client, url, form_values(refused))
    reopened = save(editor_client, url, opened_form(editor_client, url), addressed_to="Ministers")

    assert "changed by second" in refusal(again)
    assert reopened.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.text, outcome.addressed_to) == ("B's text", "Ministers")


def test_two_saves_from_pages_opened_one_after_the_other_both_go_through(editor_client, second_editor_client):
    action_item = ActionItemFactory(title="As opened")
    url = change_page(action_item)

    assert (
        save(second_editor_client, url, opened_form(second_editor_client, url), title="B's title").status_code
        == 302
    )
    assert (
        save(editor_client, url, opened_form(editor_client, url), description="A's words").status_code == 302
    )

    action_item.refresh_from_db()
    assert (action_item.title, action_item.description) == ("B's title", "A's words")


def test_a_revert_confirmed_after_another_editors_save_writes_nothing(editor_client, second_editor_client):
    document = DocumentFactory(title="First title")
    url = change_page(document)
    save(editor_client, url, opened_form(editor_client, url), title="Second title")
    first = Version.objects.get_for_object(document).last()
    revert_url = reverse("admin:meetings_document_revision", args=[document.pk, first.pk])
    confirmation = editor_client.get(revert_url)
    save(second_editor_client, url, opened_form(second_editor_client, url), title="B's title")

    response = editor_client.post(revert_url, {"digest": confirmation.context["form"].initial["digest"]})

    assert "The record changed since this page was opened. Nothing was written" in response.content.decode()
    assert Document.objects.get(pk=document.pk).title == "B's title"


# Inline rows: a part changed, deleted or added elsewhere since the page opened. -----------------------


def test_a_meeting_saved_after_its_outcome_changed_on_its_own_page_is_refused(
    editor_client, second_editor_client
):
    outcome = OutcomeFactory(text="As opened.", position=1)
    meeting = outcome.meeting
    opened_meeting = opened_form(editor_client, change_page(meeting))
    outcome_url = change_page(outcome)
    saved = save(
        second_editor_client, outcome_url, opened_form(second_editor_client, outcome_url), text="B's text."
    )
    assert saved.status_code == 302

    response = save(editor_client, change_page(meeting), opened_meeting, venue="Hotel Indonesia")

    assert refusal(response).startswith(
        "The outcome “1. B's text.” of this meeting was changed by second at "
    )
    assert NOTHING_SAVED in refusal(response)
    (outcome_row,) = row_errors(response, "outcomes")
    assert len(outcome_row) == 1
    assert outcome_row[0].startswith("This outcome was changed by second at ")
    outcome.refresh_from_db()
    meeting.refresh_from_db()
    assert outcome.text == "B's text."
    assert meeting.venue == ""
    assert value_of(form_values(response), "venue") == "Hotel Indonesia"


def test_after_a_refusal_the_reopened_meeting_saves_and_keeps_the_outcome(
    editor_client, second_editor_client
):
    outcome = OutcomeFactory(text="As opened.")
    meeting_url = change_page(outcome.meeting)
    opened_meeting = opened_form(editor_client, meeting_url)
    outcome_url = change_page(outcome)
    save(second_editor_client, outcome_url, opened_form(second_editor_client, outcome_url), text="B's text.")
    assert save(editor_client, meeting_url, opened_meeting, venue="Hotel Indonesia").status_code == 200

    response = save(
        editor_client, meeting_url, opened_form(editor_client, meeting_url), venue="Hotel Indonesia"
    )

    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.text == "B's text."
    assert Meeting.objects.get(pk=outcome.meeting_id).venue == "Hotel Indonesia"


def test_an_outcome_saved_after_its_action_item_changed_on_its_own_page_is_refused(
    editor_client, second_editor_client
):
    action_item = ActionItemFactory(title="As opened", description="As opened.")
    outcome = action_item.outcome
    opened_outcome = opened_form(editor_client, change_page(outcome))
    action_url = change_page(action_item)
    save(second_editor_client, action_url, opened_form(second_editor_client, action_url), title="B's title")

    response = save(editor_client, change_page(outcome), opened_outcome, addressed_to="Ministers")

    assert refusal(response).startswith(
        "The action item “B's title” of this outcome was changed by second at "
    )
    (action_row,) = row_errors(response, "action_items")
    assert action_row[0].startswith("This action item was changed by second at ")
    action_item.refresh_from_db()
    outcome.refresh_from_db()
    assert action_item.title == "B's title"
    assert outcome.addressed_to == ""


def test_a_row_deleted_elsewhere_is_reported_on_the_page_and_on_the_row(editor_client, second_editor_client):
    attendance = AttendanceFactory(participant=ParticipantFactory(name="Australia"))
    meeting_url = change_page(attendance.meeting)
    opened_meeting = opened_form(editor_client, meeting_url)
    delete_url = reverse("admin:meetings_attendance_delete", args=[attendance.pk])
    assert second_editor_client.post(delete_url, {"post": "yes"}).status_code == 302

    response = save(
        editor_client, meeting_url, opened_meeting, **{"attendances-0-note": "Head of delegation"}
    )

    assert refusal(response).startswith("A row of attendance of this meeting was deleted by second at ")
    (attendance_row,) = row_errors(response, "attendances")
    assert len(attendance_row) == 1
    assert attendance_row[0].startswith("This attendance was deleted by second at ")
    assert not Attendance.objects.exists()


def test_a_row_added_elsewhere_counts_as_a_change_of_the_record(editor_client, second_editor_client):
    meeting = MeetingFactory()
    australia = ParticipantFactory(name="Australia")
    meeting_url = change_page(meeting)
    opened_meeting = opened_form(editor_client, meeting_url)
    added = second_editor_client.post(
        reverse("admin:meetings_attendance_add"),
        {"meeting": meeting.pk, "participant": australia.pk, "role": AttendanceRole.CO_CHAIR, "position": 0},
    )
    assert added.status_code == 302

    response = save(editor_client, meeting_url, opened_meeting, venue="Hotel Indonesia")

    assert refusal(response).startswith(
        "The attendance “Australia (Co-Chair)” was added to this meeting by second at "
    )
    assert Meeting.objects.get(pk=meeting.pk).venue == ""


def test_a_row_without_a_last_saved_time_is_versioned_too(editor_client):
    ownership = ActionOwnerFactory(role=OwnerRole.LEAD)
    url = change_page(ownership.action_item)
    opened = opened_form(editor_client, url)
    # A write that moves no time and leaves no history: only the row's own values tell.
    ActionOwner.objects.filter(pk=ownership.pk).update(role=OwnerRole.SUPPORT)

    response = save(editor_client, url, opened, description="A's words")

    assert refusal(response).startswith(f"The owner “{ownership.participant} (Support)” of this action item")
    (owner_row,) = row_errors(response, "ownerships")
    assert owner_row[0].startswith("This owner was changed by ")
    assert ActionItem.objects.get(pk=ownership.action_item_id).description == ""


def test_a_participant_saved_after_its_membership_changed_elsewhere_is_refused(
    editor_client, second_editor_client
):
    membership = MembershipFactory(status=MembershipStatus.OBSERVER, body=ForumBodyFactory())
    participant = membership.participant
    opened_participant = opened_form(editor_client, change_page(participant))
    membership_url = change_page(membership)
    save(
        second_editor_client,
        membership_url,
        opened_form(second_editor_client, membership_url),
        status="member",
    )

    response = save(editor_client, change_page(participant), opened_participant, description="A's words")

    assert "of this participant was changed by second at " in refusal(response)
    (membership_row,) = row_errors(response, "memberships")
    assert membership_row[0].startswith("This membership was changed by second at ")
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.MEMBER
    assert Participant.objects.get(pk=participant.pk).description == ""


# Only what the editor changed is written. ------------------------------------------------------------


def meeting_with_every_inline():
    meeting = MeetingFactory()
    AttendanceFactory(
        meeting=meeting, participant=ParticipantFactory(name="Australia"), role=AttendanceRole.HOST
    )
    first = OutcomeFactory(meeting=meeting, position=1, text="Members agreed on the first point.")
    OutcomeFactory(meeting=meeting, position=2, text="Members agreed on the second point.")
    ActionItemFactory(outcome=first, title="Hold a workshop")
    DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    return meeting


@contextmanager
def saves_of(*models):
    """{model: how many of its rows are saved} within the block."""
    counts = dict.fromkeys(models, 0)

    def count(sender, **kwargs):
        counts[sender] += 1

    for model in models:
        pre_save.connect(count, sender=model, weak=False)
    try:
        yield counts
    finally:
        for model in models:
            pre_save.disconnect(count, sender=model)


def test_saving_a_meeting_writes_none_of_its_unchanged_rows(editor_client):
    meeting = meeting_with_every_inline()
    times = {row.pk: row.updated_at for row in [*Outcome.objects.all(), *Document.objects.all()]}
    url = change_page(meeting)
    opened = opened_form(editor_client, url)

    with saves_of(Attendance, Outcome, Document, ActionItem) as saves:
        response = save(editor_client, url, opened, venue="Hotel Indonesia")

    assert response.status_code == 302
    assert saves == dict.fromkeys((Attendance, Outcome, Document, ActionItem), 0)
    assert {row.pk: row.updated_at for row in [*Outcome.objects.all(), *Document.objects.all()]} == times
    assert Meeting.objects.get(pk=meeting.pk).venue == "Hotel Indonesia"


def test_saving_a_meeting_writes_only_the_row_the_editor_changed(editor_client):
    meeting = meeting_with_every_inline()
    second = Outcome.objects.get(position=2)
    untouched = Outcome.objects.get(position=1)
    url = change_page(meeting)
    opened = opened_form(editor_client, url)
    row = next(name for name, value in opened.items() if name.endswith("-id") and value == [str(second.pk)])

    with saves_of(Attendance, Outcome) as saves:
        response = save(editor_client, url, opened, **{row.replace("-id", "-text"): "Corrected."})

    assert response.status_code == 302
    assert Outcome.objects.get(pk=second.pk).text == "Corrected."
    assert Outcome.objects.get(pk=untouched.pk).updated_at == untouched.updated_at
    assert saves == {Attendance: 0, Outcome: 1}


def test_saving_an_outcome_writes_none_of_its_unchanged_action_items(editor_client):
    action_item = ActionItemFactory(title="Hold a workshop")
    ActionOwnerFactory(action_item=action_item, role=OwnerRole.LEAD)
    url = change_page(action_item.outcome)
    opened = opened_form(editor_client, url)

    with saves_of(ActionItem, ActionOwner) as saves:
        response = save(editor_client, url, opened, addressed_to="Ministers")

    assert response.status_code == 302
    assert ActionItem.objects.get(pk=action_item.pk).updated_at == action_item.updated_at
    assert saves == {ActionItem: 0, ActionOwner: 0}


# The version itself. ---------------------------------------------------------------------------------


def test_a_form_without_its_version_is_refused(editor_client):
    meeting = MeetingFactory(summary="Kept.")
    url = change_page(meeting)
    data = opened_form(editor_client, url)
    del data["version"]

    response = save(editor_client, url, data, summary="Lost.")

    assert refusal(response).startswith(
        "This page does not carry the version of the meeting it was opened with"
    )
    assert Meeting.objects.get(pk=meeting.pk).summary == "Kept."


@pytest.mark.parametrize("make", [OutcomeFactory, ThemeFactory, AttendanceFactory])
def test_any_change_form_without_its_version_is_refused(editor_client, make):
    record = make()
    url = change_page(record)
    data = opened_form(editor_client, url)
    del data["version"]

    response = editor_client.post(url, data)

    assert refusal(response).startswith("This page does not carry the version of the ")


def test_a_tampered_version_is_refused(editor_client):
    outcome = OutcomeFactory(text="Kept.")
    url = change_page(outcome)
    data = opened_form(editor_client, url)
    version = value_of(data, "version")

    response = save(editor_client, url, data, version=version[:-2] + "xx", text="Lost.")

    assert refusal(response).startswith("This page does not carry the version of the outcome")
    assert Outcome.objects.get(pk=outcome.pk).text == "Kept."


def test_the_version_of_another_records_page_is_refused(editor_client):
    outcome, other = OutcomeFactory(text="Kept."), OutcomeFactory()
    url = change_page(outcome)
    data = opened_form(editor_client, url)

    response = save(
        editor_client, url, data, version=value_of(opened_form(editor_client, change_page(other)), "version")
    )

    assert refusal(response).startswith("This page does not carry the version of the outcome")


def test_a_page_to_view_only_carries_no_version(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="a-long-password-3", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_theme"))
    client.force_login(viewer)

    response = client.get(change_page(ThemeFactory()))

    assert response.status_code == 200
    assert "version" not in form_values(response)


def test_the_meeting_change_page_reads_its_version_in_one_query_per_inline(editor_client):
    meeting = meeting_with_every_inline()
    url = change_page(meeting)
    few = len_queries(editor_client, url)
    # Not attendance: each row's autocomplete widget reads its participant (Django's, not the version).
    for position in range(3, 13):
        OutcomeFactory(meeting=meeting, position=position)
        DocumentFactory(meeting=meeting)

    assert len_queries(editor_client, url) == few


def len_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# A list with editable columns. --------------------------------------------------------------------

MEETING_TYPES = reverse("admin:meetings_meetingtype_changelist")


def opened_list(client):
    response = client.get(MEETING_TYPES)
    assert response.status_code == 200
    return response, form_values(response, "changelist-form")


def position_control(response, meeting_type):
    """The name of the position control of ``meeting_type``'s row on the list page ``response``."""
    (form,) = [form for form in response.context["cl"].formset.forms if form.instance.pk == meeting_type.pk]
    return form["position"].html_name


def test_a_list_saved_after_another_editor_changed_one_of_its_rows_is_refused(
    editor_client, second_editor_client
):
    workshop = MeetingTypeFactory(name="Workshop", position=1)
    forum = MeetingTypeFactory(name="Business forum", position=2)
    page_a, opened_by_a = opened_list(editor_client)
    page_b, opened_by_b = opened_list(second_editor_client)
    saved = save(second_editor_client, MEETING_TYPES, opened_by_b, **{position_control(page_b, forum): "5"})
    assert saved.status_code == 302

    response = save(editor_client, MEETING_TYPES, opened_by_a, **{position_control(page_a, workshop): "3"})

    assert response.status_code == 200
    (error,) = response.context["cl"].formset.non_form_errors()
    assert error.startswith("The meeting type “Business forum” was changed by second at ")
    assert "since you opened the list. Nothing was saved" in error
    (row,) = [form for form in response.context["cl"].formset.forms if form.instance.pk == forum.pk]
    assert row.errors["position"][0].startswith("This meeting type was changed by second at ")
    assert MeetingType.objects.get(pk=forum.pk).position == 5
    assert MeetingType.objects.get(pk=workshop.pk).position == 1


def test_a_list_saves_only_the_row_the_editor_changed(editor_client):
    workshop = MeetingTypeFactory(name="Workshop", position=1)
    forum = MeetingTypeFactory(name="Business forum", position=2)
    page, opened = opened_list(editor_client)

    response = save(editor_client, MEETING_TYPES, opened, **{position_control(page, workshop): "3"})

    assert response.status_code == 302
    assert MeetingType.objects.get(pk=workshop.pk).position == 3
    assert MeetingType.objects.get(pk=forum.pk).updated_at == forum.updated_at


def test_a_list_without_its_version_is_refused(editor_client):
    workshop = MeetingTypeFactory(name="Workshop", position=1)
    page, opened = opened_list(editor_client)
    del opened["form-version"]

    response = save(editor_client, MEETING_TYPES, opened, **{position_control(page, workshop): "3"})

    (error,) = response.context["cl"].formset.non_form_errors()
    assert error.startswith("This list does not carry the version of the rows it was opened with")
    assert MeetingType.objects.get(pk=workshop.pk).position == 1


# Who and when. ---------------------------------------------------------------------------------------


def test_last_change_names_who_saved_a_row_and_when(editor_client):
    outcome = OutcomeFactory()
    url = change_page(outcome)
    save(editor_client, url, opened_form(editor_client, url), text="Changed.")

    who, when = last_change(Outcome.objects.get(pk=outcome.pk))

    assert who.username == "editor"
    assert when == Version.objects.get_for_object(outcome).first().revision.date_created


def test_last_change_of_a_row_without_a_revision_is_its_last_saved_time():
    meeting_type = MeetingTypeFactory()

    assert last_change(meeting_type) == (None, meeting_type.updated_at)


# Bulk actions: rows locked, only the fields they mean to written. ----------------------------------


def writes_meanwhile(model, change):
    """Have ``change`` run just before the first save of a ``model`` row: another editor's write, landing
    after the action read its rows."""
    done = []

    def receiver(sender, **kwargs):
        if not done:
            done.append(True)
            change()

    pre_save.connect(receiver, sender=model, weak=False)
    return lambda: pre_save.disconnect(receiver, sender=model)


def test_a_bulk_status_change_keeps_what_was_written_to_the_actions_meanwhile(editor_client):
    first, second = ActionItemFactory(title="First"), ActionItemFactory(title="Second")
    stop = writes_meanwhile(
        ActionItem, lambda: ActionItem.objects.filter(pk=second.pk).update(title="Renamed")
    )
    try:
        response = editor_client.post(
            reverse("admin:meetings_actionitem_changelist"),
            {
                "action": "mark_in_progress",
                "_selected_action": [first.pk, second.pk],
                "apply": "yes",
                "note": "Begun.",
                "date": "2015-03-27",
            },
        )
    finally:
        stop()

    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.title, second.status) == ("Renamed", ActionStatus.IN_PROGRESS)


def test_publishing_now_writes_only_the_publication_time(editor_client):
    meeting = MeetingFactory(published_at=None, summary="As selected.")
    stop = writes_meanwhile(
        Meeting, lambda: Meeting.objects.filter(pk=meeting.pk).update(summary="Meanwhile.")
    )
    try:
        response = editor_client.post(
            reverse("admin:meetings_meeting_changelist"),
            {"action": "publish_now", "_selected_action": [meeting.pk]},
        )
    finally:
        stop()

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == "Meanwhile."
    assert meeting.published_at is not None


def test_publishing_now_leaves_a_meeting_scheduled_since_it_was_selected_as_it_was_scheduled(
    rf, django_user_model
):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")
    scheduled = MeetingFactory(published_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    request = rf.post("/")
    request.user = editor

    # The selection says "drafts"; the meeting is scheduled by the time its row is locked.
    _before, published = _set_published_at(
        request, Meeting.objects.filter(pk=scheduled.pk), timezone.now(), published_at__isnull=True
    )

    assert published == []
    assert Meeting.objects.get(pk=scheduled.pk).published_at == scheduled.published_at
