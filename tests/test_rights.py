"""The rule of meetings/rights.py on every path that writes, cell by cell of README's table.

Each path below does one thing through the admin's own URLs and forms, POSTing what a browser would
or what a browser would not (a field shown disabled, a choice not offered), as an Editor or a
Publisher, to the record of a draft, a published or a scheduled meeting. Where the rule allows it,
it takes effect; where it does not, the answer is a 403 or a page that says why, and the database
is unchanged.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import rights
from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    DocumentKind,
    Meeting,
    MeetingStatus,
    OwnerRole,
    ProgressUpdate,
)
from meetings.records import build_records, dumps
from meetings.roles import EDITOR, PUBLISHER
from tests.admin_forms import (
    first_version,
    import_records,
    inline_management,
    meeting_form_data,
    page_version,
    staff_in,
)
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LAST_WEEK = timezone.now() - datetime.timedelta(days=7)
NEXT_WEEK = timezone.now() + datetime.timedelta(days=7)
PUBLICATION = {"draft": None, "published": LAST_WEEK, "scheduled": NEXT_WEEK}
STATES = list(PUBLICATION)
# What a refusal says on a page that is not a 403.
REFUSALS = (
    "only a publisher may",
    "Saved progress updates are kept as they are",
    "permission to delete the following types of objects",
)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class Attempt:
    """What one path did: whether it changed the database, and the answer the user got."""

    took_effect: bool
    response: HttpResponse
    refused_as_shown: bool | None = None  # for paths whose refusal is neither of the usual two

    @property
    def refused(self):
        if self.refused_as_shown is not None:
            return self.refused_as_shown
        if self.response.status_code == 403:
            return True
        return self.response.status_code == 200 and any(text in self.response.text for text in REFUSALS)


def meeting_in(state, **fields):
    return MeetingFactory(published_at=PUBLICATION[state], **fields)


def admin_url(record, view="change"):
    return reverse(f"admin:meetings_{record._meta.model_name}_{view}", args=[record.pk])


def add_url(model):
    return reverse(f"admin:meetings_{model._meta.model_name}_add")


def changelist_url(model):
    return reverse(f"admin:meetings_{model._meta.model_name}_changelist")


def unchanged(record, **values):
    """Whether ``record`` in the database still has ``values``."""
    record.refresh_from_db()
    return all(getattr(record, name) == value for name, value in values.items())


# The admin's forms, as a browser posts them ------------------------------------------------------


def post_form(client, record, data):
    """POST ``data`` to ``record``'s change page with the version the page carries as ``client``
    opens it, as a browser would (none where the page is one to view only)."""
    return client.post(admin_url(record), {"version": page_version(client, record), **data})


def meeting_post(meeting, **overrides):
    published_at = timezone.localtime(meeting.published_at) if meeting.published_at else None
    fields = {
        "title": meeting.title,
        "slug": meeting.slug,
        "number": "",
        "published_at_0": published_at.strftime("%Y-%m-%d") if published_at else "",
        "published_at_1": published_at.strftime("%H:%M:%S") if published_at else "",
    }
    return meeting_form_data(meeting.meeting_type, **{**fields, **overrides})


def outcome_post(outcome, **overrides):
    actions = list(outcome.action_items.order_by("position", "pk"))
    data = {
        "meeting": outcome.meeting_id,
        "position": outcome.position,
        "kind": outcome.kind,
        "text": outcome.text,
        "addressed_to": outcome.addressed_to,
        **inline_management("action_items", len(actions), len(actions)),
    }
    for index, action in enumerate(actions):
        data.update(
            {
                f"action_items-{index}-id": action.pk,
                f"action_items-{index}-outcome": outcome.pk,
                f"action_items-{index}-position": action.position,
                f"action_items-{index}-title": action.title,
                f"action_items-{index}-status": action.status,
                f"action_items-{index}-due_as_published": action.due_as_published,
                f"action_items-{index}-due_date": "",
                f"action_items-{index}-due_precision": "",
            }
        )
    data.update(overrides)
    return data


def action_post(action_item, **overrides):
    saved = action_item.pk is not None
    ownerships = list(action_item.ownerships.order_by("pk")) if saved else []
    updates = list(action_item.progress_updates.order_by("date", "created_at", "pk")) if saved else []
    data = {
        "outcome": action_item.outcome_id,
        "position": action_item.position,
        "title": action_item.title,
        "description": action_item.description,
        "due_as_published": action_item.due_as_published,
        "due_date": "",
        "due_precision": "",
        "due_at_next": "",
        "status": action_item.status,
        "status_note": "",
        "superseded_by": "",
        "fulfilled_by_meeting": "",
        "fulfilled_by_document": "",
        "reported_to": "",
        **inline_management("ownerships", len(ownerships), len(ownerships)),
        **inline_management("progress_updates", len(updates), len(updates)),
    }
    for index, ownership in enumerate(ownerships):
        data.update(
            {
                f"ownerships-{index}-id": ownership.pk,
                f"ownerships-{index}-action_item": action_item.pk,
                f"ownerships-{index}-participant": ownership.participant_id,
                f"ownerships-{index}-role": ownership.role,
            }
        )
    for index, update in enumerate(updates):
        # Saved entries are shown read-only: the browser sends their ids alone.
        data.update(
            {
                f"progress_updates-{index}-id": update.pk,
                f"progress_updates-{index}-action_item": action_item.pk,
            }
        )
    data.update(overrides)
    return data


def attendance_post(attendance, **overrides):
    return {
        "meeting": attendance.meeting_id,
        "participant": attendance.participant_id,
        "role": attendance.role,
        "person": attendance.person,
        "note": attendance.note,
        "position": attendance.position,
        **overrides,
    }


def document_post(document, **overrides):
    return {
        "meeting": document.meeting_id or "",
        "title": document.title,
        "kind": document.kind,
        "url": document.url,
        "language": document.language,
        "translation_of": "",
        "published_on": "",
        "position": document.position,
        **overrides,
    }


def a_pdf():
    return SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf")


def action_of(state, **fields):
    return ActionItemFactory(outcome=OutcomeFactory(meeting=meeting_in(state)), **fields)


def progress_post(action_item, **overrides):
    return {
        "action_item": action_item.pk,
        "date": timezone.localdate().isoformat(),
        "status": ActionStatus.IN_PROGRESS,
        "note": "Terms of reference drafted.",
        "percent_complete": "",
        "meeting": "",
        **overrides,
    }


# Change forms --------------------------------------------------------------------------------------


def meeting_change_form(client, state, user):
    meeting = meeting_in(state, summary="As published.")
    response = post_form(client, meeting, meeting_post(meeting, summary="Corrected."))
    return Attempt(not unchanged(meeting, summary="As published."), response)


def attendance_change_form(client, state, user):
    attendance = AttendanceFactory(meeting=meeting_in(state))
    response = post_form(client, attendance, attendance_post(attendance, role=AttendanceRole.OBSERVER))
    return Attempt(not unchanged(attendance, role=AttendanceRole.MEMBER), response)


def outcome_change_form(client, state, user):
    outcome = OutcomeFactory(meeting=meeting_in(state))
    text = outcome.text
    response = post_form(client, outcome, outcome_post(outcome, text="Members agreed otherwise."))
    return Attempt(not unchanged(outcome, text=text), response)


def outcome_cites_a_document(client, state, user):
    """Citing a document of no meeting from an outcome: public with that outcome, once published."""
    outcome = OutcomeFactory(meeting=meeting_in(state))
    document = DocumentFactory(meeting=None)
    response = post_form(client, outcome, outcome_post(outcome, documents=[document.pk]))
    return Attempt(outcome.documents.exists(), response)


def document_change_form(client, state, user):
    document = DocumentFactory(meeting=meeting_in(state), title="Co-Chairs' Statement")
    response = post_form(client, document, document_post(document, title="Co-Chairs' Statement (revised)"))
    return Attempt(not unchanged(document, title="Co-Chairs' Statement"), response)


def paste_attendance(client, state, user):
    meeting = meeting_in(state)
    ParticipantFactory(name="Australia")
    url = reverse("admin:meetings_meeting_paste_attendance", args=[meeting.pk])
    response = client.post(url, {"text": "Australia", "role": AttendanceRole.MEMBER})
    return Attempt(meeting.attendances.exists(), response)


# Inlines --------------------------------------------------------------------------------------------


def meeting_page_adds_attendance(client, state, user):
    meeting = meeting_in(state)
    participant = ParticipantFactory()
    data = meeting_post(
        meeting,
        **inline_management("attendances", 1),
        **{"attendances-0-participant": participant.pk, "attendances-0-role": AttendanceRole.MEMBER},
        **{"attendances-0-position": "0"},
    )
    response = post_form(client, meeting, data)
    return Attempt(meeting.attendances.exists(), response)


def meeting_page_adds_an_outcome(client, state, user):
    meeting = meeting_in(state)
    data = meeting_post(
        meeting,
        **inline_management("outcomes", 1),
        **{"outcomes-0-position": "1", "outcomes-0-kind": "agreed", "outcomes-0-text": "Members agreed."},
    )
    response = post_form(client, meeting, data)
    return Attempt(meeting.outcomes.exists(), response)


def meeting_page_adds_a_document(client, state, user):
    meeting = meeting_in(state)
    data = meeting_post(
        meeting,
        **inline_management("documents", 1),
        **{"documents-0-title": "Statement", "documents-0-kind": DocumentKind.CO_CHAIRS_STATEMENT},
        **{"documents-0-url": "https://example.org/statement.pdf", "documents-0-language": "en"},
        **{"documents-0-position": "0"},
    )
    response = post_form(client, meeting, data)
    return Attempt(meeting.documents.exists(), response)


def outcome_page_changes_an_action(client, state, user):
    action_item = action_of(state, title="Hold the first meeting")
    outcome = action_item.outcome
    response = post_form(client, outcome, outcome_post(outcome, **{"action_items-0-title": "Renamed"}))
    return Attempt(not unchanged(action_item, title="Hold the first meeting"), response)


def outcome_page_adds_an_action(client, state, user):
    outcome = OutcomeFactory(meeting=meeting_in(state))
    data = outcome_post(
        outcome,
        **inline_management("action_items", 1),
        **{
            "action_items-0-position": "0",
            "action_items-0-title": "New",
            "action_items-0-status": "not_started",
        },
    )
    response = post_form(client, outcome, data)
    return Attempt(outcome.action_items.exists(), response)


def outcome_page_deletes_an_action(client, state, user):
    action_item = action_of(state)
    outcome = action_item.outcome
    response = post_form(client, outcome, outcome_post(outcome, **{"action_items-0-DELETE": "on"}))
    return Attempt(not ActionItem.objects.filter(pk=action_item.pk).exists(), response)


# The action item page ----------------------------------------------------------------------------


def action_page_changes_the_title(client, state, user):
    action_item = action_of(state, title="Hold the first meeting")
    response = post_form(client, action_item, action_post(action_item, title="Renamed"))
    return Attempt(not unchanged(action_item, title="Hold the first meeting"), response)


def action_page_changes_the_timeframe(client, state, user):
    action_item = action_of(state, due_as_published="")
    data = action_post(action_item, due_as_published="late 2015", due_date="2015-12-31", due_precision="year")
    response = post_form(client, action_item, data)
    return Attempt(not unchanged(action_item, due_as_published="", due_date=None), response)


def action_page_adds_an_owner(client, state, user):
    action_item = action_of(state)
    participant = ParticipantFactory()
    data = action_post(
        action_item,
        **inline_management("ownerships", 1),
        **{"ownerships-0-participant": participant.pk, "ownerships-0-role": OwnerRole.LEAD},
    )
    response = post_form(client, action_item, data)
    return Attempt(action_item.ownerships.exists(), response)


def action_page_removes_an_owner(client, state, user):
    ownership = ActionOwnerFactory(action_item=action_of(state))
    data = action_post(ownership.action_item, **{"ownerships-0-DELETE": "on"})
    response = post_form(client, ownership.action_item, data)
    return Attempt(not ActionOwner.objects.filter(pk=ownership.pk).exists(), response)


def action_page_moves_it_out_of_its_outcome(client, state, user):
    action_item = action_of(state)
    draft_outcome = OutcomeFactory(meeting=meeting_in("draft"))
    response = post_form(client, action_item, action_post(action_item, outcome=draft_outcome.pk))
    return Attempt(not unchanged(action_item, outcome_id=action_item.outcome_id), response)


def action_page_changes_the_status_with_a_note(client, state, user):
    action_item = action_of(state)
    data = action_post(
        action_item, status=ActionStatus.IN_PROGRESS, status_note="Terms of reference drafted."
    )
    response = post_form(client, action_item, data)
    update = action_item.progress_updates.first()
    took_effect = not unchanged(action_item, status=ActionStatus.NOT_STARTED)
    assert not took_effect or (update.recorded_by, update.note) == (user, "Terms of reference drafted.")
    return Attempt(took_effect, response)


def action_page_adds_a_progress_update(client, state, user):
    action_item = action_of(state)
    data = action_post(
        action_item,
        **inline_management("progress_updates", 1),
        **{
            "progress_updates-0-date": timezone.localdate().isoformat(),
            "progress_updates-0-status": ActionStatus.IN_PROGRESS,
            "progress_updates-0-note": "Started.",
        },
    )
    response = post_form(client, action_item, data)
    update = action_item.progress_updates.first()
    assert update is None or update.recorded_by == user
    return Attempt(update is not None, response)


def action_page_rewrites_a_progress_update(client, state, user):
    update = ProgressUpdateFactory(action_item=action_of(state), note="Venue found.")
    data = action_post(
        update.action_item,
        **{
            "progress_updates-0-date": "2015-03-27",
            "progress_updates-0-status": ActionStatus.IN_PROGRESS,
            "progress_updates-0-note": "Nothing happened.",
        },
    )
    response = post_form(client, update.action_item, data)
    return Attempt(not unchanged(update, note="Venue found."), response)


def action_page_deletes_a_progress_update(client, state, user):
    update = ProgressUpdateFactory(action_item=action_of(state))
    response = post_form(
        client, update.action_item, action_post(update.action_item, **{"progress_updates-0-DELETE": "on"})
    )
    return Attempt(not ProgressUpdate.objects.filter(pk=update.pk).exists(), response)


# The progress update admin --------------------------------------------------------------------


def progress_admin_adds_an_update(client, state, user):
    action_item = action_of(state)
    someone_else = staff_in(PUBLISHER if user.username.startswith("editor") else EDITOR, type(user))
    # recorded_by is the signed-in user's, whatever the POST says.
    response = client.post(add_url(ProgressUpdate), progress_post(action_item, recorded_by=someone_else.pk))
    update = action_item.progress_updates.first()
    assert update is None or update.recorded_by == user
    return Attempt(update is not None, response)


def progress_admin_changes_an_update(client, state, user):
    update = ProgressUpdateFactory(action_item=action_of(state), note="Venue found.")
    response = post_form(client, update, progress_post(update.action_item, note="Nothing happened."))
    return Attempt(not unchanged(update, note="Venue found."), response)


def progress_admin_deletes_an_update(client, state, user):
    update = ProgressUpdateFactory(action_item=action_of(state))
    response = client.post(admin_url(update, "delete"), {"post": "yes"})
    return Attempt(not ProgressUpdate.objects.filter(pk=update.pk).exists(), response)


# Bulk actions --------------------------------------------------------------------------------------


def bulk_publication(client, state, user):
    """Publishing a draft, or returning a published or scheduled meeting to draft."""
    meeting = meeting_in(state)
    action = "publish_now" if state == "draft" else "return_to_draft"
    offered = dict(client.get(changelist_url(Meeting)).context["action_form"].fields["action"].choices)
    response = client.post(changelist_url(Meeting), {"action": action, ACTION_CHECKBOX_NAME: [meeting.pk]})
    took_effect = not unchanged(meeting, published_at=PUBLICATION[state])
    return Attempt(took_effect, response, refused_as_shown=action not in offered and not took_effect)


def bulk_mark_in_progress(client, state, user):
    action_item = action_of(state)
    reported_at = MeetingFactory(start_date=datetime.date(2015, 3, 27))
    data = {
        "action": "mark_in_progress",
        ACTION_CHECKBOX_NAME: [action_item.pk],
        "apply": "yes",
        "note": "Reported by the co-chairs.",
        "date": "2015-03-27",
        "meeting": reported_at.pk,
    }
    response = client.post(changelist_url(ActionItem), data)
    update = action_item.progress_updates.first()
    assert update is None or (update.recorded_by, update.meeting) == (user, reported_at)
    return Attempt(not unchanged(action_item, status=ActionStatus.NOT_STARTED), response)


def bulk_mark_completed_saying_what_fulfilled_it(client, state, user):
    action_item = action_of(state)
    fulfilling = MeetingFactory(start_date=datetime.date(2015, 3, 27))
    data = {
        "action": "mark_completed",
        ACTION_CHECKBOX_NAME: [action_item.pk],
        "apply": "yes",
        "note": "Held.",
        "date": "2015-03-27",
        "fulfilled_by_meeting": fulfilling.pk,
    }
    response = client.post(changelist_url(ActionItem), data)
    return Attempt(
        not unchanged(action_item, status=ActionStatus.NOT_STARTED, fulfilled_by_meeting=None), response
    )


def bulk_delete_meetings(client, state, user):
    meeting = meeting_in(state)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [meeting.pk], "post": "yes"}
    response = client.post(changelist_url(Meeting), data)
    return Attempt(not Meeting.objects.filter(pk=meeting.pk).exists(), response)


def bulk_delete_action_items(client, state, user):
    action_item = action_of(state)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [action_item.pk], "post": "yes"}
    response = client.post(changelist_url(ActionItem), data)
    return Attempt(not ActionItem.objects.filter(pk=action_item.pk).exists(), response)


def bulk_delete_documents(client, state, user):
    document = DocumentFactory(meeting=meeting_in(state))
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [document.pk], "post": "yes"}
    response = client.post(changelist_url(Document), data)
    return Attempt(not Document.objects.filter(pk=document.pk).exists(), response)


# Deletes -------------------------------------------------------------------------------------------


def deleting(make):
    def delete(client, state, user):
        record = make(state)
        response = client.post(admin_url(record, "delete"), {"post": "yes"})
        return Attempt(not type(record).objects.filter(pk=record.pk).exists(), response)

    delete.__name__ = f"delete_{make.__name__}"
    return delete


def meeting(state):
    return meeting_in(state)


def attendance(state):
    return AttendanceFactory(meeting=meeting_in(state))


def outcome(state):
    return OutcomeFactory(meeting=meeting_in(state))


def action_item(state):
    return action_of(state)


def document(state):
    return DocumentFactory(meeting=meeting_in(state))


# Moves: a POST naming another meeting or outcome as where a part belongs ----------------------------


def add_action_item_to_an_outcome(client, state, user):
    outcome = OutcomeFactory(meeting=meeting_in(state))
    draft_action = ActionItem(outcome=outcome, title="Hold the first meeting")
    response = client.post(add_url(ActionItem), action_post(draft_action, outcome=outcome.pk))
    return Attempt(outcome.action_items.exists(), response)


def move_a_drafts_action_item_to_an_outcome(client, state, user):
    action_item = action_of("draft")
    target = OutcomeFactory(meeting=meeting_in(state))
    response = post_form(client, action_item, action_post(action_item, outcome=target.pk))
    return Attempt(not unchanged(action_item, outcome_id=action_item.outcome_id), response)


def add_attendance_to_a_meeting(client, state, user):
    meeting = meeting_in(state)
    participant = ParticipantFactory()
    data = {
        "meeting": meeting.pk,
        "participant": participant.pk,
        "role": AttendanceRole.MEMBER,
        "position": "0",
    }
    response = client.post(add_url(Attendance), data)
    return Attempt(meeting.attendances.exists(), response)


def move_a_drafts_attendance_to_a_meeting(client, state, user):
    attendance = AttendanceFactory(meeting=meeting_in("draft"))
    target = meeting_in(state)
    response = post_form(client, attendance, attendance_post(attendance, meeting=target.pk))
    return Attempt(target.attendances.exists(), response)


def move_a_drafts_outcome_to_a_meeting(client, state, user):
    outcome = OutcomeFactory(meeting=meeting_in("draft"))
    target = meeting_in(state)
    response = post_form(client, outcome, outcome_post(outcome, meeting=target.pk))
    return Attempt(target.outcomes.exists(), response)


def add_a_document_to_a_meeting(client, state, user):
    meeting = meeting_in(state)
    data = document_post(
        Document(title="Statement", kind=DocumentKind.REPORT, url="https://example.org/report.pdf"),
        meeting=meeting.pk,
    )
    response = client.post(add_url(Document), data)
    return Attempt(meeting.documents.exists(), response)


def move_a_drafts_document_to_a_meeting(client, state, user):
    document = DocumentFactory(meeting=meeting_in("draft"))
    target = meeting_in(state)
    response = post_form(client, document, document_post(document, meeting=target.pk))
    return Attempt(target.documents.exists(), response)


# Imports -----------------------------------------------------------------------------------------


def import_edited(client, meeting, edit):
    """Export ``meeting``'s records, ``edit`` them (the document as a dict), and import them."""
    document = json.loads(dumps(build_records(meeting_slugs=[meeting.slug])))
    edit(document["meetings"][0])
    return import_records(client, json.dumps(document))


