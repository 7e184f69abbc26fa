import copy
import datetime
import io
import json
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from reversion.models import Revision, Version

from meetings import tallies
from meetings.models import (
    ActionItem,
    ActionOwner,
    Attendance,
    Document,
    Meeting,
    MeetingType,
    Membership,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)
from meetings.records import (
    RecordsImport,
    RecordsInvalid,
    build_records,
    dumps,
    export,
    records_schema,
    write_records,
)
from meetings.records.export import MeetingExporter, meeting_order, meeting_queryset
from meetings.records.importer.writer import BATCH
from meetings.records.schema import meeting_validator, passes_quickly, records_validator, schema_errors
from meetings.search import search_record
from meetings.versions import current as record_version
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

RECORD_MODELS = [
    ProgressUpdate,
    ActionOwner,
    ActionItem,
    Outcome,
    Attendance,
    Document,
    Meeting,
    Membership,
    ParticipantAlias,
    Participant,
    MeetingType,
    Theme,
]


def empty_the_record():
    Membership.objects.all().delete()
    for model in RECORD_MODELS:
        model.objects.all().delete()


def row_counts():
    return {model.__name__: model.objects.count() for model in RECORD_MODELS}


def export_text(**options):
    return dumps(build_records(**options))


def import_document(document, dry_run=False):
    records = RecordsImport(json.loads(json.dumps(document)))
    records.apply(dry_run=dry_run)
    return records.summary()


def import_errors(document):
    records = RecordsImport(document)
    return [str(error) for error in records.validate()]


PDF_CONTENT = b"%PDF-1.4\n% the Indonesian statement\n%%EOF\n"
JPEG_CONTENT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 delegates around a table \xff\xd9"


def without_file_names(document):
    """``document`` with the names of stored files left out, and their content: an import stores a
    file's content under a name of its own, so only the rest of the record survives a round trip."""
    document = json.loads(json.dumps(document))
    for meeting in document["meetings"]:
        meeting.pop("hero_image_content", None)
        meeting["hero_image"] = bool(meeting["hero_image"])
        for doc in meeting["documents"]:
            doc.pop("file_content", None)
            doc["file"] = bool(doc["file"])
        for outcome in meeting["outcomes"]:
            outcome["documents"] = [a for a in outcome["documents"] if not a.startswith("documents/")]
    return document


