"""``RecordsImport``: one records document on its way into the database.

It reads its source (a document in memory, or a file read as a stream: ``source``) in passes, each
in the file's order, so that memory holds one batch of meetings (``writer.BATCH``) at a time, not
the file:

1. references: the schema's and the text checks of each meeting, and what other records may refer
   to in it (``ReferenceChecks._note_meeting``: slugs, outcome and action numbers, documents'
   addresses, related meetings, who recorded progress), then the meeting types, themes and
   participants, which are few and kept whole;
2. checks and plan: each meeting checked (``RecordChecks``) and brought to canonical shape, a
   batch at a time; while the file has no error, each batch is compared with the export of its
   namesakes in the database, and only each meeting's state (created, updated, unchanged) is kept;
3. writing (``apply``): ``RecordsWriter`` reads the changed meetings again, a batch at a time,
   brought to canonical shape anew with the checks left out, in one transaction.

Errors keep their paths and the document's order; the first ``MAX_ERRORS`` are kept, and the last
error says how many more there were. A file that changes between two passes is refused, as it
could not be imported as checked.

An import only adds to an action's timeline, so a meeting is compared as the import would leave it:
each action's progress updates are those in the database plus the file's that they lack. Updates in
the database that the file lacks are kept, and counted as kept rather than as a change.
"""

import copy

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ...models import Document, Meeting, MeetingType, Theme
from ...rights import may_publish
from .. import memory
from ..export import (
    FORMAT,
    VERSION,
    MeetingExporter,
    export_meeting_type,
    export_participant,
    export_theme,
    meeting_queryset,
    ordered_documents,
    participant_queryset,
)
from ..schema import (
    BROKEN,
    document_order,
    schema_errors,
    text_errors,
    with_showable_text,
    without_schema_errors,
)
from . import writer
from .checks import ConstraintChecks, RecordChecks
from .fields import match_timeline
from .parsing import (
    CREATED,
    KIND_NAMES,
    KINDS,
    MAX_ERRORS,
    UNCHANGED,
    UPDATED,
    RecordError,
    RecordsInvalid,
    items,
)
from .references import ReferenceChecks
from .rights import meeting_refusals
from .source import DOCUMENT, HEAD, MEETING, DocumentSource, RecordsFile, count_parts
from .writer import RecordsWriter, batches

# The reason every record the import changes gives in its history.
IMPORT_COMMENT = "Imported from a records file."
# Progress updates in the database that the file lacks, listed (the rest are counted).
MAX_KEPT_LISTED = 1000
CHANGED_FILE = "changed while it was being imported: nothing was imported"


def no_progress(items, description, total=None):
    return items


def state(current, record):
    """What an import does to ``record``, whose namesake in the database exports as ``current``."""
    if current is None:
        return CREATED
    return UNCHANGED if current == record else UPDATED


