"""The admin's "Import an old page" in a real browser: the seed page pasted, reviewed, made a draft
and published. The seed page is read from ``../shared/data/`` and is not copied here."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from meetings.models import Meeting
from meetings.roles import PUBLISHER

from .conftest import DESKTOP, PHONE, new_page
from .test_admin_history import check_page

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

PASSWORD = "a-long-password-1"
SEED_PAGE = (
    Path(os.environ.get("BALITRACKER_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data")
    / "seed-page.txt"
)
ADDRESS = "https://baliprocess.net/event/eighth-meeting-of-the-ad-hoc-group-senior-officials/"


@pytest.fixture
def publisher_page(browser, site, django_user_model):
    user = django_user_model.objects.create_user("publisher", "p@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=PUBLISHER))
    pages = []

    def open_as_publisher(viewport):
        page = new_page(browser, viewport)
        page.goto(site + "/admin/login/")
        page.get_by_label("Username").fill("publisher")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        pages.append(page)
        return page

    yield open_as_publisher
    for page in pages:
        page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_publisher_imports_the_seed_page_to_a_published_meeting(
    site, publisher_page, screenshot, axe_violations, viewport
):
    from playwright.sync_api import expect

    if not SEED_PAGE.exists():
        pytest.skip(f"{SEED_PAGE} is missing: the seed page is read from there, not copied here")
    page = publisher_page(viewport)
    page.goto(site + "/admin/meetings/meeting/")
    page.locator(".object-tools").get_by_role("link", name="Import an old page").click()
    page.wait_for_url(re.compile(r"/admin/old-pages/import/$"))
    check_page(page, screenshot, axe_violations, "legacy-import-form")

    page.get_by_label("Page text").fill(SEED_PAGE.read_text(encoding="utf-8"))
    page.get_by_label("Its address").fill(ADDRESS)
    page.get_by_role("button", name="Read the page").click()
    content = page.locator("#content")
    expect(
        content.get_by_role("heading", name="Eighth Meeting of the Ad Hoc Group Senior Officials")
    ).to_be_visible()
    expect(content).to_contain_text("Location: Canberra, Australia")
    expect(content).to_contain_text("Attendance: 18 participants")
    expect(content).to_contain_text("9 outcomes")
    check_page(page, screenshot, axe_violations, "legacy-import-review")

    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("was made from the page")
    meeting = Meeting.objects.get(source_urls=ADDRESS, parent=None)
    assert meeting.published_at is None

    page.goto(site + "/admin/meetings/meeting/?q=" + meeting.slug)
    page.get_by_role("checkbox", name=re.compile("Select this object")).first.check()
    page.get_by_label("Action:").select_option(label="Publish selected meetings now")
    page.get_by_role("button", name="Run").click()
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.published_at is not None
    page.goto(site + f"/meetings/{meeting.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Eighth Meeting of the Ad Hoc Group Senior Officials"
    )
    check_page(page, screenshot, axe_violations, "legacy-import-published")
