"""Read a timeframe as the forum publishes it ("first half of 2015", "by March 2016") as a due period.

The words stay on the action as published; what this module derives is a proposal the editor
confirms or overrides. It understands the common English forms:

- halves: "first half of 2015", "second half 2015", "H1 2015", "early 2020" (H1), "mid-2016" (H1:
  "by mid-year" is read as by the end of June), "late 2015" and "end of 2015" (H2, see below);
- quarters: "Q3 2016", "third quarter of 2016";
- months and days: "March 2016", "by March 2016", "end of March 2016", "by 31 March 2016",
  "March 31, 2016", "2016-03-31";
- years: "2016", "by end of 2016", "during 2016", "next year", "this year";
- relative to the meeting's date: "within 12 months", "within six months", "within a year",
  "within 90 days", "within two weeks";
- the next meeting of a series: "before the next Ministerial Conference" gives no date but a marker
  naming the meeting type, to be dated once that meeting is scheduled;
- no deadline at all: "ongoing", "as soon as possible", "immediately".

"late 2015" and "end of 2015" are read as H2 rather than Q4. Both end on 31 December, so the
deadline and whether the action is overdue are the same either way; the choice only decides how the
period is shown and where it starts. The forum meets about twice a year and writes its own deadlines
in halves ("first half of 2015"), "early" is read as H1, and a quarter would claim a precision the
words do not have. "by end of 2016" (with "by") gives the whole year: the action may be done at any
time up to the end of it.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from .due import DuePeriod

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
    )
}
MONTHS["sept"] = 9

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>\d{4}|this\s+year|next\s+year)"
_NUMBER = r"(?P<count>\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_ORDINAL = r"(?P<ordinal>" + "|".join(ORDINALS) + r")"
_OF = r"(?:\s+of)?\s+(?:the\s+)?"

PART_OF_YEAR = r"(?P<part>early|mid|late|end|beginning|start|middle)"

# Most specific first: the first pattern found anywhere in the words wins.
PATTERNS = [
    (
        "next_meeting",
        r"\b(?:before|by|at|for|to|until|ahead\s+of|prior\s+to)\s+(?:the\s+)?next\s+"
        r"(?:meeting\s+of\s+(?:the\s+)?)?(?P<meeting_type>[^.;,()]+)",
    ),
    ("no_deadline", r"\b(?:on-?going|as\s+soon\s+as\s+possible|asap|immediately|continuous(?:ly)?)\b"),
    ("within", r"\bwithin\s+(?:the\s+next\s+)?" + _NUMBER + r"\s+(?P<unit>day|week|month|year)s?\b"),
    ("iso_day", r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b"),
    ("day", r"(?:\bby\s+)?\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+" + _YEAR + r"\b"),
    ("day", r"(?:\bby\s+)?\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b"),
    ("half", r"\b" + _ORDINAL + r"\s+half(?:\s+of)?\s+(?:the\s+)?" + _YEAR + r"\b"),
    ("half", r"\bH(?P<half>[12])\s*[-/]?\s*" + _YEAR + r"\b"),
    ("half", r"\b" + _YEAR + r"\s*[-/]?\s*H(?P<half>[12])\b"),
    ("quarter", r"\b" + _ORDINAL + r"\s+quarter(?:\s+of)?\s+(?:the\s+)?" + _YEAR + r"\b"),
    ("quarter", r"\bQ(?P<quarter>[1-4])\s*[-/]?\s*" + _YEAR + r"\b"),
    ("quarter", r"\b" + _YEAR + r"\s*[-/]?\s*Q(?P<quarter>[1-4])\b"),
    ("month", r"(?:\bby\s+)?\b" + _MONTH + r",?\s+(?:of\s+)?" + _YEAR + r"\b"),
    (
        "part_of_year",
        r"(?P<by>\bby\s+)?(?:\btowards\s+)?\b(?:the\s+)?"
        + PART_OF_YEAR
        + r"(?:\s*-\s*|\s+of\s+(?:the\s+)?|\s+)(?:(?:calendar\s+)?year\s+)?"
        + _YEAR
        + r"\b",
    ),
    ("year", r"(?P<by>\bby\s+)?(?:\b(?:in|during|the\s+year)\s+)?\b" + _YEAR + r"\b"),
]
COMPILED = [(form, re.compile(pattern, re.IGNORECASE)) for form, pattern in PATTERNS]

# "early" is the first half; "mid-2016" is read as by the middle of the year, the end of June.
FIRST_HALF_PARTS = {"early", "beginning", "start", "mid", "middle"}


@dataclass(frozen=True)
class Timeframe:
    """What was understood of a timeframe as published.

    ``period`` is the due period, or None when the words give no date (or a relative one without
    a reference date). ``matched`` is the part of the words that was understood, empty when
    nothing was. ``next_meeting_of`` names the meeting type of "before the next Ministerial
    Conference", as written.
    """

    period: DuePeriod | None = None
    matched: str = ""
    next_meeting_of: str = ""

    @property
    def understood(self):
        return bool(self.matched)


def parse_timeframe(words, *, reference=None):
    """Read ``words`` as a Timeframe; ``reference`` (the meeting's date) dates relative forms."""
    words = " ".join((words or "").replace("\u2013", "-").replace("\u2014", "-").split())
    for form, pattern in COMPILED:
        match = pattern.search(words)
        if match is None:
            continue
        timeframe = _read(form, match, reference)
        if timeframe is not None:
            return timeframe
    return Timeframe()


def _read(form, match, reference):
    matched = match.group(0).strip()
    groups = match.groupdict()
    if form == "next_meeting":
        meeting_type = groups["meeting_type"].strip()
        return Timeframe(matched=matched, next_meeting_of=meeting_type)
    if form == "no_deadline":
        return Timeframe(matched=matched)
    if form == "within":
        count = _number(groups["count"])
        if reference is None:
            return Timeframe(matched=matched)
        return Timeframe(DuePeriod.day(_add(reference, count, groups["unit"].lower())), matched)
    if form == "iso_day":
        try:
            return Timeframe(DuePeriod.day(datetime.date.fromisoformat(groups["iso"])), matched)
        except ValueError:
            return Timeframe()
    year = _year(groups["year"], reference)
    if year is None:
        # "next year" with no date to count from: understood, but not dated.
        return Timeframe(matched=matched)
    if form == "day":
        try:
            date = datetime.date(year, MONTHS[groups["month"].lower()], int(groups["day"]))
        except ValueError:
            # "31 February 2016" is a mistake to show the editor, not a month to guess.
            return Timeframe()
        return Timeframe(DuePeriod.day(date), matched)
    if form == "half":
        half = int(groups["half"]) if groups.get("half") else ORDINALS[groups["ordinal"].lower()]
        if half > 2:
            return None
        return Timeframe(DuePeriod.half(year, half), matched)
    if form == "quarter":
        quarter = int(groups["quarter"]) if groups.get("quarter") else ORDINALS[groups["ordinal"].lower()]
        return Timeframe(DuePeriod.quarter(year, quarter), matched)
    if form == "month":
        return Timeframe(DuePeriod.month(year, MONTHS[groups["month"].lower()]), matched)
    if form == "part_of_year":
        part = groups["part"].lower()
        if groups["by"] and part == "end":
            return Timeframe(DuePeriod.year(year), matched)
        return Timeframe(DuePeriod.half(year, 1 if part in FIRST_HALF_PARTS else 2), matched)
    return Timeframe(DuePeriod.year(year), matched)


def _number(count):
    count = count.lower()
    return int(count) if count.isdigit() else NUMBER_WORDS[count]


def _year(year, reference):
    year = " ".join(year.lower().split())
    if year.isdigit():
        return int(year)
    if reference is None:
        return None
    return reference.year + (1 if year == "next year" else 0)


def _add(reference, count, unit):
    """``reference`` plus ``count`` units; a month past the end of a shorter month is its last day."""
    if unit == "day":
        return reference + datetime.timedelta(days=count)
    if unit == "week":
        return reference + datetime.timedelta(weeks=count)
    months = count * (12 if unit == "year" else 1)
    month_index = reference.month - 1 + months
    year, month = reference.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(reference.day, calendar.monthrange(year, month)[1]))
