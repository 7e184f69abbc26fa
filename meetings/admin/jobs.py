"""The tasks list: what the task worker is doing and did for the site's staff.

Read only. An editor sees the tasks they started; an administrator (``meetings.view_every_job``)
sees everyone's, the public's exports included. Each row links to the task's page (progress, result,
the apply button of a preview, the file).
"""

from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import jobs
from ..legacy.folder import summary as old_pages_summary
from ..models import Job, JobKind


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TaskResultStatus.choices

    def queryset(self, request, queryset):
        if self.value() in TaskResultStatus.values:
            return queryset.filter(task_result__status=self.value())
        return queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "page_link",
        "kind",
        "status_display",
        "progress_display",
        "user",
        "created_at",
        "outcome",
        "file_link",
    ]
    list_filter = [StatusFilter, "kind"]
    list_select_related = ["task_result", "user"]
    search_fields = ["description"]
    date_hierarchy = "created_at"
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and request.user.has_perm("meetings.view_job")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A task whose worker died is shown failed, not running for ever.
        jobs.sweep_stale()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A task is read on its own page, which the editor is sent to from the list.
        job = get_object_or_404(self.get_queryset(request), pk=object_id)
        return redirect("records_job", token=job.token)

    @admin.display(description=_("task"), ordering="description")
    def page_link(self, job):
        return format_html(
            '<a href="{}">{}</a>', reverse("records_job", kwargs={"token": job.token}), job.description
        )

    @admin.display(description=_("status"), ordering="task_result__status")
    def status_display(self, job):
        return TaskResultStatus(job.status).label if job.status else "—"

    @admin.display(description=_("progress"))
    def progress_display(self, job):
        if not job.total:
            return "—"
        step = f"{job.step}: " if job.step else ""
        return f"{step}{job.done:,} / {job.total:,}"

    @admin.display(description=_("result or reason"))
    def outcome(self, job):
        if job.reason:
            return job.reason
        if job.kind == JobKind.LEGACY_IMPORT:
            return old_pages_summary(job.result)
        summary = job.result.get("summary")
        if summary:
            return "; ".join(
                f"{kind}: {counts['created']} created, {counts['updated']} updated"
                for kind, counts in summary
            )
        if "sent" in job.result:
            return _("%(sent)s sent, %(skipped)s already sent") % job.result
        return ""

    @admin.display(description=_("file"))
    def file_link(self, job):
        if not job.file_available:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("records_job_file", kwargs={"token": job.token}), job.filename
        )
