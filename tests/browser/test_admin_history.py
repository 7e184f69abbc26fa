"""History pages of the admin in a real browser: one timeline per record, and a meeting's revert.

A meeting, a participant and an action item are given a history by an editor: their parts added,
changed and removed. The editor then walks the revert of a meeting:
a wrong save in the admin, the meeting's history, an earlier version, the confirmation that lists
what would change, the revert, the meeting as it was.
"""

import datetime
import re

import pytest
from reversion.models import Version

from meetings import revisions
from meetings.models import Attendance, MeetingType, Participant, ParticipantAlias, Theme
from meetings.roles import EDITOR
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    MembershipFactory,
    OutcomeFactory,
    ProgressUpdateFactory,
)

from .conftest import DESKTOP, PHONE, check_page, pages_logged_in, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

TITLE = "Technical Experts Group on Irregular Movement: Workshop on Document Fraud"


@pytest.fixture
def editor(site, django_user_model):
    return staff_member(django_user_model, "editor", EDITOR)


@pytest.fixture
def draft_meeting(editor):
    """A draft meeting entered with its parts; its version of then is the right one."""
    with revisions.revision(editor, "Entered."):
        return enter_draft_meeting()


def enter_draft_meeting():
    australia = Participant.objects.get(slug="australia")
    indonesia = Participant.objects.get(slug="indonesia")
    meeting = MeetingFactory(
        meeting_type=MeetingType.objects.order_by("pk").first(),
        title=TITLE,
        slug="tech-experts-group-document-fraud-workshop",
        published_at=None,
        summary="Officials from twelve member states examined forged and altered travel documents.",
        themes=[Theme.objects.get(slug="border-management")],
    )
    AttendanceFactory(meeting=meeting, participant=australia, role="co_chair", note="Co-Chair")
    AttendanceFactory(meeting=meeting, participant=indonesia, role="co_chair", note="Co-Chair")
    AttendanceFactory(meeting=meeting, participant=Participant.objects.get(slug="thailand"), role="host")
    outcome = OutcomeFactory(
        meeting=meeting,
        position=1,
        kind="agreed",
        text="Members agreed to share specimen documents through the Regional Support Office.",
    )
    action_item = ActionItemFactory(outcome=outcome, title="Set up a shared library of specimen documents")
    ActionOwnerFactory(action_item=action_item, participant=australia)
    DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    meeting.save()
    return meeting


@pytest.fixture
def version_before_edits(draft_meeting):
    return Version.objects.get_for_object(draft_meeting).first()


@pytest.fixture
def meeting_history(draft_meeting, version_before_edits, editor):
    """The draft meeting edited again: summary, themes, attendance and outcomes."""
    with revisions.revision(editor, "Edited."):
        return edit_meeting(draft_meeting)


def edit_meeting(meeting):
    meeting.summary = "Officials examined travel documents."
    meeting.save()
    meeting.themes.add(Theme.objects.get(slug="people-smuggling"))
    thailand = meeting.attendances.get(participant__slug="thailand")
    thailand.role, thailand.note = "member", ""
    thailand.save()
    meeting.attendances.get(participant__slug="indonesia").delete()
    AttendanceFactory(
        meeting=meeting, participant=Participant.objects.get(slug="new-zealand"), role="observer"
    )
    meeting.outcomes.get(position=1).delete()  # and its action item with it
    OutcomeFactory(meeting=meeting, position=1, kind="noted", text="Members noted the rise in forged visas.")
    return meeting


@pytest.fixture
def participant_history(editor):
    """Viet Nam's other names and memberships, added then changed."""
    participant = Participant.objects.get(slug="viet-nam")
    with revisions.revision(comment="Initial version."):
        revisions.add(participant)
    with revisions.revision(editor, "Entered."):
        alias = ParticipantAlias.objects.create(participant=participant, name="Việt Nam")
        MembershipFactory(participant=participant, status="observer", start_date=datetime.date(2002, 2, 26))
    with revisions.revision(editor, "Edited."):
        alias.name = "Socialist Republic of Viet Nam"
        alias.save()
        participant.description = (
            "A founding member of the forum, and co-host of its 2009 workshop on returns."
        )
        participant.save()
    return participant


@pytest.fixture
def action_item_history(draft_meeting, editor):
    """The draft meeting's action item: an owner added, its status and due date set, progress reported."""
    action_item = draft_meeting.outcomes.get().action_items.get()
    with revisions.revision(editor, "Progress."):
        return report_progress(action_item)


def report_progress(action_item):
    ActionOwnerFactory(
        action_item=action_item, participant=Participant.objects.get(slug="indonesia"), role="support"
    )
    action_item.status = "in_progress"
    action_item.due_as_published = "first half of 2015"
    action_item.due_date, action_item.due_precision = datetime.date(2015, 6, 30), "half"
    action_item.save()
    ProgressUpdateFactory(
        action_item=action_item,
        status="in_progress",
        note="The Regional Support Office collected the first forty specimens from six member states.",
    )
    return action_item