def import_changes_the_summary(client, state, user):
    meeting = meeting_in(state, summary="As published.")
    response = import_edited(client, meeting, lambda record: record.update(summary="Corrected."))
    return Attempt(not unchanged(meeting, summary="As published."), response)


def import_changes_an_actions_title(client, state, user):
    action_item = action_of(state, title="Hold the first meeting")
    meeting = action_item.outcome.meeting
    response = import_edited(
        client, meeting, lambda record: record["outcomes"][0]["actions"][0].update(title="Renamed")
    )
    return Attempt(not unchanged(action_item, title="Hold the first meeting"), response)


def import_adds_attendance(client, state, user):
    meeting = meeting_in(state)
    participant = ParticipantFactory()
    response = import_edited(
        client, meeting, lambda record: record["attendance"].append({"participant": participant.slug})
    )
    return Attempt(meeting.attendances.exists(), response)


def import_adds_a_progress_update(client, state, user):
    action_item = action_of(state)
    update = {"date": "2015-03-27", "status": ActionStatus.IN_PROGRESS, "note": "Started."}
    response = import_edited(
        client,
        action_item.outcome.meeting,
        lambda record: record["outcomes"][0]["actions"][0]["updates"].append(update),
    )
    return Attempt(action_item.progress_updates.exists(), response)