@pytest.fixture
def full_record(django_user_model, settings, tmp_path):
    """One record with every kind of row the format carries, its files in a storage of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for name, content in [
        ("documents/2014/pernyataan.pdf", PDF_CONTENT),
        ("meetings/canberra.jpg", JPEG_CONTENT),
    ]:
        (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / name).write_bytes(content)
    editor = django_user_model.objects.create_user("secretariat", password="a-long-password-1")
    ahg = MeetingTypeFactory(
        slug="ahg-senior-officials-meeting",
        name="Ad Hoc Group Senior Officials' Meeting",
        plural_name="AHG Senior Officials' Meetings",
        description="The senior officials of the Ad Hoc Group.",
        position=10,
    )
    ministerial = MeetingTypeFactory(slug="ministerial-conference", name="Ministerial Conference")
    trafficking = ThemeFactory(slug="trafficking-in-persons", name="Trafficking in persons")
    smuggling = ThemeFactory(slug="people-smuggling", name="People smuggling", description="Smuggling.")
    australia = ParticipantFactory(slug="australia", name="Australia", country="AU")
    viet_nam = ParticipantFactory(
        slug="viet-nam", name="Viet Nam", country="VN", website="https://vn.example.org/"
    )
    ParticipantAliasFactory(participant=viet_nam, name="Vietnam")
    ParticipantAliasFactory(participant=viet_nam, name="Socialist Republic of Viet Nam")
    unodc = OrganisationFactory(
        slug="unodc", name="United Nations Office on Drugs and Crime", short_name="UNODC", description="UN."
    )
    ahg_body = ForumBodyFactory(slug="ad-hoc-group", name="Ad Hoc Group")
    rso = ForumBodyFactory(slug="rso", name="Regional Support Office", short_name="RSO")

    eighth = MeetingFactory(
        slug="eighth-ahg-senior-officials-meeting",
        meeting_type=ahg,
        number=8,
        title="Eighth Meeting of the Ad Hoc Group Senior Officials",
        start_date=datetime.date(2014, 8, 6),
        end_date=datetime.date(2014, 8, 6),
        date_as_published="06 August 2014",
        city="Canberra",
        country="AU",
        venue="Parliament House",
        format="hybrid",
        purpose="To review progress.",
        summary="Senior officials met in Canberra.",
        body="## Outcomes\n\nMembers *agreed*.",
        hero_image="meetings/canberra.jpg",
        hero_image_alt="Delegates around a table",
        convening_body=ahg_body,
        attendance_summary="45 members attended.",
        attendance_complete=True,
        source_urls="https://www.baliprocess.net/eighth\nhttps://example.org/archive/eighth",
        published_at=datetime.datetime(2014, 8, 7, 9, 30, 15, 123456, tzinfo=datetime.UTC),
    )
    eighth.themes.set([trafficking, smuggling])
    workshop = MeetingFactory(
        slug="workshop-on-returns",
        meeting_type=ministerial,
        title="Workshop on returns — Bangkok",
        start_date=datetime.date(2015, 3, 26),
        end_date=datetime.date(2015, 3, 27),
        parent=eighth,
        status="postponed",
        format="virtual",
        country="",
        city="",
        published_at=None,
    )
    workshop.related_meetings.set([eighth])
    MeetingFactory(
        slug="sixth-ministerial-conference",
        meeting_type=ministerial,
        number=6,
        title="Sixth Ministerial Conference",
        start_date=datetime.date(2016, 3, 23),
        end_date=None,
        status="scheduled",
        published_at=timezone.now() + datetime.timedelta(days=30),
    )

    AttendanceFactory(meeting=eighth, participant=australia, role="co_chair", person="Minister", position=0)
    AttendanceFactory(meeting=eighth, participant=viet_nam, role="member", note="Late arrival", position=1)
    AttendanceFactory(meeting=eighth, participant=unodc, role="observer", position=1)
    AttendanceFactory(
        meeting=eighth, participant=rso, role="participant", person="RSO Co-Managers", position=2
    )

    statement = DocumentFactory(
        meeting=eighth,
        title="Co-Chairs' Statement",
        kind="co_chairs_statement",
        url="https://example.org/cs.pdf",
    )
    DocumentFactory(
        meeting=eighth,
        title="Pernyataan Ketua Bersama",
        kind="co_chairs_statement",
        url="",
        file="documents/2014/pernyataan.pdf",
        language="id",
        translation_of=statement,
        published_on=datetime.date(2014, 8, 8),
        position=1,
    )
    guide = DocumentFactory(
        meeting=workshop, title="Policy guide", kind="policy_guide", url="https://example.org/pg"
    )

    granted = OutcomeFactory(
        meeting=eighth,
        position=1,
        kind="granted",
        text="UNODC was granted full membership of the Bali Process Ad Hoc Group.",
        addressed_to="to be submitted to Ministers",
    )
    granted.concerns.set([unodc])
    granted.documents.set([statement, guide])
    tasked = OutcomeFactory(meeting=eighth, position=2, kind="tasked", text="Members tasked the RSO.")
    tasked.themes.set([trafficking])
    OutcomeFactory(meeting=workshop, position=1, kind="noted", text="Participants noted the guide.")

    first = ActionItemFactory(
        outcome=tasked,
        position=0,
        title="Draft a policy guide on returns",
        description="With members' input.",
        status="completed",
        due_as_published="first half of 2015",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        fulfilled_by_meeting=workshop,
        fulfilled_by_document=guide,
        reported_to=ahg_body,
    )
    first.themes.set([smuggling])
    ActionOwnerFactory(action_item=first, participant=rso, role="lead")
    ActionOwnerFactory(action_item=first, participant=australia, role="lead")
    ActionOwnerFactory(action_item=first, participant=viet_nam, role="support")
    ProgressUpdateFactory(
        action_item=first, date=datetime.date(2015, 1, 10), status="in_progress", note="Begun."
    )
    ProgressUpdateFactory(
        action_item=first,
        date=datetime.date(2015, 3, 27),
        status="completed",
        note="Presented.",
        meeting=workshop,
        percent_complete=100,
        recorded_by=editor,
    )
    replacement = ActionItemFactory(
        outcome=tasked,
        position=0,
        title="Run a workshop",
        due_date=datetime.date(2015, 9, 30),
        due_precision="quarter",
    )
    ActionItemFactory(
        outcome=tasked,
        position=1,
        title="Report to Ministers",
        status="superseded",
        superseded_by=replacement,
        due_at_next=ministerial,
        due_as_published="before the next Ministerial Conference",
    )
    for code_date, precision in [
        (datetime.date(2016, 12, 31), "year"),
        (datetime.date(2016, 2, 29), "month"),
        (datetime.date(2016, 5, 17), "day"),
    ]:
        ActionItemFactory(
            outcome=granted, title=f"Due by {precision}", due_date=code_date, due_precision=precision
        )

    MembershipFactory(
        participant=australia,
        status="co_chair",
        start_date=datetime.date(2002, 2, 26),
        source_url="https://example.org/members",
        note="Co-chair since the first conference.",
    )
    MembershipFactory(participant=australia, status="member", start_date=datetime.date(2002, 2, 26))
    MembershipFactory(
        participant=unodc, status="observer", end_date=datetime.date(2014, 8, 6), ended_by=granted
    )
    MembershipFactory(
        participant=unodc,
        body=ahg_body,
        status="member",
        start_date=datetime.date(2014, 8, 6),
        granted_by=granted,
    )
    return eighth


def test_export_matches_the_json_schema(full_record):
    document = build_records()
    errors = [error.message for error in records_validator().iter_errors(document)]
    assert errors == []
    assert records_schema()["properties"]["format"]["const"] == "balitracker-records"


def test_design_example_matches_the_json_schema():
    example = {
        "format": "balitracker-records",
        "version": 1,
        "meeting_types": [
            {"slug": "ahg-senior-officials-meeting", "name": "Ad Hoc Group Senior Officials' Meeting"}
        ],
        "themes": [{"slug": "trafficking-in-persons", "name": "Trafficking in persons"}],
        "participants": [
            {
                "slug": "australia",
                "name": "Australia",
                "short_name": "",
                "kind": "state",
                "country": "AU",
                "aliases": [],
                "memberships": [
                    {"body": None, "status": "member", "start_date": "2002-02-26", "end_date": None}
                ],
            }
        ],
        "meetings": [
            {
                "slug": "eighth-ahg-senior-officials-meeting",
                "type": "ahg-senior-officials-meeting",
                "number": 8,
                "title": "Eighth Meeting of the Ad Hoc Group Senior Officials",
                "start_date": "2014-08-06",
                "end_date": "2014-08-06",
                "published": True,
                "venue": None,
                "attendance": [
                    {"participant": "australia", "role": "observer", "person": None, "note": None}
                ],
                "outcomes": [
                    {
                        "kind": "granted",
                        "text": "Australia was granted something.",
                        "concerns": ["australia"],
                        "themes": [],
                        "actions": [
                            {
                                "title": "...",
                                "owners": ["australia"],
                                "status": "in_progress",
                                "due": "2015-H1",
                                "fulfilled_by": None,
                                "updates": [
                                    {
                                        "date": "2015-03-27",
                                        "status": "completed",
                                        "note": "...",
                                        "meeting": None,
                                    }
                                ],
                            }
                        ],
                    }
                ],
                "documents": [
                    {"title": "Co-Chairs' Statement", "kind": "co_chairs_statement", "url": "https://x.org/a"}
                ],
            }
        ],
    }
    assert list(records_validator().iter_errors(example)) == []
    assert import_document(example)["meetings"] == {"created": 1, "updated": 0, "unchanged": 0}


def test_export_is_deterministic_and_carries_every_kind_of_row(full_record):
    text = export_text()
    assert text == export_text()
    document = json.loads(text)
    eighth = next(m for m in document["meetings"] if m["slug"] == "eighth-ahg-senior-officials-meeting")
    assert eighth["published"] is True
    assert eighth["published_at"] == "2014-08-07T09:30:15.123456Z"
    assert eighth["source_urls"] == [
        "https://www.baliprocess.net/eighth",
        "https://example.org/archive/eighth",
    ]
    assert [row["participant"] for row in eighth["attendance"]] == ["australia", "unodc", "viet-nam", "rso"]
    tasked = eighth["outcomes"][1]
    assert tasked["actions"][0]["owners"] == ["australia", "rso"]
    assert tasked["actions"][0]["supporting_owners"] == ["viet-nam"]
    assert tasked["actions"][0]["due"] == "2015-H1"
    assert tasked["actions"][2]["superseded_by"] == "eighth-ahg-senior-officials-meeting#2.2"
    assert [action["due"] for action in eighth["outcomes"][0]["actions"]] == ["2016", "2016-02", "2016-05-17"]
    unodc = next(p for p in document["participants"] if p["slug"] == "unodc")
    assert {m["granted_by"] for m in unodc["memberships"]} == {None, "eighth-ahg-senior-officials-meeting#1"}
    assert "Workshop on returns — Bangkok" in text  # UTF-8, not \u escapes


def test_round_trip_through_an_empty_database_is_byte_identical(full_record):
    # Into an empty database a record's files come as content (--with-files), stored under new
    # names: the record is identical but for those names, and the files are (tests/test_records_files.py).
    first = export_text(with_files=True)
    counts = row_counts()
    empty_the_record()
    summary = import_document(json.loads(first))
    assert summary["meetings"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert summary["participants"]["created"] == 5
    assert without_file_names(build_records()) == without_file_names(json.loads(first))
    assert row_counts() == counts
    again = export_text(with_files=True)
    empty_the_record()
    import_document(json.loads(again))
    assert without_file_names(build_records(with_files=True)) == without_file_names(json.loads(again))


def test_an_imported_action_is_found_by_its_owners_names(full_record):
    # On PostgreSQL the import writes an action's owners before the action, whose search document
    # the database makes as the action is inserted; on SQLite it is made once the batch is written.
    document = json.loads(export_text(with_files=True))
    empty_the_record()
    import_document(document)
    action = ActionItem.objects.get(title="Draft a policy guide on returns")
    for words in ("regional support office returns", "RSO policy", "australia guide", "viet nam guide"):
        group = next(group for group in search_record(words).groups if group.kind == "actions")
        assert [hit.url for hit in group.hits] == [action.get_absolute_url()], words


def generate_record(meetings=20, seed=2002):
    """A varied record: meetings of several types with attendance, outcomes, actions and documents."""
    chance = random.Random(seed)
    types = [MeetingTypeFactory() for _ in range(3)]
    themes = [ThemeFactory() for _ in range(4)]
    states = [ParticipantFactory() for _ in range(8)]
    organisations = [OrganisationFactory() for _ in range(3)]
    bodies = [ForumBodyFactory() for _ in range(2)]
    everyone = states + organisations + bodies
    for state in states[:4]:
        MembershipFactory(participant=state, start_date=datetime.date(2002, 2, 26))
        ParticipantAliasFactory(participant=state)
    created = []
    for number in range(meetings):
        meeting = MeetingFactory(
            meeting_type=chance.choice(types),
            number=number + 1,
            start_date=datetime.date(2004 + number % 12, chance.randint(1, 12), chance.randint(1, 28)),
            status=chance.choice(["held", "held", "cancelled", "scheduled"]),
            published_at=chance.choice([None, timezone.now() - datetime.timedelta(days=number)]),
            parent=created[-1] if created and chance.random() < 0.2 else None,
        )
        meeting.themes.set(chance.sample(themes, chance.randint(0, 2)))
        for position, participant in enumerate(chance.sample(everyone, chance.randint(0, 6))):
            AttendanceFactory(
                meeting=meeting,
                participant=participant,
                role=chance.choice(["member", "observer"]),
                position=position,
            )
        documents = [DocumentFactory(meeting=meeting) for _ in range(chance.randint(0, 2))]
        for position in range(1, chance.randint(1, 4)):
            outcome = OutcomeFactory(
                meeting=meeting, position=position, kind=chance.choice(["agreed", "noted"])
            )
            outcome.concerns.set(chance.sample(everyone, chance.randint(0, 2)))
            outcome.documents.set(documents[:1])
            for _ in range(chance.randint(0, 2)):
                action = ActionItemFactory(
                    outcome=outcome,
                    status=chance.choice(["not_started", "in_progress", "completed"]),
                    due_date=datetime.date(2010 + number % 8, 12, 31),
                    due_precision="year",
                )
                ActionOwnerFactory(action_item=action, participant=chance.choice(everyone))
                for _ in range(chance.randint(0, 2)):
                    ProgressUpdateFactory(action_item=action, meeting=chance.choice([None, meeting]))
        created.append(meeting)
    return created


def test_writing_an_import_of_twice_the_meetings_costs_the_same_queries(monkeypatch):
    """Rows, links, the history and the tallies of new meetings are written in a fixed number of
    queries for each batch of meetings, not for each row (the tallies as a large file merges them)."""
    monkeypatch.setattr(tallies, "BULK_KEYS", 0)

    def queries_to_write(meetings):
        generate_record(meetings, seed=7)
        document = json.loads(export_text())
        empty_the_record()
        records = RecordsImport(document)
        assert records.validate() == []
        # Each import reads the content types of the versions it writes, once.
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            records.apply()
        assert len(json.loads(export_text())["meetings"]) == meetings
        empty_the_record()
        return len(queries)

    assert queries_to_write(12) == queries_to_write(24)
    assert BATCH >= 24


def test_round_trip_of_generated_meetings_is_byte_identical():
    generate_record(20)
    first = export_text()
    assert len(json.loads(first)["meetings"]) == 20
    counts = row_counts()
    empty_the_record()
    import_document(json.loads(first))
    assert export_text() == first
    assert row_counts() == counts


def test_second_import_changes_nothing(full_record):
    document = build_records()
    import_document(document)
    counts = row_counts()
    action_ids = sorted(ActionItem.objects.values_list("pk", flat=True))
    before = export_text()
    summary = import_document(document)
    assert all(
        counts_of_kind["created"] == counts_of_kind["updated"] == 0 for counts_of_kind in summary.values()
    )
    assert summary["meetings"]["unchanged"] == 3
    assert row_counts() == counts
    assert sorted(ActionItem.objects.values_list("pk", flat=True)) == action_ids
    assert export_text() == before


def test_import_replaces_nested_rows_and_keeps_action_ids(full_record):
    document = build_records()
    eighth = next(m for m in document["meetings"] if m["slug"] == full_record.slug)
    eighth["attendance"] = [row for row in eighth["attendance"] if row["participant"] != "viet-nam"]
    eighth["outcomes"][1]["actions"][0]["title"] = "Draft the policy guide on returns"
    eighth["title"] = "Eighth AHG SOM"
    action_id = ActionItem.objects.get(title="Draft a policy guide on returns").pk
    summary = import_document(document)
    assert summary["meetings"] == {"created": 0, "updated": 1, "unchanged": 2}
    full_record.refresh_from_db()
    assert full_record.title == "Eighth AHG SOM"
    assert not full_record.attendances.filter(participant__slug="viet-nam").exists()
    assert ActionItem.objects.get(pk=action_id).title == "Draft the policy guide on returns"
    assert (
        json.loads(export_text()) == json.loads(dumps(document)) | {}
    )  # what was imported is what is exported


def test_error_names_record_and_field_and_writes_nothing(full_record):
    document = build_records()
    document["meetings"][0]["attendance"][1]["participant"] = "vietnam"
    document["meetings"][0]["outcomes"][1]["actions"][0]["due"] = "2015-H3"
    document["meetings"][1]["end_date"] = "2015-01-01"
    document["meetings"][0]["title"] = "Changed"
    counts = row_counts()
    with pytest.raises(RecordsInvalid) as invalid:
        import_document(document)
    messages = [str(error) for error in invalid.value.errors]
    assert (
        "meetings[0].attendance[1].participant: no participant 'vietnam' (did you mean 'viet-nam'?)"
        in messages
    )
    assert any(
        message.startswith("meetings[0].outcomes[1].actions[0].due: '2015-H3' is not") for message in messages
    )
    assert "meetings[1].end_date: The end date cannot be before the start date." in messages
    assert row_counts() == counts
    assert not Meeting.objects.filter(title="Changed").exists()


def test_all_errors_are_reported_together():
    document = {
        "format": "balitracker-records",
        "version": 1,
        "participants": [{"slug": "viet-nam", "name": "Viet Nam", "kind": "state", "country": None}],
        "meetings": [
            {
                "slug": "m",
                "type": "nowhere",
                "title": "M",
                "start_date": "2015-02-30",
                "attendance": [{"participant": "viet-nam"}, {"participant": "viet-nam"}],
                "outcomes": [
                    {
                        "kind": "agreed",
                        "text": "x",
                        "actions": [{"title": "a", "due": "2015-13", "owners": ["vn"]}],
                    }
                ],
                "documents": [{"title": "Bad address", "url": "not an address"}],
            }
        ],
    }
    errors = import_errors(document)
    assert "participants[0].country: A state or territory needs its ISO 3166 country code." in errors
    assert "meetings[0].type: no meeting type 'nowhere'" in errors
    assert "meetings[0].start_date: '2015-02-30' is not a date" in errors
    assert "meetings[0].attendance[1].participant: 'viet-nam' is already listed at attendance[0]" in errors
    assert "meetings[0].outcomes[0].actions[0].due: '2015-13' has no month 13" in errors
    assert "meetings[0].outcomes[0].actions[0].owners: no participant 'vn'" in " ".join(errors)
    assert "meetings[0].documents[0].url: Enter a valid URL." in errors


def test_schema_errors_name_the_field():
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [
            {
                "slug": "m",
                "title": "M",
                "statut": "held",
                "attendance": [{"participant": "x", "role": "king"}],
            }
        ],
    }
    errors = import_errors(document)
    assert "meetings[0].type: is required" in errors
    assert "meetings[0].statut: is not a field of the format" in errors
    assert any(error.startswith("meetings[0].attendance[0].role: 'king' is not one of") for error in errors)


def test_not_a_records_file_is_refused():
    assert import_errors({"meetings": []}) == [
        "format: is not 'balitracker-records': this is not a records file"
    ]
    assert import_errors([]) == ["format: is not 'balitracker-records': this is not a records file"]


def test_alias_suggests_the_participant():
    ParticipantAliasFactory(participant=ParticipantFactory(slug="turkiye", name="Türkiye"), name="Turkey")
    MeetingTypeFactory(slug="workshop")
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [
            {"slug": "m", "type": "workshop", "title": "M", "attendance": [{"participant": "turkey"}]}
        ],
    }
    assert import_errors(document) == [
        "meetings[0].attendance[0].participant: no participant 'turkey' (did you mean 'turkiye'?)"
    ]


def test_reference_to_a_record_in_the_database_is_accepted():
    MeetingTypeFactory(slug="workshop")
    ParticipantFactory(slug="australia")
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [
            {"slug": "m", "type": "workshop", "title": "M", "attendance": [{"participant": "australia"}]}
        ],
    }
    assert import_document(document)["meetings"]["created"] == 1
    assert Attendance.objects.get().participant.slug == "australia"


AS_PUBLISHED_500 = (
    "To be reported to the Senior Officials' Meeting that follows the next Ministerial Conference, "
    "or, should that conference be postponed beyond the second half of the year, to the Ad Hoc "
    "Group Steering Group at its first meeting after the date originally set, together with the "
    "findings of the Task Force on Planning and Preparedness and the views of member states that "
    "took part in the Regional Support Office's consultations; the Co-Chairs will advise members of "
    "the date once it is agreed, by letter."
)


def test_a_document_recorded_by_title_alone_imports_and_round_trips():
    assert len(AS_PUBLISHED_500) == 500
    MeetingTypeFactory(slug="workshop")
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [
            {
                "slug": "m",
                "type": "workshop",
                "title": "M",
                "date_as_published": AS_PUBLISHED_500,
                "outcomes": [
                    {
                        "kind": "adopted",
                        "text": "Members adopted the Terms of Reference.",
                        "documents": ["Terms of Reference"],
                        "actions": [
                            {
                                "title": "Publish them",
                                "due_as_published": AS_PUBLISHED_500,
                                "fulfilled_by_document": "Terms of Reference",
                            }
                        ],
                    }
                ],
                "documents": [
                    {"title": "Terms of Reference", "kind": "terms_of_reference"},
                    {"title": "Kerangka Acuan", "language": "id", "translation_of": "Terms of Reference"},
                ],
                "attendance": [],
            }
        ],
    }

    assert import_document(document)["meetings"]["created"] == 1

    original, translation = Document.objects.order_by("pk")
    assert (original.url, original.file.name, original.is_online) == ("", "", False)
    assert translation.translation_of == original
    outcome = Outcome.objects.get()
    assert list(outcome.documents.all()) == [original]
    assert outcome.action_items.get().fulfilled_by_document == original
    assert Meeting.objects.get().date_as_published == AS_PUBLISHED_500
    assert outcome.action_items.get().due_as_published == AS_PUBLISHED_500
    first = export_text()
    exported = json.loads(first)["meetings"][0]
    assert exported["documents"][0]["url"] is None and exported["documents"][0]["file"] is None
    assert exported["outcomes"][0]["documents"] == ["Terms of Reference"]
    assert records_validator().is_valid(json.loads(first))
    empty_the_record()
    MeetingTypeFactory(slug="workshop")
    import_document(json.loads(first))
    assert export_text() == first


def test_words_as_published_past_the_format_limit_are_refused():
    MeetingTypeFactory(slug="workshop")
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [{"slug": "m", "type": "workshop", "title": "M", "date_as_published": "x" * 2001}],
    }

    (error,) = import_errors(document)

    assert error.startswith("meetings[0].date_as_published: ") and "too long" in error


def test_published_without_a_time_is_published_now_and_kept_after():
    MeetingTypeFactory(slug="workshop")
    document = {
        "format": "balitracker-records",
        "version": 1,
        "meetings": [{"slug": "m", "type": "workshop", "title": "M", "published": True}],
    }
    import_document(document)
    published_at = Meeting.objects.get().published_at
    assert published_at is not None
    assert import_document(document)["meetings"]["unchanged"] == 1
    assert Meeting.objects.get().published_at == published_at


def updated_ats():
    return {
        model.__name__: dict(model.objects.values_list("pk", "updated_at"))
        for model in (Meeting, Outcome, ActionItem)
    }


def test_import_changing_only_links_moves_the_timestamps_of_what_holds_them(full_record):
    document = build_records()
    eighth = next(m for m in document["meetings"] if m["slug"] == full_record.slug)
    eighth["themes"] = ["people-smuggling"]
    granted, tasked = eighth["outcomes"]
    granted["concerns"] = ["rso", "unodc"]
    tasked["documents"] = ["https://example.org/cs.pdf"]
    run_workshop = next(action for action in tasked["actions"] if action["title"] == "Run a workshop")
    run_workshop["themes"] = ["trafficking-in-persons"]
    report = next(action for action in tasked["actions"] if action["title"] == "Report to Ministers")
    report["supporting_owners"] = ["rso"]
    long_ago = timezone.now() - datetime.timedelta(days=400)
    for model in (Meeting, Outcome, ActionItem, Document):
        model.objects.update(updated_at=long_ago)
    ProgressUpdate.objects.update(created_at=long_ago)
    version = record_version().key

    assert import_document(document)["meetings"] == {"created": 0, "updated": 1, "unchanged": 2}

    moved = {
        name: {pk for pk, updated_at in stamps.items() if updated_at != long_ago}
        for name, stamps in updated_ats().items()
    }
    assert moved == {
        "Meeting": {full_record.pk},
        "Outcome": set(Outcome.objects.filter(meeting=full_record).values_list("pk", flat=True)),
        "ActionItem": set(
            ActionItem.objects.filter(title__in=["Run a workshop", "Report to Ministers"]).values_list(
                "pk", flat=True
            )
        ),
    }
    assert record_version().key != version
    since = timezone.localdate() - datetime.timedelta(days=7)
    assert [meeting["slug"] for meeting in build_records(since=since)["meetings"]] == [full_record.slug]

    stamps, version = updated_ats(), record_version().key
    assert import_document(document)["meetings"]["unchanged"] == 3
    assert updated_ats() == stamps
    assert record_version().key == version


def test_import_relating_meetings_moves_the_timestamps_of_both(full_record):
    document = build_records(meeting_slugs=["sixth-ministerial-conference"])
    document["meetings"][0]["related_meetings"] = ["workshop-on-returns"]
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Meeting.objects.update(updated_at=long_ago)

    import_document(document)

    moved = Meeting.objects.exclude(updated_at=long_ago).values_list("slug", flat=True)
    assert sorted(moved) == ["sixth-ministerial-conference", "workshop-on-returns"]
    stamps = updated_ats()
    assert import_document(document)["meetings"]["unchanged"] == 1
    assert updated_ats() == stamps


def test_dry_run_writes_nothing(full_record, settings):
    document = build_records(with_files=True)
    empty_the_record()
    stored = sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    summary = import_document(document, dry_run=True)
    assert summary["meetings"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert all(count == 0 for count in row_counts().values())
    # ...nor keeps the files it stored from the file's content.
    assert sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()) == stored


def test_import_command_prints_the_summary_and_dry_run_writes_nothing(full_record, tmp_path):
    path = tmp_path / "records.json"
    call_command("export_records", "--with-files", "-o", str(path))
    empty_the_record()
    out = io.StringIO()
    call_command("import_records", str(path), "--dry-run", stdout=out)
    assert "Dry run: nothing was written." in out.getvalue()
    assert "meetings: 3 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Meeting.objects.count() == 0
    out = io.StringIO()
    call_command("import_records", str(path), stdout=out)
    assert "meetings: 3 created, 0 updated, 0 unchanged" in out.getvalue()
    out = io.StringIO()
    call_command("import_records", str(path), stdout=out)
    assert "meeting types: 0 created, 0 updated, 2 unchanged" in out.getvalue()
    assert "meetings: 0 created, 0 updated, 3 unchanged" in out.getvalue()
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert without_file_names(build_records(with_files=True)) == without_file_names(exported)


def test_import_command_records_the_user_given_in_history(full_record, tmp_path):
    path = tmp_path / "records.json"
    call_command("export_records", "-o", str(path))
    Attendance.objects.filter(participant__slug="viet-nam").delete()
    Meeting.objects.filter(slug="workshop-on-returns").delete()

    call_command("import_records", str(path), "--user", "secretariat", stdout=io.StringIO())

    revision = Revision.objects.get()
    assert revision.user.username == "secretariat"
    held = set(revision.version_set.values_list("content_type__model", flat=True))
    assert {"meeting", "attendance", "outcome", "actionitem"} <= held

    document = json.loads(path.read_text(encoding="utf-8"))
    removed = document["meetings"][0]["attendance"].pop()
    path.write_text(json.dumps(document), encoding="utf-8")
    call_command("import_records", str(path), "--user", "secretariat", stdout=io.StringIO())
    meeting = Meeting.objects.get(slug=document["meetings"][0]["slug"])
    latest = Version.objects.get_for_object(meeting).first().revision
    assert latest.user.username == "secretariat"
    kept = [
        v.field_dict["participant_id"] for v in latest.version_set.filter(content_type__model="attendance")
    ]
    assert Participant.objects.get(slug=removed["participant"]).pk not in kept


def test_import_command_without_a_user_records_none(full_record, tmp_path):
    path = tmp_path / "records.json"
    call_command("export_records", "--with-files", "-o", str(path))
    Meeting.objects.all().delete()
    call_command("import_records", str(path), stdout=io.StringIO())
    assert set(Revision.objects.values_list("user", flat=True)) == {None}


def test_import_command_refuses_an_unknown_user_and_imports_nothing(full_record, tmp_path):
    path = tmp_path / "records.json"
    call_command("export_records", "-o", str(path))
    Meeting.objects.all().delete()
    with pytest.raises(CommandError, match="No user with the username 'nobody'"):
        call_command("import_records", str(path), "--user", "nobody")
    assert Meeting.objects.count() == 0


def test_import_command_lists_every_error_and_fails(full_record, tmp_path):
    document = build_records()
    document["meetings"][0]["attendance"][0]["participant"] = "vietnam"
    document["meetings"][0]["outcomes"][0]["actions"][0]["due"] = "2015-H3"
    path = tmp_path / "records.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 errors; nothing was imported"):
        call_command("import_records", str(path), stderr=err)
    assert "meetings[0].attendance[0].participant: no participant 'vietnam'" in err.getvalue()
    assert "meetings[0].outcomes[0].actions[0].due" in err.getvalue()


def test_import_command_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "records.json"
    path.write_text("{not json", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", str(path), stderr=err)
    assert "(file): is not JSON" in err.getvalue()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_records", str(tmp_path / "missing.json"))


def test_export_of_chosen_meetings_brings_what_they_reference(full_record):
    document = build_records(meeting_slugs=["workshop-on-returns"])
    assert [meeting["slug"] for meeting in document["meetings"]] == ["workshop-on-returns"]
    assert [meeting_type["slug"] for meeting_type in document["meeting_types"]] == ["ministerial-conference"]
    assert document["participants"] == []
    document = build_records(meeting_slugs=["eighth-ahg-senior-officials-meeting"])
    participant_slugs = [participant["slug"] for participant in document["participants"]]
    assert participant_slugs == ["ad-hoc-group", "australia", "rso", "unodc", "viet-nam"]
    assert {t["slug"] for t in document["themes"]} == {"trafficking-in-persons", "people-smuggling"}
    assert list(records_validator().iter_errors(document)) == []


def test_export_command_refuses_unknown_meetings_and_bad_dates():
    with pytest.raises(CommandError, match="No meeting with the slug: nowhere"):
        call_command("export_records", "--meetings", "nowhere")
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_records", "--since", "yesterday")


def test_export_since_a_date_keeps_meetings_changed_since(full_record):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Meeting.objects.update(updated_at=long_ago)
    Outcome.objects.update(updated_at=long_ago)
    ActionItem.objects.update(updated_at=long_ago)
    Document.objects.update(updated_at=long_ago)
    ProgressUpdate.objects.update(created_at=long_ago)
    since = timezone.localdate() - datetime.timedelta(days=7)
    assert build_records(since=since)["meetings"] == []
    Outcome.objects.filter(meeting__slug="workshop-on-returns").update(updated_at=timezone.now())
    out = io.StringIO()
    call_command("export_records", "--since", since.isoformat(), stdout=out)
    document = json.loads(out.getvalue())
    assert [meeting["slug"] for meeting in document["meetings"]] == ["workshop-on-returns"]


def test_export_runs_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    generate_record(10)
    # A query for each relation, the records its actions and progress updates name read once each.
    with django_assert_max_num_queries(22):
        build_records()


def test_the_inlined_schema_finds_what_the_schema_finds_in_the_same_order(full_record):
    """The validator reads the schema with its references inlined, for speed: the same errors, in
    the same order, with the same messages and the same schema beside each."""
    document = build_records()
    meeting = document["meetings"][0]
    meeting.update(slug="Not A Slug", type=7, start_date="2014-13-45", country="Australia", extra=True)
    meeting["attendance"][0]["participant"] = None
    meeting["attendance"].append({"role": "member"})
    outcome = meeting["outcomes"][0]
    outcome.update(concerns=["UNODC", 3], documents=[None])
    action = outcome["actions"][0]
    action.update(due="first half", superseded_by="nowhere", owners="rso", fulfilled_by=1)
    action["updates"].append({"date": "2015-03-27", "status": "done", "note": 5})
    document["participants"][0].update(slug="", memberships=[{"status": "member", "body": "X Y"}])
    document["themes"].append({"slug": "theme"})

    def found(validator):
        return [
            # What the explanation of an error reads of the schema beside it.
            (
                list(error.absolute_path),
                error.validator,
                error.message,
                error.schema.get("description"),
                list(error.schema.get("properties", {})),
            )
            for error in validator.iter_errors(document)
        ]

    plain = Draft202012Validator(records_schema())
    assert len(found(plain)) > 15
    assert found(records_validator()) == found(plain)
    assert len(schema_errors(document)) > 15


def leaves(value, path=()):
    """(path, value) of every value inside ``value``, containers included, outermost first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))


