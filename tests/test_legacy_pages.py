"""The legacy page importer: pages of the old website into draft meetings through the records import.

The seed page and the twelve sample pages are read from ``../shared/data/`` beside the repository
(``tests/legacy_pages.py``); they are third-party text and are not copied here, so the tests that
need them are skipped, saying why, where they are missing.
"""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Revision, Version

from meetings.legacy import LegacyImport, PageDrafter, importing, page_files, read_page
from meetings.legacy.dates import read_date
from meetings.legacy.names import NameIndex
from meetings.models import Meeting, OutcomeStrength, strength_of
from meetings.records import RecordsImport
from meetings.records.export import MeetingExporter, meeting_queryset
from tests.legacy_pages import (
    ABOUT_PAGE,
    BODY_TYPO_PAGE,
    HTML_PAGE,
    NO_HEADER_PAGE,
    SAMPLE_PAGES,
    SEED_PAGE,
    TYPO_PAGE,
    VIRTUAL_PAGE,
    needs,
    pages_folder,
)
from tests.transactions import VersionAudit

# Fields of the demo record that an editor adds and a page does not say, or that name the record.
EDITORIAL = {"slug", "published", "published_at", "themes", "related_meetings", "source_urls"}


@pytest.fixture
def reference(db):
    call_command("loaddata", "reference", verbosity=0)


@pytest.fixture
def demo(db):
    call_command("loaddata", "reference", "demo", verbosity=0)


def draft_of(text, name="page.txt"):
    return PageDrafter().draft(read_page(text, name))


def exported(slug):
    return MeetingExporter().export(meeting_queryset().get(slug=slug))


# The seed page and the demo record -------------------------------------------------------------


def test_seed_page_gives_the_demo_record_in_meeting_fields_attendance_and_outcomes(demo):
    page = needs(SEED_PAGE)
    draft = PageDrafter().draft(read_page(page.read_bytes(), page.name))
    meeting, workshop = draft.meetings
    demo_meeting = exported("eighth-ahg-senior-officials-meeting")

    fields = set(demo_meeting) - EDITORIAL - {"attendance", "outcomes", "documents"}
    assert {name: meeting[name] for name in fields} == {name: demo_meeting[name] for name in fields}
    assert meeting["attendance"] == demo_meeting["attendance"]
    compared = ("position", "kind", "text", "addressed_to", "concerns")
    assert [{k: o[k] for k in compared} for o in meeting["outcomes"]] == [
        {k: o[k] for k in compared} for o in demo_meeting["outcomes"]
    ]
    assert meeting["published"] is False

    demo_workshop = exported("ahg-workshop-on-immigration-border-operations-analysis-2014")
    for name in (
        "type",
        "number",
        "title",
        "start_date",
        "end_date",
        "date_as_published",
        "city",
        "country",
        "format",
        "status",
        "convening_body",
    ):
        assert workshop[name] == demo_workshop[name], name
    assert workshop["parent"] == meeting["slug"]
    # The demo record is published: the draft does not take its slug.
    assert meeting["slug"] != demo_meeting["slug"]
    assert draft.unmatched == [] and draft.conflicts == []


def test_seed_page_proposes_the_actions_its_outcomes_set_off(demo):
    page = needs(SEED_PAGE)
    outcomes = PageDrafter().draft(read_page(page.read_bytes(), page.name)).meetings[0]["outcomes"]
    actions = {outcome["position"]: outcome["actions"] for outcome in outcomes}
    first_meeting = actions[4][0]
    assert (
        first_meeting["title"]
        == "Hold the first meeting of the Working Group on Trafficking in Persons in Thailand"
    )
    assert first_meeting["owners"] == ["australia", "indonesia"]
    assert (first_meeting["due"], first_meeting["due_as_published"]) == ("2015-H1", "first half of 2015")
    assert [a["owners"] for a in actions[8]] == [["rso"], ["rso"]]
    assert actions[8][1]["title"] == "Support the establishment of RILON in other interested countries"
    assert [a["title"] for a in actions[6]] == [
        "Develop public awareness campaign design guidelines",
        "Produce a second set of policy guides on assistance and protection to victims of trafficking",
    ]
    assert actions[1] == [] and actions[9] == []


