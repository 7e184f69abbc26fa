"""Checking what a records document refers to: slugs of types, themes, participants and meetings,
outcome and action numbers, document addresses, in the file or in the database.

``ReferenceChecks`` is the part of ``RecordsImport`` that loads what slugs name and reports a
reference to nothing, with a close match from ``Suggestions`` when there is one.
"""

import difflib
from collections import Counter

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from ...models import (
    ActionItem,
    Document,
    Meeting,
    MeetingType,
    Outcome,
    Participant,
    ParticipantAlias,
    ParticipantKind,
    Theme,
)
from ..export import at_document_address
from ..schema import BROKEN
from .parsing import KINDS, items, parse_date


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


class ReferenceChecks:
    """What slugs name, and the checks of references against it; mixed into ``RecordsImport``."""

    # What the file holds, read once through it before anything is checked: small for each meeting
    # (its slug, the number of actions of each outcome, its documents' addresses, the meetings it
    # is related to, the users its progress updates name), never the records themselves.

    def _start_references(self):
        self.file_slugs = {kind: {} for kind in KINDS}
        self._file_outcomes = {}
        self._file_documents = {}
        self._file_related = {}
        self._recorded_by = set()

    def _note_slug(self, kind, index, record):
        if not isinstance(record, dict):
            return
        slug = record.get("slug")
        if not isinstance(slug, str):
            return
        seen = self.file_slugs[kind]
        if slug in seen:
            self.error(f"{kind}[{index}].slug", f"'{slug}' is already used by {kind}[{seen[slug]}]")
        else:
            seen[slug] = index

    def _note_head(self, document):
        """Note the slugs and names of the meeting types, themes and participants of ``document``
        (the file but its meetings, as the schema's and text checks left it)."""
        for kind in ("meeting_types", "themes", "participants"):
            for index, record in enumerate(document.get(kind, [])):
                self._note_slug(kind, index, record)
        for kind in ("meeting_types", "themes", "participants"):
            names = {}
            for index, record in items(document, kind):
                key = record["name"].casefold()
                if key in names:
                    self.error(
                        f"{kind}[{index}].name", f"'{record['name']}' is already used by {kind}[{names[key]}]"
                    )
                names.setdefault(key, index)

    def _note_meeting(self, index, meeting):
        """Note what other records may refer to in the meeting at ``index`` (as the schema's and text
        checks left it)."""
        self._note_slug("meetings", index, meeting)
        if BROKEN in meeting:
            return
        outcomes = self._file_outcomes.setdefault(meeting["slug"], {})
        for o_index, outcome in items(meeting, "outcomes"):
            outcomes.setdefault(outcome.get("position", o_index + 1), len(items(outcome, "actions")))
            for _index, action in items(outcome, "actions"):
                self._recorded_by.update(
                    u["recorded_by"] for _i, u in items(action, "updates") if u.get("recorded_by")
                )
        self._file_documents[meeting["slug"]] = {
            doc.get("url") or doc.get("file") or doc["title"] for _index, doc in items(meeting, "documents")
        }
        # Related meetings go both ways: each meeting of the file, with those it lists.
        self._file_related[meeting["slug"]] = frozenset(meeting.get("related_meetings", []))

    def _load_known(self, head):
        """What slugs name, in the file and in the database, for checking references; ``head`` is
        the file but its meetings, which ``_note_meeting`` has read."""
        self.type_slugs = set(self.file_slugs["meeting_types"]) | set(
            MeetingType.objects.values_list("slug", flat=True)
        )
        self.theme_slugs = set(self.file_slugs["themes"]) | set(Theme.objects.values_list("slug", flat=True))
        self.type_hints, self.theme_hints = Suggestions(), Suggestions()
        for slug, name in MeetingType.objects.values_list("slug", "name"):
            self.type_hints.add(slug, name)
        for _index, record in items(head, "meeting_types"):
            self.type_hints.add(record["slug"], record["name"])
        for slug, name in Theme.objects.values_list("slug", "name"):
            self.theme_hints.add(slug, name)
        for _index, record in items(head, "themes"):
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
        for _index, record in items(head, "participants"):
            self.participant_kinds[record["slug"]] = record["kind"]
            self.participant_hints.add(record["slug"], record["name"], record.get("short_name"))
            for alias in record.get("aliases", []):
                self.participant_hints.add(record["slug"], alias)

        self.meeting_slugs = set(self.file_slugs["meetings"]) | set(
            Meeting.objects.values_list("slug", flat=True)
        )
        self._meeting_hints = None
        self.usernames = set(
            get_user_model()
            .objects.filter(username__in=list(self._recorded_by))
            .values_list("username", flat=True)
        )
        self._all_file_documents = set().union(*self._file_documents.values())
        self._db_outcomes = {}

    @property
    def meeting_hints(self):
        """Close matches among meetings' slugs, made when a reference to a meeting is wrong."""
        if self._meeting_hints is None:
            self._meeting_hints = Suggestions()
            for slug in sorted(self.meeting_slugs):
                self._meeting_hints.add(slug)
        return self._meeting_hints

    # References

    def _check_slug(self, path, slug, known, hints, what):
        if not self.checking:
            return True
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
        if not self.checking:
            return
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
        if ref is None or not self.checking:
            return
        meeting_slug, position = ref.split("#")
        if self._check_meeting_ref(path, meeting_slug) and int(position) not in self._outcomes_of(
            meeting_slug
        ):
            self.error(path, f"meeting '{meeting_slug}' has no outcome {position}")

    def _check_action_ref(self, path, ref):
        if ref is None or not self.checking:
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
        if address is None or not self.checking:
            return
        if address in self._file_documents.get(meeting_slug, ()) or address in self._all_file_documents:
            return
        if not Document.objects.filter(at_document_address(address)).exists():
            self.error(path, f"no document at '{address}' in this file or the database")

    def _check_date(self, path, value):
        if value is not None and self.checking and parse_date(value) is None:
            self.error(path, f"'{value}' is not a date")
