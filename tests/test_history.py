"""History of the record: who changed what and when, shown as a diff in the admin, with revert."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from meetings.admin import history_records
from meetings.models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    Outcome,
    ParticipantAlias,
    ProgressUpdate,
)
from meetings.records import build_records, dumps
from meetings.roles import EDITOR
from tests.admin_forms import inline_management, meeting_form_data, page_version
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
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


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def change_form_data(client, meeting, **overrides):
    return meeting_form_data(
        meeting.meeting_type,
        **{
            "title": meeting.title,
            "slug": meeting.slug,
            "number": "",
            "version": page_version(client, meeting),
            **overrides,
        },
    )


def test_a_change_in_the_admin_is_kept_with_who_and_when(editor_client):
    meeting = MeetingFactory(published_at=None, summary="First words.")
    participant = ParticipantFactory(name="Australia")
    data = change_form_data(
        editor_client,
        meeting,
        summary="Second words.",
        **inline_management("attendances", 1),
        **{"attendances-0-participant": participant.pk, "attendances-0-role": "co_chair"},
        **{"attendances-0-position": "0"},
    )

    response = editor_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 302
    latest = meeting.history.latest()
    assert latest.history_user.username == "editor"
    assert latest.history_type == "~"
    assert latest.summary == "Second words."
    assert timezone.now() - latest.history_date < datetime.timedelta(minutes=5)
    attendance = Attendance.history.get()
    assert (attendance.history_type, attendance.history_user.username) == ("+", "editor")


def test_the_history_page_shows_a_readable_diff_without_timestamps(editor_client):
    meeting = MeetingFactory(published_at=None, summary="First words.")
    editor_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        change_form_data(editor_client, meeting, summary="Second words."),
    )

    response = editor_client.get(reverse("admin:meetings_meeting_history", args=[meeting.pk]))

    changed = [
        (str(change["field"]), change["old"], change["new"])
        for record in response.context["page_obj"]
        for change in getattr(record, "history_delta_changes", [])
    ]
    assert ("Summary", "First words.", "Second words.") in changed
    assert not {field for field, _old, _new in changed} & {"Updated at", "Created at"}
    content = response.content.decode()
    assert "First words." in content
    assert "Second words." in content
    assert "editor" in content


def test_revert_restores_an_older_version(editor_client):
    meeting = MeetingFactory(published_at=None, summary="Right words.")
    first = meeting.history.get()
    meeting.summary = "Wrong words."
    meeting.save()
    url = reverse("admin:meetings_meeting_simple_history", args=[meeting.pk, first.history_id])
    digest = editor_client.get(url).context["form"].initial["digest"]

    response = editor_client.post(url, {"digest": digest})

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == "Right words."
    assert meeting.history.count() == 3


def test_publishing_in_bulk_is_kept_with_who(editor_client):
    meeting = MeetingFactory(published_at=None)

    editor_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "publish_now", "_selected_action": [meeting.pk]},
    )

    latest = meeting.history.latest()
    assert latest.published_at is not None
    assert latest.history_user.username == "editor"


def test_dating_actions_by_the_next_meeting_is_kept_in_their_history():
    meeting_type = MeetingTypeFactory()
    earlier = MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2014, 8, 6))
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=earlier), due_at_next=meeting_type)
    MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2015, 3, 1))

    ActionItem.objects.all().date_by_next_meetings()

    assert action_item.history.latest().due_date == datetime.date(2015, 3, 1)


def test_an_import_from_the_admin_is_kept_with_who(editor_client):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(slug="imported")))
    AttendanceFactory(meeting=action_item.outcome.meeting)
    text = dumps(build_records())
    Meeting.objects.all().delete()
    for model in (Meeting, Attendance, Outcome, ActionItem):
        model.history.all().delete()
    upload = SimpleUploadedFile("records.json", text.encode(), content_type="application/json")
    preview = editor_client.post(reverse("records_import"), {"file": upload})

    editor_client.post(reverse("records_import"), {"token": preview.context["confirm_form"].initial["token"]})

    for model in (Meeting, Attendance, Outcome, ActionItem):
        created = model.history.filter(history_type="+")
        assert created.exists(), model
        assert {record.history_user.username for record in created} == {"editor"}, model


# Links (many-to-many fields) ----------------------------------------------------------------------


def entries(response):
    """The history page's entries as (what, change, [changes in words]), newest first."""
    result = []
    for record in response.context["page_obj"].object_list:
        what = (
            record.timeline_subject
            if record.timeline_own
            else f"{record.timeline_kind}: {record.timeline_subject}"
        )
        words = []
        for change in record.history_delta_changes:
            if change.is_links:
                parts = []
                if change.added:
                    parts.append("added " + ", ".join(change.added))
                if change.removed:
                    parts.append("removed " + ", ".join(change.removed))
                words.append(f"{change.field}: {'; '.join(parts)}")
            else:
                words.append(f"{change.field}: {change.old} → {change.new}")
        result.append((what, record.history_type, words))
    return result


