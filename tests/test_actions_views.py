import datetime
from html.parser import HTMLParser

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from meetings.filters import ActionFilter, query_with
from meetings.models import ActionItem, ActionStatus, Participant
from meetings.tracker import tracker_queryset
from meetings.views.actions import ActionListView
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    DocumentFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

LIST = reverse("meetings:action_list")


def titles(response):
    return sorted(action_item.title for action_item in response.context["object_list"])


def make_action(title, *, meeting=None, owner=None, role="lead", **fields):
    outcome = OutcomeFactory(meeting=meeting) if meeting else OutcomeFactory()
    action_item = ActionItemFactory(title=title, outcome=outcome, **fields)
    if owner:
        ActionOwnerFactory(action_item=action_item, participant=owner, role=role)
    return action_item


def test_tracker_lists_only_published_actions(client):
    make_action("Public")
    make_action("Draft", meeting=MeetingFactory(published_at=None))

    response = client.get(LIST)

    assert response.status_code == 200
    assert titles(response) == ["Public"]


def test_counts_and_pages_leave_out_actions_of_drafts_and_scheduled_meetings(client):
    make_action("Public", status="completed")
    make_action("Draft", meeting=MeetingFactory(published_at=None))
    scheduled = MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=7))
    make_action("Scheduled", meeting=scheduled, status="completed")

    response = client.get(LIST, {"status": "completed"})

    counts = {count["value"]: count["count"] for count in response.context["status_counts"]}
    assert (response.context["status_total"], counts["completed"], counts["not_started"]) == (1, 1, 0)
    assert response.context["paginator"].count == 1
    assert titles(response) == ["Public"]


def test_published_status_tallies_equal_the_tallies_of_the_published_actions():
    today = datetime.date(2016, 1, 1)
    late = {"due_date": datetime.date(2015, 12, 31), "due_precision": "day"}
    make_action("Late", **late)
    make_action("Done", status="completed")
    make_action("Draft's late one", meeting=MeetingFactory(published_at=None), **late)
    scheduled = MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=7))
    make_action("Scheduled's", meeting=scheduled, status="cancelled")

    tallies = ActionItem.objects.published_status_tallies(today)

    assert tallies == ActionItem.objects.published().status_tallies(today)
    assert (tallies["total"], tallies["overdue"], tallies["cancelled"]) == (2, 1, 0)


class SelectOptions(HTMLParser):
    """The labels of the options of one select in a page."""

    def __init__(self, name):
        super().__init__()
        self.name, self.inside, self.labels = name, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.inside = dict(attrs).get("name") == self.name
        elif tag == "option" and self.inside:
            self.labels.append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.labels:
            self.labels[-1] += data.strip()


def options_of(response, name):
    parser = SelectOptions(name)
    parser.feed(response.content.decode())
    return parser.labels


def test_meeting_filter_is_a_box_that_suggests_meetings_not_a_select_of_every_one(client):
    chosen = MeetingFactory(title="Eighth AHG SOM", slug="eighth-ahg")
    make_action("From the eighth", meeting=chosen)
    make_action("From another", meeting=MeetingFactory(title="Another meeting"))

    unfiltered = client.get(LIST)
    filtered = client.get(LIST, {"meeting": "eighth-ahg"})

    assert options_of(unfiltered, "meeting") == []
    assertContains(
        unfiltered,
        '<input type="text" name="meeting" id="id_meeting" list="id_meeting_choices" '
        'data-suggest="/api/meetings/" autocomplete="off" aria-describedby="id_meeting_helptext">'
        '<datalist id="id_meeting_choices"></datalist>',
        html=True,
    )
    assertContains(filtered, 'value="eighth-ahg"')
    assert [active["value"] for active in filtered.context["active_filters"]] == ["Eighth AHG SOM"]
    assert titles(filtered) == ["From the eighth"]


def test_a_meeting_typed_wrong_is_explained_and_the_other_filters_still_apply(client):
    make_action("Listed")

    response = client.get(LIST, {"meeting": "no-such-meeting"})

    assert response.context["filter"].form.errors["meeting"] == [
        "No published meeting has the address “no-such-meeting”: choose one suggested."
    ]
    assert titles(response) == ["Listed"]


