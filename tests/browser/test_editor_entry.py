"""An editor enters the seed page through the admin, a publisher publishes it, a reader sees it.

Prints and writes to test-artifacts/editor-entry.txt how many page loads the whole entry took and how
long, so that changes to the admin can be judged by what they save an editor.
"""

import re
import time
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from meetings.models import ActionItem, Meeting
from meetings.roles import EDITOR, PUBLISHER

from .conftest import DESKTOP, ROOT, log_in, new_page, staff_member

# whitenoise warns that collectstatic has not run: the live server serves static files itself.
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SEED_PAGE = ROOT.parent / "shared" / "data" / "seed-page.txt"
REPORT = ROOT / "test-artifacts" / "editor-entry.txt"

TITLE = "Eighth Meeting of the Ad Hoc Group Senior Officials"
SLUG = "eighth-ahg-senior-officials-meeting"
# Each outcome's kind, as its verb reads on the page ("The partnership ... was marked by": other).
OUTCOME_KINDS = [
    "endorsed",
    "endorsed",
    "other",
    "endorsed",
    "agreed",
    "welcomed",
    "agreed",
    "tasked",
    "granted",
]
ACTION_TITLE = "Hold the first meeting of the Working Group on Trafficking in Persons in Thailand"


@dataclass
class SeedPage:
    """The seed page's text, in the pieces an editor copies into the admin."""

    body: str
    attendance: str
    members: str
    observers: str
    participants: str
    purpose: str
    outcomes: list


def read_seed_page():
    if not SEED_PAGE.exists():
        pytest.skip(f"{SEED_PAGE} is missing: the seed page is what the editor enters")
    lines = [line.strip() for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()]
    body = next(line for line in lines if line.startswith("On 6 August 2014"))
    attendance = next(line for line in lines if line.startswith("In attendance were"))
    purpose = next(line for line in lines if line.startswith("The purpose of the meeting"))
    outcomes = [line.lstrip("•").strip() for line in lines if line.startswith("•")]
    members, observers, participants = re.split(r"(?<=\.)\s+(?=[A-Z])", attendance)
    return SeedPage(
        body=body,
        attendance=attendance,
        members=members,
        observers=observers,
        participants=participants,
        purpose=purpose,
        outcomes=outcomes,
    )


@pytest.fixture
def staff(transactional_db, django_user_model):
    """An editor and a publisher, each a staff member in the role's group."""
    call_command("loaddata", "reference", verbosity=0)
    users = {}
    for role in (EDITOR, PUBLISHER):
        users[role] = staff_member(django_user_model, role.lower(), role)
    return users


def choose(page, select, text):
    """Pick ``text`` in the admin's autocomplete box for ``select``, typing as an editor does."""
    page.locator(
        f"[aria-labelledby='select2-{select}-container'], #{select} + .select2 .select2-selection"
    ).click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    exact = re.compile(rf"^\s*{re.escape(text)}\s*$")
    page.locator(".select2-container--open .select2-results__option", has_text=exact).click()


def paste_attendance(page, text, role):
    from playwright.sync_api import expect

    page.get_by_label("Attendance as published").fill(text)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Add attendance").click()
    result = page.locator(".paste-result")
    expect(result).to_be_visible()
    # Every name resolved: nothing listed as matching no participant.
    expect(result.locator(".paste-unresolved")).to_have_count(0)
    return result


