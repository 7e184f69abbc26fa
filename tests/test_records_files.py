"""Files in a records import: kept by name only by the record holding them, otherwise brought as content."""

import base64
import io
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from meetings.models import Document, Meeting
from meetings.records import RecordsImport, build_records
from tests.factories import DocumentFactory, MeetingFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DRAFT_PDF = b"%PDF-1.7\n% the draft nobody may read yet\n%%EOF\n"
GENERATED_DOCUMENT = re.compile(r"^documents/\d{4}/[0-9a-f]{32}\.pdf$")
GENERATED_IMAGE = re.compile(r"^meetings/\d{4}/[0-9a-f]{32}\.png$")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(colour="navy"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def encoded(content):
    return base64.b64encode(content).decode("ascii")


def stored(folder, content):
    return default_storage.save(f"{folder}/2026/{folder}.bin", ContentFile(content))


@pytest.fixture
def draft_and_published():
    """A draft meeting holding a PDF and an image, and a published meeting holding its own."""
    draft = MeetingFactory(slug="draft", published_at=None, hero_image=stored("meetings", png()))
    DocumentFactory(meeting=draft, title="Draft statement", url="", file=stored("documents", DRAFT_PDF))
    published = MeetingFactory(slug="published", hero_image=stored("meetings", png()))
    DocumentFactory(meeting=published, title="Statement", url="", file=stored("documents", PDF))
    return draft, published


def meeting_record(document, slug):
    return next(meeting for meeting in document["meetings"] if meeting["slug"] == slug)


def errors_of(document):
    return [str(error) for error in RecordsImport(json.loads(json.dumps(document))).validate()]


def import_document(document, dry_run=False):
    records = RecordsImport(json.loads(json.dumps(document)))
    records.apply(dry_run=dry_run)
    return records.summary()


def test_a_file_naming_another_records_stored_file_is_refused_and_nothing_is_written(draft_and_published):
    draft, published = draft_and_published
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    record["documents"][0]["file"] = draft.documents.get().file.name
    record["hero_image"] = draft.hero_image.name
    before = {meeting.slug: meeting.hero_image.name for meeting in Meeting.objects.all()}
    before_files = dict(Document.objects.values_list("pk", "file"))

    errors = errors_of(document)

    assert (
        f"meetings[{index}].documents[0].file: '{draft.documents.get().file.name}' is not the file this "
        in (" ".join(errors))
    )
    assert any(
        error.startswith(f"meetings[{index}].hero_image: '{draft.hero_image.name}' is not")
        for error in errors
    )
    assert all("give its content in" in error for error in errors)
    assert len(errors) == 2
    with pytest.raises(Exception, match="is not the file this document holds"):
        import_document(document)
    assert {meeting.slug: meeting.hero_image.name for meeting in Meeting.objects.all()} == before
    assert dict(Document.objects.values_list("pk", "file")) == before_files


def test_a_file_name_with_no_record_holding_it_is_refused(draft_and_published):
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    record["documents"][0]["file"] = "records-imports/someone-elses.json"
    del record["documents"][0]["position"]

    assert errors_of(document) == [
        f"meetings[{index}].documents[0].file: 'records-imports/someone-elses.json' is not the file this "
        "document holds: an import keeps a stored file only where the same record already has it; to "
        "bring a file, give its content in file_content (base64, as export_records --with-files writes it)"
    ]


def test_a_file_the_same_meetings_other_document_holds_is_refused(draft_and_published):
    _draft, published = draft_and_published
    DocumentFactory(meeting=published, title="Annex", url="", file=stored("documents", PDF), position=5)
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    record["documents"][1]["file"] = record["documents"][0]["file"]

    assert [error.split(":")[0] for error in errors_of(document)] == [f"meetings[{index}].documents[1].file"]


def test_a_record_keeping_its_own_files_imports_unchanged(draft_and_published):
    before = build_records()
    summary = import_document(before)
    assert summary["meetings"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert build_records() == before
    # ...and so does the same record carrying its files' content: nothing is stored again.
    files = sorted(default_storage.listdir("documents/2026")[1])
    summary = import_document(build_records(with_files=True))
    assert summary["meetings"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert sorted(default_storage.listdir("documents/2026")[1]) == files


def test_file_content_is_stored_under_a_new_name_after_the_upload_checks(draft_and_published):
    draft, _published = draft_and_published
    document = build_records()
    record = meeting_record(document, "published")
    new_pdf = b"%PDF-1.7\n% the statement as adopted\n%%EOF\n"
    # The name given is only how the file cites the document: it is never the name stored under.
    record["documents"][0]["file"] = draft.documents.get().file.name
    record["documents"][0]["file_content"] = encoded(new_pdf)
    record["hero_image"] = "../../etc/passwd"
    record["hero_image_content"] = encoded(png("teal"))

    summary = import_document(document)

    assert summary["meetings"] == {"created": 0, "updated": 1, "unchanged": 1}
    published = Meeting.objects.get(slug="published")
    statement = published.documents.get()
    assert GENERATED_DOCUMENT.match(statement.file.name)
    assert statement.file.name != draft.documents.get().file.name
    with statement.file.open("rb") as handle:
        assert handle.read() == new_pdf
    with draft.documents.get().file.open("rb") as handle:
        assert handle.read() == DRAFT_PDF
    assert GENERATED_IMAGE.match(published.hero_image.name)
    with published.hero_image.open("rb") as handle:
        assert handle.read() == png("teal")


@pytest.mark.parametrize(
    ("field", "content", "message"),
    [
        (
            "file_content",
            b"<html><script>alert(1)</script></html>",
            "This file is not a PDF, Word (DOCX), Excel",
        ),
        ("file_content", "not base64!", "is not base64"),
        ("hero_image_content", PDF, "This file is not a PNG, JPEG, WebP file"),
    ],
)
def test_file_content_that_fails_the_upload_checks_is_refused_naming_the_field(
    draft_and_published, field, content, message
):
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    target = record["documents"][0] if field == "file_content" else record
    target[field] = content if isinstance(content, str) else encoded(content)
    where = (
        f"meetings[{index}].documents[0].{field}" if field == "file_content" else f"meetings[{index}].{field}"
    )
    files = sorted(path for path in default_storage.listdir("documents/2026")[1])

    errors = errors_of(document)

    assert len(errors) == 1
    assert errors[0].startswith(f"{where}: {message}")
    with pytest.raises(Exception, match=re.escape(message)):
        import_document(document)
    assert sorted(default_storage.listdir("documents/2026")[1]) == files


def test_file_content_larger_than_an_upload_may_be_is_refused(draft_and_published, monkeypatch):
    monkeypatch.setattr("meetings.records.importer.checks.MAX_DOCUMENT_BYTES", 16)
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    record["documents"][0]["file_content"] = encoded(PDF)

    assert errors_of(document) == [
        f"meetings[{index}].documents[0].file_content: "
        f"The file is {len(PDF)}\xa0bytes; the largest accepted is 16\xa0bytes."
    ]


def test_file_content_without_the_files_name_is_refused(draft_and_published):
    document = build_records()
    record = meeting_record(document, "published")
    index = document["meetings"].index(record)
    record["documents"][0]["file"] = None
    record["documents"][0]["file_content"] = encoded(PDF)

    assert errors_of(document) == [
        f"meetings[{index}].documents[0].file: is required with file_content: the name the file cites it by"
    ]


def test_round_trip_with_files_into_an_empty_database_restores_the_files_byte_identical(
    draft_and_published, settings, tmp_path
):
    draft, published = draft_and_published
    OutcomeFactory(meeting=published, position=1).documents.set([published.documents.get()])
    originals = {
        (meeting.slug, "hero_image"): meeting.hero_image.read() for meeting in (draft, published)
    } | {(doc.meeting.slug, doc.title): doc.file.read() for doc in Document.objects.select_related("meeting")}
    path = tmp_path / "records.json"
    call_command("export_records", "--with-files", "-o", str(path))
    first = json.loads(path.read_text(encoding="utf-8"))
    assert meeting_record(first, "published")["documents"][0]["file_content"] == encoded(PDF)

    # Another installation: no rows, and a storage of its own.
    Meeting.objects.all().delete()
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    call_command("import_records", str(path), stdout=io.StringIO())

    restored = {
        (meeting.slug, "hero_image"): meeting.hero_image.read() for meeting in Meeting.objects.all()
    } | {(doc.meeting.slug, doc.title): doc.file.read() for doc in Document.objects.select_related("meeting")}
    assert restored == originals
    statement = Document.objects.get(title="Statement")
    assert GENERATED_DOCUMENT.match(statement.file.name)
    # The outcome citing the document by the name of its file cites the stored copy.
    assert list(Meeting.objects.get(slug="published").outcomes.get().documents.all()) == [statement]
    # The export of the import differs from the first only by the new names.
    again = build_records(with_files=True)
    for document in (first, again):
        for meeting in document["meetings"]:
            meeting["hero_image"] = None
            for doc in meeting["documents"]:
                doc["file"] = None
            for outcome in meeting["outcomes"]:
                outcome["documents"] = []
    assert again == first


def test_export_with_files_warns_of_a_file_the_storage_lacks(draft_and_published, tmp_path):
    _draft, published = draft_and_published
    name = published.documents.get().file.name
    default_storage.delete(name)
    err = io.StringIO()
    call_command("export_records", "--with-files", "-o", str(tmp_path / "out.json"), stderr=err)
    assert f"'{name}' is not in the storage" in err.getvalue()
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert "file_content" not in meeting_record(document, "published")["documents"][0]
