import datetime
import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.search import search_record
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    MeetingTypeFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:meeting_list")


def detail_url(meeting):
    return reverse("meetings:meeting_detail", kwargs={"slug": meeting.slug})


def add_meetings(count, meeting_type, *, parent=None, start=datetime.date(2010, 1, 1)):
    """``count`` published meetings, each with attendance, an outcome and an owned action."""
    owner = ParticipantFactory(slug="owner-state", name="Owner State")
    meetings = []
    for index in range(count):
        meeting = MeetingFactory(
            meeting_type=meeting_type, parent=parent, start_date=start + datetime.timedelta(days=30 * index)
        )
        AttendanceFactory(meeting=meeting, role="member")
        AttendanceFactory(meeting=meeting, role="observer", participant=OrganisationFactory())
        outcome = OutcomeFactory(meeting=meeting, position=1)
        action = ActionItemFactory(outcome=outcome, due_date=datetime.date(2015, 6, 30), due_precision="half")
        ActionOwnerFactory(action_item=action, participant=owner)
        meetings.append(meeting)
    return meetings


def add_record_to(meeting, count):
    """``count`` attendances, outcomes with actions and documents on one meeting."""
    meeting.themes.add(ThemeFactory())
    first = meeting.outcomes.count() + 1
    for index in range(count):
        AttendanceFactory(meeting=meeting, role="member" if index % 2 else "observer")
        outcome = OutcomeFactory(meeting=meeting, position=first + index)
        outcome.documents.add(DocumentFactory(meeting=meeting))
        action = ActionItemFactory(outcome=outcome)
        ActionOwnerFactory(action_item=action)
        ActionOwnerFactory(action_item=action, role="support")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# ---------- Meeting list ----------


def test_meeting_list_shows_published_meetings_newest_first_grouped_by_year(client):
    older = MeetingFactory(title="Older meeting", start_date=datetime.date(2013, 4, 2))
    newer = MeetingFactory(title="Newer meeting", start_date=datetime.date(2014, 8, 6))
    response = client.get(LIST_URL)
    content = response.content.decode()
    assert content.index(newer.title) < content.index(older.title)
    assert content.index(">2014<") < content.index(">2013<")
    assert "2 meetings" in content


def test_meeting_list_hides_drafts_and_scheduled_publication(client):
    MeetingFactory(title="A draft record", published_at=None)
    MeetingFactory(title="A future record", published_at=timezone.now() + datetime.timedelta(days=3))
    response = client.get(LIST_URL)
    assert b"A draft record" not in response.content
    assert b"A future record" not in response.content
    assert b"0 meetings" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year=2014", "In 2014"),
        ("type=workshops", "Workshop record"),
        ("country=th", "Workshop record"),
        ("country=TH", "Workshop record"),
        ("participant=canada", "In 2014"),
        ("theme=smuggling", "Workshop record"),
        ("status=postponed", "Postponed record"),
        ("q=bangkok+workshop", "Workshop record"),
    ],
)
def test_meeting_list_filters_by_each_query_parameter(client, query, expected):
    workshops = MeetingTypeFactory(slug="workshops", name="Workshop")
    smuggling = ThemeFactory(slug="smuggling")
    in_2014 = MeetingFactory(title="In 2014", start_date=datetime.date(2014, 8, 6))
    AttendanceFactory(meeting=in_2014, participant=ParticipantFactory(slug="canada", country="CA"))
    MeetingFactory(
        title="Workshop record",
        meeting_type=workshops,
        start_date=datetime.date(2013, 5, 26),
        city="Bangkok",
        country="TH",
        themes=[smuggling],
    )
    MeetingFactory(title="Postponed record", start_date=datetime.date(2012, 1, 1), status="postponed")
    response = client.get(f"{LIST_URL}?{query}")
    titles = [meeting.title for meeting in response.context["object_list"]]
    assert titles == [expected]
    assert b"1 meeting" in response.content