def test_seed_page_is_written_as_a_draft_in_one_revision_through_the_records_import(
    reference, django_user_model
):
    page = needs(SEED_PAGE)
    user = django_user_model.objects.create_user("migrator")
    call_command("import_pages", str(page), "--user", "migrator", verbosity=0)

    meeting = Meeting.objects.get(slug="eighth-ahg-senior-officials-meeting")
    assert meeting.published_at is None
    assert meeting.attendances.count() == 18
    assert meeting.outcomes.count() == 9
    workshop = Meeting.objects.get(parent=meeting)
    assert workshop.city == "Bangkok"
    revision = Revision.objects.get()
    assert revision.user == user
    assert revision.comment == f"Imported from the old website's page {page}."
    assert Version.objects.get_for_object(meeting).count() == 1

    # The draft read again from the database is the draft written.
    written = exported(meeting.slug)
    drafted = PageDrafter().draft(read_page(page.read_bytes(), page.name)).meetings[0]
    for name in ("title", "start_date", "attendance", "purpose", "attendance_summary"):
        assert written[name] == drafted[name]


# The twelve sample pages -------------------------------------------------------------------------

# What each sample page's draft must hold: the page's meeting, then the events held under it.
SAMPLES = {
    "4395.txt": {
        "meeting": {
            "type": "working-group-meeting",
            "number": 8,
            "start_date": "2022-08-29",
            "end_date": "2022-08-30",
            "convening_body": "working-group-on-trafficking-in-persons",
            "attendance_complete": False,
        },
        "title": "Eighth Annual Meeting of the Working Group on Trafficking in Persons",
        "roles": {
            "australia": "co_chair",
            "indonesia": "co_chair",
            "united-arab-emirates": "member",
            "unodc": "member",
            "fiji": "observer",
            "ilo": "observer",
            "rso": "participant",
        },
        "children": [
            "Regional Webinar on the Role of Technology in Facilitating and Combating Trafficking in Persons"
        ],
        "unmatched": {"Australian Red Cross"},
    },
    "4th-senior-officials-meeting.txt": {
        "meeting": {
            "type": "ahg-senior-officials-meeting",
            "number": 4,
            "start_date": "2011-03-10",
            "city": "Bali",
            "country": "ID",
        },
        "title": "Fourth Senior Officials Meeting",
        "roles": {"australia": "co_chair", "indonesia": "co_chair"},
        "kinds": {"expressed_concern", "agreed", "supported"},
    },
    "bali-process-government-and-business-forum.txt": {
        "meeting": {
            "type": "business-forum",
            "number": None,
            "start_date": "2017-08-24",
            "end_date": "2017-08-25",
        },
        "title": "Bali Process Government and Business Forum",
        "roles": {"australia": "co_chair", "indonesia": "co_chair"},
    },
    "fifth-joint-period-of-action-planning-workshop-on-2-3-july-2019-bangkok-thailand.txt": {
        "meeting": {
            "type": "working-group-meeting",
            "number": 5,
            "start_date": "2019-07-02",
            "end_date": "2019-12-03",
            "date_as_published": "02 July 2019 To 03 December 2019",
            "city": "Bangkok",
            "country": "TH",
        },
        "title": "Fifth Joint Period of Action",
        "roles": {
            "fiji": "co_chair",
            "new-zealand": "co_chair",
            "united-states": "member",
            "canada": "observer",
            "unodc": "observer",
        },
        "kinds": {"discussed", "presented"},
    },
    "fifth-regional-ministerial-conference-2.txt": {
        "meeting": {
            "type": "ministerial-conference",
            "number": 5,
            "start_date": "2013-04-02",
            "city": "Bali",
            "country": "ID",
        },
        "title": "Fifth Ministerial Conference",
        "kinds": {"noted", "encouraged", "welcomed", "recognised"},
        "action": ("Work with JCLEC to develop a program", ["rso"]),
    },
    "first-activation-of-the-consultation-mechanism.txt": {
        "meeting": {
            "type": "consultation-mechanism-meeting",
            "number": 1,
            "start_date": "2017-10-13",
            "city": "Jakarta",
            "country": "ID",
        },
        "title": "First Activation of the Consultation Mechanism",
        "roles": {"australia": "co_chair", "indonesia": "co_chair"},
    },
    "regional-ministerial-conference-people-smuggling-*": {
        "meeting": {
            "type": "ministerial-conference",
            "number": 1,
            "start_date": "2002-02-26",
            "end_date": "2002-02-28",
            "city": "Bali",
            "country": "ID",
        },
        "title": "First Ministerial Conference",
        "roles": {
            "democratic-peoples-republic-of-korea": "member",
            "timor-leste": "member",
            "lao-pdr": "member",
            "iom": "member",
            "unhcr": "member",
            "united-kingdom": "observer",
            "united-states": "observer",
            "icrc": "observer",
            "ifrc": "observer",
            "unodc": "observer",
        },
        "unmatched": {"Association of South-East Asian Nations Secretariat"},
        "kinds": {"noted"},
    },
    "sample-event.txt": {
        # Header "08 - 10 February 2023", first sentence "10 February 2023": the editor decides.
        "meeting": {
            "type": "ministerial-conference",
            "number": 8,
            "start_date": None,
            "end_date": None,
            "date_as_published": "08 - 10 February 2023",
            "city": "Adelaide",
            "country": "AU",
        },
        "title": "Eighth Ministerial Conference",
        "kinds": {"acknowledged", "endorsed", "reaffirmed", "agreed"},
        "conflict": "the date is left for the editor to decide",
    },
    "second-bali-process-meeting-of-the-technical-experts-group-on-returns-and-reintegration.txt": {
        "meeting": {
            "type": "technical-experts-group-meeting",
            "number": 2,
            "start_date": "2019-02-12",
            "end_date": "2019-02-13",
            "city": "Bangkok",
            "country": "TH",
            "convening_body": "teg-rr",
            "attendance_complete": True,
        },
        "title": "Second Meeting of the Technical Experts Group on Returns and Reintegration",
        "roles": {
            "philippines": "co_chair",
            "australia": "co_chair",
            "indonesia": "member",
            "iom": "member",
            "thailand": "apologies",
            "united-arab-emirates": "apologies",
            "canada": "observer",
            "un-act": "observer",
            "rso": "participant",
        },
        "kinds": {"presented", "discussed", "agreed"},
        "action": ("Re-convene in early 2020", [], "2020-H1"),
    },
    "seventh-annual-meeting-of-the-trafficking-in-persons-working-group-*": {
        "meeting": {
            "type": "working-group-meeting",
            "number": 7,
            "start_date": "2021-09-21",
            "format": "virtual",
            "attendance_complete": False,
        },
        "title": "Seventh Annual Meeting of the Working Group on Trafficking in Persons",
        "roles": {
            "indonesia": "co_chair",
            "australia": "co_chair",
            "singapore": "observer",
            "ilo": "observer",
        },
        "children": ["Regional Webinar on Combatting Trafficking in Persons in the COVID-19 Recovery Phase"],
        "kinds": {"acknowledged", "launched"},
    },
    "technical-experts-working-group-irregular-movements-by-air-2010.txt": {
        "meeting": {
            "type": "technical-experts-group-meeting",
            "start_date": "2010-03-22",
            "end_date": "2010-03-23",
            "city": "Colombo",
            "country": "LK",
            "attendance_complete": True,
        },
        "title": "Technical Experts Working Group – Irregular Movements by Air (2010)",
        "roles": {"australia": "co_chair", "sri-lanka": "co_chair", "maldives": "member", "india": "member"},
        "kinds": {"agreed"},
    },
    "twelfth-meeting-of-the-ad-hoc-group-senior-officials.txt": {
        "meeting": {
            "type": "ahg-senior-officials-meeting",
            "number": 12,
            "start_date": "2017-10-31",
            "city": "Kuala Lumpur",
            "country": "MY",
            "convening_body": "ad-hoc-group",
            "attendance_complete": True,
        },
        "title": "Twelfth Meeting of the Ad Hoc Group Senior Officials",
        "roles": {
            "australia": "co_chair",
            "indonesia": "co_chair",
            "iom": "member",
            "canada": "observer",
            "adfm": "observer",
            "rso": "participant",
        },
        "kinds": {"welcomed", "recalled", "presented", "endorsed", "commended"},
    },
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_page_gives_a_sensible_draft(reference, name):
    page = needs(next(SAMPLE_PAGES.glob(name), SAMPLE_PAGES / name))
    expected = SAMPLES[name]
    draft = PageDrafter().draft(read_page(page.read_bytes(), page.name))
    assert not draft.skipped
    meeting, *children = draft.meetings
    url = page.read_text(encoding="utf-8").splitlines()[0].removeprefix("URL: ")
    assert meeting["source_urls"] == [url]
    assert meeting["title"] == expected["title"]
    assert meeting["published"] is False and meeting["status"] == "held"
    for field, value in expected["meeting"].items():
        assert meeting[field] == value, field
    roles = {row["participant"]: row["role"] for row in meeting["attendance"]}
    for participant, role in expected.get("roles", {}).items():
        assert roles.get(participant) == role, participant
    assert [child["title"] for child in children] == expected.get("children", [])
    for child in children:
        assert child["parent"] == meeting["slug"] and child["type"] == "workshop"
    kinds = {outcome["kind"] for outcome in meeting["outcomes"]}
    assert expected.get("kinds", set()) <= kinds
    assert expected.get("unmatched", set()) <= {name["name"] for name in draft.unmatched}
    if "conflict" in expected:
        assert any(expected["conflict"] in conflict["conflict"] for conflict in draft.conflicts)
    if "action" in expected:
        title, owners, *due = expected["action"]
        actions = [a for o in meeting["outcomes"] for a in o["actions"] if a["title"].startswith(title)]
        assert actions and actions[0]["owners"] == owners
        assert due == [] or actions[0]["due"] == due[0]
    # A capture cut off mid-sentence says so, and its last words are no outcome.
    if page.read_text(encoding="utf-8").rstrip().endswith("[...]"):
        assert any("captured only in part" in c["conflict"] for c in draft.conflicts)


def test_the_sample_pages_pass_the_records_import(reference, tmp_path):
    needs(SAMPLE_PAGES)
    output = tmp_path / "drafts.json"
    call_command(
        "import_pages", str(SAMPLE_PAGES), "--dry-run", "--format", "records", "-o", str(output), verbosity=0
    )
    records = RecordsImport(json.loads(output.read_text(encoding="utf-8")))
    assert records.validate() == []
    assert records.summary()["meetings"] == {"created": 14, "updated": 0, "unchanged": 0}
    assert Meeting.objects.count() == 0


# The ways the website writes, beyond the samples ------------------------------------------------


def test_counts_observers_new_members_apologies_and_flattened_lists_are_read(reference):
    meeting = draft_of(VIRTUAL_PAGE).meetings[0]
    roles = {row["participant"]: row["role"] for row in meeting["attendance"]}
    assert roles == {
        "canada": "observer",
        "united-states": "observer",
        "ilo": "observer",
        "fiji": "member",
        "nepal": "member",
        "iran": "apologies",
        "australia": "co_chair",
        "indonesia": "co_chair",
    }
    # "139 delegates representing 47 countries" is a count, not a list: kept in the summary.
    assert "139 delegates" in meeting["attendance_summary"]
    assert meeting["attendance_complete"] is False
    assert meeting["format"] == "virtual" and meeting["city"] is None
    assert [o["kind"] for o in meeting["outcomes"]] == ["agreed", "tasked", "noted"]
    assert [strength_of(o["kind"]) for o in meeting["outcomes"]] == [
        OutcomeStrength.DECISION,
        OutcomeStrength.DECISION,
        OutcomeStrength.INFORMATION,
    ]
    report = meeting["outcomes"][1]["actions"][0]
    assert (report["title"], report["owners"], report["due"], report["due_as_published"]) == (
        "Prepare a report on returns by March 2021",
        ["rso"],
        "2021-03",
        "by March 2021",
    )
    assert meeting["outcomes"][0]["actions"][0]["due"] == "2021-H2"


def test_a_date_that_cannot_be_a_date_is_kept_as_published_and_flagged(reference):
    draft = draft_of(TYPO_PAGE)
    meeting = draft.meetings[0]
    assert (meeting["start_date"], meeting["date_as_published"]) == (None, "12 August 208")
    assert draft.conflicts == [
        {
            "meeting": meeting["slug"],
            "conflict": (
                "The date “12 August 208” cannot be read (the year “208” is not a year); "
                "only the date as published is kept."
            ),
        }
    ]
    assert (meeting["city"], meeting["country"]) == ("Kuala Lumpur", None)
    assert [row["participant"] for row in meeting["attendance"]] == [
        "malaysia",
        "afghanistan",
        "united-arab-emirates",
        "viet-nam",
    ]


def test_a_typo_in_the_first_sentence_keeps_the_header_s_date_and_offers_to_leave_it_empty(reference):
    draft = draft_of(BODY_TYPO_PAGE)
    meeting = draft.meetings[0]
    assert (meeting["start_date"], meeting["end_date"]) == ("2018-08-12", "2018-08-12")
    (conflict,) = draft.conflicts
    assert conflict["conflict"] == (
        "The first sentence's date “31 June 2018” cannot be read (it is not a day of the calendar)."
    )
    assert [option["value"] for option in conflict["options"]] == ["header", "published"]
    assert conflict["chosen"] == conflict["default"] == "header"
    emptied = PageDrafter().draft(read_page(BODY_TYPO_PAGE, "page.txt"), {"date": "published"})
    assert (emptied.meetings[0]["start_date"], emptied.meetings[0]["date_as_published"]) == (
        None,
        "12 August 2018",
    )
    assert emptied.conflicts[0]["chosen"] == "published"


def test_a_date_typo_with_nothing_else_to_choose_offers_no_choice(reference):
    (conflict,) = draft_of(TYPO_PAGE).conflicts
    assert "options" not in conflict


def test_a_range_ending_where_it_starts_is_no_span_of_days():
    assert read_date("23-23 July 2019").start is None
    assert read_date("23-23 July 2019").problem
    assert read_date("Between 22 and 23rd March 2010").end.isoformat() == "2010-03-23"
    assert read_date("02 July 2019 To 03 December 2019").end.isoformat() == "2019-12-03"
    assert read_date("over 26-28 February", year=2002).start.isoformat() == "2002-02-26"


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("lndonesia", "indonesia"),
        ("lOM", "iom"),
        ("International Labour Organization1", "ilo"),
        ("Islamic Republic of Afghanistan", "afghanistan"),
        ("United Kingdom of Great Britain", "united-kingdom"),
        ("United States of American", "united-states"),
        ("UAE", "united-arab-emirates"),
        ("International Organisation for Migration", "iom"),
        ("United Nations High Commissioner for Refugees", "unhcr"),
        ("Bali Process Regional Support Office", "rso"),
        ("International Federation of Red Cross", "ifrc"),
    ],
)
def test_names_are_matched_through_the_slips_of_a_captured_page(reference, written, slug):
    assert NameIndex().lookup(written).slug == slug


