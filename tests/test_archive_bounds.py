"""Every page type, feed, calendar, API answer and export stays bounded as the archive grows.

One page of each is fetched on a generated archive of ``SMALL`` meetings, then of twice as many, and
each answer must stay under its stated size on both, with the same number of queries: a list that is
not paged or capped doubles between the two and passes its bound. The bounds that scale with a cap
(a calendar's entries, a sitemap page, an export's rows, a browser download of records) are tested with
that cap lowered below the archive's size, so that it is what holds them.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings import calendars, exports
from meetings.models import ActionItem, Document, Meeting, MeetingStatus, Outcome, Participant
from meetings.records import views as records_views
from meetings.sitemaps import MeetingSitemap, ParticipantSitemap

pytestmark = pytest.mark.django_db

SMALL = 150
# At this many entries the capped answers (calendars, sitemap pages) are cut short on either archive.
CAP = 40
# A file of the tracker holds this many actions at most: more than any generated meeting has (100),
# fewer than the whole tracker (30 a meeting).
MAX_ROWS = 100
# A browser download of records holds this many meetings: more than a generated year has (10 in
# 300 meetings over 31 years), fewer than the archive. About 40 kB each at most.
MAX_EXPORT_MEETINGS = 12

# The largest answer each page may give, in bytes, on any archive: a page of 20 meetings, 50
# actions or 100 participants, a feed of 50 entries, a calendar or sitemap page of CAP entries, the
# largest meeting the generator makes (50 attendances, 20 outcomes of 5 actions), a page of 100 Popolo
# events, a file of MAX_ROWS actions or MAX_EXPORT_MEETINGS meetings. Pages that list the archive are
# bounded well under twice what they weigh on SMALL meetings, so that a list which grew would fail.
BOUNDS = {
    "home": 15_000,
    "meetings list": 35_000,
    "meetings list, page 2": 35_000,
    "meetings list, by participant": 35_000,
    "meeting page, held": 90_000,
    "meeting page, scheduled": 90_000,
    "meeting calendar": 2_000,
    "participants list": 50_000,
    "participant page": 40_000,
    # A table row of 50 actions, each with its owners, durations and flags (about 1.2 kB a row).
    "actions tracker": 80_000,
    "actions tracker, overdue": 80_000,
    "actions tracker, by owner": 60_000,
    "actions tracker, by meeting": 70_000,
    "actions charts": 200_000,
    "actions charts, filtered": 200_000,
    "action page": 20_000,
    "outcome page": 20_000,
    "search": 50_000,
    "feed of meetings": 35_000,
    "feed of actions": 35_000,
    "feed of outcomes": 35_000,
    "feed of meetings, in a browser": 35_000,
    "feed of actions, in a browser": 35_000,
    "feed of outcomes, in a browser": 35_000,
    "open data": 20_000,
    "calendar": 30_000,
    "calendar of a participant": 30_000,
    "actions calendar": 40_000,
    "actions CSV": 1_000,
    "actions CSV of a meeting": 30_000,
    "actions XLSX": 1_000,
    "actions XLSX of a meeting": 30_000,
    "sitemap index": 2_000,
    "sitemap of meetings": 10_000,
    "sitemap of meetings, page 2": 10_000,
    "sitemap of participants": 10_000,
    "API index": 1_000,
    "API meetings": 20_000,
    "API meeting": 90_000,
    "API participants": 10_000,
    "API participant": 3_000,
    "API outcomes": 15_000,
    "API outcome": 3_000,
    "API actions": 30_000,
    "API action": 3_000,
    "API documents": 15_000,
    "API document": 2_000,
    "API schema": 150_000,
    "API documentation": 5_000,
    "robots.txt": 1_000,
    "Popolo": 500_000,
    "Popolo, last page": 500_000,
    "records export, choice": 30_000,
    "records export, one year": 600_000,
}
# Refused with the reason, not cut short: a file of more rows than it may hold.
REFUSED = {"actions CSV", "actions XLSX"}
# What a browser asks for: a feed opened in one is an HTML page of the same entries.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def caps(monkeypatch):
    monkeypatch.setattr(calendars, "MAX_EVENTS", CAP)
    monkeypatch.setattr(exports, "MAX_ROWS", MAX_ROWS)
    monkeypatch.setattr(MeetingSitemap, "limit", CAP)
    monkeypatch.setattr(ParticipantSitemap, "limit", CAP)
    monkeypatch.setattr(records_views, "MAX_EXPORT_MEETINGS", MAX_EXPORT_MEETINGS)


def pages():
    """(name, address, staff) of one page of every type, on the archive as it is now: of the meeting
    pages, the largest (the held meeting with the most actions, the last scheduled one, which has
    every open action before it to review), and the outcome of that meeting with the most actions."""
    published = Meeting.objects.published().filter(slug__startswith="generated-")
    held = (
        published.filter(status=MeetingStatus.HELD)
        .annotate(actions=Count("outcomes__action_items"))
        .order_by("-actions", "pk")
        .first()
    )
    scheduled = published.filter(status=MeetingStatus.SCHEDULED).order_by("-start_date", "-pk").first()
    participant = Participant.objects.order_by("pk").first()
    outcome = (
        Outcome.objects.filter(meeting=held)
        .annotate(actions=Count("action_items"))
        .order_by("-actions", "position")
        .first()
    )
    action = ActionItem.objects.filter(outcome__meeting=held).order_by("pk").first()
    document = Document.objects.published().order_by("pk").first()
    of_meeting = f"?meeting={held.slug}"
    return [
        ("home", "/", False),
        ("meetings list", "/meetings/", False),
        ("meetings list, page 2", "/meetings/?page=2", False),
        ("meetings list, by participant", f"/meetings/?participant={participant.slug}", False),
        ("meeting page, held", held.get_absolute_url(), False),
        ("meeting page, scheduled", scheduled.get_absolute_url(), False),
        ("meeting calendar", f"{held.get_absolute_url()}calendar.ics", False),
        ("participants list", "/participants/", False),
        ("participant page", participant.get_absolute_url(), False),
        ("actions tracker", "/actions/", False),
        ("actions tracker, overdue", "/actions/?status=overdue", False),
        ("actions tracker, by owner", "/actions/?group=owner", False),
        ("actions tracker, by meeting", "/actions/?group=meeting", False),
        ("actions charts", "/actions/charts/", False),
        ("actions charts, filtered", "/actions/charts/?status=open", False),
        ("action page", action.get_absolute_url(), False),
        ("outcome page", outcome.get_absolute_url(), False),
        ("search", "/search/?q=trafficking", False),
        ("feed of meetings", "/feeds/meetings/", False),
        ("feed of actions", "/feeds/actions/", False),
        ("feed of outcomes", "/feeds/outcomes/", False),
        ("feed of meetings, in a browser", "/feeds/meetings/", False),
        ("feed of actions, in a browser", "/feeds/actions/", False),
        ("feed of outcomes, in a browser", "/feeds/outcomes/", False),
        ("open data", "/open-data/", False),
        ("calendar", "/calendar.ics", False),
        ("calendar of a participant", f"/calendar.ics?participant={participant.slug}", False),
        ("actions calendar", "/actions/calendar.ics", False),
        ("actions CSV", "/actions/export.csv", False),
        ("actions CSV of a meeting", f"/actions/export.csv{of_meeting}", False),
        ("actions XLSX", "/actions/export.xlsx", False),
        ("actions XLSX of a meeting", f"/actions/export.xlsx{of_meeting}", False),
        ("sitemap index", "/sitemap.xml", False),
        ("sitemap of meetings", "/sitemap-meetings.xml", False),
        ("sitemap of meetings, page 2", "/sitemap-meetings.xml?p=2", False),
        ("sitemap of participants", "/sitemap-participants.xml", False),
        ("API index", "/api/", False),
        ("API meetings", "/api/meetings/", False),
        ("API meeting", f"/api/meetings/{held.slug}/", False),
        ("API participants", "/api/participants/", False),
        ("API participant", f"/api/participants/{participant.slug}/", False),
        ("API outcomes", "/api/outcomes/", False),
        ("API outcome", f"/api/outcomes/{outcome.pk}/", False),
        ("API actions", "/api/actions/", False),
        ("API action", f"/api/actions/{action.pk}/", False),
        ("API documents", "/api/documents/", False),
        ("API document", f"/api/documents/{document.pk}/", False),
        ("API schema", "/api/openapi.json", False),
        ("API documentation", "/api/docs", False),
        ("robots.txt", "/robots.txt", False),
        ("Popolo", "/api/popolo.json", False),
        ("Popolo, last page", f"/api/popolo.json?offset={published.count() - 1}", False),
        ("records export, choice", "/admin/records/export/", True),
        ("records export, one year", f"/admin/records/export/?year={held.start_date.year}", True),
    ]


def body_size(response):
    return len(b"".join(response.streaming_content)) if response.streaming else len(response.content)


def walk(client, editor_client):
    """{name: (status, bytes, queries)} of one page of every type."""
    answers = {}
    for name, address, staff in pages():
        with CaptureQueriesContext(connection) as queries:
            headers = {"accept": BROWSER_ACCEPT} if name.endswith("in a browser") else {}
            response = (editor_client if staff else client).get(address, headers=headers)
            size = body_size(response)
        answers[name] = (response.status_code, size, len(queries))
        if name.endswith("in a browser"):
            assert response["Content-Type"].startswith("text/html"), name
    return answers


@pytest.fixture
def archives(caps, editor_client):
    """The walk on SMALL generated meetings, then on twice as many."""
    client = Client()
    walks = []
    for count in (SMALL, 2 * SMALL):
        call_command("generate_records", meetings=count, seed=1, replace=True)
        walks.append(walk(client, editor_client))
    return walks


def test_every_page_stays_under_its_bound_with_the_same_queries_on_twice_the_archive(archives):
    small, large = archives
    assert set(small) == set(BOUNDS)
    for name, bound in BOUNDS.items():
        expected = 400 if name in REFUSED else 200
        for walked in (small, large):
            status, size, _queries = walked[name]
            assert status == expected, f"{name}: {status}"
            assert size <= bound, f"{name}: {size:,} bytes, more than {bound:,}"
        assert large[name][2] == small[name][2], f"{name}: {small[name][2]} then {large[name][2]} queries"
