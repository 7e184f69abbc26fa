"""Writing a validated import: ``RecordsWriter`` creates, updates and deletes the rows it changes.

Nested rows are matched in place (attendance by participant, outcomes by number, documents and
actions in the export's order, memberships in order) so that ids that public addresses cite survive
an import. A file the import brings as
content is stored through its field's ``upload_to``, as an upload is (``files``). A second pass
links documents and actions that may sit in meetings written later in the same import.

An action's progress updates are its history, which an import only adds to: the file's updates that
the timeline lacks (by date, status and note) are added, and none already there is altered or
deleted. An import that changes an existing action's status goes through ``ActionItem.change_status``
(naming the import's user), unless the file's own latest update already records that status.

A meeting, outcome or action item whose many-to-many links change is saved too, so that its
``updated_at`` moves: the open data's ETag and ``export_records --since`` read those, and would
otherwise miss an import that changed links alone.

One import is one revision (``revisions.revision``, opened by ``RecordsImport.apply``): each record it
changes gets one entry in its history, holding the record with its parts as the import left them.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from ... import revisions, versions
from ...models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    OwnerRole,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)
from ..export import alias_sort_key, at_document_address, ordered_action_items, ordered_documents
from .fields import (
    action_fields,
    assign,
    attendance_fields,
    document_fields,
    match_timeline,
    meeting_fields,
    meeting_type_fields,
    membership_fields,
    outcome_fields,
    participant_fields,
    save_if_changed,
    theme_fields,
    update_fields,
)
from .files import FileContent

IMPORT_STATUS_NOTE = "Status changed by records import"


def set_links(related, ids):
    """Make the many-to-many manager ``related`` hold exactly ``ids``; the ids it added or removed."""
    current = set(related.values_list("pk", flat=True))
    wanted = set(ids)
    if current != wanted:
        related.set(wanted)
    return current ^ wanted


class RecordsWriter:
    """Writes a validated import's changed records; called inside a transaction."""

    def __init__(self, records_import, user=None):
        self.records = records_import
        # Who the progress update of a status the import changes names; None for an anonymous import.
        self.user = user
        self.user_ids = dict(
            get_user_model()
            .objects.filter(username__in=records_import.usernames)
            .values_list("username", "pk")
        )
        self._outcome_ids = {}
        # Outcome pk -> its actions in the order the file's were written to them, for the second pass.
        self._written_actions = {}
        # (model, pk) of the rows saved so far, whose ``updated_at`` has already moved.
        self._saved = set()
        # Meeting slug -> its documents in the order the file's were written to them.
        self._written_documents = {}
        # Names of the files stored from the file's content, for removing them if nothing is kept.
        self.stored_files = []

    def write(self):
        records = self.records
        for _path, record in records.changed("meeting_types"):
            existing = MeetingType.objects.filter(slug=record["slug"]).first() or MeetingType()
            save_if_changed(existing, meeting_type_fields(record))
        for _path, record in records.changed("themes"):
            existing = Theme.objects.filter(slug=record["slug"]).first() or Theme()
            save_if_changed(existing, theme_fields(record))
        self.type_ids = dict(MeetingType.objects.values_list("slug", "pk"))
        self.theme_ids = dict(Theme.objects.values_list("slug", "pk"))

        participants = records.changed("participants")
        for _path, record in participants:
            existing = Participant.objects.filter(slug=record["slug"]).first() or Participant()
            save_if_changed(existing, participant_fields(record))
        self.participant_ids = dict(Participant.objects.values_list("slug", "pk"))
        self._write_aliases(participants)

        meetings = records.changed("meetings")
        for _path, record in meetings:
            existing = Meeting.objects.filter(slug=record["slug"]).first() or Meeting()
            values = meeting_fields(record)
            values["meeting_type_id"] = self.type_ids[record["type"]]
            values["convening_body_id"] = self.participant_ids.get(record["convening_body"])
            self._save_with_files(existing, values, "hero_image")
        self.meeting_ids = dict(Meeting.objects.values_list("slug", "pk"))
        for _path, record in records.progress(meetings, "importing"):
            self._write_meeting(record)
        for _path, record in meetings:
            self._link_meeting(record)
        for _path, record in participants:
            self._write_memberships(record)

    def _ids(self, ids, slugs):
        return [ids[slug] for slug in slugs]

    def _save_if_changed(self, instance, values):
        if save_if_changed(instance, values):
            self._saved.add((type(instance), instance.pk))

    def _saved_once(self, instance):
        """Note that ``instance`` was saved by a path of its own."""
        self._saved.add((type(instance), instance.pk))

    def _links_changed(self, instance, fields):
        """After a change to ``fields`` (link field names) of ``instance``: its ``updated_at`` moves,
        by a save if none was made yet."""
        self._touch(instance)

    def _touch(self, instance):
        """Move ``instance``'s ``updated_at`` after a change to rows of its own (owners, links), unless
        it was saved already."""
        if (type(instance), instance.pk) not in self._saved:
            instance.save(update_fields=["updated_at"])
            self._saved.add((type(instance), instance.pk))

    def _write_aliases(self, participants):
        # Every removal before any addition: an alias may move from one participant to another.
        wanted = {
            self.participant_ids[record["slug"]]: set(record["aliases"]) for _path, record in participants
        }
        existing = ParticipantAlias.objects.filter(participant_id__in=list(wanted))
        for alias in existing:
            if alias.name not in wanted[alias.participant_id]:
                alias.delete()
        present = set(existing.values_list("participant_id", "name"))
        added = ParticipantAlias.objects.bulk_create(
            [
                ParticipantAlias(participant_id=participant_id, name=name)
                for participant_id, names in wanted.items()
                for name in sorted(names, key=alias_sort_key)
                if (participant_id, name) not in present
            ]
        )
        if added:
            # bulk_create sends no signal: the record's version and the revision are told here.
            versions.bump()
            revisions.add(*Participant.objects.filter(pk__in={alias.participant_id for alias in added}))

    def _write_meeting(self, record):
        meeting = Meeting.objects.get(slug=record["slug"])
        self._save_if_changed(meeting, {"parent_id": self.meeting_ids.get(record["parent"])})
        themes = set_links(meeting.themes, self._ids(self.theme_ids, record["themes"]))
        related = set_links(meeting.related_meetings, self._ids(self.meeting_ids, record["related_meetings"]))
        changed = [name for name, ids in (("themes", themes), ("related_meetings", related)) if ids]
        if changed:
            self._links_changed(meeting, changed)
        # Related meetings go both ways: the other side of each link made or broken changed too.
        if related:
            for other in Meeting.objects.filter(pk__in=related).order_by("pk"):
                self._links_changed(other, ["related_meetings"])

        # Matched in the order the export lists them, the order the plan and the file checks
        # compared them in: a document keeps its file by name only if it is the one holding it.
        documents = ordered_documents(meeting.documents.all())
        written = self._written_documents[record["slug"]] = []
        for index, wanted in enumerate(record["documents"]):
            document = documents[index] if index < len(documents) else Document(meeting=meeting)
            self._save_with_files(document, document_fields(wanted), "file")
            written.append(document)
        for document in documents[len(record["documents"]) :]:
            document.delete()

        attendances = {row.participant_id: row for row in meeting.attendances.all()}
        wanted_ids = set()
        for wanted in record["attendance"]:
            participant_id = self.participant_ids[wanted["participant"]]
            wanted_ids.add(participant_id)
            row = attendances.get(participant_id) or Attendance(
                meeting=meeting, participant_id=participant_id
            )
            save_if_changed(row, attendance_fields(wanted))
        for participant_id, row in attendances.items():
            if participant_id not in wanted_ids:
                row.delete()

        outcomes = {outcome.position: outcome for outcome in meeting.outcomes.all()}
        positions = {wanted["position"] for wanted in record["outcomes"]}
        for position, outcome in outcomes.items():
            if position not in positions:
                outcome.delete()
        for wanted in record["outcomes"]:
            outcome = outcomes.get(wanted["position"]) or Outcome(meeting=meeting)
            self._save_if_changed(outcome, outcome_fields(wanted))
            concerns = set_links(outcome.concerns, self._ids(self.participant_ids, wanted["concerns"]))
            themes = set_links(outcome.themes, self._ids(self.theme_ids, wanted["themes"]))
            changed = [name for name, ids in (("concerns", concerns), ("themes", themes)) if ids]
            if changed:
                self._links_changed(outcome, changed)
            self._write_actions(outcome, wanted["actions"])

    def _save_with_files(self, instance, values, field):
        """Save ``instance`` with ``values``, storing the file ``field`` from its content if the file
        gave one: under a name ``upload_to`` makes up, as an upload is."""
        given = values[field]
        if isinstance(given, FileContent):
            values[field] = given.as_upload()
        self._save_if_changed(instance, values)
        if isinstance(given, FileContent):
            stored = getattr(instance, field).name
            self.stored_files.append(stored)
            if given:
                # The rest of the file cites the document by the name it gave.
                self.records.stored_names[str(given)] = stored

    def _write_actions(self, outcome, wanted_actions):
        # Matched in the order the export lists them (position, then creation), the order the plan
        # compared them in, so that each file action lands on the action, and timeline, it describes.
        actions = ordered_action_items(outcome.action_items.all())
        written = self._written_actions[outcome.pk] = []
        for index, wanted in enumerate(wanted_actions):
            action = actions[index] if index < len(actions) else ActionItem(outcome=outcome)
            values = action_fields(wanted)
            values["due_at_next_id"] = self.type_ids.get(wanted["due_at_next"])
            values["fulfilled_by_meeting_id"] = self.meeting_ids.get(wanted["fulfilled_by"])
            values["reported_to_id"] = self.participant_ids.get(wanted["reported_to"])
            if wanted["superseded_by"] is None:
                values["superseded_by_id"] = None
            if wanted["fulfilled_by_document"] is None:
                values["fulfilled_by_document_id"] = None
            if self._records_status_change(action, values["status"], wanted["updates"]):
                assign(action, values)
                action.change_status(
                    values["status"],
                    by=self.user,
                    note=IMPORT_STATUS_NOTE,
                    date=timezone.localdate(self.records.now),
                )
                self._saved_once(action)
            else:
                self._save_if_changed(action, values)
            written.append(action)
            if set_links(action.themes, self._ids(self.theme_ids, wanted["themes"])):
                self._links_changed(action, ["themes"])
            if self._write_owners(action, wanted):
                self._touch(action)
            self._write_updates(action, wanted["updates"])
        for action in actions[len(wanted_actions) :]:
            action.delete()

    def _write_owners(self, action, wanted):
        """Match the action's owners and their roles to the record; whether any of them changed."""
        roles = {self.participant_ids[slug]: OwnerRole.LEAD for slug in wanted["owners"]}
        roles.update({self.participant_ids[slug]: OwnerRole.SUPPORT for slug in wanted["supporting_owners"]})
        ownerships = {ownership.participant_id: ownership for ownership in action.ownerships.all()}
        changed = False
        for participant_id, ownership in ownerships.items():
            if participant_id not in roles:
                ownership.delete()
                changed = True
        for participant_id, role in roles.items():
            ownership = ownerships.get(participant_id) or ActionOwner(
                action_item=action, participant_id=participant_id
            )
            changed = save_if_changed(ownership, {"role": role}) or changed
        return changed

    @staticmethod
    def _records_status_change(action, status, wanted_updates):
        """Whether the import moves an existing action to ``status`` without the file's updates
        saying so last, so that the change needs its own entry on the timeline."""
        if action.pk is None or action.status == status:
            return False
        return not wanted_updates or wanted_updates[-1]["status"] != status

    def _write_updates(self, action, wanted_updates):
        """Add the file's updates the action's timeline lacks; those on it stay as they are."""
        missing, _kept = match_timeline(
            action.progress_updates.all(),
            wanted_updates,
            key=lambda update: (update.date, update.status, update.note),
        )
        for wanted in missing:
            values = update_fields(wanted)
            values["meeting_id"] = self.meeting_ids.get(wanted["meeting"])
            values["recorded_by_id"] = self.user_ids.get(wanted["recorded_by"])
            ProgressUpdate.objects.create(action_item=action, **values)

    # Second pass: links to documents and actions, which may sit in meetings written later.

    def _link_meeting(self, record):
        meeting = Meeting.objects.get(slug=record["slug"])
        documents = self._written_documents[record["slug"]]
        for document, wanted in zip(documents, record["documents"], strict=True):
            translation = self._document(record["slug"], wanted["translation_of"])
            self._save_if_changed(document, {"translation_of_id": translation.pk if translation else None})
        outcomes = {outcome.position: outcome for outcome in meeting.outcomes.all()}
        for wanted in record["outcomes"]:
            outcome = outcomes[wanted["position"]]
            documents = [self._document(record["slug"], address).pk for address in wanted["documents"]]
            if set_links(outcome.documents, documents):
                self._links_changed(outcome, ["documents"])
            actions = self._written_actions[outcome.pk]
            for action, wanted_action in zip(actions, wanted["actions"], strict=True):
                document = self._document(record["slug"], wanted_action["fulfilled_by_document"])
                superseded_by = self._action(wanted_action["superseded_by"])
                self._save_if_changed(
                    action,
                    {
                        "fulfilled_by_document_id": document.pk if document else None,
                        "superseded_by_id": superseded_by.pk if superseded_by else None,
                    },
                )

    def _document(self, meeting_slug, address):
        """The document at ``address``: the meeting's own first, then any other."""
        if address is None:
            return None
        address = self.records.stored_names.get(address, address)
        at_address = Document.objects.filter(at_document_address(address)).order_by("pk")
        return at_address.filter(meeting__slug=meeting_slug).first() or at_address.first()

    def _action(self, ref):
        if ref is None:
            return None
        meeting_slug, numbers = ref.split("#")
        position, index = (int(number) for number in numbers.split("."))
        actions = ActionItem.objects.filter(outcome__meeting__slug=meeting_slug, outcome__position=position)
        return ordered_action_items(actions)[index - 1]

    def _outcome_id(self, ref):
        if ref is None:
            return None
        if ref not in self._outcome_ids:
            meeting_slug, position = ref.split("#")
            self._outcome_ids[ref] = Outcome.objects.get(
                meeting__slug=meeting_slug, position=int(position)
            ).pk
        return self._outcome_ids[ref]

    def _write_memberships(self, record):
        participant_id = self.participant_ids[record["slug"]]
        memberships = sorted(Membership.objects.filter(participant_id=participant_id), key=lambda m: m.pk)
        for index, wanted in enumerate(record["memberships"]):
            membership = (
                memberships[index] if index < len(memberships) else Membership(participant_id=participant_id)
            )
            values = membership_fields(wanted)
            values["body_id"] = self.participant_ids.get(wanted["body"])
            values["granted_by_id"] = self._outcome_id(wanted["granted_by"])
            values["ended_by_id"] = self._outcome_id(wanted["ended_by"])
            save_if_changed(membership, values)
        for membership in memberships[len(record["memberships"]) :]:
            membership.delete()
