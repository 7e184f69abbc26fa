"""The action page's columns in a real browser: the long reading wide, the details beside it."""

import pytest

from meetings.models import ActionItem

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def action_path():
    return ActionItem.objects.published().order_by("pk").first().get_absolute_url()


def test_action_page_gives_origin_and_progress_the_wide_column(site, page):
    page.goto(site + action_path())
    origin = box(page, "#origin-heading")
    progress = box(page, "#timeline-heading")
    main = box(page, ".layout-sidebar__main")
    details = box(page, ".tracker-facts")

    assert main["width"] > 1.5 * details["width"]
    assert origin["x"] == progress["x"] == main["x"]
    assert details["x"] > main["x"] + main["width"], "the details sit to the right of the main column"


def test_action_page_is_one_column_on_a_phone(site, phone_page):
    phone_page.goto(site + action_path())
    main = box(phone_page, ".layout-sidebar__main")
    details = box(phone_page, ".tracker-facts")

    assert details["x"] == main["x"]
    assert details["y"] >= main["y"] + main["height"]
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("group", ["owner", "meeting"])
def test_grouped_tracker_is_accessible_and_fits_a_phone(site, page, phone_page, axe_violations, group):
    page.goto(f"{site}/actions/?group={group}")
    assert page.locator("table.tracker-groups tbody tr").count() >= 1
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"

    phone_page.goto(f"{site}/actions/?group={group}")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_charts_page_is_accessible_and_fits_a_phone(site, page, phone_page, axe_violations):
    page.goto(f"{site}/actions/charts/")
    assert page.locator("svg[role=img] > title").count() == 3
    page.locator("details.chart__figures > summary").first.click()
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"

    phone_page.goto(f"{site}/actions/charts/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
