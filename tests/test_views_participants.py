import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from meetings import participation, versions
from meetings.models import ActionStatus
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    ForumBodyFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:participant_list")


def detail_url(participant):
    return reverse("meetings:participant_detail", kwargs={"slug": participant.slug})


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_participants(count, offset=0):
    """``count`` states, each a member of the forum that attended a meeting and owns an action."""
    for index in range(offset, offset + count):
        state = ParticipantFactory(slug=f"state-n{index}", name=f"State N{index}")
        MembershipFactory(participant=state, status="member", start_date=datetime.date(2002, 2, 26))
        meeting = MeetingFactory(start_date=datetime.date(2010, 1, 1) + datetime.timedelta(days=index))
        AttendanceFactory(meeting=meeting, participant=state)
        ActionOwnerFactory(
            action_item=ActionItemFactory(outcome=OutcomeFactory(meeting=meeting)), participant=state
        )


def attend_and_own(participant, count, offset=0):
    """``count`` published meetings the participant attended, each with an action it owns."""
    for index in range(offset, offset + count):
        meeting = MeetingFactory(start_date=datetime.date(2005, 1, 1) + datetime.timedelta(days=40 * index))
        AttendanceFactory(
            meeting=meeting, participant=participant, role="observer" if index % 2 else "member"
        )
        outcome = OutcomeFactory(meeting=meeting)
        status = ["not_started", "in_progress", "completed"][index % 3]
        ActionOwnerFactory(
            action_item=ActionItemFactory(outcome=outcome, status=status), participant=participant
        )


# ---------- Participant list ----------


def test_participant_list_groups_by_kind_with_current_status_and_meeting_count(client):
    australia = ParticipantFactory(name="Australia", slug="australia")
    MembershipFactory(participant=australia, status="member")
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime", short_name="UNODC")
    MembershipFactory(participant=unodc, status="observer", end_date=datetime.date(2014, 8, 5))
    MembershipFactory(participant=unodc, status="member", start_date=datetime.date(2014, 8, 6))
    AttendanceFactory(participant=australia)
    AttendanceFactory(participant=australia)
    AttendanceFactory(participant=australia, meeting=MeetingFactory(published_at=None))
    response = client.get(LIST_URL)
    content = response.content.decode()
    assert content.index("State or territory") < content.index("International organisation")
    assert "UNODC" in content
    listed = {participant.slug: participant for participant in response.context["object_list"]}
    assert listed["australia"].meeting_count == 2
    assert [m.status for m in listed[unodc.slug].current_forum_memberships] == ["member"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=state", ["Australia", "Canada"]),
        ("kind=international_organisation", ["UNODC office"]),
        ("status=member", ["Australia"]),
        ("status=observer", ["Canada"]),
        ("status=none", ["UNODC office"]),
        ("q=aus", ["Australia"]),
        ("q=Kanada", ["Canada"]),
    ],
)
def test_participant_list_filters_by_kind_status_and_name(client, query, expected):
    australia = ParticipantFactory(name="Australia")
    MembershipFactory(participant=australia, status="member")
    canada = ParticipantFactory(name="Canada", country="CA")
    MembershipFactory(participant=canada, status="observer")
    ParticipantAliasFactory(participant=canada, name="Kanada")
    former = OrganisationFactory(name="UNODC office")
    MembershipFactory(participant=former, status="observer", end_date=datetime.date(2010, 1, 1))
    response = client.get(f"{LIST_URL}?{query}")
    assert [participant.name for participant in response.context["object_list"]] == expected


@pytest.mark.parametrize("query", ["kind=planet", "status=emperor", "q=" + "y" * 300, "page=9999", "page=-1"])
def test_participant_list_invalid_values_give_a_normal_page(client, query):
    ParticipantFactory(name="Still here")
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert [participant.name for participant in response.context["object_list"]] == ["Still here"]


def test_participant_list_says_how_to_widen_an_empty_result(client):
    ParticipantFactory(name="Australia")
    response = client.get(f"{LIST_URL}?q=zzz")
    assert b"No participants match" in response.content
    assert b"see every participant" in response.content


def test_participant_list_shows_the_filters_in_force_as_removable_chips(client):
    MembershipFactory(participant=ParticipantFactory(name="Australia"), status="member")
    content = client.get(f"{LIST_URL}?kind=state&status=member").content.decode()
    assert 'Filter participants <span class="filter-panel__count">(2 active)</span>' in content
    assert '<a href="?status=member">Kind: State or territory' in content
    assert '<a href="?kind=state">Status in the forum today: Member' in content


