"""Who attended, in what role, from the sentences a page writes it in.

"In attendance were representatives from A, B, … as well as representatives from UNHCR and IOM"
(their standing in the forum on the day: members, or observers), "X and Y attended the meeting as
observers", "Observers included …", "The events were also observed by …", "Z was unable to attend"
(apologies), "participated as new members", "The RSO Co-Managers also participated" (the RSO, the
Co-Managers for person), lists in brackets after a count ("15 Working Group members (…)", "six
additional Bali Process members as observers (…)"), or only a count ("139 delegates representing
47 countries"), which is kept in the attendance summary and makes the list incomplete.

"The Co-Chairs of the Bali Process" are the forum's co-chairs on that date, from memberships; a
body's co-chairs likewise, or the states named as co-chairs ("Indonesia and Australia co-chaired",
"The Philippine and Australian Co-Chairs of ..."); the co-chair of the meeting's country hosted it.
Names are read as ``attendance_paste`` reads a pasted list, through the tolerant ``NameIndex``.
"""

import datetime
import re
from dataclasses import dataclass, field

from ..attendance_paste import Resolver, candidates, clean_name, read_names
from ..models import AttendanceRole, Membership, MembershipStatus
from .names import Known, NameIndex

COUNT_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
)
COUNT = rf"(?:\d{{1,3}}|{COUNT_WORDS})"
CUE = re.compile(
    r"\bin\s+attendance\b|\battend(?:ed|ing|ance)\b|\bparticipated\b|\btook\s+part\b|\bobservers?\s+included\b|"
    r"\bobserved\s+by\b|\bunable\s+to\s+attend\b|\bapologies\b|\bwere\s+present\b|"
    rf"\b{COUNT}\s+(?:delegates|delegations|participants)\b|\bdelegates\s+(?:from|representing)\b|"
    r"^(?:senior\s+)?(?:officials|representatives|delegations|delegates)\s+(?:from|of)\b",
    re.IGNORECASE,
)
# Sentences that use those words for something else: a panel, a session, what someone presented.
NOT_ATTENDANCE = re.compile(
    r"\bparticipated\s+in\s+(?:a|an|the)\s+(?:panel|session|discussion|dialogue|exercise|presentation)|"
    r"\b(?:purpose|objective|aim)\s+of\b|\battendance\s+at\s+the\s+next\b",
    re.IGNORECASE,
)
APOLOGIES = re.compile(
    r"\b(?:unable\s+to\s+attend|could\s+not\s+attend|did\s+not\s+attend|sent\s+(?:their\s+)?apologies|"
    r"apologies\s+(?:were\s+)?(?:received|sent))\b",
    re.IGNORECASE,
)
OBSERVERS = re.compile(
    r"\bas\s+observers?\b|\bobservers?\s+included\b|\bobserved\s+by\b|\bobserver\s+(?:states|countries|organi[sz]ations)\b",
    re.IGNORECASE,
)
MEMBERS = re.compile(r"\bas\s+(?:new\s+|full\s+)?members?\b", re.IGNORECASE)
# The words before the names: the names follow these.
NAMES_FOLLOW = re.compile(
    r"^.*?\b(?:in\s+attendance\s+were|attended\s+by|observed\s+by|observers?\s+included|"
    r"attending\s+included|participants\s+included|included|present\s+were|attending\s+were)\s*:?\s*",
    re.IGNORECASE,
)
# ... and the words after them: "attended the meeting as observers", "– took part", "were unable to attend".
NAMES_PRECEDE = re.compile(
    r"\s*[–—-]?\s*(?:,\s*)?\b(?:(?:also|were\s+also|was\s+also|have|has)\s+)?(?:attended(?!\s+by)|participated|"
    r"took\s+part|were\s+present|was\s+present|joined|(?:was|were)\s+unable\s+to\s+attend|could\s+not\s+attend|"
    r"sent\s+apologies)\b.*$",
    re.IGNORECASE,
)
COUNT_LEAD = re.compile(
    rf"^(?:the\s+)?{COUNT}\s+(?:[\w-]+\s+){{0,3}}?(?:countries|states|member\s+states|members|organi[sz]ations|"
    rf"delegations|delegates|participants|representatives)\s*(?:[–—:-]\s*|\s+(?:from|of|including)\s+)?",
    re.IGNORECASE,
)
BRACKETED = re.compile(rf"(?P<count>\b{COUNT})\s+(?P<what>[^(),;]*?)\s*\(", re.IGNORECASE)
COUNT_ONLY = re.compile(
    rf"\b{COUNT}\s+(?:delegates|delegations|participants|representatives|officials|countries)\b",
    re.IGNORECASE,
)
BODY_WORDS = re.compile(r"^(?:bali\s+process\s+)?members\s+", re.IGNORECASE)
CO_CHAIRED = re.compile(r"\b[Cc]o-?[Cc]haired\b|\b[Cc]o-[Cc]hairs\s+of\b")
FORUM_CO_CHAIRS = re.compile(
    r"\bthe\s+Co-Chairs\s+of\s+the\s+Bali\s+Process\b(?!\s+(?:Working|Ad\s+Hoc|Technical|Steering))",
    re.IGNORECASE,
)
HOSTED_BY = re.compile(
    r"\bhosted\s+by\s+(?:the\s+(?:Government|Governments)\s+of\s+)?(?P<host>[A-Z][\w’' -]+?)"
    r"(?=[,.;]|\s+(?:in|on|at|and)\b|$)"
)
TITLE_WORDS = re.compile(
    r"^(?:(?:Deputy|Assistant|Acting|Vice)\s+)?(?:Director[- ]General|Secretary[- ]General|Director|Minister|"
    r"Ambassador|Head|Chief|Representative|Assistant)\b(?:\s+of)?(?:\s+the)?\s+",
)
PERSON_AFTER = re.compile(r"\s+(?P<person>(?:Co-)?Managers?|Director|Head|Team|Secretariat|Delegation)$")