def test_meeting_list_words_match_the_record_body(client):
    MeetingFactory(title="Plain title", body="Ministers discussed **biometric** data sharing.")
    MeetingFactory(title="Other meeting", body="Nothing of the sort.")
    response = client.get(f"{LIST_URL}?q=biometric")
    assert [meeting.title for meeting in response.context["object_list"]] == ["Plain title"]


def test_meeting_list_words_count_what_the_search_counted(client):
    for field in ("title", "summary", "purpose", "body", "city"):
        MeetingFactory(**{field: "Quokka " + field}, start_date=datetime.date(2014, 1, 1))
    MeetingFactory(title="No such animal")
    searched = next(group for group in search_record("quokka").groups if group.kind == "meetings")
    response = client.get(f"{LIST_URL}?q=quokka")
    assert response.context["paginator"].count == searched.count == 5


def test_meeting_list_words_read_phrases_and_exclusions_as_the_search_does(client):
    MeetingFactory(title="Senior officials meeting")
    MeetingFactory(title="Officials and senior staff")
    MeetingFactory(title="Senior officials workshop")
    response = client.get(f"{LIST_URL}?" + urlencode({"q": '"senior officials" -workshop'}))
    assert [meeting.title for meeting in response.context["object_list"]] == ["Senior officials meeting"]


def test_meeting_list_sorts_oldest_first_and_by_title(client):
    MeetingFactory(title="Beta", start_date=datetime.date(2014, 1, 1))
    MeetingFactory(title="Alpha", start_date=datetime.date(2015, 1, 1))
    MeetingFactory(title="Gamma", start_date=datetime.date(2013, 1, 1))
    oldest = client.get(f"{LIST_URL}?sort=oldest").context["object_list"]
    by_title = client.get(f"{LIST_URL}?sort=title").context["object_list"]
    newest = client.get(LIST_URL).context["object_list"]
    assert [m.title for m in oldest] == ["Gamma", "Beta", "Alpha"]
    assert [m.title for m in by_title] == ["Alpha", "Beta", "Gamma"]
    assert [m.title for m in newest] == ["Alpha", "Beta", "Gamma"]


def test_meeting_list_form_keeps_its_values(client):
    MeetingFactory(start_date=datetime.date(2014, 8, 6))
    response = client.get(f"{LIST_URL}?year=2014&q=senior")
    assert '<option value="2014" selected>2014</option>' in response.content.decode()
    assert 'value="senior"' in response.content.decode()


def test_meeting_list_filter_summary_counts_the_filters_in_force(client):
    MeetingFactory(start_date=datetime.date(2014, 8, 6), status="held")
    content = client.get(f"{LIST_URL}?year=2014&status=held&sort=oldest").content.decode()
    # Sorting narrows nothing, so it is not counted.
    assert 'Filter meetings <span class="filter-panel__count">(2 active)</span>' in content
    assert '<details class="filter-panel">' in content


def test_meeting_list_filters_are_open_when_a_value_needs_correcting(client):
    content = client.get(f"{LIST_URL}?year=abc").content.decode()
    assert '<details class="filter-panel" open>' in content


def test_meeting_list_pagination_keeps_the_filters(client):
    meeting_type = MeetingTypeFactory(slug="series")
    for index in range(25):
        MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2014, 1, 1 + index))
    response = client.get(f"{LIST_URL}?type=series&year=2014")
    content = response.content.decode()
    assert 'aria-label="Pagination"' in content
    assert "?type=series&amp;year=2014&amp;page=2" in content
    assert 'aria-current="page"' in content


