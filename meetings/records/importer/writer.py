"""Writing a validated import: ``RecordsWriter`` creates, updates and deletes the rows it changes.

Nested rows are matched in place (attendance by participant, outcomes by number, documents and
actions in the export's order, memberships in order) so that ids that public addresses cite survive
an import. A file the import brings as content is stored through its field's ``upload_to``, as an
upload is (``files``). A second pass links documents and actions that may sit in meetings written
later in the same import; it keeps the ids of the rows to link, not the rows.

Meetings are written ``BATCH`` at a time, as the import reads them again from its source
(``RecordsImport.changed``): each meeting's own row first, for the whole file, so that links
between meetings find their ids, then its parts. Their rows in the database are read in a fixed
number of queries, and the rows the import creates are written in bulk, one statement per kind and
batch: meetings, documents, outcomes and actions with ``bulk_create``, which gives the ids that
other rows name; attendance, owners, progress updates and links as built (``bulk.insert_built``).
On PostgreSQL new actions take their ids from the sequence first (``bulk.reserved_ids``) and their
owners are written before them, so that the database makes each action's search document once, as
the action is inserted. A row that changes or goes is saved or deleted on its own, as an editor's
would be. Bulk writes send no signals, so the record's version moves once, in the same transaction
(``versions.bump``), and the history is written after the rows (``write_history``).

An action's progress updates are its history, which an import only adds to: the file's updates that
the timeline lacks (by date, status and note) are added, and none already there is altered or
deleted. An import that changes an existing action's status goes through ``ActionItem.change_status``
(naming the import's user), unless the file's own latest update already records that status.

A meeting, outcome or action item whose many-to-many links change is saved too, so that its
``updated_at`` moves: the open data's ETag and ``export_records --since`` read those, and would
otherwise miss an import that changed links alone.

History: each record the import changes gets one entry, holding the record with its parts as the
import left them. The rows are written with no revision open (so no save adds anything to one), then
``write_history`` adds each changed record once to one revision, written in bulk
(``revisions.BulkRevision``, which follows its parts as django-reversion does), read back with its
parts in a fixed number of queries ``BATCH`` meetings at a time, so that memory holds one batch.
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from ... import attendance_tallies, bulk, revisions, tallies, versions
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
from ...search import indexing
from ..export import alias_sort_key, ordered_action_items, ordered_documents
from ..memory import let_go
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
from .parsing import CREATED

IMPORT_STATUS_NOTE = "Status changed by records import"
# New rows that others name by id, written before them: they need their ids back.
NAMED_BY_ID = (Document, Outcome, ActionItem)
# Meetings written, and read back for the history, at a time.
BATCH = 100
# Documents' addresses looked up in one query: within any database's limit on parameters (three each).
LOOKUP_CHUNK = 300


def batches(items, size):
    """``items`` in lists of at most ``size``, read as they are needed (a progress bar follows them)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def set_links(related, ids):
    """Make the many-to-many manager ``related`` hold exactly ``ids``; the ids it added or removed.

    It reads the links from a prefetched manager without a query."""
    current = {row.pk for row in related.all()}
    wanted = set(ids)
    if current != wanted:
        related.set(wanted)
    return current ^ wanted


def with_parts(meetings):
    """``meetings`` with every part an import compares, in a fixed number of queries. The lookups
    are flat paths, for the reason ``export.meeting_queryset`` gives; links are compared as sets."""
    return meetings.prefetch_related(
        "themes",
        "related_meetings",
        "documents",
        "attendances__participant",
        "outcomes__concerns",
        "outcomes__themes",
        "outcomes__documents",
        "outcomes__action_items__themes",
        "outcomes__action_items__ownerships__participant",
        "outcomes__action_items__progress_updates",
    )


