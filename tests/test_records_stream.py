"""The records import of a file read as a stream: the same errors and writes as a document in memory,
and memory that holds a batch of meetings, not the file."""

import gc
import io
import json
import re
import sys
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from meetings import tallies
from meetings.models import ActionItem, Meeting
from meetings.records import RecordsFile, RecordsImport, RecordsInvalid, build_records, dumps, parse_records
from meetings.records.importer import parsing, source, writer
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def file_errors(document_text: str) -> list[str]:
    stream = RecordsFile(lambda: io.BytesIO(document_text.encode("utf-8")))
    return [str(error) for error in RecordsImport(stream).validate()]


def memory_errors(document_text: str) -> list[str]:
    try:
        document = parse_records(document_text.encode("utf-8"))
    except RecordsInvalid as invalid:
        return [str(error) for error in invalid.errors]
    return [str(error) for error in RecordsImport(document).validate()]


@pytest.fixture
def small_reads(monkeypatch):
    """Read files a few bytes at a time, so that every value spans pieces of the file."""
    monkeypatch.setattr(source, "READ_SIZE", 7)


def broken_document():
    MeetingFactory(slug="held-one", published_at=None)
    document = build_records()
    meeting = document["meetings"][0]
    meeting["attendance_complete"] = "yes"  # the schema refuses it
    meeting["summary"] = "Pasted\x0bfrom Word"  # the text checks do
    meeting["related_meetings"] = ["no-such-meeting"]
    second = {**meeting, "summary": None, "attendance_complete": True, "related_meetings": []}
    document["meetings"].append(second)  # the same slug twice
    document["meetings"].append("not a meeting")
    document["meetings"].append({"slug": "untitled", "type": "nowhere"})
    return document


def test_a_file_read_as_a_stream_gives_the_errors_of_the_document_in_memory(small_reads):
    text = dumps(broken_document())

    errors = file_errors(text)

    assert errors == memory_errors(text)
    assert len(errors) >= 5
    assert "meetings[1].slug: 'held-one' is already used by meetings[0]" in errors
    assert any(error.startswith("meetings[0].attendance_complete: ") for error in errors)
    assert any(error.startswith("meetings[0].summary: ") for error in errors)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"format": "balitracker-records",',
        '{"format": "balitracker-records", "version": 1, "meetings": [{"slug": "a"},]}',
        '{"format": "balitracker-records", "version": 1,\n "meetings": [\n  {"slug": "a"}\n  {"slug": "b"}]}',
        '{"format": "balitracker-records", "version": 1, "meetings": []} and more',
        "[1, 2]",
        '{"format": "something else", "meetings": [{"slug": "a"}]}',
        '{"version": 2, "format": "balitracker-records"}',
    ],
)
def test_a_file_that_is_not_a_records_document_is_refused_as_in_memory(small_reads, text):
    assert file_errors(text) == memory_errors(text)


def test_a_file_that_is_not_utf8_is_refused_naming_the_byte(small_reads):
    content = b'{"format": "balitracker-records", "x": "\xff"}'
    stream = RecordsFile(lambda: io.BytesIO(content))
    errors = [str(error) for error in RecordsImport(stream).validate()]
    assert errors == [
        "(file): is not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position 40: invalid start byte"
    ]
    with pytest.raises(RecordsInvalid) as whole:
        parse_records(content)
    assert [str(error) for error in whole.value.errors] == errors


def test_a_file_giving_its_meetings_twice_is_refused():
    text = '{"format": "balitracker-records", "version": 1, "meetings": [], "meetings": []}'
    assert file_errors(text) == ["meetings: is given twice in the file"]