def history_page(client, model_name, pk):
    response = client.get(reverse(f"admin:meetings_{model_name}_history", args=[pk]))
    assert response.status_code == 200
    return response


def test_changing_themes_in_the_admin_is_one_entry_that_names_them(editor_client):
    smuggling = ThemeFactory(name="People smuggling")
    trafficking = ThemeFactory(name="Trafficking in persons")
    meeting = MeetingFactory(published_at=None, themes=[smuggling])
    entries_before = meeting.history.count()

    editor_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        change_form_data(editor_client, meeting, themes=[trafficking.pk]),
    )

    assert meeting.history.count() == entries_before + 1
    latest = meeting.history.first()
    assert [link.theme for link in latest.themes.all()] == [trafficking]
    assert latest.history_user.username == "editor"
    response = history_page(editor_client, "meeting", meeting.pk)
    assert "Themes: added Trafficking in persons; removed People smuggling" in entries(response)[0][2]
    assertContains(
        response,
        "<li><strong>Themes:</strong> added Trafficking in persons; removed People smuggling</li>",
        html=True,
    )


def test_linking_a_related_meeting_enters_the_history_of_both(editor_client):
    meeting = MeetingFactory(published_at=None, title="Workshop on returns")
    other = MeetingFactory(title="Eighth AHG Senior Officials' Meeting")

    editor_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        change_form_data(editor_client, meeting, related_meetings=[other.pk]),
    )

    assert (
        "Related meetings: added Eighth AHG Senior Officials' Meeting"
        in entries(history_page(editor_client, "meeting", meeting.pk))[0][2]
    )
    other_latest = other.history.first()
    assert other_latest.history_change_reason == "Linked from “Workshop on returns”"
    assert other_latest.history_user.username == "editor"
    assert [link.to_meeting for link in other_latest.related_meetings.all()] == [meeting]
    assert (
        "Related meetings: added Workshop on returns"
        in entries(history_page(editor_client, "meeting", other.pk))[0][2]
    )