def test_participant_list_filters_fold_away_unless_a_value_needs_correcting(client):
    assert '<details class="filter-panel">' in client.get(LIST_URL).content.decode()
    assert '<details class="filter-panel" open>' in client.get(f"{LIST_URL}?kind=planet").content.decode()


def test_participant_list_query_count_does_not_grow_with_participants(client):
    add_participants(5)
    few = count_queries(client, LIST_URL)
    add_participants(45, offset=5)
    many = count_queries(client, LIST_URL)
    # The record's version, the count, the page of participants, their memberships in force, and
    # the meetings attended by each (the tallies kept on write, less the attendance at held meetings
    # not published: two queries, remembered until the record changes).
    assert few == many == 6


# ---------- Participant page ----------


def test_participant_page_shows_membership_history(client):
    body = ForumBodyFactory(name="Working Group on Trafficking in Persons", short_name="TIP WG")
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime", short_name="UNODC")
    granting = OutcomeFactory(
        meeting=MeetingFactory(title="Eighth AHG meeting"),
        kind="granted",
        text="UNODC was granted membership.",
    )
    MembershipFactory(participant=unodc, status="observer", end_date=datetime.date(2014, 8, 5))
    MembershipFactory(
        participant=unodc, status="member", start_date=datetime.date(2014, 8, 6), granted_by=granting
    )
    MembershipFactory(participant=unodc, body=body, status="member")
    content = client.get(detail_url(unodc)).content.decode()
    assert "Membership history" in content
    assert "Member of the forum" in content
    assert "5 Aug 2014" in content
    assert "Eighth AHG meeting" in content
    assert "TIP WG" in content


def test_participant_page_counts_meetings_attended_by_year_with_roles(client):
    canada = ParticipantFactory(name="Canada", slug="canada", country="CA")
    AttendanceFactory(
        participant=canada,
        role="observer",
        meeting=MeetingFactory(title="Eighth AHG", start_date=datetime.date(2014, 8, 6)),
    )
    AttendanceFactory(
        participant=canada, role="member", meeting=MeetingFactory(start_date=datetime.date(2014, 3, 1))
    )
    AttendanceFactory(
        participant=canada, role="member", meeting=MeetingFactory(start_date=datetime.date(2014, 1, 9))
    )
    AttendanceFactory(
        participant=canada,
        role="member",
        meeting=MeetingFactory(title="Fifth MC", start_date=datetime.date(2013, 4, 2)),
    )
    AttendanceFactory(participant=canada, meeting=MeetingFactory(title="Undated", start_date=None))
    AttendanceFactory(participant=canada, meeting=MeetingFactory(title="Unpublished", published_at=None))
    AttendanceFactory(
        participant=canada,
        meeting=MeetingFactory(title="Coming up", start_date=datetime.date(2014, 9, 9), status="scheduled"),
    )
    AttendanceFactory(
        participant=canada,
        meeting=MeetingFactory(title="Called off", start_date=datetime.date(2014, 9, 9), status="cancelled"),
    )
    response = client.get(detail_url(canada))
    years = response.context["attendance_by_year"]
    assert [(year.year, year.meetings) for year in years] == [(2014, 3), (2013, 1), (None, 1)]
    assert [(role["label"], role["meetings"]) for role in years[0].roles] == [("Member", 2), ("Observer", 1)]
    assert response.context["meetings_attended"] == 5
    held_in_2014 = "/meetings/?participant=canada&amp;year=2014&amp;status=held"
    assertContains(
        response,
        f"""<li class="participation-years__year">
        <span class="participation-years__label">2014</span>
        <span class="participation-years__bar participation-years__bar--10" aria-hidden="true"></span>
        <span class="participation-years__count"><a href="{held_in_2014}">3 meetings</a></span>
        <span class="participation-years__roles small"><a href="{held_in_2014}&amp;role=member">Member 2</a>
        · <a href="{held_in_2014}&amp;role=observer">Observer 1</a></span>
        </li>""",
        html=True,
    )
    assertContains(
        response,
        """<li class="participation-years__year">
        <span class="participation-years__label">Date not known</span>
        <span class="participation-years__bar participation-years__bar--4" aria-hidden="true"></span>
        <span class="participation-years__count">1 meeting</span>
        <span class="participation-years__roles small">Member 1</span>
        </li>""",
        html=True,
    )
    assert "Unpublished" not in response.text


