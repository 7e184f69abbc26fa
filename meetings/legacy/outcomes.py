"""What a meeting decided, as the old website writes it: statements with their verb as kind.

Outcomes sit under a heading ("Outcomes:", "Key Themes", "Participants agreed on the following:",
"Ministers:") or are bullets (``•``, ``-``, numbers), sometimes flattened into one paragraph with
" - " between the items; in a page without any, they are the sentences whose subject is the meeting's
members ("Ministers endorsed …", "Participants agreed …", "Indonesia presented …"). The kind is the
first verb of the statement that names one ("received endorsement", "were welcomed by", "was
tasked"), else that of its heading ("agreed on the following" makes "To re-convene in early 2020"
agreed); a statement whose verb names no kind is ``other``. The strength follows from the kind
(``models.strength_of``). The participants an outcome names are those it concerns, except a country
named as where something happens ("in Thailand").
"""

import re
from dataclasses import dataclass, field

from ..models import OutcomeKind
from .names import NameIndex
from .pages import Block, sentences

# Verb forms -> kind; the earliest in a statement decides.
KIND_VERBS = [
    (r"received\s+(?:the\s+)?endorsement|endorse[sd]?|gave\s+(?:its\s+|their\s+)?endorsement", "endorsed"),
    (r"adopted|adopts", "adopted"),
    (r"approved|approves", "approved"),
    (r"agreed|agrees|reached\s+agreement|concurred", "agreed"),
    (r"decided|decides", "decided"),
    (r"established|establishes", "established"),
    (r"(?:was|were|is|are|been)\s+granted|granted", "granted"),
    (r"tasked|tasks", "tasked"),
    (r"directed|directs|instructed|mandated", "directed"),
    (r"committed|commits|pledged", "committed"),
    (r"recommended|recommends", "recommended"),
    (r"called\s+(?:for|on|upon)|urged|urges", "called_for"),
    (r"requested|requests|asked", "requested"),
    (r"encouraged|encourages|invited", "encouraged"),
    (r"supported|supports|expressed\s+support", "supported"),
    (r"welcomed|welcomes", "welcomed"),
    (r"noted|notes|took\s+note|highlighted|underlined|underscored|emphasi[sz]ed|stressed", "noted"),
    (r"acknowledged|acknowledges", "acknowledged"),
    (r"recalled|recalls|recalling", "recalled"),
    (r"recogni[sz]ed|recogni[sz]es|recognising|recognizing", "recognised"),
    (r"reaffirmed|reaffirms|reaffirming|affirmed|reiterated", "reaffirmed"),
    (r"commended|commends|congratulated|praised", "commended"),
    (r"expressed\s+(?:grave\s+|deep\s+|serious\s+)?concern", "expressed_concern"),
    (r"discussed|considered|deliberated|exchanged\s+views|shared\s+(?:views|experiences)", "discussed"),
    (r"presented|updated|briefed|provided\s+an?\s+(?:overview|update|briefing)|reported\s+on", "presented"),
    (r"reviewed|assessed", "reviewed"),
    (r"launched|launches", "launched"),
]
KIND_PATTERN = re.compile(
    r"\b(?:" + "|".join(f"(?P<k{i}>{forms})" for i, (forms, _kind) in enumerate(KIND_VERBS)) + r")\b",
    re.IGNORECASE,
)
# The members of the meeting as a sentence's subject: "Ministers", "Participants also", "Co-Chairs".
ACTORS = (
    r"(?:the\s+)?(?:bali\s+process\s+)?(?:ministers|co-chair\s+ministers|members|member\s+states|participants|"
    r"delegates|senior\s+officials|officials|co-chairs|countries|participating\s+countries|states|"
    r"the\s+meeting|the\s+conference|the\s+working\s+group|the\s+group|each\s+country|they)"
)
ACTOR_START = re.compile(rf"^{ACTORS}\b(?:\s+(?:also|further|then|\w+ly))*\s+", re.IGNORECASE)
# Words that may open a statement before its subject: "In this regard, Co-Chair Ministers tasked …".
CONNECTIVE = re.compile(
    r"^(?:in\s+this\s+regard|to\s+this\s+end|additionally|furthermore|moreover|finally|also|in\s+addition|"
    r"in\s+particular|importantly|at\s+the\s+meeting|during\s+the\s+meeting),\s*",
    re.IGNORECASE,
)
# Headings over a list, and the kind they give items that name none.
HEADING_KINDS = [
    (r"\bagreed\b|\bagreement\b|\bdecisions?\b", "agreed"),
    (r"\brecommendations?\b|\brecommended\b", "recommended"),
    (r"\bdiscussion|\bdiscussed|\bkey\s+themes?\b|\btopics?\b|\bissues\b", "discussed"),
    (r"\bendorsed\b", "endorsed"),
    (r"\bwelcomed\b", "welcomed"),
    (r"\bnoted\b", "noted"),
]
OUTCOME_HEADING = re.compile(
    r"^(?:key\s+)?(?:outcomes?|results?|decisions?|conclusions?|key\s+themes?|discussion\s+points?|"
    r"recommendations?|highlights?|summary)\b|:$",
    re.IGNORECASE,
)
FLATTENED = re.compile(r"(?:^|:)\s*[-–•]\s+")
ITEM_BREAK = re.compile(r"\s+[-–•]\s+(?=[A-Za-z“\"(])")
ADDRESSED_TO = re.compile(
    r"\bto\s+be\s+(?:submitted|presented|referred|forwarded|reported|put)\s+to\s+(?:the\s+)?"
    r"(?P<to>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
)
# A country named as where something happens: "in Thailand", "in Perth, Australia", "in Jakartam Indonesia".
PLACE_BEFORE = re.compile(r"\b(?:in|at|to|from|visit\s+to)\s+(?:the\s+)?(?:[A-Z][\w'’-]+[\s,]+){0,3}$")
# A short item without a verb is part of a list in the text ("(1) Law enforcement"), not an outcome.
MIN_WORDS = 5


