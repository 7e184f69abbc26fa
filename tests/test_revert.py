"""Reverting an outcome, an action item or a participant from its history page, with its parts.

A meeting's revert is tested in test_history.py (the queries of its page here); the machinery is the
same (meetings/admin/revert/).
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from meetings.models import (
    ActionItem,
    ActionOwner,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
)
from meetings.roles import EDITOR, PUBLISHER
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

HISTORIES = (Outcome, ActionItem, ActionOwner, ProgressUpdate, Participant, ParticipantAlias)


def history_row_count():
    return sum(model.history.count() for model in HISTORIES)


def revert_url(record, version):
    return reverse(
        f"admin:meetings_{record._meta.model_name}_simple_history", args=[record.pk, version.history_id]
    )


def confirm(client, record, version):
    """Open the revert page of ``version`` and confirm it as shown; the answer to the POST."""
    url = revert_url(record, version)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {"digest": page.context["form"].initial["digest"]})


def staff_in(role, django_user_model):
    user = django_user_model.objects.create_user(
        f"{role.lower()}-user", f"{role.lower()}@example.org", "a-long-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def owners_of(action_item):
    return sorted((ownership.participant.name, ownership.role) for ownership in action_item.ownerships.all())


# Outcomes ----------------------------------------------------------------------------------------


@pytest.fixture
def edited_outcome():
    """A draft meeting's outcome, its version to go back to, and what changed since, by name."""
    australia = ParticipantFactory(name="Australia")
    indonesia = ParticipantFactory(name="Indonesia", country="ID")
    new_zealand = ParticipantFactory(name="New Zealand", country="NZ")
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime")
    unhcr = OrganisationFactory(name="United Nations High Commissioner for Refugees")
    trafficking = ThemeFactory(name="Trafficking in persons")
    smuggling = ThemeFactory(name="People smuggling")
    meeting = MeetingFactory(published_at=None)
    statement = DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    report = DocumentFactory(meeting=meeting, title="Workshop report")
    outcome = OutcomeFactory(meeting=meeting, position=1, text="Members agreed to meet again.")
    outcome.concerns.set([unodc])
    outcome.themes.set([trafficking])
    outcome.documents.set([statement])
    deleted = ActionItemFactory(outcome=outcome, position=1, title="Hold the next meeting")
    ActionOwnerFactory(action_item=deleted, participant=australia, role="lead")
    ProgressUpdateFactory(action_item=deleted, note="Venue found.")
    changed = ActionItemFactory(outcome=outcome, position=2, title="Draft the terms of reference")
    changed.themes.set([trafficking])
    ActionOwnerFactory(action_item=changed, participant=indonesia, role="lead")
    supporter = ActionOwnerFactory(action_item=changed, participant=australia, role="support")
    outcome.save()
    version = outcome.history.first()

    outcome.text = "Members agreed on nothing."
    outcome.save()
    outcome.concerns.set([unhcr])
    outcome.themes.set([smuggling])
    outcome.documents.set([report])
    deleted_pk = deleted.pk
    deleted.delete()
    changed.title = "Draft something else"
    changed.save()
    changed.themes.set([smuggling])
    changed.ownerships.filter(participant=indonesia).delete()
    supporter.role = "lead"
    supporter.save()
    ActionOwnerFactory(action_item=changed, participant=new_zealand, role="lead")
    added = ActionItemFactory(outcome=outcome, position=3, title="A later action")
    with_progress = ActionItemFactory(outcome=outcome, position=4, title="An action under way")
    ProgressUpdateFactory(action_item=with_progress, note="Started.")
    return {
        "outcome": outcome,
        "version": version,
        "deleted_pk": deleted_pk,
        "changed": changed,
        "added": added,
        "with_progress": with_progress,
        "unodc": unodc,
        "trafficking": trafficking,
        "statement": statement,
    }


