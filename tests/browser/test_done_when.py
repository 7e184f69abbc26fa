"""The tracker issue's "Done when": five tasks walked as a reader does them, by clicking from the home
page, at 1280 and 360 px, axe clean and screenshotted at each step, on the demo record and on a
generated archive.

The archive is the demo record with ``ARCHIVE_MEETINGS`` generated meetings on top: enough for
Indonesia to own dozens of overdue actions, Canada to have observed more meetings than a page lists,
and ministerial conferences to be many, so that each task has to find its answer among others. Its
expectations are read from the database, not written down: what the generator makes depends on the
day it runs (the thirty years it spreads meetings over end today).

Screenshots go to test-artifacts/screenshots/done-when-<record>-<step>-<width>.png.
"""

import datetime
import io
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from django.core.management import call_command
from django.db import connection
from openpyxl import load_workbook

from meetings.models import ActionItem, AttendanceRole, Meeting

from .conftest import OVERFLOWING_ELEMENTS

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

# About 30 rows each (attendance, outcomes, actions, owners, updates): a few seconds to generate.
ARCHIVE_MEETINGS = 200
CITATION = "Eighth Meeting of the Ad Hoc Group Senior Officials, Canberra, 6 August 2014, outcome 4"
BANGKOK_WORKSHOP = "Bali Process Ad Hoc Group Workshop on Immigration Border Operations Analysis"


@pytest.fixture(scope="session")
def archive_copies():
    """The generated archive, kept once made: a copy of the whole SQLite test database, by name."""
    copies = {}
    yield copies
    for copy in copies.values():
        copy.close()


@pytest.fixture(params=["demo", "archive"])
def record(request, site, archive_copies):
    """Which record is walked: the demo record alone, or with a generated archive on top of it.

    Generating the archive is most of an archive test's time (half a minute on a busy machine), and
    every test begins on an emptied database: on SQLite the first test keeps a copy of the database
    it generated (sqlite3's backup) and the others copy it back, in a fraction of a second.
    """
    if request.param == "archive":
        if connection.vendor != "sqlite":
            call_command("generate_records", meetings=ARCHIVE_MEETINGS, seed=1, stdout=io.StringIO())
            return request.param
        connection.ensure_connection()
        if "archive" in archive_copies:
            archive_copies["archive"].backup(connection.connection)
        else:
            call_command("generate_records", meetings=ARCHIVE_MEETINGS, seed=1, stdout=io.StringIO())
            archive_copies["archive"] = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(archive_copies["archive"])
    return request.param


@pytest.fixture
def readers(page, phone_page):
    """The same reader on a wide screen and on a phone."""
    return [page, phone_page]


@pytest.fixture
def looked_at(record, screenshot, axe_violations):
    """Save a screenshot of the step, then check it fits the screen and is axe clean."""

    def check(reader, step):
        screenshot(reader, f"done-when-{record}-{step}")
        width = reader.viewport_size["width"]
        scroll_width = reader.evaluate("document.documentElement.scrollWidth")
        overflowing = reader.evaluate(OVERFLOWING_ELEMENTS) if scroll_width > width else []
        assert scroll_width <= width, f"{step} is {scroll_width} px wide at {width} px: {overflowing}"
        violations = axe_violations(reader)
        assert not violations, f"axe-core found serious or critical violations at {step}:\n{violations}"

    return check


# The text of the tracker's table that spills out of its cell into the next column, if any.
SPILLING_CELLS = """
() => {
  const found = [];
  for (const cell of document.querySelectorAll("table.tracker-table tbody :is(th, td)")) {
    const right = cell.getBoundingClientRect().right;
    for (const element of cell.querySelectorAll("*")) {
      if (element.getBoundingClientRect().right > right + 1) {
        found.push(`${cell.dataset.label || "Action"}: ${element.textContent.trim().slice(0, 40)}`);
      }
    }
  }
  return found.slice(0, 10);
}
"""


def open_filters(reader):
    """Unfold the filter form, as a phone's reader must: beside the results it is always open."""
    summary = reader.locator("details.filter-panel > summary")
    if not reader.locator("details.filter-panel form").is_visible():
        summary.click()


