"""What the editor may decide where a page disagrees with itself, and what each choice gives the draft.

A page's header and its first sentence can give different dates or places, or one of them a date
that cannot be a date ("12 August 208"). The reader never guesses: by default it keeps the value as
published and chooses a day only where the page is consistent. The review screen then offers each
reading the page supports, beside the words it came from, and the draft is made with the one the
editor picks. A choice is named by its ``key`` ("date", "place": one each for the page's meeting) and
its ``value`` ("header", "body", "published"); any other value is not one the page offered.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .dates import PublishedDate

if TYPE_CHECKING:
    from .events import Place

HEADER, BODY, PUBLISHED = "header", "body", "published"


@dataclass(frozen=True)
class Option:
    """One reading the editor may choose: what it gives, in words, and the page's words it is from."""

    value: str
    label: str
    sentence: str
    reading: "PublishedDate | Place | None" = field(default=None, compare=False)  # what it gives

    def as_dict(self) -> dict[str, str]:
        return {"value": self.value, "label": self.label, "sentence": self.sentence}


@dataclass
class Decision:
    """A disagreement with its options, and the one the draft was made with."""

    key: str
    options: list[Option]
    chosen: str
    default: str = ""

    def __post_init__(self):
        self.default = self.default or self.chosen

    def option(self, value: str | None) -> Option:
        """The option ``value``, or the default where ``value`` is not one of them."""
        by_value = {option.value: option for option in self.options}
        return by_value.get(value or "", by_value[self.chosen])

    def as_dict(self) -> dict:
        return {
            "choice": self.key,
            "options": [option.as_dict() for option in self.options],
            "chosen": self.chosen,
            "default": self.default,
        }


def offered(conflicts: list[dict]) -> dict[str, list[str]]:
    """{choice key: the values offered} of a draft's conflicts, as the review shows them."""
    return {
        conflict["choice"]: [option["value"] for option in conflict["options"]]
        for conflict in conflicts
        if conflict.get("options")
    }


def date_decision(
    header: PublishedDate | None,
    body: PublishedDate | None,
    header_words: str,
    opening: str,
    kept: PublishedDate,
) -> Decision | None:
    """The choice between the header's date, the first sentence's and none, where there is one.

    ``kept`` is what the reader keeps by default: the header's date where the page is consistent
    enough, else the date as published with no day.
    """
    header_ok = header is not None and not header.problem
    body_ok = body is not None and not body.problem
    options = []
    if header_ok:
        options.append(Option(HEADER, "The header's date: " + span(header), f"Date: {header_words}", header))
    if body_ok and not (header_ok and header.contains(body)):
        options.append(Option(BODY, "The first sentence's date: " + span(body), opening, body))
    if not options:
        return None
    as_published = (header or body).as_published
    empty = kept if kept.problem else PublishedDate(as_published, problem="left without a day by the editor")
    options.append(
        Option(
            PUBLISHED,
            f"No day: keep “{as_published}” as the date as published only",
            f"Date: {header_words}" if header is not None else opening,
            empty,
        )
    )
    return Decision("date", options, HEADER if kept is header and header_ok else PUBLISHED)


def place_decision(header: "Place", body: "Place", header_words: str, opening: str) -> Decision:
    """The choice between the header's place (kept by default) and the first sentence's."""
    return Decision(
        "place",
        [
            Option(HEADER, f"The header's place: {header.as_published}", f"Location: {header_words}", header),
            Option(BODY, f"The first sentence's place: {body.as_published}", opening, body),
        ],
        HEADER,
    )


def span(date: PublishedDate) -> str:
    """A date read, in words: "6 August 2014", "8 February 2023 to 10 February 2023", or its months."""
    if date.start is None:
        return f"“{date.as_published}” (no day)"
    if date.end is None or date.end == date.start:
        return _day(date.start)
    return f"{_day(date.start)} to {_day(date.end)}"


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"