def test_participant_page_year_links_list_as_many_meetings_as_it_counts(client):
    canada = ParticipantFactory(name="Canada", slug="canada")
    for day in (datetime.date(2014, 8, 6), datetime.date(2014, 2, 1), datetime.date(2012, 5, 5)):
        AttendanceFactory(participant=canada, meeting=MeetingFactory(start_date=day))
    AttendanceFactory(meeting=MeetingFactory(start_date=datetime.date(2014, 5, 5)))  # someone else's
    AttendanceFactory(participant=canada, meeting=MeetingFactory(published_at=None))
    AttendanceFactory(
        participant=canada,
        role="observer",
        meeting=MeetingFactory(start_date=datetime.date(2014, 9, 9), status="scheduled"),
    )
    years = client.get(detail_url(canada)).context["attendance_by_year"]
    assert [year.url for year in years] == [
        "/meetings/?participant=canada&year=2014&status=held",
        "/meetings/?participant=canada&year=2012&status=held",
    ]
    for year in years:
        listed = client.get(year.url).context["paginator"].count
        assert listed == year.meetings
        for role in year.roles:
            assert client.get(role["url"]).context["paginator"].count == role["meetings"]


def test_participant_page_lists_the_scheduled_meetings_it_is_listed_for_apart(client):
    canada = ParticipantFactory(name="Canada", slug="canada")
    AttendanceFactory(participant=canada, meeting=MeetingFactory(title="Held one"))
    for month in range(1, participation.SCHEDULED_MEETINGS + 2):
        AttendanceFactory(
            participant=canada,
            role="observer",
            meeting=MeetingFactory(
                title=f"Coming {month}", start_date=datetime.date(2030, month, 1), status="scheduled"
            ),
        )
    response = client.get(detail_url(canada))
    assert response.context["meetings_attended"] == 1
    assert response.context["scheduled_count"] == participation.SCHEDULED_MEETINGS + 1
    shown = [attendance.meeting.title for attendance in response.context["scheduled_attendances"]]
    assert shown == [f"Coming {month}" for month in range(1, participation.SCHEDULED_MEETINGS + 1)]
    assert "?participant=canada&amp;status=scheduled&amp;sort=oldest" in response.text


def test_participant_page_lists_scheduled_meetings_soonest_first_and_undated_last(client):
    canada = ParticipantFactory(name="Canada", slug="canada")
    same_day = datetime.date(2030, 5, 1)
    for title, day in [("Undated", None), ("Later", datetime.date(2031, 1, 1)), ("First", same_day)]:
        AttendanceFactory(
            participant=canada, meeting=MeetingFactory(title=title, start_date=day, status="scheduled")
        )
    AttendanceFactory(
        participant=canada, meeting=MeetingFactory(title="Second", start_date=same_day, status="scheduled")
    )
    AttendanceFactory(meeting=MeetingFactory(title="Someone else's", start_date=same_day, status="scheduled"))
    AttendanceFactory(
        participant=canada,
        meeting=MeetingFactory(
            title="Not yet public", published_at=None, start_date=same_day, status="scheduled"
        ),
    )
    response = client.get(detail_url(canada))
    assert response.context["scheduled_count"] == 4
    shown = [attendance.meeting.title for attendance in response.context["scheduled_attendances"]]
    assert shown == ["First", "Second", "Later", "Undated"]


def test_participants_list_counts_only_meetings_held_as_attended(client):
    canada = ParticipantFactory(name="Canada", slug="canada")
    AttendanceFactory(participant=canada, meeting=MeetingFactory())
    AttendanceFactory(participant=canada, meeting=MeetingFactory(status="scheduled"))
    AttendanceFactory(participant=canada, meeting=MeetingFactory(status="postponed"))
    listed = {participant.slug: participant for participant in client.get(LIST_URL).context["object_list"]}
    assert listed["canada"].meeting_count == 1


def test_participant_page_lists_its_latest_dated_meetings_newest_first(client):
    canada = ParticipantFactory(name="Canada")
    AttendanceFactory(participant=canada, meeting=MeetingFactory(title="Date unknown", start_date=None))
    for index in range(participation.RECENT_MEETINGS + 2):
        AttendanceFactory(
            participant=canada,
            meeting=MeetingFactory(
                title=f"Meeting day {index}",
                start_date=datetime.date(2010, 1, 1) + datetime.timedelta(days=index),
            ),
        )
    response = client.get(detail_url(canada))
    titles = [attendance.meeting.title for attendance in response.context["recent_attendances"]]
    newest = participation.RECENT_MEETINGS + 1
    assert titles == [f"Meeting day {index}" for index in range(newest, 1, -1)]
    assert "Meeting day 11" in response.text
    assert "Meeting day 1<" not in response.text
    assert "Date unknown" not in response.text  # counted under "Date not known" in the year table