def test_reader_finds_indonesias_overdue_actions_most_overdue_first_and_downloads_them_as_a_workbook(
    record, site, readers, looked_at
):
    from playwright.sync_api import expect

    overdue = ActionItem.objects.published().overdue().filter(owners__slug="indonesia")
    expected = set(overdue.values_list("pk", flat=True))
    most_overdue = overdue.order_by("due_date").values_list("due_date", flat=True).first()
    assert expected, "the record gives Indonesia overdue actions to find"

    for reader in readers:
        reader.goto(site + "/")
        tracker = reader.locator("section[aria-labelledby='tracker-heading']")
        tracker.get_by_role("link", name=re.compile("Overdue")).click()
        expect(reader).to_have_url(re.compile(r"/actions/\?status=overdue$"))

        open_filters(reader)
        reader.get_by_label("Owner", exact=True).select_option(label="Indonesia")
        reader.get_by_role("button", name="Apply filters").click()
        expect(reader).to_have_url(re.compile(r"owner=indonesia"))
        if reader.locator("table.tracker-table thead").bounding_box()["height"] > 1:
            # Beside the table, its column heading sorts it.
            reader.get_by_role("link", name="Overdue by / due in").click()
        else:
            # On a phone the rows are cards with no headings to click: the form sorts.
            open_filters(reader)
            reader.get_by_label("Sort by").select_option(label="Most overdue first")
            reader.get_by_role("button", name="Apply filters").click()
        expect(reader).to_have_url(re.compile(r"sort=overdue"))

        listed = reader.locator(".tracker-toolbar [role=status]")
        expect(listed).to_contain_text(f"{len(expected)} action")
        expect(listed).to_contain_text("most overdue first")
        rows = reader.locator("table.tracker-table tbody tr")
        expect(rows.first).to_contain_text("Overdue by")
        for owners in rows.locator("td[data-label='Owners']").all_inner_texts():
            assert "Indonesia" in owners
        due_dates = [
            datetime.date.fromisoformat(day)
            for day in rows.locator("td[data-label='Overdue by / due in'] time").evaluate_all(
                "times => times.map(time => time.getAttribute('datetime'))"
            )
        ]
        assert len(due_dates) == rows.count(), "every row says how long it is overdue"
        assert due_dates[0] == most_overdue, "the first row is the most overdue of the whole list"
        assert due_dates == sorted(due_dates), "each row is overdue by no more than the one above"
        assert not reader.evaluate(SPILLING_CELLS), "every deadline, date and badge fits its column"
        looked_at(reader, "overdue-1-tracker")

        with reader.expect_download() as download:
            reader.locator(".tracker-exports").get_by_role("link", name="Excel").click()
        workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert workbook.sheetnames == ["Actions", "About"]
        headings, *actions = workbook["Actions"].iter_rows(values_only=True)
        column = {heading: index for index, heading in enumerate(headings)}
        assert {action[column["ID"]] for action in actions} == expected
        assert len(actions) == len(expected)
        for action in actions:
            assert action[column["Overdue"]] == "Yes"
            owners = f"{action[column['Lead owners']]}; {action[column['Supporting owners']]}"
            assert "Indonesia" in owners.split("; ")
        assert actions[0][column["Due by"]].date() == most_overdue
        about = dict(row[:2] for row in workbook["About"].iter_rows(min_row=3, values_only=True))
        assert about["Actions"] == len(expected)
        assert about["Owner"] == "Indonesia"
        assert about["Status"] == "Overdue"
        assert about["Order"] == "Most overdue first"


def test_reader_finds_what_was_decided_about_the_working_group_on_trafficking_and_cites_it(
    record, site, readers, looked_at
):
    from playwright.sync_api import expect

    for reader in readers:
        reader.goto(site + "/")
        reader.get_by_role("navigation", name="Main").get_by_role("link", name="Participants").click()
        open_filters(reader)
        reader.get_by_label("Name").fill("trafficking in persons")
        reader.get_by_role("button", name="Apply filters").click()
        reader.locator("main").get_by_role("link", name="Working Group on Trafficking in Persons").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Working Group on Trafficking in Persons")

        decisions = reader.locator("section[aria-labelledby='decisions-heading']")
        expect(decisions).to_contain_text("Members endorsed draft terms of reference")
        looked_at(reader, "decision-1-working-group")

        decisions.get_by_role("link", name=CITATION).click()
        expect(reader).to_have_url(re.compile(r"/outcomes/\d+/$"))
        expect(reader.get_by_role("heading", level=1)).to_contain_text("Outcome 4")
        expect(reader.locator("main")).to_contain_text("Decision")
        cite = reader.get_by_role("region", name="Cite this outcome")
        expect(cite.get_by_label("Citation")).to_have_value(f"{CITATION}. {reader.url}")
        expect(cite.get_by_label("Permanent link")).to_have_value(reader.url)
        looked_at(reader, "decision-2-outcome")


