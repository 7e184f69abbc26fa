"""Participants' names as the old website writes them, matched tolerantly but never invented.

The pages name participants by name, short name or another name, as ``Participant.objects.resolve``
does, and also with the slips of a captured page: "lndonesia" and "lOM" (a lower-case L read for a
capital I), footnote digits run into a name ("International Labour Organization1"), a long official
name ("Islamic Republic of Afghanistan", "United Kingdom of Great Britain"), the British spelling
("Organisation"), "UN" for "United Nations", a leading "the" or "Bali Process". A name is matched
through those forms, then by a close spelling of a long name; a name that matches nobody stays
unmatched, for the editor to add as another name of the participant it means.

The index reads every participant once, so a folder of pages asks the database nothing per name;
``lookup`` is the resolver ``attendance_paste`` expects, so its reading of a list of names applies.
"""

import difflib
import re
from dataclasses import dataclass

from ..models import Participant, ParticipantKind

# Of "Islamic Republic of Afghanistan", "Kingdom of Thailand": the state's name is what follows.
OFFICIAL_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:islamic|democratic|socialist|federal|people'?s|federated|independent|united)\s+)*"
    r"(?:republic|kingdom|state|sultanate|commonwealth|principality)\s+of\s+(?:the\s+)?",
    re.IGNORECASE,
)
FOOTNOTE = re.compile(r"(?<=[a-z)])\d{1,2}\b")
MISREAD_I = re.compile(r"\bl(?=[A-Z]|n[a-z])")
# Only a long name is matched by its spelling: "Iran" and "Iraq" are different states.
CLOSE_LENGTH = 8
CLOSE_CUTOFF = 0.9


def normal(name: str) -> str:
    """The key a name is compared by: case, spelling variants, articles and punctuation aside."""
    key = name.casefold().replace("’", "'").replace("&", " and ")
    key = re.sub(r"\bunited nations\b", "un", key)
    key = re.sub(r"\borgani[sz]ation", "organization", key)
    key = re.sub(r"\b(?:the|bali process)\b", " ", key)
    key = re.sub(r"[^\w\s-]", " ", key)
    return " ".join(key.split())


def repaired(name: str) -> str:
    """``name`` without the slips of a captured page: "lndonesia", footnote digits."""
    return FOOTNOTE.sub("", MISREAD_I.sub("I", name)).strip()


@dataclass(frozen=True)
class Known:
    """What the index knows of a participant: enough to match and to place it."""

    pk: int
    slug: str
    name: str
    short_name: str
    kind: str
    country: str


