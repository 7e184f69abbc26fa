"""``/feeds/outcomes/``: the outcomes of published meetings as Atom, each entry an outcome's own page."""

import datetime
import xml.etree.ElementTree as ElementTree

import pytest
from django.utils import timezone

from meetings.models import OutcomeKind
from tests.factories import MeetingFactory, OutcomeFactory, ParticipantFactory, ThemeFactory
from tests.queries import queries_to_get

pytestmark = pytest.mark.django_db

FEED = "/feeds/outcomes/"
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def test_feed_lists_published_outcomes_newest_first_linking_their_own_pages(client):
    meeting = MeetingFactory(title="Eighth Meeting", city="Canberra", start_date=datetime.date(2014, 8, 6))
    older = OutcomeFactory(meeting=meeting, position=1, kind=OutcomeKind.NOTED)
    newer = OutcomeFactory(
        meeting=meeting, position=2, kind=OutcomeKind.ENDORSED, text="Members endorsed it."
    )
    OutcomeFactory(meeting=MeetingFactory(published_at=None), text="A draft's outcome")
    OutcomeFactory(meeting=MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1)))
    feed = parse(client.get(FEED))
    titles = [entry.findtext(f"{ATOM}title") for entry in entries(feed)]
    assert titles == [
        "Eighth Meeting, Canberra, 6 August 2014, outcome 2: Endorsed",
        "Eighth Meeting, Canberra, 6 August 2014, outcome 1: Noted",
    ]
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries(feed)]
    assert links == [f"http://testserver/outcomes/{newer.pk}/", f"http://testserver/outcomes/{older.pk}/"]
    assert "Members endorsed it." in entries(feed)[0].findtext(f"{ATOM}summary")


def test_feed_follows_the_outcomes_about_one_participant_or_of_one_strength(client):
    unodc = ParticipantFactory(slug="unodc")
    about = OutcomeFactory(kind=OutcomeKind.GRANTED)
    about.concerns.add(unodc)
    OutcomeFactory(kind=OutcomeKind.NOTED)
    assert len(entries(parse(client.get(FEED, {"concerns": "unodc"})))) == 1
    assert len(entries(parse(client.get(FEED, {"strength": "decision"})))) == 1
    assert len(entries(parse(client.get(FEED, {"strength": "information"})))) == 1


@pytest.mark.parametrize("query", ["concerns=nobody", "strength=binding", "kind=vetoed", "theme=none-such"])
def test_bad_filter_values_answer_400_saying_which(client, query):
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.content.decode()


@pytest.mark.parametrize("outcomes", [5, 50])
def test_feed_query_count_does_not_grow_with_the_record(client, outcomes):
    theme = ThemeFactory()
    for _ in range(outcomes):
        OutcomeFactory().themes.add(theme)
    # The record's version, the outcomes with their meetings, their themes.
    assert queries_to_get(client, FEED) == 3
