import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def slugs(page):
    return [row["slug"] for row in page["results"]]


@pytest.fixture
def record():
    """A published meeting with its whole record, and a draft that must never show."""
    ahg = MeetingTypeFactory(slug="ahg", name="Ad Hoc Group Senior Officials' Meeting")
    theme = ThemeFactory(slug="trafficking", name="Trafficking in persons")
    australia = ParticipantFactory(slug="australia", name="Australia", country="AU")
    unodc = OrganisationFactory(
        slug="unodc", name="United Nations Office on Drugs and Crime", short_name="UNODC"
    )
    rso = ForumBodyFactory(slug="rso", name="Regional Support Office")
    draft = MeetingFactory(slug="draft-meeting", published_at=None, meeting_type=ahg)
    meeting = MeetingFactory(
        slug="eighth-ahg",
        title="Eighth AHG Senior Officials' Meeting",
        meeting_type=ahg,
        number=8,
        themes=[theme],
        parent=draft,
        convening_body=rso,
        source_urls="https://example.org/source",
    )
    AttendanceFactory(meeting=meeting, participant=australia, role="co_chair")
    AttendanceFactory(meeting=meeting, participant=unodc, role="observer", person="Regional Representative")
    outcome = OutcomeFactory(
        meeting=meeting, position=1, kind="granted", text="UNODC was granted membership."
    )
    outcome.concerns.add(unodc)
    document = DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    outcome.documents.add(document)
    action = ActionItemFactory(
        outcome=outcome,
        title="Report on the plan",
        status="in_progress",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        due_as_published="first half of 2015",
        fulfilled_by_meeting=draft,
    )
    ActionOwnerFactory(action_item=action, participant=rso)
    ProgressUpdateFactory(action_item=action, note="Halfway.", meeting=draft)
    draft_outcome = OutcomeFactory(meeting=draft, text="Secret.")
    ActionItemFactory(outcome=draft_outcome, title="Draft action")
    DocumentFactory(meeting=draft, title="Draft document")
    return {
        "meeting": meeting,
        "draft": draft,
        "outcome": outcome,
        "action": action,
        "document": document,
        "australia": australia,
        "unodc": unodc,
        "rso": rso,
    }


def test_index_links_every_list_and_the_schema(client):
    index = get_json(client, "/api/")
    assert index["meetings"] == "http://testserver/api/meetings/"
    assert index["openapi"] == "http://testserver/api/openapi.json"
    assert index["docs"] == "http://testserver/api/docs"


def test_meeting_list_shows_published_meetings_with_links_to_their_pages(client, record):
    page = get_json(client, "/api/meetings/")
    assert page["count"] == 1
    (meeting,) = page["results"]
    assert meeting["slug"] == "eighth-ahg"
    assert meeting["url"] == "http://testserver/meetings/eighth-ahg/"
    assert meeting["api_url"] == "http://testserver/api/meetings/eighth-ahg/"
    assert meeting["type"] == "ahg"
    assert meeting["number"] == 8
    assert meeting["country"] == "AU"
    assert meeting["themes"] == ["trafficking"]
    assert meeting["start_date"] == "2014-08-06"


def test_meeting_list_honours_the_meetings_page_filters(client):
    ahg = MeetingTypeFactory(slug="ahg")
    thailand = ParticipantFactory(slug="thailand", country="TH")
    held = MeetingFactory(slug="held-in-bangkok", meeting_type=ahg, country="TH", city="Bangkok")
    AttendanceFactory(meeting=held, participant=thailand)
    MeetingFactory(slug="later", start_date=datetime.date(2016, 3, 23), status="scheduled")
    assert slugs(get_json(client, "/api/meetings/?type=ahg")) == ["held-in-bangkok"]
    assert slugs(get_json(client, "/api/meetings/?participant=thailand")) == ["held-in-bangkok"]
    assert slugs(get_json(client, "/api/meetings/?country=th")) == ["held-in-bangkok"]
    assert slugs(get_json(client, "/api/meetings/?q=bangkok")) == ["held-in-bangkok"]
    assert slugs(get_json(client, "/api/meetings/?year=2016")) == ["later"]
    assert slugs(get_json(client, "/api/meetings/?status=scheduled")) == ["later"]
    assert slugs(get_json(client, "/api/meetings/?sort=oldest")) == ["held-in-bangkok", "later"]
    # A year or a country without meetings is an empty list, not an error.
    assert get_json(client, "/api/meetings/?year=2031")["count"] == 0
    assert get_json(client, "/api/meetings/?country=FR")["count"] == 0