# Reverts -----------------------------------------------------------------------------------------


def revert(client, record, version):
    """Open the revert page of ``version`` and confirm it as shown (a refused page has no form)."""
    url = reverse(f"admin:meetings_{record._meta.model_name}_revision", args=[record.pk, version.pk])
    page = client.get(url)
    digest = page.context["form"].initial["digest"] if page.status_code == 200 else "x" * 64
    return client.post(url, {"digest": digest})


def revert_a_meeting(client, state, user):
    meeting = meeting_in(state, summary="First.")
    version = first_version(meeting)
    meeting.summary = "Second."
    meeting.save()
    response = revert(client, meeting, version)
    return Attempt(unchanged(meeting, summary="First."), response)


def revert_an_action_item(client, state, user):
    action_item = action_of(state, title="First")
    version = first_version(action_item)
    action_item.title = "Second"
    action_item.save()
    response = revert(client, action_item, version)
    return Attempt(unchanged(action_item, title="First"), response)


def revert_an_attendance(client, state, user):
    attendance = AttendanceFactory(meeting=meeting_in(state), role=AttendanceRole.MEMBER)
    version = first_version(attendance)
    attendance.role = AttendanceRole.OBSERVER
    attendance.save()
    response = revert(client, attendance, version)
    return Attempt(unchanged(attendance, role=AttendanceRole.MEMBER), response)