def test_the_outcome_revert_page_lists_what_would_change_and_writes_nothing(editor_client, edited_outcome):
    outcome = edited_outcome["outcome"]
    rows_before = history_row_count()

    response = editor_client.get(revert_url(outcome, edited_outcome["version"]))

    assert response.status_code == 200
    assert history_row_count() == rows_before
    outcome.refresh_from_db()
    assert outcome.text == "Members agreed on nothing."
    assertContains(
        response,
        "<li><strong>Text:</strong> Members agreed on nothing. (now) → Members agreed to meet again.</li>",
        html=True,
    )
    assertContains(
        response,
        "<li><strong>Concerns:</strong> adds United Nations Office on Drugs and Crime; "
        "removes United Nations High Commissioner for Refugees</li>",
        html=True,
    )
    assertContains(
        response,
        "<li><strong>Documents:</strong> adds Co-Chairs' Statement; removes Workshop report</li>",
        html=True,
    )
    assertContains(response, "<h3>1 removed (added since this version)</h3>", html=True)
    assertContains(response, "<h3>1 brought back (deleted since this version)</h3>", html=True)
    assertContains(response, "<h3>1 changed back</h3>", html=True)
    assertContains(response, "<h3>1 left as it is</h3>", html=True)
    assertContains(
        response,
        "<li><strong>Title:</strong> Draft something else (now) → Draft the terms of reference</li>",
        html=True,
    )
    content = response.content.decode()
    assert "Owner: Australia (Lead) — brought back (deleted since this version)" in content
    assert "Progress update: 2015-03-27: In progress — brought back (deleted since this version)" in content
    assert "Owner: Indonesia (Lead) — brought back (deleted since this version)" in content
    assert "Owner: New Zealand (Lead) — removed (added since this version)" in content
    assert "Owner: Australia (Support) — changed back" in content
    assertContains(response, "<li><strong>Role:</strong> Lead (now) → Support</li>", html=True)
    assert "it has 1 progress update, and a revert never removes one" in content
    assert "Progress updates: a revert never removes or changes one." in content


def test_an_outcome_revert_restores_its_links_and_its_action_items_with_their_owners(
    editor_client, edited_outcome
):
    outcome, version = edited_outcome["outcome"], edited_outcome["version"]
    updates_before = ProgressUpdate.objects.filter(action_item=edited_outcome["with_progress"]).count()

    response = confirm(editor_client, outcome, version)

    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.text == "Members agreed to meet again."
    assert list(outcome.concerns.all()) == [edited_outcome["unodc"]]
    assert list(outcome.themes.all()) == [edited_outcome["trafficking"]]
    assert list(outcome.documents.all()) == [edited_outcome["statement"]]
    action_items = {item.pk: item for item in outcome.action_items.all()}
    assert set(action_items) == {
        edited_outcome["deleted_pk"],
        edited_outcome["changed"].pk,
        edited_outcome["with_progress"].pk,
    }
    restored = action_items[edited_outcome["deleted_pk"]]
    assert restored.title == "Hold the next meeting"
    assert owners_of(restored) == [("Australia", "lead")]
    assert [update.note for update in restored.progress_updates.all()] == ["Venue found."]
    changed = action_items[edited_outcome["changed"].pk]
    assert changed.title == "Draft the terms of reference"
    assert owners_of(changed) == [("Australia", "support"), ("Indonesia", "lead")]
    assert list(changed.themes.all()) == [edited_outcome["trafficking"]]
    assert not ActionItem.objects.filter(pk=edited_outcome["added"].pk).exists()
    assert (
        ProgressUpdate.objects.filter(action_item=edited_outcome["with_progress"]).count() == updates_before
    )
    latest = outcome.history.first()
    assert latest.history_user.username == "editor"
    assert latest.history_change_reason.startswith("Reverted to the version of ")
    assert latest.history_change_reason.endswith(" by editor")
    assert [link.participant for link in latest.concerns.all()] == [edited_outcome["unodc"]]
    removed_owner = ActionOwner.history.get(participant__name="New Zealand", history_type="-")
    assert removed_owner.history_change_reason == latest.history_change_reason
    assert changed.history.first().history_change_reason == latest.history_change_reason
    assert not editor_client.get(revert_url(outcome, version)).context["plan"].has_changes


def test_an_outcome_keeps_its_number_where_another_outcome_now_holds_it(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None), position=1, text="First.")
    version = outcome.history.get()
    outcome.position = 2
    outcome.save()
    OutcomeFactory(meeting=outcome.meeting, position=1, text="Another first.")

    response = editor_client.get(revert_url(outcome, version))

    assertContains(response, "Its number stays 2: “1. Another first.” now holds number 1.")
    assert not response.context["plan"].has_changes


# Action items ------------------------------------------------------------------------------------


