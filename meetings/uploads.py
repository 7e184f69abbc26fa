"""Uploaded files: their type read from their content, a size limit, and a name we make up.

A file's name and the type a browser claims are the uploader's to choose; its first bytes are not. Only
PDF, Word (DOCX) and Excel (XLSX) documents and PNG, JPEG and WebP images are accepted, each stored
under a random name with the extension of what it really is, so it is served with a type of ours.
"""

import uuid
import zipfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF, DOCX, XLSX, PNG, JPEG, WEBP = "pdf", "docx", "xlsx", "png", "jpeg", "webp"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", PNG: ".png", JPEG: ".jpg", WEBP: ".webp"}
CONTENT_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PNG: "image/png",
    JPEG: "image/jpeg",
    WEBP: "image/webp",
}
NAMES = {PDF: "PDF", DOCX: "Word (DOCX)", XLSX: "Excel (XLSX)", PNG: "PNG", JPEG: "JPEG", WEBP: "WebP"}
DOCUMENT_TYPES = (PDF, DOCX, XLSX)
IMAGE_TYPES = (PNG, JPEG, WEBP)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def sniff(file):
    """The type of ``file`` (an open file or field file) read from its content, or None."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office_type(file)
    return None


def _office_type(file):
    """DOCX or XLSX: a zip holding the Office parts of one; any other zip is None."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s."),
            code="file_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )


def check_new_file(file: File, types: tuple[str, ...], max_bytes: int) -> str:
    """Refuse ``file`` (not stored yet) unless it is one of ``types`` by content and at most
    ``max_bytes`` long; its type. An upload and a records import's file content both pass here."""
    check_size(file.size, max_bytes)
    kind = sniff(file.file)
    if kind not in types:
        raise ValidationError(
            _("This file is not a %(types)s file, whatever its name says. Accepted: %(types)s."),
            code="file_type",
            params={"types": ", ".join(NAMES[kind] for kind in types)},
        )
    return kind


@deconstructible
class FileTypeValidator:
    """Accept a newly uploaded file of one of ``types`` (by content) and at most ``max_bytes`` long."""

    def __init__(self, types, max_bytes):
        self.types = tuple(types)
        self.max_bytes = max_bytes

    def __call__(self, value):
        if getattr(value, "_committed", True):
            return  # already stored: it was checked when it was uploaded
        check_new_file(value, self.types, self.max_bytes)

    def __eq__(self, other):
        return (
            isinstance(other, FileTypeValidator)
            and self.types == other.types
            and self.max_bytes == other.max_bytes
        )


def _generated_name(folder, field_file):
    kind = sniff(field_file.file) if field_file and not field_file._committed else None
    return f"{folder}/{timezone.now():%Y}/{uuid.uuid4().hex}{EXTENSIONS.get(kind, '.bin')}"


def document_file_path(document, filename):
    """documents/<year>/<random>.<ext by content>: the uploader's name is not used."""
    return _generated_name("documents", document.file)


def hero_image_path(meeting, filename):
    return _generated_name("meetings", meeting.hero_image)


def content_type_of(field_file):
    """The content type to serve a stored file with, from its content; octet-stream if unknown."""
    with field_file.open("rb") as stored:
        return CONTENT_TYPES.get(sniff(stored), "application/octet-stream")