def test_an_outcome_s_concerns_and_themes_are_kept_and_shown(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime")
    theme = ThemeFactory(name="Border management")
    data = {
        "version": page_version(editor_client, outcome),
        "meeting": outcome.meeting.pk,
        "position": outcome.position,
        "kind": outcome.kind,
        "text": outcome.text,
        "addressed_to": "",
        "concerns": [unodc.pk],
        "themes": [theme.pk],
        **inline_management("action_items", 0),
    }

    response = editor_client.post(reverse("admin:meetings_outcome_change", args=[outcome.pk]), data)

    assert response.status_code == 302
    changes = entries(history_page(editor_client, "outcome", outcome.pk))[0][2]
    assert "Concerns: added United Nations Office on Drugs and Crime" in changes
    assert "Themes: added Border management" in changes


def test_links_before_their_history_began_are_not_shown_as_changes(editor_client, monkeypatch):
    theme = ThemeFactory(name="Returns")
    meeting = MeetingFactory(published_at=None)
    meeting.themes.add(theme)
    monkeypatch.setattr(history_records, "links_kept_since", lambda: timezone.now())
    meeting.summary = "Later words."
    meeting.save()

    changes = entries(history_page(editor_client, "meeting", meeting.pk))[0][2]

    assert changes == ["Summary: — → Later words."]


# Other names, owners and progress updates ----------------------------------------------------------


def participant_form_data(client, participant, aliases=(), initial_aliases=()):
    data = {
        "version": page_version(client, participant),
        "kind": participant.kind,
        "name": participant.name,
        "short_name": participant.short_name,
        "slug": participant.slug,
        "country": participant.country,
        "description": "",
        "website": "",
        "contact_email": "",
        **inline_management("aliases", len(aliases), len(initial_aliases)),
        **inline_management("memberships", 0),
    }
    for index, name in enumerate(aliases):
        data[f"aliases-{index}-name"] = name
        data[f"aliases-{index}-participant"] = participant.pk
        if index < len(initial_aliases):
            data[f"aliases-{index}-id"] = initial_aliases[index].pk
    return data


def test_other_names_are_kept_and_shown_on_the_participant_history(editor_client):
    participant = ParticipantFactory(name="Viet Nam", slug="viet-nam", country="VN")
    url = reverse("admin:meetings_participant_change", args=[participant.pk])

    editor_client.post(url, participant_form_data(editor_client, participant, aliases=["Vietnam"]))
    alias = participant.aliases.get()
    editor_client.post(
        url, participant_form_data(editor_client, participant, aliases=["Viet-Nam"], initial_aliases=[alias])
    )

    added, renamed = ParticipantAlias.history.order_by("history_id")
    assert (added.history_type, added.name, added.history_user.username) == ("+", "Vietnam", "editor")
    assert (renamed.history_type, renamed.name, renamed.history_user.username) == ("~", "Viet-Nam", "editor")
    shown = entries(history_page(editor_client, "participant", participant.pk))
    assert ("Alias: Viet-Nam", "~", ["Name: Vietnam → Viet-Nam"]) in shown
    assert ("Alias: Vietnam", "+", []) in shown


def test_owner_changes_are_kept_and_shown_on_the_action_item_history(editor_client):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    ownership = ActionOwnerFactory(action_item=action_item, participant=ParticipantFactory(name="Australia"))
    indonesia = ParticipantFactory(name="Indonesia", country="ID")
    outcome = action_item.outcome
    data = {
        "version": page_version(editor_client, outcome),
        "meeting": outcome.meeting.pk,
        "position": outcome.position,
        "kind": outcome.kind,
        "text": outcome.text,
        "addressed_to": "",
        **inline_management("action_items", 1, 1),
        "action_items-0-id": action_item.pk,
        "action_items-0-outcome": outcome.pk,
        "action_items-0-position": "1",
        "action_items-0-title": action_item.title,
        "action_items-0-status": action_item.status,
        "action_items-0-lead_owners": [indonesia.pk],
    }

    editor_client.post(reverse("admin:meetings_outcome_change", args=[outcome.pk]), data)

    removed = ActionOwner.history.get(id=ownership.pk, history_type="-")
    added = ActionOwner.history.get(participant=indonesia, history_type="+")
    assert {removed.history_user.username, added.history_user.username} == {"editor"}
    shown = entries(history_page(editor_client, "actionitem", action_item.pk))
    assert ("Owner: Indonesia (Lead)", "+", []) in shown
    assert ("Owner: Australia (Lead)", "-", []) in shown


def test_progress_updates_are_kept_and_shown_on_the_action_item_history(editor_client):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))

    editor_client.post(
        reverse("admin:meetings_actionitem_changelist"),
        {
            "action": "mark_in_progress",
            "_selected_action": [action_item.pk],
            "apply": "1",
            "note": "Terms of reference drafted.",
            "date": "2015-03-27",
        },
    )

    update = ProgressUpdate.history.get()
    assert (update.history_type, update.note, update.history_user.username) == (
        "+",
        "Terms of reference drafted.",
        "editor",
    )
    shown = entries(history_page(editor_client, "actionitem", action_item.pk))
    assert ("Progress update: 2015-03-27: In progress", "+", []) in shown
    assert (action_item.title, "~", ["Status: Not started → In progress"]) in shown


# History pages: queries --------------------------------------------------------------------------


def a_busy_meeting(changes):
    """A draft meeting with ``changes`` rounds of edits to it and to each kind of its parts."""
    meeting = MeetingFactory(published_at=None, themes=[ThemeFactory()])
    for index in range(changes):
        attendance = AttendanceFactory(meeting=meeting)
        attendance.role = "observer"
        attendance.save()
        outcome = OutcomeFactory(meeting=meeting)
        outcome.themes.add(ThemeFactory())
        document = DocumentFactory(meeting=meeting)
        document.title = f"Statement {index}"
        document.save()
        meeting.summary = f"Words {index}"
        meeting.save()
        meeting.themes.add(ThemeFactory())
    return meeting


