"""Checking each record of a records document, one kind at a time, and bringing it to canonical shape.

``RecordChecks`` is the part of ``RecordsImport`` that reads meeting types, themes, participants
(with their memberships) and meetings (with attendance, outcomes, actions, progress updates and
documents): each check reports what is wrong through ``self.error`` and returns the record in the
shape the exporter writes, so that it can be compared with the database.
"""

from collections.abc import Hashable

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

from ...due import DuePeriod
from ...models import (
    ActionItem,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)
from ...uploads import DOCUMENT_TYPES, IMAGE_TYPES, MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES
from ..export import alias_sort_key, datetime_code, membership_sort_key
from .fields import (
    action_fields,
    as_saved,
    attendance_fields,
    document_fields,
    meeting_fields,
    meeting_type_fields,
    membership_fields,
    outcome_fields,
    participant_fields,
    theme_fields,
    update_fields,
)
from .files import CONTENT_FIELDS, NOT_HELD, FileContent, decode_content, same_content
from .parsing import items, optional_text, parse_datetime

# Model field -> the format's field, where they differ, for naming the field of a model error.
FIELD_NAMES = {
    Meeting: {"meeting_type": "type"},
    ActionItem: {
        "due_date": "due",
        "due_precision": "due",
        "fulfilled_by_meeting": "fulfilled_by",
    },
}


class ConstraintChecks:
    """``Model.validate_constraints``, with each check constraint's answer remembered by the values
    it reads.

    Django checks each ``CheckConstraint`` with a query, one per constraint and row: most of an
    import's checking time on a large file. A check constraint reads only the row's own values, so
    rows that agree on the fields its condition names pass or fail it alike, and the database is
    asked once for each such set of values. A constraint that reads anything else (a
    ``UniqueConstraint``, which reads other rows, or a condition whose fields cannot be read from
    it) is checked every time.
    """

    def __init__(self):
        self.fields = {}
        self.answers = {}

    def validate(self, instance: models.Model, exclude: set[str]) -> None:
        """Raise the ``ValidationError`` that ``instance.validate_constraints(exclude)`` would."""
        model = type(instance)
        errors = {}
        for constraint in model._meta.constraints:
            try:
                self._validate(model, constraint, instance, exclude)
            except ValidationError as error:
                # Grouped as Model.validate_constraints groups them.
                if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _validate(self, model, constraint, instance, exclude):
        key = (model, constraint.name)
        if key not in self.fields:
            self.fields[key] = self.fields_read(model, constraint)
        fields = self.fields[key]
        if fields is None:
            constraint.validate(model, instance, exclude=exclude)
            return
        values = tuple(
            getattr(instance, field) is None if nullness else getattr(instance, field)
            for field, nullness in fields
        )
        key = (*key, frozenset(exclude), values)
        if not all(isinstance(value, Hashable) for value in values):
            constraint.validate(model, instance, exclude=exclude)
            return
        if key not in self.answers:
            try:
                constraint.validate(model, instance, exclude=exclude)
                self.answers[key] = None
            except ValidationError as error:
                self.answers[key] = error
        if self.answers[key] is not None:
            raise self.answers[key]

    @staticmethod
    def fields_read(
        model: type[models.Model], constraint: models.BaseConstraint
    ) -> list[tuple[str, bool]] | None:
        """(attribute name, whether only its nullness is read) of each field the check
        ``constraint`` reads; None if it is not a check constraint or its condition is not made of
        plain lookups. A field read only by ``isnull`` is remembered by whether it is null, not by
        its value, so that rows with different dates share the answer about having one."""
        if not isinstance(constraint, models.CheckConstraint) or not isinstance(constraint.condition, Q):
            return None
        lookups = {}

        def read(condition):
            for child in condition.children:
                if isinstance(child, Q):
                    if not read(child):
                        return False
                    continue
                if not isinstance(child, tuple):
                    return False
                lookup, value = child
                name, *rest = lookup.split(LOOKUP_SEP)
                lookups.setdefault(name, set()).add(rest[-1] if rest else "exact")
                if isinstance(value, F):
                    lookups.setdefault(value.name.split(LOOKUP_SEP)[0], set()).add("exact")
                elif hasattr(value, "resolve_expression"):
                    return False
            return True

        if not read(constraint.condition):
            return None
        try:
            return sorted(
                ("pk" if name == "pk" else model._meta.get_field(name).attname, used == {"isnull"})
                for name, used in lookups.items()
            )
        except FieldDoesNotExist:
            return None