def revert_a_drafts_attendance_to_its_published_meeting(client, state, user):
    """A version names the meeting the attendance was at then: reverting moves it back there."""
    attendance = AttendanceFactory(meeting=meeting_in(state))
    version = first_version(attendance)
    then = attendance.meeting_id
    attendance.meeting = meeting_in("draft")
    attendance.save()
    response = revert(client, attendance, version)
    return Attempt(unchanged(attendance, meeting_id=then), response)


def revert_a_document(client, state, user):
    document = DocumentFactory(meeting=meeting_in(state), title="First")
    version = first_version(document)
    document.title = "Second"
    document.save()
    response = revert(client, document, version)
    return Attempt(unchanged(document, title="First"), response)


# Documents' files ----------------------------------------------------------------------------


def replace_a_documents_file(client, state, user):
    document = DocumentFactory(meeting=meeting_in(state))
    response = post_form(client, document, document_post(document, file=a_pdf()))
    document.refresh_from_db()
    return Attempt(bool(document.file), response)


def replace_the_file_of_a_document_an_outcome_cites(client, state, user):
    """A document of no meeting, cited by an outcome: public, or locked, with that outcome's meeting."""
    document = DocumentFactory(meeting=None)
    OutcomeFactory(meeting=meeting_in(state)).documents.add(document)
    response = post_form(client, document, document_post(document, file=a_pdf()))
    document.refresh_from_db()
    return Attempt(bool(document.file), response)