def test_editor_enters_the_seed_page_publisher_publishes_it_and_readers_see_it(
    live_server, staff, browser, screenshot
):
    from playwright.sync_api import expect

    seed = read_seed_page()
    assert len(seed.outcomes) == len(OUTCOME_KINDS)
    # The live server answers as http://localhost:<port>, the one host it allows. Chromium keeps the
    # Secure __Host- cookies there (and on http://127.0.0.1): both count as secure contexts.
    site = live_server.url
    loads = []
    page = new_page(browser, DESKTOP)
    started = time.perf_counter()
    page.on("load", lambda loaded: loads.append((time.perf_counter() - started, loaded.url)))

    # The editor logs in and adds the meeting.
    log_in(page, site, "editor")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["__Host-sessionid"]["secure"], "the session cookie should be Secure"
    page.locator("#content-main tr.model-meeting a.addlink").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/add/$"))

    choose(page, "id_meeting_type", "Ad Hoc Group Senior Officials' Meeting")
    page.locator("#id_number").fill("8")
    page.locator("#id_title").fill(TITLE)
    # Leaving the title fills the slug from it (the admin's prepopulated field); the editor replaces it.
    page.locator("#id_title").press("Tab")
    expect(page.locator("#id_slug")).not_to_have_value("")
    page.locator("#id_slug").fill(SLUG)
    page.locator("#id_start_date").fill("2014-08-06")
    page.locator("#id_end_date").fill("2014-08-06")
    page.locator("#id_date_as_published").fill("06 August 2014")
    page.locator("#id_city").fill("Canberra")
    page.locator("#id_country").select_option("AU")
    page.locator("#id_purpose").fill(seed.purpose)
    page.locator("#id_body").fill(seed.body)
    page.locator("#id_attendance_summary").fill(seed.attendance)
    page.locator("#id_attendance_complete").check()
    # The nine outcomes go in with the meeting: the inline starts with one form, "Add another" adds more.
    outcomes_group = page.locator("#outcomes-group")
    for number, (text, kind) in enumerate(zip(seed.outcomes, OUTCOME_KINDS, strict=True), start=1):
        index = number - 1
        if index:
            outcomes_group.locator(".add-row a").click()
        page.locator(f"#id_outcomes-{index}-position").fill(str(number))
        page.locator(f"#id_outcomes-{index}-kind").select_option(kind)
        page.locator(f"#id_outcomes-{index}-text").fill(text)
    screenshot(page, "editor-entry-1-meeting-add")
    page.locator("input[name='_continue']").first.click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    meeting = Meeting.objects.get(slug=SLUG)
    assert meeting.outcomes.count() == 9

    # Attendance: one paste per sentence, each with its role.
    page.get_by_role("link", name="Paste attendance").click()
    page.wait_for_url(re.compile(r"/paste-attendance/$"))
    result = paste_attendance(page, seed.members, "member")
    expect(result.locator(".paste-added li")).to_have_count(15)
    result = paste_attendance(page, seed.observers, "observer")
    expect(result.locator(".paste-added li")).to_have_count(2)
    result = paste_attendance(page, seed.participants, "participant")
    expect(result.locator(".paste-added li")).to_have_count(1)
    expect(result.locator(".paste-added")).to_contain_text("Regional Support Office")
    screenshot(page, "editor-entry-2-paste-attendance")
    result.get_by_role("link", name="Back to the meeting").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))

    # Australia and Indonesia chaired the meeting: their rows become co-chairs.
    for co_chair in ("Australia", "Indonesia"):
        row = page.locator("#attendances-group tr.form-row").filter(
            has=page.locator(f".select2-selection__rendered[title='{co_chair}']")
        )
        row.locator("select[name$='-role']").select_option("co_chair")
    page.locator("input[name='_continue']").first.click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    screenshot(page, "editor-entry-3-meeting-change")

    # Outcome 4 gives an action: opened from the meeting page, its due date read from the words.
    outcome = page.locator("#outcomes-group .inline-related").filter(
        has_text="Members endorsed draft terms of reference"
    )
    outcome.get_by_role("link", name="Add action items").click()
    page.wait_for_url(re.compile(r"/admin/meetings/outcome/\d+/change/$"))
    page.locator("#id_action_items-0-position").fill("1")
    page.locator("#id_action_items-0-title").fill(ACTION_TITLE)
    page.locator("#id_action_items-0-due_as_published").fill("first half of 2015")
    choose(page, "id_action_items-0-lead_owners", "Australia")
    choose(page, "id_action_items-0-lead_owners", "Indonesia")
    screenshot(page, "editor-entry-4-outcome-action")
    page.locator("input[name='_continue']").first.click()
    page.wait_for_url(re.compile(r"/admin/meetings/outcome/\d+/change/$"))
    messages = page.locator(".messagelist")
    expect(messages.locator(".success")).to_contain_text("was changed successfully")
    expect(messages).to_contain_text("due H1 2015 (by 30 June 2015)")
    expect(page.locator("#id_action_items-0-due_date")).to_have_value(re.compile(r"30/06/2015|2015-06-30"))
    action = ActionItem.objects.get(title=ACTION_TITLE)
    assert sorted(action.owners.values_list("name", flat=True)) == ["Australia", "Indonesia"]

    # The editor cannot publish: no publish action on the list, no publication time on the form.
    page.locator("#nav-sidebar tr.model-meeting th a").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/$"))
    action_values = page.locator("select[name='action'] option").evaluate_all(
        "options => options.map(option => option.value)"
    )
    assert "publish_now" not in action_values
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/\d+/change/$"))
    expect(page.locator("[name='published_at'], [name='published_at_0']")).to_have_count(0)
    meeting.refresh_from_db()
    assert meeting.published_at is None
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/logout/$"))

    # The publisher publishes it from the list.
    log_in(page, site, "publisher")
    page.locator("#content-main tr.model-meeting th a").click()
    page.wait_for_url(re.compile(r"/admin/meetings/meeting/$"))
    page.get_by_role("row", name=re.compile(re.escape(TITLE))).locator("input.action-select").check()
    page.locator("select[name='action']").select_option("publish_now")
    page.locator("button[name='index']").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Published 1 meeting.")
    screenshot(page, "editor-entry-5-published")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/logout/$"))

    # A reader sees the record.
    page.goto(f"{site}/meetings/{SLUG}/")
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    attendance = main.locator("section[aria-labelledby='attendance-heading']")
    expect(attendance).to_contain_text("2 co-chairs, 13 members, 2 observers, 1 participant.")
    outcomes = main.locator("ol.outcomes > li.outcome")
    expect(outcomes).to_have_count(9)
    for outcome_item, text in zip(outcomes.all(), seed.outcomes, strict=True):
        expect(outcome_item).to_contain_text(text)
    action_item = outcomes.nth(3).locator(".action")
    expect(action_item).to_contain_text(ACTION_TITLE)
    expect(action_item).to_contain_text("H1 2015")
    expect(action_item).to_contain_text("Australia")
    expect(action_item).to_contain_text("Indonesia")
    elapsed = time.perf_counter() - started
    screenshot(page, "editor-entry-6-public-page")
    page.context.close()

    summary = f"seed page entered in {len(loads)} page loads, {elapsed:.1f} s"
    print(f"\n{summary}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(summary + "\n" + "\n".join(_load_lines(loads)) + "\n", encoding="utf-8")


def _load_lines(loads):
    """Each page load, numbered, with the seconds since the start and its path: where the time went."""
    return [
        f"{number:3d} {seconds:6.1f} s  {re.sub(r'^https?://[^/]+', '', url)}"
        for number, (seconds, url) in enumerate(loads, 1)
    ]