def a_busy_participant(changes):
    participant = ParticipantFactory()
    for index in range(changes):
        alias = ParticipantAliasFactory(participant=participant)
        alias.name = f"{alias.name}, renamed"
        alias.save()
        MembershipFactory(participant=participant)
        participant.description = f"Words {index}"
        participant.save()
    return participant


def a_busy_action_item(changes):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    for index in range(changes):
        ownership = ActionOwnerFactory(action_item=action_item)
        ownership.role = "support"
        ownership.save()
        ProgressUpdateFactory(action_item=action_item, note=f"Step {index}")
        action_item.themes.add(ThemeFactory())
        action_item.description = f"Words {index}"
        action_item.save()
    return action_item


@pytest.mark.parametrize(
    ("model_name", "build", "queries"),
    [
        ("meeting", a_busy_meeting, 18),
        ("participant", a_busy_participant, 10),
        ("actionitem", a_busy_action_item, 12),
    ],
)
def test_a_history_page_costs_the_same_queries_for_few_and_many_entries(
    editor_client, model_name, build, queries
):
    few, many = build(1), build(12)
    history_page(editor_client, model_name, few.pk)  # content types and when history began, once

    counted = [
        queries_to_get(editor_client, reverse(f"admin:meetings_{model_name}_history", args=[record.pk]))
        for record in (few, many)
    ]

    assert counted == [queries, queries]
    assert len(history_page(editor_client, model_name, many.pk).context["page_obj"].object_list) >= 40


def test_a_history_page_pages_through_many_entries(editor_client):
    meeting = a_busy_meeting(30)
    url = reverse("admin:meetings_meeting_history", args=[meeting.pk])

    first = editor_client.get(url)
    paginator = first.context["page_obj"].paginator
    last = editor_client.get(url, {"p": str(paginator.num_pages)})

    assert paginator.num_pages > 1
    assert len(first.context["page_obj"].object_list) == 100
    assert len(last.context["page_obj"].object_list) == paginator.count - 100 * (paginator.num_pages - 1)
    assertContains(first, '<a href="?p=2">2</a>', html=True)
    assert editor_client.get(url, {"p": "abc"}).status_code == 200


@pytest.mark.parametrize("object_id", ["abc", "999999"])
def test_the_history_of_no_record_is_not_found(editor_client, object_id):
    assert editor_client.get(f"/admin/meetings/meeting/{object_id}/history/").status_code == 404


# Revert ------------------------------------------------------------------------------------------


@pytest.fixture
def edited_meeting():
    """A draft meeting, its version to go back to, and what changed since, by name."""
    australia = ParticipantFactory(name="Australia")
    indonesia = ParticipantFactory(name="Indonesia", country="ID")
    trafficking = ThemeFactory(name="Trafficking in persons")
    smuggling = ThemeFactory(name="People smuggling")
    meeting = MeetingFactory(published_at=None, summary="Right words.", themes=[trafficking])
    changed = AttendanceFactory(meeting=meeting, participant=australia, role="co_chair", note="Co-Chair")
    deleted = AttendanceFactory(meeting=meeting, participant=indonesia, role="co_chair", note="Host")
    outcome = OutcomeFactory(meeting=meeting, position=1, text="Members agreed to meet again.")
    outcome.themes.add(trafficking)
    action_item = ActionItemFactory(outcome=outcome, title="Hold the next meeting")
    ActionOwnerFactory(action_item=action_item, participant=australia)
    ProgressUpdateFactory(action_item=action_item, note="Venue found.")
    DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    meeting.save()
    version = meeting.history.first()

    meeting.summary = "Wrong words."
    meeting.save()
    meeting.themes.set([smuggling])
    changed.role, changed.note = "observer", ""
    changed.save()
    deleted_pk, outcome_pk = deleted.pk, outcome.pk
    deleted.delete()
    outcome.delete()
    added = AttendanceFactory(
        meeting=meeting, participant=ParticipantFactory(name="New Zealand"), role="member"
    )
    OutcomeFactory(meeting=meeting, position=1, text="A later outcome.")
    return {
        "meeting": meeting,
        "version": version,
        "changed": changed,
        "deleted_pk": deleted_pk,
        "added": added,
        "outcome_pk": outcome_pk,
        "action_item": action_item,
        "trafficking": trafficking,
    }


def revert_url(meeting, version):
    return reverse("admin:meetings_meeting_simple_history", args=[meeting.pk, version.history_id])


def history_row_count():
    return sum(
        model.history.count()
        for model in (Meeting, Attendance, Outcome, Document, ActionItem, ActionOwner, ProgressUpdate)
    )


