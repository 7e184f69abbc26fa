"""An outcome's own page: its permanent address, what it shows, who may see it and what it costs."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import ActionStatus, Outcome, OutcomeKind
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

PAST = datetime.date(2015, 6, 30)


def seed_outcome(**kwargs):
    meeting = MeetingFactory(
        title="Eighth Meeting of the Ad Hoc Group Senior Officials",
        start_date=datetime.date(2014, 8, 6),
        city="Canberra",
        country="AU",
    )
    return OutcomeFactory(meeting=meeting, position=4, **{"kind": OutcomeKind.ENDORSED, **kwargs})


def test_an_outcome_has_a_permanent_address_by_id_not_by_position():
    outcome = seed_outcome()
    assert outcome.get_absolute_url() == f"/outcomes/{outcome.pk}/"
    outcome.position = 7
    outcome.save()
    assert outcome.get_absolute_url() == f"/outcomes/{outcome.pk}/"


def test_the_citation_names_the_meeting_its_place_its_date_and_the_outcome_number():
    outcome = seed_outcome()
    assert outcome.citation == (
        "Eighth Meeting of the Ad Hoc Group Senior Officials, Canberra, 6 August 2014, outcome 4"
    )


def test_a_citation_leaves_out_what_the_record_does_not_know():
    outcome = OutcomeFactory(
        meeting=MeetingFactory(title="Virtual workshop", city="", country="", start_date=None),
        position=2,
    )
    assert outcome.citation == "Virtual workshop, outcome 2"


def test_outcome_page_shows_its_text_kind_strength_meeting_concerns_themes_and_documents(client):
    working_group = ForumBodyFactory(name="Working Group on Trafficking in Persons", short_name="TIP WG")
    theme = ThemeFactory(name="Trafficking in persons")
    outcome = seed_outcome(text="Members endorsed draft terms of reference for the Working Group.")
    outcome.concerns.add(working_group)
    outcome.themes.add(theme)
    outcome.documents.add(DocumentFactory(meeting=outcome.meeting, title="Terms of reference"))
    response = client.get(outcome.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Members endorsed draft terms of reference for the Working Group." in page
    assert "Endorsed" in page
    assert "Decision" in page
    assert f'href="{outcome.meeting.get_absolute_url()}"' in page
    assert f'href="{working_group.get_absolute_url()}">TIP WG</a>' in page
    assert "Trafficking in persons" in page
    assert "Terms of reference" in page


def test_outcome_page_cite_box_gives_the_permanent_link_and_a_ready_citation(client):
    outcome = seed_outcome()
    response = client.get(outcome.get_absolute_url())
    permalink = f"http://testserver/outcomes/{outcome.pk}/"
    assert f'<input id="cite-link" class="cite-box__link" type="url" value="{permalink}" readonly>' in (
        response.text
    )
    citation = re.search(r'<textarea id="cite-text"[^>]*>([^<]*)</textarea>', response.text).group(1)
    assert citation == (
        "Eighth Meeting of the Ad Hoc Group Senior Officials, Canberra, 6 August 2014, outcome 4. "
        + permalink
    )
    assert f'<link rel="canonical" href="{permalink}">' in response.text


def test_outcome_page_carries_schema_org_data_recorded_at_its_meeting(client):
    outcome = seed_outcome()
    outcome.concerns.add(OrganisationFactory(name="United Nations Office on Drugs and Crime"))
    response = client.get(outcome.get_absolute_url())
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', response.text).group(1)
    )
    assert data["@type"] == "CreativeWork"
    assert data["url"] == f"http://testserver/outcomes/{outcome.pk}/"
    assert data["name"] == outcome.citation
    assert data["recordedAt"]["@type"] == "Event"
    assert data["recordedAt"]["startDate"] == "2014-08-06"
    assert data["about"][0]["name"] == "United Nations Office on Drugs and Crime"


def test_outcome_page_lists_its_actions_with_status_owners_and_timeline(client):
    outcome = seed_outcome()
    rso = ParticipantFactory(name="Regional Support Office", short_name="RSO")
    overdue = ActionItemFactory(
        outcome=outcome,
        title="Review the network",
        status=ActionStatus.IN_PROGRESS,
        due_date=PAST,
        due_precision="half",
    )
    ActionOwnerFactory(action_item=overdue, participant=rso)
    done = ActionItemFactory(outcome=outcome, title="Hold the workshop", status=ActionStatus.COMPLETED)
    ProgressUpdateFactory(
        action_item=done,
        date=datetime.date(2015, 3, 27),
        status=ActionStatus.COMPLETED,
        note="Held in Bangkok.",
    )
    page = client.get(outcome.get_absolute_url()).content.decode()
    assert f'href="{overdue.get_absolute_url()}">Review the network</a>' in page
    assert ">Overdue<" in page
    assert ">RSO</a>" in page
    assert '<time class="timeline__date" datetime="2015-03-27">27 Mar 2015</time>' in page
    assert "Held in Bangkok." in page


def test_outcome_page_names_the_memberships_it_decided(client):
    outcome = seed_outcome(kind=OutcomeKind.GRANTED)
    body = ForumBodyFactory(name="Ad Hoc Group", short_name="AHG")
    unodc = OrganisationFactory(name="United Nations Office on Drugs and Crime", short_name="UNODC")
    MembershipFactory(participant=unodc, body=body, status="member", granted_by=outcome)
    MembershipFactory(participant=unodc, body=body, status="observer", ended_by=outcome)
    page = client.get(outcome.get_absolute_url()).content.decode()
    assert "Membership it decided" in page
    listed = r"<h3>{}</h3>\s*<ul[^>]*>\s*<li><a [^>]*>UNODC</a>: {} of <a [^>]*>AHG</a>"
    assert re.search(listed.format("Began", "Member"), page)
    assert re.search(listed.format("Ended", "Observer"), page)


def test_an_unpublished_meetings_outcome_is_not_found_by_the_public(client):
    draft = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    scheduled = OutcomeFactory(
        meeting=MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:outcome_detail", kwargs={"pk": 999_999})).status_code == 404


def test_staff_preview_a_draft_meetings_outcome_marked_as_such(editor_client):
    draft = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: the meeting that decided this is not published." in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_outcome_page_hides_a_cited_document_of_a_draft_meeting(client):
    outcome = seed_outcome()
    outcome.documents.add(DocumentFactory(meeting__published_at=None, title="Unpublished working paper"))
    assert "Unpublished working paper" not in client.get(outcome.get_absolute_url()).text


def add_actions(outcome, count):
    for index in range(count):
        action = ActionItemFactory(
            outcome=outcome, due_date=PAST if index % 2 else None, due_precision="half" if index % 2 else ""
        )
        ActionOwnerFactory(action_item=action)
        ActionOwnerFactory(action_item=action, role="support")
        ProgressUpdateFactory(action_item=action, meeting=MeetingFactory())
    outcome.concerns.add(ParticipantFactory(), ParticipantFactory())
    outcome.themes.add(ThemeFactory())
    outcome.documents.add(DocumentFactory(meeting=outcome.meeting))
    MembershipFactory(granted_by=outcome, body=ForumBodyFactory())


# The record's version, the outcome with its meeting, then one query per relation shown: concerns,
# themes, documents, action items, their owners, their progress updates, memberships granted and
# memberships ended.
OUTCOME_PAGE_QUERIES = 10


@pytest.mark.parametrize("actions", [2, 20])
def test_outcome_page_query_count_is_fixed_whatever_its_record(client, actions):
    outcome = seed_outcome()
    add_actions(outcome, actions)
    assert queries_to_get(client, outcome.get_absolute_url()) == OUTCOME_PAGE_QUERIES


def test_meeting_page_lists_outcomes_before_attendance_each_with_permalink_and_action_summary(client):
    outcome = seed_outcome()
    ActionItemFactory(outcome=outcome, status=ActionStatus.IN_PROGRESS, due_date=PAST, due_precision="half")
    ActionItemFactory(outcome=outcome, status=ActionStatus.NOT_STARTED, due_date=None)
    ActionItemFactory(outcome=outcome, status=ActionStatus.COMPLETED)
    ActionItemFactory(outcome=outcome, status=ActionStatus.SUPERSEDED)
    quiet = OutcomeFactory(meeting=outcome.meeting, position=5)
    page = client.get(outcome.meeting.get_absolute_url()).content.decode()
    assert page.index('id="outcomes-heading"') < page.index('id="attendance-heading"')
    assert f'<a href="/outcomes/{outcome.pk}/">Outcome 4: permanent link and citation</a>' in page
    summary = re.search(r'<span class="outcome-summary">(.*?)</span>\s*</p>', page, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", summary)
    assert text == "4 actions: 1 overdue, 1 not started, 1 completed, 1 cancelled or superseded"
    assert f'<a href="/outcomes/{quiet.pk}/">' in page
    assert "No follow-up action recorded" in page


def test_outcome_action_tallies_add_up_to_the_total():
    outcome = seed_outcome()
    for status in ActionStatus:
        ActionItemFactory(outcome=outcome, status=status, due_date=PAST, due_precision="half")
        ActionItemFactory(outcome=outcome, status=status, due_date=None)
    counted = Outcome.objects.with_action_tallies().get(pk=outcome.pk)
    parts = ("completed", "overdue", "in_progress", "not_started", "withdrawn")
    assert counted.actions_total == 10
    assert sum(getattr(counted, f"actions_{part}") for part in parts) == 10
    assert counted.actions_overdue == 2


def test_sitemap_lists_published_outcomes_only(client):
    published = seed_outcome()
    draft = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-outcomes.xml" in index
    section = client.get("/sitemap-outcomes.xml").content.decode()
    assert f"http://testserver/outcomes/{published.pk}/" in section
    assert f"/outcomes/{draft.pk}/" not in section


def test_api_gives_an_outcomes_own_page_as_its_url(client):
    outcome = seed_outcome()
    answer = client.get(reverse("api:outcome_detail", kwargs={"outcome_id": outcome.pk})).json()
    assert answer["url"] == f"http://testserver/outcomes/{outcome.pk}/"