@dataclass
class Attendee:
    """One participant's attendance as read: role, person, note and the sentence it came from."""

    participant: Known
    role: str
    sentence: str
    person: str = ""
    note: str = ""


@dataclass
class AttendanceReading:
    """The attendance of one meeting as read from its page."""

    attendees: list[Attendee] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (name, sentence)
    conflicts: list[str] = field(default_factory=list)
    counts_only: bool = False
    listed: bool = False  # some sentence lists who attended (co-chairs alone are no list)

    @property
    def complete(self) -> bool:
        return self.listed and not self.unmatched and not self.counts_only

    @property
    def summary(self) -> str:
        return " ".join(self.sentences)

    def records(self) -> list[dict]:
        return [
            {
                "participant": attendee.participant.slug,
                "role": str(attendee.role),
                "person": attendee.person or None,
                "note": attendee.note or None,
                "position": position,
            }
            for position, attendee in enumerate(self.attendees, start=1)
        ]


class MembershipBook:
    """Every membership, read once: who was a member, observer or co-chair of what, on a day."""

    def __init__(self, memberships=None):
        if memberships is None:
            memberships = Membership.objects.only(
                "participant_id", "body_id", "status", "start_date", "end_date"
            )
        self.memberships = list(memberships)

    def held(self, on: datetime.date | None, status: str, body: int | None = None) -> list[int]:
        return [
            membership.participant_id
            for membership in self.memberships
            if membership.status == status
            and membership.body_id == body
            and (on is None or membership.start_date is None or membership.start_date <= on)
            and (on is None or membership.end_date is None or membership.end_date >= on)
        ]

    def standing(self, participant: int, on: datetime.date | None) -> str:
        """The forum role a participant listed without one attends in: member, observer, participant."""
        if participant in self.held(on, MembershipStatus.MEMBER):
            return AttendanceRole.MEMBER
        if participant in self.held(on, MembershipStatus.OBSERVER):
            return AttendanceRole.OBSERVER
        return AttendanceRole.PARTICIPANT


