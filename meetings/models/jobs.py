"""Long work started from the site and run by the task worker: what it is, who started it, how far it
has got, and what came of it (a preview, a summary, a file to download, or the reason it failed).

The task itself (queued, running, successful or failed; when; on which worker) is django-tasks-db's
``DBTaskResult``, the one record of its state; a job adds what the site shows of it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from .constraints import ShowableText, choices_constraint


class JobKind(models.TextChoices):
    IMPORT_PREVIEW = "import_preview", _("Import preview")
    IMPORT_APPLY = "import_apply", _("Import")
    RECORDS_EXPORT = "records_export", _("Records export")
    ACTIONS_EXPORT = "actions_export", _("Actions export")
    DIGEST = "digest", _("Action digest")
    LEGACY_IMPORT = "legacy_import", _("Old pages import")


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """The jobs ``user`` may see: their own, or every one with ``meetings.view_every_job``."""
        if not (user.is_active and user.is_staff):
            return self.none()
        if user.has_perm("meetings.view_every_job"):
            return self
        if not user.has_perm("meetings.view_job"):
            return self.none()
        return self.filter(user=user)

    def running(self) -> "JobQuerySet":
        return self.filter(task_result__status=TaskResultStatus.RUNNING)

    def expired(self, now=None) -> "JobQuerySet":
        return self.filter(expires_at__lte=now or timezone.now())


class Job(ShowableText, models.Model):
    """One piece of long work done by the task worker for someone on the site (or for the public)."""

    # Addresses of the job's page and file: unguessable, as a public export's page is for anyone
    # holding its address.
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    description = models.CharField(_("description"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    task_result = models.OneToOneField(
        DBTaskResult,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="job",
        verbose_name=_("task"),
    )
    # What the task needs beyond the job (a staged upload, the filters of an export).
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # The same public export asked for again while the record is unchanged is this job again.
    key = models.CharField(_("key"), max_length=64, blank=True, db_index=True)
    step = models.CharField(_("step"), max_length=50, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("of"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    file = models.CharField(_("file"), max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    # Moved by every report of progress: the worker's sign of life (meetings/jobs.py, sweep_stale).
    updated_at = models.DateTimeField(_("last sign of life"), auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        permissions = [("view_every_job", _("Can view every user's tasks"))]
        constraints = [
            choices_constraint("job_kind_valid", "kind", JobKind),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="job_done_within_total"),
        ]

    def __str__(self):
        return self.description

    @property
    def status(self) -> str:
        """The task's status as django-tasks-db records it (READY, RUNNING, SUCCESSFUL, FAILED)."""
        return self.task_result.status if self.task_result else ""

    @property
    def finished(self) -> bool:
        return self.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def file_available(self) -> bool:
        return bool(self.file) and self.expires_at is not None and self.expires_at > timezone.now()