@pytest.mark.parametrize("written", ["Austria", "Iraq", "Meta", "Walk Free", "Republic"])
def test_names_are_never_matched_to_a_participant_they_do_not_name(reference, written):
    found = NameIndex().lookup(written)
    assert found is None or found.name == written


def test_a_saved_html_page_is_read_without_its_navigation(reference):
    meeting = draft_of(HTML_PAGE, "page.html").meetings[0]
    assert meeting["source_urls"] == ["https://www.example.org/event/third-ministerial-conference/"]
    assert (meeting["title"], meeting["number"], meeting["start_date"]) == (
        "Third Ministerial Conference",
        3,
        "2009-04-14",
    )
    assert "Home" not in (meeting["body"] or "")
    assert [o["kind"] for o in meeting["outcomes"]] == ["endorsed", "directed"]
    report_back = meeting["outcomes"][1]["actions"][0]
    assert report_back["owners"] == ["ad-hoc-group"]
    assert report_back["due_at_next"] == "ministerial-conference"


# The command -------------------------------------------------------------------------------------


def test_a_page_that_is_no_meeting_or_cannot_be_read_is_reported_and_skipped(reference, tmp_path, capsys):
    folder = pages_folder(tmp_path, **{"about.txt": ABOUT_PAGE, "virtual.txt": VIRTUAL_PAGE})
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02")
    call_command("import_pages", str(folder))
    out = capsys.readouterr().out
    assert f"{folder / 'about.txt'}: skipped: it holds no meeting" in out
    assert f"{folder / 'broken.txt'}: skipped: it cannot be read" in out
    assert "3 pages read: gave 1 draft meeting; 2 skipped" in out
    assert Meeting.objects.get().slug == "ninth-steering-group-meeting"


