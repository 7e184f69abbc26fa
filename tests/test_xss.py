"""Common XSS payloads in every free-text field reach no public page as live markup.

Each payload is put in every rich or free-text field an editor fills in; every public page that shows
those fields is then parsed, and no script, event handler, javascript: address or frame may come from
them. Atom feeds are checked too, with their HTML content parsed as a feed reader would.
"""

import datetime
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("xss")</script>',
    '<img src=x onerror=alert("xss")>',
    '<svg onload=alert("xss")>',
    "<a href=\"javascript:alert('xss')\">read more</a>",
    '"><script>alert("xss")</script>',
    "'><img src=x onerror=alert('xss')>",
    "<iframe src=\"javascript:alert('xss')\"></iframe>",
    '</script><script>alert("xss")</script>',
    "<details open ontoggle=alert('xss')>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert("xss")>',
    "<a href=\"jav&#x09;ascript:alert('xss')\">tab</a>",
    "<div style=\"background:url(javascript:alert('xss'))\">styled</div>",
    '[click](javascript:alert("xss"))',
    '![x](javascript:alert("xss"))',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "<object data=\"javascript:alert('xss')\"></object>",
    "<body onload=alert('xss')>",
    "<form action=\"javascript:alert('xss')\"><button>go</button></form>",
]
# Forms, links and meta tags are the site's own too: a payload's are caught by their addresses.
DANGEROUS_TAGS = {"iframe", "object", "embed", "frame", "frameset", "base", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json"}


class LiveMarkupFinder(HTMLParser):
    """Collects markup that would run or load something: what a payload must never become."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in JSON_SCRIPT_TYPES:
            self.found.append(f"inline <script> {attrs}")
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}> {attrs}")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.found.append(f"<meta refresh> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            compact = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "javascript:" in compact:
                self.found.append(f"<{tag} style={value!r}>")

    handle_startendtag = handle_starttag


def live_markup(html):
    finder = LiveMarkupFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def feed_live_markup(xml):
    """Live markup in the HTML that an Atom or RSS reader would render from the feed."""
    found = []
    for element in ET.fromstring(xml).iter():
        if element.text and (element.get("type") in ("html", "xhtml") or element.tag.endswith("description")):
            found.extend(live_markup(element.text))
    return found


def record_with(payload):
    """A published meeting with ``payload`` in every free-text field of the record."""
    meeting = MeetingFactory(
        title=f"Meeting {payload}"[:300],
        slug="xss-meeting",
        purpose=f"Purpose {payload}",
        summary=f"Summary {payload}",
        body=f"# Body\n\n{payload}\n\nMore {payload}",
        attendance_summary=f"Attended {payload}",
        venue=f"Venue {payload}"[:200],
        date_as_published=f"{payload}"[:100],
        start_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    participant = ParticipantFactory(name=f"State {payload}"[:200], slug="xss-state", short_name="")
    AttendanceFactory(meeting=meeting, participant=participant, person=f"Person {payload}"[:200])
    outcome = OutcomeFactory(meeting=meeting, text=f"Outcome {payload}", addressed_to=f"To {payload}"[:200])
    action_item = ActionItemFactory(
        outcome=outcome,
        title=f"Action {payload}"[:300],
        description=f"Description {payload}",
        due_as_published=f"{payload}"[:200],
        due_date=datetime.date.today() + datetime.timedelta(days=60),
        due_precision="day",
    )
    ActionOwnerFactory(action_item=action_item, participant=participant)
    ProgressUpdateFactory(action_item=action_item, note=f"Note {payload}", date=datetime.date.today())
    DocumentFactory(meeting=meeting, title=f"Document {payload}"[:300])
    return meeting, participant, action_item


def public_pages(meeting, participant, action_item):
    return [
        reverse("meetings:home"),
        reverse("meetings:meeting_list"),
        reverse("meetings:meeting_list") + "?q=meeting",
        meeting.get_absolute_url(),
        reverse("meetings:participant_list"),
        participant.get_absolute_url(),
        reverse("meetings:action_list"),
        reverse("meetings:action_list") + "?q=action",
        reverse("meetings:action_detail", args=[action_item.pk]),
        reverse("meetings:search") + "?q=meeting",
        reverse("meetings:search") + "?q=action",
        reverse("meetings:search") + "?q=outcome",
        reverse("meetings:search") + "?q=document",
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_as_live_markup_on_a_public_page(client, payload):
    meeting, participant, action_item = record_with(payload)

    for url in public_pages(meeting, participant, action_item):
        response = client.get(url)
        assert response.status_code == 200, url
        found = live_markup(response.content.decode())
        assert found == [], (url, found)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_as_live_markup_in_a_feed(client, payload):
    record_with(payload)

    for url in (reverse("meetings:meeting_feed"), reverse("meetings:action_feed")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert feed_live_markup(response.content) == [], url


def test_the_meeting_page_shows_a_payload_as_text(client):
    """The checks above are not empty: the pages do show what was typed, as text."""
    meeting, _participant, _action = record_with('<img src=x onerror=alert("xss")>')

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert "Summary &lt;img src=x onerror=alert(&quot;xss&quot;)&gt;" in content
    assert "Outcome &lt;img" in content


def test_the_finder_finds_live_markup():
    assert live_markup('<p>ok</p><img src=x onerror="alert(1)">')
    assert live_markup("<a href=' javascript:alert(1)'>x</a>")
    assert live_markup("<script>alert(1)</script>")
    assert live_markup("<iframe src=x></iframe>")
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert not live_markup('<script type="application/ld+json">{"name": "\\u003cscript\\u003e"}</script>')