def upload_a_document_to_a_meeting(client, state, user):
    meeting = meeting_in(state)
    data = document_post(
        Document(title="Report", kind=DocumentKind.REPORT, url=""), meeting=meeting.pk, file=a_pdf()
    )
    response = client.post(add_url(Document), data)
    return Attempt(meeting.documents.exists(), response)


def take_a_cited_document_out_of_its_draft(client, state, user):
    """Without its (draft) meeting, a document an outcome cites would be public through that outcome."""
    document = DocumentFactory(meeting=meeting_in("draft"))
    OutcomeFactory(meeting=meeting_in(state)).documents.add(document)
    response = post_form(client, document, document_post(document, meeting=""))
    return Attempt(not unchanged(document, meeting_id=document.meeting_id), response)


# The table -----------------------------------------------------------------------------------------

# What each path changes: the record (a publisher's alone once the meeting has a publication
# time), progress (anyone's), the timeline as saved (no one's), or publication (a publisher's).
RECORD, PROGRESS, TIMELINE, PUBLICATION_TIME = "record", "progress", "timeline", "publication"

# README's table, row by row: each path, and what each of its operations changes.
PATHS = {
    "change form": [
        (meeting_change_form, RECORD),
        (attendance_change_form, RECORD),
        (outcome_change_form, RECORD),
        (outcome_cites_a_document, RECORD),
        (document_change_form, RECORD),
        (paste_attendance, RECORD),
    ],
    "inline": [
        (meeting_page_adds_attendance, RECORD),
        (meeting_page_adds_an_outcome, RECORD),
        (meeting_page_adds_a_document, RECORD),
        (outcome_page_changes_an_action, RECORD),
        (outcome_page_adds_an_action, RECORD),
        (outcome_page_deletes_an_action, RECORD),
    ],
    "action item page: everything but its status": [
        (action_page_changes_the_title, RECORD),
        (action_page_changes_the_timeframe, RECORD),
        (action_page_adds_an_owner, RECORD),
        (action_page_removes_an_owner, RECORD),
        (action_page_moves_it_out_of_its_outcome, RECORD),
    ],
    "action item page: status, with a note": [(action_page_changes_the_status_with_a_note, PROGRESS)],
    "progress update: add": [
        (action_page_adds_a_progress_update, PROGRESS),
        (progress_admin_adds_an_update, PROGRESS),
    ],
    "progress update: change or delete": [
        (action_page_rewrites_a_progress_update, TIMELINE),
        (action_page_deletes_a_progress_update, TIMELINE),
        (progress_admin_changes_an_update, TIMELINE),
        (progress_admin_deletes_an_update, TIMELINE),
    ],
    "bulk action: mark in progress, completed, cancelled": [
        (bulk_mark_in_progress, PROGRESS),
        (bulk_mark_completed_saying_what_fulfilled_it, RECORD),
    ],
    "bulk action: publish now, return to draft": [(bulk_publication, PUBLICATION_TIME)],
    "delete": [
        *((deleting(make), RECORD) for make in (meeting, attendance, outcome, action_item, document)),
        (bulk_delete_meetings, RECORD),
        (bulk_delete_action_items, RECORD),
        (bulk_delete_documents, RECORD),
    ],
    "move between outcomes or meetings": [
        (add_action_item_to_an_outcome, RECORD),
        (move_a_drafts_action_item_to_an_outcome, RECORD),
        (add_attendance_to_a_meeting, RECORD),
        (move_a_drafts_attendance_to_a_meeting, RECORD),
        (move_a_drafts_outcome_to_a_meeting, RECORD),
        (add_a_document_to_a_meeting, RECORD),
        (move_a_drafts_document_to_a_meeting, RECORD),
    ],
    "import": [
        (import_changes_the_summary, RECORD),
        (import_changes_an_actions_title, RECORD),
        (import_adds_attendance, RECORD),
        (import_adds_a_progress_update, RECORD),
    ],
    "revert": [
        (revert_a_meeting, RECORD),
        (revert_an_action_item, RECORD),
        (revert_an_attendance, RECORD),
        (revert_a_drafts_attendance_to_its_published_meeting, RECORD),
        (revert_a_document, RECORD),
    ],
    "document file": [
        (replace_a_documents_file, RECORD),
        (replace_the_file_of_a_document_an_outcome_cites, RECORD),
        (upload_a_document_to_a_meeting, RECORD),
        (take_a_cited_document_out_of_its_draft, RECORD),
    ],
}