def test_every_page_lists_the_actions_in_tracker_order_whichever_end_it_is_read_from(client, monkeypatch):
    monkeypatch.setattr(ActionListView, "paginate_by", 3)
    earlier = MeetingFactory(start_date=datetime.date(2013, 1, 1))
    later = MeetingFactory(start_date=datetime.date(2014, 1, 1))
    for index, (due_date, meeting) in enumerate(
        [
            (datetime.date(2015, 6, 30), later),
            (datetime.date(2015, 6, 30), earlier),
            (datetime.date(2014, 12, 31), later),
            (None, later),
            (datetime.date(2016, 12, 31), earlier),
            (None, earlier),
            (datetime.date(2015, 6, 30), later),
            (datetime.date(2014, 3, 31), earlier),
        ]
    ):
        precision = "day" if due_date else ""
        make_action(f"Action {index}", meeting=meeting, due_date=due_date, due_precision=precision)
    in_order = [action_item.title for action_item in tracker_queryset()]

    pages = [client.get(LIST, {"page": number}) for number in (1, 2, 3)]

    assert [row.title for page in pages for row in page.context["object_list"]] == in_order
    assert in_order[-2:] == ["Action 5", "Action 3"]
    last = client.get(LIST, {"page": "last"})
    assert [row.title for row in last.context["object_list"]] == in_order[6:]


def test_status_badges_read_as_text(client):
    make_action("Late", due_date=datetime.date(2015, 6, 30), due_precision="half")

    page = client.get(LIST).content.decode()

    assert '<span class="badge badge--not_started">Not started</span>' in page
    assert "Overdue by " in page
    assert "H1 2015" in page


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["Late", "Started", "Upcoming"]),
        ("overdue", ["Late"]),
        ("completed", ["Done"]),
        ("in_progress", ["Started"]),
        ("", ["Done", "Late", "Started", "Upcoming"]),
    ],
)
def test_status_filter(client, status, expected):
    make_action("Late", due_date=datetime.date(2015, 6, 30), due_precision="half")
    make_action("Upcoming", due_date=datetime.date(2099, 12, 31), due_precision="year")
    make_action("Started", status="in_progress")
    make_action("Done", status="completed", due_date=datetime.date(2015, 6, 30), due_precision="half")

    assert titles(client.get(LIST, {"status": status})) == expected


def test_owner_meeting_type_and_theme_filters(client):
    rso = ParticipantFactory(name="Regional Support Office", slug="rso")
    ministerial = MeetingTypeFactory(slug="ministerial-conference")
    conference = MeetingFactory(slug="sixth-ministerial-conference", meeting_type=ministerial)
    theme = ThemeFactory(slug="trafficking-in-persons")
    owned = make_action("Owned", owner=rso)
    make_action("Support only", owner=rso, role="support")
    make_action("At conference", meeting=conference)
    tagged = make_action("Tagged")
    tagged.themes.add(theme)
    via_outcome = make_action("Outcome tagged")
    via_outcome.outcome.themes.add(theme)
    assert owned

    assert titles(client.get(LIST, {"owner": "rso"})) == ["Owned", "Support only"]
    assert titles(client.get(LIST, {"meeting": "sixth-ministerial-conference"})) == ["At conference"]
    assert titles(client.get(LIST, {"type": "ministerial-conference"})) == ["At conference"]
    assert titles(client.get(LIST, {"theme": "trafficking-in-persons"})) == ["Outcome tagged", "Tagged"]


def test_due_date_filters_include_their_bounds(client):
    make_action("H1", due_date=datetime.date(2015, 6, 30), due_precision="half")
    make_action("H2", due_date=datetime.date(2015, 12, 31), due_precision="half")
    make_action("Undated")

    assert titles(client.get(LIST, {"due_before": "2015-06-30"})) == ["H1"]
    assert titles(client.get(LIST, {"due_after": "2015-07-01"})) == ["H2"]
    assert titles(client.get(LIST, {"due_after": "2015-06-30", "due_before": "2015-12-31"})) == ["H1", "H2"]


def test_words_search_title_outcome_and_owner_names(client):
    unodc = ParticipantFactory(name="United Nations Office on Drugs and Crime", slug="unodc")
    make_action("Hold a workshop")
    make_action("Something", owner=unodc)
    other = make_action("Else")
    other.outcome.text = "Ministers tasked the working group."
    other.outcome.save()

    assert titles(client.get(LIST, {"q": "workshop"})) == ["Hold a workshop"]
    assert titles(client.get(LIST, {"q": "drugs crime"})) == ["Something"]
    assert titles(client.get(LIST, {"q": "tasked"})) == ["Else"]