def test_the_revert_page_lists_what_would_change_and_writes_nothing(editor_client, edited_meeting):
    meeting = edited_meeting["meeting"]
    rows_before = history_row_count()

    response = editor_client.get(revert_url(meeting, edited_meeting["version"]))

    assert response.status_code == 200
    assert history_row_count() == rows_before
    meeting.refresh_from_db()
    assert meeting.summary == "Wrong words."
    assertContains(
        response, "<li><strong>Summary:</strong> Wrong words. (now) → Right words.</li>", html=True
    )
    assertContains(
        response,
        "<li><strong>Themes:</strong> adds Trafficking in persons; removes People smuggling</li>",
        html=True,
    )
    assertContains(response, "<h3>1 removed (added since this version)</h3>", html=True, count=2)
    assertContains(response, '<ul class="revert-removed"><li>New Zealand (Member)</li></ul>', html=True)
    assertContains(response, "<h3>1 brought back (deleted since this version)</h3>", html=True, count=2)
    assertContains(response, "<h3>1 changed back</h3>", html=True)
    assertContains(response, "<li><strong>Role:</strong> Observer (now) → Co-Chair</li>", html=True)
    content = response.content.decode()
    assert "Indonesia (Co-Chair)" in content
    assert "Hold the next meeting" in content
    assert "Owner: Australia (Lead)" in content
    assert "an outcome that comes back brings back its action items" in content.lower()


def test_revert_brings_back_removes_and_restores_rows_as_they_were(editor_client, edited_meeting):
    meeting, version = edited_meeting["meeting"], edited_meeting["version"]
    url = revert_url(meeting, version)
    digest = editor_client.get(url).context["form"].initial["digest"]

    response = editor_client.post(url, {"digest": digest})

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == "Right words."
    assert list(meeting.themes.all()) == [edited_meeting["trafficking"]]
    attendance = {row.pk: (row.participant.name, row.role, row.note) for row in meeting.attendances.all()}
    assert attendance == {
        edited_meeting["changed"].pk: ("Australia", "co_chair", "Co-Chair"),
        edited_meeting["deleted_pk"]: ("Indonesia", "co_chair", "Host"),
    }
    outcome = meeting.outcomes.get()
    assert (outcome.pk, outcome.text) == (edited_meeting["outcome_pk"], "Members agreed to meet again.")
    assert list(outcome.themes.all()) == [edited_meeting["trafficking"]]
    action_item = outcome.action_items.get()
    assert (action_item.pk, action_item.title) == (edited_meeting["action_item"].pk, "Hold the next meeting")
    assert [owner.name for owner in action_item.owners.all()] == ["Australia"]
    assert [update.note for update in action_item.progress_updates.all()] == ["Venue found."]
    assert [document.title for document in meeting.documents.all()] == ["Co-Chairs' Statement"]
    latest = meeting.history.first()
    assert latest.history_user.username == "editor"
    assert latest.history_change_reason.startswith("Reverted to the version of ")
    assert latest.history_change_reason.endswith(" by editor")
    assert Attendance.history.get(id=edited_meeting["added"].pk, history_type="-").history_change_reason == (
        latest.history_change_reason
    )
    assert not editor_client.get(url).context["plan"].has_changes


def test_a_revert_confirmed_on_a_stale_page_writes_nothing(editor_client, edited_meeting):
    meeting, version = edited_meeting["meeting"], edited_meeting["version"]
    url = revert_url(meeting, version)
    digest = editor_client.get(url).context["form"].initial["digest"]
    AttendanceFactory(meeting=meeting, participant=ParticipantFactory(name="Thailand"))
    rows_before = history_row_count()

    response = editor_client.post(url, {"digest": digest})

    assert response.status_code == 200
    assert history_row_count() == rows_before
    assertContains(response, "The record changed since this page was opened. Nothing was written")
    assert "Thailand" in response.content.decode()


def test_revert_takes_outcomes_back_to_their_old_numbers(editor_client):
    meeting = MeetingFactory(published_at=None)
    first = OutcomeFactory(meeting=meeting, position=1, text="First.")
    second = OutcomeFactory(meeting=meeting, position=2, text="Second.")
    meeting.save()
    version = meeting.history.first()
    second.position = 3
    second.save()
    first.position = 2
    first.save()
    OutcomeFactory(meeting=meeting, position=1, text="Inserted.")
    url = revert_url(meeting, version)

    editor_client.post(url, {"digest": editor_client.get(url).context["form"].initial["digest"]})

    assert list(meeting.outcomes.values_list("position", "text")) == [(1, "First."), (2, "Second.")]