def in_order(rows, key):
    """``rows`` ({index in the file: canonical row}) sorted by ``key``, and their indices in that order."""
    indices = sorted(rows, key=lambda index: key(rows[index]))
    return [rows[index] for index in indices], indices


class RecordChecks:
    """The checks of each kind of record; mixed into ``RecordsImport``.

    Each meeting's nested rows are listed in canonical order, which need not be the file's: their
    paths in the file, in that order, are kept in ``row_paths`` (by meeting slug) and
    ``action_paths`` (by the outcome's path), for errors found once the rows are compared.

    When the writer reads the records again (``checking`` off), only their canonical shape is
    made: the model instances the checks validate are not.
    """

    # Model validation

    def _full_clean(self, path, instance, exclude=(), validate_unique=False):
        """Report what ``instance`` (the record at ``path``) fails of its model's validation and
        constraints, as the admin's forms would: ``full_clean``, with the constraints checked through
        ``ConstraintChecks``, which asks the database once for each set of values it has not seen."""
        if not self.checking:
            return
        errors = {}
        exclude = set(exclude)
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # As full_clean does: constraints are checked only on the fields that passed validation.
        exclude.update(name for name in errors if name != NON_FIELD_ERRORS)
        try:
            self.constraint_checks.validate(instance, exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        names = FIELD_NAMES.get(type(instance), {})
        for field, messages in ValidationError(errors).message_dict.items() if errors else ():
            where = path if field == NON_FIELD_ERRORS else f"{path}.{names.get(field, field)}"
            for message in dict.fromkeys(messages):
                self.error(where, message)

    def _clean_fields(self, path, instance, field):
        """Report what ``field`` of ``instance`` holds that it cannot (too long, a line break...) at
        ``path``: for a value that is not a record of its own, whose constraints are the writer's."""
        if not self.checking:
            return
        try:
            instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name != field])
        except ValidationError as error:
            for message in error.message_dict.get(field, []):
                self.error(path, message)

    # Records, one kind at a time: each returns (path, canonical record).

    def _check_meeting_type(self, index, record):
        path = f"meeting_types[{index}]"
        canonical = {
            "slug": record["slug"],
            "name": record["name"],
            "plural_name": optional_text(record, "plural_name"),
            "description": optional_text(record, "description"),
            "position": record.get("position", 100),
        }
        existing = MeetingType.objects.filter(slug=record["slug"]).first()
        instance = as_saved(MeetingType(**meeting_type_fields(canonical)), existing)
        self._full_clean(path, instance, validate_unique=True)
        return path, canonical

    def _check_theme(self, index, record):
        path = f"themes[{index}]"
        canonical = {
            "slug": record["slug"],
            "name": record["name"],
            "description": optional_text(record, "description"),
        }
        existing = Theme.objects.filter(slug=record["slug"]).first()
        instance = as_saved(Theme(**theme_fields(canonical)), existing)
        self._full_clean(path, instance, validate_unique=True)
        return path, canonical

    def _check_participant(self, index, record):
        path = f"participants[{index}]"
        slug = record["slug"]
        aliases = sorted(record.get("aliases", []), key=alias_sort_key)
        for alias_index, alias in enumerate(record.get("aliases", [])):
            owner = self.alias_owners.get(alias.casefold())
            if owner and owner != slug and owner not in self.file_slugs["participants"]:
                self.error(f"{path}.aliases[{alias_index}]", f"'{alias}' is already an alias of '{owner}'")
            self._clean_fields(f"{path}.aliases[{alias_index}]", ParticipantAlias(name=alias), "name")
        memberships = []
        for m_index, membership in items(record, "memberships"):
            m_path = f"{path}.memberships[{m_index}]"
            body = membership.get("body")
            self._check_body(f"{m_path}.body", body)
            if body == slug:
                self.error(f"{m_path}.body", "a body cannot be a member of itself")
            for key in ("start_date", "end_date"):
                self._check_date(f"{m_path}.{key}", membership.get(key))
            for key in ("granted_by", "ended_by"):
                self._check_outcome_ref(f"{m_path}.{key}", membership.get(key))
            canonical_membership = {
                "body": body,
                "status": membership["status"],
                "start_date": membership.get("start_date"),
                "end_date": membership.get("end_date"),
                "granted_by": membership.get("granted_by"),
                "ended_by": membership.get("ended_by"),
                "note": optional_text(membership, "note"),
                "source_url": optional_text(membership, "source_url"),
            }
            self._full_clean(
                m_path,
                Membership(**membership_fields(canonical_membership)),
                exclude=["participant", "body", "granted_by", "ended_by"],
            )
            memberships.append(canonical_membership)
        canonical = {
            "slug": slug,
            "name": record["name"],
            "short_name": optional_text(record, "short_name"),
            "kind": record["kind"],
            "country": record.get("country") or None,
            "description": optional_text(record, "description"),
            "website": optional_text(record, "website"),
            "aliases": aliases,
            "memberships": sorted(memberships, key=membership_sort_key),
        }
        existing = Participant.objects.filter(slug=slug).first()
        instance = as_saved(Participant(**participant_fields(canonical)), existing)
        self._full_clean(path, instance, validate_unique=True)
        return path, canonical

    def _published_at(self, record):
        if "published_at" in record:
            return parse_datetime(record["published_at"])
        existing = self.db_meetings.get(record["slug"])
        published_at = existing.published_at if existing else None
        if record.get("published", False):
            return published_at if published_at and published_at <= self.now else self.now
        return published_at if published_at and published_at > self.now else None

    def _check_meeting(self, index, record):
        path = f"meetings[{index}]"
        slug = record["slug"]
        self._check_type(f"{path}.type", record["type"])
        self._check_body(f"{path}.convening_body", record.get("convening_body"))
        parent = record.get("parent")
        if self._check_meeting_ref(f"{path}.parent", parent) and parent == slug:
            self.error(f"{path}.parent", "a meeting cannot be held under itself")
        for related in record.get("related_meetings", []):
            self._check_meeting_ref(f"{path}.related_meetings", related)
            if related == slug:
                self.error(f"{path}.related_meetings", "a meeting is not related to itself")
        self._check_themes(f"{path}.themes", record.get("themes", []))
        for key in ("start_date", "end_date"):
            self._check_date(f"{path}.{key}", record.get(key))
        if record.get("published_at") and parse_datetime(record["published_at"]) is None:
            self.error(
                f"{path}.published_at", f"'{record['published_at']}' is not a date and time with its offset"
            )
        published_at = self._published_at(record)

        attendance = {
            i: self._check_attendance(f"{path}.attendance[{i}]", i, row)
            for i, row in items(record, "attendance")
        }
        self._check_unique(path, "attendance", attendance, "participant", "'{}' is already listed at {}")
        outcomes = {
            i: self._check_outcome(f"{path}.outcomes[{i}]", slug, i, outcome)
            for i, outcome in items(record, "outcomes")
        }
        self._check_unique(path, "outcomes", outcomes, "position", "outcome {} is already {}")
        documents = {
            i: self._check_document(f"{path}.documents[{i}]", slug, i, doc)
            for i, doc in items(record, "documents")
        }
        attendance, attendance_at = in_order(attendance, lambda row: (row["position"], row["participant"]))
        outcomes, outcomes_at = in_order(outcomes, lambda outcome: outcome["position"])
        documents, documents_at = in_order(
            documents, lambda doc: (doc["position"], doc["title"], doc["url"] or "", doc["file"] or "")
        )
        self.row_paths[slug] = {
            "attendance": [f"{path}.attendance[{i}]" for i in attendance_at],
            "outcomes": [f"{path}.outcomes[{i}]" for i in outcomes_at],
            "documents": [f"{path}.documents[{i}]" for i in documents_at],
        }
        held_image, held_documents = self._held_files(slug)
        for row_path, doc, source, held in zip(
            self.row_paths[slug]["documents"],
            documents,
            [record["documents"][i] for i in documents_at],
            held_documents + [None] * len(documents),
            strict=False,
        ):
            doc["file"] = self._check_file(
                row_path, "document", "file", source, held.file if held else None, DOCUMENT_TYPES
            )
        hero_image = self._check_file(path, "meeting", "hero_image", record, held_image, IMAGE_TYPES)
        canonical = {
            "slug": slug,
            "type": record["type"],
            "number": record.get("number"),
            "title": record["title"],
            "start_date": record.get("start_date"),
            "end_date": record.get("end_date"),
            "date_as_published": optional_text(record, "date_as_published"),
            "city": optional_text(record, "city"),
            "country": record.get("country") or None,
            "venue": optional_text(record, "venue"),
            "format": record.get("format", "in_person"),
            "status": record.get("status", "held"),
            "published": published_at is not None and published_at <= self.now,
            "published_at": datetime_code(published_at),
            "purpose": optional_text(record, "purpose"),
            "summary": optional_text(record, "summary"),
            "body": optional_text(record, "body"),
            "hero_image": hero_image,
            "hero_image_alt": optional_text(record, "hero_image_alt"),
            "convening_body": record.get("convening_body"),
            "attendance_summary": optional_text(record, "attendance_summary"),
            "attendance_complete": record.get("attendance_complete", False),
            "parent": parent,
            "related_meetings": sorted(record.get("related_meetings", [])),
            "themes": sorted(record.get("themes", [])),
            "source_urls": [url.strip() for url in record.get("source_urls", []) if url.strip()],
            "attendance": attendance,
            "outcomes": outcomes,
            "documents": documents,
        }
        if self.checking:
            # Its slug is its only unique field, and cannot clash: a meeting of the database with it
            # is this record (``as_saved``), and the file's own repeats are found across the file at
            # once (``ReferenceChecks``), not by a query for each meeting.
            instance = as_saved(Meeting(**meeting_fields(canonical)), self.db_meetings.get(slug))
            exclude = ["meeting_type", "convening_body", "parent", "hero_image"]
            self._full_clean(path, instance, exclude=exclude)
        return path, canonical

    def _held_files(self, slug):
        """(the hero image, the documents in the export's order) that the meeting ``slug`` holds in
        the database: the files each record of it may keep by name (read for each batch of meetings,
        ``RecordsImport._load_batch``)."""
        return self._held.get(slug, (None, []))

    def _check_file(self, path, record_name, field, source, held, types):
        """The canonical value of the file ``field`` of the record ``source`` at ``path``: the name
        it holds in the database, or a ``FileContent`` to store; anything else is refused."""
        name = optional_text(source, field)
        content_field = CONTENT_FIELDS[field]
        text = source.get(content_field)
        if text is not None and not name and field == "file":
            # Other records cite a document by the name of its file: the name comes with the content.
            self.error(f"{path}.file", f"is required with {content_field}: the name the file cites it by")
            return name
        if text is not None:
            max_bytes = MAX_DOCUMENT_BYTES if types == DOCUMENT_TYPES else MAX_IMAGE_BYTES
            try:
                content = decode_content(text, types, max_bytes)
            except ValidationError as error:
                for message in error.messages:
                    self.error(f"{path}.{content_field}", message)
                return name
            if same_content(held, content):
                # The record has this very file already: it keeps it, under its stored name.
                if name and name != held.name:
                    self.stored_names[name] = held.name
                return held.name
            return FileContent(name or "", content)
        if name and (not held or name != held.name):
            self.error(
                f"{path}.{field}", NOT_HELD.format(name=name, record=record_name, content=content_field)
            )
        return name

    def _check_unique(self, path, key, rows, field, message):
        """Report rows (index -> canonical row) that repeat an earlier row's ``field``."""
        seen = {}
        for index, row in rows.items():
            if row[field] in seen:
                self.error(
                    f"{path}.{key}[{index}].{field}", message.format(row[field], f"{key}[{seen[row[field]]}]")
                )
            seen.setdefault(row[field], index)

    def _check_attendance(self, path, index, row):
        self._check_participant_ref(f"{path}.participant", row["participant"])
        canonical = {
            "participant": row["participant"],
            "role": row.get("role", "member"),
            "person": optional_text(row, "person"),
            "note": optional_text(row, "note"),
            "position": row.get("position", index),
        }
        if self.checking:
            self._full_clean(
                path, Attendance(**attendance_fields(canonical)), exclude=["meeting", "participant"]
            )
        return canonical

    def _check_outcome(self, path, meeting_slug, index, outcome):
        for slug in outcome.get("concerns", []):
            self._check_participant_ref(f"{path}.concerns", slug)
        self._check_themes(f"{path}.themes", outcome.get("themes", []))
        for address in outcome.get("documents", []):
            self._check_document_ref(f"{path}.documents", meeting_slug, address)
        actions = {
            i: self._check_action(f"{path}.actions[{i}]", meeting_slug, i, action)
            for i, action in items(outcome, "actions")
        }
        actions, actions_at = in_order(actions, lambda action: action["position"])
        self.action_paths[path] = [f"{path}.actions[{i}]" for i in actions_at]
        canonical = {
            "position": outcome.get("position", index + 1),
            "kind": outcome["kind"],
            "text": outcome["text"],
            "addressed_to": optional_text(outcome, "addressed_to"),
            "concerns": sorted(outcome.get("concerns", [])),
            "themes": sorted(outcome.get("themes", [])),
            "documents": sorted(outcome.get("documents", [])),
            "actions": actions,
        }
        if self.checking:
            self._full_clean(path, Outcome(**outcome_fields(canonical)), exclude=["meeting"])
        return canonical

    def _check_action(self, path, meeting_slug, index, action):
        leads, supporters = action.get("owners", []), action.get("supporting_owners", [])
        for key, slugs in (("owners", leads), ("supporting_owners", supporters)):
            for slug in slugs:
                self._check_participant_ref(f"{path}.{key}", slug)
        for slug in sorted(set(leads) & set(supporters)):
            self.error(f"{path}.supporting_owners", f"'{slug}' is already a lead owner")
        due = action.get("due")
        if due is not None:
            try:
                due = DuePeriod.from_code(due).code
            except ValueError as error:
                self.error(f"{path}.due", error)
                due = None
        self._check_type(f"{path}.due_at_next", action.get("due_at_next"))
        self._check_meeting_ref(f"{path}.fulfilled_by", action.get("fulfilled_by"))
        self._check_document_ref(
            f"{path}.fulfilled_by_document", meeting_slug, action.get("fulfilled_by_document")
        )
        self._check_action_ref(f"{path}.superseded_by", action.get("superseded_by"))
        status = action.get("status", "not_started")
        if action.get("superseded_by") and status != "superseded":
            self.error(f"{path}.superseded_by", "only a superseded action names what superseded it")
        self._check_participant_ref(f"{path}.reported_to", action.get("reported_to"))
        self._check_themes(f"{path}.themes", action.get("themes", []))
        updates = []
        for i, update in items(action, "updates"):
            u_path = f"{path}.updates[{i}]"
            self._check_date(f"{u_path}.date", update["date"])
            self._check_meeting_ref(f"{u_path}.meeting", update.get("meeting"))
            recorded_by = update.get("recorded_by")
            canonical_update = {
                "date": update["date"],
                "status": update["status"],
                "note": optional_text(update, "note"),
                "percent_complete": update.get("percent_complete"),
                "meeting": update.get("meeting"),
                "recorded_by": recorded_by if recorded_by in self.usernames else None,
            }
            if self.checking:
                self._full_clean(
                    u_path,
                    ProgressUpdate(**update_fields(canonical_update)),
                    exclude=["action_item", "meeting", "recorded_by"],
                )
            updates.append(canonical_update)
        canonical = {
            "position": action.get("position", index),
            "title": action["title"],
            "description": optional_text(action, "description"),
            "owners": sorted(leads),
            "supporting_owners": sorted(supporters),
            "status": status,
            "due": due,
            "due_as_published": optional_text(action, "due_as_published"),
            "due_at_next": action.get("due_at_next"),
            "fulfilled_by": action.get("fulfilled_by"),
            "fulfilled_by_document": action.get("fulfilled_by_document"),
            "superseded_by": action.get("superseded_by"),
            "reported_to": action.get("reported_to"),
            "themes": sorted(action.get("themes", [])),
            "updates": sorted(updates, key=lambda update: update["date"]),
        }
        if self.checking:
            self._full_clean(
                path,
                ActionItem(**action_fields(canonical)),
                exclude=[
                    "outcome",
                    "due_at_next",
                    "superseded_by",
                    "fulfilled_by_meeting",
                    "fulfilled_by_document",
                    "reported_to",
                ],
            )
        return canonical

    def _check_document(self, path, meeting_slug, index, doc):
        self._check_date(f"{path}.published_on", doc.get("published_on"))
        self._check_document_ref(f"{path}.translation_of", meeting_slug, doc.get("translation_of"))
        canonical = {
            "title": doc["title"],
            "kind": doc.get("kind", "other"),
            "url": optional_text(doc, "url"),
            "file": optional_text(doc, "file"),
            "language": doc.get("language", "en"),
            "published_on": doc.get("published_on"),
            "translation_of": doc.get("translation_of"),
            "position": doc.get("position", index),
        }
        if self.checking:
            self._full_clean(
                path, Document(**document_fields(canonical)), exclude=["meeting", "translation_of"]
            )
        return canonical

    def _check_related_meetings(self, path, record):
        """Related meetings go both ways, so two records in one file must agree."""
        for other in record["related_meetings"]:
            if other in self._file_related and record["slug"] not in self._file_related[other]:
                self.error(
                    f"{path}.related_meetings",
                    f"'{other}' is in this file and does not list '{record['slug']}' as related",
                )
