"""Writing the record as one records-format document.

Every list is sorted in Python, not by the database, so that SQLite and PostgreSQL (whose text
collations differ) give byte-identical files, and two exports of the same record are identical.
"""

import base64
import datetime
import json
import tempfile

from django.db.models import Prefetch, Q
from django.utils import timezone

from ..models import (
    ActionItem,
    Document,
    Meeting,
    MeetingType,
    Membership,
    OwnerRole,
    Participant,
    Theme,
)
from . import memory

FORMAT = "balitracker-records"
VERSION = 1
# Meetings read, with their parts, at a time: each prefetch names the ids of one chunk's rows, which
# for a whole archive at once would pass the database's limit on a statement's parameters.
CHUNK = 200


def dumps(document):
    """The document as the text of a records file: UTF-8 friendly, indented by 2, ending in a newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def text_or_null(value):
    return value or None


def date_or_null(value):
    return value.isoformat() if value else None


def datetime_code(value):
    """A time as UTC ISO 8601 with a Z, microseconds kept so that a round trip loses nothing."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def document_address(document):
    """How the format refers to a document: its url, or its file where it has none, or its title
    where it has neither (a document not online yet)."""
    return document.url or document.file.name or document.title


def at_document_address(address):
    """The condition on documents that ``document_address`` gives ``address``."""
    return Q(url=address) | Q(file=address) | Q(url="", file="", title=address)


def stored_content(stored):
    """The base64 content of the stored file ``stored`` (a file field), or None if the storage lacks it."""
    try:
        with stored.storage.open(stored.name, "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")
    except OSError:
        return None


def outcome_ref(outcome):
    return f"{outcome.meeting.slug}#{outcome.position}" if outcome else None


def start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def meeting_queryset():
    """Meetings with everything their records walk, in a fixed number of queries.

    The lookups are flat paths, not querysets nesting their own: Django reads a reverse relation's
    queryset, with the lookups it nests, before it reaches them, and then walks them again, making a
    related manager for each row it has read (``revisions.held_prefetches``)."""
    return Meeting.objects.select_related("meeting_type", "convening_body", "parent").prefetch_related(
        "themes",
        "related_meetings",
        "attendances__participant",
        Prefetch("documents", queryset=Document.objects.select_related("translation_of")),
        "outcomes__concerns",
        "outcomes__themes",
        "outcomes__documents",
        "outcomes__action_items__due_at_next",
        "outcomes__action_items__fulfilled_by_meeting",
        "outcomes__action_items__fulfilled_by_document",
        "outcomes__action_items__reported_to",
        "outcomes__action_items__superseded_by__outcome__meeting",
        "outcomes__action_items__themes",
        "outcomes__action_items__ownerships__participant",
        "outcomes__action_items__progress_updates__meeting",
        "outcomes__action_items__progress_updates__recorded_by",
    )


def participant_queryset():
    return Participant.objects.prefetch_related(
        "aliases",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("body", "granted_by__meeting", "ended_by__meeting"),
        ),
    )


def ordered_documents(documents):
    return sorted(documents, key=lambda doc: (doc.position, doc.title, doc.url, doc.file.name, doc.pk))


def ordered_action_items(action_items):
    return sorted(action_items, key=lambda action: (action.position, action.pk))


def ordered_memberships(memberships):
    return sorted(
        memberships,
        key=lambda membership: (membership_sort_key(export_membership(membership)), membership.pk),
    )


def membership_sort_key(record):
    return (
        record["body"] or "",
        record["start_date"] or "",
        record["end_date"] or "",
        record["status"],
    )


def ordered_updates(updates):
    return sorted(updates, key=lambda update: (update.date, update.created_at, update.pk))


def alias_sort_key(name):
    return (name.casefold(), name)


