"""The search's full-text index on both databases: what it finds (the same on SQLite and PostgreSQL),
how it follows every write that feeds it, and that no query can break it.

Every test here but the trigger inventory runs on either database: the expected results are
written once, so a run on each compares them.
"""

import datetime
import importlib
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from meetings import search, versions
from meetings.models import Attendance, Meeting, MeetingStatus, Participant, ParticipantAlias
from meetings.search import fulltext, indexing, search_record
from meetings.search.query import fts5_match, parse_query
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    MeetingFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
)

migration = importlib.import_module("meetings.migrations.0018_search_finds")


def found(query, kind):
    """The urls of the hits of ``kind`` for ``query``, in the page's order."""
    group = next(group for group in search_record(query).groups if group.kind == kind)
    return [hit.url for hit in group.hits]


@pytest.fixture
def record():
    """Three meetings in three countries, with who attended; the states by their real codes."""
    canada = ParticipantFactory(name="Canada", slug="canada", country="CA")
    thailand = ParticipantFactory(name="Thailand", slug="thailand", country="TH")
    viet_nam = ParticipantFactory(name="Viet Nam", slug="viet-nam", country="VN")
    ParticipantAliasFactory(participant=viet_nam, name="Vietnam")
    unodc = OrganisationFactory(
        name="United Nations Office on Drugs and Crime", short_name="UNODC", slug="unodc", country=""
    )
    workshop = MeetingFactory(
        title="Workshop on Immigration Border Operations Analysis",
        slug="workshop",
        city="Bangkok",
        country="TH",
        start_date=datetime.date(2014, 11, 25),
    )
    officials = MeetingFactory(
        title="Senior Officials' Meeting",
        slug="officials",
        city="Canberra",
        country="AU",
        start_date=datetime.date(2015, 8, 6),
    )
    conference = MeetingFactory(
        title="Ministerial Conference",
        slug="conference",
        city="Bali",
        country="ID",
        start_date=datetime.date(2016, 3, 23),
        end_date=datetime.date(2016, 3, 24),
    )
    for meeting, participant in ((workshop, canada), (workshop, unodc), (officials, viet_nam)):
        AttendanceFactory(meeting=meeting, participant=participant)
    return {
        record.slug: record for record in (canada, thailand, viet_nam, unodc, workshop, officials, conference)
    }


# What is found, the same on both databases --------------------------------------------------------