@pytest.fixture
def edited_action_item():
    australia = ParticipantFactory(name="Australia")
    indonesia = ParticipantFactory(name="Indonesia", country="ID")
    trafficking = ThemeFactory(name="Trafficking in persons")
    action_item = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)),
        title="Hold the next meeting",
        status="in_progress",
        due_as_published="first half of 2015",
    )
    action_item.themes.set([trafficking])
    ActionOwnerFactory(action_item=action_item, participant=australia, role="lead")
    ProgressUpdateFactory(action_item=action_item, status="in_progress", note="Venue found.")
    action_item.save()
    version = action_item.history.first()

    action_item.title = "Hold a meeting some day"
    action_item.due_as_published = ""
    action_item.save()
    action_item.themes.clear()
    action_item.ownerships.all().delete()
    ActionOwnerFactory(action_item=action_item, participant=indonesia, role="support")
    action_item.change_status("completed", by=None, note="Held.")
    return {"action_item": action_item, "version": version, "trafficking": trafficking}


def test_an_action_item_revert_restores_its_fields_themes_and_owners_and_adds_to_its_timeline(
    editor_client, edited_action_item
):
    action_item, version = edited_action_item["action_item"], edited_action_item["version"]
    page = editor_client.get(revert_url(action_item, version))
    assertContains(page, "<li><strong>Status:</strong> Completed (now) → In progress</li>", html=True)
    assertContains(page, "<li><strong>Themes:</strong> adds Trafficking in persons</li>", html=True)
    assertContains(page, '<ul class="revert-removed"><li>Indonesia (Support)</li></ul>', html=True)
    assertContains(page, '<ul class="revert-restored"><li>Australia (Lead)</li></ul>', html=True)
    assertContains(page, "the updates since stay on the timeline")

    response = editor_client.post(
        revert_url(action_item, version), {"digest": page.context["form"].initial["digest"]}
    )

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert (action_item.title, action_item.status, action_item.due_as_published) == (
        "Hold the next meeting",
        "in_progress",
        "first half of 2015",
    )
    assert list(action_item.themes.all()) == [edited_action_item["trafficking"]]
    assert owners_of(action_item) == [("Australia", "lead")]
    timeline = [(update.status, update.note) for update in action_item.progress_updates.all()]
    reason = action_item.history.first().history_change_reason
    assert reason.startswith("Reverted to the version of ") and reason.endswith(" by editor")
    # Nothing of the timeline is removed: the revert's own update records the status going back.
    assert timeline[:2] == [("in_progress", "Venue found."), ("completed", "Held.")]
    assert timeline[2] == ("in_progress", reason)
    assert action_item.progress_updates.latest().recorded_by.username == "editor"


def test_an_action_item_revert_confirmed_on_a_stale_page_writes_nothing(editor_client, edited_action_item):
    action_item, version = edited_action_item["action_item"], edited_action_item["version"]
    url = revert_url(action_item, version)
    digest = editor_client.get(url).context["form"].initial["digest"]
    ActionOwnerFactory(action_item=action_item, participant=ParticipantFactory(name="Thailand", country="TH"))
    rows_before = history_row_count()

    response = editor_client.post(url, {"digest": digest})

    assert response.status_code == 200
    assert history_row_count() == rows_before
    assertContains(response, "The record changed since this page was opened. Nothing was written")
    assertContains(response, "Thailand (Lead)")


# Who may revert ----------------------------------------------------------------------------------


def an_outcome_of(meeting):
    outcome = OutcomeFactory(meeting=meeting, text="Right words.")
    version = outcome.history.get()
    outcome.text = "Wrong words."
    outcome.save()
    return outcome, version


def an_action_item_of(meeting):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), title="Right words.")
    version = action_item.history.get()
    action_item.title = "Wrong words."
    action_item.save()
    return action_item, version


def words_of(record):
    record.refresh_from_db()
    return record.text if isinstance(record, Outcome) else record.title


