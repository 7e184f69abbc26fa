import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from meetings import search
from meetings.models import ActionItem, ActionOwner, Document, Meeting, Outcome, Participant
from meetings.search import (
    MAX_QUERY_LENGTH,
    RESULTS_PER_KIND,
    StoredSearchDocument,
    highlight,
    highlight_pattern,
    normalise_query,
    parse_query,
    search_kinds,
    search_record,
    search_vector,
    words,
)
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    MeetingFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search and its indexes exist only on PostgreSQL"
)


def search_page(client, query):
    return client.get(reverse("meetings:search"), {"q": query})


def group(response, kind):
    return next(group for group in response.context["search"].groups if group.kind == kind)


# The query as read ------------------------------------------------------------------------------


def test_normalise_query_collapses_spaces_and_drops_control_characters():
    assert normalise_query("  people \x00 smuggling\t\n") == ("people smuggling", False)


def test_normalise_query_cuts_a_long_query_at_a_word_boundary():
    query, truncated = normalise_query("smuggling " * 1000)
    assert truncated
    assert len(query) <= MAX_QUERY_LENGTH
    assert query.split() == ["smuggling"] * len(query.split())


def test_parse_query_reads_phrases_alternatives_and_exclusions():
    parsed = parse_query('"senior officials" trafficking or smuggling -workshop')
    assert parsed.required == [["senior officials"], ["trafficking", "smuggling"]]
    assert parsed.excluded == ["workshop"]


def test_parse_query_of_punctuation_alone_has_no_terms():
    assert parse_query("!!! --- ...").required == []


def test_highlight_escapes_the_text_and_marks_the_words():
    pattern = highlight_pattern(["smuggling"])
    assert highlight("<b>People</b> smuggling & more", pattern) == (
        "&lt;b&gt;People&lt;/b&gt; <mark>smuggling</mark> &amp; more"
    )


def test_highlight_escapes_markup_inside_the_query():
    pattern = highlight_pattern(parse_query("<script>").terms)
    assert "<script>" not in highlight("a <script> tag", pattern)


def test_highlight_marks_other_endings_of_a_word():
    pattern = highlight_pattern(["trafficking"])
    assert highlight("Traffickers were", pattern) == "<mark>Traffickers</mark> were"


def test_highlight_leaves_longer_words_that_only_begin_alike():
    pattern = highlight_pattern(["guides", "policy"])
    assert highlight("guidelines, guide, policies", pattern) == (
        "guidelines, <mark>guide</mark>, <mark>policies</mark>"
    )


# The page ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_page_without_a_query_explains_what_to_type(client):
    response = search_page(client, "")
    assert response.status_code == 200
    assert "Type one or more words" in response.text
    assert response.context["search"].groups == []


@pytest.mark.django_db
def test_search_page_with_only_punctuation_explains_there_is_nothing_to_look_for(client):
    response = search_page(client, "!!! ???")
    assert response.status_code == 200
    assert "no words to look for" in response.text


@pytest.mark.django_db
def test_search_finds_every_kind_and_groups_them_with_counts(client):
    meeting = MeetingFactory(title="Workshop on quokka protection", city="Perth")
    outcome = OutcomeFactory(meeting=meeting, position=3, text="Members welcomed the quokka report.")
    action = ActionItemFactory(outcome=outcome, title="Publish the quokka guide")
    document = DocumentFactory(meeting=meeting, title="Quokka guide", url="https://example.org/quokka.pdf")
    MeetingFactory(title="Unrelated meeting")

    response = search_page(client, "quokka")

    assert response.status_code == 200
    search = response.context["search"]
    assert [(group.kind, group.count) for group in search.groups] == [
        ("participants", 0),
        ("meetings", 1),
        ("outcomes", 1),
        ("actions", 1),
        ("documents", 1),
    ]
    assert search.total == 4
    assert "4 results for “quokka”" in response.text
    assert group(response, "meetings").hits[0].url == meeting.get_absolute_url()
    assert group(response, "outcomes").hits[0].url == f"/outcomes/{outcome.pk}/"
    assert group(response, "outcomes").hits[0].url == outcome.get_absolute_url()
    assert group(response, "actions").hits[0].url == action.get_absolute_url()
    assert group(response, "documents").hits[0].url == document.url
    assert f'<a href="/outcomes/{outcome.pk}/">' in response.text