def test_each_owner_is_listed_once_per_action(client):
    rso = ParticipantFactory(slug="rso")
    action_item = make_action("Shared", owner=rso)
    ActionOwnerFactory(action_item=action_item)

    assert titles(client.get(LIST, {"owner": "rso", "q": "Shared"})) == ["Shared"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "finished"}, "Select a valid choice"),
        ({"owner": "atlantis"}, "Select a valid choice"),
        ({"meeting": "no-such-meeting"}, "No published meeting has the address"),
        ({"type": "nope"}, "Select a valid choice"),
        ({"theme": "nope"}, "Select a valid choice"),
        ({"due_before": "2015-13-01"}, "Enter a valid date"),
        ({"due_after": "31/12/2015"}, "Enter a valid date"),
        ({"group": "colour"}, "Select a valid choice"),
        ({"page": "abc"}, "is not a page number"),
        ({"page": "999"}, "There is no page 999"),
    ],
)
def test_bad_values_are_explained_not_failed(client, query, message):
    make_action("Kept")

    response = client.get(LIST, query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert titles(response) == ["Kept"]


def test_a_bad_value_leaves_the_other_filters_in_force(client):
    make_action("Started", status="in_progress")
    make_action("Waiting")

    response = client.get(LIST, {"status": "in_progress", "owner": "atlantis"})

    assert titles(response) == ["Started"]


def test_counts_by_status_follow_the_other_filters_but_not_status(client):
    rso = ParticipantFactory(slug="rso")
    make_action("A", owner=rso, status="completed")
    make_action("B", owner=rso, due_date=datetime.date(2015, 6, 30), due_precision="half")
    make_action("C", owner=rso, status="in_progress")
    make_action("Not RSO's", status="completed")

    response = client.get(LIST, {"owner": "rso", "status": "completed"})

    counts = {count["value"]: count["count"] for count in response.context["status_counts"]}
    assert counts == {
        "open": 2,
        "overdue": 1,
        "not_started": 1,
        "in_progress": 1,
        "completed": 1,
        "cancelled": 0,
        "superseded": 0,
    }
    assert response.context["status_total"] == 3
    assert titles(response) == ["A"]


def group_rows(response):
    return [
        (row["name"], row["total"], row["open"], row["overdue"], row["completed"], row["withdrawn"])
        for row in response.context["group_rows"]
    ]


def test_status_tallies_count_each_status_and_agree_with_open_and_overdue(django_assert_num_queries):
    today = datetime.date(2016, 1, 1)
    late = {"due_date": datetime.date(2015, 12, 31), "due_precision": "day"}
    make_action("Late", **late)
    make_action("Late but started", status="in_progress", **late)
    make_action("Due today", due_date=today, due_precision="day")
    make_action("Undated")
    make_action("Done late", status="completed", **late)
    make_action("Dropped", status="cancelled", **late)
    make_action("Replaced", status="superseded")
    actions = ActionItem.objects.published()

    with django_assert_num_queries(1):
        tallies = actions.status_tallies(today)

    assert tallies == {
        "total": 7,
        "not_started": 3,
        "in_progress": 1,
        "completed": 1,
        "cancelled": 1,
        "superseded": 1,
        "open": actions.open().count(),
        "overdue": actions.overdue(today).count(),
        "withdrawn": 2,
    }
    assert (tallies["open"], tallies["overdue"]) == (4, 2)


def test_grouping_by_owner_counts_each_owner_over_the_whole_filtered_set(client):
    australia = ParticipantFactory(name="Australia", slug="australia")
    indonesia = ParticipantFactory(name="Indonesia", slug="indonesia")
    shared = make_action("Shared", owner=australia, status="completed")
    ActionOwnerFactory(action_item=shared, participant=indonesia, role="support")
    make_action("Late", owner=australia, due_date=datetime.date(2015, 6, 30), due_precision="half")
    make_action("Dropped", owner=australia, status="cancelled")
    # More actions than fit on one page of the ungrouped list.
    for index in range(55):
        make_action(f"Indonesia's {index}", owner=indonesia, status="in_progress")
    make_action("Nobody's")

    response = client.get(LIST, {"group": "owner"})

    assert group_rows(response) == [
        ("Australia", 3, 1, 1, 1, 1),
        ("Indonesia", 56, 55, 0, 1, 0),
    ]
    assert response.context["action_count"] == 59
    unowned = response.context["unowned"]
    assert (unowned["total"], unowned["open"]) == (1, 1)
    page = response.content.decode()
    assert "No owner named" in page
    assert "59 actions" in page
    assert "2 owners" in page


def test_grouping_by_meeting_lists_the_newest_meeting_first_with_counts(client):
    # A group for every meeting of the archive, read a page at a time (tracker.MeetingGroups):
    # ranking them by overdue would count every action at once, so meetings keep their own order.
    late = {"due_date": datetime.date(2015, 12, 31), "due_precision": "day"}
    older = MeetingFactory(title="Older meeting", slug="older", start_date=datetime.date(2013, 4, 2))
    newer = MeetingFactory(title="Newer meeting", slug="newer", start_date=datetime.date(2016, 3, 23))
    oldest = MeetingFactory(title="Oldest meeting", slug="oldest", start_date=datetime.date(2010, 1, 1))
    make_action("From older", meeting=older)
    make_action("Done at older", meeting=older, status="completed")
    make_action("From newer", meeting=newer, status="superseded")
    make_action("Late from the oldest", meeting=oldest, **late)
    make_action("Hidden", meeting=MeetingFactory(title="Draft meeting", published_at=None))
    # Decided, but set off no action: no group.
    OutcomeFactory(meeting=MeetingFactory(title="No actions", start_date=datetime.date(2017, 1, 1)))

    response = client.get(LIST, {"group": "meeting"})

    assert group_rows(response) == [
        ("Newer meeting", 1, 0, 0, 0, 1),
        ("Older meeting", 2, 1, 0, 1, 0),
        ("Oldest meeting", 1, 1, 1, 0, 0),
    ]
    assert "unowned" not in response.context
    assert "<caption>Actions by meeting, newest meeting first</caption>" in response.content.decode()


def test_grouped_view_honours_the_filters_and_links_each_group_to_its_filtered_list(client):
    australia = ParticipantFactory(name="Australia", slug="australia")
    theme = ThemeFactory(slug="borders")
    tagged = make_action("Tagged", owner=australia)
    tagged.themes.add(theme)
    make_action("Untagged", owner=australia)
    make_action("Other owner's", owner=ParticipantFactory(name="Fiji", slug="fiji"))

    response = client.get(LIST, {"group": "owner", "theme": "borders", "page": "1"})

    assert group_rows(response) == [("Australia", 1, 1, 0, 0, 0)]
    page = response.content.decode()
    assert '<a href="?theme=borders&amp;owner=australia">Australia</a>' in page
    assert '<a href="?theme=borders&amp;owner=australia&amp;status=open">1</a>' in page
    assert "No owner named" not in page


def test_grouped_view_pages_through_groups_and_lists_the_unowned_on_the_last_page(client):
    for index in range(55):
        make_action(f"Action {index}", owner=ParticipantFactory(name=f"Owner {index:02}"))
    make_action("Nobody's")

    first = client.get(LIST, {"group": "owner"})
    last = client.get(LIST, {"group": "owner", "page": "2"})

    assert len(first.context["group_rows"]) == 50
    assert first.context["paginator"].count == 55
    assert "unowned" not in first.context
    assert "No owner named" not in first.content.decode()
    assert [row[0] for row in group_rows(last)] == [f"Owner {index}" for index in range(50, 55)]
    assert "No owner named" in last.content.decode()


def test_grouped_view_shows_the_empty_state_when_nothing_matches(client):
    make_action("Open one")

    page = client.get(LIST, {"group": "meeting", "status": "completed"}).content.decode()

    assert "No actions match" in page


def _populate(meeting_count):
    owners = [ParticipantFactory() for _ in range(3)]
    theme = ThemeFactory()
    for index in range(meeting_count):
        action_item = make_action(
            f"Action {index}",
            owner=owners[index % 3],
            due_date=datetime.date(2015, 6, 30),
            due_precision="half",
            due_at_next=MeetingTypeFactory(slug="ministerial-conference"),
        )
        ActionOwnerFactory(action_item=action_item, participant=owners[(index + 1) % 3], role="support")
        action_item.themes.add(theme)
        ProgressUpdateFactory(action_item=action_item, meeting=action_item.outcome.meeting)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, 8),
        ({"group": "owner"}, 8),
        # By meeting a page of groups at a time: the number of groups, then this page's (two queries).
        ({"group": "meeting", "status": "open", "q": "Action"}, 9),
        ({"sort": "reported", "status": "overdue"}, 8),
        ({"sort": "owner", "owner": "first"}, 9),
        ({"sort": "meeting", "due_after": "2015-01-01"}, 8),
    ],
)
def test_tracker_queries_do_not_grow_with_the_number_of_meetings(client, query, expected):
    _populate(5)
    if query.get("owner") == "first":
        query = {**query, "owner": Participant.objects.order_by("pk").first().slug}
    few = queries_to_get(client, LIST, query)
    _populate(45)
    many = queries_to_get(client, LIST, query)

    assert few == many == expected


