"""Action items proposed from what an outcome asks someone to do, with the timeframe as published.

The forms the old website writes follow-ups in: "The RSO was tasked to undertake … and support …"
(two actions owned by the RSO), "Ministers directed the RSO to work with JCLEC …", "agreed to
establish / hold / deliver …", "X will …", "The RSO's proposals to develop … and produce … were
welcomed" (owned by the RSO), "The first meeting was planned for the first half of 2015", items of an
agreed list written "To re-convene in early 2020", and "approval to be submitted to Ministers". The
timeframe is read as the tracker reads one (``timeframes.parse_timeframe``): the words understood are
kept as published, the period as the due date, "before the next Ministerial Conference" as the meeting
type it waits for. These are proposals for the editor: nothing here is marked done or dated without
the page's words.
"""

import datetime
import re
from dataclasses import dataclass, field

from ..timeframes import parse_timeframe
from .events import TYPE_WORDS
from .names import NameIndex
from .pages import sentences

# Verbs an action starts with, to split "undertake a review … and support the establishment …".
ACTION_VERBS = (
    "assist|build|circulate|conduct|consider|continue|convene|coordinate|deliver|design|develop|"
    "draft|engage|enhance|establish|explore|facilitate|finalise|finalize|hold|host|identify|"
    "implement|launch|lead|monitor|organise|organize|prepare|present|produce|promote|provide|"
    "re-convene|reconvene|reactivate|report|review|seek|share|strengthen|submit|support|translate|"
    "undertake|update|work"
)
VERB = r"(?:" + ACTION_VERBS + r")"
STATIVE = re.compile(r"^(?:be|become|remain|have|need|continue\s+to\s+be)\b", re.IGNORECASE)
TASKED = re.compile(
    r"^(?P<owner>.*?)\b(?:was|were|is|are|has\s+been|have\s+been)\s+(?:tasked|directed|requested|asked|mandated)\s+(?:to|with)\s+(?P<what>.+)$",
    re.IGNORECASE,
)
TASKING = re.compile(
    r"\b(?:tasked|directed|requested|asked|instructed|mandated)\s+(?P<owner>(?:the\s+)?[A-Z][^,;]*?)\s+to\s+(?P<what>[a-z].+)$"
)
AGREED_TO = re.compile(rf"\bagreed\s+to\s+(?P<what>{VERB}\b.+)$", re.IGNORECASE)
WILL = re.compile(r"^(?P<owner>.*?)\bwill\s+(?P<what>[a-z].+)$")
PROPOSALS = re.compile(
    rf"^(?:The\s+)?(?P<owner>.+?)[’']s?\s+proposals?\s+to\s+(?P<what>{VERB}\b.+?)\s+(?:was|were)\s+"
    r"(?:welcomed|endorsed|approved|supported|agreed|adopted)\b",
    re.IGNORECASE,
)
PLANNED = re.compile(
    r"^(?P<what>(?:the\s+)?(?:(?:first|second|third|next|inaugural)\s+)?(?:meeting|workshop|conference|session|forum)"
    r"(?:\s+of\s+[^,]+?)?)\s+(?:was|is|were|are|will\s+be)\s+(?:planned|scheduled|expected|proposed|to\s+be\s+held)\s+"
    r"(?:for|to\s+take\s+place|in|on|by)?\s*(?P<when>.+)$",
    re.IGNORECASE,
)
TO_ITEM = re.compile(rf"^To\s+(?P<what>{VERB}\b.+)$", re.IGNORECASE)
SUBMITTED = re.compile(
    r"^(?P<subject>.+?)\s+(?:developed\s+by\s+[^,]+?\s+)?(?:received|was\s+given|were\s+given|gained)\b.*?\bapproval\s+to\s+be\s+"
    r"(?P<verb>submitted|presented|referred)\s+to\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
APPOINTED = re.compile(
    r"(?P<who>[A-Z][^.;]*?)\s+(?:were|was)\s+appointed\s+(?:as\s+)?(?:the\s+)?Co-Chairs?\b"
)
SPLIT_AND = re.compile(rf"\s+(?:and|as\s+well\s+as)\s+(?={VERB}\b)", re.IGNORECASE)
AS_WELL_AS = re.compile(r"\s+as\s+well\s+as\s+(?=the\s+)", re.IGNORECASE)
TITLE_LENGTH = 250


@dataclass
class ActionReading:
    """A proposed action: title, owners, timeframe as published and as a due period."""

    title: str
    source: str
    owners: list[str] = field(default_factory=list)
    due: str | None = None
    due_as_published: str = ""
    due_at_next: str | None = None

    def record(self, position: int) -> dict:
        return {
            "position": position,
            "title": self.title,
            "description": None,
            "owners": self.owners,
            "supporting_owners": [],
            "status": "not_started",
            "due": self.due,
            "due_as_published": self.due_as_published or None,
            "due_at_next": self.due_at_next,
            "fulfilled_by": None,
            "fulfilled_by_document": None,
            "superseded_by": None,
            "reported_to": None,
            "themes": [],
            "updates": [],
        }


class ActionReader:
    def __init__(self, index: NameIndex, types: set[str]):
        self.index = index
        self.types = types

    def read(
        self, text: str, meeting_date: datetime.date | None, from_list: bool = False
    ) -> list[ActionReading]:
        """The actions the outcome ``text`` proposes."""
        actions: list[ActionReading] = []
        for sentence in sentences(" ".join(text.split())):
            actions.extend(self._sentence(sentence, text, meeting_date, from_list))
        return actions

    def _sentence(self, sentence, outcome_text, on, from_list) -> list[ActionReading]:
        sentence = sentence.rstrip(". ")
        if match := TO_ITEM.match(sentence) if from_list else None:
            return self._actions(match["what"], [], sentence, on)
        if match := PROPOSALS.match(sentence):
            return self._actions(match["what"], self._owners(match["owner"]), sentence, on)
        if match := TASKED.match(sentence):
            return self._actions(match["what"], self._owners(match["owner"]), sentence, on)
        if match := TASKING.search(sentence):
            return self._actions(match["what"], self._owners(match["owner"]), sentence, on)
        if match := SUBMITTED.match(sentence):
            subject = re.sub(r"\s+developed\s+by\s+.+$", "", match["subject"])
            subject = subject[:1].lower() + subject[1:]
            verb = {"submitted": "Submit", "presented": "Present", "referred": "Refer"}[match["verb"].lower()]
            return [self._action(f"{verb} {subject} to {match['rest']}", [], sentence, on)]
        if match := PLANNED.match(sentence):
            what = match["what"]
            what = what[:1].lower() + what[1:]
            body = next(
                (k.name for k, _s, _e in self.index.mentions(outcome_text) if k.kind == "forum_body"), ""
            )
            if body and " of " not in what:
                what = f"{what} of the {body}"
            place = re.search(r"\bin\s+(?P<place>[A-Z][\w ]+?)$", match["when"])
            title = f"Hold {what}" + (f" in {place['place']}" if place else "")
            owners = []
            if appointed := APPOINTED.search(outcome_text):
                owners = self._owners(appointed["who"])
            return [self._action(title, owners, sentence, on, timeframe=match["when"])]
        if match := AGREED_TO.search(sentence):
            return self._actions(match["what"], [], sentence, on)
        if (match := WILL.match(sentence)) and not STATIVE.match(match["what"]):
            return self._actions(match["what"], self._owners(match["owner"]), sentence, on)
        return []

    def _owners(self, words: str) -> list[str]:
        return list(dict.fromkeys(known.slug for known, _s, _e in self.index.mentions(words)))

    def _actions(self, what, owners, sentence, on) -> list[ActionReading]:
        """One action per verb: "undertake a review … and support …" is two."""
        parts = SPLIT_AND.split(what)
        if len(parts) > 1 and re.search(rf"\bto\s+{VERB}\b|\b(?:which|that|who)\b", parts[0], re.IGNORECASE):
            # "work with JCLEC to develop a program … to build capacity and strengthen …": one action.
            parts = [what]
        first_verb = parts[0].split()[0] if parts[0].split() else ""
        if len(parts) == 1 and re.match(VERB, first_verb, re.IGNORECASE):
            # "deliver workshops on … as well as the 6th Technical Experts Working Group": two deliveries.
            pieces = AS_WELL_AS.split(what)
            if len(pieces) > 1:
                parts = [pieces[0], *(f"{first_verb} {piece}" for piece in pieces[1:])]
        return [self._action(part, owners, sentence, on) for part in parts if part.strip()]

    def _action(self, what, owners, sentence, on, timeframe=None) -> ActionReading:
        words = timeframe if timeframe is not None else what
        read = parse_timeframe(words, reference=on)
        # A bare year is a deadline only after "by", "in", "during": "the 2023 Adelaide Strategy" is none.
        deadline = rf"\b(?:by|in|during|before|until|of|for)\s+(?:the\s+)?(?:year\s+)?{read.matched}\b"
        if read.understood and re.fullmatch(r"\d{4}", read.matched) and not re.search(deadline, words):
            read = parse_timeframe("")
        title = " ".join(what.split()).rstrip(" .,;")
        title = title[:1].upper() + title[1:]
        if len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
        action = ActionReading(title=title, source=sentence, owners=owners)
        if read.understood:
            action.due_as_published = read.matched
            action.due = read.period.code if read.period is not None else None
            if read.next_meeting_of:
                action.due_at_next = self._type(read.next_meeting_of)
        return action

    def _type(self, words: str) -> str | None:
        for pattern, slug in TYPE_WORDS:
            if slug in self.types and re.search(pattern, words, re.IGNORECASE):
                return slug
        return None
