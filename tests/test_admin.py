import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from meetings import jobs, tasks
from meetings.admin import deleting
from meetings.models import ActionItem, ActionOwner, Attendance, Document, Job, JobKind, Meeting, Outcome
from tests.admin_forms import inline_management, meeting_form_data, page_version, post_admin_form
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db


def test_a_whole_meeting_is_saved_in_one_post(editor_client):
    meeting_type = MeetingTypeFactory()
    australia = ParticipantFactory(name="Australia", slug="australia", country="AU")
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime", short_name="UNODC")
    rso = ForumBodyFactory(name="Regional Support Office", short_name="RSO")
    data = meeting_form_data(
        meeting_type,
        **inline_management("attendances", 3),
        **{
            "attendances-0-participant": australia.pk,
            "attendances-0-role": "co_chair",
            "attendances-0-note": "Host",
            "attendances-0-position": "1",
            "attendances-1-participant": unodc.pk,
            "attendances-1-role": "observer",
            "attendances-1-position": "2",
            "attendances-2-participant": rso.pk,
            "attendances-2-role": "participant",
            "attendances-2-person": "Co-Managers",
            "attendances-2-position": "3",
        },
        **inline_management("outcomes", 2),
        **{
            "outcomes-0-position": "1",
            "outcomes-0-kind": "endorsed",
            "outcomes-0-text": "Members endorsed the Bali Process Strategy.",
            "outcomes-1-position": "9",
            "outcomes-1-kind": "granted",
            "outcomes-1-text": "UNODC was granted full membership of the Bali Process Ad Hoc Group.",
        },
        **inline_management("documents", 1),
        **{
            "documents-0-title": "Co-Chairs' Statement",
            "documents-0-kind": "co_chairs_statement",
            "documents-0-url": "https://example.org/statement.pdf",
            "documents-0-language": "en",
            "documents-0-position": "0",
        },
    )

    response = editor_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting = Meeting.objects.get(slug="eighth-ahg-senior-officials-meeting")
    assert meeting.published_at is None  # a new meeting is a draft until published
    roles = {a.participant.slug: (a.role, a.person, a.note) for a in meeting.attendances.all()}
    assert roles == {
        australia.slug: ("co_chair", "", "Host"),
        unodc.slug: ("observer", "", ""),
        rso.slug: ("participant", "Co-Managers", ""),
    }
    assert list(meeting.outcomes.values_list("position", "kind")) == [(1, "endorsed"), (9, "granted")]
    assert meeting.documents.get().title == "Co-Chairs' Statement"


def test_end_before_start_is_a_message_on_the_form(editor_client):
    data = meeting_form_data(MeetingTypeFactory(), start_date="2014-08-06", end_date="2014-08-05")

    response = editor_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["end_date"] == ["The end date cannot be before the start date."]
    assert not Meeting.objects.exists()


def test_the_same_participant_twice_is_a_message_on_the_form(editor_client):
    australia = ParticipantFactory(name="Australia")
    data = meeting_form_data(
        MeetingTypeFactory(),
        **inline_management("attendances", 2),
        **{
            "attendances-0-participant": australia.pk,
            "attendances-0-role": "member",
            "attendances-0-position": "0",
            "attendances-1-participant": australia.pk,
            "attendances-1-role": "observer",
            "attendances-1-position": "0",
        },
    )

    response = editor_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for participant" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Attendance.objects.exists()


def test_a_second_attendance_added_to_a_saved_meeting_is_refused_with_a_message(editor_client):
    attendance = AttendanceFactory()
    meeting = attendance.meeting
    data = meeting_form_data(
        meeting.meeting_type,
        slug=meeting.slug,
        **inline_management("attendances", 2, initial=1),
        **{
            "attendances-0-id": attendance.pk,
            "attendances-0-meeting": meeting.pk,
            "attendances-0-participant": attendance.participant.pk,
            "attendances-0-role": "member",
            "attendances-0-position": "0",
            "attendances-1-meeting": meeting.pk,
            "attendances-1-participant": attendance.participant.pk,
            "attendances-1-role": "observer",
            "attendances-1-position": "1",
        },
    )

    response = editor_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 200
    assert "This participant is already listed for this meeting." in response.content.decode()
    assert meeting.attendances.count() == 1


