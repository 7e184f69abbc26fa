"""Layout in a real browser: what a reader sees first, at desktop and phone widths, on the demo record."""

import pytest

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SEED_MEETING_PATH = "/meetings/eighth-ahg-senior-officials-meeting/"


def top_of(page, selector):
    return page.locator(selector).first.evaluate("element => element.getBoundingClientRect().top")


def test_meeting_page_main_column_starts_level_with_the_sidebar(site, page):
    page.goto(site + SEED_MEETING_PATH)
    main_top = top_of(page, ".layout-sidebar__main > :first-child")
    aside_top = top_of(page, ".layout-sidebar__aside > :first-child")
    assert abs(main_top - aside_top) <= 1, f"main starts at {main_top} px, the sidebar at {aside_top} px"


@pytest.mark.parametrize(
    ("path", "summary"),
    [
        ("/meetings/?year=2014&status=held", "Filter meetings (2 active)"),
        ("/participants/?kind=state", "Filter participants (1 active)"),
    ],
)
def test_filters_fold_away_on_a_phone_so_results_come_first(site, phone_page, path, summary):
    from playwright.sync_api import expect

    phone_page.goto(site + path)
    panel = phone_page.locator("details.filter-panel")
    expect(panel.locator("summary")).to_have_text(summary)
    expect(panel.locator("form")).to_be_hidden()
    expect(phone_page.locator(".active-filters")).to_be_visible()
    # The first group of results (a year, a kind of participant) is on the first screen.
    expect(phone_page.locator(".layout-sidebar__main h2:not(.visually-hidden)").first).to_be_in_viewport()

    panel.locator("summary").click()
    expect(panel.locator("form")).to_be_visible()


def test_phone_reader_opens_the_filters_and_applies_one(site, phone_page, axe_violations):
    from playwright.sync_api import expect

    phone_page.goto(site + "/meetings/")
    phone_page.get_by_text("Filter meetings", exact=True).first.click()
    violations = axe_violations(phone_page)
    assert not violations, f"axe-core found serious or critical violations in the open panel:\n{violations}"
    phone_page.locator("[name='year']").select_option("2014")
    phone_page.get_by_role("button", name="Apply filters").click()
    expect(phone_page.locator("details.filter-panel summary")).to_have_text("Filter meetings (1 active)")
    expect(phone_page.locator(".active-filters")).to_contain_text("Year: 2014")


def test_filters_stay_open_beside_the_results_on_a_wide_screen(site, page):
    from playwright.sync_api import expect

    page.goto(site + "/meetings/?year=2014")
    expect(page.locator("details.filter-panel form")).to_be_visible()
    expect(page.locator("details.filter-panel summary")).to_be_hidden()


def test_filters_are_open_on_a_phone_when_a_value_needs_correcting(site, phone_page):
    from playwright.sync_api import expect

    phone_page.goto(site + "/meetings/?year=abc")
    expect(phone_page.locator("details.filter-panel form")).to_be_visible()


# The width of an input's placeholder text, measured in the input's own font.
PLACEHOLDER_FITS = """
element => {
  const style = getComputedStyle(element);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(element.placeholder).width, room};
}
"""


def test_home_search_placeholder_is_not_cut_off_on_a_phone(site, phone_page):
    phone_page.goto(site + "/")
    measured = phone_page.locator("#home-search").evaluate(PLACEHOLDER_FITS)
    assert measured["text"] <= measured["room"], f"placeholder: {measured['text']} px in {measured['room']}"


def test_footer_sits_at_the_bottom_of_a_short_page(site, page):
    page.goto(site + "/meetings/no-such-meeting/")
    footer_bottom = page.locator(".site-footer").evaluate("element => element.getBoundingClientRect().bottom")
    window_height = page.evaluate("window.innerHeight")
    assert abs(footer_bottom - window_height) <= 1, f"footer ends at {footer_bottom} px of {window_height}"