def test_meeting_list_links_carry_only_the_filters_in_use(client):
    """A form sent without its script sends every field: the page reads the empty ones as unused,
    and the addresses it builds (pages, the chips' removal, feeds, calendar) leave them out."""
    meeting_type = MeetingTypeFactory(slug="series")
    canada = ParticipantFactory(name="Canada", slug="canada", country="CA")
    for index in range(25):
        meeting = MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2014, 1, 1 + index))
        AttendanceFactory(meeting=meeting, participant=canada, role="observer")
    sent = "q=&year=&type=series&country=&participant=canada&role=observer&theme=&status=&sort=newest"
    response = client.get(f"{LIST_URL}?{sent}")
    content = response.content.decode()
    assert len(response.context["object_list"]) == 20
    assert (
        'href="?type=series&amp;participant=canada&amp;role=observer&amp;sort=newest&amp;page=2"' in content
    )
    assert "q=&amp;" not in content
    assert "year=&amp;" not in content
    chips = {active["name"]: active["remove_url"] for active in response.context["active_filters"]}
    assert chips == {
        "type": "?participant=canada&role=observer&sort=newest",
        "participant": "?type=series&sort=newest",
        "role": "?type=series&participant=canada&sort=newest",
    }
    feed = reverse("meetings:meeting_feed")
    assert f'href="{feed}?type=series&amp;participant=canada&amp;role=observer&amp;sort=newest"' in content


def test_the_filter_forms_send_only_the_fields_given_a_value_with_their_script(client):
    for address in (LIST_URL, reverse("meetings:action_list"), reverse("meetings:action_charts")):
        content = client.get(address).content.decode()
        assert "js/compact-query" in content, address
        assert re.search(
            r'<form class="filter-form" method="get" action="[^"]*" data-compact-query>', content
        )


def test_empty_meeting_list_says_why_and_how_to_widen_it(client):
    MeetingFactory(start_date=datetime.date(2014, 8, 6), status="held")
    response = client.get(f"{LIST_URL}?year=2014&status=cancelled")
    content = response.content.decode()
    assert response.status_code == 200
    assert "No meetings match" in content
    assert "all 2 filters above together" in content
    assert "see every meeting" in content
    # Each filter in force links to the list without it, saying what its removal brings back.
    assert '<a href="?year=2014">Remove “Status: Cancelled”</a> (1 meeting)' in content
    assert '<a href="?status=cancelled">Remove “Year: 2014”</a> (0 meetings)' in content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Select a valid choice. abc is not one of the available choices."),
        ("type=nope", "Select a valid choice. That choice is not one of the available choices."),
        ("participant=nobody", "Select a valid choice. That choice is not one of the available choices."),
        ("country=ZZ", "Select a valid choice. ZZ is not one of the available choices."),
        ("status=adjourned", "Select a valid choice. adjourned is not one of the available choices."),
        ("q=" + "x" * 500, "Ensure this value has at most 200 characters (it has 500)."),
    ],
)
def test_meeting_list_explains_an_invalid_value_and_still_lists(client, query, message):
    MeetingFactory(title="Still listed")
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert "Some filters could not be used" in response.content.decode()
    assert message in response.content.decode()
    assert [m.title for m in response.context["object_list"]] == ["Still listed"]


def test_meeting_list_invalid_value_leaves_the_valid_filters_in_force(client):
    MeetingFactory(title="Held", status="held")
    MeetingFactory(title="Cancelled", status="cancelled")
    response = client.get(f"{LIST_URL}?year=abc&status=cancelled")
    assert [m.title for m in response.context["object_list"]] == ["Cancelled"]


@pytest.mark.parametrize(
    ("page", "shown", "message"),
    [
        ("9999", 2, "There is no page 9999: the list has 2 pages, so this is the last one."),
        ("-1", 1, "There is no page -1, so this is the first page."),
        ("0", 1, "There is no page 0, so this is the first page."),
        ("abc", 1, "“abc” is not a page number, so this is the first page."),
        ("last", 2, ""),
    ],
)
def test_meeting_list_page_out_of_range_shows_a_page_and_says_so(client, page, shown, message):
    for index in range(25):
        MeetingFactory(start_date=datetime.date(2014, 1, 1 + index))
    response = client.get(f"{LIST_URL}?page={page}")
    assert response.status_code == 200
    assert response.context["page_obj"].number == shown
    if message:
        assert message in response.content.decode()