FINDS = [
    # query, participants found, meetings found (in the page's order)
    ("canada", ["canada"], ["workshop"]),
    ("Canada", ["canada"], ["workshop"]),
    ("bangkok workshop 2014", [], ["workshop"]),
    ("bangkok workshop 2015", [], []),
    ("thailand", ["thailand"], ["workshop"]),
    ("vietnam", ["viet-nam"], ["officials"]),
    ('"viet nam"', ["viet-nam"], ["officials"]),
    ("unodc", ["unodc"], ["workshop"]),
    ("drugs crime", ["unodc"], ["workshop"]),
    ("2015", [], ["officials"]),
    ("2016 bali", [], ["conference"]),
    ("workshop -canada", [], []),
    ("officials or conference", [], ["conference", "officials"]),
    ('"border operations"', [], ["workshop"]),
    ('"operations border"', [], []),
    ("the canada", ["canada"], ["workshop"]),
    ("operation", [], ["workshop"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "participants", "meetings"), FINDS)
def test_search_finds_participants_and_meetings_by_who_where_and_when(record, query, participants, meetings):
    assert found(query, "participants") == [record[slug].get_absolute_url() for slug in participants]
    assert found(query, "meetings") == [record[slug].get_absolute_url() for slug in meetings]


@pytest.mark.django_db
def test_search_of_stop_words_alone_has_nothing_to_look_for(client, record):
    response = client.get(reverse("meetings:search"), {"q": "the and of"})
    assert not response.context["search"].has_terms
    assert "no words to look for" in response.text


@pytest.mark.django_db
def test_search_shows_a_participants_other_names(client, record):
    response = client.get(reverse("meetings:search"), {"q": "vietnam"})
    assert "Also published as <mark>Vietnam</mark>" in response.text


@pytest.mark.django_db
def test_a_meeting_found_by_who_attended_says_so(client, record):
    response = client.get(reverse("meetings:search"), {"q": "unodc"})
    assertContains(response, "<span>Attended by <mark>UNODC</mark></span>", html=True)


@pytest.mark.django_db
def test_the_meeting_list_filtered_by_words_finds_what_the_search_finds(client, record):
    response = client.get(reverse("meetings:meeting_list"), {"q": "canada"})
    assert [meeting.slug for meeting in response.context["object_list"]] == ["workshop"]


@pytest.mark.django_db
def test_a_list_filtered_by_words_to_leave_out_only_lists_the_others(client, record):
    response = client.get(reverse("meetings:meeting_list"), {"q": "-canada"})
    assert {meeting.slug for meeting in response.context["object_list"]} == {"officials", "conference"}


@pytest.mark.django_db
def test_the_demo_record_is_found_by_who_attended_and_by_place_and_year(client):
    call_command("loaddata", "reference", "demo", verbosity=0)
    seed = Meeting.objects.get(slug="eighth-ahg-senior-officials-meeting")
    workshop = Meeting.objects.get(slug="ahg-workshop-on-immigration-border-operations-analysis-2014")
    assert seed.attendances.filter(participant__slug="canada").exists()
    assert seed.get_absolute_url() in found("canada", "meetings")
    assert found("canada", "participants") == [Participant.objects.get(slug="canada").get_absolute_url()]
    assert found("bangkok workshop 2014", "meetings") == [workshop.get_absolute_url()]
    assert found("thailand workshop", "meetings") == [workshop.get_absolute_url()]


# Kept in step with every write ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_meeting_is_found_by_attendance_as_soon_as_it_is_written(record):
    conference = record["conference"].get_absolute_url()
    attendance = AttendanceFactory(meeting=record["conference"], participant=record["canada"])
    assert conference in found("canada", "meetings")
    attendance.delete()
    assert conference not in found("canada", "meetings")
    Attendance.objects.bulk_create([Attendance(meeting=record["conference"], participant=record["canada"])])
    assert conference in found("canada", "meetings")


@pytest.mark.django_db
def test_a_renamed_participant_is_found_by_its_new_name_only(record):
    workshop = [record["workshop"].get_absolute_url()]
    canada = record["canada"]
    canada.name = "Kanada"
    canada.save()
    assert (found("canada", "meetings"), found("kanada", "meetings")) == ([], workshop)
    assert found("kanada", "participants") == [canada.get_absolute_url()]
    Participant.objects.filter(pk=canada.pk).update(short_name="CDN")
    assert found("cdn", "meetings") == workshop


@pytest.mark.django_db
def test_an_alias_finds_the_participant_and_what_it_attended(record):
    alias = ParticipantAliasFactory(participant=record["unodc"], name="Drugs Office")
    assert found('"drugs office"', "participants") == [record["unodc"].get_absolute_url()]
    assert found('"drugs office"', "meetings") == [record["workshop"].get_absolute_url()]
    alias.name = "Crime Bureau"
    alias.save()
    assert found("bureau", "meetings") == [record["workshop"].get_absolute_url()]
    ParticipantAlias.objects.filter(pk=alias.pk).delete()
    assert (found("bureau", "meetings"), found("bureau", "participants")) == ([], [])


@pytest.mark.django_db
def test_a_meeting_is_found_by_its_countrys_names_as_they_change(record):
    workshop = [record["workshop"].get_absolute_url()]
    alias = ParticipantAliasFactory(participant=record["thailand"], name="Siam")
    assert found("siam", "meetings") == workshop
    alias.delete()
    assert found("siam", "meetings") == []
    Meeting.objects.filter(pk=record["workshop"].pk).update(country="CA")
    assert found("canada", "meetings") == workshop  # attended, and now held there
    assert found("thailand", "meetings") == []
    ParticipantFactory(name="Malaysia", slug="malaysia", country="MY")
    Meeting.objects.filter(pk=record["conference"].pk).update(country="MY")
    assert found("malaysia", "meetings") == [record["conference"].get_absolute_url()]


@pytest.mark.django_db
def test_a_state_recorded_after_the_meetings_names_their_country(record):
    ParticipantFactory(name="Indonesia", slug="indonesia", country="ID")
    assert found("indonesia", "meetings") == [record["conference"].get_absolute_url()]


@pytest.mark.django_db
def test_a_meetings_own_fields_and_dates_are_found_as_they_change(record):
    meeting = record["conference"]
    meeting.title = "Quokka Conference"
    meeting.start_date, meeting.end_date = datetime.date(2019, 1, 1), datetime.date(2020, 1, 2)
    meeting.save()
    assert (
        found("quokka 2019", "meetings") == found("quokka 2020", "meetings") == [meeting.get_absolute_url()]
    )
    assert found("2016", "meetings") == []


@pytest.mark.django_db
def test_an_action_follows_its_outcome_and_owners_on_both_databases(record):
    action = ActionItemFactory(title="Report on progress", outcome=OutcomeFactory(meeting=record["workshop"]))
    url = [action.get_absolute_url()]
    assert found("progress", "actions") == url
    outcome = action.outcome
    outcome.text = "Ministers welcomed the wombat census."
    outcome.save()
    assert found("wombat", "actions") == url
    ownership = ActionOwnerFactory(action_item=action, participant=record["unodc"])
    assert found("unodc", "actions") == url
    ownership.delete()
    assert found("unodc", "actions") == []


@pytest.mark.django_db
def test_a_deleted_record_is_no_longer_found(record):
    OutcomeFactory(meeting=record["officials"], text="Members noted the quokka census.")
    assert len(found("quokka", "outcomes")) == 1
    record["officials"].delete()
    assert found("quokka", "outcomes") == []
    assert found("vietnam", "meetings") == []


# Hostile queries ----------------------------------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    "*",
    "quokka*",
    "^quokka",
    "NEAR(",
    "NEAR(quokka census)",
    "NEAR(quokka census, 2)",
    "AND",
    "OR",
    "NOT",
    "quokka AND",
    "quokka NOT",
    "OR quokka",
    "-",
    "--quokka",
    "-quokka",
    "%01",
    "\x01",
    "a:b",
    "title:quokka",
    "a : quokka",
    "{a b}: quokka",
    "(",
    ")",
    "(quokka",
    "quokka)",
    "+quokka",
    "'",
    "\\",
    "&|!():*<->",
    "quokka <-> census",
    "quokka:*",
    "🙂 quokka",
    "ü" * 300,
    "quokka " * 2000,
    "x" * 10_000,
    '"quokka ' + "a" * 10_000,
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE)
def test_no_query_breaks_the_search_the_lists_or_the_api(client, record, query):
    MeetingFactory(title="Quokka census")
    ActionItemFactory(title="Quokka census")
    for name in ("meetings:search", "meetings:meeting_list", "meetings:action_list"):
        response = client.get(reverse(name), {"q": query})
        assert response.status_code == 200, (name, response.status_code)
    response = client.get("/api/meetings/", {"q": query})
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("query", HOSTILE)
def test_every_word_reaches_fts5_as_a_quoted_string(query):
    parsed = parse_query(query)
    if parsed.required:
        expression = fts5_match(parsed.required, parsed.excluded)
        outside_quotes = expression.split('"')[::2]
        assert set("".join(outside_quotes)) <= set("() ANDORT"), expression


