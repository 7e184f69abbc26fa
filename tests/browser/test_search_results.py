"""The search page in a real browser, on a record where a common word matches more than it counts.

A word in every meeting's title and outcome ("workshop") matches more meetings and outcomes than the
page counts (more than 1,000), more action items than it shows (a link on to the tracker), and a few
documents: each way a group of results ends is on one page.
"""

import datetime
import re

import pytest
from django.utils import timezone

from meetings.models import ActionItem, Document, Meeting, MeetingType, Outcome
from meetings.search import COUNT_LIMIT, RESULTS_PER_KIND

from .conftest import OVERFLOWING_ELEMENTS

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

QUERY = "workshop"
ACTION_ITEMS = RESULTS_PER_KIND + 10
DOCUMENTS = 3


@pytest.fixture
def common_word(site):
    """More than ``COUNT_LIMIT`` published meetings and outcomes with the word, and fewer of the rest."""
    meeting_type = MeetingType.objects.order_by("pk").first()
    published = timezone.now() - datetime.timedelta(days=1)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            meeting_type=meeting_type,
            title=f"Regional Workshop on Border Management and Document Examination {number}",
            slug=f"regional-workshop-{number}",
            start_date=datetime.date(2000 + number % 25, 1 + number % 12, 1 + number % 28),
            city="Bangkok",
            country="TH",
            status="held",
            summary="Officials from member states met to share practice in detecting fraudulent documents.",
            published_at=published,
        )
        for number in range(COUNT_LIMIT + 1)
    )
    outcomes = Outcome.objects.bulk_create(
        Outcome(
            meeting=meeting,
            position=1,
            kind="agreed",
            text="Participants agreed to hold a follow-up workshop on the use of biometrics at borders.",
        )
        for meeting in meetings
    )
    ActionItem.objects.bulk_create(
        ActionItem(
            outcome=outcome,
            title=f"Organise a follow-up workshop on biometrics for frontline border officials ({number})",
            status="not_started",
        )
        for number, outcome in enumerate(outcomes[:ACTION_ITEMS])
    )
    Document.objects.bulk_create(
        Document(
            meeting=meeting,
            title="Workshop report: detecting fraudulent travel and identity documents",
            kind="report",
            url=f"https://example.org/reports/{number}.pdf",
        )
        for number, meeting in enumerate(meetings[:DOCUMENTS])
    )


def test_search_results_read_well_at_desktop_width(common_word, site, page, screenshot, axe_violations):
    from playwright.sync_api import expect

    page.goto(f"{site}/search/?q={QUERY}")
    screenshot(page, "search-capped")

    main = page.locator("main")
    # The total of counts that stop at 1,000 is itself a floor.
    total = re.compile(rf"More than 2,\d\d\d results for “{QUERY}”")
    expect(main.get_by_role("status")).to_contain_text(total)
    kinds = main.get_by_role("navigation", name="Results by kind")
    expect(kinds.get_by_role("listitem").first).to_have_text(re.compile(r"Participants\s+0"))
    expect(kinds.get_by_role("listitem").nth(1)).to_have_text(re.compile(r"Meetings\s+1,000\+"))
    meetings = main.locator("section#meetings")
    expect(meetings.locator("ol > li")).to_have_count(RESULTS_PER_KIND)
    expect(meetings.get_by_role("link", name="See all the meetings that match")).to_be_visible()
    outcomes = main.locator("section#outcomes")
    expect(outcomes).to_contain_text(f"Showing the first {RESULTS_PER_KIND} of more than 1,000.")
    actions = main.locator("section#actions")
    # Two of the demo record's action items have the word too.
    see_all = actions.get_by_role("link", name=f"See all {ACTION_ITEMS + 2} action items that match")
    expect(see_all).to_be_visible()
    expect(main.locator("section#documents ol > li")).to_have_count(DOCUMENTS)

    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"


def test_search_results_fit_a_phone(common_word, site, phone_page, screenshot, axe_violations):
    phone_page.goto(f"{site}/search/?q={QUERY}")
    screenshot(phone_page, "search-capped")

    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    overflowing = phone_page.evaluate(OVERFLOWING_ELEMENTS) if scroll_width > 360 else []
    assert scroll_width <= 360, f"the page is {scroll_width} px wide at 360 px; sticking out: {overflowing}"
    violations = axe_violations(phone_page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"


def test_a_reader_goes_on_from_the_search_to_the_list_of_every_match(common_word, site, page):
    from playwright.sync_api import expect

    page.goto(f"{site}/search/?q={QUERY}")
    page.locator("section#meetings").get_by_role("link", name="See all the meetings that match").click()
    page.wait_for_url(f"**/meetings/?q={QUERY}")
    expect(page.locator(".active-filters")).to_contain_text(QUERY)

    page.go_back()
    page.locator("section#actions").get_by_role("link", name=re.compile("See all .* action items")).click()
    page.wait_for_url(f"**/actions/?q={QUERY}")


def test_a_search_that_finds_nothing_says_what_to_try(site, page, phone_page, screenshot, axe_violations):
    from playwright.sync_api import expect

    for browser_page in (page, phone_page):
        browser_page.goto(f"{site}/search/?q=zanzibar")
        screenshot(browser_page, "search-nothing-found")
        expect(browser_page.get_by_role("heading", name="Nothing found")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"


def test_a_reader_finds_a_state_and_the_meetings_it_attended(
    site, page, phone_page, screenshot, axe_violations
):
    """On the demo record: Canada as a participant of its own, and the seed meeting it attended,
    though neither names Canada in its title or text; a workshop by its city, kind and year."""
    from playwright.sync_api import expect

    for browser_page in (page, phone_page):
        browser_page.goto(f"{site}/search/?q=canada")
        screenshot(browser_page, "search-participant")
        main = browser_page.locator("main")
        expect(main.locator("section#participants").get_by_role("link", name="Canada")).to_be_visible()
        expect(
            main.locator("section#meetings").get_by_role(
                "link", name="Eighth Meeting of the Ad Hoc Group Senior Officials"
            )
        ).to_be_visible()
        violations = axe_violations(browser_page)
        assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(f"{site}/search/?q=bangkok workshop 2014")
    meetings = page.locator("main section#meetings ol > li")
    expect(meetings).to_have_count(1)
    expect(meetings.first).to_contain_text("Workshop on Immigration Border Operations Analysis")
    expect(meetings.first.locator("mark").filter(has_text="2014")).not_to_have_count(0)
