"""Dates as the old website writes them, kept as published beside what they are read as.

"06 August 2014", "26 - 28 February 2002", "02 July 2019 To 03 December 2019", "On 29 and 30
August 2022", "Between 22 and 23rd March 2010", "over 26-28 February" (the year from elsewhere on
the page), "August 6, 2014", "Between July and December 2019" (months only). A date that cannot be
a date ("August 208", "31 June 2019", a range that ends before it starts or on the day it starts,
"23-23 July") is kept as published and read as nothing, with the reason, for the editor to decide.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from ..timeframes import MONTHS

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"\d{2,4}(?!\d)"
_TO = r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\band\b|&)\s*"

# Most specific first; each names its parts d1 m1 y1 d2 m2 y2.
FORMS = [
    rf"(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR}){_TO}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})",
    rf"(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}){_TO}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})",
    rf"(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})",
    rf"(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY}),\s*(?P<y2>{_YEAR})",
    rf"(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}),\s*(?P<y1>{_YEAR})",
    rf"(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR})",
    rf"(?P<m1>{_MONTH}){_TO}(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})",
    rf"(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\b",
    rf"(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})\b",
    rf"(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR})",
]
COMPILED = [re.compile(r"\b" + form, re.IGNORECASE) for form in FORMS]
ANY_DATE = re.compile(
    "|".join(rf"(?:\b{re.sub(r'\(\?P<\w+>', '(?:', form)})" for form in FORMS), re.IGNORECASE
)


@dataclass(frozen=True)
class PublishedDate:
    """A date or span of days as published, and what it is read as.

    ``start`` and ``end`` are days, None where the words name no day (months only, no year) or
    cannot be a date; ``problem`` then says why, for the editor. ``first_month`` and ``last_month``
    are (year, month) where the words give them, to compare with a date given elsewhere.
    """

    as_published: str
    start: datetime.date | None = None
    end: datetime.date | None = None
    first_month: tuple[int, int] | None = None
    last_month: tuple[int, int] | None = None
    problem: str = ""
    year_given: bool = True

    @property
    def days(self) -> bool:
        return self.start is not None

    def contains(self, other: "PublishedDate") -> bool:
        """Whether ``other`` is this span, or a coarser or year-less way of writing it."""
        if self.start is None or other.problem:
            return False
        if other.start is not None:
            return other.start == self.start and other.end == self.end
        if other.first_month is None:
            return False
        first, last = other.first_month, other.last_month or other.first_month
        if not other.year_given:
            return (first[1], last[1]) == (self.start.month, self.end.month)
        return first == (self.start.year, self.start.month) and last == (self.end.year, self.end.month)


def find_dates(text: str) -> list[re.Match]:
    """Every place a date is written in ``text``, in order."""
    return list(ANY_DATE.finditer(text or ""))


def read_date(words: str, year: int | None = None) -> PublishedDate | None:
    """The first date written in ``words``; ``year`` completes a date written without one."""
    words = " ".join((words or "").split())
    best = None
    for pattern in COMPILED:
        match = pattern.search(words)
        if match and (best is None or match.start() < best.start()):
            best = match
    if best is None:
        return None
    return _read(best, year)


def _read(match: re.Match, year: int | None) -> PublishedDate:
    as_published = match.group(0).strip()
    parts = {key: value for key, value in match.groupdict().items() if value}
    y2 = parts.get("y2") or parts.get("y1")
    y1 = parts.get("y1") or y2
    year_given = y2 is not None
    if not year_given and year is None:
        months = _months(parts, year=0)
        return PublishedDate(as_published, first_month=months[0], last_month=months[1], year_given=False)
    try:
        start_year, end_year = _year(y1, year), _year(y2, year)
    except ValueError as error:
        return PublishedDate(as_published, problem=str(error))
    m1 = MONTHS[(parts.get("m1") or parts.get("m2")).lower().rstrip(".")]
    m2 = MONTHS[(parts.get("m2") or parts.get("m1")).lower().rstrip(".")]
    months = ((start_year, m1), (end_year, m2))
    if "d1" not in parts:
        return PublishedDate(as_published, first_month=months[0], last_month=months[1], year_given=year_given)
    d1 = int(re.match(r"\d+", parts["d1"])[0])
    d2 = int(re.match(r"\d+", parts.get("d2", parts["d1"]))[0])
    try:
        start = datetime.date(start_year, m1, d1)
        end = datetime.date(end_year, m2, d2)
    except ValueError:
        return PublishedDate(as_published, problem="it is not a day of the calendar", year_given=year_given)
    if end < start or ("d2" in parts and end == start):
        return PublishedDate(
            as_published,
            first_month=months[0],
            last_month=months[1],
            problem="it does not read as a span of days",
            year_given=year_given,
        )
    return PublishedDate(as_published, start, end, months[0], months[1], year_given=year_given)


def _months(parts, year):
    m1 = MONTHS[(parts.get("m1") or parts.get("m2")).lower().rstrip(".")]
    m2 = MONTHS[(parts.get("m2") or parts.get("m1")).lower().rstrip(".")]
    return (year, m1), (year, m2)


def _year(text: str | None, default: int | None) -> int:
    if text is None:
        return default
    if len(text) != 4 or not 1900 < int(text) < 2200:
        raise ValueError(f"the year “{text}” is not a year")
    return int(text)


def month_name(number: int) -> str:
    return calendar.month_name[number]
