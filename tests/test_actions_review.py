"""A scheduled meeting's page lists the open actions it should review (the carried-over list)."""

import datetime

import pytest

from meetings.models import ActionItem
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ParticipantFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

HALF = {"due_precision": "half"}


@pytest.fixture
def ahg():
    return ForumBodyFactory(name="Ad Hoc Group", slug="ahg")


@pytest.fixture
def som_type():
    return MeetingTypeFactory(name="AHG Senior Officials' Meeting", slug="ahg-som")


@pytest.fixture
def earlier(som_type):
    return MeetingFactory(
        title="Earlier meeting", meeting_type=som_type, start_date=datetime.date(2014, 8, 6)
    )


@pytest.fixture
def upcoming(ahg, som_type):
    return MeetingFactory(
        title="Upcoming meeting",
        meeting_type=som_type,
        convening_body=ahg,
        status="scheduled",
        start_date=datetime.date(2016, 3, 21),
        end_date=datetime.date(2016, 3, 23),
    )


def action(title, meeting, **fields):
    return ActionItemFactory(title=title, outcome=OutcomeFactory(meeting=meeting), **fields)


def titles(queryset):
    return sorted(action_item.title for action_item in queryset)


def test_review_lists_open_actions_due_by_the_meetings_last_day(earlier, upcoming):
    action("Due on the last day", earlier, due_date=datetime.date(2016, 3, 23), due_precision="day")
    action("Due long before", earlier, due_date=datetime.date(2015, 6, 30), **HALF)
    action("Due the day after", earlier, due_date=datetime.date(2016, 3, 24), due_precision="day")
    action("Undated", earlier)

    assert titles(ActionItem.objects.for_review_at(upcoming)) == ["Due long before", "Due on the last day"]


def test_review_uses_the_start_date_when_the_meeting_has_no_end_date(earlier, upcoming):
    upcoming.end_date = None
    action("Due on the first day", earlier, due_date=datetime.date(2016, 3, 21), due_precision="day")
    action("Due on the second day", earlier, due_date=datetime.date(2016, 3, 22), due_precision="day")

    assert titles(ActionItem.objects.for_review_at(upcoming)) == ["Due on the first day"]


def test_review_lists_actions_reported_to_the_convening_body_or_due_at_the_next_of_its_type(
    earlier, upcoming, ahg
):
    action("Reports to the AHG", earlier, reported_to=ahg)
    action("Reports elsewhere", earlier, reported_to=ForumBodyFactory())
    action("At the next SOM", earlier, due_at_next=upcoming.meeting_type)
    action("At the next ministerial", earlier, due_at_next=MeetingTypeFactory())

    assert titles(ActionItem.objects.for_review_at(upcoming)) == ["At the next SOM", "Reports to the AHG"]


def test_review_leaves_out_closed_actions_and_those_of_this_or_later_meetings(earlier, upcoming, ahg):
    for status in ("in_progress", "completed", "cancelled", "superseded"):
        action(status, earlier, reported_to=ahg, status=status)
    action("Set off here", upcoming, reported_to=ahg)
    later = MeetingFactory(start_date=datetime.date(2017, 1, 1))
    action("Set off later", later, reported_to=ahg)

    assert titles(ActionItem.objects.for_review_at(upcoming)) == ["in_progress"]


def test_review_of_an_undated_meeting_without_body_or_type_match_is_empty(earlier):
    bare = MeetingFactory(status="scheduled", start_date=None, end_date=None)
    action("Anything", earlier, due_date=datetime.date(2015, 6, 30), **HALF)

    assert titles(ActionItem.objects.for_review_at(bare)) == []


def test_scheduled_meeting_page_shows_the_actions_for_review(client, earlier, upcoming, ahg):
    owner = ParticipantFactory(name="Thailand", slug="thailand")
    due = action("Host the workshop", earlier, due_date=datetime.date(2015, 6, 30), **HALF)
    ActionOwnerFactory(action_item=due, participant=owner)
    action("Report on returns", earlier, reported_to=ahg, status="in_progress")
    action("Done already", earlier, reported_to=ahg, status="completed")
    action(
        "From a draft",
        MeetingFactory(published_at=None, start_date=datetime.date(2015, 1, 1)),
        reported_to=ahg,
    )

    response = client.get(upcoming.get_absolute_url())

    page = response.content.decode()
    assert "Actions for review at this meeting" in page
    assert titles(response.context["actions_for_review"]) == ["Host the workshop", "Report on returns"]
    assert "2 actions to review" in page
    assert page.index("Host the workshop") < page.index("Report on returns")
    assert "Thailand" in page
    assert "Done already" not in page
    assert "From a draft" not in page


def test_held_meeting_page_has_no_review_section(client, earlier, ahg):
    action("Report on returns", earlier, reported_to=ahg)
    held = MeetingFactory(convening_body=ahg, start_date=datetime.date(2016, 3, 23))

    response = client.get(held.get_absolute_url())

    assert "actions_for_review" not in response.context
    assert "Actions for review at this meeting" not in response.content.decode()


