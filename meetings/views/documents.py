"""Uploaded files, served by the app with a type read from their content, wherever they are stored.

Documents and meeting images are streamed from the storage (the file system or a private S3 bucket,
balitracker/settings.py) by these views, never linked to the storage itself: every request checks
that the record is public (``published()``), and the answer carries our content type, disposition
and headers.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views import View

from ..models import Document, Meeting
from ..uploads import CONTENT_TYPES, EXTENSIONS, IMAGE_TYPES, sniff


def _is_staff(request):
    return request.user.is_authenticated and request.user.is_staff


def _open(field_file):
    try:
        return field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None


class DocumentFileView(View):
    """``/documents/<id>/file/``: the uploaded file, as an attachment, never shown inline."""

    def get(self, request, pk):
        # Public only through a published meeting, as everywhere; staff see drafts' too.
        documents = Document.objects.all() if _is_staff(request) else Document.objects.published()
        document = get_object_or_404(documents, pk=pk)
        if not document.file:
            raise Http404
        stored = _open(document.file)
        kind = sniff(stored)
        filename = f"{slugify(document.title)[:80] or 'document'}{EXTENSIONS.get(kind, '.bin')}"
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=filename,
            content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class MeetingImageView(View):
    """``/meetings/<slug>/image``: the meeting's image, inline, only if it really is an image."""

    def get(self, request, slug):
        meetings = Meeting.objects.all() if _is_staff(request) else Meeting.objects.published()
        meeting = get_object_or_404(meetings, slug=slug)
        if not meeting.hero_image:
            raise Http404
        stored = _open(meeting.hero_image)
        kind = sniff(stored)
        if kind not in IMAGE_TYPES:
            stored.close()
            raise Http404
        response = FileResponse(stored, content_type=CONTENT_TYPES[kind])
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