def test_a_dry_run_writes_the_records_document_and_touches_nothing(reference, tmp_path):
    folder = pages_folder(tmp_path, **{"virtual.txt": VIRTUAL_PAGE, "typo.txt": TYPO_PAGE})
    output = tmp_path / "out.json"
    report = tmp_path / "report.json"
    call_command(
        "import_pages",
        str(folder),
        "--dry-run",
        "--format",
        "records",
        "-o",
        str(output),
        "--report",
        str(report),
        verbosity=0,
    )
    assert Meeting.objects.count() == 0 and Revision.objects.count() == 0
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["format"] == "balitracker-records"
    assert [m["slug"] for m in document["meetings"]] == [
        "workshop-on-document-fraud",
        "ninth-steering-group-meeting",
    ]
    assert RecordsImport(document).validate() == []
    pages = json.loads(report.read_text(encoding="utf-8"))
    assert [len(page["conflicts"]) for page in pages] == [1, 1]


def test_importing_a_page_again_updates_its_draft_and_refuses_once_published(reference, tmp_path, capsys):
    page = tmp_path / "virtual.txt"
    page.write_text(VIRTUAL_PAGE, encoding="utf-8")
    call_command("import_pages", str(page))
    call_command("import_pages", str(page))
    assert "ninth-steering-group-meeting (unchanged)" in capsys.readouterr().out

    page.write_text(
        VIRTUAL_PAGE.replace("Iran was unable to attend.", "Iran and Japan were unable to attend.")
    )
    call_command("import_pages", str(page))
    assert "ninth-steering-group-meeting (updated)" in capsys.readouterr().out
    meeting = Meeting.objects.get()
    assert meeting.attendances.filter(role="apologies").count() == 2
    assert Version.objects.get_for_object(meeting).count() == 2

    Meeting.objects.filter(pk=meeting.pk).update(published_at="2021-01-01T00:00:00Z")
    call_command("import_pages", str(page))
    assert (
        "skipped: it is already published as “Ninth Meeting of the Steering Group” "
        "(ninth-steering-group-meeting)" in capsys.readouterr().out
    )
    assert Meeting.objects.count() == 1


