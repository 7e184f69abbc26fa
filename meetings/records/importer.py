"""Reading a records document: check all of it first, then write all of it in one transaction.

An import works in two steps, so that a command, an admin upload or a test can show what would
happen before it happens:

    records = RecordsImport(document)
    records.validate()        # every error, each naming record and field; nothing written
    records.summary()         # created / updated / unchanged per kind
    records.apply()           # in one transaction; apply(dry_run=True) rolls it back

Each file record is first brought to the canonical shape the exporter writes (defaults filled in,
sets sorted). A record whose canonical shape equals the export of the same record in the database
is unchanged and left alone, which makes a second import of the same file change nothing.
Nested rows are matched in place (attendance by participant, outcomes by number, the rest in
order) so that ids that public addresses cite survive an import.
"""

import datetime
import difflib
import json
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ..due import DuePeriod
from ..models import (
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
    ParticipantKind,
    ProgressUpdate,
    Theme,
)
from .export import (
    FORMAT,
    VERSION,
    MeetingExporter,
    alias_sort_key,
    datetime_code,
    export_meeting_type,
    export_participant,
    export_theme,
    meeting_queryset,
    membership_sort_key,
    ordered_action_items,
    participant_queryset,
)
from .schema import BROKEN, document_order, schema_errors, without_schema_errors

KINDS = ("meeting_types", "themes", "participants", "meetings")
KIND_NAMES = {
    "meeting_types": "meeting types",
    "themes": "themes",
    "participants": "participants",
    "meetings": "meetings",
}
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Model field -> the format's field, where they differ, for naming the field of a model error.
FIELD_NAMES = {
    Meeting: {"meeting_type": "type"},
    ActionItem: {
        "due_date": "due",
        "due_precision": "due",
        "fulfilled_by_meeting": "fulfilled_by",
    },
}


@dataclass(frozen=True)
class RecordError:
    """One thing wrong with a file, where it is: ``meetings[3].attendance[7].participant``."""

    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}"


class RecordsInvalid(Exception):
    """A records document that cannot be imported; ``errors`` says every reason."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def parse_records(text):
    """The document in a records file's text (str or bytes), or RecordsInvalid if it is not JSON."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text)
    except UnicodeDecodeError as error:
        raise RecordsInvalid([RecordError("(file)", f"is not UTF-8 text: {error}")]) from None
    except json.JSONDecodeError as error:
        raise RecordsInvalid(
            [RecordError("(file)", f"is not JSON: {error.msg} at line {error.lineno}, column {error.colno}")]
        ) from None


def items(record, key):
    """(index, item) of the list ``record[key]``, leaving out items the schema refused."""
    return [(index, item) for index, item in enumerate(record.get(key, [])) if BROKEN not in item]


def _parse_date(value):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value):
    if value is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def _text(record, key):
    return record.get(key) or None


def _blank(value):
    return value if value is not None else ""


class Suggestions:
    """Close matches for a mistyped slug, among slugs and (slugified) names and aliases."""

    def __init__(self):
        self.candidates = {}

    def add(self, slug, *names):
        self.candidates.setdefault(slug, slug)
        for name in names:
            if name:
                self.candidates.setdefault(slugify(name), slug)

    def hint(self, value):
        matches = difflib.get_close_matches(slugify(value) or value, list(self.candidates), n=4, cutoff=0.75)
        slugs = list(dict.fromkeys(self.candidates[match] for match in matches))[:2]
        if not slugs:
            return ""
        return " (did you mean {}?)".format(" or ".join(f"'{slug}'" for slug in slugs))