# Without FTS5 -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_full_text_index_the_search_reads_the_tables(monkeypatch, record):
    monkeypatch.setattr(search, "full_text_available", lambda alias: False)
    assert found("workshop", "meetings") == [record["workshop"].get_absolute_url()]
    assert found("vietnam", "participants") == [record["viet-nam"].get_absolute_url()]


def test_sqlite_without_fts5_is_said_in_the_log(monkeypatch, caplog):
    class Probe:
        def execute(self, sql):
            return self

        def fetchone(self):
            return (0,)

        def close(self):
            pass

    monkeypatch.setattr(fulltext.sqlite3, "connect", lambda name: Probe())
    fulltext.sqlite_has_fts5.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="meetings.search.fulltext"):
            assert not fulltext.sqlite_has_fts5()
    finally:
        fulltext.sqlite_has_fts5.cache_clear()
    assert "SQLite has no FTS5" in caplog.text


# The index's own triggers ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 tables and their triggers are SQLite's")
def test_every_search_trigger_and_table_exists_after_migrating():
    """Django remakes a SQLite table to alter it, which drops its triggers: a later migration that
    alters one of these tables must create them again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'table')")
        present = set(cursor.fetchall())
    expected = {("trigger", name) for name, _statement in migration.sqlite_trigger_statements()}
    expected |= {("table", migration.fts_table(kind)) for kind in migration.SQLITE_DOCUMENTS}
    assert expected <= present, expected - present


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 tables and their triggers are SQLite's")
def test_the_triggers_of_attendance_and_owners_hold_only_while_paused():
    """Migration 0022 adds the pause to exactly the triggers of attendance and owners."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = dict(cursor.fetchall())
    pausable = {
        name for name in triggers if name.startswith(("meetings_attendance_", "meetings_actionowner_"))
    }
    assert len(pausable) == 8
    for name, statement in triggers.items():
        assert (indexing.PAUSED_TABLE in statement) == (name in pausable), name


