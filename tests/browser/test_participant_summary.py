"""A participant's page as a summary, in a real browser: attendance by year with roles, the latest
meetings, owned actions by status with links, the latest open actions.

The demo record has a few meetings; a member state's page is built up here to years of meetings in
several roles and actions in every status, with long titles, as the real record has.
"""

import datetime

import pytest

from meetings.models import Meeting, MeetingType, Participant
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    MeetingFactory,
    OutcomeFactory,
)

from .conftest import OVERFLOWING_ELEMENTS

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

ROLES = ["co_chair", "host", "member", "observer", "member", "speaker"]
STATUSES = ["not_started", "in_progress", "completed", "cancelled", "superseded", "in_progress"]


@pytest.fixture
def australia(site):
    """Australia with eight years of meetings in several roles and actions in every status."""
    australia = Participant.objects.get(slug="australia")
    meeting_type = MeetingType.objects.order_by("pk").first()
    for number in range(12):
        meeting = MeetingFactory(
            meeting_type=meeting_type,
            title="Regional Workshop on Identifying and Protecting Victims of Trafficking in Persons "
            f"{number}",
            start_date=datetime.date(2009 + number % 8, 3 + number % 9, 10),
            city="Bangkok",
            country="TH",
        )
        AttendanceFactory(meeting=meeting, participant=australia, role=ROLES[number % len(ROLES)])
        outcome = OutcomeFactory(meeting=meeting, position=1)
        action_item = ActionItemFactory(
            outcome=outcome,
            title="Develop a regional policy guide on the criminalisation of people smuggling "
            f"and trafficking in persons, with member states' legislation annexed ({number})",
            status=STATUSES[number % len(STATUSES)],
            due_as_published="first half of 2015" if number % 2 else "",
            due_date=datetime.date(2015, 6, 30) if number % 2 else None,
            due_precision="half" if number % 2 else "",
        )
        role = "lead" if number % 3 else "support"
        ActionOwnerFactory(action_item=action_item, participant=australia, role=role)
    undated = MeetingFactory(meeting_type=meeting_type, title="Senior officials' retreat", start_date=None)
    AttendanceFactory(meeting=undated, participant=australia, role="member")
    return australia


def test_participant_summary_reads_well_at_desktop_width(australia, site, page, screenshot, axe_violations):
    from playwright.sync_api import expect

    page.goto(f"{site}/participants/australia/")
    screenshot(page, "participant-summary")

    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Australia")
    years = main.get_by_role("list", name="Meetings held that it attended, year by year, by role")
    expect(years.get_by_role("listitem")).to_have_count(9)  # 2009-2016 and one "Date not known"
    expect(years.get_by_role("listitem").first).to_contain_text("2016")
    expect(years.get_by_role("listitem").last).to_contain_text("Date not known")
    expect(main.get_by_role("heading", name="Latest meetings")).to_be_visible()
    expect(main.get_by_role("list", name="Open actions it owns").get_by_role("link")).to_have_count(2)
    expect(main.get_by_role("list", name="Actions it owns by status").get_by_role("link")).to_have_count(5)
    expect(main.get_by_role("heading", name="Latest open actions")).to_be_visible()

    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"


def test_participant_summary_fits_a_phone(australia, site, phone_page, screenshot, axe_violations):
    phone_page.goto(f"{site}/participants/australia/")
    screenshot(phone_page, "participant-summary")

    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    overflowing = phone_page.evaluate(OVERFLOWING_ELEMENTS) if scroll_width > 360 else []
    assert scroll_width <= 360, f"the page is {scroll_width} px wide at 360 px; sticking out: {overflowing}"
    violations = axe_violations(phone_page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"


def test_a_reader_follows_a_year_and_a_status_to_the_lists_that_count_them(australia, site, page):
    from playwright.sync_api import expect

    page.goto(f"{site}/participants/australia/")
    years = page.get_by_role("list", name="Meetings held that it attended, year by year, by role")
    year_2012 = years.get_by_role("listitem").filter(has_text="2012")
    count = year_2012.get_by_role("link", name="meetings").inner_text()
    year_2012.get_by_role("link", name="meetings").click()
    page.wait_for_url("**/meetings/?participant=australia&year=2012&status=held")
    published = Meeting.objects.published().held().filter(attendances__participant__slug="australia")
    assert int(count.split()[0]) == published.filter(start_date__year=2012).count()
    expect(page.locator(".active-filters")).to_contain_text("2012")

    page.go_back()
    # Numbers 3 and 11 fall in 2012: Australia observed one and spoke at the other.
    year_2012.get_by_role("link", name="Observer 1").click()
    page.wait_for_url("**/meetings/?participant=australia&year=2012&status=held&role=observer")
    expect(page.locator(".result-summary [role=status]")).to_contain_text("1 meeting")
    expect(page.locator(".active-filters")).to_contain_text("Observer")

    page.go_back()
    completed = page.get_by_role("list", name="Actions it owns by status").get_by_role(
        "link", name="Completed"
    )
    completed.click()
    page.wait_for_url("**/actions/?owner=australia&status=completed")