def test_action_page_shows_origin_owners_timeframe_timeline_and_fulfilment(client):
    meeting = MeetingFactory(title="Eighth AHG SOM", start_date=datetime.date(2014, 8, 6))
    rso = ParticipantFactory(name="Regional Support Office", slug="rso")
    unodc = ParticipantFactory(name="UNODC", slug="unodc")
    fulfilling = MeetingFactory(title="First Working Group meeting")
    report = DocumentFactory(title="Working Group report", meeting=fulfilling)
    action_item = make_action(
        "Hold the first meeting",
        meeting=meeting,
        owner=rso,
        due_as_published="first half of 2015",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        status="completed",
        fulfilled_by_meeting=fulfilling,
        fulfilled_by_document=report,
    )
    ActionOwnerFactory(action_item=action_item, participant=unodc, role="support")
    action_item.outcome.text = "Members agreed to hold the first meeting."
    action_item.outcome.save()
    ProgressUpdateFactory(action_item=action_item, date=datetime.date(2015, 1, 10), note="Venue found.")
    ProgressUpdateFactory(
        action_item=action_item,
        date=datetime.date(2015, 3, 27),
        status="completed",
        note="Held in Bangkok.",
        meeting=fulfilling,
    )
    ProgressUpdateFactory(
        action_item=action_item,
        date=datetime.date(2015, 4, 1),
        note="Secret draft.",
        meeting=MeetingFactory(title="Draft meeting", published_at=None),
    )

    response = client.get(action_item.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Members agreed to hold the first meeting." in page
    assert "Eighth AHG SOM" in page
    assert [ownership.participant for ownership in response.context["lead_owners"]] == [rso]
    assert [ownership.participant for ownership in response.context["support_owners"]] == [unodc]
    assert "H1 2015" in page
    assert "“first half of 2015”" in page
    assert page.index("Venue found.") < page.index("Held in Bangkok.")
    assert '<span class="badge badge--completed">Completed</span>' in page
    assert "First Working Group meeting" in page
    assert "Working Group report" in page
    assert "Draft meeting" not in page
    assert "badge--overdue" not in page


def test_action_of_a_draft_meeting_is_not_found(client):
    action_item = make_action("Hidden", meeting=MeetingFactory(published_at=None))

    assert client.get(action_item.get_absolute_url()).status_code == 404


def test_action_page_queries_do_not_grow_with_its_timeline(client):
    action_item = make_action("Busy", owner=ParticipantFactory())
    ProgressUpdateFactory(action_item=action_item, meeting=MeetingFactory())
    few = queries_to_get(client, action_item.get_absolute_url())
    for _ in range(20):
        ProgressUpdateFactory(action_item=action_item, meeting=MeetingFactory())
        ActionOwnerFactory(action_item=action_item, role="support")

    assert queries_to_get(client, action_item.get_absolute_url()) == few


def test_due_at_next_meeting_reads_in_words(client):
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    make_action("Report back", due_at_next=ministerial)

    assert "at the next Ministerial Conference" in client.get(LIST).content.decode()


def test_an_actions_deadline_reads_alike_on_the_tracker_its_meeting_and_its_owners_page(client):
    ministerial = MeetingTypeFactory(name="Ministerial Conference", slug="ministerial-conference")
    owner = ParticipantFactory(slug="rso")
    next_one = make_action(
        "Report back", owner=owner, due_at_next=ministerial, due_as_published="before the next ministerial"
    )
    monthly = make_action(
        "Send the list", owner=owner, due_date=datetime.date(2016, 3, 31), due_precision="month"
    )
    expected = [
        'at the next Ministerial Conference <span class="muted">(as published: “before the next ministerial”)'
        "</span>",
        "by Mar 2016",
    ]

    pages = [
        client.get(LIST),
        client.get(next_one.outcome.meeting.get_absolute_url()),
        client.get(monthly.outcome.meeting.get_absolute_url()),
        client.get(owner.get_absolute_url()),
    ]

    assert all(page.status_code == 200 for page in pages)
    assert all(text in pages[0].content.decode() for text in expected)
    assert expected[0] in pages[1].content.decode()
    assert expected[1] in pages[2].content.decode()
    assert all(text in pages[3].content.decode() for text in expected)


def test_query_with_changes_a_copy_and_keeps_repeated_parameters():
    query = QueryDict("theme=a&theme=b&page=3&group=owner")

    changed = query_with(query, page=None, group="meeting", missing=None)

    assert changed.urlencode() == "theme=a&theme=b&group=meeting"
    assert query.urlencode() == "theme=a&theme=b&page=3&group=owner"


# The first request after a change: the record's version, the status tallies (two: all the
# filtered actions, then those of unpublished meetings to take away; without a filter but the
# status, the tallies kept on write and the unpublished actions' shares), the grouping, the actions
# naming no owner (on the last page of owners only) and the owner, meeting type and theme choices
# of the filter form.
FIRST_GROUPED_BY_OWNER_QUERIES = 8
# By meeting, no unowned tally, but the grouping is two readings: how many meetings have a filtered
# action, and the page's meetings with their counts (two).
FIRST_GROUPED_BY_MEETING_QUERIES = FIRST_GROUPED_BY_OWNER_QUERIES + 1
# Then the tallies, the grouping and the unowned are remembered: the version and the form's choices.
REMEMBERED_GROUPED_QUERIES = 4


@pytest.mark.parametrize("group", ["owner", "meeting"])
def test_grouped_tracker_remembers_its_groups_until_the_record_changes(client, settings, group):
    settings.PAGE_CACHE = False  # the remembered groups alone, not the page
    owner = ParticipantFactory(slug="the-owner")
    meeting = MeetingFactory()
    first, _second = (make_action(f"Action {index}", meeting=meeting, owner=owner) for index in range(2))
    query = {"group": group, "status": "open"}

    first_queries = queries_to_get(client, LIST, query)
    if group == "owner":
        assert first_queries == FIRST_GROUPED_BY_OWNER_QUERIES
    else:
        assert first_queries == FIRST_GROUPED_BY_MEETING_QUERIES
    assert queries_to_get(client, LIST, query) == REMEMBERED_GROUPED_QUERIES
    [row] = client.get(LIST, query).context["object_list"]
    assert (row["total"], row["open"]) == (2, 2)

    first.status = ActionStatus.COMPLETED
    first.save()
    [row] = client.get(LIST, query).context["object_list"]
    assert (row["total"], row["open"]) == (1, 1)
    assert client.get(LIST, {"group": group}).context["object_list"][0]["completed"] == 1


def listed(response):
    return [action_item.title for action_item in response.context["object_list"]]


@pytest.fixture
def sortable():
    """Four actions that each sort differently: by deadline, report, owner and meeting."""
    day = datetime.date
    older = MeetingFactory(title="Older", start_date=day(2012, 1, 1))
    newer = MeetingFactory(title="Newer", start_date=day(2014, 1, 1))
    zambia, austria = ParticipantFactory(name="Zambia"), ParticipantFactory(name="Austria")
    late = make_action("Late", meeting=older, owner=zambia, due_date=day(2015, 6, 30), due_precision="day")
    later = make_action("Later", meeting=newer, owner=austria, due_date=day(2016, 6, 30), due_precision="day")
    done = make_action(
        "Done", meeting=newer, status="completed", due_date=day(2014, 6, 30), due_precision="day"
    )
    undated = make_action("Undated", meeting=older)
    ProgressUpdateFactory(action_item=late, date=day(2016, 1, 1))
    ProgressUpdateFactory(action_item=later, date=day(2015, 1, 1))
    ProgressUpdateFactory(action_item=done, date=day(2017, 1, 1))
    ActionItem.objects.filter(pk=undated.pk).update(updated_at=timezone.now() + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due", ["Done", "Late", "Later", "Undated"]),
        ("-due", ["Later", "Late", "Done", "Undated"]),
        ("overdue", ["Late", "Later", "Done", "Undated"]),
        ("reported", ["Undated", "Later", "Late", "Done"]),
        ("owner", ["Later", "Late", "Done", "Undated"]),
        ("meeting", ["Later", "Done", "Late", "Undated"]),
        ("updated", ["Undated", "Done", "Later", "Late"]),
    ],
)
def test_each_sort_orders_the_list_as_its_name_says(client, sortable, sort, expected):
    response = client.get(LIST, {"sort": sort})

    assert listed(response) == expected
    assert response.context["sort"] == sort