def test_the_table_of_readme_has_the_rows_tested_here():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Roles and publishing")[1].split("\n## ")[0]
    rows = [line.split(" | ")[0].lstrip("| ") for line in section.splitlines() if line.startswith("| ")]
    assert [row.split(" (")[0] for row in rows[1:]] == list(PATHS)


def allowed(rule, role, state):
    return {
        RECORD: role == PUBLISHER or state == "draft",
        PROGRESS: True,
        TIMELINE: False,
        PUBLICATION_TIME: role == PUBLISHER,
    }[rule]


@pytest.mark.parametrize("role", [EDITOR, PUBLISHER])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    ("operation", "rule"),
    [
        pytest.param(operation, rule, id=f"{path}:{operation.__name__}")
        for path, rows in PATHS.items()
        for operation, rule in rows
    ],
)
def test_the_rule_on_every_path(client, django_user_model, role, state, operation, rule):
    user = staff_in(role, django_user_model)
    client.force_login(user)

    attempt = operation(client, state, user)

    if allowed(rule, role, state):
        assert attempt.took_effect, attempt.response.status_code
        assert attempt.response.status_code in (200, 302)
        assert not any(text in attempt.response.text for text in REFUSALS)
    else:
        assert not attempt.took_effect
        assert attempt.refused, (attempt.response.status_code, attempt.response.text[:2000])


# Finding by finding ------------------------------------------------------------------------------


def editor_client(django_user_model):
    client = Client()
    client.force_login(staff_in(EDITOR, django_user_model))
    return client


