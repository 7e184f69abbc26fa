"""The tracker in a real browser: its table and cards, its filters, its downloads, the action page's
columns, at 1280 and 360 px."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from meetings import charts
from meetings.models import ActionItem
from tests.factories import ActionOwnerFactory, ParticipantFactory

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


def test_charts_page_is_accessible_and_fits_a_phone(
    site, page, phone_page, axe_violations, screenshot, monkeypatch
):
    # The demo record has fewer owners than a big archive: draw two, so some are "All others".
    monkeypatch.setattr(charts, "OWNERS_DRAWN", 2)
    page.goto(f"{site}/actions/charts/?status=open")
    assert page.locator("svg[role=img] > title").count() == 3
    page.locator("details.chart__figures > summary").nth(1).click()
    rows = page.locator("#owner-completion-heading ~ details tbody tr")
    overdue = [int(text) for text in rows.locator("td:nth-of-type(1)").all_inner_texts()]
    open_ = [int(text) for text in rows.locator("td:nth-of-type(2)").all_inner_texts()]
    ranked = list(zip(overdue[:-1], open_[:-1], strict=True))
    assert len(ranked) == 2 and ranked == sorted(ranked, reverse=True), "most behind first"
    others = page.get_by_role("link", name=re.compile(r"^All others \(\d+ owners?\)$"))
    assert others.get_attribute("href") == "/actions/?status=open&group=owner"
    # No label of the owner chart begins left of the chart: none is clipped.
    lefts = page.locator("svg .chart__label").evaluate_all("labels => labels.map(l => l.getBBox().x)")
    assert len(lefts) == 2 and min(lefts) >= 0
    assert not page.locator(".chart__hint").first.is_visible(), "the charts fit a wide screen"
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    screenshot(page, "tracker-charts")

    phone_page.goto(f"{site}/actions/charts/?status=open")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    hint = phone_page.locator(".chart__hint").first
    assert hint.is_visible() and "Scroll sideways to see every year" in hint.inner_text()
    frame = phone_page.locator(".chart__frame").first
    assert frame.evaluate("frame => frame.scrollWidth > frame.clientWidth"), "the hint says it scrolls"
    violations = axe_violations(phone_page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    screenshot(phone_page, "tracker-charts")
    others.click()
    assert page.locator("table.tracker-groups tbody tr").count() >= 3


@pytest.mark.parametrize(
    "name", ["Working Group on Irregular Movement and Transnational Crime", "MMWW WORKING GROUP"]
)
def test_charts_owner_labels_are_drawn_whole_inside_their_column(site, page, name):
    owner = ParticipantFactory(name=name, short_name="")
    ActionOwnerFactory(action_item=ActionItem.objects.published().first(), participant=owner)
    page.goto(f"{site}/actions/charts/?owner={owner.slug}")

    label = page.locator("svg .chart__label").first
    drawn = label.evaluate("label => { const box = label.getBBox(); return {x: box.x, width: box.width}; }")
    column_end = float(label.get_attribute("x"))
    assert drawn["x"] >= 0, "the label is not clipped at the left"
    assert drawn["x"] + drawn["width"] <= column_end + 0.5


# Also kept where they can be looked at beside the other screenshots of the tracker's work.
SHOTS = Path("/tmp/shots-tracker")


def test_tracker_is_a_table_beside_its_filters_on_a_wide_screen(site, page, axe_violations, screenshot):
    page.goto(f"{site}/actions/?status=open")
    table = box(page, "table.tracker-table")
    main = box(page, ".layout-sidebar__main")

    assert page.locator("table.tracker-table thead").is_visible()
    assert page.locator("table.tracker-table tbody tr").count() >= 5
    assert table["x"] >= main["x"] and table["x"] + table["width"] <= main["x"] + main["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.locator("table.tracker-table tbody tr").first.bounding_box()["height"] < 140
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    page.screenshot(path=f"{SHOTS}/browser-table-1280.png", full_page=True)
    screenshot(page, "tracker-table")


def test_tracker_rows_are_cards_on_a_phone_after_folded_filters(site, phone_page, axe_violations, screenshot):
    phone_page.goto(f"{site}/actions/?status=open&owner=indonesia")
    summary = phone_page.locator("details.filter-panel > summary")

    assert "(2 active)" in summary.inner_text()
    assert not phone_page.locator("details.filter-panel form").is_visible()
    assert box(phone_page, "table.tracker-table thead")["height"] <= 1, "headings are for screen readers"
    first_row = box(phone_page, "table.tracker-table tbody tr")
    assert first_row["y"] < 1400, "the first action comes before a screenful of filters"
    assert first_row["width"] <= 360
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(phone_page)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    phone_page.screenshot(path=f"{SHOTS}/browser-cards-360.png", full_page=True)
    screenshot(phone_page, "tracker-cards")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_reader_finds_indonesias_overdue_actions_most_overdue_first_and_downloads_them(
    site, request, viewport, axe_violations
):
    from playwright.sync_api import expect

    reader = request.getfixturevalue(viewport)
    reader.goto(f"{site}/actions/")
    summary = reader.locator("details.filter-panel > summary")
    if summary.is_visible():
        summary.click()
    reader.locator("[name='owner']").select_option("indonesia")
    reader.locator("[name='status']").select_option("overdue")
    reader.get_by_role("button", name="Apply filters").click()

    expect(reader).to_have_url(re.compile(r"owner=indonesia"))
    expect(reader.locator("main [role=status]").first).to_contain_text("most overdue first")
    expect(reader.locator("table.tracker-table tbody tr").first).to_contain_text("Overdue by")
    violations = axe_violations(reader)
    assert not violations, f"axe-core found serious or critical violations:\n{violations}"
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Excel").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.sheetnames == ["Actions", "About"]
    assert workbook["Actions"].max_row >= 2


def test_meeting_box_suggests_meetings_with_their_dates_as_one_types(site, page):
    page.goto(f"{site}/actions/")
    page.locator("[name='meeting']").press_sequentially("Eighth", delay=30)
    options = page.locator("#id_meeting_choices option")
    options.first.wait_for(state="attached")

    labels = [options.nth(index).get_attribute("label") for index in range(options.count())]
    assert any("Eighth Meeting" in label and "2014" in label for label in labels)
    slug = options.first.get_attribute("value")
    page.locator("[name='meeting']").fill(slug)
    page.get_by_role("button", name="Apply filters").click()
    assert f"meeting={slug}" in page.url
    assert page.locator("table.tracker-table tbody tr").count() >= 1
