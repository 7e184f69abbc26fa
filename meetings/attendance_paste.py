"""Attendance pasted as published: "In attendance were representatives from Afghanistan, ... and Vietnam
as well as representatives from the Office of the United Nations High Commissioner for Refugees (UNHCR)
and the International Organization for Migration (IOM)."

The sentence is read into names; each name is resolved to a participant by its name, short name, slug
or an alias. A name that resolves to nobody is reported for the editor to fix (add an alias, or the
participant), never dropped and never created. "and" also occurs inside names ("United Nations Office
on Drugs and Crime"), so a list is split at "and" only where the pieces resolve.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from .models import Attendance, Participant

# Words that open the sentence or a group in it, before the names.
LEADING = re.compile(
    r"^(?:(?:in\s+attendance\s+were|attending\s+were|present\s+were|the\s+meeting\s+was\s+attended\s+by|"
    r"attended\s+by|participants\s+were|participants\s+included)\s*:?\s*)?"
    r"(?:(?:senior\s+)?(?:officials|representatives|delegations|delegates)\s+(?:from|of)(?:\s+|$))?",
    re.IGNORECASE,
)
# Words that close a sentence naming who attended: "... attended the meeting as observers."
TRAILING = re.compile(
    r"\s+(?:(?:also|were\s+also|was\s+also)\s+)?(?:attended(?!\s+by)|participated|were\s+present|was\s+present|"
    r"joined|took\s+part)\b.*$",
    re.IGNORECASE,
)
GROUPS = re.compile(r"\s*(?:[;,]|\bas\s+well\s+as\b|\balong\s+with\b|\btogether\s+with\b)\s*", re.IGNORECASE)
AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
ACRONYM = re.compile(r"^(?P<name>.*?)\s*\((?P<acronym>[^()]+)\)\s*(?P<rest>.*)$")
ARTICLE = re.compile(r"^(?:the|and)\s+", re.IGNORECASE)


@dataclass
class PastedName:
    """One name as read from the pasted text, and the participant it names (None if nobody)."""

    text: str
    participant: Participant | None = None


def clean_name(text):
    """A name without the words around it: "and the", "representatives from", full stops."""
    text = " ".join(text.split()).strip(" .;:,")
    while True:
        shorter = ARTICLE.sub("", LEADING.sub("", text, count=1), count=1).strip(" .;:,")
        if shorter == text:
            return text
        text = shorter


def candidates(name):
    """The forms a name may be known by: as written, without "(ACRONYM)", the acronym alone."""
    forms = [name]
    match = ACRONYM.match(name)
    # Only one name: "A (X) and B (Y)" is two, and must be split first.
    if match and "(" not in match["rest"] and not AND.search(f" {match['rest']} "):
        # "Regional Support Office (RSO) Co-Managers": the words after the acronym name people, not a body.
        forms += [match["name"], match["acronym"]]
        if match["rest"]:
            forms.insert(1, f"{match['name']} {match['rest']}")
    return [form for form in dict.fromkeys(form.strip() for form in forms) if form]


def split_sentences(text):
    """Sentences of the pasted text; a full stop inside "(U.S.)" or "St." does not end one."""
    return [part for part in re.split(r"(?<=[a-z)\]])\.\s+(?=[A-Z])", text) if part.strip()]


class Resolver:
    """Resolves names to participants, asking the database once per distinct form."""

    def __init__(self, lookup=None):
        self.lookup = lookup or Participant.objects.resolve
        self.cache = {}

    def exact(self, name):
        """The participant of ``name`` exactly as written (no acronym taken from it), or None."""
        key = name.casefold()
        if key not in self.cache:
            self.cache[key] = self.lookup(name)
        return self.cache[key]

    def __call__(self, name):
        for form in candidates(name):
            key = form.casefold()
            if key not in self.cache:
                self.cache[key] = self.lookup(form)
            if self.cache[key] is not None:
                return self.cache[key]
        return None


def read_names(text, resolve):
    """The names in ``text`` in the order written, each with its participant or None."""
    names = []
    for sentence in split_sentences(" ".join(text.split())):
        sentence = TRAILING.sub("", sentence.strip().rstrip("."))
        sentence = LEADING.sub("", sentence.strip())
        for group in GROUPS.split(sentence):
            group = clean_name(group)
            if group:
                names.extend(_split_at_and(group, resolve))
    return names


def _split_at_and(group, resolve):
    """Split ``group`` at "and" where that leaves the fewest unresolved pieces, then the most resolved."""
    # "Canada and the United Nations Office on Drugs and Crime (UNODC)" is not UNODC alone.
    whole = resolve.exact(group) if AND.search(group) else resolve(group)
    if whole is not None:
        return [PastedName(group, whole)]
    parts = AND.split(group)
    if len(parts) == 1:
        return [PastedName(group, None)]
    # best[i]: (unresolved pieces, minus resolved pieces, pieces, names) for parts[:i]
    best = [(0, 0, 0, [])] + [None] * len(parts)
    for end in range(1, len(parts) + 1):
        for start in range(end):
            if best[start] is None:
                continue
            piece = clean_name(" and ".join(parts[start:end]))
            if not piece:
                continue
            participant = resolve(piece)
            unresolved, resolved, count, names = best[start]
            option = (
                unresolved + (participant is None),
                resolved - (participant is not None),
                count + 1,
                [*names, PastedName(piece, participant)],
            )
            if best[end] is None or option[:3] < best[end][:3]:
                best[end] = option
    return best[-1][3]


@dataclass
class PasteResult:
    """What a paste did: who was added, who was already listed, what no participant answers to."""

    added: list = field(default_factory=list)  # [Attendance]
    already_listed: list = field(default_factory=list)  # [(PastedName, Attendance)]
    repeated: list = field(default_factory=list)  # [PastedName] named twice in the text
    unresolved: list = field(default_factory=list)  # [str]


def paste_attendance(meeting, text, role, dry_run=False):
    """Add the participants named in ``text`` to ``meeting`` in ``role``; see PasteResult."""
    result = PasteResult()
    names = read_names(text, Resolver())
    listed = {attendance.participant_id: attendance for attendance in meeting.attendances.all()}
    seen = set()
    with transaction.atomic():
        position = (meeting.attendances.aggregate(last=Max("position"))["last"] or 0) + 1
        for name in names:
            if name.participant is None:
                result.unresolved.append(name.text)
            elif name.participant.pk in listed:
                result.already_listed.append((name, listed[name.participant.pk]))
            elif name.participant.pk in seen:
                result.repeated.append(name)
            else:
                seen.add(name.participant.pk)
                attendance = Attendance(
                    meeting=meeting, participant=name.participant, role=role, position=position
                )
                if not dry_run:
                    attendance.save()
                result.added.append(attendance)
                position += 1
    return result