def test_an_editor_cannot_publish_a_drafts_action_by_moving_it_into_a_published_outcome(django_user_model):
    client = editor_client(django_user_model)
    action_item = action_of("draft")
    draft_outcome = action_item.outcome
    published = OutcomeFactory(meeting=meeting_in("published", title="Eighth AHG SOM"))
    api_address = reverse("api:action_detail", kwargs={"action_id": action_item.pk})
    assert Client().get(api_address).status_code == 404

    response = post_form(client, action_item, action_post(action_item, outcome=published.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["outcome"] == [
        "“Eighth AHG SOM” is published or scheduled to be: only a publisher may change its record."
    ]
    assert unchanged(action_item, outcome_id=draft_outcome.pk)
    assert Client().get(api_address).status_code == 404


def test_a_publisher_may_move_an_action_into_a_published_outcome_which_publishes_it(
    client, django_user_model
):
    client.force_login(staff_in(PUBLISHER, django_user_model))
    action_item = action_of("draft")
    published = OutcomeFactory(meeting=meeting_in("published"))

    response = post_form(client, action_item, action_post(action_item, outcome=published.pk))

    assert response.status_code == 302
    assert Client().get(reverse("api:action_detail", kwargs={"action_id": action_item.pk})).status_code == 200


@pytest.mark.parametrize("state", ["published", "scheduled"])
def test_an_editor_sees_a_locked_outcomes_action_items_read_only(django_user_model, state):
    client = editor_client(django_user_model)
    action_item = action_of(state)

    response = client.get(admin_url(action_item.outcome))

    (inline,) = response.context["inline_admin_formsets"]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize("state", ["published", "scheduled"])
def test_an_editor_may_change_only_the_status_and_its_note_on_a_locked_actions_page(django_user_model, state):
    client = editor_client(django_user_model)
    ActionOwnerFactory(action_item=(action_item := action_of(state)))

    response = client.get(admin_url(action_item))

    form = response.context["adminform"].form
    # (The page's version is carried back, not typed: see meetings/admin/locking.py.)
    open_fields = {name for name, field in form.fields.items() if not field.disabled}
    assert open_fields == {"status", "status_note", "version"}
    owners, timeline = response.context["inline_admin_formsets"]
    assert (owners.has_add_permission, owners.has_change_permission, owners.has_delete_permission) == (
        False,
        False,
        False,
    )
    assert timeline.has_add_permission


def test_a_locked_actions_page_names_what_an_editor_may_not_change(django_user_model):
    client = editor_client(django_user_model)
    action_item = action_of("published", title="Hold the first meeting")
    meeting = action_item.outcome.meeting

    response = post_form(client, action_item, action_post(action_item, title="Renamed", description="Added."))

    assert response.context["adminform"].form.non_field_errors() == [
        f"“{meeting}” is published or scheduled to be: only a publisher may change its record. "
        "Not saved: title and description."
    ]


def test_an_editor_may_take_a_published_action_out_of_superseded_which_it_no_longer_names(django_user_model):
    client = editor_client(django_user_model)
    successor = action_of("published")
    action_item = ActionItemFactory(
        outcome=successor.outcome, status=ActionStatus.SUPERSEDED, superseded_by=successor
    )
    data = action_post(action_item, superseded_by=successor.pk, status=ActionStatus.IN_PROGRESS)
    del data["title"], data["description"]  # a browser sends no disabled field

    response = post_form(client, action_item, data)

    assert response.status_code == 302
    assert unchanged(action_item, status=ActionStatus.IN_PROGRESS, superseded_by=None)


def test_an_editors_status_change_on_a_published_action_is_public_at_once_and_names_them(django_user_model):
    client = editor_client(django_user_model)
    action_item = action_of("published")

    post_form(
        client,
        action_item,
        action_post(action_item, status=ActionStatus.COMPLETED, status_note="Held in Bangkok."),
    )

    answer = Client().get(reverse("api:action_detail", kwargs={"action_id": action_item.pk})).json()
    assert answer["status"] == ActionStatus.COMPLETED
    assert [update["note"] for update in answer["progress_updates"]] == ["Held in Bangkok."]
    assert action_item.progress_updates.get().recorded_by.username == "editor-user"


@pytest.mark.parametrize(
    ("source", "field"),
    [("attendance", "meeting"), ("outcome", "meeting"), ("document", "meeting"), ("actionitem", "outcome")],
)
@pytest.mark.parametrize("role", [EDITOR, PUBLISHER])
def test_autocomplete_of_where_a_part_belongs_offers_editors_drafts_only(
    client, django_user_model, source, field, role
):
    client.force_login(staff_in(role, django_user_model))
    records = {state: OutcomeFactory(meeting=meeting_in(state)) for state in STATES}
    if field == "meeting":
        records = {state: outcome.meeting for state, outcome in records.items()}

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetings", "model_name": source, "field_name": field, "term": ""},
    )

    offered = {int(result["id"]) for result in response.json()["results"]}
    expected = STATES if role == PUBLISHER else ["draft"]
    assert offered == {records[state].pk for state in expected}


def test_autocomplete_of_where_progress_was_reported_offers_every_meeting(django_user_model):
    client = editor_client(django_user_model)
    meetings = [meeting_in(state) for state in STATES]

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetings", "model_name": "progressupdate", "field_name": "meeting", "term": ""},
    )

    assert {int(result["id"]) for result in response.json()["results"]} == {m.pk for m in meetings}


# Imports name the record and the field -----------------------------------------------------------


def test_an_editors_import_names_every_change_to_a_published_meeting(django_user_model):
    client = editor_client(django_user_model)
    action_item = action_of("published", title="Hold the first meeting")
    meeting = action_item.outcome.meeting
    AttendanceFactory(meeting=meeting, participant=ParticipantFactory(slug="australia"))
    unodc = ParticipantFactory(slug="unodc")

    def edit(record):
        record["summary"] = "Corrected."
        record["attendance"] = [{"participant": unodc.slug, "role": AttendanceRole.OBSERVER}]
        record["outcomes"][0]["actions"][0]["title"] = "Renamed"
        record["outcomes"][0]["actions"][0]["updates"].append({"date": "2015-03-27", "status": "completed"})
        record["outcomes"].append({"position": 9, "kind": "noted", "text": "Members noted."})

    response = import_edited(client, meeting, edit)

    assert [str(error) for error in response.context["errors"]] == [
        "meetings[0].attendance: would remove the attendance of 'australia' (not in the file) from a "
        "published or scheduled meeting: only a publisher may",
        "meetings[0].attendance[0]: adds the attendance of 'unodc' to a published or scheduled meeting: "
        "only a publisher may",
        "meetings[0].outcomes[0].actions[0].title: changes a published or scheduled meeting: only a "
        "publisher may",
        "meetings[0].outcomes[0].actions[0].updates: adds progress updates to an action of a published or "
        "scheduled meeting: only a publisher may import them; record its progress on the action's page",
        "meetings[0].outcomes[1]: adds outcome 9 to a published or scheduled meeting: only a publisher may",
        "meetings[0].summary: changes a published or scheduled meeting: only a publisher may",
    ]
    assert unchanged(action_item, title="Hold the first meeting")


def test_an_editors_import_names_nested_rows_by_their_place_in_the_file(django_user_model):
    client = editor_client(django_user_model)
    meeting = meeting_in("scheduled")
    first, second = OutcomeFactory(meeting=meeting, position=1), OutcomeFactory(meeting=meeting, position=2)

    def edit(record):
        # Listed in the file second first: the error names the file's place, not the number.
        record["outcomes"].reverse()
        record["outcomes"][0]["text"] = "Changed."

    response = import_edited(client, meeting, edit)

    assert [str(error) for error in response.context["errors"]] == [
        "meetings[0].outcomes[0].text: changes a published or scheduled meeting: only a publisher may"
    ]
    assert unchanged(second, text=second.text) and unchanged(first, text=first.text)


