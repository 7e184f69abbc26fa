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