def replaced(document, path, value):
    document = copy.deepcopy(document)
    *within, last = path
    holder = document
    for part in within:
        holder = holder[part]
    holder[last] = value
    return document


def test_the_quick_check_refuses_whatever_the_schema_refuses(full_record):
    """Meetings that the compiled check passes are not shown to ``jsonschema``: it must refuse every
    meeting ``jsonschema`` refuses. Every value of a full meeting is replaced in turn by values of
    each kind, and a key the format does not know is added to every record in it."""
    meeting = build_records()["meetings"][0]
    assert passes_quickly(meeting, ("meetings", 0))
    assert schema_errors(meeting, ("meetings", 0)) == []
    hostile = [None, 7, -1, 2.5, True, "", "x" * 5000, "Not A Slug", "2014-13-45", "\ud800", [], [None], {}]
    variants = []
    for path, value in leaves(meeting):
        if path:
            variants.extend(replaced(meeting, path, other) for other in hostile if other != value)
        if isinstance(value, dict):
            widened = {**value, "unknown": 1}
            variants.append(replaced(meeting, path, widened) if path else widened)
    refused = 0
    for variant in variants:
        if any(meeting_validator().iter_errors(variant)):
            refused += 1
            assert not passes_quickly(variant, ("meetings", 0)), variant
    assert refused > 1000


