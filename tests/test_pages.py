import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.db.models.signals import post_init
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.defaults import server_error

from meetings.models import ActionStatus, Meeting, Outcome
from meetings.sitemaps import MeetingSitemap
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OutcomeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db

HOME_URL = reverse("meetings:home")


def test_home_counts_have_thousands_separators(client, monkeypatch):
    """As the tracker's and the charts' counts do: "12,345 Overdue", not "12345"."""
    from meetings.views import home

    big = dict.fromkeys(["total", "open", "overdue", *ActionStatus.values], 12345)
    monkeypatch.setattr(home.versions, "cached", lambda key, compute: big if "tallies" in key else compute())

    page = client.get(HOME_URL).content.decode()

    assert page.count('<span class="stat__number">12,345</span>') == 3


def add_meetings_with_actions(count, meeting_type, start):
    for index in range(count):
        meeting = MeetingFactory(meeting_type=meeting_type, start_date=start + datetime.timedelta(days=index))
        AttendanceFactory(meeting=meeting)
        outcome = OutcomeFactory(meeting=meeting)
        ActionItemFactory(outcome=outcome, status="completed")
        ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome, status="not_started"))


# ---------- Home ----------


def test_home_shows_upcoming_latest_and_action_counts(client):
    today = timezone.localdate()
    MeetingFactory(
        title="Next conference", start_date=today + datetime.timedelta(days=30), status="scheduled"
    )
    past = MeetingFactory(title="Last meeting", start_date=datetime.date(2014, 8, 6))
    outcome = OutcomeFactory(meeting=past)
    ActionItemFactory(outcome=outcome, status="in_progress")
    ActionItemFactory(
        outcome=outcome, status="not_started", due_date=datetime.date(2015, 6, 30), due_precision="half"
    )
    ActionItemFactory(outcome=outcome, status="completed")
    draft = MeetingFactory(title="Draft meeting", published_at=None)
    ActionItemFactory(outcome=OutcomeFactory(meeting=draft), status="not_started")
    response = client.get(HOME_URL)
    content = response.content.decode()
    assert "Next conference" in content
    assert "Last meeting" in content
    assert "Draft meeting" not in content
    assert response.context["open_action_count"] == 2
    assert response.context["overdue_action_count"] == 1
    assert response.context["completed_action_count"] == 1
    assert '<form class="search-box" role="search" method="get" action="/search/">' in content
    assert 'name="q"' in content


def test_home_tracker_cards_lead_to_the_tracker_lists_they_count(client):
    outcome = OutcomeFactory(meeting=MeetingFactory(start_date=datetime.date(2014, 8, 6)))
    ActionItemFactory(outcome=outcome, status="in_progress")
    ActionItemFactory(
        outcome=outcome, status="not_started", due_date=datetime.date(2015, 6, 30), due_precision="half"
    )
    ActionItemFactory(outcome=outcome, status="completed")
    response = client.get(HOME_URL)
    tracker = reverse("meetings:action_list")
    links = response.context["tracker_urls"]
    assert links == {
        "all": tracker,
        "open": f"{tracker}?status=open",
        "overdue": f"{tracker}?status=overdue",
        "completed": f"{tracker}?status=completed",
    }
    content = response.content.decode()
    for name, count in (("open", 2), ("overdue", 1), ("completed", 1)):
        assert f'href="{links[name]}"' in content
        assert client.get(links[name]).context["paginator"].count == count
    assert f'<a href="{tracker}">All actions</a>' in content


def test_base_navigation_links_every_section_and_marks_the_current_one(client):
    content = client.get(reverse("meetings:meeting_list")).content.decode()
    assert 'href="/meetings/" aria-current="page"' in content
    assert 'href="/participants/"' in content
    assert 'href="/actions/"' in content
    assert 'href="/search/"' in content
    assert '<a class="skip-link" href="#main-content">' in content
    assert '<main id="main-content"' in content


def marked_sections(content):
    """The addresses that the main navigation marks as current."""
    navigation = content[content.index('<nav class="site-nav"') :]
    navigation = navigation[: navigation.index("</nav>")]
    return re.findall(r'<a href="([^"]+)" aria-current="page">', navigation)


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        ("/", []),
        ("/meetings/", ["/meetings/"]),
        ("/meetings/?year=2014", ["/meetings/"]),
        ("/meetings/in-the-record/", ["/meetings/"]),
        ("/participants/", ["/participants/"]),
        ("/participants/australia/", ["/participants/"]),
        ("/actions/", ["/actions/"]),
        ("/search/?q=record", ["/search/"]),
    ],
)
def test_navigation_marks_the_section_the_page_is_in(client, path, marked):
    MeetingFactory(slug="in-the-record")
    ParticipantFactory(slug="australia")
    response = client.get(path)
    assert response.status_code == 200
    assert marked_sections(response.content.decode()) == marked


@pytest.mark.parametrize("path", ["/meetings/no-such-meeting/", "/participants/nobody/", "/no-such-page/"])
def test_navigation_marks_no_section_on_a_missing_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert marked_sections(response.content.decode()) == []


def test_navigation_marks_no_section_on_the_server_error_page():
    response = server_error(RequestFactory().get("/meetings/"))
    assert marked_sections(response.content.decode()) == []


