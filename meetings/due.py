"""Due periods: a deadline kept as the last day of a year, half, quarter, month or day.

An action due "first half of 2015" is due by 30 June 2015 with the precision "half". Keeping the
period's last day makes overdue a plain comparison in the database (``due_date < today``), while
the precision says how to show it ("H1 2015") and how to write it in the records format
("2015-H1").
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class DuePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


CODE_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:H(?P<half>[12])|Q(?P<quarter>[1-4])|(?P<month>\d{2})(?:-(?P<day>\d{2}))?))?$"
)


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class DuePeriod:
    """A period an action is due in, known by its precision and its last day."""

    precision: str
    end: datetime.date

    @classmethod
    def year(cls, year):
        return cls(DuePrecision.YEAR, datetime.date(year, 12, 31))

    @classmethod
    def half(cls, year, half):
        return cls(DuePrecision.HALF, _month_end(year, 6 * half))

    @classmethod
    def quarter(cls, year, quarter):
        return cls(DuePrecision.QUARTER, _month_end(year, 3 * quarter))

    @classmethod
    def month(cls, year, month):
        return cls(DuePrecision.MONTH, _month_end(year, month))

    @classmethod
    def day(cls, date):
        return cls(DuePrecision.DAY, date)

    @classmethod
    def from_code(cls, code):
        """Read the records format's ``YYYY``, ``YYYY-H1``, ``YYYY-Q3``, ``YYYY-MM``, ``YYYY-MM-DD``.

        Raises ValueError with a readable message for anything else.
        """
        match = CODE_PATTERN.match(code or "")
        if not match:
            raise ValueError(
                f"'{code}' is not a due period: use YYYY, YYYY-H1, YYYY-Q1 to Q4, YYYY-MM or YYYY-MM-DD"
            )
        year = int(match["year"])
        if match["half"]:
            return cls.half(year, int(match["half"]))
        if match["quarter"]:
            return cls.quarter(year, int(match["quarter"]))
        if match["day"]:
            return cls.day(datetime.date.fromisoformat(code))
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise ValueError(f"'{code}' has no month {month}")
            return cls.month(year, month)
        return cls.year(year)

    @classmethod
    def containing(cls, precision, date):
        """The period of ``precision`` that ``date`` falls in."""
        if precision == DuePrecision.DAY:
            return cls.day(date)
        if precision == DuePrecision.MONTH:
            return cls.month(date.year, date.month)
        if precision == DuePrecision.QUARTER:
            return cls.quarter(date.year, (date.month - 1) // 3 + 1)
        if precision == DuePrecision.HALF:
            return cls.half(date.year, 1 if date.month <= 6 else 2)
        return cls.year(date.year)

    @property
    def start(self):
        end = self.end
        if self.precision == DuePrecision.DAY:
            return end
        if self.precision == DuePrecision.MONTH:
            return end.replace(day=1)
        if self.precision == DuePrecision.QUARTER:
            return datetime.date(end.year, end.month - 2, 1)
        if self.precision == DuePrecision.HALF:
            return datetime.date(end.year, end.month - 5, 1)
        return datetime.date(end.year, 1, 1)

    @property
    def is_aligned(self):
        """Whether ``end`` really is the last day of a period of this precision."""
        return DuePeriod.containing(self.precision, self.end) == self

    @property
    def code(self):
        end = self.end
        if self.precision == DuePrecision.DAY:
            return end.isoformat()
        if self.precision == DuePrecision.MONTH:
            return f"{end.year}-{end.month:02d}"
        if self.precision == DuePrecision.QUARTER:
            return f"{end.year}-Q{end.month // 3}"
        if self.precision == DuePrecision.HALF:
            return f"{end.year}-H{end.month // 6}"
        return str(end.year)

    def __str__(self):
        """The period as people say it: "H1 2015", "Q3 2016", "Mar 2016", "6 Aug 2014", "2015"."""
        end = self.end
        if self.precision == DuePrecision.DAY:
            return f"{end.day} {end:%b %Y}"
        if self.precision == DuePrecision.MONTH:
            return f"{end:%b %Y}"
        if self.precision == DuePrecision.QUARTER:
            return f"Q{end.month // 3} {end.year}"
        if self.precision == DuePrecision.HALF:
            return f"H{end.month // 6} {end.year}"
        return str(end.year)