class ActionRefs:
    """Names action items in the format as ``meeting-slug#outcome-number.n``."""

    def __init__(self):
        self.refs = {}

    def add_outcome(self, meeting, outcome):
        for index, action in enumerate(ordered_action_items(outcome.action_items.all()), start=1):
            self.refs[action.pk] = f"{meeting.slug}#{outcome.position}.{index}"

    def ref(self, action):
        if action is None:
            return None
        if action.pk not in self.refs:
            outcome = action.outcome
            siblings = ActionItem.objects.filter(outcome=outcome).only("pk", "position")
            for index, sibling in enumerate(ordered_action_items(siblings), start=1):
                self.refs[sibling.pk] = f"{outcome.meeting.slug}#{outcome.position}.{index}"
        return self.refs[action.pk]


def export_meeting_type(meeting_type):
    return {
        "slug": meeting_type.slug,
        "name": meeting_type.name,
        "plural_name": text_or_null(meeting_type.plural_name),
        "description": text_or_null(meeting_type.description),
        "position": meeting_type.position,
    }


def export_theme(theme):
    return {"slug": theme.slug, "name": theme.name, "description": text_or_null(theme.description)}


def export_membership(membership):
    return {
        "body": membership.body.slug if membership.body_id else None,
        "status": membership.status,
        "start_date": date_or_null(membership.start_date),
        "end_date": date_or_null(membership.end_date),
        "granted_by": outcome_ref(membership.granted_by),
        "ended_by": outcome_ref(membership.ended_by),
        "note": text_or_null(membership.note),
        "source_url": text_or_null(membership.source_url),
    }


def export_participant(participant):
    return {
        "slug": participant.slug,
        "name": participant.name,
        "short_name": text_or_null(participant.short_name),
        "kind": participant.kind,
        "country": participant.country.code or None,
        "description": text_or_null(participant.description),
        "website": text_or_null(participant.website),
        "aliases": sorted((alias.name for alias in participant.aliases.all()), key=alias_sort_key),
        "memberships": [export_membership(m) for m in ordered_memberships(participant.memberships.all())],
    }


def slugs(records):
    return sorted(record.slug for record in records)