def test_reader_lists_every_meeting_canada_attended_as_an_observer(record, site, readers, looked_at):
    from playwright.sync_api import expect

    observed = Meeting.objects.published().filter(
        attendances__participant__slug="canada", attendances__role=AttendanceRole.OBSERVER
    )
    expected = {meeting.get_absolute_url() for meeting in observed}
    assert expected, "the record has meetings Canada observed"

    for reader in readers:
        reader.goto(site + "/")
        reader.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
        open_filters(reader)
        reader.get_by_label("Participant").select_option(label="Canada")
        reader.get_by_label("Attended as").select_option(label="Observer")
        reader.get_by_role("button", name="Apply filters").click()
        expect(reader).to_have_url(re.compile(r"participant=canada&role=observer"))
        expect(reader.locator("main .result-summary [role=status]")).to_contain_text(
            f"{len(expected)} meeting"
        )
        looked_at(reader, "observer-1-meetings")

        listed = []
        while True:
            listed += reader.locator("main .item-list__title a").evaluate_all(
                "links => links.map(link => link.getAttribute('href'))"
            )
            following = reader.get_by_role("navigation", name="Pagination").locator("a[rel=next]")
            if not following.count():
                break
            following.click()
            # The filters survive paging.
            expect(reader).to_have_url(re.compile(r"participant=canada&role=observer&.*page=\d+$"))
        assert len(listed) == len(set(listed)), "no meeting is listed twice across the pages"
        assert set(listed) == expected

        reader.locator("main .item-list__title a").first.click()
        observers = reader.locator(".attendance-group").filter(
            has=reader.get_by_role("heading", name=re.compile("^Observers"))
        )
        expect(observers.get_by_role("link", name="Canada", exact=True)).to_be_visible()
        looked_at(reader, "observer-2-meeting")


def test_reader_subscribes_to_a_calendar_of_ministerial_conferences(record, site, readers, looked_at):
    from playwright.sync_api import expect

    conferences = Meeting.objects.published().filter(
        meeting_type__slug="ministerial-conference", start_date__isnull=False
    )
    expected = set(conferences.values_list("title", flat=True))
    assert expected, "the record has ministerial conferences to subscribe to"

    for reader in readers:
        # As the site is served: over HTTPS, through a proxy that says so.
        reader.set_extra_http_headers({"X-Forwarded-Proto": "https"})
        reader.goto(site + "/")
        reader.get_by_role("contentinfo").get_by_role("link", name="Open data").click()
        expect(reader).to_have_url(re.compile(r"/open-data/$"))
        reader.get_by_role("navigation", name="On this page").get_by_role("link", name="Calendars").click()
        calendar = reader.locator(".subscription").filter(has_text="Ministerial Conferences")
        host = urlsplit(site).netloc
        address = f"{host}/calendar.ics?type=ministerial-conference"
        expect(calendar.get_by_role("link", name=re.compile("^Subscribe"))).to_have_attribute(
            "href", f"webcal://{address}"
        )
        expect(calendar.get_by_role("textbox")).to_have_value(f"https://{address}")
        reader.get_by_text("How to subscribe in your calendar app").click()
        expect(reader.get_by_text("From URL", exact=False)).to_be_visible()
        looked_at(reader, "calendar-1-open-data")

        # What a calendar app fetches from that address (here over the live server's plain HTTP).
        answer = reader.request.get(f"{site}/calendar.ics?type=ministerial-conference")
        assert answer.ok and answer.headers["content-type"].startswith("text/calendar")
        subscribed = icalendar.Calendar.from_ical(answer.body())
        assert subscribed["X-WR-CALNAME"] == "Bali Process meetings · Meeting type: Ministerial Conference"
        events = subscribed.walk("VEVENT")
        assert {str(event["SUMMARY"]) for event in events} == expected
        assert len(events) == len(expected)
        assert {event["CATEGORIES"].to_ical().decode() for event in events} == {"Ministerial Conference"}


def test_reader_searches_for_canada_and_for_the_bangkok_workshop_of_2014(record, site, readers, looked_at):
    from playwright.sync_api import expect

    for reader in readers:
        reader.goto(site + "/")
        reader.get_by_role("searchbox", name="Search the record").fill("canada")
        reader.get_by_role("searchbox", name="Search the record").press("Enter")
        expect(reader).to_have_url(re.compile(r"/search/\?q=canada$"))
        participants = reader.locator("main section#participants")
        expect(participants.get_by_role("link", name="Canada", exact=True)).to_have_attribute(
            "href", "/participants/canada/"
        )
        expect(reader.locator("main section#meetings li").first).to_contain_text(
            re.compile("attended by Canada", re.IGNORECASE)
        )
        looked_at(reader, "search-1-canada")

        search = reader.locator("main").get_by_role("searchbox")
        search.fill("bangkok workshop 2014")
        search.press("Enter")
        expect(reader).to_have_url(re.compile(r"/search/\?q=bangkok\+workshop\+2014$"))
        meetings = reader.locator("main section#meetings ol > li")
        expect(meetings.get_by_role("link", name=BANGKOK_WORKSHOP)).to_be_visible()
        for found in meetings.locator(".item-list__meta").all():
            kind, when, place = found.locator(":scope > span").all_inner_texts()[:3]
            assert kind == "Workshop" and when.endswith("2014") and place.startswith("Bangkok")
        looked_at(reader, "search-2-bangkok-workshop")