@pytest.mark.django_db
def test_search_highlights_the_matching_words(client):
    MeetingFactory(title="Workshop on quokka protection")
    response = search_page(client, "quokka")
    assert "Workshop on <mark>quokka</mark> protection" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("summary", "A quokka summary."), ("purpose", "To count quokka."), ("body", "## Quokka\n\nText.")],
)
def test_search_looks_in_the_meeting_text(client, field, value):
    meeting = MeetingFactory(**{field: value})
    response = search_page(client, "quokka")
    assert [hit.url for hit in group(response, "meetings").hits] == [meeting.get_absolute_url()]
    assert "<mark>" in str(group(response, "meetings").hits[0].excerpt)


@pytest.mark.django_db
def test_search_finds_a_meeting_by_its_city(client):
    meeting = MeetingFactory(city="Canberra")
    MeetingFactory(city="Bali")
    response = search_page(client, "Canberra")
    assert [hit.url for hit in group(response, "meetings").hits] == [meeting.get_absolute_url()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields", [{"description": "Report on quokka numbers."}, {"due_as_published": "before the quokka season"}]
)
def test_search_looks_in_the_action_description_and_timeframe(client, fields):
    action = ActionItemFactory(**fields)
    response = search_page(client, "quokka")
    assert [hit.url for hit in group(response, "actions").hits] == [action.get_absolute_url()]


@pytest.mark.django_db
def test_search_needs_every_word(client):
    both = MeetingFactory(title="Quokka and wombat census")
    MeetingFactory(title="Quokka census")
    response = search_page(client, "quokka wombat")
    assert [hit.url for hit in group(response, "meetings").hits] == [both.get_absolute_url()]


@pytest.mark.django_db
def test_search_leaves_out_words_after_a_minus(client):
    kept = MeetingFactory(title="Quokka census")
    MeetingFactory(title="Quokka and wombat census")
    response = search_page(client, "quokka -wombat")
    assert [hit.url for hit in group(response, "meetings").hits] == [kept.get_absolute_url()]


@pytest.mark.django_db
def test_search_accepts_alternatives(client):
    quokka = MeetingFactory(title="Quokka census", start_date=datetime.date(2015, 1, 1))
    wombat = MeetingFactory(title="Wombat census", start_date=datetime.date(2014, 1, 1))
    MeetingFactory(title="Numbat census")
    response = search_page(client, "quokka or wombat")
    assert {hit.url for hit in group(response, "meetings").hits} == {
        quokka.get_absolute_url(),
        wombat.get_absolute_url(),
    }


@pytest.mark.django_db
def test_search_leaves_out_unpublished_records(client):
    for published_at in (None, timezone.now() + datetime.timedelta(days=1)):
        draft = MeetingFactory(title="Quokka draft", published_at=published_at)
        outcome = OutcomeFactory(meeting=draft, text="Quokka outcome.")
        ActionItemFactory(outcome=outcome, title="Quokka action")
        DocumentFactory(meeting=draft, title="Quokka document")
    DocumentFactory(meeting=None, title="Quokka document without meeting")

    response = search_page(client, "quokka")

    assert response.context["search"].total == 0
    assert "Quokka" not in response.text.replace("“quokka”", "")
    assert "Nothing in the published record matches" in response.text


@pytest.mark.django_db
def test_search_escapes_markup_in_records_and_in_the_query(client):
    MeetingFactory(title='Quokka <script>alert("x")</script> & census')
    response = search_page(client, "<quokka>")
    assert "<script>alert" not in response.text
    assert (
        "<mark>Quokka</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; census" in response.text
    )
    assert "<quokka>" not in response.text
    assert "&lt;quokka&gt;" in response.text


@pytest.mark.django_db
def test_search_shows_a_bounded_number_per_kind_with_a_link_to_the_filtered_lists(client):
    outcome = OutcomeFactory(text="Quokka outcome.")
    for number in range(RESULTS_PER_KIND + 3):
        MeetingFactory(title=f"Quokka meeting {number}")
        ActionItemFactory(outcome=outcome, title=f"Quokka action {number}")

    response = search_page(client, "quokka")

    meetings = group(response, "meetings")
    assert (meetings.count, meetings.shown) == (RESULTS_PER_KIND + 3, RESULTS_PER_KIND)
    assert meetings.more_url == "/meetings/?" + urlencode({"q": "quokka"})
    assert group(response, "actions").more_url == "/actions/?q=quokka"
    assert group(response, "outcomes").more_url == ""
    assert 'href="/meetings/?q=quokka"' in response.text
    assert 'href="/actions/?q=quokka"' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["quokka", "quokka -census", '"quokka census"', "quokka or wombat"])