class NewRows:
    """Rows (and many-to-many links) of records created by the import, written kind by kind."""

    def __init__(self):
        self.rows = defaultdict(list)

    def add(self, row):
        self.rows[type(row)].append(row)
        return row

    def link(self, model, name, pk, ids):
        """Links ``ids`` of the many-to-many field ``name`` of the row ``pk``, which holds none yet."""
        field = model._meta.get_field(name)
        through = field.remote_field.through
        source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        for related_pk in ids:
            self.rows[through].append(through(**{source: pk, target: related_pk}))

    def write(self, *models):
        """Write the rows of ``models`` held so far (all of them if none is named). Rows that others
        name (documents, outcomes, actions) get their ids; the rest are inserted as built."""
        for model in models or list(self.rows):
            rows = self.rows.pop(model, [])
            if model in NAMED_BY_ID:
                model.objects.bulk_create(rows, batch_size=1000)
            else:
                bulk.insert_built(rows)


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
        # (model, pk) of the rows saved so far, whose ``updated_at`` has already moved.
        self._saved = set()
        # Names of the files stored from the file's content, for removing them if nothing is kept.
        self.stored_files = []
        self.new = NewRows()
        # What the second pass links, noted only for the rows that link or linked to anything, by
        # their ids (an instance would hold its meeting, and the meeting all its parts):
        # (meeting slug, document pk, its translation_of_id, the address it is a translation of),
        self._translations = []
        # (outcome pk, meeting slug, its documents' addresses, whether it is new),
        self._outcome_documents = []
        # (meeting slug, action pk, fulfilled_by_document, superseded_by).
        self._action_links = []
        # The batch's documents and actions (instances) that link, until they have their ids.
        self._batch_translations, self._batch_action_links = [], []
        # Pks of meetings the file does not change that a changed link of a related meeting touched.
        self._touched_meetings = set()

    def write(self):
        # The saves of this import note their actions' and attendance's tallies, to be counted once
        # at the end.
        with tallies.deferred(), attendance_tallies.deferred():
            self._write_all()

    def _write_all(self):
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
        existing = Participant.objects.in_bulk(
            [record["slug"] for _path, record in participants], field_name="slug"
        )
        for _path, record in participants:
            save_if_changed(existing.get(record["slug"]) or Participant(), participant_fields(record))
        self.participant_ids = dict(Participant.objects.values_list("slug", "pk"))
        self._write_aliases(participants)

        # The file's meetings are read twice, a batch at a time: every meeting's own row first, so
        # that links between meetings (parent, related, fulfilled by) find each other's ids.
        meetings = records.changed_slugs("meetings")
        for batch in batches(records.changed("meetings"), BATCH):
            self._write_meeting_rows([record for _path, record in batch])
            let_go()
        self.meeting_ids = dict(Meeting.objects.values_list("slug", "pk"))
        changed = records.progress(records.changed("meetings"), "importing", total=len(meetings))
        for batch in batches(changed, BATCH):
            self._write_meetings([record for _path, record in batch])
            let_go()
        self._link()
        memberships = defaultdict(list)
        for membership in Membership.objects.filter(
            participant__in=[self.participant_ids[record["slug"]] for _path, record in participants]
        ).order_by("pk"):
            memberships[membership.participant_id].append(membership)
        for _path, record in participants:
            self._write_memberships(record, memberships[self.participant_ids[record["slug"]]])
        if meetings or participants or any(records.changed(kind) for kind in ("meeting_types", "themes")):
            # Bulk writes send no signal: the record's version moves here, in the import's transaction,
            # and the actions of every meeting written are counted again in the tallies.
            versions.bump()
        for batch in batches([self.meeting_ids[slug] for slug in meetings], BATCH):
            written = ActionItem.objects.filter(outcome__meeting__in=batch)
            tallies.refresh(written.values_list("pk", flat=True))
        attendance_tallies.refresh_meetings([self.meeting_ids[slug] for slug in meetings], BATCH)

    def _ids(self, ids, slugs):
        return [ids[slug] for slug in slugs]

    def _is_new(self, kind, slug):
        return self.records.changes[kind][slug] == CREATED

    def _save_if_changed(self, instance, values):
        if save_if_changed(instance, values):
            self._saved.add((type(instance), instance.pk))

    def _saved_once(self, instance):
        """Note that ``instance`` was saved by a path of its own."""
        self._saved.add((type(instance), instance.pk))

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
        ParticipantAlias.objects.bulk_create(
            [
                ParticipantAlias(participant_id=participant_id, name=name)
                for participant_id, names in wanted.items()
                for name in sorted(names, key=alias_sort_key)
                if (participant_id, name) not in present
            ]
        )

    # Meetings, a batch at a time.

    def _write_meeting_rows(self, batch):
        """The meetings' own rows: those new to the database in one statement, the others saved."""
        existing = Meeting.objects.in_bulk([record["slug"] for record in batch], field_name="slug")
        created = []
        for record in batch:
            values = meeting_fields(record)
            values["meeting_type_id"] = self.type_ids[record["type"]]
            values["convening_body_id"] = self.participant_ids.get(record["convening_body"])
            meeting = existing.get(record["slug"])
            if meeting is None and not isinstance(values["hero_image"], FileContent):
                created.append(Meeting(**values))
            else:
                self._save_with_files(meeting or Meeting(), values, "hero_image")
        for meeting in Meeting.objects.bulk_create(created):
            self._saved_once(meeting)

    def _write_meetings(self, batch):
        meetings = with_parts(Meeting.objects.filter(slug__in=[record["slug"] for record in batch]))
        meetings = {meeting.slug: meeting for meeting in meetings}
        # The batch's attendance and owners index each meeting and action once, not once a row.
        with indexing.parts_indexed_once([meeting.pk for meeting in meetings.values()]):
            outcomes = []
            parents = []
            for record in batch:
                outcomes.extend(self._write_meeting(meetings[record["slug"]], record, parents))
            Meeting.objects.bulk_update(parents, ["parent"])
            self.new.write(Document, Attendance, Outcome)
            actions = []
            for outcome, wanted, is_new in outcomes:
                actions.extend(self._write_outcome(outcome, wanted, is_new))
            reserved = bulk.reserved_ids(ActionItem, len(actions))
            if reserved is None:
                self.new.write(ActionItem)
            else:
                for (action, _wanted), pk in zip(actions, reserved, strict=True):
                    action.pk = pk
            for action, wanted in actions:
                self.new.link(ActionItem, "themes", action.pk, self._ids(self.theme_ids, wanted["themes"]))
                self._write_owners(action, wanted, [])
                self._write_updates(action, wanted["updates"], [])
            # With ids given beforehand the owners go first (the database checks foreign keys as the
            # transaction commits): each action's search document is then made once, with its
            # owners' names, as the action is inserted, not again by an update of every action.
            self.new.write(ActionOwner, ActionItem)
            self.new.write()
        # Every row of the batch has its id now: the second pass needs no more of them.
        self._translations.extend(
            (slug, document.pk, document.translation_of_id, address)
            for slug, document, address in self._batch_translations
        )
        self._action_links.extend(
            (slug, action.pk, wanted["fulfilled_by_document"], wanted["superseded_by"])
            for slug, action, wanted in self._batch_action_links
        )
        self._batch_translations, self._batch_action_links = [], []

    def _write_meeting(self, meeting, record, parents):
        """Write the meeting's links, documents, attendance and outcomes; (outcome, its record,
        whether it is new) for each outcome, whose actions are written once new outcomes have ids."""
        is_new = self._is_new("meetings", record["slug"])
        parent_id = self.meeting_ids.get(record["parent"])
        if is_new:
            # Just written, with no parent yet: set for the whole batch in one statement.
            if parent_id is not None:
                meeting.parent_id = parent_id
                parents.append(meeting)
        else:
            self._save_if_changed(meeting, {"parent_id": parent_id})
        theme_ids = self._ids(self.theme_ids, record["themes"])
        if is_new:
            self.new.link(Meeting, "themes", meeting.pk, theme_ids)
        elif set_links(meeting.themes, theme_ids):
            self._touch(meeting)
        # Related meetings go both ways: the other side of each link made or broken changed too, and
        # another meeting of the file may have linked this one already.
        if record["related_meetings"] or not is_new:
            related_ids = self._ids(self.meeting_ids, record["related_meetings"])
            current = set(meeting.related_meetings.values_list("pk", flat=True))
            related = current ^ set(related_ids)
            if related:
                meeting.related_meetings.set(related_ids)
                self._touch(meeting)
                for other in Meeting.objects.filter(pk__in=related).order_by("pk"):
                    self._touch(other)
                    self._touched_meetings.add(other.pk)

        # Matched in the order the export lists them, the order the plan and the file checks
        # compared them in: a document keeps its file by name only if it is the one holding it.
        documents = ordered_documents(meeting.documents.all())
        for index, wanted in enumerate(record["documents"]):
            values = document_fields(wanted)
            if index < len(documents):
                document = documents[index]
                self._save_with_files(document, values, "file")
            elif isinstance(values["file"], FileContent):
                document = Document(meeting=meeting)
                self._save_with_files(document, values, "file")
            else:
                document = self.new.add(Document(meeting=meeting, **values))
            if wanted["translation_of"] is not None or document.translation_of_id is not None:
                self._batch_translations.append((record["slug"], document, wanted["translation_of"]))
        for document in documents[len(record["documents"]) :]:
            document.delete()

        attendances = {row.participant_id: row for row in meeting.attendances.all()}
        wanted_ids = set()
        for wanted in record["attendance"]:
            participant_id = self.participant_ids[wanted["participant"]]
            wanted_ids.add(participant_id)
            row = attendances.get(participant_id)
            if row is None:
                self.new.add(
                    Attendance(meeting=meeting, participant_id=participant_id, **attendance_fields(wanted))
                )
            else:
                save_if_changed(row, attendance_fields(wanted))
        for participant_id, row in attendances.items():
            if participant_id not in wanted_ids:
                row.delete()

        outcomes = {outcome.position: outcome for outcome in meeting.outcomes.all()}
        positions = {wanted["position"] for wanted in record["outcomes"]}
        for position, outcome in outcomes.items():
            if position not in positions:
                outcome.delete()
        written = []
        for wanted in record["outcomes"]:
            outcome = outcomes.get(wanted["position"])
            if outcome is None:
                outcome = self.new.add(Outcome(meeting=meeting, **outcome_fields(wanted)))
                written.append((outcome, wanted, True))
            else:
                self._save_if_changed(outcome, outcome_fields(wanted))
                written.append((outcome, wanted, False))
        return written

    def _write_outcome(self, outcome, wanted, is_new):
        """Write the outcome's links and actions; (action, its record) of the actions new to it."""
        concerns = self._ids(self.participant_ids, wanted["concerns"])
        themes = self._ids(self.theme_ids, wanted["themes"])
        if is_new:
            self.new.link(Outcome, "concerns", outcome.pk, concerns)
            self.new.link(Outcome, "themes", outcome.pk, themes)
        elif set_links(outcome.concerns, concerns) | set_links(outcome.themes, themes):
            self._touch(outcome)
        current = set() if is_new else {document.pk for document in outcome.documents.all()}
        if wanted["documents"] or current:
            self._outcome_documents.append(
                (outcome.pk, outcome.meeting.slug, tuple(wanted["documents"]), is_new)
            )
        return self._write_actions(outcome, wanted["actions"], is_new)

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

    def _write_actions(self, outcome, wanted_actions, is_new):
        # Matched in the order the export lists them (position, then creation), the order the plan
        # compared them in, so that each file action lands on the action, and timeline, it describes.
        actions = [] if is_new else ordered_action_items(outcome.action_items.all())
        created = []
        meeting_slug = outcome.meeting.slug
        for index, wanted in enumerate(wanted_actions):
            values = action_fields(wanted)
            values["due_at_next_id"] = self.type_ids.get(wanted["due_at_next"])
            values["fulfilled_by_meeting_id"] = self.meeting_ids.get(wanted["fulfilled_by"])
            values["reported_to_id"] = self.participant_ids.get(wanted["reported_to"])
            if wanted["superseded_by"] is None:
                values["superseded_by_id"] = None
            if wanted["fulfilled_by_document"] is None:
                values["fulfilled_by_document_id"] = None
            if index >= len(actions):
                action = self.new.add(ActionItem(outcome=outcome, **values))
                created.append((action, wanted))
            else:
                action = actions[index]
                self._write_action(action, values, wanted)
            if wanted["fulfilled_by_document"] or wanted["superseded_by"]:
                self._batch_action_links.append((meeting_slug, action, wanted))
        for action in actions[len(wanted_actions) :]:
            action.delete()
        return created

    def _write_action(self, action, values, wanted):
        """Write an action the database holds already, with its links, owners and progress updates."""
        timeline = list(action.progress_updates.all())
        if self._records_status_change(action, values["status"], wanted["updates"]):
            assign(action, values)
            timeline.append(
                action.change_status(
                    values["status"],
                    by=self.user,
                    note=IMPORT_STATUS_NOTE,
                    date=timezone.localdate(self.records.now),
                )
            )
            self._saved_once(action)
        else:
            self._save_if_changed(action, values)
        if set_links(action.themes, self._ids(self.theme_ids, wanted["themes"])):
            self._touch(action)
        if self._write_owners(action, wanted, action.ownerships.all()):
            self._touch(action)
        self._write_updates(action, wanted["updates"], timeline)

    def _write_owners(self, action, wanted, ownerships):
        """Match the action's owners (``ownerships``) and their roles to the record; whether any of
        them changed."""
        roles = {self.participant_ids[slug]: OwnerRole.LEAD for slug in wanted["owners"]}
        roles.update({self.participant_ids[slug]: OwnerRole.SUPPORT for slug in wanted["supporting_owners"]})
        ownerships = {ownership.participant_id: ownership for ownership in ownerships}
        changed = False
        for participant_id, ownership in ownerships.items():
            if participant_id not in roles:
                ownership.delete()
                changed = True
        for participant_id, role in roles.items():
            ownership = ownerships.get(participant_id)
            if ownership is None:
                self.new.add(ActionOwner(action_item=action, participant_id=participant_id, role=role))
                changed = True
            else:
                changed = save_if_changed(ownership, {"role": role}) or changed
        return changed

    @staticmethod
    def _records_status_change(action, status, wanted_updates):
        """Whether the import moves an existing action to ``status`` without the file's updates
        saying so last, so that the change needs its own entry on the timeline."""
        if action.pk is None or action.status == status:
            return False
        return not wanted_updates or wanted_updates[-1]["status"] != status

    def _write_updates(self, action, wanted_updates, timeline):
        """Add the file's updates the action's ``timeline`` lacks; those on it stay as they are."""
        missing, _kept = match_timeline(
            timeline, wanted_updates, key=lambda update: (update.date, update.status, update.note)
        )
        for wanted in missing:
            values = update_fields(wanted)
            values["meeting_id"] = self.meeting_ids.get(wanted["meeting"])
            values["recorded_by_id"] = self.user_ids.get(wanted["recorded_by"])
            self.new.add(ProgressUpdate(action_item=action, **values))

    # Second pass: links to documents and actions, which may sit in meetings written later.

    def _link(self):
        self._documents_at = self._documents_by_address()
        moved = []
        for meeting_slug, pk, translation_of_id, address in self._translations:
            translation = self._document(meeting_slug, address)
            if translation != translation_of_id:
                moved.append((pk, translation))
        for chunk in batches(moved, LOOKUP_CHUNK):
            documents = Document.objects.in_bulk([pk for pk, _translation in chunk])
            for pk, translation in chunk:
                self._save_if_changed(documents[pk], {"translation_of_id": translation})
        for outcome_pk, meeting_slug, addresses, is_new in self._outcome_documents:
            documents = [self._document(meeting_slug, address) for address in addresses]
            if is_new:
                # Written just now, with no links yet: added in one statement for all of them.
                self.new.link(Outcome, "documents", outcome_pk, documents)
                continue
            linked = Outcome.documents.through.objects.filter(outcome_id=outcome_pk)
            if set(linked.values_list("document_id", flat=True)) != set(documents):
                outcome = Outcome.objects.get(pk=outcome_pk)
                outcome.documents.set(documents)
                self._touch(outcome)
        self.new.write()
        for chunk in batches(self._action_links, LOOKUP_CHUNK):
            actions = ActionItem.objects.in_bulk([pk for _slug, pk, _document, _superseded in chunk])
            for meeting_slug, pk, fulfilled_by_document, superseded_by in chunk:
                superseded_by = self._action(superseded_by)
                self._save_if_changed(
                    actions[pk],
                    {
                        "fulfilled_by_document_id": self._document(meeting_slug, fulfilled_by_document),
                        "superseded_by_id": superseded_by.pk if superseded_by else None,
                    },
                )

    def _documents_by_address(self):
        """{address: [(pk, meeting slug)] in the order of pks} of the documents at each address the
        second pass looks for, read in a query for each ``LOOKUP_CHUNK`` addresses, not one each."""
        wanted = {address for _slug, _pk, _translation_of, address in self._translations}
        for _pk, _slug, addresses, _is_new in self._outcome_documents:
            wanted.update(addresses)
        wanted.update(document for _slug, _pk, document, _superseded in self._action_links)
        wanted = sorted({self.records.stored_names.get(address, address) for address in wanted if address})
        found = defaultdict(list)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            documents = Document.objects.filter(
                Q(url__in=chunk) | Q(file__in=chunk) | Q(url="", file="", title__in=chunk)
            ).values_list("pk", "url", "file", "title", "meeting__slug")
            for pk, url, file, title, meeting_slug in documents:
                # Each address a document answers to (``at_document_address``), once.
                for address in {url, file, title if not url and not file else ""} & set(chunk):
                    found[address].append((pk, meeting_slug))
        for documents in found.values():
            documents.sort()
        return found

    def _document(self, meeting_slug, address):
        """The pk of the document at ``address``: the meeting's own first, then any other."""
        if address is None:
            return None
        at_address = self._documents_at.get(self.records.stored_names.get(address, address), [])
        own = [pk for pk, slug in at_address if slug == meeting_slug]
        if own:
            return own[0]
        return at_address[0][0] if at_address else None

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

    def _write_memberships(self, record, memberships):
        """Match the participant's ``memberships`` (in the order of their ids) to the record's."""
        participant_id = self.participant_ids[record["slug"]]
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

    # History.

    def write_history(self, user, comment):
        """One entry in the history of each record the import changed, with its parts as they are
        now, naming ``user`` and ``comment``: one revision, written ``BATCH`` meetings at a time."""
        records = self.records
        changed = [self.meeting_ids[slug] for slug in records.changed_slugs("meetings")]
        changed += sorted(self._touched_meetings - set(changed))
        revision = revisions.BulkRevision(user, comment)
        for model, kind in ((MeetingType, "meeting_types"), (Theme, "themes"), (Participant, "participants")):
            revision.add(model.objects.filter(slug__in=records.changed_slugs(kind)))
        for batch in batches(records.progress(changed, "recording history"), BATCH):
            revision.add(Meeting.objects.filter(pk__in=batch))
            let_go()