def test_every_sort_pages_alike_from_either_end(client, sortable, monkeypatch):
    monkeypatch.setattr(ActionListView, "paginate_by", 2)
    for sort, _label in ActionFilter.SORT_CHOICES:
        whole = listed(client.get(LIST, {"sort": sort, "page": "1"})) + listed(
            client.get(LIST, {"sort": sort, "page": "last"})
        )
        assert sorted(whole) == ["Done", "Late", "Later", "Undated"], sort


def test_overdue_list_opens_most_overdue_first(client):
    day = datetime.date
    for title, due in [
        ("Recent", day(2020, 1, 31)),
        ("Ancient", day(1997, 2, 14)),
        ("Middling", day(2010, 5, 1)),
    ]:
        make_action(title, due_date=due, due_precision="day")

    response = client.get(LIST, {"status": "overdue"})

    assert response.context["sort"] == "overdue"
    assert listed(response) == ["Ancient", "Middling", "Recent"]
    assertContains(response, "most overdue first")
    assertContains(response, '<th scope="col" aria-sort="descending">', count=1)


def test_an_unknown_sort_gives_the_usual_order_with_a_note(client, sortable):
    response = client.get(LIST, {"sort": "colour", "status": "overdue"})

    assert response.status_code == 200
    assert response.context["sort"] == "overdue"
    assert listed(response) == ["Late", "Later"]
    assertContains(
        response, "“colour” is not a sort this list knows, so it is in its usual order: most overdue first."
    )