@pytest.mark.django_db
def test_parts_written_within_the_pause_are_found_once_it_ends(record):
    meeting = record["conference"]
    action = ActionItemFactory(outcome=OutcomeFactory(meeting=meeting), title="Draft the terms")
    with indexing.parts_indexed_once([meeting.pk]):
        Attendance.objects.bulk_create([Attendance(meeting=meeting, participant=record["thailand"])])
        ActionOwnerFactory(action_item=action, participant=record["unodc"])

    assert set(found("thailand", "meetings")) == {
        meeting.get_absolute_url(),
        record["workshop"].get_absolute_url(),
    }
    assert found("unodc terms", "actions") == [action.get_absolute_url()]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {indexing.PAUSED_TABLE}")
            assert cursor.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_an_error_within_the_pause_rolls_it_back_and_pauses_nothing_after(record):
    meeting = record["conference"]
    with pytest.raises(ZeroDivisionError), indexing.parts_indexed_once([meeting.pk]):
        AttendanceFactory(meeting=meeting, participant=record["thailand"])
        raise ZeroDivisionError
    assert not meeting.attendances.exists()

    AttendanceFactory(meeting=meeting, participant=record["canada"])  # outside any pause
    assert meeting.get_absolute_url() in found("canada", "meetings")


@pytest.mark.django_db
def test_a_meeting_to_come_found_by_who_is_listed_says_they_are_to_attend(client, record):
    Meeting.objects.filter(attendances__participant__short_name="UNODC").update(
        status=MeetingStatus.SCHEDULED
    )
    versions.bump()  # QuerySet.update sends no signal

    response = client.get(reverse("meetings:search"), {"q": "unodc"})

    assertContains(response, "<span>To be attended by <mark>UNODC</mark></span>", html=True)
    assertNotContains(response, "<span>Attended by <mark>UNODC</mark></span>", html=True)


# The order of the results, the same on both databases ----------------------------------------------


