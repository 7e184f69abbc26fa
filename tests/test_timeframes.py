import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from meetings.due import DuePeriod
from meetings.models import ActionItem
from meetings.timeframes import parse_timeframe
from tests.admin_forms import page_version
from tests.factories import ActionItemFactory, MeetingFactory, MeetingTypeFactory, OutcomeFactory

MEETING_DAY = datetime.date(2014, 8, 6)


@pytest.mark.parametrize(
    ("words", "period", "matched"),
    [
        ("first half of 2015", DuePeriod.half(2015, 1), "first half of 2015"),
        ("First Half of 2015", DuePeriod.half(2015, 1), "First Half of 2015"),
        ("in the first half of 2015 (to be confirmed)", DuePeriod.half(2015, 1), "first half of 2015"),
        ("second half 2015", DuePeriod.half(2015, 2), "second half 2015"),
        ("2nd half of the 2015", DuePeriod.half(2015, 2), "2nd half of the 2015"),
        ("H1 2015", DuePeriod.half(2015, 1), "H1 2015"),
        ("h2 2015", DuePeriod.half(2015, 2), "h2 2015"),
        ("2015-H2", DuePeriod.half(2015, 2), "2015-H2"),
        ("early 2020", DuePeriod.half(2020, 1), "early 2020"),
        ("by early 2020", DuePeriod.half(2020, 1), "by early 2020"),
        ("late 2015", DuePeriod.half(2015, 2), "late 2015"),
        ("end of 2015", DuePeriod.half(2015, 2), "end of 2015"),
        ("towards the end of 2015", DuePeriod.half(2015, 2), "towards the end of 2015"),
        ("mid-2016", DuePeriod.half(2016, 1), "mid-2016"),
        ("mid 2016", DuePeriod.half(2016, 1), "mid 2016"),
        ("mid–2016", DuePeriod.half(2016, 1), "mid-2016"),
        ("Q3 2016", DuePeriod.quarter(2016, 3), "Q3 2016"),
        ("2016 Q1", DuePeriod.quarter(2016, 1), "2016 Q1"),
        ("third quarter of 2016", DuePeriod.quarter(2016, 3), "third quarter of 2016"),
        ("the fourth quarter of 2016", DuePeriod.quarter(2016, 4), "fourth quarter of 2016"),
        ("by March 2016", DuePeriod.month(2016, 3), "by March 2016"),
        ("March 2016", DuePeriod.month(2016, 3), "March 2016"),
        ("Sept 2016", DuePeriod.month(2016, 9), "Sept 2016"),
        ("end of February 2016", DuePeriod.month(2016, 2), "February 2016"),
        ("by 31 March 2016", DuePeriod.day(datetime.date(2016, 3, 31)), "by 31 March 2016"),
        ("1st April 2016", DuePeriod.day(datetime.date(2016, 4, 1)), "1st April 2016"),
        ("March 31, 2016", DuePeriod.day(datetime.date(2016, 3, 31)), "March 31, 2016"),
        ("2016-03-31", DuePeriod.day(datetime.date(2016, 3, 31)), "2016-03-31"),
        ("2016", DuePeriod.year(2016), "2016"),
        ("during 2016", DuePeriod.year(2016), "during 2016"),
        ("by end of 2016", DuePeriod.year(2016), "by end of 2016"),
        ("by the end of 2016", DuePeriod.year(2016), "by the end of 2016"),
    ],
)
def test_absolute_timeframes_give_their_period(words, period, matched):
    timeframe = parse_timeframe(words)

    assert timeframe.period == period
    assert timeframe.matched == matched
    assert timeframe.next_meeting_of == ""


def test_periods_show_the_way_people_say_them():
    assert str(parse_timeframe("first half of 2015").period) == "H1 2015"
    assert str(parse_timeframe("by March 2016").period) == "Mar 2016"
    assert str(parse_timeframe("third quarter of 2016").period) == "Q3 2016"


@pytest.mark.parametrize(
    ("words", "due"),
    [
        ("within 12 months", datetime.date(2015, 8, 6)),
        ("within twelve months", datetime.date(2015, 8, 6)),
        ("within six months", datetime.date(2015, 2, 6)),
        ("within a year", datetime.date(2015, 8, 6)),
        ("within 90 days", datetime.date(2014, 11, 4)),
        ("within two weeks", datetime.date(2014, 8, 20)),
    ],
)
def test_within_counts_from_the_meeting_date(words, due):
    timeframe = parse_timeframe(words, reference=MEETING_DAY)

    assert timeframe.period == DuePeriod.day(due)
    assert timeframe.matched == words


def test_within_months_ends_on_the_last_day_of_a_shorter_month():
    timeframe = parse_timeframe("within six months", reference=datetime.date(2014, 8, 31))

    assert timeframe.period.end == datetime.date(2015, 2, 28)


def test_next_year_is_the_year_after_the_meeting():
    assert parse_timeframe("next year", reference=MEETING_DAY).period == DuePeriod.year(2015)
    assert parse_timeframe("first half of next year", reference=MEETING_DAY).period == DuePeriod.half(2015, 1)


def test_relative_words_without_a_reference_date_are_understood_but_undated():
    timeframe = parse_timeframe("within 12 months")

    assert timeframe.period is None
    assert timeframe.understood


def test_before_the_next_meeting_names_the_meeting_type_and_no_date():
    timeframe = parse_timeframe("before the next Ministerial Conference", reference=MEETING_DAY)

    assert timeframe.period is None
    assert timeframe.next_meeting_of == "Ministerial Conference"
    assert timeframe.matched == "before the next Ministerial Conference"


