"""The public lists' filters can be served by an index on PostgreSQL, read from EXPLAIN.

On a handful of rows a sequential scan is always the cheapest plan, so each plan is taken with
``SET LOCAL enable_seqscan = off``: that shows an index can serve the filter, which the planner
then chooses by cost on a record of thousands of meetings. It does not show it would here.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.filters import ActionFilter, MeetingFilter
from meetings.models import ActionItem
from meetings.tracker import MeetingGroups, tracker_queryset
from meetings.views.meetings import MeetingListView
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ParticipantFactory,
    ThemeFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the plans read here are PostgreSQL's EXPLAIN"
    ),
]


@pytest.fixture
def record():
    meeting_type = MeetingTypeFactory(slug="ahg-senior-officials-meeting")
    theme = ThemeFactory(slug="trafficking-in-persons")
    unodc = ParticipantFactory(slug="unodc")
    meeting = MeetingFactory(
        slug="eighth-ahg", meeting_type=meeting_type, country="AU", start_date=datetime.date(2014, 8, 6)
    )
    meeting.themes.add(theme)
    AttendanceFactory(meeting=meeting, participant=unodc)
    outcome = OutcomeFactory(meeting=meeting)
    outcome.themes.add(theme)
    action_item = ActionItemFactory(
        outcome=outcome, due_date=datetime.date(2015, 6, 30), due_precision="half"
    )
    action_item.themes.add(theme)
    ActionOwnerFactory(action_item=action_item, participant=unodc)


def plan_of(queryset):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def index_conditions(plan):
    """The conditions the plan looks up in an index (a bitmap scan rechecks its own)."""
    return [line for line in plan.splitlines() if "Index Cond:" in line or "Recheck Cond:" in line]


def meeting_list(query):
    return MeetingFilter(query, queryset=MeetingListView().get_queryset()).qs[:20]


def action_list(query):
    return ActionFilter(query, queryset=tracker_queryset()).qs[:50]


@pytest.mark.usefixtures("record")
@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        pytest.param({"year": "2014"}, r"start_date >= '2014-01-01'", id="year"),
        pytest.param({"type": "ahg-senior-officials-meeting"}, r"meeting_type_id = \d+", id="type"),
        pytest.param({"country": "AU"}, r"\(country\)::text = 'AU'", id="country"),
        pytest.param({"participant": "unodc"}, r"participant_id = \d+", id="participant"),
        pytest.param({"theme": "trafficking-in-persons"}, r"theme_id = \d+", id="theme"),
        pytest.param({"status": "cancelled"}, r"\(status\)::text = 'cancelled'", id="status=cancelled"),
    ],
)
def test_meeting_list_filters_can_use_an_index(query, lookup):
    conditions = index_conditions(plan_of(meeting_list(query)))

    assert any(re.search(lookup, condition) for condition in conditions), conditions


@pytest.mark.usefixtures("record")
@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        pytest.param({"status": "completed"}, r"\(status\)::text = 'completed'", id="status=completed"),
        pytest.param({"status": "overdue"}, r"due_date < '", id="status=overdue"),
        pytest.param(
            {"due_after": "2015-01-01", "due_before": "2015-12-31"},
            r"due_date >= '2015-01-01'",
            id="due_after-due_before",
        ),
        pytest.param({"owner": "unodc"}, r"participant_id = \d+", id="owner"),
        pytest.param({"meeting": "eighth-ahg"}, r"meeting_id = \d+", id="meeting"),
        pytest.param({"theme": "trafficking-in-persons"}, r"theme_id = \d+", id="theme"),
    ],
)
def test_tracker_filters_can_use_an_index(query, lookup):
    conditions = index_conditions(plan_of(action_list(query)))

    assert any(re.search(lookup, condition) for condition in conditions), conditions


@pytest.mark.usefixtures("record")
def test_tracker_pages_in_due_date_order_from_the_index_of_due_dates_and_statuses():
    # Sorting off as well: on a few rows, sorting them all is cheapest.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    plan = plan_of(action_list({}))

    assert "Index Scan using action_due_date_status" in plan
    # The index gives the order of deadlines; only actions due the same day are sorted.
    assert "Presorted Key: meetings_actionitem.due_date" in plan


@pytest.mark.usefixtures("record")
def test_status_tallies_read_only_the_index_of_due_dates_and_statuses():
    with CaptureQueriesContext(connection) as captured:
        ActionItem.objects.status_tallies()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {captured[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using action_due_date_status" in plan


@pytest.mark.usefixtures("record")
def test_progress_feed_reads_the_newest_updates_from_their_index():
    from meetings.feeds import ActionProgressFeed
    from tests.factories import ProgressUpdateFactory

    ProgressUpdateFactory(action_item=ActionItem.objects.get())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    plan = plan_of(ActionProgressFeed().items(None))

    assert "Index Scan using progress_update_newest" in plan


@pytest.mark.usefixtures("record")
def test_recently_updated_view_reads_the_newest_changes_from_their_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    plan = plan_of(action_list({"sort": "updated"}))

    assert "Index Scan using action_updated_newest" in plan


@pytest.mark.usefixtures("record")
def test_each_actions_last_report_is_read_from_the_index_of_reports_by_action():
    from tests.factories import ProgressUpdateFactory

    ProgressUpdateFactory(action_item=ActionItem.objects.get())
    plan = plan_of(action_list({"sort": "reported"}))

    assert "progress_update_action_date" in plan


@pytest.mark.usefixtures("record")
def test_a_meeting_pages_neighbours_are_each_one_probe_of_the_index_of_types_by_date():
    from django.utils import timezone

    from meetings.models import Meeting, MeetingType
    from meetings.views.meetings import MeetingDetailView

    # Enough meetings, across the years and of several types as an archive's are, for the planner
    # to choose by cost as it does there: on a handful of rows any index of the type serves as well
    # as any other, and with every meeting of one type, walking the dates alone costs the same as
    # the type's dates (PostgreSQL took either, from one run to the next).
    eighth = Meeting.objects.get(slug="eighth-ahg")
    types = [eighth.meeting_type] + [
        MeetingType.objects.create(name=f"Type {index}", slug=f"type-{index}") for index in range(19)
    ]
    Meeting.objects.bulk_create(
        Meeting(
            meeting_type=types[index % len(types)],
            title=f"Meeting {index}",
            slug=f"meeting-{index}",
            start_date=datetime.date(2000, 1, 1) + datetime.timedelta(days=10 * index),
            published_at=timezone.now(),
        )
        for index in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
    meeting = Meeting.objects.published().filter(slug="eighth-ahg").annotate(**MeetingDetailView.neighbours())
    plan = meeting.explain()

    # The index's own conditions (a bitmap scan's heap recheck repeats them, and is left out).
    conditions = [line for line in plan.splitlines() if "Index Cond:" in line and "meeting_type_id" in line]
    # Six subqueries (previous and next: id, slug and title), each beginning its walk at the
    # meeting's own date within its type, rather than walking every date from one end.
    assert len(conditions) == 6
    assert all("start_date" in line for line in conditions)
    assert plan.count("meeting_type_start_date") == 6


@pytest.mark.usefixtures("record")
@pytest.mark.parametrize(
    "meetings",
    [
        pytest.param(lambda: MeetingListView().get_queryset()[:20], id="meeting list"),
        pytest.param(
            lambda: MeetingGroups(tracker_queryset(), "all", filtered=False).meetings()[:50], id="groups"
        ),
    ],
)
def test_meetings_newest_first_undated_last_are_read_in_the_order_of_an_index(meetings):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")

    assert "Index Scan using meeting_newest_first" in plan_of(meetings())