def streamed_text(**selection):
    out = io.StringIO()
    write_records(out, **selection)
    return out.getvalue()


@pytest.mark.parametrize("chunk", [1, 3, 200])
def test_the_export_written_meeting_by_meeting_is_the_text_of_the_whole_document(
    full_record, monkeypatch, chunk
):
    """The file written chunk by chunk, each chunk's actions named afresh, is the very text of the
    document built whole, as the export was before, for everything and for selections."""
    generate_record(7)
    # Superseded by an action of another meeting, named from a chunk of its own.
    superseded = ActionItem.objects.order_by("-pk").first()
    superseded.status, superseded.superseded_by = "superseded", ActionItem.objects.order_by("pk").first()
    superseded.save()
    since = timezone.localdate() - datetime.timedelta(days=7)
    whole = {
        "meetings": sorted(
            (MeetingExporter().export(meeting) for meeting in meeting_queryset()), key=meeting_order
        )
    }
    monkeypatch.setattr(export, "CHUNK", chunk)
    document = build_records()
    assert document["meetings"] == whole["meetings"]
    assert streamed_text() == dumps(document)
    chosen = ["workshop-on-returns", Meeting.objects.order_by("pk").last().slug]
    assert streamed_text(meeting_slugs=chosen) == dumps(build_records(meeting_slugs=chosen))
    assert streamed_text(since=since) == dumps(build_records(since=since))
    Meeting.objects.update(updated_at=timezone.now() - datetime.timedelta(days=400))
    Outcome.objects.update(updated_at=timezone.now() - datetime.timedelta(days=400))
    ActionItem.objects.update(updated_at=timezone.now() - datetime.timedelta(days=400))
    Document.objects.update(updated_at=timezone.now() - datetime.timedelta(days=400))
    ProgressUpdate.objects.update(created_at=timezone.now() - datetime.timedelta(days=400))
    assert streamed_text(since=since) == dumps(build_records(since=since))
    assert json.loads(streamed_text(since=since))["meetings"] == []


