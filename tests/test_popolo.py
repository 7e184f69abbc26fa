import datetime
import re

import pytest

from tests.factories import (
    AttendanceFactory,
    ForumBodyFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

POPOLO = "/api/popolo.json"

# The properties of each class in the Popolo specification (popoloproject.com/specs): an export
# uses no other name, so a Popolo reader understands every field it finds.
ORGANIZATION_FIELDS = {
    "id", "name", "other_names", "identifiers", "classification", "parent_id", "parent", "area_id", "area",
    "abstract", "description", "founding_date", "dissolution_date", "image", "contact_details", "links",
    "memberships", "posts", "children", "created_at", "updated_at", "sources",
}  # fmt: skip
MEMBERSHIP_FIELDS = {
    "id", "label", "role", "member", "person_id", "person", "organization_id", "organization", "post_id",
    "post", "on_behalf_of_id", "on_behalf_of", "area_id", "area", "start_date", "end_date",
    "contact_details", "links", "created_at", "updated_at", "sources",
}  # fmt: skip
EVENT_FIELDS = {
    "id", "name", "description", "start_date", "end_date", "location", "status", "identifiers",
    "classification", "organization_id", "organization", "attendees", "parent_id", "parent", "children",
    "created_at", "updated_at", "sources",
}  # fmt: skip
POPOLO_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}){0,2}$")


@pytest.fixture
def popolo(client):
    australia = ParticipantFactory(slug="australia", name="Australia", country="AU")
    unodc = OrganisationFactory(
        slug="unodc", name="United Nations Office on Drugs and Crime", short_name="UNODC"
    )
    ParticipantAliasFactory(participant=unodc, name="Office on Drugs and Crime")
    ahg = ForumBodyFactory(slug="ahg", name="Ad Hoc Group")
    MembershipFactory(participant=australia, status="co_chair", start_date=datetime.date(2002, 2, 26))
    MembershipFactory(
        participant=unodc,
        body=ahg,
        status="observer",
        start_date=datetime.date(2009, 4, 14),
        end_date=datetime.date(2014, 8, 5),
    )
    workshop_parent = MeetingFactory(slug="eighth-ahg", title="Eighth AHG meeting", convening_body=ahg)
    AttendanceFactory(meeting=workshop_parent, participant=australia, role="co_chair")
    AttendanceFactory(meeting=workshop_parent, participant=unodc, role="observer", person="Representative")
    MeetingFactory(slug="workshop", parent=workshop_parent, start_date=None, end_date=None)
    MeetingFactory(slug="draft", published_at=None)
    response = client.get(POPOLO)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def by_id(rows):
    return {row["id"]: row for row in rows}


def test_popolo_uses_only_popolo_field_names(popolo):
    assert set(popolo) == {"organizations", "memberships", "events"}
    for organization in popolo["organizations"]:
        assert set(organization) <= ORGANIZATION_FIELDS
    for membership in popolo["memberships"]:
        assert set(membership) <= MEMBERSHIP_FIELDS
    for event in popolo["events"]:
        assert set(event) <= EVENT_FIELDS
        for attendee in event["attendees"]:
            assert attendee["@type"] == "Organization"


def test_participants_are_organizations_classified_by_kind_with_their_iso_code(popolo):
    organizations = by_id(popolo["organizations"])
    assert organizations["australia"]["classification"] == "state"
    assert {"identifier": "AU", "scheme": "ISO 3166-1 alpha-2"} in organizations["australia"]["identifiers"]
    assert organizations["unodc"]["classification"] == "international_organisation"
    assert {"name": "UNODC", "note": "abbreviation"} in organizations["unodc"]["other_names"]
    assert {"name": "Office on Drugs and Crime", "note": "alias"} in organizations["unodc"]["other_names"]
    assert not any(
        identifier["scheme"].startswith("ISO") for identifier in organizations["unodc"]["identifiers"]
    )
    assert organizations["australia"]["links"][0]["url"] == "http://testserver/participants/australia/"
    assert organizations["bali-process"]["classification"] == "forum"


def test_memberships_point_from_member_to_organization_with_role_and_dates(popolo):
    memberships = {row["member"]["id"]: row for row in popolo["memberships"]}
    australia = memberships["australia"]
    assert australia["member"] == {"@type": "Organization", "id": "australia"}
    assert australia["organization_id"] == "bali-process"
    assert australia["role"] == "co_chair"
    assert australia["start_date"] == "2002-02-26"
    assert australia["end_date"] is None
    unodc = memberships["unodc"]
    assert (unodc["organization_id"], unodc["role"]) == ("ahg", "observer")
    assert (unodc["start_date"], unodc["end_date"]) == ("2009-04-14", "2014-08-05")
    organization_ids = {organization["id"] for organization in popolo["organizations"]}
    for membership in popolo["memberships"]:
        assert membership["organization_id"] in organization_ids
        assert membership["member"]["id"] in organization_ids
        for date in (membership["start_date"], membership["end_date"]):
            assert date is None or POPOLO_DATE.match(date)


def test_published_meetings_are_events_with_their_attendees(popolo):
    events = by_id(popolo["events"])
    assert set(events) == {"eighth-ahg", "workshop"}
    meeting = events["eighth-ahg"]
    assert meeting["name"] == "Eighth AHG meeting"
    assert (meeting["start_date"], meeting["end_date"]) == ("2014-08-06", "2014-08-06")
    assert meeting["organization_id"] == "ahg"
    assert meeting["status"] == "held"
    assert meeting["location"] == "Canberra, Australia"
    assert [(attendee["id"], attendee["role"]) for attendee in meeting["attendees"]] == [
        ("australia", "co_chair"),
        ("unodc", "observer"),
    ]
    assert meeting["sources"][0]["url"] == "http://testserver/meetings/eighth-ahg/"
    workshop = events["workshop"]
    assert workshop["parent_id"] == "eighth-ahg"
    assert workshop["start_date"] is None
    assert workshop["organization_id"] == "bali-process"


def test_events_come_in_pages_with_the_total_and_the_next_page_in_headers(client):
    for day in (1, 2, 3):
        MeetingFactory(slug=f"meeting-{day}", start_date=datetime.date(2014, 8, day), end_date=None)
    ParticipantFactory(slug="thailand")

    first = client.get(POPOLO, {"limit": 2})
    assert first["X-Total-Count"] == "3"
    assert first["Link"] == '<http://testserver/api/popolo.json?limit=2&offset=2>; rel="next"'
    assert [event["id"] for event in first.json()["events"]] == ["meeting-1", "meeting-2"]
    assert "thailand" in by_id(first.json()["organizations"])

    last = client.get(POPOLO, {"limit": 2, "offset": 2})
    assert last["Link"] == '<http://testserver/api/popolo.json?limit=2&offset=0>; rel="prev"'
    assert [event["id"] for event in last.json()["events"]] == ["meeting-3"]
    assert "thailand" in by_id(last.json()["organizations"])
    assert "Link" in last["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=x"])
def test_a_bad_page_of_events_answers_400(client, query):
    response = client.get(f"{POPOLO}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]