class RecordsImport:
    """One records document on its way into the database."""

    def __init__(self, document, now=None, progress=None):
        self.document = document
        self.now = now or timezone.now()
        # ``progress(items, description)`` wraps a long loop, for a progress bar; plain by default.
        self.progress = progress or (lambda items, description: items)
        self.errors = []
        self.changes = {kind: {} for kind in KINDS}
        self.validated = False

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

    def _load_known(self, document):
        """What slugs name, in the file and in the database, for checking references."""
        self.file_slugs = {}
        for kind in KINDS:
            seen = {}
            for index, record in enumerate(document.get(kind, [])):
                slug = record.get("slug")
                if not isinstance(slug, str):
                    continue
                if slug in seen:
                    self.error(f"{kind}[{index}].slug", f"'{slug}' is already used by {kind}[{seen[slug]}]")
                else:
                    seen[slug] = index
            self.file_slugs[kind] = seen
        for kind in ("meeting_types", "themes", "participants"):
            names = {}
            for index, record in items(document, kind):
                key = record["name"].casefold()
                if key in names:
                    self.error(
                        f"{kind}[{index}].name", f"'{record['name']}' is already used by {kind}[{names[key]}]"
                    )
                names.setdefault(key, index)

        self.type_slugs = set(self.file_slugs["meeting_types"]) | set(
            MeetingType.objects.values_list("slug", flat=True)
        )
        self.theme_slugs = set(self.file_slugs["themes"]) | set(Theme.objects.values_list("slug", flat=True))
        self.type_hints, self.theme_hints = Suggestions(), Suggestions()
        for slug, name in MeetingType.objects.values_list("slug", "name"):
            self.type_hints.add(slug, name)
        for _index, record in items(document, "meeting_types"):
            self.type_hints.add(record["slug"], record["name"])
        for slug, name in Theme.objects.values_list("slug", "name"):
            self.theme_hints.add(slug, name)
        for _index, record in items(document, "themes"):
            self.theme_hints.add(record["slug"], record["name"])

        self.participant_kinds = {}
        self.participant_hints = Suggestions()
        self.alias_owners = {}
        for slug, kind, name, short_name in Participant.objects.values_list(
            "slug", "kind", "name", "short_name"
        ):
            self.participant_kinds[slug] = kind
            self.participant_hints.add(slug, name, short_name)
        for slug, alias in ParticipantAlias.objects.values_list("participant__slug", "name"):
            self.participant_hints.add(slug, alias)
            self.alias_owners[alias.casefold()] = slug
        for _index, record in items(document, "participants"):
            self.participant_kinds[record["slug"]] = record["kind"]
            self.participant_hints.add(record["slug"], record["name"], record.get("short_name"))
            for alias in record.get("aliases", []):
                self.participant_hints.add(record["slug"], alias)

        self.db_meetings = {
            meeting.slug: meeting
            for meeting in Meeting.objects.filter(slug__in=list(self.file_slugs["meetings"])).only(
                "pk", "slug", "published_at"
            )
        }
        self.meeting_slugs = set(self.file_slugs["meetings"]) | set(
            Meeting.objects.values_list("slug", flat=True)
        )
        self.meeting_hints = Suggestions()
        for slug in self.meeting_slugs:
            self.meeting_hints.add(slug)
        self.usernames = set(
            get_user_model()
            .objects.filter(username__in=self._recorded_by_names(document))
            .values_list("username", flat=True)
        )
        self._file_outcomes = {}
        self._file_documents = {}
        for _index, meeting in items(document, "meetings"):
            outcomes = self._file_outcomes.setdefault(meeting["slug"], {})
            for index, outcome in items(meeting, "outcomes"):
                outcomes.setdefault(outcome.get("position", index + 1), len(items(outcome, "actions")))
            self._file_documents[meeting["slug"]] = {
                doc.get("url") or doc.get("file") for _index, doc in items(meeting, "documents")
            }
        self._all_file_documents = set().union(*self._file_documents.values())
        self._db_outcomes = {}

    def _recorded_by_names(self, document):
        names = set()
        for _index, meeting in items(document, "meetings"):
            for _index, outcome in items(meeting, "outcomes"):
                for _index, action in items(outcome, "actions"):
                    names.update(
                        u["recorded_by"] for _i, u in items(action, "updates") if u.get("recorded_by")
                    )
        return names

    # References

    def _check_slug(self, path, slug, known, hints, what):
        if slug is not None and slug not in known:
            self.error(path, f"no {what} '{slug}'{hints.hint(slug)}")
            return False
        return True

    def _check_type(self, path, slug):
        return self._check_slug(path, slug, self.type_slugs, self.type_hints, "meeting type")

    def _check_themes(self, path, slugs):
        for slug in slugs:
            self._check_slug(path, slug, self.theme_slugs, self.theme_hints, "theme")

    def _check_participant_ref(self, path, slug):
        return self._check_slug(path, slug, self.participant_kinds, self.participant_hints, "participant")

    def _check_body(self, path, slug):
        known = slug is not None and self._check_participant_ref(path, slug)
        if known and self.participant_kinds[slug] != ParticipantKind.FORUM_BODY:
            self.error(path, f"'{slug}' is not a forum body")

    def _check_meeting_ref(self, path, slug):
        return self._check_slug(path, slug, self.meeting_slugs, self.meeting_hints, "meeting")

    def _outcomes_of(self, meeting_slug):
        """Outcome number -> number of actions, for a meeting in the file or the database."""
        if meeting_slug in self._file_outcomes:
            return self._file_outcomes[meeting_slug]
        if meeting_slug not in self._db_outcomes:
            counts = Counter(
                ActionItem.objects.filter(outcome__meeting__slug=meeting_slug).values_list(
                    "outcome__position", flat=True
                )
            )
            positions = Outcome.objects.filter(meeting__slug=meeting_slug).values_list("position", flat=True)
            self._db_outcomes[meeting_slug] = {position: counts[position] for position in positions}
        return self._db_outcomes[meeting_slug]

    def _check_outcome_ref(self, path, ref):
        if ref is None:
            return
        meeting_slug, position = ref.split("#")
        if self._check_meeting_ref(path, meeting_slug) and int(position) not in self._outcomes_of(
            meeting_slug
        ):
            self.error(path, f"meeting '{meeting_slug}' has no outcome {position}")

    def _check_action_ref(self, path, ref):
        if ref is None:
            return
        meeting_slug, numbers = ref.split("#")
        position, index = (int(number) for number in numbers.split("."))
        if not self._check_meeting_ref(path, meeting_slug):
            return
        outcomes = self._outcomes_of(meeting_slug)
        if position not in outcomes:
            self.error(path, f"meeting '{meeting_slug}' has no outcome {position}")
        elif not 1 <= index <= outcomes[position]:
            self.error(path, f"outcome {position} of meeting '{meeting_slug}' has no action {index}")

    def _check_document_ref(self, path, meeting_slug, address):
        if address is None:
            return
        if address in self._file_documents.get(meeting_slug, ()) or address in self._all_file_documents:
            return
        if not Document.objects.filter(Q(url=address) | Q(file=address)).exists():
            self.error(path, f"no document at '{address}' in this file or the database")

    def _check_date(self, path, value):
        if value is not None and _parse_date(value) is None:
            self.error(path, f"'{value}' is not a date")

    # Model validation

    def _full_clean(self, path, instance, exclude=(), validate_unique=False):
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=validate_unique)
        except ValidationError as error:
            names = FIELD_NAMES.get(type(instance), {})
            for field, messages in error.message_dict.items():
                where = path if field == NON_FIELD_ERRORS else f"{path}.{names.get(field, field)}"
                for message in dict.fromkeys(messages):
                    self.error(where, message)

    # Records, one kind at a time: each returns (path, canonical record).

    def _check_meeting_type(self, index, record):
        path = f"meeting_types[{index}]"
        canonical = {
            "slug": record["slug"],
            "name": record["name"],
            "plural_name": _text(record, "plural_name"),
            "description": _text(record, "description"),
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
            "description": _text(record, "description"),
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
                "note": _text(membership, "note"),
                "source_url": _text(membership, "source_url"),
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
            "short_name": _text(record, "short_name"),
            "kind": record["kind"],
            "country": record.get("country") or None,
            "description": _text(record, "description"),
            "website": _text(record, "website"),
            "aliases": aliases,
            "memberships": sorted(memberships, key=membership_sort_key),
        }
        existing = Participant.objects.filter(slug=slug).first()
        instance = as_saved(Participant(**participant_fields(canonical)), existing)
        self._full_clean(path, instance, validate_unique=True)
        return path, canonical

    def _published_at(self, record):
        if "published_at" in record:
            return _parse_datetime(record["published_at"])
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
        if record.get("published_at") and _parse_datetime(record["published_at"]) is None:
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
        documents = [
            self._check_document(f"{path}.documents[{i}]", slug, i, doc)
            for i, doc in items(record, "documents")
        ]
        canonical = {
            "slug": slug,
            "type": record["type"],
            "number": record.get("number"),
            "title": record["title"],
            "start_date": record.get("start_date"),
            "end_date": record.get("end_date"),
            "date_as_published": _text(record, "date_as_published"),
            "city": _text(record, "city"),
            "country": record.get("country") or None,
            "venue": _text(record, "venue"),
            "format": record.get("format", "in_person"),
            "status": record.get("status", "held"),
            "published": published_at is not None and published_at <= self.now,
            "published_at": datetime_code(published_at),
            "purpose": _text(record, "purpose"),
            "summary": _text(record, "summary"),
            "body": _text(record, "body"),
            "hero_image": _text(record, "hero_image"),
            "hero_image_alt": _text(record, "hero_image_alt"),
            "convening_body": record.get("convening_body"),
            "attendance_summary": _text(record, "attendance_summary"),
            "attendance_complete": record.get("attendance_complete", False),
            "parent": parent,
            "related_meetings": sorted(record.get("related_meetings", [])),
            "themes": sorted(record.get("themes", [])),
            "source_urls": [url.strip() for url in record.get("source_urls", []) if url.strip()],
            "attendance": sorted(attendance.values(), key=lambda row: (row["position"], row["participant"])),
            "outcomes": sorted(outcomes.values(), key=lambda outcome: outcome["position"]),
            "documents": sorted(
                documents,
                key=lambda doc: (doc["position"], doc["title"], doc["url"] or "", doc["file"] or ""),
            ),
        }
        existing = self.db_meetings.get(slug)
        instance = as_saved(Meeting(**meeting_fields(canonical)), existing)
        self._full_clean(
            path,
            instance,
            exclude=["meeting_type", "convening_body", "parent", "hero_image"],
            validate_unique=True,
        )
        return path, canonical

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
            "person": _text(row, "person"),
            "note": _text(row, "note"),
            "position": row.get("position", index),
        }
        self._full_clean(path, Attendance(**attendance_fields(canonical)), exclude=["meeting", "participant"])
        return canonical

    def _check_outcome(self, path, meeting_slug, index, outcome):
        for slug in outcome.get("concerns", []):
            self._check_participant_ref(f"{path}.concerns", slug)
        self._check_themes(f"{path}.themes", outcome.get("themes", []))
        for address in outcome.get("documents", []):
            self._check_document_ref(f"{path}.documents", meeting_slug, address)
        actions = [
            self._check_action(f"{path}.actions[{i}]", meeting_slug, i, action)
            for i, action in items(outcome, "actions")
        ]
        canonical = {
            "position": outcome.get("position", index + 1),
            "kind": outcome["kind"],
            "text": outcome["text"],
            "addressed_to": _text(outcome, "addressed_to"),
            "concerns": sorted(outcome.get("concerns", [])),
            "themes": sorted(outcome.get("themes", [])),
            "documents": sorted(outcome.get("documents", [])),
            "actions": sorted(actions, key=lambda action: action["position"]),
        }
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
                "note": _text(update, "note"),
                "percent_complete": update.get("percent_complete"),
                "meeting": update.get("meeting"),
                "recorded_by": recorded_by if recorded_by in self.usernames else None,
            }
            self._full_clean(
                u_path,
                ProgressUpdate(**update_fields(canonical_update)),
                exclude=["action_item", "meeting", "recorded_by"],
            )
            updates.append(canonical_update)
        canonical = {
            "position": action.get("position", index),
            "title": action["title"],
            "description": _text(action, "description"),
            "owners": sorted(leads),
            "supporting_owners": sorted(supporters),
            "status": status,
            "due": due,
            "due_as_published": _text(action, "due_as_published"),
            "due_at_next": action.get("due_at_next"),
            "fulfilled_by": action.get("fulfilled_by"),
            "fulfilled_by_document": action.get("fulfilled_by_document"),
            "superseded_by": action.get("superseded_by"),
            "reported_to": action.get("reported_to"),
            "themes": sorted(action.get("themes", [])),
            "updates": sorted(updates, key=lambda update: update["date"]),
        }
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
            "url": _text(doc, "url"),
            "file": _text(doc, "file"),
            "language": doc.get("language", "en"),
            "published_on": doc.get("published_on"),
            "translation_of": doc.get("translation_of"),
            "position": doc.get("position", index),
        }
        self._full_clean(path, Document(**document_fields(canonical)), exclude=["meeting", "translation_of"])
        return canonical

    def _check_related_meetings(self):
        """Related meetings go both ways, so two records in one file must agree."""
        related = {record["slug"]: set(record["related_meetings"]) for _path, record in self.meetings}
        for path, record in self.meetings:
            for other in record["related_meetings"]:
                if other in related and record["slug"] not in related[other]:
                    self.error(
                        f"{path}.related_meetings",
                        f"'{other}' is in this file and does not list '{record['slug']}' as related",
                    )

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
        exported["meetings"] = {
            m.slug: exporter.export(m)
            for m in meeting_queryset().filter(slug__in=[r["slug"] for _p, r in self.meetings])
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
                if current is None:
                    state = CREATED
                elif current == record:
                    state = UNCHANGED
                else:
                    state = UPDATED
                self.changes[kind][record["slug"]] = state

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
        return [
            f"{KIND_NAMES[kind]}: {counts[CREATED]} created, {counts[UPDATED]} updated, "
            f"{counts[UNCHANGED]} unchanged"
            for kind, counts in self.summary().items()
        ]

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

    def apply(self, dry_run=False):
        """Write every change in one transaction; with ``dry_run`` roll it back. Returns the summary."""
        if self.validate():
            raise RecordsInvalid(self.errors)
        with transaction.atomic():
            RecordsWriter(self).write()
            if dry_run:
                transaction.set_rollback(True)
        return self.summary()


# Canonical record -> model field values (relations aside). Used both to validate and to write.


def meeting_type_fields(record):
    return {
        "slug": record["slug"],
        "name": record["name"],
        "plural_name": _blank(record["plural_name"]),
        "description": _blank(record["description"]),
        "position": record["position"],
    }


def theme_fields(record):
    return {"slug": record["slug"], "name": record["name"], "description": _blank(record["description"])}


def participant_fields(record):
    return {
        "slug": record["slug"],
        "name": record["name"],
        "short_name": _blank(record["short_name"]),
        "kind": record["kind"],
        "country": _blank(record["country"]),
        "description": _blank(record["description"]),
        "website": _blank(record["website"]),
    }


def membership_fields(record):
    return {
        "status": record["status"],
        "start_date": _parse_date(record["start_date"]),
        "end_date": _parse_date(record["end_date"]),
        "note": _blank(record["note"]),
        "source_url": _blank(record["source_url"]),
    }


def meeting_fields(record):
    return {
        "slug": record["slug"],
        "number": record["number"],
        "title": record["title"],
        "start_date": _parse_date(record["start_date"]),
        "end_date": _parse_date(record["end_date"]),
        "date_as_published": _blank(record["date_as_published"]),
        "city": _blank(record["city"]),
        "country": _blank(record["country"]),
        "venue": _blank(record["venue"]),
        "format": record["format"],
        "status": record["status"],
        "published_at": _parse_datetime(record["published_at"]),
        "purpose": _blank(record["purpose"]),
        "summary": _blank(record["summary"]),
        "body": _blank(record["body"]),
        "hero_image": _blank(record["hero_image"]),
        "hero_image_alt": _blank(record["hero_image_alt"]),
        "attendance_summary": _blank(record["attendance_summary"]),
        "attendance_complete": record["attendance_complete"],
        "source_urls": "\n".join(record["source_urls"]),
    }


def attendance_fields(record):
    return {
        "role": record["role"],
        "person": _blank(record["person"]),
        "note": _blank(record["note"]),
        "position": record["position"],
    }


def outcome_fields(record):
    return {
        "position": record["position"],
        "kind": record["kind"],
        "text": record["text"],
        "addressed_to": _blank(record["addressed_to"]),
    }


def action_fields(record):
    period = DuePeriod.from_code(record["due"]) if record["due"] else None
    return {
        "position": record["position"],
        "title": record["title"],
        "description": _blank(record["description"]),
        "status": record["status"],
        "due_date": period.end if period else None,
        "due_precision": period.precision if period else "",
        "due_as_published": _blank(record["due_as_published"]),
    }


def update_fields(record):
    return {
        "date": _parse_date(record["date"]),
        "status": record["status"],
        "note": _blank(record["note"]),
        "percent_complete": record["percent_complete"],
    }


def document_fields(record):
    return {
        "title": record["title"],
        "kind": record["kind"],
        "url": _blank(record["url"]),
        "file": _blank(record["file"]),
        "language": record["language"],
        "published_on": _parse_date(record["published_on"]),
        "position": record["position"],
    }


def as_saved(instance, existing):
    """``instance`` standing in for ``existing`` (if any), so unique checks do not trip on it."""
    if existing is not None:
        instance.pk = existing.pk
        instance._state.adding = False
    return instance


def assign(instance, values):
    """Set ``values`` on ``instance``; whether any of them changed."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def save_if_changed(instance, values):
    if assign(instance, values) or instance.pk is None:
        instance.save()
    return instance


class RecordsWriter:
    """Writes a validated import's changed records; called inside a transaction."""

    def __init__(self, records_import):
        self.records = records_import
        self.user_ids = dict(
            get_user_model()
            .objects.filter(username__in=records_import.usernames)
            .values_list("username", "pk")
        )
        self._outcome_ids = {}

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
            save_if_changed(existing, values)
        self.meeting_ids = dict(Meeting.objects.values_list("slug", "pk"))
        for _path, record in records.progress(meetings, "importing"):
            self._write_meeting(record)
        for _path, record in meetings:
            self._link_meeting(record)
        for _path, record in participants:
            self._write_memberships(record)

    def _ids(self, ids, slugs):
        return [ids[slug] for slug in slugs]

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
            ParticipantAlias(participant_id=participant_id, name=name)
            for participant_id, names in wanted.items()
            for name in sorted(names, key=alias_sort_key)
            if (participant_id, name) not in present
        )

    def _write_meeting(self, record):
        meeting = Meeting.objects.get(slug=record["slug"])
        parent_id = self.meeting_ids.get(record["parent"])
        if meeting.parent_id != parent_id:
            meeting.parent_id = parent_id
            meeting.save(update_fields=["parent", "updated_at"])
        meeting.themes.set(self._ids(self.theme_ids, record["themes"]))
        meeting.related_meetings.set(self._ids(self.meeting_ids, record["related_meetings"]))

        documents = sorted(meeting.documents.all(), key=lambda doc: doc.pk)
        for index, wanted in enumerate(record["documents"]):
            document = documents[index] if index < len(documents) else Document(meeting=meeting)
            save_if_changed(document, document_fields(wanted))
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
            save_if_changed(outcome, outcome_fields(wanted))
            outcome.concerns.set(self._ids(self.participant_ids, wanted["concerns"]))
            outcome.themes.set(self._ids(self.theme_ids, wanted["themes"]))
            self._write_actions(outcome, wanted["actions"])

    def _write_actions(self, outcome, wanted_actions):
        # Matched in order of creation, so ids survive and ties in position keep the file's order.
        actions = sorted(outcome.action_items.all(), key=lambda action: action.pk)
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
            save_if_changed(action, values)
            action.themes.set(self._ids(self.theme_ids, wanted["themes"]))
            self._write_owners(action, wanted)
            self._write_updates(action, wanted["updates"])
        for action in actions[len(wanted_actions) :]:
            action.delete()

    def _write_owners(self, action, wanted):
        roles = {self.participant_ids[slug]: OwnerRole.LEAD for slug in wanted["owners"]}
        roles.update({self.participant_ids[slug]: OwnerRole.SUPPORT for slug in wanted["supporting_owners"]})
        ownerships = {ownership.participant_id: ownership for ownership in action.ownerships.all()}
        for participant_id, ownership in ownerships.items():
            if participant_id not in roles:
                ownership.delete()
        for participant_id, role in roles.items():
            ownership = ownerships.get(participant_id) or ActionOwner(
                action_item=action, participant_id=participant_id
            )
            save_if_changed(ownership, {"role": role})

    def _write_updates(self, action, wanted_updates):
        updates = sorted(action.progress_updates.all(), key=lambda update: update.pk)
        for index, wanted in enumerate(wanted_updates):
            update = updates[index] if index < len(updates) else ProgressUpdate(action_item=action)
            values = update_fields(wanted)
            values["meeting_id"] = self.meeting_ids.get(wanted["meeting"])
            values["recorded_by_id"] = self.user_ids.get(wanted["recorded_by"])
            save_if_changed(update, values)
        for update in updates[len(wanted_updates) :]:
            update.delete()

    # Second pass: links to documents and actions, which may sit in meetings written later.

    def _link_meeting(self, record):
        meeting = Meeting.objects.get(slug=record["slug"])
        documents = sorted(meeting.documents.all(), key=lambda doc: doc.pk)
        for document, wanted in zip(documents, record["documents"], strict=True):
            translation = self._document(record["slug"], wanted["translation_of"])
            save_if_changed(document, {"translation_of_id": translation.pk if translation else None})
        outcomes = {outcome.position: outcome for outcome in meeting.outcomes.all()}
        for wanted in record["outcomes"]:
            outcome = outcomes[wanted["position"]]
            outcome.documents.set(
                [self._document(record["slug"], address) for address in wanted["documents"]]
            )
            actions = sorted(outcome.action_items.all(), key=lambda action: action.pk)
            for action, wanted_action in zip(actions, wanted["actions"], strict=True):
                document = self._document(record["slug"], wanted_action["fulfilled_by_document"])
                superseded_by = self._action(wanted_action["superseded_by"])
                save_if_changed(
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
        at_address = Document.objects.filter(Q(url=address) | Q(file=address)).order_by("pk")
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
