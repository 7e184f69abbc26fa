"""The events a page records: title, meeting type and number, dates, place, and those held under it.

A page opens with a header (title, then ``Location: Canberra, AustraliaDate: 06 August 2014``) or
with a sentence that gives date, title and place ("On 31 October 2017, the Co-Chairs … hosted the
Twelfth Meeting of the Ad Hoc Group Senior Officials (AHG SOM) in Kuala Lumpur, Malaysia."). The
type and number come from the title's words ("Eighth Meeting of the Ad Hoc Group Senior Officials"
is the AHG senior officials' meeting number 8), never from the page's address, which can mislead.

A page may hold several events: a section headed "2014 Workshops" lists workshops, each with its
place and dates; "Regional Webinar" and "Eighth Annual Meeting" headings split a page whose opening
sentence names both. The first meeting that is not a workshop is the page's meeting, the others are
held under it.

Header and body may disagree on a date or place: the date as published is kept, a day is chosen only
where the page is consistent, and the disagreement is reported for the editor to decide.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from django_countries import countries

from .dates import PublishedDate, read_date
from .decisions import Decision, date_decision, place_decision
from .names import Known, NameIndex
from .pages import Block, Page, sentences

ORDINALS = {
    word: number
    for number, word in enumerate(
        (
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ),
        start=1,
    )
}
ORDINAL_WORDS = "(?:" + "|".join(ORDINALS) + ")"
ORDINAL = re.compile(
    r"\b(?P<word>" + "|".join(ORDINALS) + r")\b|\b(?P<digits>\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE
)
# Meeting types by the words of a title, the most telling first; each names a type's slug.
TYPE_WORDS = [
    (r"\bwebinar|\bworkshops?\b|\bseminar|\btraining\b|\bsymposium|\bround-?table", "workshop"),
    (r"\bministerial\s+(?:conference|meeting)|\bBPMC\b", "ministerial-conference"),
    (r"\bconsultati(?:on|ve)\s+mechanism", "consultation-mechanism-meeting"),
    (r"\bbusiness\s+forum|\bgovernment\s+and\s+business\b", "business-forum"),
    (r"\btechnical\s+experts?\b", "technical-experts-group-meeting"),
    (r"\bsenior\s+officials\b|\bAHG\s+SOM\b|\bSOM\b", "ahg-senior-officials-meeting"),
    (r"\bsteering\s+group\b", "steering-group-meeting"),
    (r"\bworking\s+group\b|\bannual\s+meeting\b|\bjoint\s+period\s+of\s+action\b", "working-group-meeting"),
]
EVENT_WORDS = re.compile(
    r"\b(?:meeting|conference|forum|workshops?|webinar|seminar|dialogue|consultation|mechanism|"
    r"period\s+of\s+action|symposium|training)\b",
    re.IGNORECASE,
)
# The forum's long name, which titles repeat: "the Fifth Ministerial Conference of the Bali Process on ...".
FORUM_NAME = re.compile(
    r"\s+of\s+the\s+Bali\s+Process\s+on\s+People\s+Smuggling,\s+Trafficking\s+in\s+Persons\s+and\s+"
    r"[Rr]elated\s+Transnational\s+Crime(?:\s+\(Bali\s+Process\))?",
)
ACRONYM = re.compile(r"\s*\((?:[A-Z][\w-]*\s*)+\)")
# "hosted the Twelfth Meeting of ... in Kuala Lumpur", "The Fifth Ministerial Conference ... took place".
NAMED_EVENT = re.compile(
    r"(?:\b(?:hosted|held|convened|chaired|co-chaired|opened|organised|organized)\s+the\s+|^(?:The\s+)?)"
    r"(?P<title>(?:[A-Z0-9][\w’'-]*\s+){0,3}?(?:"
    + "|".join(w.capitalize() for w in ORDINALS)
    + r"|\d{1,2}(?:st|nd|rd|th))"
    r"\b[^.;:]*?)(?=\s+(?:in|on|at|took\s+place|was\s+held|were\s+held|held|between|from|over)\b|[,.;]|$)"
)
# "the Bali Process held a Workshop on Biometrics in Bangkok": a named event without a number.
_NAME_WORD = r"[A-Z][\w’'-]*"
NAMED_EVENT_UNNUMBERED = re.compile(
    r"\b(?:hosted|held|convened|organised|organized|co-chaired|chaired|opened|launched)\s+(?:a|an|the)\s+"
    r"(?:inaugural\s+)?(?P<title>(?:"
    + _NAME_WORD
    + r"(?:\s+(?:"
    + _NAME_WORD
    + r"|of|on|and|the|for))*?\s+)?"
    r"(?:Meeting|Conference|Forum|Workshop|Webinar|Seminar|Dialogue|Symposium|Roundtable|Training)"
    r"(?:\s+(?:on|of|for)\s+(?:the\s+)?" + _NAME_WORD + r"(?:\s+(?:" + _NAME_WORD + r"|and|of|the|on))*)?)"
)
PLACE = re.compile(
    r"(?P<city>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2}),\s*(?P<country>(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})"
)
VIRTUAL = re.compile(
    r"\b(?:held\s+(?:virtually|online)|virtual\s+(?:meeting|format|event)s?|by\s+video\s*conference)\b",
    re.IGNORECASE,
)
WEBINAR = re.compile(r"\bwebinar\b", re.IGNORECASE)
HYBRID = re.compile(r"\bhybrid\b", re.IGNORECASE)


@dataclass
class Place:
    city: str = ""
    country: str = ""
    as_published: str = ""
    virtual: bool = False


@dataclass
class Event:
    """One event of a page, as read; ``sources`` gives the words each field came from."""

    title: str
    type: str | None
    number: int | None
    date: PublishedDate | None
    place: Place
    convening_body: Known | None
    blocks: list[Block] = field(default_factory=list)
    opening: str = ""
    parent: "Event | None" = None
    format: str = "in_person"
    conflicts: list[str] = field(default_factory=list)
    # conflict -> the choice it offers the editor, for the conflicts that offer one.
    decisions: dict[str, Decision] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    shares_attendance: bool = False


def country_code(name: str, index: NameIndex) -> str:
    """The ISO code of a country named ``name`` ("Australia", "Viet Nam", "the Philippines"), or ""."""
    name = re.sub(r"^the\s+", "", name.strip(" .,"), flags=re.IGNORECASE)
    code = _country_named(name)
    if code:
        return code
    known = index.exact(name)
    if known is not None and known.country:
        return known.country
    return ""


@functools.lru_cache(maxsize=4096)
def _country_named(name: str) -> str:
    # ``by_name`` translates every country's name to compare it on each call; a folder of pages asks
    # about the same few places again and again.
    return countries.by_name(name)


def read_place(words: str, index: NameIndex) -> Place | None:
    """The first "City, Country" in ``words`` whose country is a country, or None."""
    for match in PLACE.finditer(words or ""):
        city, country = match["city"], match["country"]
        # "Kuala Lumpur, Malaysia on 31 October": the country's words stop before lower case.
        country_words = country.split()
        for length in range(len(country_words), 0, -1):
            code = country_code(" ".join(country_words[:length]), index)
            if code:
                city = re.sub(r"^(?:in|at|held\s+in)\s+", "", city)
                published = f"{city}, {' '.join(country_words[:length])}".strip(" .")
                return Place(city=city, country=code, as_published=published)
    return None


def header_place(location: str, index: NameIndex) -> Place:
    """The header's ``Location:``: "Canberra, Australia", "Virtual", "Bali" (a city alone)."""
    location = location.strip(" .")
    if not location:
        return Place()
    if re.fullmatch(r"virtual|online", location, re.IGNORECASE):
        return Place(as_published=location, virtual=True)
    if "," in location:
        city, _comma, country = location.rpartition(",")
        code = country_code(country, index)
        if code:
            return Place(city=city.strip(), country=code, as_published=location)
    code = country_code(location, index)
    if code:
        return Place(country=code, as_published=location)
    return Place(city=location, as_published=location)