def test_rows_from_before_their_history_are_left_as_they_are(editor_client):
    meeting = MeetingFactory(published_at=None)
    with_no_history = AttendanceFactory(meeting=meeting)
    with_no_history.history.all().delete()
    version = meeting.history.first()
    meeting.summary = "Changed."
    meeting.save()

    response = editor_client.get(revert_url(meeting, version))

    assert response.context["plan"].sections[0].rows == []
    editor_client.post(revert_url(meeting, version), {"digest": response.context["form"].initial["digest"]})
    assert meeting.attendances.get() == with_no_history


def test_an_editor_cannot_revert_a_published_meeting(client, django_user_model):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(user)
    meeting = MeetingFactory(published_at=None, summary="Draft words.")
    draft_version = meeting.history.get()
    meeting.published_at = timezone.now()
    meeting.summary = "Published words."
    meeting.save()
    url = reverse("admin:meetings_meeting_simple_history", args=[meeting.pk, draft_version.history_id])

    page = client.get(url)

    assert page.context["revert_disabled"] is True
    assertContains(page, "only a publisher may change it, and so revert it")
    assertNotContains(page, 'value="Revert"')
    assert client.post(url, {"digest": page.context["form"].initial["digest"]}).status_code == 403
    meeting.refresh_from_db()
    assert (meeting.is_published, meeting.summary) == (True, "Published words.")