def test_search_counts_the_action_items_the_tracker_lists_for_the_same_words(client, query):
    outcome = OutcomeFactory(text="Ministers noted the quokka census.")
    ActionItemFactory(outcome=outcome, title="Report on it")  # found by its outcome's text
    owned = ActionItemFactory(title="Count them")  # found by its owner's name
    ActionOwnerFactory(action_item=owned, participant__name="Quokka Office")
    ActionItemFactory(title="Quokka census")
    ActionItemFactory(title="Wombat survey", description="Quokkas too.")
    ActionItemFactory(title="Wombat count")
    ActionItemFactory(title="Unrelated")

    counted = group(search_page(client, query), "actions").count
    listed = client.get(reverse("meetings:action_list"), {"q": query}).context["paginator"].count

    assert counted == listed > 0


@pytest.mark.django_db
def test_search_with_a_very_long_query_is_cut_with_a_note(client):
    MeetingFactory(title="Quokka census")
    response = search_page(client, "quokka " + "x" * 10_000)
    assert response.status_code == 200
    assert response.context["search"].truncated
    assert len(response.context["search"].query) <= MAX_QUERY_LENGTH
    assert f"only its first {MAX_QUERY_LENGTH} characters were used" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["\x00quokka", "quokka\x00"])
def test_a_nul_character_in_the_query_is_refused_with_a_reason(client, query):
    """No record holds a NUL and PostgreSQL refuses one in any query: the request is refused early."""
    response = search_page(client, query)
    assert response.status_code == 400
    assert "NUL" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "'",
        '"',
        "&|!():*",
        "\\",
        "-",
        "or",
        "quokka or",
        '"unclosed phrase',
        "ü" * 300,
    ],
)
def test_search_of_odd_queries_gives_a_normal_page(client, query):
    MeetingFactory(title="Quokka census")
    response = search_page(client, query)
    assert response.status_code == 200


@pytest.mark.django_db
def test_search_sent_q_twice_uses_the_last(client):
    MeetingFactory(title="Quokka census")
    response = client.get(reverse("meetings:search") + "?q=wombat&q=quokka")
    assert response.context["search"].query == "quokka"


def make_record(meetings):
    office = OrganisationFactory(name=f"Quokka Office {meetings}")
    ParticipantAliasFactory(participant=office, name=f"Quokka Bureau {meetings}")
    for number in range(meetings):
        meeting = MeetingFactory(title=f"Quokka meeting {number}", summary="Quokka summary.")
        AttendanceFactory(meeting=meeting)
        outcome = OutcomeFactory(meeting=meeting, text="Members noted the quokka report.")
        action = ActionItemFactory(outcome=outcome, title="Quokka follow-up", description="Quokka work.")
        ActionOwnerFactory(action_item=action)
        DocumentFactory(meeting=meeting, title="Quokka statement")


@pytest.mark.django_db
def test_search_query_count_does_not_grow_with_the_record(client, django_assert_num_queries):
    """Two queries for each kind, one for the other names of the participants found, one for who
    attended the meetings found, and the page's own (the record's version)."""
    make_record(5)
    with django_assert_num_queries(13):
        search_page(client, "quokka")
    make_record(45)
    with django_assert_num_queries(13):
        response = search_page(client, "quokka")
    assert response.context["search"].total == 50 * 4 + 2


@pytest.mark.django_db
@pytest.mark.parametrize("count_limit", [search.COUNT_LIMIT, 10])
def test_search_record_counts_and_lists_each_kind_in_two_queries(
    django_assert_num_queries, monkeypatch, count_limit
):
    """Two for each kind, one for the other names of the participants found, one for who attended
    the meetings found."""
    monkeypatch.setattr(search, "COUNT_LIMIT", count_limit)
    make_record(30)
    with django_assert_num_queries(2 * 5 + 2):
        results = search_record("quokka")
        for group in results.groups:
            for hit in group.hits:
                assert hit.url
                assert hit.meeting is None or hit.meeting.get_absolute_url()


# PostgreSQL: ranking and indexes ----------------------------------------------------------------


@pytest.mark.django_db
def test_search_ranks_title_matches_first_and_stems_words(client):
    in_body = MeetingFactory(title="Census", body="Quokka numbers.", start_date=datetime.date(2020, 1, 1))
    in_title = MeetingFactory(title="Quokkas counted", start_date=datetime.date(2010, 1, 1))
    response = search_page(client, "quokka")
    assert [hit.url for hit in group(response, "meetings").hits] == [
        in_title.get_absolute_url(),
        in_body.get_absolute_url(),
    ]