def test_a_page_does_not_take_the_slug_of_another_pages_meeting(reference, tmp_path):
    call_command("import_pages", str(pages_folder(tmp_path, **{"virtual.txt": VIRTUAL_PAGE})), verbosity=0)
    other = VIRTUAL_PAGE.replace("ninth-meeting-of-the-steering-group/", "another-address/")
    (tmp_path / "virtual.txt").write_text(other, encoding="utf-8")
    call_command("import_pages", str(tmp_path / "virtual.txt"), verbosity=0)
    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "ninth-steering-group-meeting",
        "ninth-steering-group-meeting-2",
    ]


def test_an_unknown_user_or_path_stops_before_anything_is_read(reference, tmp_path):
    with pytest.raises(CommandError, match="No user with the username 'nobody'"):
        call_command("import_pages", str(tmp_path), "--user", "nobody")
    with pytest.raises(CommandError, match="No such file or folder"):
        call_command("import_pages", str(tmp_path / "missing"))


def test_drafting_asks_the_database_nothing_per_page(reference, django_assert_num_queries):
    importer = LegacyImport()
    pages = [VIRTUAL_PAGE.replace("ninth-meeting", f"meeting-{n}") for n in range(10)]
    with django_assert_num_queries(0):
        for number, text in enumerate(pages):
            assert importer.read(text, f"{number}.txt").ok