def test_sort_is_a_parameter_of_the_page_cache_and_not_a_filter_chip(client, sortable):
    from meetings.caching import recognised_parameters

    response = client.get(LIST, {"sort": "reported", "group": "owner"})

    assert "sort" in recognised_parameters()
    assert response.context["active_filters"] == []


def test_deadlines_read_as_durations_with_their_dates(client):
    today = timezone.localdate()
    make_action(
        "Late", due_date=today.replace(year=today.year - 2) - datetime.timedelta(days=95), due_precision="day"
    )
    make_action("Soon", due_date=today + datetime.timedelta(days=10), due_precision="day")
    make_action("Today", due_date=today, due_precision="day")

    page = client.get(LIST).content.decode()

    assert "Overdue by 2\xa0years, 3\xa0months" in page
    assert "Due in 1\xa0week, 3\xa0days" in page
    assert "Due today" in page
    assert f'<time datetime="{today.isoformat()}">' in page


def test_open_actions_with_no_report_for_over_a_year_are_flagged(client):
    today = timezone.localdate()
    long_ago = MeetingFactory(start_date=today - datetime.timedelta(days=800))
    stale = make_action("Stale", meeting=long_ago)
    ProgressUpdateFactory(action_item=stale, date=today - datetime.timedelta(days=400))
    fresh = make_action("Fresh", meeting=long_ago)
    ProgressUpdateFactory(action_item=fresh, date=today - datetime.timedelta(days=30))
    make_action("Never reported", meeting=long_ago)
    make_action(
        "Never reported, but new", meeting=MeetingFactory(start_date=today - datetime.timedelta(days=20))
    )
    make_action("Closed long ago", meeting=long_ago, status="completed")

    response = client.get(LIST)

    flagged = sorted(item.title for item in response.context["object_list"] if item.unreported)
    assert flagged == ["Never reported", "Stale"]
    assertContains(response, "No report for over a year", count=2)


