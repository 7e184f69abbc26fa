"""Subscribing and reading the record as data, in a real browser on the demo record, at 1280 and 360 px."""

import re

import pytest

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_reader_finds_the_calendar_of_ministerial_conferences_from_the_footer(
    site, viewport, request, axe_violations, screenshot
):
    from playwright.sync_api import expect

    page = request.getfixturevalue(viewport)
    page.goto(site + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Open data").click()
    expect(page).to_have_url(re.compile(r"/open-data/$"))
    conferences = page.locator(".subscription").filter(has_text="Ministerial Conferences")
    subscribe = conferences.get_by_role("link", name=re.compile("^Subscribe"))
    expect(subscribe).to_have_attribute(
        "href", re.compile(r"^webcal://[^/]+/calendar\.ics\?type=ministerial-conference$")
    )
    expect(conferences.get_by_role("textbox")).to_have_value(
        re.compile(r"^http://[^/]+/calendar\.ics\?type=ministerial-conference$")
    )
    page.get_by_text("How to subscribe in your calendar app").click()
    expect(page.get_by_text("From URL", exact=False)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    # Every address is in sight whole, its filters too: none runs past the edge of its box.
    hidden = page.locator(".subscription__input").evaluate_all(
        "boxes => boxes.filter(box => box.scrollWidth > box.clientWidth"
        " || box.scrollHeight > box.clientHeight).map(box => box.value)"
    )
    assert not hidden, f"addresses cut off: {hidden}"
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found serious or critical violations on the open data page:\n{violations}"
    )
    screenshot(page, "outcomes-4-open-data")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_api_documentation_opens_in_the_sites_frame(site, viewport, request, screenshot, axe_violations):
    from playwright.sync_api import expect

    page = request.getfixturevalue(viewport)
    page.goto(site + "/open-data/")
    page.get_by_role("link", name=re.compile("^API documentation")).first.click()
    expect(page).to_have_url(re.compile(r"/api/docs$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Open data")
    ).to_be_visible()
    screenshot(page, "outcomes-5-api-docs")
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found serious or critical violations on the API documentation:\n{violations}"
    )


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_a_feed_opened_from_the_open_data_page_reads_as_a_page(
    site, viewport, request, axe_violations, screenshot
):
    from playwright.sync_api import expect

    page = request.getfixturevalue(viewport)
    page.goto(site + "/open-data/")
    page.locator("#feeds").get_by_role("link", name="New and updated meetings").click()
    expect(page).to_have_url(re.compile(r"/feeds/meetings/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bali Process record: new and updated meetings")
    expect(page.get_by_role("textbox", name="Feed address")).to_have_value(
        re.compile(r"^http://[^/]+/feeds/meetings/$")
    )
    expect(
        page.get_by_role("link", name="Eighth Meeting of the Ad Hoc Group Senior Officials")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on a feed's page:\n{violations}"
    screenshot(page, "open-data-feed-page")