def test_the_export_command_writes_the_whole_document_to_its_file(full_record, tmp_path):
    generate_record(4)
    path = tmp_path / "records.json"
    call_command("export_records", "-o", str(path), "--with-files")
    assert path.read_text(encoding="utf-8") == dumps(build_records(with_files=True))
    out = io.StringIO()
    call_command("export_records", stdout=out)
    assert out.getvalue() == dumps(build_records())


def test_an_empty_record_is_written_as_the_document_it_is():
    assert streamed_text() == dumps(build_records())
    assert json.loads(streamed_text())["meetings"] == []


def test_demo_records_round_trip_byte_identical():
    call_command("loaddata", "reference", "demo", verbosity=0)
    first = export_text()
    assert list(records_validator().iter_errors(json.loads(first))) == []
    counts = row_counts()
    empty_the_record()
    summary = import_document(json.loads(first))
    assert summary["participants"]["created"] == counts["Participant"]
    assert export_text() == first
    assert row_counts() == counts
    second = import_document(json.loads(first))
    assert {kind: counts_of_kind["unchanged"] for kind, counts_of_kind in second.items()} == {
        "meeting_types": counts["MeetingType"],
        "themes": counts["Theme"],
        "participants": counts["Participant"],
        "meetings": counts["Meeting"],
    }