def test_quick_views_link_to_ready_made_lists_and_mark_the_one_shown(client):
    today = timezone.localdate()
    make_action("Soon", due_date=today + datetime.timedelta(days=20), due_precision="day")
    make_action("Later", due_date=today + datetime.timedelta(days=60), due_precision="day")
    views = client.get(LIST).context["quick_views"]
    within_30 = views[1]["url"]

    response = client.get(within_30)

    assert [view["label"] for view in views] == [
        "Overdue",
        "Due in the next 30 days",
        "Due in the next 90 days",
        "Recently updated",
    ]
    assert listed(response) == ["Soon"]
    assert [view["current"] for view in response.context["quick_views"]] == [False, True, False, False]
    assert listed(client.get(views[2]["url"])) == ["Soon", "Later"]


def test_tracker_links_carry_only_the_filters_in_use(client):
    owner = ParticipantFactory(slug="indonesia")
    for number in range(3):
        make_action(f"Action {number}", owner=owner)
    sent = "q=&status=open&owner=indonesia&meeting=&type=&theme=&due_after=&due_before=&sort=&group="
    response = client.get(f"{LIST}?{sent}")
    content = response.content.decode()
    assert 'href="?status=open&amp;owner=indonesia&amp;sort=owner"' in content
    assert 'href="?status=open&amp;owner=indonesia&amp;group=owner"' in content
    assert "q=&amp;" not in content
    assert "due_after=&amp;" not in content
    assert response.context["export_query"] == "status=open&owner=indonesia"
    charts = client.get(f"{reverse('meetings:action_charts')}?{sent}")
    assert "q=&amp;" not in charts.content.decode()
    assert "due_after=&amp;" not in charts.content.decode()