def test_lists_page_by_limit_and_offset_with_links_that_keep_the_filters(client):
    ahg = MeetingTypeFactory(slug="ahg")
    for day in range(1, 6):
        MeetingFactory(slug=f"meeting-{day}", meeting_type=ahg, start_date=datetime.date(2014, 8, day))
    first = get_json(client, "/api/meetings/?type=ahg&limit=2")
    assert first["count"] == 5
    assert slugs(first) == ["meeting-5", "meeting-4"]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/meetings/?type=ahg&limit=2&offset=2"
    second = get_json(client, first["next"])
    assert slugs(second) == ["meeting-3", "meeting-2"]
    assert second["previous"] == "http://testserver/api/meetings/?type=ahg&limit=2&offset=0"
    last = get_json(client, second["next"])
    assert slugs(last) == ["meeting-1"]
    assert last["next"] is None
    beyond = get_json(client, "/api/meetings/?offset=50")
    assert beyond["results"] == []
    assert beyond["count"] == 5


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("year=abc", "year"),
        ("year=0", "year"),
        ("participant=nobody", "participant"),
        ("type=no-such-type", "type"),
        ("status=adjourned", "status"),
        ("country=ZZ", "country"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("offset=-1", "offset"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_query_values_answer_400_naming_the_parameter(client, query, parameter):
    problem = get_json(client, f"/api/meetings/?{query}", status=400)
    assert parameter in problem["errors"]
    assert parameter in problem["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/actions/?due_before=2015-02-30",
        "/api/actions/?owner=nobody",
        "/api/actions/?status=late",
        "/api/participants/?kind=planet",
        "/api/outcomes/?meeting=draft-meeting",
        "/api/documents/?kind=poem",
    ],
)
def test_bad_values_on_every_list_answer_400(client, record, url):
    assert get_json(client, url, status=400)["errors"]


def test_meeting_detail_holds_attendance_outcomes_actions_and_documents(client, record):
    meeting = get_json(client, "/api/meetings/eighth-ahg/")
    assert meeting["convening_body"]["slug"] == "rso"
    assert meeting["source_urls"] == ["https://example.org/source"]
    assert [(row["participant"]["slug"], row["role"]) for row in meeting["attendance"]] == [
        ("australia", "co_chair"),
        ("unodc", "observer"),
    ]
    assert meeting["attendance"][1]["person"] == "Regional Representative"
    assert meeting["attendance"][0]["participant"]["url"] == "http://testserver/participants/australia/"
    (outcome,) = meeting["outcomes"]
    assert outcome["kind"] == "granted"
    assert outcome["strength"] == "decision"
    assert outcome["concerns"] == ["unodc"]
    assert outcome["documents"] == [record["document"].pk]
    assert outcome["url"] == f"http://testserver/outcomes/{outcome['id']}/"
    (action,) = outcome["actions"]
    assert action["id"] == record["action"].pk
    assert action["due"] == "2015-H1"
    assert action["overdue"] is True
    assert action["owners"][0]["participant"]["slug"] == "rso"
    assert action["url"] == f"http://testserver/actions/{record['action'].pk}/"
    assert [document["title"] for document in meeting["documents"]] == ["Co-Chairs' Statement"]


def test_drafts_are_not_found_and_never_referenced(client, record):
    assert "draft-meeting" in get_json(client, "/api/meetings/draft-meeting/", status=404)["detail"]
    assert get_json(client, "/api/meetings/eighth-ahg/")["parent"] is None
    action = get_json(client, f"/api/actions/{record['action'].pk}/")
    assert action["fulfilled_by_meeting"] is None
    assert action["progress_updates"][0]["meeting"] is None
    assert get_json(client, "/api/actions/")["count"] == 1
    assert get_json(client, "/api/outcomes/")["count"] == 1
    assert get_json(client, "/api/documents/")["count"] == 1
    draft_action = record["draft"].outcomes.get().action_items.get()
    get_json(client, f"/api/actions/{draft_action.pk}/", status=404)
    get_json(client, f"/api/outcomes/{record['draft'].outcomes.get().pk}/", status=404)
    get_json(client, f"/api/documents/{record['draft'].documents.get().pk}/", status=404)


def test_a_published_parent_is_referenced(client, record):
    record["draft"].published_at = record["meeting"].published_at
    record["draft"].save()
    parent = get_json(client, "/api/meetings/eighth-ahg/")["parent"]
    assert parent["slug"] == "draft-meeting"
    assert parent["url"] == "http://testserver/meetings/draft-meeting/"


def test_participants_filter_by_kind_and_show_memberships_but_no_contact(client, record):
    ParticipantAliasFactory(participant=record["unodc"], name="Office on Drugs and Crime")
    MembershipFactory(
        participant=record["unodc"], status="member", start_date=datetime.date(2014, 8, 6), end_date=None
    )
    MembershipFactory(participant=record["unodc"], body=record["rso"], status="observer")
    record["unodc"].contact_email = "focal@example.org"
    record["unodc"].save()
    page = get_json(client, "/api/participants/?kind=international_organisation")
    assert slugs(page) == ["unodc"]
    unodc = get_json(client, "/api/participants/unodc/")
    assert unodc["short_name"] == "UNODC"
    assert unodc["aliases"] == ["Office on Drugs and Crime"]
    assert {(row["status"], row["body"]) for row in unodc["memberships"]} == {
        ("member", None),
        ("observer", "rso"),
    }
    assert unodc["meetings_url"] == "http://testserver/api/meetings/?participant=unodc"
    assert "focal@example.org" not in str(unodc)
    assert slugs(get_json(client, "/api/participants/?status=member")) == ["unodc"]
    get_json(client, "/api/participants/nobody/", status=404)


def test_outcomes_filter_by_meeting_strength_and_concerned_participant(client, record):
    OutcomeFactory(meeting=record["meeting"], position=2, kind="noted", text="Noted the report.")
    assert get_json(client, "/api/outcomes/?meeting=eighth-ahg")["count"] == 2
    decisions = get_json(client, "/api/outcomes/?strength=decision")["results"]
    assert [outcome["kind"] for outcome in decisions] == ["granted"]
    assert decisions[0]["actions"] == [record["action"].pk]
    assert decisions[0]["meeting"] == "eighth-ahg"
    assert get_json(client, "/api/outcomes/?concerns=unodc")["count"] == 1
    assert get_json(client, "/api/outcomes/?kind=noted")["results"][0]["text"] == "Noted the report."


def test_actions_honour_the_tracker_filters_and_show_their_timeline(client, record):
    ActionItemFactory(outcome=record["outcome"], title="Done", status="completed")
    assert [row["title"] for row in get_json(client, "/api/actions/?status=overdue")["results"]] == [
        "Report on the plan"
    ]
    assert get_json(client, "/api/actions/?owner=rso")["count"] == 1
    assert get_json(client, "/api/actions/?status=completed")["results"][0]["title"] == "Done"
    assert get_json(client, "/api/actions/?due_before=2015-12-31")["count"] == 1
    action = get_json(client, f"/api/actions/{record['action'].pk}/")
    assert action["meeting"] == "eighth-ahg"
    assert action["outcome"] == record["outcome"].pk
    assert [(update["status"], update["note"]) for update in action["progress_updates"]] == [
        ("in_progress", "Halfway.")
    ]


def test_actions_ignore_the_tracker_pages_grouping_which_the_api_does_not_declare(client, record):
    later = ActionItemFactory(
        outcome=OutcomeFactory(meeting=MeetingFactory(start_date=datetime.date(2020, 1, 1))),
        title="Later meeting, no deadline",
    )
    plain = [row["id"] for row in get_json(client, "/api/actions/")["results"]]

    assert plain == [record["action"].pk, later.pk]
    assert [row["id"] for row in get_json(client, "/api/actions/?group=meeting")["results"]] == plain
    assert [row["id"] for row in get_json(client, "/api/actions/?group=nonsense")["results"]] == plain


def test_documents_link_to_the_file_and_the_meeting_page(client, record):
    (document,) = get_json(client, "/api/documents/?meeting=eighth-ahg")["results"]
    assert document["link"].startswith("https://example.org/documents/")
    assert document["url"] == "http://testserver/meetings/eighth-ahg/"
    assert get_json(client, f"/api/documents/{document['id']}/")["title"] == "Co-Chairs' Statement"
    assert get_json(client, "/api/documents/?language=fr")["count"] == 0


def test_a_document_not_online_yet_has_no_link(client, record):
    document = DocumentFactory(meeting=record["meeting"], title="Terms of Reference", url="")

    answer = get_json(client, f"/api/documents/{document.pk}/")

    assert answer["link"] is None
    assert answer["url"] == "http://testserver/meetings/eighth-ahg/"
    meeting = get_json(client, "/api/meetings/eighth-ahg/")
    assert {doc["title"]: doc["link"] for doc in meeting["documents"]}["Terms of Reference"] is None


def build_record(meeting_count):
    ahg = MeetingTypeFactory(slug="ahg")
    theme = ThemeFactory(slug="theme")
    regular = ParticipantFactory(slug="regular")
    for _ in range(meeting_count):
        meeting = MeetingFactory(meeting_type=ahg, themes=[theme])
        participant = ParticipantFactory()
        AttendanceFactory(meeting=meeting, participant=participant)
        AttendanceFactory(meeting=meeting, participant=regular)
        MembershipFactory(participant=participant)
        outcome = OutcomeFactory(meeting=meeting)
        outcome.concerns.add(participant)
        outcome.themes.add(theme)
        document = DocumentFactory(meeting=meeting)
        outcome.documents.add(document)
        action = ActionItemFactory(outcome=outcome, fulfilled_by_meeting=meeting)
        action.themes.add(theme)
        ActionOwnerFactory(action_item=action, participant=participant)
        ProgressUpdateFactory(action_item=action, meeting=meeting)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


LIST_URLS = [
    "/api/meetings/?limit=100",
    "/api/meetings/?participant=regular&theme=theme",
    "/api/participants/?limit=100",
    "/api/outcomes/?limit=100",
    "/api/actions/?limit=100",
    "/api/documents/?limit=100",
    "/api/popolo.json",
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_query_count_does_not_grow_with_the_record(client, url):
    build_record(5)
    small = queries_for(client, url)
    build_record(45)
    assert queries_for(client, url) == small
    assert small <= 10


def test_detail_query_counts_do_not_grow_with_the_record(client):
    meeting = MeetingFactory(slug="big")
    member = ParticipantFactory(slug="member")
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting))

    def grow(count):
        for _ in range(count):
            participant = ParticipantFactory()
            AttendanceFactory(meeting=meeting, participant=participant)
            MembershipFactory(participant=member, body=ForumBodyFactory())
            outcome = OutcomeFactory(meeting=meeting)
            outcome.concerns.add(participant)
            outcome.documents.add(DocumentFactory(meeting=meeting))
            ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome), participant=participant)
            ProgressUpdateFactory(action_item=action_item, meeting=meeting)

    grow(5)
    urls = ["/api/meetings/big/", f"/api/actions/{action_item.pk}/", "/api/participants/member/"]
    small = [queries_for(client, url) for url in urls]
    grow(45)
    assert [queries_for(client, url) for url in urls] == small
    assert max(small) <= 12


def test_openapi_schema_describes_every_endpoint_and_its_filters(client):
    schema = get_json(client, "/api/openapi.json")
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/meetings/",
        "/api/meetings/{slug}/",
        "/api/participants/",
        "/api/outcomes/",
        "/api/actions/{action_id}/",
        "/api/documents/",
        "/api/popolo.json",
    ]:
        assert path in paths
    parameters = {parameter["name"] for parameter in paths["/api/meetings/"]["get"]["parameters"]}
    assert {"q", "year", "type", "country", "participant", "theme", "status", "limit", "offset"} <= parameters
    assert "400" in paths["/api/meetings/"]["get"]["responses"]


def test_docs_page_loads_its_code_from_this_site_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # The page is in the site's frame, whose canonical links name the site itself: nothing else.
    assert not re.search(r'(?:src|href|content)="(?:https?:)?//(?!testserver/)', html)
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui-init.js")