def test_meeting_list_page_beyond_an_empty_result_is_not_an_error(client):
    response = client.get(f"{LIST_URL}?page=3&year=2099")
    assert response.status_code == 200


def test_meeting_list_query_count_does_not_grow_with_meetings(client):
    meeting_type = MeetingTypeFactory()
    add_meetings(5, meeting_type)
    few = count_queries(client, f"{LIST_URL}?type={meeting_type.slug}")
    add_meetings(45, meeting_type, start=datetime.date(2000, 1, 1))
    many = count_queries(client, f"{LIST_URL}?type={meeting_type.slug}")
    # The record's version; the type asked for; the count; the page of meetings with their types;
    # their outcome and action counts; the soonest scheduled meetings, apart, and their count; then
    # the panel's choices: years and host countries (remembered until the record changes, so counted
    # here after each change), types, participants and themes.
    assert few == many == 12


# ---------- Meeting page ----------


def test_meeting_page_shows_the_record(client):
    meeting = MeetingFactory(
        title="Eighth Meeting of the Ad Hoc Group Senior Officials",
        number=8,
        date_as_published="6 Aug 2014 (some sources: 7 Aug)",
        purpose="To review progress.",
        summary="Members endorsed the Bali Process Strategy.",
        body="The Co-Chairs **hosted** the meeting.",
        source_urls="https://www.baliprocess.net/example/",
    )
    AttendanceFactory(meeting=meeting, participant=ParticipantFactory(name="Australia"), role="co_chair")
    outcome = OutcomeFactory(
        meeting=meeting, position=1, kind="endorsed", text="Members endorsed the strategy."
    )
    action = ActionItemFactory(
        outcome=outcome,
        title="Hold the first meeting",
        due_as_published="first half of 2015",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        status="in_progress",
    )
    ActionOwnerFactory(action_item=action, participant=OrganisationFactory(short_name="RSO"))
    DocumentFactory(meeting=meeting, title="Co-Chairs' Statement")
    response = client.get(detail_url(meeting))
    content = response.content.decode()
    assert "<h1>Eighth Meeting of the Ad Hoc Group Senior Officials</h1>" in content
    assert "No. 8" in content
    assert "6 Aug 2014 (some sources: 7 Aug)" in content
    assert "To review progress." in content
    assert "<strong>hosted</strong>" in content
    assert "Endorsed" in content
    assert "Members endorsed the strategy." in content
    assert "Hold the first meeting" in content
    assert "H1 2015" in content
    assert "first half of 2015" in content
    assert "In progress" in content
    assert "RSO" in content
    assert "Co-Chairs&#x27; Statement" in content
    assert "https://www.baliprocess.net/example/" in content


def test_meeting_page_shows_a_document_recorded_by_title_alone_as_not_online_yet(client):
    meeting = MeetingFactory()
    document = DocumentFactory(meeting=meeting, title="Terms of Reference", url="")
    outcome = OutcomeFactory(meeting=meeting)
    outcome.documents.add(document)
    DocumentFactory(meeting=meeting, title="Co-Chairs Statement", url="https://example.org/s.pdf")

    response = client.get(detail_url(meeting))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('Terms of Reference <span class="muted">(not online yet)</span>') == 2
    assert '<a href="https://example.org/s.pdf">Co-Chairs Statement</a>' in content
    assert 'href=""' not in content and 'href="None"' not in content


def test_action_page_names_a_fulfilling_document_not_online_yet_without_a_link(client):
    meeting = MeetingFactory()
    document = DocumentFactory(meeting=meeting, title="Work Plan", url="")
    action_item = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), fulfilled_by_document=document)

    content = client.get(action_item.get_absolute_url()).content.decode()

    assert 'Work Plan <span class="muted">(not online yet)</span>' in content


def test_search_finds_a_document_not_online_yet_at_its_meeting(client):
    meeting = MeetingFactory()
    DocumentFactory(meeting=meeting, title="Quokka Terms of Reference", url="")

    content = client.get(reverse("meetings:search"), {"q": "quokka"}).content.decode()

    assert f'href="{detail_url(meeting)}"' in content


