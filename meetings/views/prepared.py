"""Files too large to write while the reader waits: asked for, prepared by the task worker, fetched.

``/actions/export.csv`` or ``.xlsx`` of more than ``exports.IMMEDIATE_ROWS`` actions answers a page
offering to prepare the file; the offer posts here, which starts the task (or finds the one already
preparing the same file of the same record) and sends the reader to the file's page. That page says
how far the work has got, refreshing itself while it runs, and then links to the file, kept under an
unguessable name until it expires. Its address is as unguessable, and all a reader needs.
"""

import hashlib

from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.tasks import TaskResultStatus
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .. import exports, jobs, tasks, versions
from ..api.filters import InvalidQuery, bad_query_response
from ..models import Job, JobKind
from .actions import PREPARED_FORMATS, export_filterset

# Public exports queued or running at once, from all readers together: past it, "try again later".
MAX_PUBLIC_JOBS = 10


def job_for_download(job: Job):
    """The job, or 404 for a job that is not a reader's export."""
    if job.kind != JobKind.ACTIONS_EXPORT:
        raise Http404
    return job


# Posting only starts (or finds) an export of the public record, which anyone may read: there is
# nothing a forged request could do on a reader's behalf, and no session to protect.
@method_decorator(csrf_exempt, name="dispatch")
class PrepareExportView(View):
    """Start preparing a tracker export, or find the one already preparing the same file."""

    def post(self, request):
        export_format = request.POST.get("format", "")
        if export_format not in PREPARED_FORMATS:
            return HttpResponse(
                _("Unknown file format."), status=400, content_type="text/plain; charset=utf-8"
            )
        query = request.POST.get("query", "")
        parameters = QueryDict(query)
        try:
            action_items = export_filterset(parameters).qs
        except InvalidQuery as error:
            return bad_query_response(error, "Some filters could not be used, so nothing was exported: ")
        count = action_items.order_by()[: exports.MAX_ROWS + 1].count()
        if count > exports.MAX_ROWS:
            return HttpResponse(
                _("More than %(count)s actions meet these filters; one file holds at most %(count)s.")
                % {"count": f"{exports.MAX_ROWS:,}"},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        # One file per format, filters and version of the record (which moves every day too).
        canonical = parameters.urlencode()
        key = hashlib.sha256(f"{export_format}|{canonical}|{versions.current().key}".encode()).hexdigest()
        existing = (
            Job.objects.filter(kind=JobKind.ACTIONS_EXPORT, key=key)
            .exclude(task_result__status=TaskResultStatus.FAILED)
            .first()
        )
        if existing and (not existing.finished or existing.file_available):
            return redirect("meetings:prepared_export", token=existing.token)
        busy = Job.objects.filter(
            kind=JobKind.ACTIONS_EXPORT,
            task_result__status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).count()
        if busy >= MAX_PUBLIC_JOBS:
            response = HttpResponse(
                _("Many files are being prepared just now; ask again in a few minutes."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = "120"
            return response
        job = jobs.start(
            tasks.export_actions,
            JobKind.ACTIONS_EXPORT,
            _("%(count)s actions as %(format)s") % {"count": f"{count:,}", "format": export_format.upper()},
            user=request.user if request.user.is_authenticated else None,
            parameters={
                "query": canonical,
                "format": export_format,
                "base_url": request.build_absolute_uri("/"),
            },
            key=key,
        )
        return redirect("meetings:prepared_export", token=job.token)


@method_decorator(never_cache, name="dispatch")
class PreparedExportView(View):
    """How far the file has got, and then the file."""

    def get(self, request, token):
        job = job_for_download(get_object_or_404(Job.objects.select_related("task_result"), token=token))
        jobs.sweep_stale()
        job.refresh_from_db()
        return TemplateResponse(request, "meetings/export_prepared.html", {"job": job, **jobs.describe(job)})


@method_decorator(never_cache, name="dispatch")
class PreparedFileView(View):
    """The prepared file, as an attachment, until it expires (410 after)."""

    def get(self, request, token):
        job = job_for_download(get_object_or_404(Job, token=token))
        return prepared_file(job)


def prepared_file(job: Job):
    if not job.file_available:
        if job.file or job.expires_at:
            return HttpResponse(
                _("This file was kept until %(time)s and is gone; ask for it again.")
                % {"time": f"{job.expires_at:%Y-%m-%d %H:%M} UTC"},
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        raise Http404
    try:
        stored = jobs.open_file(job)
    except OSError:
        raise Http404 from None
    return FileResponse(stored, as_attachment=True, filename=job.filename)