def test_importing_pages_moves_the_record_version_before_it_commits(transactional_db, tmp_path):
    call_command("loaddata", "reference", verbosity=0)
    folder = pages_folder(tmp_path, **{"virtual.txt": VIRTUAL_PAGE, "page.html": HTML_PAGE})
    audit = VersionAudit()
    with audit:
        call_command("import_pages", str(folder), verbosity=0)
    assert Meeting.objects.count() == 2
    assert audit.public_writes and audit.failures == []


def test_a_page_without_header_or_number_is_named_dated_and_placed_by_its_first_sentence(reference):
    meeting = draft_of(NO_HEADER_PAGE).meetings[0]
    assert (meeting["title"], meeting["type"], meeting["number"]) == (
        "Workshop on Biometrics",
        "workshop",
        None,
    )
    assert (meeting["slug"], meeting["date_as_published"], meeting["start_date"]) == (
        "workshop-on-biometrics-2014",
        "August 6, 2014",
        "2014-08-06",
    )
    assert (meeting["city"], meeting["country"]) == ("Bangkok", "TH")
    roles = {row["participant"]: row["role"] for row in meeting["attendance"]}
    assert roles == {
        "thailand": "host",
        "malaysia": "member",
        "indonesia": "member",
        "brunei-darussalam": "member",
    }


