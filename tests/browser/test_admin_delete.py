"""The admin's "Delete selected" in a real browser, when more meetings are chosen than it deletes at once.

Django's own action first lists everything the delete would take with it; past ``MAX_DELETED``
records (set low here) the list page says how many may go at a time, and nothing is deleted.
"""

import pytest

from meetings.admin import deleting
from meetings.models import Meeting

from .conftest import DESKTOP, PHONE, check_page

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_deleting_more_meetings_than_at_once_says_so_and_deletes_nothing(
    site, editor_page, screenshot, axe_violations, monkeypatch, viewport
):
    monkeypatch.setattr(deleting, "MAX_DELETED", 2)
    count = Meeting.objects.count()
    assert count > 2, "the demo record has more meetings than the limit set here"
    page = editor_page(viewport)
    page.goto(site + "/admin/meetings/meeting/")

    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option("delete_selected")
    page.get_by_role("button", name="Run").click()

    message = page.locator(".messagelist")
    message.get_by_text(
        f"{count} meetings selected: at most 2 can be deleted at a time. Nothing was deleted."
    ).wait_for()
    assert page.get_by_role("heading", name="Select meeting to change").is_visible()
    check_page(page, screenshot, axe_violations, "admin-delete-too-many")
    assert Meeting.objects.count() == count