@pytest.fixture
def ranked_record():
    """Meetings and participants that have "quokka" in text of every weight; the dated meeting with
    a title match and a long record is the newer of two, which a rank by length would turn round."""
    trust = OrganisationFactory(name="Quokka Trust", short_name="", slug="trust")
    meetings = {
        "title-older": MeetingFactory(title="Quokka census", start_date=datetime.date(2001, 5, 1)),
        "title-newer": MeetingFactory(
            title="Quokka census",
            body="The census was discussed. " * 300,
            start_date=datetime.date(2003, 5, 1),
        ),
        "title-undated": MeetingFactory(title="Quokka survey", start_date=None),
        "summary": MeetingFactory(
            summary="A quokka.", body="Quokka quokka.", start_date=datetime.date(2020, 1, 1)
        ),
        "record": MeetingFactory(body="Quokka numbers.", start_date=datetime.date(2021, 1, 1)),
        "attended": MeetingFactory(start_date=datetime.date(2022, 1, 1)),
        "title-and-year": MeetingFactory(title="Quokka review", start_date=datetime.date(2014, 3, 1)),
        "summary-and-year": MeetingFactory(summary="Quokka.", start_date=datetime.date(2014, 9, 1)),
        "title-has-both": MeetingFactory(title="Quokka 2014 review", start_date=datetime.date(2010, 1, 1)),
    }
    AttendanceFactory(meeting=meetings["attended"], participant=trust)
    participants = {
        "name-b": OrganisationFactory(name="Quokka Bay Council", short_name="", slug="bay"),
        "name-a": trust,
        "other-name": OrganisationFactory(name="Marsupial Society", short_name="", slug="society"),
        "description": OrganisationFactory(
            name="Island Fund", short_name="", slug="fund", description="Counts every quokka."
        ),
    }
    ParticipantAliasFactory(participant=participants["other-name"], name="Quokka Friends")
    return {f"meeting:{key}": meeting for key, meeting in meetings.items()} | {
        f"participant:{key}": participant for key, participant in participants.items()
    }


ORDERS = [
    # query, kind, records in the page's order
    (
        "quokka",
        "meetings",
        [
            # in a title: newest first, the undated after the dated
            "title-and-year",
            "title-has-both",
            "title-newer",
            "title-older",
            "title-undated",
            # then in a summary (whatever else has the word), in the record, in who attended
            "summary",
            "summary-and-year",
            "record",
            "attended",
        ],
    ),
    ("quokka", "participants", ["name-b", "name-a", "other-name", "description"]),
    # each word counts by where it was found, added up
    ("quokka 2014", "meetings", ["title-has-both", "title-and-year", "summary-and-year"]),
    ("survey or census", "meetings", ["title-newer", "title-older", "title-undated"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "kind", "expected"), ORDERS)
def test_search_lists_the_best_matches_first_and_equal_ones_newest_first(
    ranked_record, query, kind, expected
):
    prefix = "meeting" if kind == "meetings" else "participant"
    urls = found(query, kind)
    assert urls[: len(expected)] == [ranked_record[f"{prefix}:{key}"].get_absolute_url() for key in expected]


@pytest.mark.django_db
def test_the_search_page_says_in_what_order_it_lists_the_results(client, ranked_record):
    response = client.get(reverse("meetings:search"), {"q": "quokka"})
    assertContains(response, "<summary>Best matches first in each kind</summary>", html=False)
    assertContains(response, "Words in a title or a name count most")
    assertContains(response, "Equal matches: newest first, participants by name.")
    assertNotContains(response, "recorded most recently are ranked")


@pytest.mark.django_db
def test_the_search_page_says_when_only_the_newest_matches_are_ranked(client, ranked_record, monkeypatch):
    monkeypatch.setattr(search, "RANK_POOL", 3)
    response = client.get(reverse("meetings:search"), {"q": "quokka"})
    assertContains(response, "Where more than 3 match, the 3 recorded most recently are ranked.")