class RecordsImport(ReferenceChecks, RecordChecks):
    """One records document on its way into the database.

    ``source`` is the document (a dict, as ``parse_records`` gives it) or a ``RecordsFile``, read
    as a stream. ``rights_of``: the user whose rights the plan checks (``rights.import_refusals``).
    """

    def __init__(self, source, now=None, progress=None, constraint_checks=None, rights_of=None):
        self.source = source if isinstance(source, DocumentSource | RecordsFile) else DocumentSource(source)
        self.now = now or timezone.now()
        # ``progress(items, description, total=n)`` wraps a long loop, for a progress bar.
        self.progress = progress or no_progress
        self.errors = []
        # How many errors were found in all (``errors`` keeps the first ``MAX_ERRORS``).
        self.error_count = 0
        self.changes = {kind: {} for kind in KINDS}
        # (action ref, exported update) of the progress updates in the database that the file lacks:
        # the first ``MAX_KEPT_LISTED`` of them, and how many in all.
        self.kept_updates = []
        self.kept_count = 0
        # Paths in the file of each meeting's nested rows, in canonical order (``RecordChecks``),
        # and the export of its namesake in the database: for the batch being checked.
        self.row_paths, self.action_paths = {}, {}
        self.current_meetings = {}
        # slug -> the meetings of the batch in the database (pk, slug, published_at, hero_image).
        self.db_meetings = {}
        # The name the file gives a document's file -> the name it is stored under, where they differ.
        self.stored_names = {}
        # Whether the records read are being checked (not when the writer reads them again).
        self.checking = True
        self.rights_of = rights_of
        self.refusals = []
        self.meeting_count = 0
        # Indices of the meetings that the schema or the text checks refused something in.
        self._unclean = set()
        self.validated = False
        # Shared by imports one after another (the old pages, one import a page): a check
        # constraint's answer depends only on the values of the row it reads.
        self.constraint_checks = constraint_checks or ConstraintChecks()

    # Checking -----------------------------------------------------------------------------------

    def validate(self):
        """Check the whole document and work out what would change; returns the list of errors."""
        if self.validated:
            return self.errors
        self.validated = True
        try:
            with memory.collected_by_batch():
                self._validate()
        except RecordsInvalid as invalid:
            # The file is not JSON, or changed while it was read: that is all there is to say.
            self.errors, self.error_count = list(invalid.errors), invalid.count
        self._sort_errors(final=True)
        if self.errors:
            self.changes = {kind: {} for kind in KINDS}
            self.kept_updates, self.kept_count, self.refusals = [], 0, []
        return self.errors

    def _validate(self):
        self._start_references()
        head, document = {}, None
        parts = self.progress(self.source.read(), "reading", total=count_parts(self.source))
        for part, key, value in parts:
            if part == DOCUMENT:
                document = value
                break
            if part == HEAD:
                head[key] = value
                if head.get("format", FORMAT) != FORMAT or (
                    "format" in head and head.get("version", VERSION) != VERSION
                ):
                    break  # not a file this importer reads: nothing else is said
                continue
            self.meeting_count += 1
            self._note_meeting(key, self._cleaned(key, value, report=True))
        if document is not None or head.get("format") != FORMAT:
            self._only_error("format", f"is not '{FORMAT}': this is not a records file")
            return
        if head.get("version") != VERSION:
            self._only_error("version", f"this importer reads version {VERSION}")
            return
        errors = [RecordError(path, message) for path, message in schema_errors(head)]
        self._add_errors(errors)
        # The checks below read a copy without what the schema refused, to report all errors at once.
        head = without_schema_errors(head) if errors else head
        unshowable = [RecordError(path, message) for path, message in text_errors(head)]
        if unshowable:
            # ...and without the characters refused here, which each check would report again.
            self._add_errors(unshowable)
            head = with_showable_text(head)
        self._note_head(head)
        self._load_known(head)
        self.types = [self._check_meeting_type(i, r) for i, r in items(head, "meeting_types")]
        self.themes = [self._check_theme(i, r) for i, r in items(head, "themes")]
        self.participants = [self._check_participant(i, r) for i, r in items(head, "participants")]
        self._check_meetings()
        if not self.errors:
            self._plan_head()

    def _cleaned(self, index, meeting, report=False):
        """The meeting at ``index`` as the checks read it: without what the schema refused, and with
        its text showable. ``report`` the errors found (the first pass), else only clean it again."""
        path = ("meetings", index)
        if not report and index not in self._unclean:
            return meeting
        errors = [RecordError(p, message) for p, message in schema_errors(meeting, path)]
        cleaned = without_schema_errors(meeting, path) if errors else meeting
        unshowable = [RecordError(p, message) for p, message in text_errors(cleaned, path)]
        if unshowable:
            cleaned = with_showable_text(cleaned)
        if report and (errors or unshowable):
            self._unclean.add(index)
            self._add_errors(errors + unshowable)
        return cleaned

    def _meetings(self, description=None):
        """(index, meeting as the checks read it) of the file's meetings the schema did not refuse,
        read from the source anew; ``description`` names the loop for the progress bar."""
        parts = ((key, value) for part, key, value in self.source.read() if part == MEETING)
        if description:
            parts = self.progress(parts, description, total=self.meeting_count)
        for index, meeting in parts:
            cleaned = self._cleaned(index, meeting)
            if BROKEN not in cleaned:
                yield index, cleaned

    def _check_meetings(self):
        for batch in batches(self._meetings("checking"), writer.BATCH):
            self._load_batch([meeting["slug"] for _index, meeting in batch])
            checked = []
            for index, meeting in batch:
                path, record = self._check_meeting(index, meeting)
                self._check_related_meetings(path, record)
                checked.append((path, record))
            if not self.errors:
                self._plan_meetings(checked)
            self._end_batch()

    def _load_batch(self, slugs):
        """The batch's meetings in the database, and the files each may keep by name."""
        self.db_meetings = {
            meeting.slug: meeting
            for meeting in Meeting.objects.filter(slug__in=slugs).only(
                "pk", "slug", "published_at", "hero_image"
            )
        }
        by_pk = {meeting.pk: meeting for meeting in self.db_meetings.values()}
        documents = {pk: [] for pk in by_pk}
        fields = ("pk", "meeting_id", "position", "title", "url", "file")
        for document in Document.objects.filter(meeting_id__in=list(by_pk)).only(*fields):
            documents[document.meeting_id].append(document)
        self._held = {
            meeting.slug: (meeting.hero_image, ordered_documents(documents[pk]))
            for pk, meeting in by_pk.items()
        }

    def _end_batch(self):
        self.row_paths, self.action_paths, self.current_meetings = {}, {}, {}
        self.db_meetings, self._held = {}, {}
        memory.let_go()

    @property
    def is_valid(self):
        return not self.validate()

    def error(self, path, message):
        if not self.checking:
            # The writer reads the file again, checked: a new error means that it changed since.
            raise RecordsInvalid([RecordError("(file)", CHANGED_FILE)])
        self.errors.append(RecordError(path, str(message)))
        self.error_count += 1
        if len(self.errors) > 2 * MAX_ERRORS:
            self._sort_errors()

    def _add_errors(self, errors):
        for error in errors:
            self.error(error.path, error.message)

    def _only_error(self, path, message):
        self.errors, self.error_count = [], 0
        self.error(path, message)

    def _sort_errors(self, final=False):
        """Put the errors in the document's order, keeping the first ``MAX_ERRORS``."""
        self.errors.sort(key=lambda error: document_order(error.path))
        del self.errors[MAX_ERRORS:]
        more = self.error_count - len(self.errors)
        if final and more:
            self.errors.append(
                RecordError("(file)", f"{more:,} more errors, not listed: these are the first {MAX_ERRORS:,}")
            )

    # Planning

    def _plan_head(self):
        """Compare each meeting type, theme and participant with the export of its namesake."""
        exported = {
            "meeting_types": {
                t.slug: export_meeting_type(t)
                for t in MeetingType.objects.filter(slug__in=[r["slug"] for _p, r in self.types])
            },
            "themes": {
                t.slug: export_theme(t)
                for t in Theme.objects.filter(slug__in=[r["slug"] for _p, r in self.themes])
            },
            "participants": {
                p.slug: export_participant(p)
                for p in participant_queryset().filter(slug__in=[r["slug"] for _p, r in self.participants])
            },
        }
        records = {"meeting_types": self.types, "themes": self.themes, "participants": self.participants}
        for kind, kind_records in records.items():
            for _path, record in kind_records:
                current = exported[kind].get(record["slug"])
                self.changes[kind][record["slug"]] = state(current, record)

    def _plan_meetings(self, checked):
        """Compare a batch of meetings with the export of their namesakes in the database; keep
        each one's state, and what the user of ``rights_of`` may not change of it."""
        exporter = MeetingExporter(now=self.now)
        self.current_meetings = {
            meeting.slug: exporter.export(meeting)
            for meeting in meeting_queryset().filter(slug__in=[record["slug"] for _path, record in checked])
        }
        refuses = self.rights_of is not None and not may_publish(self.rights_of)
        for path, record in checked:
            current = self.current_meetings.get(record["slug"])
            written = record if current is None else self._as_written(record, current)
            self.changes["meetings"][record["slug"]] = state(current, written)
            if refuses and current != written:
                self.refusals.extend(meeting_refusals(self, path, record))

    def _as_written(self, record, current):
        """The meeting ``record`` as the import would leave it next to its export ``current``: each
        action keeps its timeline and gains the file's updates it lacks. Notes the kept updates."""
        record = copy.deepcopy(record)
        current_outcomes = {outcome["position"]: outcome for outcome in current["outcomes"]}
        for outcome in record["outcomes"]:
            # The writer matches actions in the export's order, as they are listed here.
            current_actions = current_outcomes.get(outcome["position"], {"actions": []})["actions"]
            # Actions beyond the current ones are new, and have no timeline yet.
            pairs = zip(outcome["actions"], current_actions, strict=False)
            for index, (action, current_action) in enumerate(pairs):
                missing, kept = match_timeline(current_action["updates"], action["updates"])
                action["updates"] = current_action["updates"] + missing
                ref = f"{record['slug']}#{outcome['position']}.{index + 1}"
                for update in kept:
                    if self.kept_count < MAX_KEPT_LISTED:
                        self.kept_updates.append((ref, update))
                    self.kept_count += 1
        return record

    def summary(self):
        """{kind: {"created": n, "updated": n, "unchanged": n}} for the records in the file."""
        self.validate()
        return {
            kind: {
                state: list(self.changes[kind].values()).count(state)
                for state in (CREATED, UPDATED, UNCHANGED)
            }
            for kind in KINDS
        }

    def summary_lines(self):
        lines = [
            f"{KIND_NAMES[kind]}: {counts[CREATED]} created, {counts[UPDATED]} updated, "
            f"{counts[UNCHANGED]} unchanged"
            for kind, counts in self.summary().items()
        ]
        if self.kept_count:
            lines.append(f"progress updates: {self.kept_count} kept (in the database, not in the file)")
        return lines

    def changed_slugs(self, kind):
        """Slugs of the records of ``kind`` that the import creates or updates, in the file's order."""
        return [slug for slug, change in self.changes[kind].items() if change != UNCHANGED]

    def changed(self, kind):
        """(path, canonical record) of the records of ``kind`` that the import creates or updates.

        Meetings are read from the source again, a batch at a time, and brought to canonical shape
        anew, with the checks left out: an iterator, whose records are let go of as it goes on."""
        if kind == "meetings":
            return self._changed_meetings()
        records = {"meeting_types": self.types, "themes": self.themes, "participants": self.participants}
        return [
            (path, record)
            for path, record in records[kind]
            if self.changes[kind][record["slug"]] != UNCHANGED
        ]

    def _changed_meetings(self):
        for batch in batches(self._meetings(), writer.BATCH):
            changed = []
            for index, meeting in batch:
                if meeting["slug"] not in self.changes["meetings"]:
                    raise RecordsInvalid([RecordError("(file)", CHANGED_FILE)])
                if self.changes["meetings"][meeting["slug"]] != UNCHANGED:
                    changed.append((index, meeting))
            self._load_batch([meeting["slug"] for _index, meeting in changed])
            self.checking = False
            try:
                records = [self._check_meeting(index, meeting) for index, meeting in changed]
            finally:
                self.checking = True
                self._end_batch()
            yield from records

    # Writing ------------------------------------------------------------------------------------

    def apply(self, dry_run=False, user=None, comment=IMPORT_COMMENT):
        """Write every change in one transaction; with ``dry_run`` roll it back. Returns the summary.

        Each record the import changes gets one entry in its history (``RecordsWriter.write_history``),
        naming ``user`` if given, who is also named in the progress update of each status it
        changes, with ``comment`` as the reason (an old website's page names itself). A dry run
        keeps no revision.
        """
        if self.validate():
            raise RecordsInvalid(self.errors, self.error_count)
        records_writer = RecordsWriter(self, user=user)
        kept = False
        try:
            with memory.collected_by_batch(), transaction.atomic():
                records_writer.write()
                if dry_run:
                    # A dry run is rolled back whole, and keeps no revision of what it did not write.
                    transaction.set_rollback(True)
                else:
                    records_writer.write_history(user, comment)
            kept = not dry_run
        finally:
            if not kept:
                # The storage is no part of the transaction: files stored for rows rolled back go too.
                for name in records_writer.stored_files:
                    default_storage.delete(name)
        return self.summary()