class MeetingExporter:
    """Turns loaded meetings (from ``meeting_queryset()``) into records of the format."""

    def __init__(self, now=None, with_files=False):
        self.now = now or timezone.now()
        self.action_refs = ActionRefs()
        # With files, each stored file's content is written beside its name (base64), so that the
        # record can be imported where the storage does not hold it; names the storage lacks go here.
        self.with_files = with_files
        self.missing_files = []

    def with_content(self, record, field, stored):
        """``record`` with the content of ``stored`` (a file field) right after ``field``, if asked."""
        if not self.with_files or not stored.name:
            return record
        content = stored_content(stored)
        if content is None:
            self.missing_files.append(stored.name)
            return record
        record = dict(record)
        keys = list(record)
        at = keys.index(field) + 1
        items = list(record.items())
        return dict([*items[:at], (f"{field}_content", content), *items[at:]])

    def export(self, meeting):
        for outcome in meeting.outcomes.all():
            self.action_refs.add_outcome(meeting, outcome)
        published_at = meeting.published_at
        record = {
            "slug": meeting.slug,
            "type": meeting.meeting_type.slug,
            "number": meeting.number,
            "title": meeting.title,
            "start_date": date_or_null(meeting.start_date),
            "end_date": date_or_null(meeting.end_date),
            "date_as_published": text_or_null(meeting.date_as_published),
            "city": text_or_null(meeting.city),
            "country": meeting.country.code or None,
            "venue": text_or_null(meeting.venue),
            "format": meeting.format,
            "status": meeting.status,
            "published": published_at is not None and published_at <= self.now,
            "published_at": datetime_code(published_at),
            "purpose": text_or_null(meeting.purpose),
            "summary": text_or_null(meeting.summary),
            "body": text_or_null(meeting.body),
            "hero_image": text_or_null(meeting.hero_image.name),
            "hero_image_alt": text_or_null(meeting.hero_image_alt),
            "convening_body": meeting.convening_body.slug if meeting.convening_body_id else None,
            "attendance_summary": text_or_null(meeting.attendance_summary),
            "attendance_complete": meeting.attendance_complete,
            "parent": meeting.parent.slug if meeting.parent_id else None,
            "related_meetings": slugs(meeting.related_meetings.all()),
            "themes": slugs(meeting.themes.all()),
            "source_urls": meeting.source_url_list,
            "attendance": [
                self.export_attendance(attendance)
                for attendance in sorted(
                    meeting.attendances.all(), key=lambda row: (row.position, row.participant.slug)
                )
            ],
            "outcomes": [
                self.export_outcome(outcome)
                for outcome in sorted(meeting.outcomes.all(), key=lambda outcome: outcome.position)
            ],
            "documents": [self.export_document(doc) for doc in ordered_documents(meeting.documents.all())],
        }
        return self.with_content(record, "hero_image", meeting.hero_image)

    def export_attendance(self, attendance):
        return {
            "participant": attendance.participant.slug,
            "role": attendance.role,
            "person": text_or_null(attendance.person),
            "note": text_or_null(attendance.note),
            "position": attendance.position,
        }

    def export_outcome(self, outcome):
        return {
            "position": outcome.position,
            "kind": outcome.kind,
            "text": outcome.text,
            "addressed_to": text_or_null(outcome.addressed_to),
            "concerns": slugs(outcome.concerns.all()),
            "themes": slugs(outcome.themes.all()),
            "documents": sorted({document_address(doc) for doc in outcome.documents.all()}),
            "actions": [
                self.export_action(action) for action in ordered_action_items(outcome.action_items.all())
            ],
        }

    def export_action(self, action):
        ownerships = action.ownerships.all()
        period = action.due_period
        return {
            "position": action.position,
            "title": action.title,
            "description": text_or_null(action.description),
            "owners": sorted(o.participant.slug for o in ownerships if o.role == OwnerRole.LEAD),
            "supporting_owners": sorted(
                o.participant.slug for o in ownerships if o.role == OwnerRole.SUPPORT
            ),
            "status": action.status,
            "due": period.code if period else None,
            "due_as_published": text_or_null(action.due_as_published),
            "due_at_next": action.due_at_next.slug if action.due_at_next_id else None,
            "fulfilled_by": action.fulfilled_by_meeting.slug if action.fulfilled_by_meeting_id else None,
            "fulfilled_by_document": (
                document_address(action.fulfilled_by_document) if action.fulfilled_by_document_id else None
            ),
            "superseded_by": self.action_refs.ref(action.superseded_by),
            "reported_to": action.reported_to.slug if action.reported_to_id else None,
            "themes": slugs(action.themes.all()),
            "updates": [
                self.export_update(update) for update in ordered_updates(action.progress_updates.all())
            ],
        }

    def export_update(self, update):
        return {
            "date": update.date.isoformat(),
            "status": update.status,
            "note": text_or_null(update.note),
            "percent_complete": update.percent_complete,
            "meeting": update.meeting.slug if update.meeting_id else None,
            "recorded_by": update.recorded_by.get_username() if update.recorded_by_id else None,
        }

    def export_document(self, document):
        record = {
            "title": document.title,
            "kind": document.kind,
            "url": text_or_null(document.url),
            "file": text_or_null(document.file.name),
            "language": document.language,
            "published_on": date_or_null(document.published_on),
            "translation_of": document_address(document.translation_of)
            if document.translation_of_id
            else None,
            "position": document.position,
        }
        return self.with_content(record, "file", document.file)


def meeting_order(record):
    return (record["start_date"] or "", record["slug"])