def own(participant, status, *, due=None, title=None, meeting=None, role="lead"):
    action = ActionItemFactory(
        outcome=OutcomeFactory(meeting=meeting or MeetingFactory()),
        status=status,
        title=title or f"A {status} action",
        due_date=due,
        due_precision="day" if due else "",
    )
    ActionOwnerFactory(action_item=action, participant=participant, role=role)
    return action


def test_participant_page_counts_owned_actions_by_status(client):
    rso = ForumBodyFactory(name="Regional Support Office", short_name="RSO")
    past, future = datetime.date(2015, 6, 30), timezone.localdate() + datetime.timedelta(days=30)
    own(rso, "not_started", due=past)
    own(rso, "not_started", due=future)
    own(rso, "in_progress", due=past)
    own(rso, "completed", due=past)
    own(rso, "completed")
    own(rso, "cancelled")
    own(rso, "not_started", meeting=MeetingFactory(published_at=None), title="Hidden")
    ActionItemFactory(status="not_started")  # nobody's
    response = client.get(detail_url(rso))
    counts = {tally["status"]: tally["count"] for tally in response.context["action_tallies"]}
    assert counts == {
        "open": 3,
        "overdue": 2,
        "not_started": 2,
        "in_progress": 1,
        "completed": 2,
        "cancelled": 1,
        "superseded": 0,
    }
    assert response.context["action_total"] == 6
    assert b"Hidden" not in response.content


def test_participant_page_status_links_list_as_many_actions_as_it_counts(client):
    rso = ForumBodyFactory(name="Regional Support Office", slug="rso")
    other = ParticipantFactory()
    past = datetime.date(2015, 6, 30)
    for status in ["not_started", "not_started", "in_progress", "completed", "superseded"]:
        own(rso, status, due=past)
        own(other, status, due=past)
    shared = own(rso, "in_progress", role="support")
    ActionOwnerFactory(action_item=shared, participant=other)
    own(rso, "cancelled", meeting=MeetingFactory(published_at=None))
    response = client.get(detail_url(rso))
    for tally in response.context["action_tallies"]:
        assert tally["url"] == f"/actions/?owner=rso&status={tally['status']}"
        assertContains(
            response,
            f'href="/actions/?owner=rso&amp;status={tally["status"]}"',
            count=1,
        )
        listed = client.get(tally["url"]).context["paginator"].count
        assert listed == tally["count"], tally["status"]


def test_participant_page_lists_its_latest_open_actions_with_role(client):
    rso = ForumBodyFactory(name="Regional Support Office")
    own(rso, "not_started", title="From an undated meeting", meeting=MeetingFactory(start_date=None))
    own(rso, "completed", title="Done already", meeting=MeetingFactory(start_date=datetime.date(2020, 1, 1)))
    own(rso, "in_progress", title="Old work", meeting=MeetingFactory(start_date=datetime.date(2005, 1, 1)))
    for index in range(participation.RECENT_OPEN_ACTIONS):
        own(
            rso,
            "not_started",
            title=f"Recent work {index}",
            meeting=MeetingFactory(start_date=datetime.date(2010, 1, 1) + datetime.timedelta(days=index)),
            role="support" if index == 0 else "lead",
        )
    response = client.get(detail_url(rso))
    ownerships = response.context["recent_open_ownerships"]
    assert [ownership.action_item.title for ownership in ownerships] == [
        f"Recent work {index}" for index in reversed(range(participation.RECENT_OPEN_ACTIONS))
    ]
    assert ownerships[-1].role == "support"
    assert "Done already" not in response.text
    assert "Old work" not in response.text
    assert "From an undated meeting" not in response.text


