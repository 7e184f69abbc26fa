"""``RecordsImport``: one records document on its way into the database.

It checks the whole document (the schema, then ``ReferenceChecks`` and ``RecordChecks``), plans
what changes by comparing each canonical record with the export of its namesake in the database,
and applies the plan through ``RecordsWriter`` in one transaction.

An import only adds to an action's timeline, so a meeting is compared as the import would leave it:
each action's progress updates are those in the database plus the file's that they lack. Updates in
the database that the file lacks are kept, and counted as kept rather than as a change.
"""

import copy

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ...models import MeetingType, Theme
from ..export import (
    CHUNK,
    FORMAT,
    VERSION,
    MeetingExporter,
    export_meeting_type,
    export_participant,
    export_theme,
    meeting_queryset,
    participant_queryset,
)
from ..schema import document_order, schema_errors, text_errors, with_showable_text, without_schema_errors
from .checks import ConstraintChecks, RecordChecks
from .fields import match_timeline
from .parsing import CREATED, KIND_NAMES, KINDS, UNCHANGED, UPDATED, RecordError, RecordsInvalid, items
from .references import ReferenceChecks
from .writer import RecordsWriter

# The reason every record the import changes gives in its history.
IMPORT_COMMENT = "Imported from a records file."


class RecordsImport(ReferenceChecks, RecordChecks):
    """One records document on its way into the database."""

    def __init__(self, document, now=None, progress=None, constraint_checks=None):
        self.document = document
        self.now = now or timezone.now()
        # ``progress(items, description)`` wraps a long loop, for a progress bar; plain by default.
        self.progress = progress or (lambda items, description: items)
        self.errors = []
        self.changes = {kind: {} for kind in KINDS}
        # (action ref, exported update) of the progress updates in the database that the file lacks.
        self.kept_updates = []
        # Paths in the file of each meeting's nested rows, in canonical order (``RecordChecks``).
        self.row_paths, self.action_paths = {}, {}
        # slug -> the export of the file's meetings that are in the database, as the plan compared them.
        self.current_meetings = {}
        # The name the file gives a document's file -> the name it is stored under, where they differ.
        self.stored_names = {}
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
        if not isinstance(self.document, dict) or self.document.get("format") != FORMAT:
            self.error("format", f"is not '{FORMAT}': this is not a records file")
            return self.errors
        if self.document.get("version") != VERSION:
            self.error("version", f"this importer reads version {VERSION}")
            return self.errors
        self.errors.extend(RecordError(path, message) for path, message in schema_errors(self.document))
        # The checks below read a copy without what the schema refused, to report all errors at once.
        document = without_schema_errors(self.document) if self.errors else self.document
        unshowable = [RecordError(path, message) for path, message in text_errors(document)]
        if unshowable:
            # ...and without the characters refused here, which each check would report again.
            self.errors.extend(unshowable)
            document = with_showable_text(document)
        self._load_known(document)
        self.types = [self._check_meeting_type(i, r) for i, r in items(document, "meeting_types")]
        self.themes = [self._check_theme(i, r) for i, r in items(document, "themes")]
        self.participants = [self._check_participant(i, r) for i, r in items(document, "participants")]
        self.meetings = [
            self._check_meeting(i, r) for i, r in self.progress(items(document, "meetings"), "checking")
        ]
        self._check_related_meetings()
        self.errors.sort(key=lambda error: document_order(error.path))
        if not self.errors:
            self._plan()
        return self.errors

    @property
    def is_valid(self):
        return not self.validate()

    def error(self, path, message):
        self.errors.append(RecordError(path, str(message)))

    # Planning

    def _plan(self):
        """Compare each record with the export of its namesake in the database."""
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
        exporter = MeetingExporter(now=self.now)
        exported["meetings"] = self.current_meetings = {
            m.slug: exporter.export(m)
            for m in meeting_queryset()
            .filter(slug__in=[r["slug"] for _p, r in self.meetings])
            .iterator(chunk_size=CHUNK)
        }
        records = {
            "meeting_types": self.types,
            "themes": self.themes,
            "participants": self.participants,
            "meetings": self.meetings,
        }
        for kind in KINDS:
            for _path, record in records[kind]:
                current = exported[kind].get(record["slug"])
                if current is not None and kind == "meetings":
                    record = self._as_written(record, current)
                if current is None:
                    state = CREATED
                elif current == record:
                    state = UNCHANGED
                else:
                    state = UPDATED
                self.changes[kind][record["slug"]] = state

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
                self.kept_updates.extend((ref, update) for update in kept)
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
        if self.kept_updates:
            lines.append(
                f"progress updates: {len(self.kept_updates)} kept (in the database, not in the file)"
            )
        return lines

    def changed(self, kind):
        """(path, canonical record) of the records of ``kind`` that the import creates or updates."""
        records = {
            "meeting_types": self.types,
            "themes": self.themes,
            "participants": self.participants,
            "meetings": self.meetings,
        }[kind]
        return [(path, record) for path, record in records if self.changes[kind][record["slug"]] != UNCHANGED]

    # Writing ------------------------------------------------------------------------------------

    def apply(self, dry_run=False, user=None, comment=IMPORT_COMMENT):
        """Write every change in one transaction; with ``dry_run`` roll it back. Returns the summary.

        Each record the import changes gets one entry in its history (``RecordsWriter.write_history``),
        naming ``user`` if given, who is also named in the progress update of each status it
        changes, with ``comment`` as the reason (an old website's page names itself). A dry run
        keeps no revision.
        """
        if self.validate():
            raise RecordsInvalid(self.errors)
        writer = RecordsWriter(self, user=user)
        kept = False
        try:
            with transaction.atomic():
                writer.write()
                if dry_run:
                    # A dry run is rolled back whole, and keeps no revision of what it did not write.
                    transaction.set_rollback(True)
                else:
                    writer.write_history(user, comment)
            kept = not dry_run
        finally:
            if not kept:
                # The storage is no part of the transaction: files stored for rows rolled back go too.
                for name in writer.stored_files:
                    default_storage.delete(name)
        return self.summary()
