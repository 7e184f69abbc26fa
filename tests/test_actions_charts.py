"""The tracker's charts: their numbers, their queries, and the SVG with its table of figures."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import charts
from meetings.models import ActionItem, ActionStatus
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

CHARTS = reverse("meetings:action_charts")


def action(meeting, status="not_started", owners=(), **fields):
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), status=status, **fields)
    for owner in owners:
        ActionOwnerFactory(action_item=action_item, participant=owner)
    return action_item


def meeting_on(year, month=4, day=2, **fields):
    return MeetingFactory(start_date=datetime.date(year, month, day), **fields)


def due(year, month=12, day=31):
    return {"due_date": datetime.date(year, month, day), "due_precision": "day"}


class Figures(HTMLParser):
    """The rows of each table (cells as text) and the titles of each SVG chart of a page."""

    def __init__(self):
        super().__init__()
        self.tables, self.svg_titles, self.svg_roles = [], [], []
        self._row = self._cell = None
        self._in_svg = self._svg_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "svg" and attrs.get("role") == "img":
            self._in_svg = True
            self.svg_roles.append(attrs)
        elif tag == "title" and self._in_svg and len(self.svg_titles) < len(self.svg_roles):
            self._svg_title = True
            self.svg_titles.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "title":
            self._svg_title = False
        elif tag == "svg":
            self._in_svg = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._svg_title:
            self.svg_titles[-1] += data


def figures(response):
    parser = Figures()
    parser.feed(response.content.decode())
    return parser


def test_status_by_year_counts_each_status_per_year_of_origin_with_empty_years_between():
    earlier, later = meeting_on(2013), meeting_on(2015)
    action(earlier, "completed")
    action(earlier, "completed")
    action(earlier, "in_progress")
    action(later, "cancelled")
    action(MeetingFactory(start_date=None, end_date=None))

    chart = charts.status_by_year(ActionItem.objects.published())

    rows = [
        (bar["label"], {c["status"]: c["count"] for c in bar["counts"] if c["count"]})
        for bar in chart["bars"]
    ]
    assert rows == [
        ("2013", {"completed": 2, "in_progress": 1}),
        ("2014", {}),
        ("2015", {"cancelled": 1}),
        ("Undated", {"not_started": 1}),
    ]
    assert chart["total"] == 5
    tallest = chart["bars"][0]
    assert tallest["segments"][0]["y"] + tallest["segments"][0]["height"] == chart["baseline"]


def test_owner_completion_rate_leaves_out_withdrawn_actions_and_takes_the_median_days():
    meeting = meeting_on(2014, 8, 6)
    rso = ParticipantFactory(name="Regional Support Office", short_name="RSO", slug="rso")
    thailand = ParticipantFactory(name="Thailand", slug="thailand")
    fast = action(meeting, "completed", owners=[rso, thailand])
    ProgressUpdateFactory(action_item=fast, status="completed", date=datetime.date(2014, 9, 25))  # 50 days
    slow = action(meeting, "completed", owners=[rso])
    # Completed, reopened and completed again: the latest completion counts.
    ProgressUpdateFactory(action_item=slow, status="completed", date=datetime.date(2014, 10, 1))
    ProgressUpdateFactory(action_item=slow, status="in_progress", date=datetime.date(2014, 11, 1))
    ProgressUpdateFactory(action_item=slow, status="completed", date=datetime.date(2015, 8, 6))  # 365 days
    undated = action(meeting, "completed", owners=[rso])  # completed with no update: no days
    action(meeting, "cancelled", owners=[rso])
    action(meeting, "in_progress", owners=[thailand])
    action(meeting, "not_started", owners=[thailand])
    action(meeting, "not_started")  # no owner: not charted
    assert undated.progress_updates.count() == 0

    chart = charts.owner_completion(ActionItem.objects.published())

    rows = [
        (
            owner["short_label"],
            owner["total"],
            owner["completed"],
            owner["withdrawn"],
            owner["rate"],
            owner["median_days"],
        )
        for owner in chart["owners"]
    ]
    # Thailand has open actions, the RSO none: Thailand is the more behind.
    assert rows == [
        ("Thailand", 3, 1, 0, 33, 50),
        ("RSO", 4, 3, 1, 100, 208),
    ]


def behind(name, overdue=0, open_not_due=0, completed=0):
    """An owner called ``name`` with that many overdue, open (not yet due) and completed actions."""
    owner = ParticipantFactory(name=name)
    meeting = meeting_on(2014)
    next_year = timezone.localdate().year + 1
    for _ in range(overdue):
        action(meeting, "in_progress", owners=[owner], **due(2015))
    for _ in range(open_not_due):
        action(meeting, "not_started", owners=[owner], **due(next_year))
    for _ in range(completed):
        action(meeting, "completed", owners=[owner], **due(2015))
    return owner


@pytest.mark.parametrize("filtered", [False, True])
def test_owners_are_ranked_by_overdue_then_open_then_name_as_the_tracker_ranks_them(client, filtered):
    behind("Alpha", completed=3)
    behind("Bravo", overdue=1, open_not_due=4)
    behind("Charlie", overdue=2)
    behind("Delta", open_not_due=1, completed=1)
    behind("Echo", overdue=1, open_not_due=4)

    chart = charts.owner_completion(ActionItem.objects.published() if filtered else None)

    ranked = [(owner["name"], owner["overdue"], owner["open"]) for owner in chart["owners"]]
    assert ranked == [
        ("Charlie", 2, 2),
        ("Bravo", 1, 5),
        ("Echo", 1, 5),
        ("Delta", 0, 1),
        ("Alpha", 0, 0),
    ]
    grouped = client.get(reverse("meetings:action_list"), {"group": "owner"}).context["object_list"]
    assert [row["name"] for row in grouped] == [name for name, _, _ in ranked]
    assert chart["others"] is None


@pytest.mark.parametrize("filtered", [False, True])
def test_owners_past_those_drawn_are_summed_in_one_all_others_row(monkeypatch, filtered):
    monkeypatch.setattr(charts, "OWNERS_DRAWN", 2)
    behind("Alpha", overdue=3)
    behind("Bravo", overdue=2)
    rest = [
        behind("Charlie", overdue=1, open_not_due=1, completed=2),
        behind("Delta", open_not_due=2),
        behind("Echo", completed=1),
    ]

    chart = charts.owner_completion(ActionItem.objects.published() if filtered else None)

    assert [owner["name"] for owner in chart["owners"]] == ["Alpha", "Bravo"]
    rest_actions = ActionItem.objects.filter(ownerships__participant__in=rest)
    assert chart["others"] == {
        "owners": 3,
        "total": rest_actions.count(),
        "open": rest_actions.open().count(),
        "overdue": rest_actions.overdue().count(),
        "completed": 3,
        "withdrawn": 0,
        "rate": round(100 * 3 / 7),
    }
    assert len(chart["owners"]) * charts.OWNER_ROW < chart["height"]


def test_all_others_link_to_every_owner_in_the_tracker_keeping_the_filters(client, monkeypatch):
    monkeypatch.setattr(charts, "OWNERS_DRAWN", 1)
    behind("Alpha", overdue=2)
    behind("Bravo", overdue=1)
    behind("Charlie", open_not_due=1)

    response = client.get(CHARTS, {"status": "open", "q": "Action", "sort": "due"})

    *_, others = figures(response).tables[1]
    assert others[0] == "All others (2 owners)"
    assert others[1:3] == ["1", "2"]
    link = reverse("meetings:action_list") + "?status=open&amp;q=Action&amp;sort=due&amp;group=owner"
    content = response.content.decode()
    assert content.count(f'href="{link}"') == 2, "in the table and under the chart"
    assert "All others (2 owners): see every owner in the tracker" in content


def test_owner_labels_fit_the_label_column_and_long_names_are_shortened_with_their_full_title(client):
    long_name = "Working Group on Irregular Movement and Transnational Crime"
    behind(long_name, overdue=1)
    behind("Fiji", overdue=1)

    chart = charts.owner_completion(ActionItem.objects.published())

    for owner in chart["owners"]:
        room = charts.label_room(owner["short_label"])
        assert room <= chart["label_x"], f"{owner['short_label']!r} is longer than its room"
        assert len(owner["short_label"]) <= charts.OWNER_LABEL_LENGTH
    assert chart["owners"][1]["short_label"] == "Working Group on Irregular…"
    assert f"<title>{long_name}</title>" in client.get(CHARTS).content.decode()


def test_owner_with_only_withdrawn_actions_has_no_rate():
    owner = ParticipantFactory(name="Fiji", slug="fiji")
    action(meeting_on(2014), "superseded", owners=[owner])

    [row] = charts.owner_completion(ActionItem.objects.published())["owners"]

    assert (row["rate"], row["median_days"], row["bar_width"]) == (None, None, 0)


def test_overdue_over_time_counts_open_past_due_actions_at_each_year_end_from_their_updates():
    meeting = meeting_on(2013)
    action(meeting, **due(2014))  # open, no updates: overdue from the end of 2014
    completed_late = action(meeting, "completed", **due(2013, 6, 30))
    ProgressUpdateFactory(action_item=completed_late, status="completed", date=datetime.date(2015, 3, 1))
    action(meeting, "completed", **due(2013))  # completed, no update: never counted
    dropped = action(meeting, "cancelled", **due(2013))  # due on the year's last day: overdue after it
    ProgressUpdateFactory(action_item=dropped, status="in_progress", date=datetime.date(2014, 2, 1))
    ProgressUpdateFactory(action_item=dropped, status="cancelled", date=datetime.date(2016, 5, 5))
    action(meeting_on(2016), **due(2016, 1, 31))  # its meeting is in 2016: counted from then
    action(meeting)  # no due date: never overdue

    chart = charts.overdue_over_time(ActionItem.objects.published(), today=datetime.date(2017, 6, 15))

    assert [(p["year"], p["count"], p["to_date"]) for p in chart["points"]] == [
        (2013, 2, False),
        (2014, 3, False),
        (2015, 2, False),
        (2016, 2, False),
        (2017, 2, True),
    ]


def test_overdue_over_time_in_the_present_year_matches_the_overdue_queryset():
    meeting = meeting_on(2015)
    action(meeting, **due(2017, 6, 14))
    action(meeting, **due(2017, 6, 15))  # due today: not yet overdue
    finished = action(meeting, "completed", **due(2016))
    ProgressUpdateFactory(action_item=finished, status="completed", date=datetime.date(2017, 6, 15))
    today = datetime.date(2017, 6, 15)

    chart = charts.overdue_over_time(ActionItem.objects.published(), today=today)

    assert chart["points"][-1]["count"] == ActionItem.objects.overdue(today).count() == 1


def test_charts_of_no_actions_are_empty_not_broken():
    published = ActionItem.objects.published()

    assert charts.status_by_year(published)["bars"] == []
    assert charts.owner_completion(published)["owners"] == []
    assert charts.overdue_over_time(published)["points"] == []


def test_overdue_over_time_of_actions_set_after_this_year_is_empty():
    today = datetime.date(2017, 6, 15)
    action(meeting_on(2018), **due(2018))

    assert charts.overdue_over_time(ActionItem.objects.published(), today=today)["points"] == []


def test_charts_page_of_a_meeting_after_this_year_charts_its_actions_without_overdue_years(client):
    next_year = timezone.localdate().year + 1
    meeting = meeting_on(next_year, slug="next-year-meeting")
    action(meeting, **due(next_year))

    response = client.get(CHARTS, {"meeting": meeting.slug})

    assert response.status_code == 200
    assert response.context["status_chart"]["total"] == 1
    assert response.context["overdue_chart"]["points"] == []
    assert "nothing to count yet" in response.content.decode()


def test_charts_page_draws_accessible_svg_followed_by_tables_of_the_same_figures(client):
    owner = ParticipantFactory(name="Indonesia", slug="indonesia")
    done = action(meeting_on(2013), "completed", owners=[owner], **due(2013))
    ProgressUpdateFactory(action_item=done, status="completed", date=datetime.date(2013, 4, 12))
    action(meeting_on(2015), "not_started", owners=[owner], **due(2015))

    response = client.get(CHARTS)

    assert response.status_code == 200
    page = figures(response)
    assert page.svg_titles == [
        "Actions by status per year of origin",
        "Overdue, open and completed actions per owner, most overdue first",
        "Overdue actions at the end of each year",
    ]
    assert all(svg.get("aria-labelledby") for svg in page.svg_roles)
    status_table, owner_table, overdue_table = page.tables
    assert status_table[0] == [
        "Year",
        "Not started",
        "In progress",
        "Completed",
        "Cancelled",
        "Superseded",
        "All",
    ]
    assert status_table[1:] == [
        ["2013", "0", "0", "1", "0", "0", "1"],
        ["2014", "0", "0", "0", "0", "0", "0"],
        ["2015", "1", "0", "0", "0", "0", "1"],
    ]
    assert owner_table[1:] == [["Indonesia", "1", "1", "2", "1", "0", "50%", "10"]]
    today = timezone.localdate()
    assert overdue_table[1] == ["2013", "0"]
    assert overdue_table[3][:1] == ["2015"]
    assert overdue_table[-1] == [f"{today.year} (to date)", "1"]
    content = response.content.decode()
    assert "<details" in content and "Show the figures as a table" in content
    assert 'style="' not in content
    # The charts are drawn without JavaScript: the page's one script is the filter form's.
    assert re.findall(r"<script[^>]*>", content) == ['<script src="/static/js/compact-query.js" defer>']


def test_charts_page_honours_the_tracker_filters(client):
    australia = ParticipantFactory(name="Australia", slug="australia")
    action(meeting_on(2013), "completed", owners=[australia])
    action(meeting_on(2014), "not_started", owners=[ParticipantFactory(name="Fiji", slug="fiji")])

    response = client.get(CHARTS, {"owner": "australia", "group": "owner"})

    assert [bar["label"] for bar in response.context["status_chart"]["bars"]] == ["2013"]
    assert [owner["slug"] for owner in response.context["owner_chart"]["owners"]] == ["australia"]
    assert response.context["list_query"] == "owner=australia"


def test_charts_page_explains_a_bad_filter_value_and_charts_the_rest(client):
    action(meeting_on(2013), "completed")

    response = client.get(CHARTS, {"due_before": "soon", "status": "completed"})

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert response.context["status_chart"]["total"] == 1


def test_charts_page_with_nothing_to_chart_says_so(client):
    response = client.get(CHARTS, {"status": "superseded"})

    assert response.status_code == 200
    assert "nothing to chart" in response.content.decode()
    assert figures(response).svg_titles == []


def test_tracker_links_to_its_charts_with_its_filters(client):
    content = client.get(
        reverse("meetings:action_list"), {"status": "open", "group": "owner"}
    ).content.decode()

    assert f'href="{CHARTS}?status=open"' in content


def _populate(meeting_count):
    owners = [ParticipantFactory() for _ in range(4)]
    for index in range(meeting_count):
        meeting = meeting_on(2005 + index % 15)
        action_item = action(
            meeting, "completed", owners=[owners[index % 4], owners[(index + 1) % 4]], **due(2010)
        )
        ProgressUpdateFactory(action_item=action_item, status="completed", meeting=meeting)
        action(meeting, "in_progress", owners=[owners[index % 4]], **due(2012))


@pytest.mark.parametrize("query", [{}, {"status": "open", "q": "Action"}])
def test_charts_queries_do_not_grow_with_the_number_of_meetings(client, query):
    _populate(5)
    few = queries_to_get(client, CHARTS, query)
    _populate(45)
    many = queries_to_get(client, CHARTS, query)

    assert few == many == (FIRST_CHARTS_QUERIES + 1 if not query else FILTERED_CHARTS_QUERIES)


# The first request after a change, unfiltered: the record's version; the tallies kept on write
# (meetings.tallies) by year and status, by owner, the owners' names, the ranges of days to
# complete, and for the overdue chart; the shares of the actions of unpublished meetings to take
# away; and the owner, meeting type and theme choices of the filter form. With completed actions
# timed, one more: the days of the ranges that hold each owner's median.
FIRST_CHARTS_QUERIES = 10
# Filtered, the charts' readings instead of the tallies: the actions counted by year of origin and
# status, and by year late from and timeline for the overdue line, in one query
# (charts.year_counts); the owners' counts grouped, the completed actions' days and the owners'
# names (charts.count_owners, three queries rather than every ownership counted in Python); and
# the actions with a closing update read with their timelines (charts.count_overdue: open actions
# have none, so that query is not made here).
FILTERED_CHARTS_QUERIES = 8
# Then the charts are remembered: the version and the form's choices.
REMEMBERED_CHARTS_QUERIES = 4


def test_charts_are_remembered_until_the_record_changes(client, settings):
    settings.PAGE_CACHE = False  # the remembered charts alone, not the page
    owner = ParticipantFactory()
    meeting = meeting_on(2010)
    first = action(meeting, "in_progress", owners=[owner], **due(2011))
    action(meeting, "completed", owners=[owner], **due(2011))

    assert queries_to_get(client, CHARTS) == FIRST_CHARTS_QUERIES
    assert queries_to_get(client, CHARTS) == REMEMBERED_CHARTS_QUERIES
    [row] = client.get(CHARTS).context["owner_chart"]["owners"]
    assert (row["completed"], row["rate"]) == (1, 50)

    first.status = ActionStatus.COMPLETED
    first.save()
    context = client.get(CHARTS).context
    [row] = context["owner_chart"]["owners"]
    assert (row["completed"], row["rate"]) == (2, 100)
    [bar] = context["status_chart"]["bars"]
    assert {count["status"]: count["count"] for count in bar["counts"]}["completed"] == 2