@dataclass
class OutcomeReading:
    """One outcome as read, with the sentence or item it came from."""

    text: str
    kind: str
    source: str
    heading: str = ""
    concerns: list[str] = field(default_factory=list)
    addressed_to: str = ""
    actions: list = field(default_factory=list)  # [actions.ActionReading]


def kind_of(text: str) -> str | None:
    """The kind the first verb of ``text`` that names one gives, or None."""
    first_sentence = sentences(text)[0] if text else ""
    match = KIND_PATTERN.search(first_sentence)
    if match is None:
        return None
    index = int(match.lastgroup[1:])
    return KIND_VERBS[index][1]


def heading_kind(heading: str) -> str | None:
    for pattern, kind in HEADING_KINDS:
        if re.search(pattern, heading, re.IGNORECASE):
            return kind
    return kind_of(heading)


def is_statement(sentence: str, index: NameIndex) -> bool:
    """Whether a sentence of a paragraph is an outcome: the meeting's members, or a participant, act."""
    rest = None
    sentence = CONNECTIVE.sub("", sentence)
    match = ACTOR_START.match(sentence)
    if match:
        rest = sentence[match.end() :]
    else:
        named = index.mentions(sentence[:120])
        if named and named[0][1] <= 4:
            rest = sentence[named[0][2] :].lstrip(" ,)")
            rest = re.sub(r"^\([^)]*\)\s*", "", rest)
    if rest is None:
        return False
    verb = KIND_PATTERN.match(rest) or KIND_PATTERN.match(re.sub(r"^(?:also|further|then)\s+", "", rest))
    return verb is not None


def split_items(block: Block) -> tuple[str, list[str]]:
    """(lead-in, items) of a paragraph with its list flattened into it: "Ministers: - a - b"."""
    text = block.text
    start = FLATTENED.search(text)
    if start is None or len(ITEM_BREAK.findall(text[start.end() :])) < 1:
        return text, []
    lead = text[: start.start() + (1 if text[start.start()] == ":" else 0)].strip()
    items = [item.strip() for item in ITEM_BREAK.split(text[start.end() :]) if item.strip()]
    return lead, items


class OutcomeReader:
    """Reads the outcomes of an event's blocks; the blocks it does not use are its narrative."""

    def __init__(self, index: NameIndex):
        self.index = index

    def read(self, blocks: list[Block], skip: set[str]) -> tuple[list[OutcomeReading], list[str]]:
        """(outcomes, narrative paragraphs) of ``blocks``; sentences in ``skip`` are used elsewhere."""
        outcomes: list[OutcomeReading] = []
        narrative: list[str] = []
        heading, heading_default = "", None
        has_list = any(block.bullet for block in blocks) or any(split_items(block)[1] for block in blocks)
        for block in blocks:
            if block.bullet:
                self._item(block.text, heading, heading_default, outcomes, narrative, block.numbered)
                continue
            lead, items = split_items(block)
            if items:
                heading, heading_default = lead, heading_kind(lead)
                if lead and not lead.endswith(":"):
                    self._paragraph(lead, skip, outcomes, narrative, has_list)
                for item in items:
                    self._item(item, heading, heading_default, outcomes, narrative, False)
                continue
            if block.heading_like or OUTCOME_HEADING.search(block.text) and len(block.text) < 160:
                heading, heading_default = block.text, heading_kind(block.text)
                if not OUTCOME_HEADING.search(block.text) or (
                    block.text.endswith(":") and len(block.text) > 60
                ):
                    narrative.append(block.text)
                continue
            heading, heading_default = "", None
            self._paragraph(block.text, skip, outcomes, narrative, has_list)
        for outcome in outcomes:
            self._describe(outcome)
        return outcomes, narrative

    def _item(self, text, heading, heading_default, outcomes, narrative, numbered) -> None:
        text = " ".join(text.split())
        kind = kind_of(text)
        if kind is None and (numbered or len(text.split()) < MIN_WORDS) and heading_default is None:
            narrative.append(text)
            return
        outcomes.append(
            OutcomeReading(text, kind or heading_default or OutcomeKind.OTHER, text, heading=heading)
        )

    def _paragraph(self, text, skip, outcomes, narrative, has_list) -> None:
        kept = []
        for sentence in sentences(text):
            if sentence in skip:
                continue
            if is_statement(sentence, self.index):
                outcomes.append(
                    OutcomeReading(" ".join(sentence.split()), kind_of(sentence) or "other", sentence)
                )
            else:
                kept.append(sentence)
        if kept:
            narrative.append(" ".join(kept))

    def _describe(self, outcome: OutcomeReading) -> None:
        concerns = []
        for known, start, _end in self.index.mentions(outcome.text):
            if known.kind == "state" and PLACE_BEFORE.search(outcome.text[:start]):
                continue
            concerns.append(known.slug)
        outcome.concerns = sorted(set(concerns))
        addressed = ADDRESSED_TO.search(outcome.text)
        if addressed:
            outcome.addressed_to = addressed["to"]