def test_query_with_leaves_out_the_parameters_given_no_value():
    sent = QueryDict("q=&year=2014&type=&type=workshop&page=3&status=%20")
    assert query_with(sent, page=None).urlencode() == "year=2014&type=workshop"


def test_due_filters_are_date_inputs(client):
    response = client.get(LIST, {"due_after": "2015-01-01"})

    assertContains(
        response, '<input type="date" name="due_after" value="2015-01-01" id="id_due_after">', html=True
    )


def test_counts_have_thousands_separators(client, monkeypatch):
    from meetings.views import actions

    big = dict.fromkeys(["total", "open", "overdue", *ActionStatus.values], 12345)
    monkeypatch.setattr(
        actions.versions, "cached", lambda key, compute: big if "tallies" in key else compute()
    )
    make_action("One")

    page = client.get(LIST).content.decode()

    assert '<span class="stat__number">12,345</span>' in page
    assert "12,345 actions, by status." in page


def test_filters_fold_behind_a_summary_that_counts_those_in_force(client):
    owner = ParticipantFactory(slug="indonesia")
    make_action("Indonesia's", owner=owner)

    response = client.get(LIST, {"owner": "indonesia", "status": "open", "sort": "due"})

    assertContains(response, '<details class="filter-panel">')
    assertContains(response, '<span class="filter-panel__count">(2 active)</span>', html=True)


def test_download_links_say_beforehand_when_a_list_is_too_long_for_a_file(client, monkeypatch):
    from meetings import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    owner = ParticipantFactory(slug="rso")
    for index in range(3):
        make_action(f"Action {index}", owner=owner if index == 0 else None)

    refused = client.get(LIST).content.decode()
    narrowed = client.get(LIST, {"owner": "rso"}).content.decode()

    assert "Downloads hold at most 2 actions, and this list has 3." in refused
    assert reverse("meetings:action_export_xlsx") not in refused
    assert f'href="{reverse("meetings:action_export_xlsx")}?owner=rso"' in narrowed


def test_grouping_under_a_status_filter_shows_only_the_columns_that_differ(client):
    late = {"due_date": datetime.date(2015, 12, 31), "due_precision": "day"}
    make_action("Late", owner=ParticipantFactory(name="Fiji"), **late)
    make_action("Late too", owner=ParticipantFactory(name="Nauru"), **late)

    overdue = client.get(LIST, {"group": "owner", "status": "overdue"})
    everything = client.get(LIST, {"group": "owner"})

    assert overdue.context["group_columns"] == []
    assert [column["name"] for column in everything.context["group_columns"]] == ["overdue", "open"]


def test_a_sort_that_reads_no_index_waits_for_a_list_short_enough(client, sortable, monkeypatch):
    monkeypatch.setattr(ActionListView, "SORTED_AT_MOST", 3)

    long_list = client.get(LIST, {"sort": "owner"})
    short_list = client.get(LIST, {"sort": "owner", "status": "open"})
    indexed = client.get(LIST, {"sort": "-due"})

    assert long_list.context["sort"] == "due"
    assert listed(long_list) == ["Done", "Late", "Later", "Undated"]
    assertContains(
        long_list,
        "Lists of more than 3 actions are not sorted “owner a–z”, so this one is in its usual order: "
        "soonest deadline first. Narrow it",
    )
    assert (short_list.context["sort"], listed(short_list)) == ("owner", ["Later", "Late", "Undated"])
    assert (indexed.context["sort"], indexed.context["sort_notice"]) == ("-due", "")


def test_a_grouping_under_a_status_filter_says_which_status_its_total_counts(client):
    make_action(
        "Late", owner=ParticipantFactory(name="Fiji"), due_date=datetime.date(2015, 1, 1), due_precision="day"
    )

    response = client.get(LIST, {"group": "owner", "status": "overdue"})

    assertContains(response, '<th scope="col" class="table__num">Actions: Overdue</th>', html=True)