def test_scheduled_meeting_with_nothing_to_review_says_so(client, upcoming):
    page = client.get(upcoming.get_absolute_url()).content.decode()

    assert "No open action is due by this meeting" in page


def test_review_queries_do_not_grow_with_the_number_of_actions(client, settings, earlier, upcoming, ahg):
    settings.PAGE_CACHE = False  # the remembered review alone, not the page

    def populate(count):
        for _ in range(count):
            action_item = action(
                "To review", MeetingFactory(start_date=datetime.date(2015, 1, 1)), reported_to=ahg
            )
            ActionOwnerFactory(action_item=action_item)
            ActionOwnerFactory(action_item=action_item, role="support")

    populate(5)
    few = queries_to_get(client, upcoming.get_absolute_url())
    populate(45)
    many = queries_to_get(client, upcoming.get_absolute_url())

    # The meeting page's queries, with the counts by status of the actions to review in one, the
    # choice of the first of them in one, and those (and their owners) in one more each.
    assert few == many == 12
    # Until the record changes, the counts and the choice are remembered: the rows are read by id.
    assert queries_to_get(client, upcoming.get_absolute_url()) == 10


def test_an_action_set_off_after_the_review_was_remembered_is_listed_at_once(client, earlier, upcoming, ahg):
    action("Report on returns", earlier, reported_to=ahg)
    assert "1 action to review" in client.get(upcoming.get_absolute_url()).content.decode()

    action("Host the workshop", earlier, reported_to=ahg)

    page = client.get(upcoming.get_absolute_url()).content.decode()
    assert "2 actions to review" in page
    assert "Host the workshop" in page


def test_an_upcoming_meeting_lists_a_page_of_actions_to_review_and_counts_them_all(
    client, earlier, upcoming, ahg
):
    from meetings.views.meetings import REVIEW_SHOWN

    for index in range(REVIEW_SHOWN + 5):
        action(
            f"Review {index:02}",
            earlier,
            reported_to=ahg,
            due_date=datetime.date(2015, 1, 1 + index),
            due_precision="day",
        )
    action("Begun", earlier, reported_to=ahg, status="in_progress")

    response = client.get(upcoming.get_absolute_url())

    page = response.content.decode()
    assert len(response.context["actions_for_review"]) == REVIEW_SHOWN
    assert f"{REVIEW_SHOWN + 6} actions to review: {REVIEW_SHOWN + 5} not started, 1 in progress;" in page
    assert f'href="/actions/?review_at={upcoming.slug}"' in page
    # Soonest deadline first: the last of the dated ones is in the tracker, not on the page.
    assert "Review 00" in page and f"Review {REVIEW_SHOWN + 4}" not in page


@pytest.mark.parametrize("due_by_then", [0, 5, 20, 30])
def test_the_first_actions_to_review_are_those_of_the_trackers_order_however_many_are_due(
    client, settings, earlier, upcoming, ahg, due_by_then
):
    # With a page of them due by the meeting's last day, the page is chosen among those alone; it
    # must be the page the whole review gives: the ones due later or undated come after them.
    from meetings.tracker import TRACKER_ORDER
    from meetings.views.meetings import REVIEW_SHOWN

    settings.PAGE_CACHE = False
    for index in range(due_by_then):
        action(f"Due {index:02}", earlier, due_date=datetime.date(2015, 1, 1 + index), due_precision="day")
    for index in range(REVIEW_SHOWN + 3):
        dated = {"due_date": datetime.date(2017, 1, 1 + index), "due_precision": "day"} if index % 2 else {}
        action(f"Reported {index:02}", earlier, reported_to=ahg, **dated)
    action("Due on the last day", upcoming, due_date=datetime.date(2016, 3, 23), due_precision="day")

    shown = [row.pk for row in client.get(upcoming.get_absolute_url()).context["actions_for_review"]]
    whole = ActionItem.objects.for_review_at(upcoming).order_by(*TRACKER_ORDER)
    assert shown == list(whole.values_list("pk", flat=True)[:REVIEW_SHOWN])


def test_an_undated_upcoming_meeting_reviews_what_is_reported_to_its_body(client, earlier, upcoming, ahg):
    upcoming.start_date = upcoming.end_date = None
    upcoming.save()
    action(
        "Report on returns", earlier, reported_to=ahg, due_date=datetime.date(2015, 1, 1), due_precision="day"
    )

    response = client.get(upcoming.get_absolute_url())

    assert response.status_code == 200
    assert [row.title for row in response.context["actions_for_review"]] == ["Report on returns"]


def test_the_tracker_lists_every_action_for_review_at_a_meeting(client, earlier, upcoming, ahg):
    action("Report on returns", earlier, reported_to=ahg)
    action("Unrelated", earlier)

    response = client.get("/actions/", {"review_at": upcoming.slug})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Report on returns" in page
    assert "Unrelated" not in page


def test_the_review_filter_names_upcoming_meetings_only(client, earlier):
    response = client.get("/actions/", {"review_at": earlier.slug})

    assert response.status_code in (200, 400)
    assert "Select a valid choice" in response.content.decode()
