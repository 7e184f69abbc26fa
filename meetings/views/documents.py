"""Uploaded documents, served as downloads with a type read from their content."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views import View

from ..models import Document
from ..uploads import CONTENT_TYPES, EXTENSIONS, sniff


class DocumentFileView(View):
    """``/documents/<id>/file/``: the uploaded file, as an attachment, never shown inline.

    A file is public where its meeting is (or when it belongs to none); staff see drafts' files too.
    """

    def get(self, request, pk):
        document = get_object_or_404(Document.objects.select_related("meeting"), pk=pk)
        staff = request.user.is_authenticated and request.user.is_staff
        meeting = document.meeting
        if not document.file or (meeting is not None and not meeting.is_published and not staff):
            raise Http404
        try:
            stored = document.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404 from None
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
