"""Every public page type in a real browser: it loads, passes axe-core, and fits a 360 px phone.

Full-page screenshots of each page type at 1280 and 360 px go to test-artifacts/screenshots/.
"""

import pytest

from .conftest import OVERFLOWING_ELEMENTS

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SEED_MEETING = "eighth-ahg-senior-officials-meeting"

PAGE_TYPES = [
    pytest.param("home", "/", 200, id="home"),
    pytest.param("meeting-list", "/meetings/", 200, id="meeting-list"),
    pytest.param("meeting", f"/meetings/{SEED_MEETING}/", 200, id="meeting"),
    pytest.param("participant-list", "/participants/", 200, id="participant-list"),
    pytest.param("participant", "/participants/australia/", 200, id="participant"),
    pytest.param("action-list", "/actions/", 200, id="action-list"),
    pytest.param("action", "/actions/1/", 200, id="action"),
    pytest.param("search", "/search/?q=policy+guides", 200, id="search"),
    pytest.param("not-found", "/meetings/no-such-meeting/", 404, id="not-found"),
]


def open_page(page, url):
    """Go to ``url``; return the main response and the addresses of sub-resources that failed."""
    failed = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    response = page.goto(url, wait_until="load")
    return response, failed


@pytest.mark.parametrize(("name", "path", "status"), PAGE_TYPES)
def test_page_loads_at_desktop_width(site, page, screenshot, name, path, status):
    response, failed = open_page(page, site + path)
    screenshot(page, name)
    assert response.status == status, f"{path} answered {response.status}, not {status}"
    assert page.title().strip(), f"{path} has no <title>"
    assert page.locator("main#main-content").count() == 1, f"{path} has no <main id=main-content>"
    assert page.locator("h1").count() == 1, f"{path} has {page.locator('h1').count()} <h1> elements, not 1"
    assert not failed, f"{path} loaded with failed resources: {failed}"


@pytest.mark.parametrize(("name", "path", "status"), PAGE_TYPES)
def test_page_fits_a_phone_without_horizontal_scrolling(site, phone_page, screenshot, name, path, status):
    response, _failed = open_page(phone_page, site + path)
    screenshot(phone_page, name)
    assert response.status == status, f"{path} answered {response.status}, not {status}"
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    overflowing = phone_page.evaluate(OVERFLOWING_ELEMENTS) if scroll_width > 360 else []
    assert scroll_width <= 360, f"{path} is {scroll_width} px wide at 360 px; sticking out: {overflowing}"


@pytest.mark.parametrize(("name", "path", "status"), PAGE_TYPES)
def test_page_has_no_serious_accessibility_violations(site, page, axe_violations, name, path, status):
    response, _failed = open_page(page, site + path)
    assert response.status == status, f"{path} answered {response.status}, not {status}"
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on {path}:\n{violations}"