def action_record(document, title):
    return next(
        action
        for meeting in document["meetings"]
        for outcome in meeting["outcomes"]
        for action in outcome["actions"]
        if action["title"] == title
    )


def test_import_changing_a_status_records_an_update_naming_the_user(full_record, django_user_model):
    editor = django_user_model.objects.get(username="secretariat")
    document = build_records()
    action_record(document, "Run a workshop")["status"] = "in_progress"
    records = RecordsImport(json.loads(json.dumps(document)))

    assert records.apply(user=editor)["meetings"] == {"created": 0, "updated": 1, "unchanged": 2}

    action = ActionItem.objects.get(title="Run a workshop")
    assert action.status == "in_progress"
    update = action.progress_updates.get()
    assert (update.date, update.status, update.note, update.recorded_by) == (
        timezone.localdate(),
        "in_progress",
        "Status changed by records import",
        editor,
    )
    # The same file again: the update the import added is not in it, and stays.
    again = RecordsImport(json.loads(json.dumps(document)))
    assert again.apply()["meetings"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(action.progress_updates.all()) == [update]
    assert again.kept_updates == [
        (
            "eighth-ahg-senior-officials-meeting#2.2",
            {
                "date": timezone.localdate().isoformat(),
                "status": "in_progress",
                "note": "Status changed by records import",
                "percent_complete": None,
                "meeting": None,
                "recorded_by": "secretariat",
            },
        )
    ]


def test_import_changing_a_status_without_a_user_records_an_update_naming_none(full_record):
    document = build_records()
    action_record(document, "Report to Ministers").update(status="cancelled", superseded_by=None)
    import_document(document)
    update = ActionItem.objects.get(title="Report to Ministers").progress_updates.get()
    assert (update.status, update.note, update.recorded_by) == (
        "cancelled",
        "Status changed by records import",
        None,
    )


def test_import_whose_latest_update_records_the_new_status_adds_only_that_update(full_record):
    document = build_records()
    run_workshop = action_record(document, "Run a workshop")
    run_workshop["status"] = "completed"
    run_workshop["updates"] = [
        {"date": "2015-01-05", "status": "in_progress"},
        {"date": "2015-09-30", "status": "completed", "note": "Held in Bangkok."},
    ]
    import_document(document)
    timeline = ActionItem.objects.get(title="Run a workshop").progress_updates.all()
    assert [(update.status, update.note) for update in timeline] == [
        ("in_progress", ""),
        ("completed", "Held in Bangkok."),
    ]


def test_older_file_keeps_a_newer_update_in_the_database(full_record, tmp_path):
    path = tmp_path / "records.json"
    call_command("export_records", "-o", str(path))
    draft = ActionItem.objects.get(title="Draft a policy guide on returns")
    newer = ProgressUpdateFactory(
        action_item=draft, date=datetime.date(2015, 6, 1), status="completed", note="Published."
    )
    counts = row_counts()

    out = io.StringIO()
    call_command("import_records", str(path), stdout=out)

    assert "meetings: 0 created, 0 updated, 3 unchanged" in out.getvalue()
    assert "progress updates: 1 kept (in the database, not in the file)" in out.getvalue()
    assert row_counts() == counts
    assert ProgressUpdate.objects.get(pk=newer.pk).note == "Published."
    assert [update.note for update in draft.progress_updates.all()] == ["Begun.", "Presented.", "Published."]


def test_import_never_edits_an_update_on_the_timeline(full_record):
    document = build_records()
    draft = action_record(document, "Draft a policy guide on returns")
    begun, presented = draft["updates"]
    begun["note"] = "Begun with members."
    presented["percent_complete"] = 90
    first_update = ProgressUpdate.objects.get(note="Begun.")
    records = RecordsImport(json.loads(json.dumps(document)))

    assert records.apply()["meetings"] == {"created": 0, "updated": 1, "unchanged": 2}

    timeline = ActionItem.objects.get(title="Draft a policy guide on returns").progress_updates.all()
    assert [(update.note, update.percent_complete) for update in timeline] == [
        ("Begun.", None),
        ("Begun with members.", None),
        ("Presented.", 100),
    ]
    assert ProgressUpdate.objects.get(note="Begun.") == first_update
    assert [update["note"] for _ref, update in records.kept_updates] == ["Begun."]


def test_import_writes_each_action_to_the_one_the_export_listed_at_its_place():
    outcome = OutcomeFactory(meeting=MeetingFactory(slug="m", meeting_type__slug="w"), position=1)
    later = ActionItemFactory(outcome=outcome, position=1, title="Later")
    earlier = ActionItemFactory(outcome=outcome, position=0, title="Earlier")
    ProgressUpdateFactory(action_item=later, date=datetime.date(2015, 1, 1), status="in_progress")
    document = build_records()
    action_record(document, "Earlier")["title"] = "Earlier, retitled"

    import_document(document)

    assert ActionItem.objects.get(pk=earlier.pk).title == "Earlier, retitled"
    assert ActionItem.objects.get(pk=later.pk).title == "Later"
    assert not earlier.progress_updates.exists()
    assert later.progress_updates.count() == 1