def archive(size):
    """``size`` published meetings, each with an outcome, an action and a document, and the
    planner's statistics of them: on empty tables any index looks as good as another."""
    meeting_type = MeetingFactory().meeting_type
    published = timezone.now() - datetime.timedelta(days=1)
    meetings = Meeting.objects.bulk_create(
        Meeting(meeting_type=meeting_type, title=f"Meeting {n}", slug=f"archive-{n}", published_at=published)
        for n in range(size)
    )
    outcomes = Outcome.objects.bulk_create(
        Outcome(meeting=meeting, position=1, kind="agreed", text=f"Point {n}.")
        for n, meeting in enumerate(meetings)
    )
    ActionItem.objects.bulk_create(ActionItem(outcome=outcome, title="Follow up") for outcome in outcomes)
    Document.objects.bulk_create(
        Document(meeting=meeting, title="Statement", url="https://example.org/s.pdf") for meeting in meetings
    )
    with connection.cursor() as cursor:
        # Index entries of the writes of earlier tests wait in the GIN indexes' pending lists, which
        # the planner counts as a cost of the index: merged here, as autovacuum would.
        cursor.execute(
            "SELECT gin_clean_pending_list(indexrelid) FROM pg_index"
            " JOIN pg_class ON pg_class.oid = indexrelid WHERE relname LIKE '%%search_doc'"
        )
        cursor.execute("ANALYZE")


@on_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "index_name"),
    [
        ("meetings", "meeting_search_doc"),
        ("outcomes", "outcome_search_doc"),
        ("actions", "action_item_search_doc"),
        ("documents", "document_search_doc"),
    ],
)
def test_search_on_postgresql_finds_each_kind_through_its_gin_index(kind, index_name):
    """The test the page counts by and the tracker's and meeting list's ``q`` filter: an index scan,
    for a word, a phrase and alternatives with a word left out."""
    # Large enough that reading every published row and filtering it costs more than the index
    # whatever the table's history in a long run of tests (at 3,000 rows the two were close, and a
    # phrase query sometimes went by the publication index).
    archive(10000)
    search_kind = next(candidate for candidate in search_kinds() if candidate.key == kind)
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole, and as cheap to read in any index order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    for query in ["quokka", '"quokka census"', "quokka or wombat -numbat"]:
        matches = search.matching(kind, search_kind.queryset, query).order_by()
        for queryset in (matches, matches[: search.COUNT_LIMIT + 1]):
            plan = queryset.explain()
            assert f"Bitmap Index Scan on {index_name}" in plan, plan


def stored_document(record):
    return type(record).objects.filter(pk=record.pk).values_list(StoredSearchDocument(), flat=True).get()


@on_postgresql
@pytest.mark.django_db
def test_stored_search_documents_hold_the_weighted_vectors_of_the_searched_fields():
    meeting = MeetingFactory(
        title="Quokka census", summary="Counted.", purpose="To count.", body="## Numbers", country="NZ"
    )
    AttendanceFactory(meeting=meeting, participant=OrganisationFactory(name="Wombat Office", short_name="WO"))
    outcome = OutcomeFactory(meeting=meeting, text="Members noted the census.")
    action = ActionItemFactory(
        outcome=outcome, title="Report", description="On numbers.", due_as_published="late 2015"
    )
    ActionOwnerFactory(
        action_item=action, participant=OrganisationFactory(name="Regional Office", short_name="RSO")
    )
    document = DocumentFactory(meeting=meeting, title="Census report")
    owner_names = Concat("ownerships__participant__name", Value(" "), "ownerships__participant__short_name")
    attendee_names = Concat(
        "attendances__participant__name", Value(" "), "attendances__participant__short_name"
    )
    expected = {
        # Its own fields, its year (no state has its country's code) and who attended.
        meeting: SearchVector("title", config="english", weight="A")
        + SearchVector("summary", "purpose", "city", Value("2014"), config="english", weight="B")
        + SearchVector("body", config="english", weight="C")
        + SearchVector(attendee_names, config="english", weight="D"),
        outcome: search_vector("outcomes"),
        action: search_vector("actions")
        + SearchVector("outcome__text", owner_names, config="english", weight="D"),
        document: search_vector("documents"),
    }
    for record, vector in expected.items():
        built = type(record).objects.filter(pk=record.pk).values_list(vector, flat=True).get()
        assert stored_document(record) == built, record


