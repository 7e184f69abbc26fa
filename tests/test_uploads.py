"""Uploads: type checked on content, size limits, generated names, served as safe downloads."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from meetings.models import Document, Meeting
from meetings.uploads import MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES
from tests.admin_forms import inline_management, meeting_form_data
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def office_file(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def image(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, format=kind)
    return buffer.getvalue()


def document_with(name, content, meeting=None):
    document = Document(
        meeting=meeting or MeetingFactory(),
        title="Co-Chairs' Statement",
        file=SimpleUploadedFile(name, content),
    )
    document.full_clean()
    document.save()
    return document


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("statement.pdf", PDF, ".pdf"),
        ("statement.docx", office_file("word/document.xml"), ".docx"),
        ("figures.xlsx", office_file("xl/workbook.xml"), ".xlsx"),
        ("statement", PDF, ".pdf"),
        ("STATEMENT.PDF.exe", PDF, ".pdf"),
    ],
)
def test_a_document_is_stored_under_a_generated_name_with_the_extension_of_its_content(
    name, content, extension
):
    document = document_with(name, content)

    stored = document.file.name
    assert stored.startswith("documents/")
    assert stored.endswith(extension)
    assert "statement" not in stored.lower() and "figures" not in stored
    assert len(stored.rsplit("/", 1)[1]) == 32 + len(extension)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("statement.pdf", b"<html><script>alert(1)</script></html>"),
        ("statement.pdf", b"MZ\x90\x00 an executable"),
        ("archive.docx", office_file("something/else.xml")),
        ("statement.docx", b"PK\x03\x04 not really a zip"),
        ("photo.pdf", image("PNG")),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("empty.pdf", b""),
    ],
)
def test_a_document_whose_content_is_not_an_accepted_type_is_refused(name, content):
    with pytest.raises(ValidationError, match="not a PDF, Word \\(DOCX\\), Excel \\(XLSX\\) file"):
        document_with(name, content)


def test_a_document_over_the_size_limit_is_refused():
    with pytest.raises(ValidationError, match="the largest accepted is 20.0"):
        document_with("big.pdf", PDF + b" " * MAX_DOCUMENT_BYTES)


@pytest.mark.parametrize(("kind", "extension"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_a_hero_image_is_stored_under_a_generated_name(kind, extension):
    meeting = MeetingFactory()
    meeting.hero_image = SimpleUploadedFile("holiday snap.gif", image(kind))
    meeting.full_clean()
    meeting.save()

    assert meeting.hero_image.name.startswith("meetings/")
    assert meeting.hero_image.name.endswith(extension)
    assert "snap" not in meeting.hero_image.name


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anim.gif", image("GIF"), "not a PNG, JPEG, WebP file"),
        ("statement.png", PDF, "not a PNG, JPEG, WebP file"),
        ("big.png", image("PNG") + b"\0" * MAX_IMAGE_BYTES, "the largest accepted is 5.0"),
    ],
)
def test_a_hero_image_of_another_type_or_too_large_is_refused(name, content, message):
    meeting = MeetingFactory()
    meeting.hero_image = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError, match=message):
        meeting.full_clean()


def test_a_stored_file_is_not_checked_again_on_a_later_save():
    meeting = MeetingFactory()
    meeting.hero_image.name = "meetings/2014/imported-long-ago.gif"  # from an import, not uploaded here
    meeting.full_clean()


def test_the_admin_form_shows_a_refused_upload_as_a_field_error(editor_client):
    meeting_type = MeetingFactory().meeting_type
    data = meeting_form_data(
        meeting_type,
        **inline_management("documents", 1),
        **{
            "documents-0-title": "Statement",
            "documents-0-kind": "co_chairs_statement",
            "documents-0-language": "en",
            "documents-0-position": "0",
            "documents-0-file": SimpleUploadedFile("statement.pdf", b"<html>not a pdf</html>"),
        },
    )

    response = editor_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    assert "whatever its name says" in response.content.decode()
    assert not Meeting.objects.filter(slug="eighth-ahg-senior-officials-meeting").exists()


def test_a_document_is_served_as_an_attachment_with_the_type_of_its_content(client):
    document = document_with("Statement.pdf", PDF)

    response = client.get(document.link)

    assert document.link == reverse("meetings:document_file", args=[document.pk])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="co-chairs-statement.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF


def test_a_drafts_document_is_not_served_to_the_public(editor_client):
    document = document_with("statement.pdf", PDF, meeting=MeetingFactory(published_at=None))

    assert Client().get(document.link).status_code == 404
    assert editor_client.get(document.link).status_code == 200


def test_a_document_without_a_file_or_a_missing_one_is_not_found(client):
    document = document_with("statement.pdf", PDF)
    document.file.storage.delete(document.file.name)

    assert client.get(document.link).status_code == 404
    assert client.get(reverse("meetings:document_file", args=[999999])).status_code == 404


def test_an_address_only_document_links_to_its_address():
    document = Document.objects.create(
        meeting=MeetingFactory(), title="Statement", url="https://example.org/s.pdf"
    )
    assert document.link == "https://example.org/s.pdf"


def meeting_with_image(content, **fields):
    meeting = MeetingFactory(**fields)
    meeting.hero_image = SimpleUploadedFile("photo.png", content)
    meeting.save()
    return meeting


def test_a_meeting_image_is_served_inline_by_the_app_with_the_type_of_its_content(client):
    meeting = meeting_with_image(image("PNG"))

    page = client.get(meeting.get_absolute_url())
    response = client.get(reverse("meetings:meeting_image", args=[meeting.slug]))

    assert f'src="/meetings/{meeting.slug}/image"' in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == image("PNG")


def test_a_drafts_image_is_not_served_to_the_public(editor_client):
    meeting = meeting_with_image(image("PNG"), published_at=None)
    address = reverse("meetings:meeting_image", args=[meeting.slug])

    assert Client().get(address).status_code == 404
    assert editor_client.get(address).status_code == 200


def test_a_meeting_without_an_image_or_with_a_missing_or_foreign_file_has_none(client):
    meeting = MeetingFactory()
    address = reverse("meetings:meeting_image", args=[meeting.slug])
    assert client.get(address).status_code == 404

    meeting.hero_image.name = "meetings/2014/imported-long-ago.png"  # named by an import, never stored
    meeting.save()
    assert client.get(address).status_code == 404

    meeting.hero_image.storage.save("meetings/2014/not-an-image.png", io.BytesIO(PDF))
    meeting.hero_image.name = "meetings/2014/not-an-image.png"
    meeting.save()
    assert client.get(address).status_code == 404