def test_meeting_page_shows_a_long_date_as_published(client):
    words = "Originally scheduled for 12 March 2020, postponed, then held virtually over " * 6
    meeting = MeetingFactory(start_date=datetime.date(2020, 12, 1), date_as_published=words.strip())

    assert words.strip().encode() in client.get(detail_url(meeting)).content


def test_meeting_page_shows_the_date_as_published_only_where_it_differs(client):
    same = MeetingFactory(start_date=datetime.date(2014, 8, 6), date_as_published="06 August 2014")
    vague = MeetingFactory(start_date=datetime.date(2015, 6, 30), date_as_published="mid-2015")
    assert b"Date as published" not in client.get(detail_url(same)).content
    assert b"mid-2015" in client.get(detail_url(vague)).content


def test_meeting_page_groups_attendance_by_role_with_counts(client):
    meeting = MeetingFactory(attendance_complete=False)
    for _index in range(13):
        AttendanceFactory(meeting=meeting, role="member")
    for _index in range(2):
        AttendanceFactory(meeting=meeting, role="observer", participant=OrganisationFactory())
    response = client.get(detail_url(meeting))
    content = response.content.decode()
    assert "13 members, 2 observers." in content
    assert "This list may be incomplete" in content
    assert [group["heading"] for group in response.context["attendance_groups"]] == ["Members", "Observers"]


def test_meeting_page_omits_the_incomplete_note_when_the_list_is_complete(client):
    meeting = MeetingFactory(attendance_complete=True)
    AttendanceFactory(meeting=meeting)
    response = client.get(detail_url(meeting))
    assert b"1 member." in response.content
    assert b"may be incomplete" not in response.content


def test_meeting_page_numbers_outcomes_and_shows_overdue_actions(client):
    meeting = MeetingFactory()
    OutcomeFactory(meeting=meeting, position=1, kind="noted")
    second = OutcomeFactory(meeting=meeting, position=2, kind="tasked")
    ActionItemFactory(outcome=second, due_date=datetime.date(2015, 6, 30), due_precision="half")
    response = client.get(detail_url(meeting))
    content = response.content.decode()
    assert 'id="outcome-1"' in content
    assert 'id="outcome-2"' in content
    assert "Tasked" in content
    assert "Overdue" in content


def test_meeting_page_renders_markdown_body_without_scripts(client):
    meeting = MeetingFactory(body='Hello <script>alert("x")</script> [link](javascript:alert(1)) *there*')
    content = client.get(detail_url(meeting)).content.decode()
    assert "<em>there</em>" in content
    assert 'alert("x")' not in content
    assert "javascript:" not in content


def test_meeting_page_links_previous_and_next_of_the_same_type(client):
    series = MeetingTypeFactory()
    seventh = MeetingFactory(meeting_type=series, title="Seventh", start_date=datetime.date(2013, 1, 1))
    eighth = MeetingFactory(meeting_type=series, title="Eighth", start_date=datetime.date(2014, 1, 1))
    ninth = MeetingFactory(meeting_type=series, title="Ninth", start_date=datetime.date(2015, 1, 1))
    MeetingFactory(title="Other series", start_date=datetime.date(2013, 6, 1))
    MeetingFactory(
        meeting_type=series, title="Draft tenth", start_date=datetime.date(2016, 1, 1), published_at=None
    )
    response = client.get(detail_url(eighth))
    assert response.context["previous_meeting"] == seventh
    assert response.context["next_meeting"] == ninth
    assert client.get(detail_url(ninth)).context["next_meeting"] is None


def test_meeting_page_shows_parent_and_published_sub_meetings(client):
    parent = MeetingFactory(title="Senior officials")
    child = MeetingFactory(title="Workshop under it", parent=parent)
    MeetingFactory(title="Draft workshop", parent=parent, published_at=None)
    parent_page = client.get(detail_url(parent)).content.decode()
    assert "Workshop under it" in parent_page
    assert "Draft workshop" not in parent_page
    assert "Senior officials" in client.get(detail_url(child)).content.decode()


