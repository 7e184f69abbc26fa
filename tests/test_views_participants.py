import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
    assert few == many


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


def test_participant_page_lists_meetings_attended_by_year_with_role(client):
    canada = ParticipantFactory(name="Canada", country="CA")
    AttendanceFactory(
        participant=canada,
        role="observer",
        meeting=MeetingFactory(title="Eighth AHG", start_date=datetime.date(2014, 8, 6)),
    )
    AttendanceFactory(
        participant=canada,
        role="member",
        meeting=MeetingFactory(title="Fifth MC", start_date=datetime.date(2013, 4, 2)),
    )
    AttendanceFactory(participant=canada, meeting=MeetingFactory(title="Unpublished", published_at=None))
    response = client.get(detail_url(canada))
    content = response.content.decode()
    assert [year["year"] for year in response.context["attendances_by_year"]] == [2014, 2013]
    assert content.index("Eighth AHG") < content.index("Fifth MC")
    assert "Observer" in content
    assert "Unpublished" not in content


def test_participant_page_groups_owned_actions_by_status(client):
    rso = ForumBodyFactory(name="Regional Support Office", short_name="RSO")
    meeting = MeetingFactory()
    for title, status in [
        ("Write guides", "in_progress"),
        ("Review RILON", "completed"),
        ("Plan", "not_started"),
    ]:
        action = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), title=title, status=status)
        ActionOwnerFactory(action_item=action, participant=rso)
    hidden = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(published_at=None)), title="Hidden"
    )
    ActionOwnerFactory(action_item=hidden, participant=rso)
    response = client.get(detail_url(rso))
    groups = response.context["actions_by_status"]
    assert [group["status"] for group in groups] == ["not_started", "in_progress", "completed"]
    assert b"Hidden" not in response.content


def test_unknown_participant_is_not_found(client):
    assert client.get(reverse("meetings:participant_detail", kwargs={"slug": "atlantis"})).status_code == 404


def test_participant_page_query_count_does_not_grow_with_its_record(client):
    participant = ParticipantFactory()
    MembershipFactory(participant=participant)
    attend_and_own(participant, 5)
    few = count_queries(client, detail_url(participant))
    attend_and_own(participant, 45, offset=5)
    MembershipFactory(participant=participant, status="observer", body=ForumBodyFactory())
    many = count_queries(client, detail_url(participant))
    assert few == many
