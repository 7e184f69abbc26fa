import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    ActionItemFactory,
    AttendanceFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

OPEN_URLS = [
    "/api/meetings/",
    "/api/meetings/meeting-open/",
    "/api/actions/",
    "/api/popolo.json",
    "/feeds/meetings/",
    "/feeds/actions/",
    "/calendar.ics",
    "/meetings/meeting-open/calendar.ics",
]


@pytest.fixture
def meeting():
    meeting = MeetingFactory(slug="meeting-open")
    ActionItemFactory(outcome=OutcomeFactory(meeting=meeting))
    return meeting


@pytest.mark.parametrize("url", OPEN_URLS)
def test_second_request_with_the_etag_gets_304_without_running_the_view(client, meeting, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert len(captured) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda meeting: meeting.save(), id="edit"),
        pytest.param(lambda meeting: MeetingFactory(), id="addition"),
        pytest.param(lambda meeting: meeting.outcomes.get().action_items.get().delete(), id="deletion"),
        pytest.param(lambda meeting: ParticipantFactory(), id="participant"),
    ],
)
def test_any_change_to_the_record_gives_a_new_etag(client, meeting, change):
    etag = client.get("/api/meetings/")["ETag"]
    change(meeting)
    response = client.get("/api/meetings/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_an_edit_of_a_row_without_a_timestamp_gives_a_new_etag(client, meeting):
    """Attendance has no updated_at; an edit of its role, as AttendanceAdmin makes it, still counts."""
    attendance = AttendanceFactory(meeting=meeting, role="member")
    etag = client.get("/api/meetings/meeting-open/")["ETag"]
    attendance.role = "observer"
    attendance.save()
    response = client.get("/api/meetings/meeting-open/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_scheduled_publication_coming_due_gives_a_new_etag(client, meeting):
    """The meeting's row is not saved when its publication time passes; the ETag changes all the same."""
    meeting.published_at = timezone.now() + datetime.timedelta(seconds=1)
    meeting.save()
    before = client.get("/api/meetings/")
    assert before.json()["count"] == 0
    time.sleep(1.1)
    response = client.get("/api/meetings/", headers={"if-none-match": before["ETag"]})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_each_address_has_its_own_etag(client, meeting):
    assert client.get("/api/meetings/")["ETag"] != client.get("/api/meetings/?status=held")["ETag"]


def test_errors_carry_no_etag(client):
    assert client.get("/api/meetings/?year=abc").status_code == 400
    assert not client.get("/api/meetings/?year=abc").has_header("ETag")
    assert not client.get("/api/meetings/nobody/").has_header("ETag")


@pytest.mark.parametrize("url", OPEN_URLS)
def test_open_data_can_be_read_from_any_origin(client, meeting, url):
    response = client.get(url, headers={"origin": "https://researcher.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert not response.has_header("Access-Control-Allow-Credentials")
    head = client.head(url)
    assert head.status_code == 200
    assert head["Access-Control-Allow-Origin"] == "*"
    assert head["ETag"] == response["ETag"]


def test_a_preflight_for_a_conditional_request_is_allowed(client):
    response = client.options(
        "/api/meetings/",
        headers={
            "origin": "https://researcher.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


def test_pages_and_the_admin_stay_same_origin(client, meeting):
    for url in ["/meetings/", "/meetings/meeting-open/", "/admin/login/"]:
        response = client.get(url)
        assert not response.has_header("Access-Control-Allow-Origin")
    assert client.post("/api/meetings/").status_code == 405
    assert not client.post("/api/meetings/").has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize("url", ["/api/openapi.json", "/api/docs"])
def test_schema_and_docs_etag_follows_their_content_without_reading_the_record(client, url):
    with CaptureQueriesContext(connection) as captured:
        first = client.get(url)
    assert len(captured) == 0
    assert first["Access-Control-Allow-Origin"] == "*"
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