class AttendanceReader:
    """Reads the attendance sentences of a meeting; one per import run, for its caches."""

    def __init__(self, index: NameIndex, book: MembershipBook):
        self.index = index
        self.book = book
        self.persons: dict[str, tuple[Known, str]] = {}
        self.resolver = Resolver(lookup=self._lookup)

    def _lookup(self, name: str) -> Known | None:
        found = self.index.lookup(name)
        if found is not None:
            return found
        key = name.casefold()
        if key in self.persons:
            return self.persons[key][0]
        # "the Director-General of the International Organisation for Migration", "RSO Co-Managers".
        title = TITLE_WORDS.match(name)
        if title:
            found = self.index.lookup(name[title.end() :])
            if found is not None:
                self.persons[key] = (found, title.group(0).strip().removesuffix(" the").removesuffix(" of"))
                return found
        after = PERSON_AFTER.search(name)
        if after:
            found = self.index.lookup(name[: after.start()])
            if found is not None:
                self.persons[key] = (found, after["person"])
                return found
        return None

    def is_attendance(self, sentence: str) -> bool:
        return bool(CUE.search(sentence)) and not NOT_ATTENDANCE.search(sentence)

    def read(
        self,
        sentences: list[str],
        on: datetime.date | None,
        country: str = "",
        co_chair_sentences: list[str] = (),
        body: Known | None = None,
    ) -> AttendanceReading:
        """The attendance that ``sentences`` (those that name who attended) give."""
        reading = AttendanceReading()
        for sentence in sentences:
            reading.sentences.append(sentence)
            if COUNT_ONLY.search(sentence) and not BRACKETED.search(sentence):
                named = self._read_sentence(sentence, reading, on, dry=True)
                if not named:
                    reading.counts_only = True
                    continue
            self._read_sentence(sentence, reading, on)
        self._co_chairs(reading, co_chair_sentences, on, country, body)
        self._host(reading, co_chair_sentences)
        return reading

    def _host(self, reading, sentences) -> None:
        """ "… hosted by Malaysia": the host, or a co-chair's note that it hosted."""
        for sentence in sentences:
            match = HOSTED_BY.search(sentence)
            host = self.index.lookup(match["host"]) if match else None
            if host is None:
                continue
            listed = {attendee.participant.pk: attendee for attendee in reading.attendees}
            if host.pk in listed and listed[host.pk].role == AttendanceRole.CO_CHAIR:
                listed[host.pk].note = "Host"
            elif host.pk in listed:
                listed[host.pk].role = AttendanceRole.HOST
            else:
                reading.attendees.append(Attendee(host, AttendanceRole.HOST, sentence))
            return

    def _read_sentence(self, sentence, reading, on, dry=False) -> int:
        role = self._role_of(sentence)
        text = sentence
        found = 0
        # Lists in brackets after a count, each with its own role: "six ... members as observers (...)".
        lists = _bracket_lists(text)
        for _start, what, inner, _end in lists:
            named = self._add_names(inner, self._list_role(what), sentence, reading, on, dry)
            if not named and not dry:
                # "14 Working Group members (including three international organisations)": a count.
                reading.counts_only = True
            found += named
        for start, _what, _inner, end in reversed(lists):
            text = text[:start] + text[end:]
        if lists:
            role = self._role_of(text)
        if NAMES_FOLLOW.match(text):
            text = NAMES_FOLLOW.sub("", text, count=1)
        text = NAMES_PRECEDE.sub("", text)
        text = COUNT_LEAD.sub("", text.strip())
        text = BODY_WORDS.sub("", text.strip())
        text = re.sub(r"\s+[–—]\s+", ", ", text)
        if text.strip(" .,;"):
            found += self._add_names(text, role, sentence, reading, on, dry)
        return found

    def _role_of(self, words: str) -> str | None:
        if APOLOGIES.search(words):
            return AttendanceRole.APOLOGIES
        if OBSERVERS.search(words):
            return AttendanceRole.OBSERVER
        if MEMBERS.search(words):
            return AttendanceRole.MEMBER
        return None

    def _list_role(self, words: str) -> str | None:
        """The role of a counted list: "six additional Bali Process members as observers"."""
        role = self._role_of(words)
        if role is None and re.search(r"\bmembers\b", words, re.IGNORECASE):
            return AttendanceRole.MEMBER
        return role

    def _add_names(self, text, role, sentence, reading, on, dry) -> int:
        names = [
            name
            for name in read_names(text, self.resolver)
            if name.participant is not None or _is_name(name.text)
        ]
        if dry:
            return sum(name.participant is not None for name in names)
        reading.listed = reading.listed or bool(names)
        listed = {attendee.participant.pk: attendee for attendee in reading.attendees}
        for name in names:
            if name.participant is None:
                reading.unmatched.append((name.text, sentence))
                continue
            known = name.participant
            person = self._person(name.text)
            role_here = role or self.book.standing(known.pk, on)
            if known.pk in listed:
                earlier = listed[known.pk]
                if earlier.role != role_here and AttendanceRole.APOLOGIES in (earlier.role, role_here):
                    reading.conflicts.append(
                        f"{known.name} is listed as attending and as unable to attend; "
                        f"kept as {earlier.role}."
                    )
                continue
            attendee = Attendee(known, role_here, sentence, person=person)
            reading.attendees.append(attendee)
            listed[known.pk] = attendee
        return sum(name.participant is not None for name in names)

    def _person(self, text: str) -> str:
        for form in [text, *candidates(text)]:
            if form.casefold() in self.persons:
                return self.persons[form.casefold()][1]
        return ""

    def _co_chairs(self, reading, sentences, on, country, body) -> None:
        """The co-chairs: of the forum at the date, of ``body``, or as the sentence names them."""
        chairs: list[Known] = []
        source = ""
        for sentence in sentences:
            if FORUM_CO_CHAIRS.search(sentence):
                chairs = [
                    self.index.by_pk[pk]
                    for pk in self.book.held(on, MembershipStatus.CO_CHAIR)
                    if pk in self.index.by_pk
                ]
                source = sentence
                break
            clause = _co_chair_clause(sentence)
            if clause is None:
                continue
            named = [known for known, _start, _end in self.index.mentions(clause) if known.kind == "state"]
            named += [
                state
                for word in re.findall(r"\b[A-Z][a-z]+\b", clause)
                if (state := self.index.demonym(word)) is not None
            ]
            named = list(dict.fromkeys(named))
            if not named and body is not None:
                named = [
                    self.index.by_pk[pk]
                    for pk in self.book.held(on, MembershipStatus.CO_CHAIR, body.pk)
                    if pk in self.index.by_pk
                ]
            if named:
                chairs, source = named, sentence
                break
        if not chairs:
            return
        listed = {attendee.participant.pk: attendee for attendee in reading.attendees}
        for chair in chairs:
            note = "Host" if country and chair.country == country else ""
            if chair.pk in listed:
                listed[chair.pk].role = AttendanceRole.CO_CHAIR
                listed[chair.pk].note = listed[chair.pk].note or note
            else:
                reading.attendees.append(Attendee(chair, AttendanceRole.CO_CHAIR, source, note=note))