def found_actions(query, limit=RESULTS_PER_KIND):
    actions = next(group for group in search_record(query, limit).groups if group.kind == "actions")
    return [hit.url for hit in actions.hits]


@on_postgresql
@pytest.mark.django_db
def test_an_actions_stored_document_follows_its_outcome_owners_and_their_names():
    """The database keeps it: whatever writes (the admin, an import, a bulk update) is searched."""
    found = found_actions

    action = ActionItemFactory(title="Report on progress")
    url = [action.get_absolute_url()]
    assert found("progress") == url

    ActionItem.objects.filter(pk=action.pk).update(title="Report on numbers")
    assert (found("progress"), found("numbers")) == ([], url)

    Outcome.objects.filter(pk=action.outcome_id).update(text="Ministers welcomed the quokka census.")
    assert found("quokka") == url

    office = ParticipantFactory(name="Wombat Office", short_name="WO")
    ActionOwner.objects.bulk_create([ActionOwner(action_item=action, participant=office)])
    assert found("wombat") == url
    Participant.objects.filter(pk=office.pk).update(name="Numbat Office")
    assert (found("wombat"), found("numbat")) == ([], url)
    ActionOwner.objects.filter(action_item=action).delete()
    assert found("numbat") == []


def meetings_with_actions(count):
    """``count`` meetings, two a day, newest last, each with two matching actions."""
    actions = []
    for number in range(count):
        meeting = MeetingFactory(
            title=f"Meeting {number}",
            start_date=datetime.date(2010, 1, 1) + datetime.timedelta(days=number // 2),
        )
        outcome = OutcomeFactory(meeting=meeting, position=1)
        for position in (1, 2):
            actions.append(ActionItemFactory(outcome=outcome, position=position, title="Quokka census"))
    return actions


@pytest.mark.django_db
@pytest.mark.parametrize("count_limit", [5, 1000])
def test_search_lists_the_newest_first_whether_or_not_the_count_stops(monkeypatch, count_limit):
    monkeypatch.setattr(search, "COUNT_LIMIT", count_limit)
    actions = meetings_with_actions(9)
    newest_first = sorted(
        actions,
        key=lambda action: (-action.outcome.meeting.start_date.toordinal(), -action.outcome.meeting.pk),
    )
    assert found_actions("quokka", limit=7) == [action.get_absolute_url() for action in newest_first[:7]]


@pytest.mark.django_db
def test_search_stops_counting_at_the_limit_and_says_more_than(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    meetings_with_actions(3)
    response = search_page(client, "quokka")
    meetings, actions = group(response, "meetings"), group(response, "actions")
    assert (meetings.count, meetings.count_is_floor) == (0, False)
    assert (actions.count, actions.count_is_floor, actions.shown) == (3, True, 6)
    assert response.context["search"].total_is_floor
    assertContains(response, "More than 3 results for “quokka”")
    assertContains(response, '<span class="badge badge--brand">3+</span>', html=True)
    assertContains(response, "See all the action items that match")


@pytest.mark.django_db
def test_search_ranks_only_the_newest_matches(client, monkeypatch):
    monkeypatch.setattr(search, "RANK_POOL", 2)
    MeetingFactory(title="Quokka quokka census", start_date=datetime.date(2001, 1, 1))
    newer = MeetingFactory(body="A quokka.", start_date=datetime.date(2015, 1, 1))
    newest = MeetingFactory(body="A quokka.", start_date=datetime.date(2020, 1, 1))
    meetings = group(search_page(client, "quokka"), "meetings")
    assert meetings.count == 3
    assert [hit.url for hit in meetings.hits] == [newest.get_absolute_url(), newer.get_absolute_url()]


@pytest.mark.django_db
def test_published_meetings_newest_first_are_the_published_meetings():
    """SQLite reads them another way, for speed: the same rule as ``Meeting.objects.published()``."""
    MeetingFactory(start_date=datetime.date(2014, 1, 1))
    MeetingFactory(start_date=datetime.date(2016, 1, 1))
    MeetingFactory(published_at=None)
    MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    if connection.vendor != "sqlite":
        pytest.skip("unary plus is SQLite's way to keep an index out of a plan")
    expected = list(Meeting.objects.published().order_by("-start_date", "-pk"))
    assert list(words.published_newest_first()) == expected
