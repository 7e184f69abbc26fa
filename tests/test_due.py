import datetime

import pytest

from meetings.due import DuePeriod


@pytest.mark.parametrize(
    ("code", "end", "shown"),
    [
        ("2015", datetime.date(2015, 12, 31), "2015"),
        ("2015-H1", datetime.date(2015, 6, 30), "H1 2015"),
        ("2015-H2", datetime.date(2015, 12, 31), "H2 2015"),
        ("2016-Q1", datetime.date(2016, 3, 31), "Q1 2016"),
        ("2016-Q3", datetime.date(2016, 9, 30), "Q3 2016"),
        ("2016-02", datetime.date(2016, 2, 29), "Feb 2016"),
        ("2016-03", datetime.date(2016, 3, 31), "Mar 2016"),
        ("2014-08-06", datetime.date(2014, 8, 6), "6 Aug 2014"),
    ],
)
def test_due_codes_read_and_write_back(code, end, shown):
    period = DuePeriod.from_code(code)
    assert period.end == end
    assert str(period) == shown
    assert period.code == code
    assert period.is_aligned


@pytest.mark.parametrize("code", ["2015-H3", "2015-Q5", "2015-13", "15", "2015-02-30", "", None, "H1 2015"])
def test_bad_due_codes_are_explained(code):
    with pytest.raises(ValueError):
        DuePeriod.from_code(code)


def test_period_start_and_containment():
    assert DuePeriod.half(2015, 2).start == datetime.date(2015, 7, 1)
    assert DuePeriod.quarter(2016, 2).start == datetime.date(2016, 4, 1)
    assert DuePeriod.containing("quarter", datetime.date(2016, 5, 17)) == DuePeriod.quarter(2016, 2)
    assert not DuePeriod("month", datetime.date(2016, 3, 30)).is_aligned