def test_reverting_needs_the_permissions_of_what_it_writes(client, django_user_model, edited_meeting):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "a-long-password-1", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="meetings",
            codename__in=["view_meeting", "change_meeting", "change_attendance"],
        )
    )
    client.force_login(user)
    meeting, version = edited_meeting["meeting"], edited_meeting["version"]
    url = revert_url(meeting, version)

    page = client.get(url)

    assert page.context["revert_disabled"] is True
    refusal = page.context["refusals"][0]
    assert refusal.startswith("This revert needs permissions you do not have: ")
    assert {"add attendance", "delete attendance", "add outcome", "delete outcome"} <= set(
        refusal.split(": ", 1)[1].rstrip(".").split(", ")
    )
    assertContains(page, refusal)
    assert client.post(url, {"digest": page.context["form"].initial["digest"]}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.summary == "Wrong words."


def test_a_revert_keeps_the_publication_as_it_is(editor_client):
    meeting = MeetingFactory(published_at=timezone.now(), summary="Public words.")
    version = meeting.history.get()
    meeting.published_at = None
    meeting.summary = "Draft words."
    meeting.save()
    url = revert_url(meeting, version)

    editor_client.post(url, {"digest": editor_client.get(url).context["form"].initial["digest"]})

    meeting.refresh_from_db()
    assert (meeting.summary, meeting.published_at) == ("Public words.", None)


def test_a_slug_another_meeting_took_since_stays_as_it_is(editor_client):
    meeting = MeetingFactory(published_at=None, slug="first-slug")
    version = meeting.history.get()
    meeting.slug = "second-slug"
    meeting.save()
    MeetingFactory(slug="first-slug")

    response = editor_client.get(revert_url(meeting, version))

    assertContains(response, "The slug stays “second-slug”: another meeting now has “first-slug”.")


@pytest.mark.parametrize("version_id", ["abc", "999999"])
def test_a_revert_to_no_version_is_not_found(editor_client, version_id):
    meeting = MeetingFactory()
    url = f"/admin/meetings/meeting/{meeting.pk}/history/{version_id}/"
    assert editor_client.get(url).status_code == 404


def test_a_revert_to_another_meeting_s_version_is_not_found(editor_client):
    meeting, other = MeetingFactory(), MeetingFactory()
    assert editor_client.get(revert_url(meeting, other.history.get())).status_code == 404


def test_a_deleted_meeting_cannot_be_reverted(editor_client):
    meeting = MeetingFactory(published_at=None)
    version = meeting.history.get()
    url = revert_url(meeting, version)
    meeting.delete()

    response = editor_client.get(url, follow=True)

    assertContains(response, "This meeting was deleted: it cannot be reverted.")


@pytest.mark.parametrize("version_id", ["abc", "999999"])
def test_a_version_of_another_kind_of_record_that_is_no_version_is_not_found(editor_client, version_id):
    outcome = OutcomeFactory()
    url = f"/admin/meetings/outcome/{outcome.pk}/history/{version_id}/"
    assert editor_client.get(url).status_code == 404


def test_a_version_saved_from_the_meeting_page_includes_the_rows_saved_with_it(editor_client):
    meeting = MeetingFactory(published_at=None)
    australia, indonesia = (
        ParticipantFactory(name="Australia"),
        ParticipantFactory(name="Indonesia", country="ID"),
    )
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    def add_attendance(participant):
        editor_client.post(
            url,
            change_form_data(
                editor_client,
                meeting,
                **inline_management("attendances", 1),
                **{"attendances-0-participant": participant.pk, "attendances-0-role": "member"},
                **{"attendances-0-position": "0"},
            ),
        )

    add_attendance(australia)
    version = meeting.history.first()
    assert Attendance.history.get(participant=australia).history_date == version.history_date
    add_attendance(indonesia)

    plan = editor_client.get(revert_url(meeting, version)).context["plan"]

    attendance = plan.sections[0]
    assert [row.label for row in attendance.removed] == ["Indonesia (Member)"]
    assert attendance.rows == attendance.removed


def test_an_imported_alias_is_kept_in_history_with_who_imported_it(django_user_model):
    from meetings.models import ParticipantAlias
    from meetings.records import RecordsImport, build_records

    importer = django_user_model.objects.create_user("importer", password="a-long-password-9")
    participant = ParticipantFactory(slug="aliased-state")
    document = build_records(meeting_slugs=[])
    record = next(record for record in document["participants"] if record["slug"] == "aliased-state")
    record["aliases"] = ["Aliased Republic"]
    RecordsImport(document).apply(user=importer)
    entry = ParticipantAlias.objects.get(participant=participant).history.get()
    assert entry.history_type == "+"
    assert entry.history_user == importer


# Imports -----------------------------------------------------------------------------------------


def test_an_import_of_one_changed_meeting_writes_one_history_entry_with_the_importing_user(
    editor_client, django_user_model
):
    from meetings.records import RecordsImport

    importer = django_user_model.objects.create_user("importer", password="a-long-password-9")
    smuggling = ThemeFactory(name="People smuggling", slug="people-smuggling")
    trafficking = ThemeFactory(name="Trafficking in persons", slug="trafficking-in-persons")
    parent = MeetingFactory(published_at=None, slug="parent-meeting")
    meeting = MeetingFactory(
        published_at=None, slug="changed-meeting", summary="Old words.", themes=[smuggling]
    )
    outcome = OutcomeFactory(meeting=meeting, position=1, text="Members agreed.")
    outcome.themes.add(smuggling)
    action_item = ActionItemFactory(outcome=outcome, title="Meet again")
    document = build_records(meeting_slugs=["changed-meeting"])
    record = next(record for record in document["meetings"] if record["slug"] == "changed-meeting")
    record["summary"] = "New words."
    record["parent"] = "parent-meeting"
    record["themes"] = ["trafficking-in-persons"]
    record["outcomes"][0]["themes"] = ["trafficking-in-persons"]
    record["outcomes"][0]["actions"][0]["themes"] = ["trafficking-in-persons"]
    before = {model: model.history.count() for model in (Meeting, Outcome, ActionItem)}

    RecordsImport(document).apply(user=importer)

    assert {model: model.history.count() - count for model, count in before.items()} == {
        Meeting: 1,
        Outcome: 1,
        ActionItem: 1,
    }
    latest = meeting.history.first()
    assert (latest.history_user, latest.summary, latest.parent_id) == (importer, "New words.", parent.pk)
    assert [link.theme for link in latest.themes.all()] == [trafficking]
    assert [link.theme for link in outcome.history.first().themes.all()] == [trafficking]
    assert [link.theme for link in action_item.history.first().themes.all()] == [trafficking]
    assert {outcome.history.first().history_user, action_item.history.first().history_user} == {importer}
    own = [
        words
        for what, _type, words in entries(history_page(editor_client, "meeting", meeting.pk))
        if what == meeting.title
    ]
    assert own[0] == [
        "Summary: Old words. → New words.",
        f"Held under: — → {parent}",
        "Themes: added Trafficking in persons; removed People smuggling",
    ]