@pytest.fixture
def editor_pages(browser, site, editor):
    """A desktop and a phone page, each logged in as the editor."""
    with pages_logged_in(browser, site, "editor") as open_page:
        yield {"desktop": open_page(DESKTOP), "phone": open_page(PHONE)}


@pytest.mark.parametrize(
    ("model_name", "record", "parts"),
    [
        (
            "meeting",
            "meeting_history",
            ["New Zealand", "Indonesia", "Members noted the rise in forged visas."],
        ),
        ("participant", "participant_history", ["Socialist Republic of Viet Nam", "Observer"]),
        ("actionitem", "action_item_history", ["Indonesia", "Progress update"]),
    ],
)
def test_a_history_page_reads_as_one_timeline_at_both_widths(
    request, site, editor_pages, screenshot, axe_violations, model_name, record, parts
):
    from playwright.sync_api import expect

    record = request.getfixturevalue(record)
    for page in editor_pages.values():
        page.goto(f"{site}/admin/meetings/{model_name}/{record.pk}/history/")
        history = page.locator("#change-history")
        expect(history.locator("tbody tr").first).to_contain_text("editor")
        for part in parts:
            expect(history).to_contain_text(part)
        check_page(page, screenshot, axe_violations, f"admin-history-{model_name}")


def test_editor_reverts_a_wrong_save_from_the_meeting_s_history(
    site, draft_meeting, editor_pages, screenshot, axe_violations
):
    from playwright.sync_api import expect

    page = editor_pages["desktop"]
    meeting = draft_meeting
    # The wrong save: the summary cut short, Indonesia's attendance deleted.
    page.goto(f"{site}/admin/meetings/meeting/{meeting.pk}/change/")
    page.locator("#id_summary").fill("Officials met.")
    indonesia = page.locator("#attendances-group tr.form-row").filter(
        has=page.locator(".select2-selection__rendered[title='Indonesia']")
    )
    indonesia.locator("input[name$='-DELETE']").check()
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert not Attendance.objects.filter(meeting=meeting, participant__slug="indonesia").exists()

    # The meeting's history, newest first: the wrong save on top, the version entered before below.
    page.locator(".object-tools").get_by_role("link", name="History").click()
    page.wait_for_url(re.compile(rf"/admin/meetings/meeting/{meeting.pk}/history/$"))
    versions = page.locator("#change-history tbody tr").filter(has=page.get_by_role("link", name=TITLE))
    expect(versions.first).to_contain_text("Summary")
    versions.nth(1).get_by_role("link", name=TITLE).click()

    # The confirmation says what would change, and nothing is written yet.
    page.wait_for_url(re.compile(rf"/admin/meetings/meeting/{meeting.pk}/history/\d+/$"))
    plan = page.locator("#content-main")
    expect(plan.locator("#revert-meeting")).to_contain_text("Summary: Officials met. (now) →")
    expect(plan.locator(".revert-restored")).to_contain_text("Indonesia (Co-Chair)")
    check_page(page, screenshot, axe_violations, "admin-revert-confirmation")
    phone = editor_pages["phone"]
    phone.goto(page.url)
    check_page(phone, screenshot, axe_violations, "admin-revert-confirmation")
    meeting.refresh_from_db()
    assert meeting.summary == "Officials met."

    page.get_by_role("button", name="Revert").click()
    page.wait_for_url(re.compile(rf"/admin/meetings/meeting/{meeting.pk}/change/$"))
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#id_summary")).to_have_value(
        "Officials from twelve member states examined forged and altered travel documents."
    )
    expect(page.locator("#attendances-group .select2-selection__rendered[title='Indonesia']")).to_have_count(
        1
    )
    screenshot(page, "admin-revert-done")
    meeting.refresh_from_db()
    assert meeting.summary.startswith("Officials from twelve member states")
    assert meeting.attendances.filter(participant__slug="indonesia", role="co_chair").exists()
    assert Version.objects.get_for_object(meeting).first().revision.comment.startswith("Reverted to")


def test_a_revert_of_many_changes_lists_them_readably_at_both_widths(
    site, meeting_history, version_before_edits, editor_pages, screenshot, axe_violations
):
    from playwright.sync_api import expect

    url = f"{site}/admin/meetings/meeting/{meeting_history.pk}/history/{version_before_edits.pk}/"
    for page in editor_pages.values():
        page.goto(url)
        plan = page.locator("#content-main")
        expect(plan.locator("#revert-meeting")).to_contain_text("Themes: removes People smuggling")
        expect(plan.locator(".revert-removed").first).to_contain_text("New Zealand (Observer)")
        expect(plan.locator(".revert-restored").first).to_contain_text("Indonesia (Co-Chair)")
        expect(plan.locator(".revert-changed")).to_contain_text("Role: Member (now) → Host")
        expect(plan.locator(".revert-restored").last).to_contain_text(
            "Set up a shared library of specimen documents"
        )
        check_page(page, screenshot, axe_violations, "admin-revert-many-changes")