def test_meeting_page_hides_an_unpublished_parent(client):
    child = MeetingFactory(parent=MeetingFactory(title="Secret parent", published_at=None))
    assert b"Secret parent" not in client.get(detail_url(child)).content


def test_meeting_page_has_event_json_ld_opengraph_and_canonical(client):
    meeting = MeetingFactory(
        title="Fifth </script> Conference",
        start_date=datetime.date(2013, 4, 2),
        city="Bali",
        country="ID",
        summary="Ministers met.",
    )
    content = client.get(detail_url(meeting)).content.decode()
    start = content.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    data = json.loads(content[start : content.index("</script>", start)])
    assert data["@type"] == "Event"
    assert data["name"] == "Fifth </script> Conference"
    assert data["startDate"] == "2013-04-02"
    assert data["location"]["address"]["addressCountry"] == "ID"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert f'<link rel="canonical" href="http://testserver{detail_url(meeting)}">' in content
    assert '<meta property="og:title" content="Fifth &lt;/script&gt; Conference">' in content
    assert '<meta property="og:description" content="Ministers met.">' in content


def test_unpublished_meeting_is_not_found_for_the_public(client):
    draft = MeetingFactory(published_at=None)
    scheduled = MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(detail_url(draft)).status_code == 404
    assert client.get(detail_url(scheduled)).status_code == 404


def test_staff_previews_a_draft_with_a_banner(editor_client):
    draft = MeetingFactory(published_at=None, title="Draft record")
    response = editor_client.get(detail_url(draft))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Draft record" in content
    assert "Preview: this record is not published." in content
    assert '<meta name="robots" content="noindex">' in content


def test_published_meeting_has_no_draft_banner_for_staff(editor_client):
    meeting = MeetingFactory()
    assert b"draft-banner" not in editor_client.get(detail_url(meeting)).content


def test_meeting_page_query_count_does_not_grow_with_the_record(client):
    meeting_type = MeetingTypeFactory()
    hub = MeetingFactory(meeting_type=meeting_type, start_date=datetime.date(2009, 1, 1))
    add_meetings(5, meeting_type, parent=hub)
    add_record_to(hub, 5)
    few = count_queries(client, detail_url(hub))
    add_meetings(45, meeting_type, parent=hub, start=datetime.date(2020, 1, 1))
    add_record_to(hub, 45)
    many = count_queries(client, detail_url(hub))
    # The record's version, the meeting with its neighbours, then one query per relation shown:
    # themes, documents, attendance, outcomes, their documents, action items, owners, the meetings
    # under it and related meetings.
    assert few == many == 11


def test_an_outcome_citing_a_draft_meetings_document_does_not_show_it(client):
    from tests.factories import DocumentFactory, OutcomeFactory

    outcome = OutcomeFactory()
    draft_document = DocumentFactory(meeting__published_at=None, title="Unpublished working paper")
    published_document = DocumentFactory(title="Co-Chairs' Statement of record")
    outcome.documents.set([draft_document, published_document])

    response = client.get(outcome.meeting.get_absolute_url())

    assert "Unpublished working paper" not in response.content.decode()
    assert "Co-Chairs&#x27; Statement of record" in response.content.decode()


def test_the_list_shows_each_meetings_outcome_and_action_counts(client):
    from tests.factories import ActionItemFactory, OutcomeFactory

    meeting = MeetingFactory(title="Counted meeting")
    first, second = OutcomeFactory(meeting=meeting), OutcomeFactory(meeting=meeting)
    ActionItemFactory(outcome=first)
    ActionItemFactory(outcome=first)
    ActionItemFactory(outcome=second)
    MeetingFactory(title="Meeting without outcomes")

    response = client.get("/meetings/")

    assert "2 outcomes, 3 follow-up actions" in " ".join(response.content.decode().split())