def test_a_page_the_reader_fails_on_is_reported_and_the_rest_go_on(reference, tmp_path, monkeypatch, capsys):
    from meetings.legacy.drafts import PageDrafter as Drafter

    original = Drafter.draft

    def fail_on_typo(self, page, choices=None):
        if "document-fraud" in page.url:
            raise ValueError("unforeseen")
        return original(self, page, choices)

    monkeypatch.setattr(Drafter, "draft", fail_on_typo)
    folder = pages_folder(tmp_path, **{"typo.txt": TYPO_PAGE, "virtual.txt": VIRTUAL_PAGE})
    call_command("import_pages", str(folder))
    assert "typo.txt: skipped: it could not be read into a draft" in capsys.readouterr().out
    assert Meeting.objects.get().slug == "ninth-steering-group-meeting"


# Writing pages a batch at a time ------------------------------------------------------------------


def virtual_pages(count):
    """``count`` pages like ``VIRTUAL_PAGE``, each at an address of its own (and so a draft of its own)."""
    return {
        f"page-{number:02d}.txt": VIRTUAL_PAGE.replace("ninth-meeting-of", f"meeting-{number}-of")
        for number in range(count)
    }


def test_pages_are_written_through_one_records_import_each_page_a_revision_of_its_own(
    reference, tmp_path, monkeypatch
):
    imports = []

    class CountedImport(importing.RecordsImport):
        def __init__(self, document, **options):
            imports.append([meeting["slug"] for meeting in document["meetings"]])
            super().__init__(document, **options)

    monkeypatch.setattr(importing, "RecordsImport", CountedImport)
    folder = pages_folder(tmp_path, **virtual_pages(4), **{"page.html": HTML_PAGE})

    results = LegacyImport().run([folder])

    assert [result.written for result in results] == [True] * 5
    assert len(imports) == 1 and len(imports[0]) == 5
    assert Revision.objects.count() == 5
    for result in results:
        (slug,) = result.created
        meeting = Meeting.objects.get(slug=slug)
        (version,) = Version.objects.get_for_object(meeting)
        assert version.revision.comment == f"Imported from the old website's page {meeting.source_urls}."
        # The meeting's parts are in its revision, and in no other.
        attendance = meeting.attendances.first()
        assert [v.revision_id for v in Version.objects.get_for_object(attendance)] == [version.revision_id]
        outcome = meeting.outcomes.get(position=2)
        action = outcome.action_items.get()
        for part in (outcome, action, action.ownerships.get()):
            assert [v.revision_id for v in Version.objects.get_for_object(part)] == [version.revision_id]