def select_meetings(meeting_slugs=None, since=None):
    """The meetings an export covers: those named, those changed since a date, or all."""
    meetings = Meeting.objects.all()
    if meeting_slugs:
        meetings = meetings.filter(slug__in=meeting_slugs)
    if since:
        changed = start_of_day(since)
        meetings = meetings.filter(
            Q(updated_at__gte=changed)
            | Q(outcomes__updated_at__gte=changed)
            | Q(outcomes__action_items__updated_at__gte=changed)
            | Q(outcomes__action_items__progress_updates__created_at__gte=changed)
            | Q(documents__updated_at__gte=changed)
        )
    return meetings.values_list("pk", flat=True).distinct()


def referenced_participants(meeting_records):
    """Slugs of the participants that meeting records name, anywhere in them."""
    found = set()
    for meeting in meeting_records:
        found.update(filter(None, [meeting["convening_body"]]))
        found.update(row["participant"] for row in meeting["attendance"])
        for outcome in meeting["outcomes"]:
            found.update(outcome["concerns"])
            for action in outcome["actions"]:
                found.update(action["owners"])
                found.update(action["supporting_owners"])
                found.update(filter(None, [action["reported_to"]]))
    return found


def build_records(meeting_slugs=None, since=None, now=None, with_files=False, exporter=None, progress=None):
    """The records document of the whole record, or of the meetings selected and what they reference.

    ``meeting_slugs`` limits the meetings to those named; ``since`` (a date) to those whose record
    changed on or after it. With either, participants, meeting types and themes are those the
    meetings reference (and, with ``since``, those changed since), so that the document stands alone.
    ``with_files`` writes each stored file's content beside its name (``MeetingExporter``); pass
    ``exporter`` to read which files the storage lacked. ``progress(items, description)`` wraps the
    loop over meetings, as the importer's does.

    The whole document is held in memory: for a page's download and the tests. A file of the whole
    archive is written by ``write_records``, meeting by meeting, with the same text.
    """
    records = RecordsExport(meeting_slugs, since, now=now, with_files=with_files, exporter=exporter)
    meeting_records = list(records.meeting_records(progress))
    return {**records.head(meeting_records), "meetings": meeting_records}


def write_records(
    stream, meeting_slugs=None, since=None, now=None, with_files=False, exporter=None, progress=None
):
    """Write to ``stream`` (text) what ``dumps(build_records(...))`` gives, meeting by meeting, so
    that memory holds a chunk of meetings, not the archive.

    The meetings follow the head (meeting types, themes, participants), which for a selection of
    meetings names only what they reference: those are written to a temporary file first, read
    for their references, and copied after the head.
    """
    records = RecordsExport(meeting_slugs, since, now=now, with_files=with_files, exporter=exporter)
    if not records.partial:
        _write_document(stream, records.head(), records.meeting_records(progress))
        return
    references = MeetingReferences()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spooled:
        count = 0
        for record in records.meeting_records(progress):
            references.add(record)
            spooled.write(_meeting_text(record, first=not count))
            count += 1
        spooled.seek(0)
        _write_document(stream, records.head(references=references), spooled if count else ())


# How the document's meetings are laid out inside it, as ``dumps`` lays out a list in a dictionary.
MEETING_INDENT = " " * 4


def _meeting_text(record, first):
    text = json.dumps(record, indent=2, ensure_ascii=False)
    # JSON text holds a line break only between its values: those in strings are escaped.
    lines = text.split("\n")
    return ("" if first else ",") + "\n" + "\n".join(MEETING_INDENT + line for line in lines)


def _write_document(stream, head, meetings):
    """The document ``head`` with ``meetings`` (records, or their text already laid out) last."""
    text = json.dumps({**head, "meetings": []}, indent=2, ensure_ascii=False)
    opening, empty = text.removesuffix("[]\n}"), True
    stream.write(opening + "[")
    for index, meeting in enumerate(meetings):
        if isinstance(meeting, dict):
            meeting = _meeting_text(meeting, first=not index)
        stream.write(meeting)
        empty = False
    stream.write("]\n}\n" if empty else "\n  ]\n}\n")