def test_at_the_next_meeting_of_a_body_names_the_body():
    timeframe = parse_timeframe("to be reported at the next meeting of the Ad Hoc Group.")

    assert timeframe.next_meeting_of == "Ad Hoc Group"


@pytest.mark.parametrize("words", ["ongoing", "Ongoing", "on-going", "as soon as possible", "ASAP"])
def test_open_ended_words_give_no_period(words):
    timeframe = parse_timeframe(words, reference=MEETING_DAY)

    assert timeframe.period is None
    assert timeframe.understood
    assert timeframe.next_meeting_of == ""


@pytest.mark.parametrize("words", ["", "when resources allow", "31 February 2016", "2016-02-30"])
def test_words_that_give_no_date_are_not_guessed(words):
    timeframe = parse_timeframe(words)

    assert timeframe.period is None
    assert not timeframe.understood


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("words", "last_day"),
    [
        ("first half of 2015", datetime.date(2015, 6, 30)),
        ("late 2015", datetime.date(2015, 12, 31)),
        ("Q3 2016", datetime.date(2016, 9, 30)),
        ("by March 2016", datetime.date(2016, 3, 31)),
        ("by 31 March 2016", datetime.date(2016, 3, 31)),
        ("2016", datetime.date(2016, 12, 31)),
    ],
)
def test_action_is_overdue_from_the_day_after_its_period_ends(words, last_day):
    period = parse_timeframe(words).period
    action_item = ActionItemFactory(due_date=period.end, due_precision=period.precision)

    assert period.end == last_day
    assert action_item not in ActionItem.objects.overdue(today=last_day)
    assert not action_item.is_overdue(today=last_day)
    day_after = last_day + datetime.timedelta(days=1)
    assert action_item in ActionItem.objects.overdue(today=day_after)
    assert action_item.is_overdue(today=day_after)


@pytest.mark.django_db
def test_fill_due_from_words_uses_the_meeting_date_and_keeps_an_explicit_date():
    action_item = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(start_date=MEETING_DAY)),
        due_as_published="within a year",
    )

    action_item.fill_due_from_words()
    assert action_item.due_date == datetime.date(2015, 8, 6)
    assert action_item.due_precision == "day"

    action_item.due_as_published = "late 2030"
    assert action_item.fill_due_from_words() is None
    assert action_item.due_date == datetime.date(2015, 8, 6)


@pytest.mark.django_db
def test_fill_due_from_words_finds_the_meeting_type_of_the_next_meeting():
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    action_item = ActionItemFactory(due_as_published="before the next Ministerial Conference")

    timeframe = action_item.fill_due_from_words()

    assert timeframe.next_meeting_of == "Ministerial Conference"
    assert action_item.due_at_next == ministerial
    assert action_item.due_date is None


def _action_form_data(client, action_item, **changes):
    data = {
        "version": page_version(client, action_item),
        "outcome": action_item.outcome_id,
        "position": 0,
        "title": action_item.title,
        "description": "",
        "due_as_published": "",
        "due_date": "",
        "due_precision": "",
        "status": action_item.status,
        "ownerships-TOTAL_FORMS": 0,
        "ownerships-INITIAL_FORMS": 0,
        "progress_updates-TOTAL_FORMS": 0,
        "progress_updates-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_admin_derives_the_due_date_and_tells_the_editor(editor_client):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    response = editor_client.post(
        url, _action_form_data(editor_client, action_item, due_as_published="first half of 2015")
    )

    assert response.status_code == 302
    action_item.refresh_from_db()
    assert action_item.due_date == datetime.date(2015, 6, 30)
    assert action_item.due_precision == "half"
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("H1 2015" in message and "30 June 2015" in message for message in shown)


@pytest.mark.django_db
def test_admin_never_overwrites_an_explicit_due_date(editor_client):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    editor_client.post(
        url,
        _action_form_data(
            editor_client,
            action_item,
            due_as_published="first half of 2015",
            due_date="2015-09-30",
            due_precision="quarter",
        ),
    )

    action_item.refresh_from_db()
    assert action_item.due_date == datetime.date(2015, 9, 30)
    assert action_item.due_precision == "quarter"


@pytest.mark.django_db
def test_admin_warns_when_the_timeframe_is_not_understood(editor_client):
    action_item = ActionItemFactory()
    url = reverse("admin:meetings_actionitem_change", args=[action_item.pk])

    response = editor_client.post(
        url, _action_form_data(editor_client, action_item, due_as_published="when funds allow")
    )

    action_item.refresh_from_db()
    assert action_item.due_date is None
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("not understood" in message for message in shown)


@pytest.mark.django_db
def test_outcome_inline_derives_due_dates_from_the_meeting_date(editor_client):
    outcome = OutcomeFactory(meeting=MeetingFactory(start_date=MEETING_DAY))
    url = reverse("admin:meetings_outcome_change", args=[outcome.pk])
    data = {
        "version": page_version(editor_client, outcome),
        "meeting": outcome.meeting_id,
        "position": outcome.position,
        "kind": outcome.kind,
        "text": outcome.text,
        "addressed_to": "",
        "action_items-TOTAL_FORMS": 1,
        "action_items-INITIAL_FORMS": 0,
        "action_items-0-position": 1,
        "action_items-0-status": "not_started",
        "action_items-0-title": "Hold the first meeting",
        "action_items-0-due_as_published": "within six months",
        "action_items-0-due_date": "",
        "action_items-0-due_precision": "",
    }

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    action_item = outcome.action_items.get()
    assert action_item.due_date == datetime.date(2015, 2, 6)
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("6 February 2015" in message for message in shown)
