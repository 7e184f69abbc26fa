"""What readers do, click by click, in a real browser against the demo record."""

import re

import pytest

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SEED_TITLE = "Eighth Meeting of the Ad Hoc Group Senior Officials"


def test_reader_filters_meetings_by_year_opens_the_seed_meeting_and_follows_a_participant(site, page):
    from playwright.sync_api import expect

    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    expect(page).to_have_url(re.compile(r"/meetings/(\?.*)?$"))

    filter_form = page.locator("main form:has([name='year'])")
    year = filter_form.locator("[name='year']")
    if year.evaluate("element => element.tagName") == "SELECT":
        year.select_option("2014")
    else:
        year.fill("2014")
    filter_form.locator("button[type='submit'], input[type='submit']").first.click()

    expect(page).to_have_url(re.compile(r"[?&]year=2014(&|$)"))
    main = page.locator("main")
    expect(main).to_contain_text(SEED_TITLE)
    # The Fifth Ministerial Conference was held in 2013: the filter leaves it out.
    expect(main.get_by_role("link", name=re.compile("Fifth Ministerial Conference"))).to_have_count(0)

    main.get_by_role("link", name=re.compile(SEED_TITLE)).first.click()
    expect(page).to_have_url(re.compile(r"/meetings/eighth-ahg-senior-officials-meeting/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eighth Meeting")

    participant_link = main.locator("a[href*='/participants/']:not([href$='/participants/'])").first
    participant_path = participant_link.get_attribute("href")
    participant_link.click()
    expect(page).to_have_url(re.compile(re.escape(participant_path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The participant's page lists the meetings it attended, the seed meeting among them.
    expect(page.locator("main")).to_contain_text("Eighth Meeting")


def test_reader_searches_the_record_and_sees_results_grouped_and_highlighted(site, page):
    from playwright.sync_api import expect

    page.goto(site + "/search/")
    page.get_by_role("searchbox").fill("policy guides")
    page.get_by_role("searchbox").press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=policy\+guides$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=2, name=re.compile("^Outcomes"))).to_be_visible()
    expect(main.get_by_role("heading", level=2, name=re.compile("^Action items"))).to_be_visible()
    expect(main.locator("mark").first).to_have_text(re.compile("^polic", re.IGNORECASE))

    main.locator("#actions a[href^='/actions/']").first.click()
    expect(page).to_have_url(re.compile(r"/actions/\d+/$"))


def test_filter_forms_send_only_the_fields_given_a_value(site, page):
    """With its script a filter form's address holds the filters chosen; the year's list then pages
    and sorts with those alone."""
    from playwright.sync_api import expect

    page.goto(site + "/meetings/")
    form = page.locator("main form[data-compact-query]")
    form.locator("[name='year']").select_option("2014")
    form.get_by_role("button", name="Apply filters").click()
    # The order is always chosen (newest first unless another is), so it is sent too.
    expect(page).to_have_url(re.compile(r"/meetings/\?year=2014&sort=newest$"))
    expect(page.locator("main")).to_contain_text(SEED_TITLE)

    page.goto(site + "/actions/")
    form = page.locator("main form[data-compact-query]")
    form.locator("[name='status']").select_option("open")
    form.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/actions/\?status=open$"))


def test_filter_forms_work_without_their_script(site, browser):
    """Without JavaScript the browser sends every field; the page reads the empty ones as unused."""
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(site + "/meetings/")
        form = page.locator("main form[data-compact-query]")
        form.locator("[name='year']").select_option("2014")
        form.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"/meetings/\?q=&year=2014&"))
        expect(page.locator("main")).to_contain_text(SEED_TITLE)
        expect(page.locator("main .active-filters")).to_contain_text("Year: 2014")
    finally:
        context.close()
