import datetime
import xml.etree.ElementTree as ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    AttendanceFactory,
    MeetingFactory,
    MeetingTypeFactory,
    ParticipantFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

FEED = "/feeds/meetings/"
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def entry_titles(feed):
    return [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]


def test_feed_lists_published_meetings_most_recently_changed_first(client):
    older = MeetingFactory(title="Older record", summary="What was agreed.")
    MeetingFactory(title="Newer record")
    MeetingFactory(title="Draft record", published_at=None)
    MeetingFactory(title="Not yet", published_at=timezone.now() + datetime.timedelta(days=1))
    feed = parse(client.get(FEED))
    assert entry_titles(feed) == ["Newer record", "Older record"]
    older.save()
    feed = parse(client.get(FEED))
    assert entry_titles(feed) == ["Older record", "Newer record"]
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/meetings/{older.slug}/"
    assert entry.findtext(f"{ATOM}id") == f"http://testserver/meetings/{older.slug}/"
    assert "What was agreed." in entry.findtext(f"{ATOM}summary")
    assert "6 August 2014" in entry.findtext(f"{ATOM}summary")
    assert entry.findtext(f"{ATOM}updated").startswith(str(timezone.now().year))
    assert entry.findtext(f"{ATOM}published")


def test_feed_filters_by_type_and_participant_like_the_meetings_list(client):
    ahg = MeetingTypeFactory(slug="ahg", name="AHG Senior Officials' Meeting")
    thailand = ParticipantFactory(slug="thailand", name="Thailand", country="TH")
    in_series = MeetingFactory(title="In the series", meeting_type=ahg, themes=[ThemeFactory(name="Returns")])
    attended = MeetingFactory(title="Attended")
    AttendanceFactory(meeting=attended, participant=thailand)
    MeetingFactory(title="Other")

    by_type = parse(client.get(f"{FEED}?type=ahg"))
    assert entry_titles(by_type) == ["In the series"]
    assert "AHG Senior Officials' Meeting" in by_type.findtext(f"{ATOM}title")
    assert by_type.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/meetings/?type=ahg"
    categories = {
        category.get("term") for category in by_type.find(f"{ATOM}entry").findall(f"{ATOM}category")
    }
    assert categories == {"AHG Senior Officials' Meeting", "Returns"}
    assert in_series.title in entry_titles(by_type)

    by_participant = parse(client.get(f"{FEED}?participant=thailand"))
    assert entry_titles(by_participant) == ["Attended"]
    assert "Thailand" in by_participant.findtext(f"{ATOM}title")


@pytest.mark.parametrize("query", ["type=no-such-type", "participant=nobody", "year=abc", "status=adjourned"])
def test_bad_filter_values_answer_400_saying_which(client, query):
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.content.decode()


def test_feed_query_count_does_not_grow_with_the_record(client):
    theme = ThemeFactory()

    def grow(count):
        for _ in range(count):
            MeetingFactory(themes=[theme])

    grow(5)
    with CaptureQueriesContext(connection) as small:
        client.get(FEED)
    grow(45)
    with CaptureQueriesContext(connection) as large:
        client.get(FEED)
    assert len(small) == len(large) <= 5


BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}


@pytest.mark.parametrize(
    "accept",
    [
        "application/atom+xml, application/rss+xml;q=0.9, text/html;q=0.1",  # a reader that takes HTML too
        "*/*",
        "",
    ],
)
def test_feed_readers_are_given_atom(client, accept):
    MeetingFactory(title="Read by a program")
    feed = parse(client.get(FEED, HTTP_ACCEPT=accept))
    assert entry_titles(feed) == ["Read by a program"]


def test_a_browser_is_given_the_feed_as_a_page_that_says_how_to_follow_it(client):
    meeting = MeetingFactory(title="Opened in a browser", summary="Agreed <b>this</b>.")
    MeetingFactory(title="Draft record", published_at=None)

    response = client.get(FEED, {"type": meeting.meeting_type.slug}, **BROWSER)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Follow it in a feed reader" in page
    assert f">http://testserver{FEED}?type={meeting.meeting_type.slug}</textarea>" in page
    assert f'<a href="http://testserver{meeting.get_absolute_url()}">Opened in a browser</a>' in page
    assert "Draft record" not in page
    # The summary is text as the feed has it: what an editor typed is escaped, never markup.
    assert "Agreed &lt;b&gt;this&lt;/b&gt;." in page
    assert '<link rel="alternate" type="application/atom+xml"' in page


def test_a_browser_gets_the_same_400_for_a_bad_filter(client):
    response = client.get(FEED, {"year": "soon"}, **BROWSER)
    assert response.status_code == 400
    assert b"year" in response.content


def test_an_empty_feed_says_so_as_a_page(client):
    response = client.get(FEED, **BROWSER)
    assert "Nothing is in this feed yet." in response.content.decode()