def meeting_type(words: str, types: set[str]) -> str | None:
    for pattern, slug in TYPE_WORDS:
        if slug in types and re.search(pattern, words, re.IGNORECASE):
            return slug
    return None


def number_of(title: str) -> int | None:
    match = ORDINAL.search(title)
    if match is None:
        return None
    if match["word"]:
        return ORDINALS[match["word"].lower()]
    return int(match["digits"])


def clean_title(title: str) -> str:
    title = FORUM_NAME.sub("", title)
    title = ACRONYM.sub("", title)
    title = " ".join(title.split()).strip(" ,.;:")
    return title[:1].upper() + title[1:]


def title_in(sentence: str) -> str:
    """The event a sentence names: "the Twelfth Meeting of the Ad Hoc Group Senior Officials"."""
    sentence = FORUM_NAME.sub("", sentence)
    match = NAMED_EVENT.search(sentence)
    if match is None or not EVENT_WORDS.search(match["title"]):
        match = NAMED_EVENT_UNNUMBERED.search(sentence)
    if match is None:
        return ""
    return clean_title(match["title"])


def title_from_address(url: str) -> str:
    """The words of the page's address, only where they name a numbered meeting."""
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    words = " ".join(re.sub(r"-\d+$", "", slug).split("-"))
    if not ORDINAL.search(words) or not EVENT_WORDS.search(words):
        return ""
    small = {"of", "the", "on", "and", "in", "for", "to", "by"}
    return " ".join(w if w in small else w.capitalize() for w in words.split()).replace(
        "Bali Process ", "", 1
    )


