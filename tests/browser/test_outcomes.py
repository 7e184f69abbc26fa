"""Finding what was decided and citing it, in a real browser on the demo record, at 1280 and 360 px."""

import re

import pytest

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SEED_MEETING_PATH = "/meetings/eighth-ahg-senior-officials-meeting/"
WORKING_GROUP_PATH = "/participants/working-group-on-trafficking-in-persons/"
CITATION = "Eighth Meeting of the Ad Hoc Group Senior Officials, Canberra, 6 August 2014, outcome 4"


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_reader_finds_the_working_groups_decision_and_cites_it(
    site, viewport, request, axe_violations, screenshot
):
    from playwright.sync_api import expect

    page = request.getfixturevalue(viewport)
    page.goto(site + WORKING_GROUP_PATH)
    decisions = page.locator("section[aria-labelledby='decisions-heading']")
    expect(decisions).to_contain_text("Members endorsed draft terms of reference")
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on the body's page:\n{violations}"
    screenshot(page, "outcomes-1-working-group")

    decisions.get_by_role("link", name=CITATION).click()
    expect(page).to_have_url(re.compile(r"/outcomes/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcome 4")
    expect(page.locator("main")).to_contain_text("Decision")
    cite = page.get_by_role("region", name="Cite this outcome")
    expect(cite.get_by_label("Citation")).to_have_value(re.compile("^" + re.escape(CITATION) + r"\. http"))
    expect(cite.get_by_label("Permanent link")).to_have_value(page.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on the outcome page:\n{violations}"
    screenshot(page, "outcomes-2-outcome-page")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_meeting_page_lists_its_outcomes_before_attendance_with_their_status(
    site, viewport, request, axe_violations, screenshot
):
    from playwright.sync_api import expect

    page = request.getfixturevalue(viewport)
    page.goto(site + SEED_MEETING_PATH)
    outcomes = page.locator("#outcomes-heading")
    attendance = page.locator("#attendance-heading")
    assert outcomes.bounding_box()["y"] < attendance.bounding_box()["y"]
    expect(page.locator(".outcome__links").first).to_contain_text("permanent link and citation")
    expect(page.locator(".outcome-summary").first).to_be_visible()
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on the meeting page:\n{violations}"
    screenshot(page, "outcomes-3-meeting-page")
