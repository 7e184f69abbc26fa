"""The open data page, the footer that leads to it, and the API documentation in the site's frame."""

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory, MeetingTypeFactory
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

OPEN_DATA = reverse("meetings:open_data")


def test_every_page_footer_links_open_data_api_docs_calendars_and_feeds(client):
    page = client.get(reverse("meetings:home")).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    for href in (OPEN_DATA, "/api/docs", f"{OPEN_DATA}#calendars", f"{OPEN_DATA}#feeds", "/sitemap.xml"):
        assert f'href="{href}"' in footer


def test_open_data_page_links_the_api_its_docs_feeds_calendars_and_downloads(client):
    response = client.get(OPEN_DATA)
    assert response.status_code == 200
    page = response.content.decode()
    for href in (
        "/api/docs",
        "/api/",
        "/api/openapi.json",
        "/api/popolo.json",
        "/actions/export.xlsx?status=open",
    ):
        assert f'href="{href}"' in page
    for feed in ("/feeds/meetings/", "/feeds/outcomes/", "/feeds/actions/"):
        assert f">http://testserver{feed}</textarea>" in page


def test_open_data_page_offers_each_calendar_as_a_webcal_subscription_with_its_web_address(client):
    MeetingFactory(
        meeting_type=MeetingTypeFactory(
            name="Ministerial Conference",
            plural_name="Ministerial Conferences",
            slug="ministerial-conference",
        )
    )
    page = client.get(OPEN_DATA).content.decode()
    assert 'href="webcal://testserver/calendar.ics"' in page
    assert ">http://testserver/calendar.ics</textarea>" in page
    assert 'href="webcal://testserver/calendar.ics?type=ministerial-conference"' in page
    assert ">http://testserver/calendar.ics?type=ministerial-conference</textarea>" in page
    assert "Ministerial Conferences" in page
    assert "From URL" in page  # how to add it in Google Calendar


def test_open_data_page_query_count_does_not_grow_with_meeting_types(client):
    MeetingFactory()
    few = queries_to_get(client, OPEN_DATA)
    for _ in range(10):
        MeetingFactory()
    # The record's version and the meeting types with published meetings (remembered).
    assert queries_to_get(client, OPEN_DATA) == few == 2


def test_api_documentation_is_in_the_sites_frame_with_a_way_back(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a class="skip-link" href="#main-content">' in page
    assert f'href="{OPEN_DATA}"' in page
    assert '<div id="swagger-ui"></div>' in page
    assert 'href="/api/openapi.json"' in page
    assert "ninja/swagger-ui-bundle" in page


def test_meetings_list_offers_its_calendar_as_a_webcal_subscription_keeping_its_filters(client):
    MeetingFactory(meeting_type=MeetingTypeFactory(slug="ministerial-conference"))
    page = client.get(reverse("meetings:meeting_list"), {"type": "ministerial-conference"}).content.decode()
    assert 'href="webcal://testserver/calendar.ics?type=ministerial-conference"' in page