@pytest.mark.parametrize("build", [an_outcome_of, an_action_item_of])
def test_an_editor_cannot_revert_a_part_of_a_published_meeting(client, django_user_model, build):
    client.force_login(staff_in(EDITOR, django_user_model))
    meeting = MeetingFactory(title="Eighth AHG Senior Officials' Meeting", published_at=timezone.now())
    record, version = build(meeting)
    url = revert_url(record, version)
    rows_before = history_row_count()

    page = client.get(url)

    assert page.context["revert_disabled"] is True
    kind = record._meta.verbose_name
    assertContains(
        page,
        f"Its meeting “Eighth AHG Senior Officials&#x27; Meeting” is public or scheduled to be: only a "
        f"publisher may change it, and so revert this {kind}.",
    )
    assertNotContains(page, 'value="Revert"')
    assert client.post(url, {"digest": page.context["form"].initial["digest"]}).status_code == 403
    assert words_of(record) == "Wrong words."
    assert history_row_count() == rows_before
    history = client.get(reverse(f"admin:meetings_{record._meta.model_name}_history", args=[record.pk]))
    assert history.context["revert_disabled"] is True


@pytest.mark.parametrize("build", [an_outcome_of, an_action_item_of])
def test_a_publisher_reverts_a_part_of_a_published_meeting(client, django_user_model, build):
    client.force_login(staff_in(PUBLISHER, django_user_model))
    record, version = build(MeetingFactory(published_at=timezone.now()))

    assert confirm(client, record, version).status_code == 302

    assert words_of(record) == "Right words."


@pytest.mark.parametrize("build", [an_outcome_of, an_action_item_of])
def test_an_editor_reverts_a_part_of_a_draft(client, django_user_model, build):
    client.force_login(staff_in(EDITOR, django_user_model))
    record, version = build(MeetingFactory(published_at=None))

    assert confirm(client, record, version).status_code == 302

    assert words_of(record) == "Right words."


# Participants ------------------------------------------------------------------------------------