def test_home_query_count_does_not_grow_with_meetings(client):
    meeting_type = MeetingTypeFactory()
    add_meetings_with_actions(5, meeting_type, datetime.date(2010, 1, 1))
    with CaptureQueriesContext(connection) as few:
        client.get(HOME_URL)
    add_meetings_with_actions(45, meeting_type, datetime.date(2000, 1, 1))
    with CaptureQueriesContext(connection) as many:
        client.get(HOME_URL)
    # The record's version; upcoming and latest meetings; then, counted once per change of the
    # record and remembered, the tallies kept on write (all actions less the unpublished meetings')
    # and the meeting types with their published counts.
    assert len(few) == len(many) == 6
    # No query counts among the actions themselves (312,000 of them at 10,000 meetings).
    tables_read = [query["sql"].split(" WHERE ")[0] for query in many]
    assert not [tables for tables in tables_read if 'FROM "meetings_actionitem"' in tables]


def test_home_figures_follow_the_record_at_once(client):
    meeting = MeetingFactory()
    ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), status="not_started")
    assert client.get(HOME_URL).context["open_action_count"] == 1
    ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), status="not_started")
    assert client.get(HOME_URL).context["open_action_count"] == 2
    meeting.published_at = None
    meeting.save()
    assert client.get(HOME_URL).context["open_action_count"] == 0


# ---------- robots.txt, sitemap.xml, favicon ----------


def test_robots_txt_allows_all_but_the_admin_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_sitemap_lists_published_meetings_participants_and_pages_only(client):
    published = MeetingFactory(slug="eighth-meeting")
    MeetingFactory(slug="secret-draft", published_at=None)
    participant = ParticipantFactory(slug="australia")
    index = client.get("/sitemap.xml").content.decode()
    sections = re.findall(r"<loc>http://testserver(/sitemap-\w+\.xml)</loc>", index)
    assert sections == [
        "/sitemap-pages.xml",
        "/sitemap-meetings.xml",
        "/sitemap-outcomes.xml",
        "/sitemap-participants.xml",
    ]
    responses = [client.get(section) for section in sections]
    content = "".join(response.content.decode() for response in responses)
    assert {response.status_code for response in responses} == {200}
    assert f"http://testserver{published.get_absolute_url()}" in content
    assert f"http://testserver{participant.get_absolute_url()}" in content
    assert "<loc>http://testserver/meetings/</loc>" in content
    assert "secret-draft" not in content


def test_sitemap_query_count_does_not_grow_with_meetings(client):
    meeting_type = MeetingTypeFactory()
    add_meetings_with_actions(5, meeting_type, datetime.date(2010, 1, 1))
    with CaptureQueriesContext(connection) as few:
        client.get("/sitemap.xml")
        client.get("/sitemap-meetings.xml")
        client.get("/sitemap-outcomes.xml")
    add_meetings_with_actions(45, meeting_type, datetime.date(2000, 1, 1))
    with CaptureQueriesContext(connection) as many:
        client.get("/sitemap.xml")
        client.get("/sitemap-meetings.xml")
        client.get("/sitemap-outcomes.xml")
    assert len(few) == len(many)


def test_the_sitemap_index_dates_each_section_without_reading_its_records(client):
    meeting_type = MeetingTypeFactory()
    add_meetings_with_actions(3, meeting_type, datetime.date(2010, 1, 1))
    latest = Meeting.objects.order_by("updated_at").last()
    read = []

    def note(sender, **kwargs):
        read.append(sender)

    post_init.connect(note)
    try:
        index = client.get("/sitemap.xml").content.decode()
    finally:
        post_init.disconnect(note)

    assert not {Meeting, Outcome} & set(read)
    meetings_entry = re.search(r"<loc>[^<]*sitemap-meetings\.xml</loc>\s*<lastmod>([^<]+)</lastmod>", index)
    assert datetime.datetime.fromisoformat(meetings_entry[1]) == latest.updated_at


def test_a_sitemap_section_is_paged_so_that_no_answer_grows_with_the_archive(client, monkeypatch):
    monkeypatch.setattr(MeetingSitemap, "limit", 2)
    for index in range(5):
        MeetingFactory(slug=f"paged-{index}")

    index = client.get("/sitemap.xml").content.decode()

    assert "/sitemap-meetings.xml?p=3</loc>" in index
    assert client.get("/sitemap-meetings.xml", {"p": 3}).content.decode().count("<url>") == 1
    assert client.get("/sitemap-meetings.xml", {"p": 9}).status_code == 404


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")


def test_every_page_links_the_icon_and_the_stylesheet(client):
    content = client.get(HOME_URL).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in content
    assert 'href="/static/css/site.css"' in content


# ---------- Error pages ----------


def test_not_found_page_is_friendly_and_in_the_site_design(client):
    response = client.get("/no-such-page/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "This page is not on the record" in content
    assert 'class="site-header"' in content
    assert 'action="/search/"' in content


def test_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in content
    assert 'class="site-header"' in content


def test_stylesheet_has_a_print_style():
    with open(finders.find("css/site.css"), encoding="utf-8") as stylesheet:
        assert "@media print" in stylesheet.read()
