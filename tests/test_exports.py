import csv
import datetime
import io
import xml.etree.ElementTree as ElementTree

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from meetings import calendars, exports, versions
from meetings.models import ActionItem
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

CSV = reverse("meetings:action_export_csv")
XLSX = reverse("meetings:action_export_xlsx")
ICS = reverse("meetings:action_calendar")
FEED = reverse("meetings:action_feed")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def tracker():
    rso = ParticipantFactory(name="Regional Support Office", slug="rso")
    unodc = ParticipantFactory(name="UNODC", slug="unodc")
    late = ActionItemFactory(
        title="Hold the first meeting",
        due_as_published="first half of 2015",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        status="in_progress",
    )
    ActionOwnerFactory(action_item=late, participant=rso)
    ActionOwnerFactory(action_item=late, participant=unodc, role="support")
    ProgressUpdateFactory(action_item=late, percent_complete=40)
    done = ActionItemFactory(
        title="Publish the guide",
        status="completed",
        due_date=datetime.date(2016, 3, 31),
        due_precision="month",
    )
    ActionOwnerFactory(action_item=done, participant=unodc)
    undated = ActionItemFactory(title="Keep talking")
    ActionItemFactory(title="Draft only", outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    return {"late": late, "done": done, "undated": undated}


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def test_csv_has_every_published_action_with_its_facts(client, tracker):
    rows = {row["title"]: row for row in read_csv(client.get(CSV))}

    assert set(rows) == {"Hold the first meeting", "Publish the guide", "Keep talking"}
    late = rows["Hold the first meeting"]
    assert late["status"] == "in_progress"
    assert late["overdue"] == "yes"
    assert late["due"] == "2015-H1"
    assert late["due_label"] == "H1 2015"
    assert late["due_date"] == "2015-06-30"
    assert late["due_as_published"] == "first half of 2015"
    assert late["lead_owners"] == "Regional Support Office"
    assert late["supporting_owners"] == "UNODC"
    assert late["url"] == f"http://testserver/actions/{tracker['late'].pk}/"
    assert rows["Publish the guide"]["due_label"] == "by Mar 2016"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "overdue"}, {"Hold the first meeting"}),
        ({"status": "completed"}, {"Publish the guide"}),
        ({"owner": "unodc"}, {"Hold the first meeting", "Publish the guide"}),
        ({"owner": "rso"}, {"Hold the first meeting"}),
        ({"due_after": "2016-01-01"}, {"Publish the guide"}),
        ({"q": "guide"}, {"Publish the guide"}),
    ],
)
def test_csv_follows_the_page_filters(client, tracker, query, expected):
    assert {row["title"] for row in read_csv(client.get(CSV, query))} == expected
    page = client.get(reverse("meetings:action_list"), query)
    assert {action_item.title for action_item in page.context["object_list"]} == expected


