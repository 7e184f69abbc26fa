"""The admin's records export in a real browser, when the record is more than one download holds.

The limit is set low (``MAX_EXPORT_MEETINGS``) and meetings are spread over years so that one year
has too many for a download (its file is prepared by the task worker instead), others can be
downloaded, and some meetings have no date yet.
"""

import datetime
import json
import re
from pathlib import Path

import pytest

from meetings.models import MeetingType
from meetings.records import views as records_views
from tests.factories import MeetingFactory

from .conftest import DESKTOP, PHONE, check_page

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

LIMIT = 5
# Meetings added to the demo record's three of 2014, by year (None: no date yet).
MEETINGS_BY_YEAR = {2016: 3, 2015: LIMIT + 1, 2013: 1, None: 2}


@pytest.fixture
def large_record(site, monkeypatch):
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", LIMIT)
    meeting_type = MeetingType.objects.order_by("pk").first()
    for year, count in MEETINGS_BY_YEAR.items():
        for number in range(count):
            MeetingFactory(
                meeting_type=meeting_type,
                start_date=datetime.date(year, 1 + number, 10) if year else None,
            )


def test_editor_exports_a_large_record_year_by_year(
    large_record, site, editor_page, screenshot, axe_violations
):
    from playwright.sync_api import expect

    page = editor_page(DESKTOP)
    page.goto(site + "/admin/meetings/meeting/")
    page.locator(".object-tools").get_by_role("link", name="Export records").click()
    page.wait_for_url(re.compile(r"/admin/records/export/$"))

    content = page.locator("#content")
    expect(content.get_by_role("heading", level=1)).to_have_text("Export records")
    expect(content).to_contain_text("The record holds 15 meetings.")
    years = content.get_by_role("table", name="Meetings by year")
    expect(years.locator("tbody tr")).to_have_count(4)
    expect(
        years.get_by_role("row", name=re.compile("^2015")).get_by_role(
            "button", name="Prepare the file of 2015"
        )
    ).to_be_visible()
    expect(content).to_contain_text("2 meetings have no date yet")
    check_page(page, screenshot, axe_violations, "admin-export-by-year")

    with page.expect_download() as download:
        years.get_by_role("link", name="Records of 2016").click()
    saved = download.value
    assert re.fullmatch(r"balitracker-records-2016-\d{4}-\d\d-\d\d\.json", saved.suggested_filename)
    records = json.loads(Path(saved.path()).read_text(encoding="utf-8"))
    assert len(records["meetings"]) == MEETINGS_BY_YEAR[2016]


def test_export_page_fits_a_phone(large_record, site, editor_page, screenshot, axe_violations):
    page = editor_page(PHONE)
    page.goto(site + "/admin/records/export/")
    check_page(page, screenshot, axe_violations, "admin-export-by-year")


@pytest.mark.parametrize(
    ("year", "status", "message"),
    [
        ("2015", 200, f"2015 has {LIMIT + 1} meetings, more than one download holds ({LIMIT})."),
        ("abc", 400, "“abc” is not a year."),
    ],
)
def test_a_year_that_cannot_be_downloaded_at_once_says_why(
    large_record, site, editor_page, screenshot, axe_violations, year, status, message
):
    from playwright.sync_api import expect

    for viewport in (DESKTOP, PHONE):
        page = editor_page(viewport)
        response = page.goto(f"{site}/admin/records/export/?year={year}")
        assert response.status == status
        expect(page.locator(".errornote")).to_have_text(message)
        if status == 200:
            # Too many for a download: the page offers to prepare the file instead.
            expect(
                page.locator("#content").get_by_role("button", name="Prepare the file of 2015").first
            ).to_be_visible()
        check_page(page, screenshot, axe_violations, f"admin-export-refused-{year}")
