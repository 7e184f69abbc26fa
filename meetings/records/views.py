"""Staff views: download the record, and upload a records file with a preview before it is applied.

The long work is the task worker's (meetings/records/staged.py, meetings/tasks.py): an upload is
kept in the storage and previewed by a task; the job's page shows its progress and then what the
file would change, with the button that applies it, as another task. An export of more meetings
than a request should write (``MAX_EXPORT_MEETINGS``) is prepared the same way, and downloaded from
its job's page.
"""

import io
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.tasks import TaskResultStatus
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import jobs, tasks
from ..legacy.folder import REPORT_JSON_FILENAME, report_rows
from ..models import Job, JobKind, Meeting
from ..views.prepared import prepared_file
from .export import build_records, dumps
from .importer import RecordError, RecordsFile, RecordsInvalid
from .staged import IMPORT_PERMISSIONS, PREVIEW_MAX_AGE, STAGING_DIR

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A download from the browser must end well inside a worker's timeout (30 s): building the records
# of 500 meetings took 9 s on a loaded 2-core machine. More is prepared by the task worker.
MAX_EXPORT_MEETINGS = 500


class RecordsUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Records file"),
        help_text=gettext_lazy("A JSON document in the records format, as written by “Export records”."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def _check_permissions(request):
    if not request.user.has_perms(IMPORT_PERMISSIONS):
        raise PermissionDenied


def _context(request, **extra):
    return {
        **admin.site.each_context(request),
        "title": _("Import records"),
        "opts": Meeting._meta,
        **extra,
    }


def records_export_view(request):
    """The record as one records file for download: whole, or one year of meetings; prepared by the
    task worker when it holds more than a request should write (MAX_EXPORT_MEETINGS)."""
    if not request.user.has_perm("meetings.view_meeting"):
        raise PermissionDenied
    meetings = Meeting.objects.all()
    year = (request.POST if request.method == "POST" else request.GET).get("year", "").strip()
    if year:
        if not year.isdigit() or not 1 <= int(year) <= 9999:
            return _export_choice(request, error=_("“%(year)s” is not a year.") % {"year": year[:20]})
        meetings = meetings.filter(start_date__year=int(year))
    count = meetings.count()
    if year and not count:
        return _export_choice(request, year=year, count=count)
    if request.method == "POST":
        job = jobs.start(
            tasks.export_records,
            JobKind.RECORDS_EXPORT,
            _("Records of %(year)s") % {"year": year} if year else _("The whole record"),
            user=request.user,
            parameters={"year": int(year)} if year else {},
        )
        return redirect("records_job", token=job.token)
    if count > MAX_EXPORT_MEETINGS:
        return _export_choice(request, year=year, count=count)
    slugs = list(meetings.values_list("slug", flat=True)) if year else None
    text = dumps(build_records(meeting_slugs=slugs))
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    part = f"-{year}" if year else ""
    filename = f"balitracker-records{part}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_choice(request, **extra):
    """Why the whole record is not offered as an immediate download, and the years that can be."""
    years = (
        Meeting.objects.exclude(start_date=None)
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(meetings=Count("pk"))
        .order_by("-year")
    )
    context = {
        **_context(request),
        "title": _("Export records"),
        "total": Meeting.objects.count(),
        "limit": MAX_EXPORT_MEETINGS,
        "years": years,
        "undated": Meeting.objects.filter(start_date=None).count(),
        **extra,
    }
    status = 400 if extra.get("error") or (extra.get("year") and not extra.get("count")) else 200
    return TemplateResponse(request, "admin/records/export.html", context, status=status)


def records_import_view(request):
    """Upload a records file; its preview is a task, whose page the editor is sent to."""
    _check_permissions(request)
    form = RecordsUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, "admin/records/import.html", _context(request, form=form))
    upload = form.cleaned_data["file"]
    content = upload.read()
    try:
        # Only that it is a JSON document, at once (a fraction of a second for 20 MB), read as the
        # import reads it, a meeting at a time: the whole document held as Python values would
        # take ten times the file's size in the web worker. The rest of the checks are the task's.
        for _part in RecordsFile(lambda: io.BytesIO(content), name=upload.name).read():
            pass
    except RecordsInvalid as invalid:
        return TemplateResponse(
            request, "admin/records/import.html", _context(request, form=form, errors=invalid.errors)
        )
    name = default_storage.save(f"{STAGING_DIR}/{uuid.uuid4().hex}.json", ContentFile(content))
    job = jobs.start(
        tasks.preview_import,
        JobKind.IMPORT_PREVIEW,
        _("Preview of the import of %(name)s") % {"name": upload.name},
        user=request.user,
        parameters={"staged": name, "filename": upload.name},
    )
    return redirect("records_job", token=job.token)


def records_job_view(request, token):
    """A task's page: its progress, then its result; for an import's preview, the button to apply it."""
    job = get_object_or_404(
        Job.objects.visible_to(request.user).select_related("task_result", "user"), token=token
    )
    if request.method == "POST":
        return _apply(request, job)
    jobs.sweep_stale()
    job.refresh_from_db()
    applied = None
    if job.kind == JobKind.IMPORT_PREVIEW:
        applied = Job.objects.filter(kind=JobKind.IMPORT_APPLY, parameters__preview=job.pk).first()
    context = _context(
        request,
        title=job.description,
        job=job,
        applied=applied,
        errors=[RecordError(error["path"], error["message"]) for error in job.result.get("errors", [])],
        may_apply=_may_apply(request, job) and applied is None,
        legacy_report=report_rows(job) if job.kind == JobKind.LEGACY_IMPORT else None,
        report_json=_report_json(job),
        **jobs.describe(job),
    )
    return TemplateResponse(request, "admin/records/job.html", context)


def _report_json(job: Job) -> dict | None:
    """The JSON download of a finished folder import's report, offered beside its CSV."""
    if job.kind != JobKind.LEGACY_IMPORT or not job.finished or not job.result.get("pages"):
        return None
    return {
        "url": reverse("legacy_import_report_json", kwargs={"token": job.token}),
        "filename": REPORT_JSON_FILENAME,
    }


def records_job_file_view(request, token):
    job = get_object_or_404(Job.objects.visible_to(request.user), token=token)
    return prepared_file(job)


def _may_apply(request, job: Job) -> bool:
    return (
        job.kind == JobKind.IMPORT_PREVIEW
        and job.status == TaskResultStatus.SUCCESSFUL
        and job.user_id == request.user.pk
        and request.user.has_perms(IMPORT_PERMISSIONS)
    )


def _apply(request, preview: Job):
    """Start applying what the preview showed: once, by the editor who previewed it, within the hour."""
    _check_permissions(request)
    if not _may_apply(request, preview):
        raise Http404
    with transaction.atomic():
        # Two clicks (or two tabs) start one apply: the second finds the first.
        preview = Job.objects.select_for_update(of=("self",)).select_related("task_result").get(pk=preview.pk)
        applied = Job.objects.filter(kind=JobKind.IMPORT_APPLY, parameters__preview=preview.pk).first()
        if applied:
            messages.info(request, _("This preview was already applied."))
            return redirect("records_job", token=applied.token)
        if preview.task_result.finished_at < timezone.now() - PREVIEW_MAX_AGE:
            messages.error(request, _("This preview has expired. Upload the file again."))
            return redirect("records_import")
        job = jobs.start(
            tasks.apply_import,
            JobKind.IMPORT_APPLY,
            _("Import of %(name)s") % {"name": preview.parameters["filename"]},
            user=request.user,
            parameters={**preview.parameters, "preview": preview.pk},
        )
    return redirect("records_job", token=job.token)