# Progress: checked, and recorded by who records it -----------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"date": "tomorrow"},
            "date",
            "A progress update records what has happened: its date cannot be after today.",
        ),
        (
            {"date": "2013-01-01"},
            "date",
            "“{action}” was set off at “{meeting}” on 2014-08-06: its progress cannot be dated before.",
        ),
        (
            {"date": "2015-03-27", "meeting": "cancelled"},
            "meeting",
            "“Cancelled meeting” was cancelled: nothing was reported there.",
        ),
        (
            {"date": "2015-03-27", "meeting": "later"},
            "meeting",
            "“Later meeting” began on 2016-05-01, after this update's date: it was not reported there.",
        ),
    ],
    ids=["after-today", "before-its-action", "at-a-cancelled-meeting", "at-a-later-meeting"],
)
def test_a_progress_update_records_what_happened_where_it_was_reported(
    django_user_model, fields, field, message
):
    client = editor_client(django_user_model)
    action_item = action_of("published")
    meetings = {
        "cancelled": MeetingFactory(title="Cancelled meeting", status=MeetingStatus.CANCELLED),
        "later": MeetingFactory(title="Later meeting", start_date=datetime.date(2016, 5, 1)),
    }
    if "meeting" in fields:
        fields = {**fields, "meeting": meetings[fields["meeting"]].pk}
    if fields["date"] == "tomorrow":
        fields = {**fields, "date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}

    response = client.post(add_url(ProgressUpdate), progress_post(action_item, **fields))

    assert response.context["adminform"].form.errors[field] == [
        message.format(action=action_item, meeting=action_item.outcome.meeting)
    ]
    assert not ProgressUpdate.objects.exists()


def test_a_bulk_status_change_dated_after_today_is_refused(django_user_model):
    client = editor_client(django_user_model)
    action_items = [action_of("published"), action_of("draft")]

    response = client.post(
        changelist_url(ActionItem),
        {
            "action": "mark_in_progress",
            ACTION_CHECKBOX_NAME: [item.pk for item in action_items],
            "apply": "yes",
            "date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        },
    )

    assert response.context["form"].errors["date"] == [
        "A progress update records what has happened: its date cannot be after today."
    ]
    assert not ProgressUpdate.objects.exists()


# Documents: public only through a published meeting ---------------------------------------------


def document_with_file(meeting, title="Co-Chairs' Statement"):
    document = Document(meeting=meeting, title=title, file=SimpleUploadedFile("statement.pdf", PDF))
    document.full_clean()
    document.save()
    return document


def placed(place, state):
    """A document with a file: of a meeting in ``state``, or of no meeting and cited by an outcome of one
    (or by none)."""
    if place == "of its meeting":
        return document_with_file(meeting_in(state), title="Quokka statement")
    document = document_with_file(None, title="Quokka statement")
    if place == "cited by an outcome":
        OutcomeFactory(meeting=meeting_in(state)).documents.add(document)
    return document


@pytest.mark.parametrize("place", ["of its meeting", "cited by an outcome", "cited by nothing"])
@pytest.mark.parametrize("state", STATES)
def test_a_document_is_public_only_through_a_published_meeting(client, place, state):
    document = placed(place, state)
    public = state == "published" and place != "cited by nothing"

    assert (document in Document.objects.published()) is public
    assert client.get(reverse("meetings:document_file", kwargs={"pk": document.pk})).status_code == (
        200 if public else 404
    )
    api_answer = client.get(reverse("api:document_detail", kwargs={"document_id": document.pk}))
    assert api_answer.status_code == (200 if public else 404)
    listed = client.get(reverse("api:document_list")).json()["results"]
    assert [row["id"] for row in listed] == ([document.pk] if public else [])
    hits = client.get(reverse("meetings:search"), {"q": "quokka"}).context["search"].total
    assert hits == (1 if public else 0)


def test_a_document_of_no_meeting_is_listed_with_the_outcome_that_cites_it(client):
    document = placed("cited by an outcome", "published")
    outcome = document.outcomes.get()

    answer = client.get(reverse("api:document_detail", kwargs={"document_id": document.pk})).json()
    page = client.get(outcome.meeting.get_absolute_url())

    assert answer["meeting"] is None
    assert answer["url"] == f"http://testserver/outcomes/{outcome.pk}/"
    assert "Quokka statement" in page.text


def test_staff_download_the_files_of_drafts_documents(django_user_model):
    client = editor_client(django_user_model)
    document = placed("cited by nothing", "draft")

    assert client.get(reverse("meetings:document_file", kwargs={"pk": document.pk})).status_code == 200


def test_an_action_page_names_what_fulfilled_it_only_if_public(client):
    hidden = document_with_file(None, title="Unpublished report")
    action_item = action_of("published", status=ActionStatus.COMPLETED, fulfilled_by_document=hidden)

    page = client.get(action_item.get_absolute_url())

    assert "Unpublished report" not in page.text


# The rule itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [EDITOR, PUBLISHER])
@pytest.mark.parametrize("state", STATES)
def test_may_change_is_the_publish_permission_once_a_meeting_has_a_publication_time(
    django_user_model, role, state
):
    user = staff_in(role, django_user_model)
    action_item = action_of(state)
    cited = DocumentFactory(meeting=None)
    action_item.outcome.documents.add(cited)
    expected = allowed(RECORD, role, state)

    assert rights.may_change(user, action_item.outcome.meeting) is expected
    for part in (
        action_item,
        action_item.outcome,
        cited,
        DocumentFactory(meeting=action_item.outcome.meeting),
    ):
        assert rights.may_change_part(user, part) is expected
    assert rights.may_change(user, None) and rights.may_change_part(user, DocumentFactory(meeting=None))