def mixed_record(participant, other):
    """Meetings of every kind the latest lists leave out or must order: drafts, publication to
    come, undated, scheduled, postponed, two on one day; actions open and not, several to a
    meeting, some of them another participant's."""
    day = datetime.date(2012, 3, 1)
    later = timezone.now() + datetime.timedelta(days=3)
    meetings = [
        MeetingFactory(start_date=day + datetime.timedelta(days=30 * (index // 2)), title=f"Held {index}")
        for index in range(16)
    ]
    meetings += [
        MeetingFactory(start_date=None, title="Undated"),
        MeetingFactory(published_at=None, start_date=day + datetime.timedelta(days=900), title="Draft"),
        MeetingFactory(published_at=later, start_date=day + datetime.timedelta(days=901), title="Coming out"),
        MeetingFactory(status="postponed", start_date=day + datetime.timedelta(days=902), title="Postponed"),
        MeetingFactory(status="scheduled", start_date=timezone.localdate() + datetime.timedelta(days=9)),
    ]
    statuses = ["not_started", "completed", "in_progress", "cancelled"]
    for index, meeting in enumerate(meetings):
        AttendanceFactory(meeting=meeting, participant=participant if index % 5 != 3 else other)
        for position in (2, 1):
            outcome = OutcomeFactory(meeting=meeting, position=position)
            for action_position in (1, 0):
                action = ActionItemFactory(
                    outcome=outcome, position=action_position, status=statuses[(index + position) % 4]
                )
                owner = participant if (index + action_position) % 3 else other
                ActionOwnerFactory(action_item=action, participant=owner)


@pytest.mark.parametrize("limit", [3, 10])
def test_participant_latest_lists_are_the_same_walked_from_the_newest_meetings(monkeypatch, limit):
    australia, canada = ParticipantFactory(), ParticipantFactory()
    mixed_record(australia, canada)

    def lists():
        versions.bump()
        return (
            [row.pk for row in participation.recent_attendances(australia, 100, limit=limit)],
            [row.pk for row in participation.recent_open_ownerships(australia, 100, limit=limit)],
            [row.pk for row in participation.scheduled_attendances(australia)[1]],
        )

    monkeypatch.setattr(participation, "WALK_FROM", 10**9)
    sorted_lists = lists()
    monkeypatch.setattr(participation, "WALK_FROM", 0)
    monkeypatch.setattr(participation, "WALKS_ON", {"sqlite", "postgresql"})
    walked_lists = lists()
    assert walked_lists == sorted_lists
    attendances, ownerships, scheduled = walked_lists
    assert len(attendances) == limit and len(ownerships) == limit and len(scheduled) == 1


@pytest.mark.parametrize("meetings", [5, 50])
def test_participant_page_query_count_is_the_same_walked_from_the_newest_meetings(
    client, monkeypatch, meetings
):
    monkeypatch.setattr(participation, "WALK_FROM", 0)
    monkeypatch.setattr(participation, "WALKS_ON", {"sqlite", "postgresql"})
    participant = ParticipantFactory()
    attend_and_own(participant, meetings)
    assert page_queries(client, detail_url(participant)) == PARTICIPANT_PAGE_QUERIES
    versions.bump()
    response = client.get(detail_url(participant))
    assert len(response.context["recent_attendances"]) == min(meetings, participation.RECENT_MEETINGS)
    assert len(response.context["recent_open_ownerships"]) == min(
        len([index for index in range(meetings) if index % 3 != 2]), participation.RECENT_OPEN_ACTIONS
    )


def test_participant_page_without_a_record_says_so(client):
    response = client.get(detail_url(ParticipantFactory()))
    assert "No attendance at a published meeting held is recorded." in response.text
    assert "It owns no action in the published record." in response.text


def test_unknown_participant_is_not_found(client):
    assert client.get(reverse("meetings:participant_detail", kwargs={"slug": "atlantis"})).status_code == 404


# The first request after a change: the participant, its aliases, its current and past
# memberships, its attendance by year (two: its rows of the tallies kept on write, and its attendance
# at held meetings not published, to take away), the ids of its latest meetings and those meetings, the count
# of the scheduled meetings it is listed for (none here), its action tallies (two: its rows of the
# tallies kept on write, and the shares of the actions of unpublished meetings to take away), the
# ids of its latest open actions and those actions; a forum body also its members, the count and ids
# of the decisions about it, those decisions and the memberships of it they began or ended.
PARTICIPANT_PAGE_QUERIES = 13
FORUM_BODY_PAGE_QUERIES = 18
# Then the attendance by year, the tallies and the two lists' ids are remembered: the participant,
# its aliases, its current and past memberships, its latest meetings and its latest open actions.
REMEMBERED_PARTICIPANT_PAGE_QUERIES = 6


def page_queries(client, url):
    """The queries of the page's own view: those of any request (robots.txt makes none) taken off."""
    return queries_to_get(client, url) - queries_to_get(client, reverse("meetings:robots_txt"))


@pytest.mark.parametrize("meetings", [5, 50])
def test_participant_page_query_count_is_fixed_whatever_its_record(client, meetings):
    participant = ParticipantFactory()
    MembershipFactory(participant=participant)
    MembershipFactory(participant=participant, status="observer", body=ForumBodyFactory())
    ParticipantAliasFactory(participant=participant)
    attend_and_own(participant, meetings)
    assert page_queries(client, detail_url(participant)) == PARTICIPANT_PAGE_QUERIES


@pytest.mark.parametrize("meetings", [5, 50])
def test_forum_body_page_query_count_is_fixed_whatever_its_record(client, meetings):
    body = ForumBodyFactory()
    for _ in range(meetings // 5):
        setting_up = OutcomeFactory(kind="established")
        setting_up.concerns.add(body)
        MembershipFactory(participant=ParticipantFactory(), body=body, granted_by=setting_up)
    attend_and_own(body, meetings)
    assert page_queries(client, detail_url(body)) == FORUM_BODY_PAGE_QUERIES


def test_forum_body_page_links_the_decisions_that_set_it_up_and_changed_its_membership(client):
    body = ForumBodyFactory(name="Working Group on Trafficking in Persons", slug="tip-wg")
    eighth = MeetingFactory(title="Eighth AHG meeting", start_date=datetime.date(2014, 8, 6))
    terms = OutcomeFactory(meeting=eighth, position=4, kind="endorsed", text="Members endorsed its terms.")
    terms.concerns.add(body)
    australia = ParticipantFactory(name="Australia")
    MembershipFactory(participant=australia, body=body, status="co_chair", granted_by=terms)
    later = MeetingFactory(title="Ninth AHG meeting", start_date=datetime.date(2016, 3, 1))
    departure = OutcomeFactory(meeting=later, kind="noted", text="Canada left the working group.")
    canada = ParticipantFactory(name="Canada")
    MembershipFactory(participant=canada, body=body, status="member", ended_by=departure)
    noted = OutcomeFactory(meeting=later, position=2, kind="noted", text="Members noted its report.")
    noted.concerns.add(body)  # information, not a decision, and no membership: not listed
    OutcomeFactory(meeting=MeetingFactory(published_at=None), kind="established").concerns.add(body)

    response = client.get(detail_url(body))
    count, decisions = response.context["body_decision_count"], response.context["body_decisions"]
    assert count == 2
    assert [decision.outcome for decision in decisions] == [terms, departure]
    assert [membership.participant for membership in decisions[0].began] == [australia]
    assert [membership.participant for membership in decisions[1].ended] == [canada]
    assert (
        f'href="{terms.get_absolute_url()}">Eighth AHG meeting, Canberra, 6 August 2014, outcome 4</a>'
        in (response.text)
    )
    assert "Members noted its report." not in response.text


def test_forum_body_page_lists_the_first_decisions_and_says_how_many_there_are(client):
    body = ForumBodyFactory()
    for _ in range(participation.BODY_DECISIONS + 1):
        OutcomeFactory(kind="decided").concerns.add(body)
    response = client.get(detail_url(body))
    assert len(response.context["body_decisions"]) == participation.BODY_DECISIONS
    assert f"The first {participation.BODY_DECISIONS} of {participation.BODY_DECISIONS + 1}." in response.text


def test_participant_page_remembers_its_counts_until_the_record_changes(client, settings):
    settings.PAGE_CACHE = False  # the remembered counts alone, not the page
    participant = ParticipantFactory()
    attend_and_own(participant, 5)
    url = detail_url(participant)
    assert page_queries(client, url) == PARTICIPANT_PAGE_QUERIES
    assert page_queries(client, url) == REMEMBERED_PARTICIPANT_PAGE_QUERIES

    first = client.get(url).context
    ownership = first["recent_open_ownerships"][0]
    ownership.action_item.status = ActionStatus.COMPLETED
    ownership.action_item.save()
    after = client.get(url).context

    def tally(context, status):
        return next(tally["count"] for tally in context["action_tallies"] if tally["status"] == status)

    assert tally(after, "completed") == tally(first, "completed") + 1
    assert tally(after, "open") == tally(first, "open") - 1
    assert ownership.pk not in [shown.pk for shown in after["recent_open_ownerships"]]
