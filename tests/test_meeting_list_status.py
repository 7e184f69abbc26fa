"""The meetings list keeps scheduled meetings apart from those held, and filters by the role a
participant attended in."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from meetings.models import AttendanceRole, MeetingStatus
from meetings.views.meetings import SCHEDULED_SHOWN
from tests.factories import AttendanceFactory, MeetingFactory, ParticipantFactory
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:meeting_list")
NEXT_YEAR = datetime.date.today().year + 1


def listed(response):
    return [meeting.title for meeting in response.context["object_list"]]


def scheduled(response):
    return [meeting.title for meeting in response.context.get("scheduled_meetings") or []]


def test_newest_first_opens_with_the_latest_meeting_held_and_keeps_scheduled_ones_apart(client):
    MeetingFactory(title="Held in 2014", start_date=datetime.date(2014, 8, 6))
    MeetingFactory(
        title="Cancelled in 2015", start_date=datetime.date(2015, 3, 1), status=MeetingStatus.CANCELLED
    )
    MeetingFactory(title="Later", start_date=datetime.date(NEXT_YEAR, 9, 1), status=MeetingStatus.SCHEDULED)
    MeetingFactory(title="Sooner", start_date=datetime.date(NEXT_YEAR, 2, 1), status=MeetingStatus.SCHEDULED)
    response = client.get(LIST_URL)
    assert listed(response) == ["Cancelled in 2015", "Held in 2014"]
    assert scheduled(response) == ["Sooner", "Later"]
    page = response.content.decode()
    assert page.index('id="scheduled-heading"') < page.index("Cancelled in 2015")
    assert "2 meetings, and 2 scheduled" in page


def test_scheduled_meetings_apart_are_the_soonest_few_with_a_link_to_all_of_them(client):
    for month in range(1, SCHEDULED_SHOWN + 3):
        MeetingFactory(start_date=datetime.date(NEXT_YEAR, month, 1), status=MeetingStatus.SCHEDULED)
    response = client.get(LIST_URL)
    assert len(scheduled(response)) == SCHEDULED_SHOWN
    assert response.context["scheduled_count"] == SCHEDULED_SHOWN + 2
    assert f"All {SCHEDULED_SHOWN + 2} scheduled, soonest first" in response.text
    assert 'href="?status=scheduled&amp;sort=oldest"' in response.text


def test_a_status_chosen_or_another_order_lists_every_match_in_one_list(client):
    MeetingFactory(title="Held", start_date=datetime.date(2014, 8, 6))
    MeetingFactory(title="Coming", start_date=datetime.date(NEXT_YEAR, 2, 1), status=MeetingStatus.SCHEDULED)
    chosen = client.get(LIST_URL, {"status": "scheduled"})
    assert listed(chosen) == ["Coming"]
    assert scheduled(chosen) == []
    oldest = client.get(LIST_URL, {"sort": "oldest"})
    assert listed(oldest) == ["Held", "Coming"]
    assert scheduled(oldest) == []


def test_scheduled_meetings_apart_are_shown_on_the_first_page_only(client):
    for day in range(1, 23):
        MeetingFactory(start_date=datetime.date(2014, 8, day))
    MeetingFactory(start_date=datetime.date(NEXT_YEAR, 2, 1), status=MeetingStatus.SCHEDULED)
    assert len(scheduled(client.get(LIST_URL))) == 1
    second = client.get(LIST_URL, {"page": 2})
    assert scheduled(second) == []
    assert len(listed(second)) == 2


def test_only_scheduled_meetings_match_and_the_list_says_so_without_an_empty_state(client):
    MeetingFactory(title="Coming", start_date=datetime.date(NEXT_YEAR, 2, 1), status=MeetingStatus.SCHEDULED)
    response = client.get(LIST_URL)
    assert scheduled(response) == ["Coming"]
    assert "0 meetings, and 1 scheduled" in response.text


def observed_and_member_meetings():
    canada = ParticipantFactory(name="Canada", slug="canada", country="CA")
    observed = MeetingFactory(title="Observed", start_date=datetime.date(2013, 3, 5))
    member = MeetingFactory(title="As member", start_date=datetime.date(2014, 8, 6))
    AttendanceFactory(meeting=observed, participant=canada, role=AttendanceRole.OBSERVER)
    AttendanceFactory(meeting=member, participant=canada, role=AttendanceRole.MEMBER)
    AttendanceFactory(meeting=member, role=AttendanceRole.OBSERVER)  # someone else observed it
    MeetingFactory(title="Absent")
    return canada


def test_role_narrows_a_participants_meetings_to_those_it_attended_in_that_role(client):
    observed_and_member_meetings()
    response = client.get(LIST_URL, {"participant": "canada", "role": "observer"})
    assert listed(response) == ["Observed"]
    chips = {active["name"]: active for active in response.context["active_filters"]}
    assert chips["role"]["value"] == "Observer"
    # Removing the participant removes its role too; removing the role keeps the participant.
    assert chips["participant"]["remove_url"] == LIST_URL
    assert chips["role"]["remove_url"] == "?participant=canada"


def test_each_row_says_the_role_the_filtered_participant_attended_in(client):
    canada = observed_and_member_meetings()
    coming = MeetingFactory(
        title="Coming", start_date=datetime.date(NEXT_YEAR, 2, 1), status=MeetingStatus.SCHEDULED
    )
    AttendanceFactory(meeting=coming, participant=canada, role=AttendanceRole.SPECIAL_GUEST)
    response = client.get(LIST_URL, {"participant": "canada"})
    assert {meeting.title: meeting.participant_role_label for meeting in response.context["object_list"]} == {
        "Observed": "Observer",
        "As member": "Member",
    }
    assertContains(response, '<span class="meeting-role">Canada: <strong>Observer</strong></span>', html=True)
    assertContains(response, '<span class="meeting-role">Canada: <strong>Member</strong></span>', html=True)
    assertContains(
        response, '<span class="meeting-role">Canada: <strong>Special guest</strong></span>', html=True
    )
    narrowed = client.get(LIST_URL, {"participant": "canada", "role": "observer"})
    assertContains(narrowed, '<span class="meeting-role">Canada: <strong>Observer</strong></span>', html=True)
    assertNotContains(narrowed, "<strong>Member</strong>")
    assertNotContains(client.get(LIST_URL), 'class="meeting-role"')


def test_the_roles_on_the_rows_cost_no_query_per_row(client):
    canada = ParticipantFactory(name="Canada", slug="canada", country="CA")

    def observed(count):
        for _ in range(count):
            AttendanceFactory(meeting=MeetingFactory(), participant=canada, role=AttendanceRole.OBSERVER)

    query = {"participant": "canada", "role": "observer"}
    observed(3)
    few = queries_to_get(client, LIST_URL, query)
    observed(40)
    many = queries_to_get(client, LIST_URL, query)
    # The record's version; the participant asked for; the count; the page of meetings with their
    # types and the participant's role; their outcome and action counts; the soonest scheduled
    # meetings and their count; the panel's choices: years, countries, types, participants, themes.
    assert few == many == 12


def test_role_without_a_participant_is_explained_and_left_out(client):
    observed_and_member_meetings()
    response = client.get(LIST_URL, {"role": "observer"})
    assert response.status_code == 200
    assert "Choose a participant too: this is the role it attended in." in response.text
    assert sorted(listed(response)) == ["Absent", "As member", "Observed"]


def test_api_and_feed_take_the_role_too_and_refuse_it_without_a_participant(client):
    observed_and_member_meetings()
    answer = client.get(reverse("api:meeting_list"), {"participant": "canada", "role": "observer"}).json()
    assert [meeting["title"] for meeting in answer["results"]] == ["Observed"]
    refused = client.get(reverse("api:meeting_list"), {"role": "observer"})
    assert refused.status_code == 400
    assert "role" in refused.json()["errors"]
    assert (
        client.get(reverse("api:meeting_list"), {"participant": "canada", "role": "chief"}).status_code == 400
    )
    feed = client.get(reverse("meetings:meeting_feed"), {"participant": "canada", "role": "member"})
    assert b"As member" in feed.content
    assert b"Observed" not in feed.content


def test_role_without_a_participant_is_refused_alike_by_the_api_the_feed_and_the_calendar(client):
    """The page lists every meeting and says why beside the field; what a program reads is not
    narrowed as asked, so each answers 400 with the same sentence."""
    observed_and_member_meetings()
    reason = "Choose a participant too: this is the role it attended in."
    api = client.get(reverse("api:meeting_list"), {"role": "observer"})
    assert api.status_code == 400
    assert api.json()["errors"] == {"role": [reason]}
    assert reason in api.json()["detail"]
    for name in ("meetings:meeting_feed", "meetings:meeting_calendar"):
        answer = client.get(reverse(name), {"role": "observer"})
        assert answer.status_code == 400, name
        assert reason in answer.content.decode(), name
