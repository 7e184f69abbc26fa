"""A page of the old website as draft meetings in the records format, with what the editor must see.

``PageDrafter(today).draft(page)`` gives a ``PageDraft``: the records of the page's meeting and of the
events held under it (never published), the names it could not match, the disagreements it left for
the editor, and for each field the words it was read from. One drafter serves a whole run: it reads
participants, memberships and meeting types once.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.text import slugify

from ..models import Meeting, MeetingType
from .actions import ActionReader
from .attendance import AttendanceReader, AttendanceReading, MembershipBook
from .events import ORDINALS, Event, EventReader
from .names import NameIndex
from .outcomes import OutcomeReader
from .pages import Page, sentences

PURPOSE = re.compile(
    r"^(?:The\s+)?(?:main\s+)?(?:purpose|aim|objective|goal)s?\s+of\b|"
    r"^The\s+(?:meeting|workshop|conference|forum|webinar|event|dialogue|session)s?\s+"
    r"(?:focused|focussed|aimed|sought|was\s+convened|provided\s+an\s+opportunity|gave\s+\w+\s+an\s+opportunity|"
    r"brought\s+together|facilitated)\b",
    re.IGNORECASE,
)
ORDINAL_WORD = {number: word for word, number in ORDINALS.items()}
SLUG_LENGTH = 90


@dataclass
class PageDraft:
    """What one page gives: draft meeting records, or the reason it gives none."""

    name: str
    url: str = ""
    meetings: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)  # {"meeting", "name", "sentence"}
    # {"meeting", "conflict"}, and where the editor may decide it {"choice", "options", "chosen"}
    conflicts: list[dict] = field(default_factory=list)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> field -> words
    skipped: str = ""
    cut_off: bool = False

    @property
    def title(self) -> str:
        return self.meetings[0]["title"] if self.meetings else ""


class PageDrafter:
    """Turns pages into drafts; reads the reference data once for all of them."""

    def __init__(self, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self.index = NameIndex()
        self.book = MembershipBook()
        self.types = set(MeetingType.objects.values_list("slug", flat=True))
        self.events = EventReader(self.index, self.types, self.today)
        self.attendance = AttendanceReader(self.index, self.book)
        self.outcomes = OutcomeReader(self.index)
        self.actions = ActionReader(self.index, self.types)
        # slug -> source urls of the meetings in the database, to keep a page's slugs on re-import.
        self.taken = {
            slug: set(urls.split()) for slug, urls in Meeting.objects.values_list("slug", "source_urls")
        }
        self.planned: set[str] = set()

    def draft(self, page: Page, choices: dict[str, str] | None = None) -> PageDraft:
        """The page's draft; ``choices`` decide its conflicts where the editor has (``decisions``)."""
        draft = PageDraft(name=page.name, url=page.url, cut_off=page.cut_off)
        events = self.events.read(page, choices)
        if not events:
            draft.skipped = "holds no meeting (no meeting's title with a date was found)"
            return draft
        records: dict[int, dict] = {}
        readings: dict[int, AttendanceReading] = {}
        for event in events:
            record, reading = self._meeting(event, page, draft, readings.get(id(event.parent)))
            records[id(event)] = record
            readings[id(event)] = reading
            if event.parent is not None:
                record["parent"] = records[id(event.parent)]["slug"]
            draft.meetings.append(record)
        return draft

    def _meeting(
        self, event: Event, page: Page, draft: PageDraft, parent_reading
    ) -> tuple[dict, AttendanceReading]:
        on = event.date.start if event.date else None
        slug = self._slug(event, page.url)
        sources = dict(event.sources)
        all_sentences = [s for block in event.blocks if not block.bullet for s in sentences(block.text)]
        opening = event.opening
        attendance_sentences = [s for s in all_sentences if self.attendance.is_attendance(s)]
        purpose = next((s for s in all_sentences if PURPOSE.search(s)), "")
        co_chair_sentences = [opening, *all_sentences[:4]] if opening else all_sentences[:4]
        if event.parent is not None and event.shares_attendance and parent_reading is not None:
            reading = parent_reading
        else:
            reading = self.attendance.read(
                attendance_sentences, on, event.place.country, co_chair_sentences, event.convening_body
            )
        if reading.sentences:
            sources["attendance"] = reading.summary
        if purpose:
            sources["purpose"] = purpose
        skip = set(attendance_sentences) | {purpose}
        blocks = [block for block in event.blocks if block.text != _opening_block(event)]
        outcomes, narrative = self.outcomes.read(blocks, skip)
        outcome_records = []
        for position, outcome in enumerate(outcomes, start=1):
            actions = self.actions.read(outcome.text, on, from_list=bool(outcome.heading))
            outcome_records.append(
                {
                    "position": position,
                    "kind": outcome.kind,
                    "text": outcome.text,
                    "addressed_to": outcome.addressed_to or None,
                    "concerns": outcome.concerns,
                    "themes": [],
                    "documents": [],
                    "actions": [action.record(index) for index, action in enumerate(actions, start=1)],
                }
            )
            sources[f"outcomes[{position - 1}]"] = outcome.source
        body_parts = [_opening_block(event), *narrative] if _opening_block(event) else narrative
        date = event.date
        record = {
            "slug": slug,
            "type": event.type,
            "number": event.number,
            "title": event.title,
            "start_date": date.start.isoformat() if date and date.start else None,
            "end_date": date.end.isoformat() if date and date.end else None,
            "date_as_published": date.as_published if date else None,
            "city": event.place.city or None,
            "country": event.place.country or None,
            "venue": None,
            "format": event.format,
            "status": self._status(event),
            "published": False,
            "published_at": None,
            "purpose": " ".join(purpose.split()) or None,
            "summary": outcome_records[0]["text"] if outcome_records else None,
            "body": "\n\n".join(" ".join(part.split()) for part in body_parts) or None,
            "hero_image": None,
            "hero_image_alt": None,
            "convening_body": event.convening_body.slug if event.convening_body else None,
            "attendance_summary": reading.summary or None if reading is not parent_reading else None,
            "attendance_complete": reading.complete and reading is not parent_reading,
            "parent": None,
            "related_meetings": [],
            "themes": [],
            "source_urls": [page.url] if page.url else [],
            "attendance": reading.records(),
            "outcomes": outcome_records,
            "documents": [],
        }
        for name, sentence in reading.unmatched if reading is not parent_reading else []:
            draft.unmatched.append({"meeting": slug, "name": name, "sentence": sentence})
        for conflict in [*event.conflicts, *(reading.conflicts if reading is not parent_reading else [])]:
            decision = event.decisions.get(conflict)
            draft.conflicts.append(
                {"meeting": slug, "conflict": conflict, **(decision.as_dict() if decision else {})}
            )
        if page.cut_off and event.parent is None:
            draft.conflicts.append(
                {
                    "meeting": slug,
                    "conflict": "The page was captured only in part ([...]): what follows is missing"
                    + (f"; its last words, “{page.cut_words}”, were left out." if page.cut_words else "."),
                }
            )
        draft.sources[slug] = sources
        return record, reading

    def _status(self, event: Event) -> str:
        date = event.date
        if date is not None and date.start is not None and (date.end or date.start) >= self.today:
            return "scheduled"
        return "held"

    def _slug(self, event: Event, url: str) -> str:
        """A stable slug: "eighth-ahg-senior-officials-meeting", or the title's words and the year."""
        year = event.date.start.year if event.date and event.date.start else None
        if (
            event.number
            and event.type
            and event.number in ORDINAL_WORD
            and event.type != "working-group-meeting"
        ):
            base = f"{ORDINAL_WORD[event.number]}-{event.type}"
        else:
            base = slugify(event.title)[:SLUG_LENGTH].strip("-") or "meeting"
        numbered = base != slugify(event.title)[:SLUG_LENGTH].strip("-")
        candidates = [base]
        if year and str(year) not in base:
            # A meeting without a number is known by its year too: "workshop-on-biometrics-2014".
            candidates = [base, f"{base}-{year}"] if numbered else [f"{base}-{year}"]
        candidates += [f"{candidates[-1]}-{n}" for n in range(2, 50)]
        for slug in candidates:
            if slug in self.planned:
                continue
            if self.owns(url, self.taken.get(slug)):
                self.planned.add(slug)
                return slug
        raise ValueError(f"no free slug for {event.title}")

    @staticmethod
    def owns(url: str, owners: set[str] | None) -> bool:
        """Whether the page at ``url`` may write a slug whose meeting has the source addresses
        ``owners`` (None: no meeting has it): free, or the meeting this page made before (same
        address; for a page without one, a meeting without one)."""
        return owners is None or bool(url and url in owners) or (not url and not owners)

    def remember_meeting(self, slug: str, urls: Iterable[str]) -> None:
        """A meeting written by someone else since the drafter read the record holds ``slug``."""
        self.taken[slug] = set(urls)

    def remember(self, draft: PageDraft) -> None:
        """The draft's meetings are written: their slugs are the page's from now on."""
        for meeting in draft.meetings:
            self.taken[meeting["slug"]] = set(meeting["source_urls"])

    def forget(self, draft: PageDraft) -> None:
        """The draft's meetings were not written: their slugs may be given again."""
        for meeting in draft.meetings:
            self.planned.discard(meeting["slug"])


def _opening_block(event: Event) -> str:
    if not event.opening:
        return ""
    return next((block.text for block in event.blocks if event.opening in block.text), "")