def test_an_import_of_a_file_writes_what_the_document_in_memory_would(small_reads, tmp_path):
    for _ in range(3):
        MeetingFactory(published_at=None)
    text = dumps(build_records())
    path = tmp_path / "records.json"
    path.write_text(text, encoding="utf-8")
    Meeting.objects.all().delete()

    records = RecordsImport(RecordsFile.at_path(path))
    assert records.apply()["meetings"] == {"created": 3, "updated": 0, "unchanged": 0}

    assert dumps(build_records()) == text
    again = RecordsImport(RecordsFile.at_path(path))
    assert again.apply()["meetings"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_a_file_changed_between_its_check_and_its_writing_is_refused_and_nothing_is_written(tmp_path):
    for _ in range(2):
        MeetingFactory(published_at=None)
    document = build_records()
    path = tmp_path / "records.json"
    path.write_text(dumps(document), encoding="utf-8")
    Meeting.objects.all().delete()
    records = RecordsImport(RecordsFile.at_path(path))
    assert records.validate() == []

    document["meetings"][1]["summary"] = "Changed after the check."
    path.write_text(dumps(document), encoding="utf-8")

    with pytest.raises(RecordsInvalid, match=r"\(file\): changed while it was being imported"):
        records.apply()
    assert not Meeting.objects.exists()


def test_the_errors_kept_are_the_first_in_the_file_and_the_last_says_how_many_more(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ERRORS", 3)
    monkeypatch.setattr("meetings.records.importer.validation.MAX_ERRORS", 3)
    meetings = [{"slug": f"meeting-{index}", "type": "nowhere", "title": "A"} for index in range(5)]
    document = {"format": "balitracker-records", "version": 1, "meetings": meetings}
    records = RecordsImport(document)

    errors = [str(error) for error in records.validate()]

    assert errors == [
        "meetings[0].type: no meeting type 'nowhere'",
        "meetings[1].type: no meeting type 'nowhere'",
        "meetings[2].type: no meeting type 'nowhere'",
        "(file): 2 more errors, not listed: these are the first 3",
    ]
    with pytest.raises(RecordsInvalid) as invalid:
        records.apply()
    assert invalid.value.count == 5


def test_import_command_reads_standard_input(tmp_path, monkeypatch):
    for _ in range(2):
        MeetingFactory(published_at=None)
    text = dumps(build_records())
    Meeting.objects.all().delete()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    out = io.StringIO()

    call_command("import_records", "-", stdout=out)

    assert "meetings: 2 created, 0 updated, 0 unchanged" in out.getvalue()
    assert dumps(build_records()) == text


def test_import_command_names_the_line_of_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('{"format": "balitracker-records",\n "version": 1,\n "meetings": [}', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error; nothing was imported"):
        call_command("import_records", str(path), stderr=err)
    assert "(file): is not JSON: Expecting value at line 3, column 15" in err.getvalue()


# Memory -------------------------------------------------------------------------------------------


def generated_files(tmp_path, meetings, copies):
    """Records files of one generated meeting, of ``meetings`` of them, and of ``copies`` copies of
    those (each copy's slugs, and what names them, made its own), with the same meeting types,
    themes and participants: every batch of the larger file is one of the smaller."""
    call_command("generate_records", meetings=meetings, seed=1, stdout=io.StringIO())
    document = build_records()
    empty_meetings()
    text = json.dumps(document["meetings"])
    copied = [
        record
        for copy in range(copies)
        for record in json.loads(re.sub(r'"generated-(\d+)', rf'"copy{copy}-\1', text))
    ]
    files = {}
    for count, records in (
        (1, document["meetings"][:1]),
        (meetings, document["meetings"]),
        (len(copied), copied),
    ):
        files[count] = tmp_path / f"records-{count}.json"
        files[count].write_text(dumps({**document, "meetings": records}), encoding="utf-8")
    return files


def empty_meetings():
    with tallies.deferred():
        Meeting.objects.all().delete()


def peak_of_import(path) -> int:
    """The most memory (bytes, as Python allocated it) that the import of the file ``path`` held."""
    gc.collect()
    tracemalloc.start()
    try:
        RecordsImport(RecordsFile.at_path(path)).apply()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    empty_meetings()
    return peak


def test_the_memory_an_import_holds_does_not_grow_with_the_file(tmp_path, monkeypatch):
    """Four times the meetings, in batches of 4, take less than a tenth more memory at the peak: the
    import holds a batch of meetings at a time, and of the others their slugs, states and ids.
    (Measured: 2.73 MB and 2.85 MB, both at the history's batch; the same files read whole into a
    document first, 6.6 MB and 8.5 MB.)"""
    monkeypatch.setattr(writer, "BATCH", 4)
    monkeypatch.setattr(tallies, "CHUNK", 40)
    # Scaled down with the batch: the smaller file is shorter than a read of 1 MB.
    monkeypatch.setattr(source, "READ_SIZE", 1 << 16)
    files = generated_files(tmp_path, meetings=8, copies=4)
    peak_of_import(files[1])  # the import's caches (the schema's validators, content types) filled

    small, large = peak_of_import(files[8]), peak_of_import(files[32])

    assert not ActionItem.objects.exists()
    assert large < small * 1.1, (small, large)