def test_an_outcome_page_edits_its_action_items_with_lead_owners(editor_client):
    outcome = OutcomeFactory()
    australia = ParticipantFactory(name="Australia")
    indonesia = ParticipantFactory(name="Indonesia", country="ID")
    data = {
        "version": page_version(editor_client, outcome),
        "meeting": outcome.meeting.pk,
        "position": outcome.position,
        "kind": outcome.kind,
        "text": outcome.text,
        "addressed_to": "",
        **inline_management("action_items", 1),
        "action_items-0-position": "0",
        "action_items-0-title": "Hold the first meeting of the Working Group on Trafficking in Persons",
        "action_items-0-status": "not_started",
        "action_items-0-due_as_published": "first half of 2015",
        "action_items-0-due_date": "2015-06-30",
        "action_items-0-due_precision": "half",
        "action_items-0-lead_owners": [australia.pk, indonesia.pk],
    }

    response = editor_client.post(reverse("admin:meetings_outcome_change", args=[outcome.pk]), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    action_item = outcome.action_items.get()
    assert str(action_item.due_period) == "H1 2015"
    assert set(action_item.owners.all()) == {australia, indonesia}
    assert set(ActionOwner.objects.values_list("role", flat=True)) == {"lead"}


def test_a_due_date_that_is_not_the_end_of_its_period_is_explained(editor_client):
    outcome = OutcomeFactory()
    action_item = ActionItemFactory(outcome=outcome)
    data = {
        "version": page_version(editor_client, action_item),
        "outcome": outcome.pk,
        "position": "0",
        "title": action_item.title,
        "description": "",
        "due_as_published": "first half of 2015",
        "due_date": "2015-06-01",
        "due_precision": "half",
        "status": "not_started",
        **inline_management("ownerships", 0),
        **inline_management("progress_updates", 0),
    }

    response = editor_client.post(reverse("admin:meetings_actionitem_change", args=[action_item.pk]), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["due_date"] == [
        "A due date of this precision is the last day of its period: 2015-06-30 for H1 2015."
    ]


def populate_every_model():
    meeting = MeetingFactory(
        attendance_summary="In attendance were representatives from Australia.",
        themes=[ThemeFactory()],
    )
    participant = ParticipantFactory()
    ParticipantAliasFactory(participant=participant)
    MembershipFactory(participant=participant, body=ForumBodyFactory(), start_date=datetime.date(2002, 2, 26))
    AttendanceFactory(meeting=meeting, participant=participant)
    outcome = OutcomeFactory(meeting=meeting)
    action_item = ActionItemFactory(outcome=outcome)
    ActionOwnerFactory(action_item=action_item, participant=participant)
    ProgressUpdateFactory(action_item=action_item)
    DocumentFactory(meeting=meeting)
    jobs.start(tasks.export_records, JobKind.RECORDS_EXPORT, "The whole record")


def admin_models():
    return [model for model in admin.site._registry if model._meta.app_label == "meetings"]


@pytest.mark.parametrize("model", admin_models(), ids=lambda model: model._meta.model_name)
def test_every_admin_page_opens_for_a_superuser(editor_client, rf, model):
    """Every page the admin offers opens; pages it withholds on purpose answer 403, never 500."""
    populate_every_model()
    opts = model._meta
    instance = model.objects.first()
    assert instance is not None
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = _superuser()
    pages = [
        ("changelist", [], True),
        ("add", [], model_admin.has_add_permission(request)),
        ("change", [instance.pk], True),
        ("history", [instance.pk], True),
        ("delete", [instance.pk], model_admin.has_delete_permission(request, instance)),
    ]
    for name, args, offered in pages:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)
        response = editor_client.get(url)
        if model is Job and name == "change":
            # A task is read on its own page, which its change page sends the reader to.
            assert response.status_code == 302 and response.url.startswith("/admin/records/tasks/"), url
            continue
        assert response.status_code == (200 if offered else 403), url


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="editor")


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Meeting, "?year=2014&publication=published&status__exact=held&country=AU"),
        (ActionItem, "?deadline=overdue&status__exact=not_started&due_year=2015&due_precision__exact=half"),
        (ActionItem, "?deadline=open"),
        (ActionItem, "?deadline=undated"),
        (Meeting, "?year=abc&publication=nonsense"),
    ],
)
def test_change_list_filters_answer(editor_client, model, query):
    populate_every_model()
    opts = model._meta
    response = editor_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + query)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    [Meeting, Attendance, Outcome, ActionItem, Document],
    ids=lambda model: model._meta.model_name,
)
def test_change_lists_issue_no_query_per_row(editor_client, django_assert_max_num_queries, model):
    """The query count of a change list with 3 meetings' rows equals the count with 30."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def build(count):
        for _ in range(count):
            populate_every_model()

    build(3)
    small = queries_to_get(editor_client, url)
    build(27)
    assert queries_to_get(editor_client, url) == small


def changelist(client, model, **query):
    opts = model._meta
    return client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), query)


def test_meeting_change_list_counts_each_meetings_attendance_and_outcomes_and_sorts_by_them(editor_client):
    busy = MeetingFactory(title="Busy")
    for _ in range(3):
        AttendanceFactory(meeting=busy)
    OutcomeFactory(meeting=busy)
    quiet = MeetingFactory(title="Quiet")
    OutcomeFactory(meeting=quiet)
    OutcomeFactory(meeting=quiet)

    by_attendance = changelist(editor_client, Meeting, o="-9").context["cl"].result_list

    assert [(row.title, row.attendance_count, row.outcome_count) for row in by_attendance] == [
        ("Busy", 3, 1),
        ("Quiet", 0, 2),
    ]
    by_outcomes = changelist(editor_client, Meeting, o="10").context["cl"].result_list
    assert [row.title for row in by_outcomes] == ["Busy", "Quiet"]


def test_attendance_change_list_pages_newest_meetings_first_each_in_its_order(editor_client, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Attendance], "list_per_page", 2)
    older = MeetingFactory(title="Older", start_date=datetime.date(2013, 4, 2))
    newer = MeetingFactory(title="Newer", start_date=datetime.date(2016, 3, 23))
    for meeting in (older, newer):
        for position in (2, 1):
            AttendanceFactory(meeting=meeting, position=position, person=f"{meeting.title} {position}")

    pages = [changelist(editor_client, Attendance, p=number) for number in (1, 2)]

    listed = [row.person for page in pages for row in page.context["cl"].result_list]
    assert listed == ["Newer 1", "Newer 2", "Older 1", "Older 2"]


def test_action_change_list_offers_the_owners_and_due_years_the_actions_have(editor_client):
    owner = ParticipantFactory(name="Regional Support Office")
    ParticipantFactory(name="Owns nothing")
    ActionOwnerFactory(
        action_item=ActionItemFactory(due_date=datetime.date(2017, 12, 31), due_precision="year"),
        participant=owner,
    )
    ActionItemFactory(due_date=datetime.date(2015, 6, 30), due_precision="half")
    ActionItemFactory()

    filters = {spec.title: spec for spec in changelist(editor_client, ActionItem).context["cl"].filter_specs}

    assert [label for _value, label in filters["owners"].lookup_choices] == ["Regional Support Office"]
    assert [value for value, _label in filters["due year"].lookup_choices] == ["2017", "2016", "2015"]


def test_publish_and_unpublish_actions(editor_client):
    draft = MeetingFactory(published_at=None)
    url = reverse("admin:meetings_meeting_changelist")

    editor_client.post(url, {"action": "publish_now", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_published

    editor_client.post(url, {"action": "return_to_draft", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.publication_state == "draft"


@pytest.mark.parametrize("model_name", ["meetingtype", "participant", "meeting", "outcome"])
def test_autocomplete_answers_in_order(editor_client, model_name, recwarn):
    from django.core.paginator import UnorderedObjectListWarning

    populate_every_model()
    source = {
        "meetingtype": ("meeting", "meeting_type"),
        "participant": ("attendance", "participant"),
        "meeting": ("attendance", "meeting"),
        "outcome": ("actionitem", "outcome"),
    }[model_name]
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetings", "model_name": source[0], "field_name": source[1], "term": ""},
    )
    assert response.status_code == 200
    assert not [warning for warning in recwarn if warning.category is UnorderedObjectListWarning]


LONG_AS_PUBLISHED = "Postponed from March 2020, then held virtually over three days in " * 8


def test_the_meeting_form_takes_a_document_by_title_alone_and_a_long_date_as_published(editor_client):
    meeting = MeetingFactory()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    response = post_admin_form(
        editor_client,
        url,
        {
            "date_as_published": LONG_AS_PUBLISHED.strip(),
            "documents-0-title": "Terms of Reference",
            "documents-0-kind": "terms_of_reference",
        },
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert len(meeting.date_as_published) > 500
    document = meeting.documents.get()
    assert (document.title, document.url, document.is_online) == ("Terms of Reference", "", False)


def test_the_document_form_takes_a_document_by_title_alone(editor_client):
    document = DocumentFactory(title="Work Plan")
    url = reverse("admin:meetings_document_change", args=[document.pk])

    response = post_admin_form(editor_client, url, {"url": ""})

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.url == ""


def test_the_action_form_takes_a_long_timeframe_as_published(editor_client):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    response = post_admin_form(editor_client, url, {"due_as_published": LONG_AS_PUBLISHED.strip()})

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert action_item.due_as_published == LONG_AS_PUBLISHED.strip()


def test_delete_selected_refuses_more_than_it_can_list_and_deletes_nothing(editor_client, monkeypatch):
    monkeypatch.setattr(deleting, "MAX_DELETED", 2)
    meetings = [MeetingFactory() for _ in range(3)]
    url = reverse("admin:meetings_meeting_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [str(meeting.pk) for meeting in meetings]}

    response = editor_client.post(url, chosen, follow=True)

    assert "3 meetings selected: at most 2 can be deleted at a time. Nothing was deleted." in (
        response.content.decode()
    )
    assert Meeting.objects.count() == 3
    chosen["_selected_action"] = chosen["_selected_action"][:2]
    confirmation = editor_client.post(url, chosen)
    assert confirmation.status_code == 200
    assert "<title>Delete multiple objects" in confirmation.content.decode()
    assert editor_client.post(url, {**chosen, "post": "yes"}).status_code == 302
    assert list(Meeting.objects.all()) == [meetings[2]]