def test_pages_beyond_a_batch_are_written_in_the_next(reference, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_PAGES", 2)
    folder = pages_folder(tmp_path, **virtual_pages(5), **{"about.txt": ABOUT_PAGE})

    importer = LegacyImport()
    batches = list(importer.write_as_read(importer.read_file(path) for path in page_files([folder])))
    assert [r.problem[:16] for batch in batches for r in batch] == ["holds no meeting"] + [""] * 5

    assert [[result.name.rsplit("/", 1)[-1] for result in batch] for batch in batches] == [
        ["about.txt", "page-00.txt", "page-01.txt"],
        ["page-02.txt", "page-03.txt"],
        ["page-04.txt"],
    ]
    assert Meeting.objects.count() == 5 and Revision.objects.count() == 5


def test_a_batch_the_records_import_refuses_is_written_page_by_page_naming_the_page_at_fault(
    reference, tmp_path, monkeypatch, capsys
):
    draft = PageDrafter.draft

    def a_role_the_records_do_not_know(self, page, choices=None):
        drafted = draft(self, page, choices)
        if page.url.endswith("/meeting-2-of-the-steering-group/"):
            drafted.meetings[0]["attendance"][0]["role"] = "spectator"
        return drafted

    monkeypatch.setattr(PageDrafter, "draft", a_role_the_records_do_not_know)
    folder = pages_folder(tmp_path, **virtual_pages(4))

    call_command("import_pages", str(folder))

    out = capsys.readouterr().out
    assert (
        f"{folder / 'page-02.txt'}: skipped: it was refused by the records import: meetings[0].attendance"
        in out
    )
    assert "4 pages read: gave 3 draft meetings; 1 skipped" in out
    assert Meeting.objects.count() == 3 and Revision.objects.count() == 3
    assert not Meeting.objects.filter(source_urls__contains="meeting-2-of").exists()


def test_a_page_whose_slug_another_address_took_during_the_run_gets_a_slug_of_its_own(reference, tmp_path):
    importer = LegacyImport()
    result = importer.read(VIRTUAL_PAGE, "virtual.txt")
    assert result.draft.meetings[0]["slug"] == "ninth-steering-group-meeting"
    # Meanwhile, someone imports another address's page whose meeting takes the slug.
    other = VIRTUAL_PAGE.replace("ninth-meeting-of-the-steering-group/", "another-address/")
    LegacyImport().run([pages_folder(tmp_path, **{"other.txt": other})])

    importer.write(result)

    assert result.written and result.created == ["ninth-steering-group-meeting-2"]
    first = Meeting.objects.get(slug="ninth-steering-group-meeting")
    assert first.source_urls == "https://www.example.org/event/another-address/"
    assert Version.objects.get_for_object(first).count() == 1


def test_twenty_pages_written_in_a_batch_cost_fewer_queries_than_two_pages_alone(reference, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_to_write(count, prefix):
        pages = {
            f"{prefix}-{name}": text.replace("/event/", f"/{prefix}/")
            for name, text in virtual_pages(count).items()
        }
        folder = tmp_path / prefix
        folder.mkdir()
        importer = LegacyImport()
        results = [importer.read_file(path) for path in page_files([pages_folder(folder, **pages)])]
        with CaptureQueriesContext(connection) as queries:
            importer.write_batch(results)
        assert all(result.written for result in results)
        return len(queries)

    one, twenty = queries_to_write(1, "one"), queries_to_write(20, "twenty")
    # 130 and 172 when written: what grows with the pages is a revision of their own (2 queries a
    # page); the rest of an import's queries are paid once.
    assert twenty < 2 * one, (one, twenty)


def test_pages_drafted_apart_under_one_slug_are_not_written_as_one_meeting(reference, tmp_path):
    first, second = (LegacyImport().read(text, name) for name, text in virtual_pages(2).items())
    assert first.draft.meetings[0]["slug"] == second.draft.meetings[0]["slug"]

    LegacyImport().write_batch([first, second])

    assert (first.created, second.created) == (
        ["ninth-steering-group-meeting"],
        ["ninth-steering-group-meeting-2"],
    )
    assert Meeting.objects.count() == 2