class NameIndex:
    """Every participant by every form of its names; ``lookup(name)`` -> Participant-like or None."""

    def __init__(self, participants=None):
        if participants is None:
            participants = Participant.objects.prefetch_related("aliases")
        self.by_key: dict[str, Known] = {}
        self.by_short: dict[str, Known] = {}
        self.participants: list[Known] = []
        self.states: list[Known] = []
        self.alias_names: set[str] = set()
        self.by_initials: dict[str, Known] = {}
        for participant in participants:
            known = Known(
                participant.pk,
                participant.slug,
                participant.name,
                participant.short_name,
                participant.kind,
                str(participant.country or ""),
            )
            self.participants.append(known)
            if known.kind == ParticipantKind.STATE:
                self.states.append(known)
            aliases = [alias.name for alias in participant.aliases.all()]
            self.alias_names.update(aliases)
            forms = [participant.name, participant.slug, *aliases]
            for form in forms:
                self.by_key.setdefault(normal(form), known)
                if normal(form).startswith("office of un "):
                    # "United Nations High Commissioner for Refugees" names the office.
                    self.by_key.setdefault(normal(form).removeprefix("office of "), known)
            if known.kind == ParticipantKind.STATE:
                # "UAE", "PNG", "DPRK": the initials of a state's name of several words.
                for form in (participant.name, *aliases):
                    initials = "".join(word[0] for word in form.split() if word[:1].isupper())
                    if len(initials) >= 2 and len(form.split()) >= 2:
                        self.by_initials.setdefault(initials.casefold(), known)
            if participant.short_name:
                self.by_short.setdefault(participant.short_name.casefold(), known)
                self.by_key.setdefault(normal(participant.short_name), known)
        self._mention_pattern = None
        self._long_keys = [key for key in self.by_key if len(key) >= CLOSE_LENGTH]
        self.by_slug = {known.slug: known for known in self.participants}
        self.by_pk = {known.pk: known for known in self.participants}

    def exact(self, name: str) -> Known | None:
        """The participant ``name`` names as written (case and spelling variants aside)."""
        name = " ".join(name.split())
        if not name:
            return None
        return self.by_short.get(name.casefold()) or self.by_key.get(normal(name))

    def initials(self, name: str) -> Known | None:
        """The state whose name's initials ``name`` is, written in capitals: "UAE", "PNG"."""
        name = name.strip(" .")
        if not (2 <= len(name) <= 5 and name.replace(".", "").isupper()):
            return None
        return self.by_initials.get(name.replace(".", "").casefold())

    def lookup(self, name: str) -> Known | None:
        """The participant ``name`` means, through the tolerant forms above, or None."""
        found = self.exact(name)
        if found is not None:
            return found
        fixed = repaired(" ".join(name.split()))
        found = self.initials(fixed)
        if found is not None:
            return found
        for form in (fixed, OFFICIAL_PREFIX.sub("", fixed)):
            found = self.exact(form)
            if found is not None:
                return found
        if re.search(r"\s(?:and|&)\s", fixed, re.IGNORECASE):
            # "United Kingdom of Great Britain and the United States of America" is two names, to be
            # split by the list's reader: only an exact name may hold "and".
            return None
        # "United Kingdom of Great Britain", "United States of American": a known name, then " of ...".
        head = re.match(r"^(?P<head>.+?)\s+of\s+", fixed)
        if head:
            found = self.exact(head["head"])
            if found is not None and found.kind == ParticipantKind.STATE:
                return found
        key = normal(fixed)
        if len(key.split()) >= 3 or len(key) >= 5:
            # "International Federation of Red Cross", "Brunei": the start of one long name, and of no
            # other; a single word only as the first of a state's two ("Brunei Darussalam", not
            # "Republic" for the Republic of Korea).
            longer = {known.pk: known for form, known in self.by_key.items() if form.startswith(key + " ")}
            if len(longer) == 1:
                found = next(iter(longer.values()))
                if len(key.split()) >= 3 or (
                    found.kind == ParticipantKind.STATE and len(found.name.split()) == 2
                ):
                    return found
        if len(key) >= CLOSE_LENGTH:
            close = difflib.get_close_matches(key, self._long_keys, n=1, cutoff=CLOSE_CUTOFF)
            if close:
                return self.by_key[close[0]]
        return None

    def __call__(self, name: str) -> Known | None:
        return self.lookup(name)

    def demonym(self, word: str) -> Known | None:
        """The state an adjective names: "Indonesian", "Philippine", "Thai", "Australian"."""
        word = repaired(word).strip()
        if len(word) < 4 or not word[:1].isupper():
            return None
        best, best_common = None, 0
        for state in self.states:
            name = state.name
            common = len(_common_prefix(word.casefold(), name.casefold()))
            if common >= 4 and common > best_common and len(word) - common <= 3 and len(name) - common <= 4:
                best, best_common = state, common
        return best

    def mentions(self, text: str) -> list[tuple[Known, int, int]]:
        """(participant, start, end) of each participant named in ``text``, the longest name first."""
        if self._mention_pattern is None:
            self._mention_pattern = self._build_mention_pattern()
        found = []
        for match in self._mention_pattern.finditer(text):
            known = self.exact(match.group(0))
            if known is not None:
                found.append((known, match.start(), match.end()))
        return found

    def _build_mention_pattern(self) -> re.Pattern:
        long_forms, short_forms = set(), set()
        for known in self.participants:
            long_forms.add(known.name)
            if known.short_name:
                short_forms.add(known.short_name)
        long_forms.update(self.alias_names)
        spaced = [r"\s+".join(map(re.escape, form.split())) for form in long_forms if len(form) >= 4]
        alternatives = sorted(spaced, key=len, reverse=True)
        shorts = sorted(map(re.escape, short_forms), key=len, reverse=True)
        return re.compile(
            r"(?<![\w-])(?:(?i:" + "|".join(alternatives) + r")|" + "|".join(shorts) + r")(?![\w-])"
        )


def _common_prefix(first: str, second: str) -> str:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return first[:length]
