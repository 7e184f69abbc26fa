"""The admin's "Import an old page" in a real browser: the seed page pasted, reviewed, made a draft
and published; a page whose header and first sentence disagree, decided; a folder of pages, chosen as
files or as one .zip, imported by the task worker and its report read and downloaded (CSV and JSON).
The seed page and the samples are read from ``../shared/data/`` (``tests/legacy_pages.py``) and are
not copied here."""

import json
import re
from pathlib import Path

import pytest

from meetings.models import Meeting
from meetings.roles import PUBLISHER
from tests.legacy_pages import (
    ABOUT_PAGE,
    DISAGREEING_PAGE,
    HTML_PAGE,
    SAMPLE_ADDRESS,
    SEED_PAGE,
    VIRTUAL_PAGE,
    pages_folder,
    sample_pages,
    zip_bytes,
)
from tests.tasks import run_worker

from .conftest import DESKTOP, PHONE, check_page, pages_logged_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


@pytest.fixture
def publisher_page(browser, site, django_user_model):
    staff_member(django_user_model, "publisher", PUBLISHER)
    with pages_logged_in(browser, site, "publisher") as open_page:
        yield open_page


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
    page.get_by_label("Its address").fill(SAMPLE_ADDRESS)
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
    meeting = Meeting.objects.get(source_urls=SAMPLE_ADDRESS, parent=None)
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


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_publisher_chooses_the_first_sentence_s_date_where_the_header_disagrees(
    site, publisher_page, screenshot, axe_violations, viewport
):
    from playwright.sync_api import expect

    page = publisher_page(viewport)
    page.goto(site + "/admin/old-pages/import/")
    page.get_by_label("Page text").fill(DISAGREEING_PAGE)
    page.get_by_role("button", name="Read the page").click()
    date_choice = page.get_by_role("group", name=re.compile("The header gives the date"))
    expect(date_choice).to_contain_text("From the words: “On 10 February 2023, Australia and Indonesia")
    # The default keeps the date as published, with no day.
    expect(date_choice.get_by_label(re.compile("No day: keep"))).to_be_checked()
    check_page(page, screenshot, axe_violations, "legacy-import-choices")

    date_choice.get_by_label("The first sentence's date: 10 February 2023").check()
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    meeting = Meeting.objects.get(source_urls__contains="tenth-meeting-of-the-steering-group")
    assert (str(meeting.start_date), meeting.date_as_published) == ("2023-02-10", "10 February 2023")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_publisher_imports_a_folder_of_pages_and_reads_its_report(
    site, publisher_page, screenshot, axe_violations, viewport, tmp_path, settings
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    pages = {"virtual.txt": VIRTUAL_PAGE, "third.html": HTML_PAGE, "about.txt": ABOUT_PAGE, **sample_pages(4)}
    pages_folder(tmp_path, **pages)
    page = publisher_page(viewport)
    page.goto(site + "/admin/meetings/meeting/")
    page.locator(".object-tools").get_by_role("link", name="Import a folder of old pages").click()
    page.wait_for_url(re.compile(r"/admin/old-pages/import-folder/$"))
    check_page(page, screenshot, axe_violations, "legacy-import-folder-form")

    page.get_by_label("Saved pages, or a .zip of them").set_input_files([tmp_path / name for name in pages])
    page.get_by_role("button", name="Import the pages").click()
    page.wait_for_url(re.compile(r"/admin/records/tasks/[\w-]+/$"))
    expect(page.get_by_role("status")).to_contain_text("Queued")
    run_worker()
    page.reload()

    report = page.locator(".legacy-report")
    expect(report).to_contain_text(f"{len(pages)} pages read of {len(pages)}")
    expect(report).to_contain_text("Skipped: it holds no meeting")
    expect(report.get_by_role("link", name="ninth-steering-group-meeting")).to_be_visible()
    check_page(page, screenshot, axe_violations, "legacy-import-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download old-pages-report.csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("page,url,written,") and "virtual.txt" in text

    report.get_by_role("link", name="ninth-steering-group-meeting").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_publisher_imports_a_zip_of_a_folder_and_downloads_its_report_as_csv_and_json(
    site, publisher_page, screenshot, axe_violations, viewport, tmp_path, settings
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    pages = {"virtual.txt": VIRTUAL_PAGE, "third.htm": HTML_PAGE, "about.txt": ABOUT_PAGE, **sample_pages()}
    # A folder as saved from the browser: its pages, and a saved page's images and scripts beside them.
    members = {f"old-site/{name}": text for name, text in pages.items()}
    members |= {"old-site/third_files/logo.png": b"\x89PNG\r\n", "old-site/third_files/site.js": "alert(1)"}
    archive = tmp_path / "old-site.zip"
    archive.write_bytes(zip_bytes(members))
    page = publisher_page(viewport)
    page.goto(site + "/admin/old-pages/import-folder/")
    page.get_by_label("Saved pages, or a .zip of them").set_input_files(archive)
    page.get_by_role("button", name="Import the pages").click()
    page.wait_for_url(re.compile(r"/admin/records/tasks/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Import of {len(pages)} old pages from old-site.zip"
    )
    run_worker()
    page.reload()

    report = page.locator(".legacy-report")
    expect(report.get_by_role("heading")).to_have_text("Importing the pages of old-site.zip gave:")
    expect(report).to_contain_text(f"{len(pages)} pages read of {len(pages)}")
    expect(report).to_contain_text("2 files of the upload were not pages and were left out.")
    expect(report).to_contain_text("old-site.zip: old-site/about.txt")
    expect(report).to_contain_text("Skipped: it holds no meeting")
    expect(report.get_by_role("link", name="ninth-steering-group-meeting")).to_be_visible()
    check_page(page, screenshot, axe_violations, "legacy-import-zip-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download old-pages-report.csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("page,url,written,") and "old-site.zip: old-site/virtual.txt" in text
    with page.expect_download() as download:
        page.get_by_role("link", name="Download old-pages-report.json").click()
    assert download.value.suggested_filename == "old-pages-report.json"
    report_json = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert (report_json["given"], report_json["left_out"], report_json["of"]) == (
        "old-site.zip",
        2,
        len(pages),
    )
    written = [row for row in report_json["pages"] if row["written"]]
    assert report_json["totals"]["written"] == len(written) > 0
    assert {row["page"] for row in report_json["pages"]} == {
        f"old-site.zip: old-site/{name}" for name in pages
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_review_whose_draft_a_folder_import_made_meanwhile_says_so_and_then_updates_it(
    site, publisher_page, screenshot, axe_violations, viewport, django_user_model
):
    from playwright.sync_api import expect

    from meetings.legacy import LegacyImport

    page = publisher_page(viewport)
    page.goto(site + "/admin/old-pages/import/")
    page.get_by_label("Page text").fill(DISAGREEING_PAGE)
    page.get_by_role("button", name="Read the page").click()
    date_choice = page.get_by_role("group", name=re.compile("The header gives the date"))
    date_choice.get_by_label("The first sentence's date: 10 February 2023").check()
    # Meanwhile, another editor's folder import writes the same page's draft.
    other = django_user_model.objects.create_user("folder-editor", is_staff=True)
    importer = LegacyImport(user=other)
    importer.write(importer.read(DISAGREEING_PAGE, "disagreeing.txt"))

    page.get_by_role("button", name="Create the draft").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "While you reviewed the page, its draft “Tenth Meeting of the Steering Group” was made by "
        "folder-editor"
    )
    expect(page.locator("#content")).to_contain_text("This page was imported before")
    check_page(page, screenshot, axe_violations, "legacy-import-made-meanwhile")
    meeting = Meeting.objects.get(slug="tenth-steering-group-meeting")
    assert meeting.start_date is None

    date_choice = page.get_by_role("group", name=re.compile("The header gives the date"))
    date_choice.get_by_label("The first sentence's date: 10 February 2023").check()
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    expect(page.locator(".messagelist")).to_contain_text(
        "made from the page before was updated as you reviewed it"
    )
    meeting.refresh_from_db()
    assert str(meeting.start_date) == "2023-02-10"