class MeetingReferences:
    """What meeting records reference (participants, meeting types, themes), gathered one at a time."""

    def __init__(self):
        self.participants, self.types, self.themes = set(), set(), set()

    def add(self, meeting):
        self.participants |= referenced_participants([meeting])
        self.types.add(meeting["type"])
        self.themes.update(meeting["themes"])
        for outcome in meeting["outcomes"]:
            self.themes.update(outcome["themes"])
            for action in outcome["actions"]:
                self.themes.update(action["themes"])
                self.types.update(filter(None, [action["due_at_next"]]))


class RecordsExport:
    """The records of one export: the meetings selected in the document's order, then the head."""

    def __init__(self, meeting_slugs=None, since=None, now=None, with_files=False, exporter=None):
        self.exporter = exporter or MeetingExporter(now=now, with_files=with_files)
        self.meeting_slugs, self.since = meeting_slugs, since
        self.partial = bool(meeting_slugs) or since is not None

    def meeting_records(self, progress=None):
        """The meetings' records in the document's order, read ``CHUNK`` meetings at a time."""
        meetings = Meeting.objects.all()
        if self.partial:
            meetings = meetings.filter(pk__in=list(select_meetings(self.meeting_slugs, self.since)))
        # Ordered here, not by the database, whose collations differ (see the module's docstring).
        ordered = [
            pk
            for start_date, slug, pk in sorted(
                (date_or_null(start_date) or "", slug, pk)
                for pk, start_date, slug in meetings.values_list("pk", "start_date", "slug")
            )
        ]
        records = self._export(ordered)
        return progress(records, "exporting", total=len(ordered)) if progress else records

    def _export(self, ordered):
        with memory.collected_by_batch():
            for chunk in _chunks(ordered, CHUNK):
                loaded = meeting_queryset().in_bulk(chunk)
                for pk in chunk:
                    yield self.exporter.export(loaded[pk])
                # Each chunk's actions are named afresh: what names them is bounded by a chunk too.
                self.exporter.action_refs = ActionRefs()
                del loaded
                memory.let_go()

    def head(self, meeting_records=None, references=None):
        """The document but its meetings: of everything, or of what the meetings reference."""
        meeting_types, themes = MeetingType.objects.all(), Theme.objects.all()
        if not self.partial:
            participant_records = [export_participant(participant) for participant in participant_queryset()]
        else:
            if references is None:
                references = MeetingReferences()
                for record in meeting_records:
                    references.add(record)
            participant_records = _participant_closure(references.participants, self.since)
            since_filter = Q(updated_at__gte=start_of_day(self.since)) if self.since else Q(pk__in=[])
            meeting_types = meeting_types.filter(Q(slug__in=references.types) | since_filter)
            themes = themes.filter(Q(slug__in=references.themes) | since_filter)
        return {
            "format": FORMAT,
            "version": VERSION,
            "meeting_types": sorted((export_meeting_type(t) for t in meeting_types), key=lambda r: r["slug"]),
            "themes": sorted((export_theme(theme) for theme in themes), key=lambda r: r["slug"]),
            "participants": sorted(participant_records, key=lambda r: r["slug"]),
        }


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _participant_closure(participant_slugs, since):
    """Participants named, and the bodies their memberships are in, until nothing new is named."""
    records = {}
    query = Q(slug__in=participant_slugs)
    if since:
        query |= Q(updated_at__gte=start_of_day(since))
    wanted = participant_queryset().filter(query)
    while True:
        new = [participant for participant in wanted if participant.slug not in records]
        if not new:
            break
        bodies = set()
        for participant in new:
            record = export_participant(participant)
            records[participant.slug] = record
            bodies.update(m["body"] for m in record["memberships"] if m["body"])
        wanted = participant_queryset().filter(slug__in=bodies - records.keys())
    return list(records.values())