class EventReader:
    """Finds the events of a page; one per import run."""

    def __init__(self, index: NameIndex, types: set[str], today: datetime.date):
        self.index = index
        self.types = types
        self.today = today

    def read(self, page: Page, choices: dict[str, str] | None = None) -> list[Event]:
        """The page's events, the page's meeting first; empty if the page holds no meeting.

        ``choices`` are the editor's decisions ({"date": "body"}, see ``decisions``); a conflict
        without one is read the default way."""
        blocks = [block for block in page.blocks if block.text]
        if not blocks:
            return []
        opening_block = next((b for b in blocks if not b.heading_like), None)
        if opening_block is None:
            return []
        # The sentence that dates the meeting, near the top: mostly the first.
        first_sentences = sentences(opening_block.text)[:3]
        opening = next((s for s in first_sentences if read_date(s)), first_sentences[0])
        year = self._year(page)
        sections = self._sections(blocks, opening_block.text)
        main_blocks = sections[0][1]
        children = []
        for heading, section_blocks in sections[1:]:
            children.extend(self._children(heading, section_blocks, opening_block.text, year))
        promoted = None
        if not page.title and not title_in(opening):
            # "… Regional Webinar … and Eighth Annual Meeting", each with its section: the meeting is the
            # one that is not a workshop.
            promoted = next((c for c in children if c.type != "workshop"), None)
        if promoted is not None:
            children.remove(promoted)
            body = self._body(opening)
            title = promoted.title
            if body is not None and not re.search(r"\bof\s+the\b", title):
                title = f"{title} of the {body.name}"
            page_title, main_blocks = title, main_blocks + promoted.blocks
        else:
            page_title = page.title
        main = self._main(
            page, page_title, opening, main_blocks, year, [c.title for c in children], choices or {}
        )
        if main is None:
            return []
        if promoted is not None:
            main.sources["title"] = f"{promoted.title} (a heading of the page) and: {opening}"
        for child in children:
            child.parent = main
            if child.date is None and main.date is not None:
                child.date = main.date
                child.shares_attendance = True
            if child.convening_body is None:
                child.convening_body = main.convening_body
        return [main, *children]

    # The page's meeting

    def _main(self, page, title, opening, blocks, year, child_titles, choices) -> Event | None:
        source = "the page's title"
        for child_title in child_titles:
            # "Eighth Meeting of the Ad Hoc Group Senior Officials and 2014 Workshops"
            title = re.sub(
                rf"\s+and\s+(?:\d{{4}}\s+)?{re.escape(child_title)}s?$", "", title, flags=re.IGNORECASE
            )
        if re.search(r"\s+and\s+\d{4}\s+\w+$", title):
            title = re.sub(r"\s+and\s+\d{4}\s+\w+$", "", title)
        named = title_in(opening)
        if not title or not EVENT_WORDS.search(title):
            if named:
                title, source = named, opening
            elif title:
                pass
            else:
                title, source = title_from_address(page.url), "the page's address"
        if not title:
            return None
        words = f"{title} {opening}"
        kind = meeting_type(title, self.types) or meeting_type(opening, self.types)
        if kind is None:
            return None
        event = Event(
            title=clean_title(title),
            type=kind,
            number=number_of(title),
            date=None,
            place=Place(),
            convening_body=self._body(title) or self._body(opening),
            blocks=blocks,
            opening=opening,
        )
        event.sources["title"] = source
        self._date(event, page, opening, year, choices.get("date"))
        if event.date is None and not page.date:
            # No date anywhere near the top: an "about" page, not a meeting's record.
            return None
        self._place(event, page, opening, choices.get("place"))
        event.format = self._format(event, words + " " + " ".join(b.text for b in blocks[:3]))
        return event

    def _date(self, event, page, opening, year, choice) -> None:
        header = read_date(page.date, year) if page.date else None
        body = read_date(opening, header.start.year if header and header.start else year)
        if page.date and header is None:
            event.conflicts.append(f"The date “{page.date}” in the header is not a date.")
            header = PublishedDate(page.date, problem="not a date")
        chosen = header or body
        if chosen is None:
            return
        event.sources["date"] = f"Date: {page.date}" if header else opening
        if chosen.problem:
            event.conflicts.append(
                f"The date “{chosen.as_published}” cannot be read ({chosen.problem}); "
                "only the date as published is kept."
            )
        if header and body and not header.problem and not body.problem and not header.contains(body):
            event.conflicts.append(
                f"The header gives the date as “{header.as_published}”, the first sentence as "
                f"“{body.as_published}”; the date is left for the editor to decide."
            )
            chosen = PublishedDate(header.as_published, problem="header and body disagree")
        if header and body and body.problem and not header.problem:
            event.conflicts.append(
                f"The first sentence's date “{body.as_published}” cannot be read ({body.problem})."
            )
        decision = date_decision(header, body, page.date, opening, chosen) if event.conflicts else None
        if decision is not None:
            event.decisions[event.conflicts[-1]] = decision
            option = decision.option(choice)
            decision.chosen = option.value
            chosen = option.reading
            if option.value == "body":
                event.sources["date"] = opening
        event.date = chosen

    def _place(self, event, page, opening, choice) -> None:
        header = header_place(page.location, self.index) if page.location else None
        body = read_place(opening, self.index)
        event.place = header or body or Place()
        if header or body:
            event.sources["place"] = f"Location: {page.location}" if header else opening
        if (
            header
            and body
            and header.country
            and body.country
            and (header.country, header.city) != (body.country, body.city)
        ):
            conflict = (
                f"The header gives the place as “{header.as_published}”, the first sentence as "
                f"“{body.as_published}”; the header's is kept unless another is chosen."
            )
            event.conflicts.append(conflict)
            decision = event.decisions[conflict] = place_decision(header, body, page.location, opening)
            option = decision.option(choice)
            decision.chosen = option.value
            if option.value == "body":
                event.place = body
                event.sources["place"] = opening

    def _format(self, event, words) -> str:
        if event.place.virtual or VIRTUAL.search(words) or WEBINAR.search(event.title):
            return "virtual"
        if HYBRID.search(words):
            return "hybrid"
        return "in_person"

    def _body(self, words: str) -> Known | None:
        for known, _start, _end in self.index.mentions(words):
            if known.kind == "forum_body" and known.slug not in ("rso", "rilon"):
                return known
        return None

    def _year(self, page) -> int | None:
        for words in (page.date, page.title, page.url):
            match = re.search(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)", words or "")
            if match:
                return int(match[1])
        return None

    # Events held under it

    def _sections(self, blocks, opening_text) -> list[tuple[str, list[Block]]]:
        """(heading, blocks) of the page: the first untitled, then each event's section."""
        sections = [("", [])]
        for block in blocks:
            if block.heading_like and not block.text.endswith(":") and EVENT_WORDS.search(block.text):
                heading = block.text.strip()
                if self._is_event_heading(heading, opening_text):
                    sections.append((heading, []))
                    continue
            sections[-1][1].append(block)
        return sections

    def _is_event_heading(self, heading, opening_text) -> bool:
        if re.search(r"^\d{4}\s+\w+s$", heading):
            return True  # "2014 Workshops": a list of events held with the meeting
        return _words(heading) in _words(opening_text)

    def _children(self, heading, blocks, opening_text, year) -> list[Event]:
        listed = []
        for block in blocks:
            date = read_date(block.text)
            if date is None or not re.search(r"^\d{4}\s+\w+s$", heading):
                continue
            # "Bali Process Ad Hoc Group Workshop on X  Bangkok, Thailand, 26-28 May 2014"
            text = block.text[: block.text.find(date.as_published)].strip(" ,")
            title, gap, where = text.rpartition("  ")
            place = read_place(where if gap else text, self.index)
            if not gap:
                title = text[: text.rfind(place.as_published)].strip(" ,") if place else text
            listed.append(self._child(title, date, place or Place(), blocks=[], source=block.text))
        if listed:
            return listed
        title = heading
        # "Regional Webinar": the opening sentence gives its whole name.
        match = re.search(
            re.escape(heading)
            + r"(?P<rest>\s+(?:on|for|in|of)\s+[^()]+?)"
            + rf"(?=\s*\(|\s+and\s+(?:the\s+)?{ORDINAL_WORDS}\b|[.;]|$)",
            opening_text,
            flags=re.IGNORECASE,
        )
        if match:
            title = heading + match["rest"]
        return [self._child(title, None, Place(), blocks=blocks, source=heading)]

    def _child(self, title, date, place, blocks, source) -> Event:
        title = clean_title(title)
        event = Event(
            title=title,
            type=meeting_type(title, self.types) or "workshop",
            number=number_of(title) if not re.search(r"\bworkshop|\bwebinar", title, re.IGNORECASE) else None,
            date=date,
            place=place,
            convening_body=self._body(title),
            blocks=blocks,
        )
        event.sources["title"] = source
        if date is not None:
            event.sources["date"] = source
            if date.problem:
                event.conflicts.append(
                    f"The date of “{title}”, “{date.as_published}”, cannot be read ({date.problem})."
                )
        event.format = self._format(event, title)
        return event


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