def _co_chair_clause(sentence: str) -> str | None:
    """The words that name who co-chaired, in a sentence that says so, or None."""
    match = CO_CHAIRED.search(sentence)
    if match is None:
        return None
    before = sentence[: match.start()]
    if re.search(r"\bbusiness\s+$", before, re.IGNORECASE):
        return None
    # After an opening date ("On 29 and 30 August 2022, ...") or "Between ... ,".
    before = re.sub(r"^(?:On|Between|From|Over)\b[^,]*,\s*", "", before)
    return before


def _bracket_lists(text: str) -> list[tuple[int, str, str, int]]:
    """(start, words before, names inside, end) of each "N words (names)" in ``text``."""
    found = []
    for match in BRACKETED.finditer(text):
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            index += 1
        if depth == 0:
            found.append((match.start(), match["what"], text[match.end() : index - 1], index))
    # Nested matches (a count inside the brackets) are part of the outer list.
    kept = []
    for item in found:
        if not kept or item[0] >= kept[-1][3]:
            kept.append(item)
    return kept


def _is_name(text: str) -> bool:
    """Whether a piece of a list can be a name: "others", "respectively" or a count are not."""
    text = clean_name(text)
    return (
        bool(text) and bool(re.search(r"[A-Z]", text)) and not re.fullmatch(rf"{COUNT}", text, re.IGNORECASE)
    )