def test_a_participant_revert_brings_back_its_other_names(editor_client):
    participant = ParticipantFactory(name="Viet Nam", slug="viet-nam", country="VN")
    kept = ParticipantAliasFactory(participant=participant, name="Vietnam")
    removed = ParticipantAliasFactory(participant=participant, name="Socialist Republic of Viet Nam")
    participant.save()
    version = participant.history.first()
    participant.name = "Viet Nam (renamed)"
    participant.save()
    kept.name = "Viet-Nam"
    kept.save()
    removed_pk = removed.pk
    removed.delete()
    ParticipantAliasFactory(participant=participant, name="VN")
    page = editor_client.get(revert_url(participant, version))
    assertContains(page, "<li><strong>Name:</strong> Viet Nam (renamed) (now) → Viet Nam</li>", html=True)
    assertContains(page, '<ul class="revert-removed"><li>VN</li></ul>', html=True)
    assertContains(page, "Memberships: left as they are")

    response = editor_client.post(
        revert_url(participant, version), {"digest": page.context["form"].initial["digest"]}
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.name == "Viet Nam"
    assert sorted(participant.aliases.values_list("pk", "name")) == sorted(
        [(kept.pk, "Vietnam"), (removed_pk, "Socialist Republic of Viet Nam")]
    )
    assert ParticipantAlias.history.get(name="VN", history_type="-").history_user.username == "editor"


def test_an_other_name_another_participant_now_goes_by_stays_with_it(editor_client):
    participant = ParticipantFactory(name="Türkiye", slug="turkiye", country="TR")
    alias = ParticipantAliasFactory(participant=participant, name="Turkey")
    participant.save()
    version = participant.history.first()
    alias.delete()
    ParticipantAliasFactory(participant=ParticipantFactory(name="Another state"), name="turkey")

    response = editor_client.get(revert_url(participant, version))

    assertContains(response, "“Turkey” stays with Another state, who now goes by it.")
    assert not response.context["plan"].has_changes


# Queries -----------------------------------------------------------------------------------------


def a_busy_outcome(changes):
    """An outcome's version, then ``changes`` rounds of edits to it, its links, action items and owners."""
    outcome = OutcomeFactory(meeting=MeetingFactory(published_at=None), text="First words.")
    outcome.themes.add(ThemeFactory())
    kept = ActionItemFactory(outcome=outcome, title="Kept")
    ActionOwnerFactory(action_item=kept)
    gone = [ActionItemFactory(outcome=outcome) for _index in range(changes)]
    for action_item in gone:
        ActionOwnerFactory(action_item=action_item)
        ProgressUpdateFactory(action_item=action_item)
        action_item.themes.add(ThemeFactory())
    outcome.save()
    version = outcome.history.first()
    for index, action_item in enumerate(gone):
        action_item.delete()
        outcome.text = f"Words {index}"
        outcome.save()
        outcome.themes.add(ThemeFactory())
        outcome.concerns.add(ParticipantFactory())
        kept.title = f"Kept {index}"
        kept.save()
        kept.themes.add(ThemeFactory())
        ActionOwnerFactory(action_item=kept)
        added = ActionItemFactory(outcome=outcome)
        ActionOwnerFactory(action_item=added)
    return outcome, version


def a_busy_meeting(changes):
    meeting = MeetingFactory(published_at=None, themes=[ThemeFactory()])
    gone = []
    for _index in range(changes):
        outcome = OutcomeFactory(meeting=meeting)
        outcome.themes.add(ThemeFactory())
        action_item = ActionItemFactory(outcome=outcome)
        ActionOwnerFactory(action_item=action_item)
        ProgressUpdateFactory(action_item=action_item)
        gone.append(outcome)
    documents = [DocumentFactory(meeting=meeting) for _index in range(changes)]
    meeting.save()
    version = meeting.history.first()
    for index, (outcome, document) in enumerate(zip(gone, documents, strict=True)):
        outcome.delete()
        document.title = f"Statement {index}"
        document.save()
        OutcomeFactory(meeting=meeting).themes.add(ThemeFactory())
        AttendanceFactory(meeting=meeting)
        meeting.summary = f"Words {index}"
        meeting.save()
        meeting.themes.add(ThemeFactory())
    return meeting, version


def a_busy_action_item(changes):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    gone = [ActionOwnerFactory(action_item=action_item) for _index in range(changes)]
    action_item.save()
    version = action_item.history.first()
    for index, ownership in enumerate(gone):
        ownership.delete()
        ActionOwnerFactory(action_item=action_item, role="support")
        ProgressUpdateFactory(action_item=action_item, note=f"Step {index}")
        action_item.themes.add(ThemeFactory())
        action_item.description = f"Words {index}"
        action_item.save()
    return action_item, version


def a_busy_participant(changes):
    participant = ParticipantFactory()
    gone = [ParticipantAliasFactory(participant=participant) for _index in range(changes)]
    participant.save()
    version = participant.history.first()
    for index, alias in enumerate(gone):
        alias.delete()
        renamed = ParticipantAliasFactory(participant=participant)
        renamed.name = f"{renamed.name}, renamed"
        renamed.save()
        participant.description = f"Words {index}"
        participant.save()
    return participant, version


def revert_page_queries(client, record, version):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(revert_url(record, version))
    assert response.status_code == 200
    assert response.context["plan"].has_changes
    return len(captured)


@pytest.mark.parametrize(
    ("build", "queries"),
    [
        # Each: session, user, the version, the record. Then per kind of row: rows now, their ids in
        # history, their history, those now elsewhere; per link field: links then, links now,
        # which of those then still exist, their names.
        # Meeting: related meetings (2: none then or now), themes (4); attendance and documents (3
        # each: none elsewhere), outcomes (4), the action items of those removed (1); action items
        # (4), owners (4) and progress updates (4) of those that come back, their themes (1: none
        # then); the links of outcomes that come back (concerns 1, themes 3, documents 1).
        (a_busy_meeting, 4 + 2 + 4 + 3 + 3 + 4 + 1 + 4 + 4 + 4 + 1 + 1 + 3 + 1),
        # Outcome: its 3 link fields (9: no concern or document linked then); action items (4),
        # which of those added since have progress (1), owners and progress updates of those that
        # come back (8), their themes (3: none linked now), the themes of those that stay (3:
        # none linked then), their owners (3: none of them elsewhere).
        (a_busy_outcome, 4 + 9 + 4 + 1 + 8 + 3 + 3 + 3),
        # Action item: its themes (3: none linked then), its owners (4).
        (a_busy_action_item, 4 + 3 + 4),
        # Participant: its other names (4), which names others now go by (1).
        (a_busy_participant, 4 + 4 + 1),
    ],
)
def test_a_revert_page_costs_the_same_queries_for_few_and_many_changes(editor_client, build, queries):
    few, many = build(1), build(12)
    revert_page_queries(editor_client, *few)  # content types and when history began, once

    assert [revert_page_queries(editor_client, *few), revert_page_queries(editor_client, *many)] == [
        queries,
        queries,
    ]
    assert len(editor_client.get(revert_url(*many)).context["plan"].sections[0].rows) >= 12