def test_exports_refuse_bad_filters_with_the_reason(client, tracker):
    for url in (CSV, XLSX, ICS):
        response = client.get(url, {"owner": "atlantis", "due_before": "soon"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "owner" in body
        assert "due_before" in body


def test_exports_quote_the_bad_values_they_refuse(client, tracker):
    for url in (CSV, XLSX, ICS):
        body = client.get(url, {"owner": "atlantis", "due_before": "soon"}).content.decode()
        assert body.startswith("Some filters could not be used, so nothing was exported")
        assert "owner=atlantis" in body
        assert "due_before=soon" in body


def test_tracker_page_links_to_exports_with_its_filters(client, tracker):
    page = client.get(reverse("meetings:action_list"), {"owner": "rso", "page": "1", "group": "owner"})

    assert f'href="{CSV}?owner=rso"' in page.content.decode()


def test_xlsx_holds_the_same_rows(client, tracker):
    response = client.get(XLSX, {"owner": "unodc"})

    assert response["Content-Disposition"] == 'attachment; filename="actions.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    titles = {row[header.index("Action")] for row in rows[1:]}
    assert titles == {"Hold the first meeting", "Publish the guide"}
    assert header[:3] == ("ID", "Action", "Status")


def test_workbook_speaks_words_and_dates_with_widths_a_frozen_header_and_a_filter(client, tracker):
    workbook = load_workbook(io.BytesIO(client.get(XLSX, {"owner": "rso"}).content))
    sheet = workbook["Actions"]
    header, late = (row for row in sheet.iter_rows(min_row=1, max_row=2))
    row = {heading.value: cell for heading, cell in zip(header, late, strict=True)}

    assert [cell.font.b for cell in header] == [True] * len(header)
    facts = (row["Status"].value, row["Overdue"].value, row["Deadline"].value)
    assert facts == ("In progress", "Yes", "H1 2015")
    assert row["Due by"].value == datetime.datetime(2015, 6, 30)
    assert row["Due by"].number_format == "d mmm yyyy"
    assert row["Lead owners"].value == "Regional Support Office"
    assert row["Supporting owners"].value == "UNODC"
    assert isinstance(row["Last reported"].value, datetime.datetime)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:P2"
    assert sheet.column_dimensions["B"].width == 60


def test_workbook_says_what_was_filtered_sorted_and_when(client, tracker):
    workbook = load_workbook(io.BytesIO(client.get(XLSX, {"owner": "rso", "status": "overdue"}).content))
    about = {label: value for label, value, *_ in workbook["About"].iter_rows(min_row=2, values_only=True)}

    assert about["Actions"] == 1
    assert (about["Status"], about["Owner"]) == ("Overdue", "Regional Support Office")
    assert about["Order"] == "Most overdue first"
    assert about["The list on the site"] == "http://testserver/actions/?owner=rso&status=overdue"
    assert isinstance(about["Exported (UTC)"], datetime.datetime)
    everything = load_workbook(io.BytesIO(client.get(XLSX).content))["About"]
    assert ("Filters", "None: every published action") in list(everything.iter_rows(values_only=True))


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example")', "+1+2", "-2+3", "@SUM(A1)"])
def test_spreadsheets_show_editor_text_that_starts_like_a_formula_as_text(client, text):
    owner = ParticipantFactory(name=text, slug="formula-owner")
    action_item = ActionItemFactory(
        title=text,
        due_as_published=text,
        outcome=OutcomeFactory(text=text, meeting=MeetingFactory(title=text)),
    )
    ActionOwnerFactory(action_item=action_item, participant=owner)
    columns = ["title", "due_as_published", "lead_owners", "meeting", "outcome"]
    headings = ["Action", "Timeframe as published", "Lead owners", "Meeting", "Outcome"]

    csv_row = read_csv(client.get(CSV))[0]
    rows = list(load_workbook(io.BytesIO(client.get(XLSX).content))["Actions"].iter_rows(values_only=True))
    xlsx_row = dict(zip(rows[0], rows[1], strict=True))
    # The words of a filter are the reader's own text, written into the About sheet.
    searched = load_workbook(io.BytesIO(client.get(XLSX, {"q": text}).content))
    about = dict(row[:2] for row in searched["About"].iter_rows(min_row=2, values_only=True))

    assert [csv_row[column] for column in columns] == [f"'{text}"] * len(columns)
    assert [xlsx_row[heading] for heading in headings] == [f"'{text}"] * len(headings)
    assert about["Words"] == f"'{text}"
    assert csv_row["due_date"] == "" and csv_row["url"].startswith("http://")


def test_calendar_has_deadlines_as_all_day_events_and_actions_as_todos(client, tracker):
    response = client.get(ICS)

    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    todos = {str(todo["summary"]): todo for todo in calendar.walk("VTODO")}
    assert set(events) == {"Due: Hold the first meeting", "Due: Publish the guide"}
    assert set(todos) == {"Hold the first meeting", "Publish the guide", "Keep talking"}
    late_event = events["Due: Hold the first meeting"]
    assert late_event.decoded("dtstart") == datetime.date(2015, 6, 30)
    assert late_event.decoded("dtend") == datetime.date(2015, 7, 1)
    late_todo = todos["Hold the first meeting"]
    assert str(late_todo["status"]) == "IN-PROCESS"
    assert int(late_todo["percent-complete"]) == 40
    assert str(late_todo["url"]) == f"http://testserver/actions/{tracker['late'].pk}/"
    assert str(late_todo["uid"]) == f"action-{tracker['late'].pk}@balitracker"
    assert str(todos["Publish the guide"]["status"]) == "COMPLETED"
    assert int(todos["Publish the guide"]["percent-complete"]) == 100
    assert str(todos["Keep talking"]["status"]) == "NEEDS-ACTION"
    assert "due" not in todos["Keep talking"]


def test_calendar_uids_are_stable_between_downloads(client, tracker):
    def uids():
        calendar = icalendar.Calendar.from_ical(client.get(ICS).content)
        return sorted(str(component["uid"]) for component in calendar.walk() if "uid" in component)

    first = uids()
    tracker["undated"].change_status("in_progress", by=None)
    assert uids() == first


def test_calendar_entries_carry_sequence_and_last_modified_so_an_edited_deadline_updates(client, tracker):
    def entries():
        calendar = icalendar.Calendar.from_ical(client.get(ICS).content)
        return {str(entry["uid"]): entry for entry in calendar.walk() if entry.name in ("VEVENT", "VTODO")}

    before = entries()
    assert all("sequence" in entry and "last-modified" in entry for entry in before.values())
    late = tracker["late"]
    ActionItem.objects.filter(pk=late.pk).update(
        due_date=datetime.date(2015, 12, 31), updated_at=late.updated_at + datetime.timedelta(minutes=5)
    )
    versions.bump()  # update() sends no signal; a save through the admin moves the version itself

    after = entries()
    for uid in (f"action-{late.pk}-due@balitracker", f"action-{late.pk}@balitracker"):
        assert int(after[uid]["sequence"]) > int(before[uid]["sequence"])
        assert after[uid].decoded("last-modified") > before[uid].decoded("last-modified")
    assert after[f"action-{late.pk}-due@balitracker"].decoded("dtstart") == datetime.date(2015, 12, 31)


def test_calendar_keeps_the_latest_due_actions_and_says_how_many_it_left_out(client, tracker, monkeypatch):
    monkeypatch.setattr(calendars, "MAX_EVENTS", 1)
    calendar = icalendar.Calendar.from_ical(client.get(ICS).content)
    assert [str(todo["summary"]) for todo in calendar.walk("VTODO")] == ["Publish the guide"]
    note = str(calendar["X-WR-CALDESC"])
    assert note.startswith("This calendar holds the 1 latest of the 3 actions that meet its filters.")
    assert "http://testserver/api/actions/" in note
    whole = icalendar.Calendar.from_ical(client.get(ICS, {"owner": "rso"}).content)
    assert "X-WR-CALDESC" not in whole
    assert [str(todo["summary"]) for todo in whole.walk("VTODO")] == ["Hold the first meeting"]


def test_calendar_follows_the_filters(client, tracker):
    calendar = icalendar.Calendar.from_ical(client.get(ICS, {"status": "completed"}).content)

    assert [str(todo["summary"]) for todo in calendar.walk("VTODO")] == ["Publish the guide"]


def test_progress_feed_lists_updates_of_published_actions_newest_first(client, tracker):
    ProgressUpdateFactory(
        action_item=tracker["done"], date=datetime.date(2016, 3, 30), status="completed", note="Done."
    )
    draft_action = ActionItemFactory(outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)))
    ProgressUpdateFactory(action_item=draft_action, note="Not public.")

    response = client.get(FEED)

    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Publish the guide: Completed",
        "Hold the first meeting: In progress",
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.startswith(f"http://testserver/actions/{tracker['done'].pk}/#update-")
    assert "Done." in entries[0].findtext(f"{ATOM}summary")
    assert b"Not public." not in response.content


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [CSV, XLSX, ICS, FEED])
def test_export_queries_do_not_grow_with_the_number_of_actions(client, url):
    def add(count):
        for _ in range(count):
            action_item = ActionItemFactory(due_date=datetime.date(2015, 6, 30), due_precision="half")
            ActionOwnerFactory(action_item=action_item)
            ProgressUpdateFactory(action_item=action_item, meeting=action_item.outcome.meeting)

    add(3)
    few = _queries(client, url)
    add(30)
    assert _queries(client, url) == few


def test_progress_feed_takes_the_tracker_filters(client, tracker):
    ProgressUpdateFactory(action_item=tracker["done"], status="completed", note="Guide published.")
    response = client.get(f"{FEED}?owner=rso")
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert titles and all(title.startswith("Hold the first meeting") for title in titles)
    everything = ElementTree.fromstring(client.get(FEED).content)
    assert len(everything.findall(f"{ATOM}entry")) > len(titles)


def test_progress_feed_answers_a_bad_filter_with_400(client):
    response = client.get(f"{FEED}?owner=nobody")
    assert response.status_code == 400
    assert "owner=nobody" in response.content.decode()


def test_csv_is_streamed_a_chunk_of_rows_at_a_time(client, tracker):
    response = client.get(CSV)
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="actions.csv"'


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_an_export_larger_than_a_file_holds_is_refused_with_how_to_narrow_it(
    client, tracker, monkeypatch, url
):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode().startswith(
        "More than 2 actions meet these filters; one file holds at most 2."
    )
    assert client.get(url, {"owner": "rso"}).status_code == 200
