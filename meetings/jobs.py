"""Starting long work as a task, reporting its progress, and keeping its record true.

``start`` creates the job and enqueues its task in one transaction, so the worker never picks up a
task whose job it cannot find. A task's body runs through ``run``, which records the reason of a
failure on the job (in words for an editor; the traceback stays on the task) before the library marks
the task failed. ``Progress`` is the importer's ``progress(items, description)`` callback, and any
other loop's: it writes how far the loop has got to the job, at most once a second.

A worker killed outright (SIGKILL, the machine lost) runs no handler: its transaction is rolled back
by the database, so nothing is half-written, but django-tasks-db keeps the task RUNNING for ever,
for it has no heartbeat of its own. ``sweep_stale`` marks such a task failed once its job has shown
no progress for ``TASK_STALE_MINUTES``, and removes what was uploaded for it (``discard_uploads``);
it runs whenever a task starts and whenever a job's page or the tasks list is shown.
"""

import datetime
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job, JobKind

logger = logging.getLogger(__name__)

FILES_DIR = "prepared"
# Progress is written to the job at most this often (seconds): a loop of 10,000 meetings writes a
# few hundred rows, not 10,000.
PROGRESS_INTERVAL = 1.0
# A task queued longer than this with no worker taking it: the page says that no worker is running.
PICKUP_SECONDS = 10


class Refused(Exception):
    """The work cannot be done as asked (a broken file, a record changed since the preview):
    ``reason`` says why in words, ``errors`` lists (path, message) pairs where there are several."""

    def __init__(self, reason: str, errors: Iterable = ()):
        super().__init__(reason)
        self.reason = reason
        self.errors = [{"path": error.path, "message": error.message} for error in errors]


class WorkerLost(Exception):
    """The worker running a task stopped without saying how it ended."""


def start(
    task: Task,
    kind: JobKind,
    description: str,
    user=None,
    parameters: dict | None = None,
    key: str = "",
) -> Job:
    """Create the job and enqueue ``task(job.pk)``; both are written, or neither."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, description=description[:300], user=user, parameters=parameters or {}, key=key
        )
        result = task.enqueue(job.pk)
        job.task_result_id = result.id
        job.save(update_fields=["task_result"])
    return job


def run(job_id: int, work: Callable[[Job, "Progress"], None], kept_on_failure: str = "") -> dict:
    """Run ``work(job, progress)`` for the task of job ``job_id``, recording why it failed if it does.

    ``kept_on_failure`` says what stays written when work that writes piece by piece (the old pages,
    each in a transaction of its own) stops on an error; by default nothing does.
    """
    sweep_stale()
    job = Job.objects.select_related("user", "task_result").get(pk=job_id)
    progress = Progress(job)
    try:
        work(job, progress)
    except Refused as refused:
        job.reason = refused.reason
        job.result = {**job.result, "errors": refused.errors}
        job.save()
        raise
    except BaseException as error:
        # A bug, the database gone, or the worker told to stop at once (a second SIGTERM or Ctrl-C
        # raises SystemExit inside the task): what the work wrote in its transaction is rolled back.
        if kept_on_failure:
            job.reason = _("It stopped on an unexpected error (%(error)s); %(kept)s") % {
                "error": type(error).__name__,
                "kept": kept_on_failure,
            }
        else:
            job.reason = _("It stopped on an unexpected error (%(error)s); nothing was written.") % {
                "error": type(error).__name__
            }
        Job.objects.filter(pk=job.pk).update(reason=job.reason, updated_at=timezone.now())
        raise
    job.step = ""
    job.reason = ""
    job.save()
    return {"job": job.pk}


class Progress:
    """Counts a loop's items as they are done, for the job's page; the importer's progress callback."""

    def __init__(self, job: Job, interval: float = PROGRESS_INTERVAL):
        self.job = job
        self.interval = interval
        self.written_at = 0.0

    def __call__(self, items: Iterable, step: str, total: int | None = None) -> Iterator:
        """``items`` as they are done; ``total`` for an iterator that cannot say its length."""
        if total is None:
            items = items if hasattr(items, "__len__") else list(items)
            total = len(items)
        self.report(step, 0, total, force=True)
        done = 0
        for item in items:
            self.report(step, min(done, total), total)
            yield item
            done += 1
        self.report(step, min(done, total), total, force=True)

    def report(self, step: str, done: int, total: int, force: bool = False) -> None:
        now = timezone.now()
        if not force and now.timestamp() - self.written_at < self.interval:
            return
        self.written_at = now.timestamp()
        self.job.step, self.job.done, self.job.total = step, done, total
        # Inside an import's transaction the row is seen by others only once it commits; the cache
        # (Redis, shared by the web servers) carries the same figures meanwhile.
        Job.objects.filter(pk=self.job.pk).update(step=step, done=done, total=total, updated_at=now)
        live_progress_set(self.job.pk, {"step": step, "done": done, "total": total, "at": now.isoformat()})


def live_progress_key(job_pk: int) -> str:
    return f"job-progress:{job_pk}"


def live_progress_set(job_pk: int, figures: dict) -> None:
    try:
        cache.set(live_progress_key(job_pk), figures, timeout=settings.TASK_STALE_MINUTES * 60)
    except Exception:  # noqa: BLE001 - a cache that is down costs the live figures, never the task
        logger.warning("Could not write the progress of job %s to the cache", job_pk, exc_info=True)


def live_progress(job: Job) -> dict:
    """How far ``job`` has got: the freshest of its row and the cache's copy."""
    figures = {"step": job.step, "done": job.done, "total": job.total, "at": job.updated_at}
    try:
        cached = cache.get(live_progress_key(job.pk))
    except Exception:  # noqa: BLE001 - as above
        cached = None
    if cached and datetime.datetime.fromisoformat(cached["at"]) > job.updated_at:
        figures = {**cached, "at": datetime.datetime.fromisoformat(cached["at"])}
    return figures


def sweep_stale(now: datetime.datetime | None = None) -> int:
    """Mark failed each running task whose job has shown no progress for TASK_STALE_MINUTES (its
    worker is gone), and remove prepared files past their time. Returns how many were failed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.TASK_STALE_MINUTES)
    failed = 0
    for job in Job.objects.running().filter(updated_at__lt=cutoff).select_related("task_result"):
        if live_progress(job)["at"] >= cutoff:
            continue
        reason = _(
            "Its worker stopped giving any sign of life at %(time)s and is taken to have died; "
            "nothing it was writing was kept."
        ) % {"time": timezone.localtime(job.updated_at).strftime("%Y-%m-%d %H:%M")}
        # The library's own way of ending a task as failed, as its worker does on an exception.
        job.task_result.set_failed(WorkerLost(reason))
        Job.objects.filter(pk=job.pk).update(reason=reason)
        discard_uploads(job)
        failed += 1
    remove_expired_files(now)
    return failed


def discard_uploads(job: Job) -> None:
    """Remove what was uploaded for ``job``'s task, which failed before it could: a folder's old
    pages, which no other task reads."""
    if job.kind == JobKind.LEGACY_IMPORT:
        # Imported here: the folder's task imports this module.
        from .legacy.folder import discard_upload

        discard_upload(job)


def store_file(job: Job, content: bytes | File, filename: str) -> None:
    """Keep ``content`` (bytes, or a file too large to hold) for download under an unguessable
    name, until TASK_FILE_HOURS from now."""
    extension = filename.rsplit(".", 1)[-1]
    job.file = default_storage.save(
        f"{FILES_DIR}/{secrets.token_urlsafe(32)}.{extension}",
        content if isinstance(content, File) else ContentFile(content),
    )
    job.filename = filename
    job.expires_at = timezone.now() + datetime.timedelta(hours=settings.TASK_FILE_HOURS)


def remove_expired_files(now: datetime.datetime | None = None) -> None:
    for job in Job.objects.expired(now).exclude(file=""):
        default_storage.delete(job.file)
        Job.objects.filter(pk=job.pk).update(file="")


def open_file(job: Job):
    return default_storage.open(job.file, "rb")


def describe(job: Job, now: datetime.datetime | None = None) -> dict:
    """What a job's page says of it: a sentence, how far it has got, and whether to look again."""
    now = now or timezone.now()
    figures = live_progress(job)
    status = job.status
    result = job.task_result

    def at(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    if status == TaskResultStatus.READY:
        if (now - job.created_at).total_seconds() > PICKUP_SECONDS:
            sentence = _(
                "Queued since %(time)s, and no worker has picked it up yet: the task worker "
                "(manage.py db_worker) is not running, or is busy with other tasks. It starts as soon as "
                "a worker is free; this page need not stay open."
            ) % {"time": at(job.created_at)}
        else:
            sentence = _("Queued at %(time)s, waiting for a worker.") % {"time": at(job.created_at)}
    elif status == TaskResultStatus.RUNNING:
        sentence = _("Running since %(time)s.") % {"time": at(result.started_at)}
    elif status == TaskResultStatus.SUCCESSFUL:
        sentence = _("Finished at %(time)s.") % {"time": at(result.finished_at)}
    elif status == TaskResultStatus.FAILED:
        reason = job.reason or _("It stopped on an unexpected error (%(error)s); nothing was written.") % {
            "error": result.exception_class_path.rsplit(".", 1)[-1]
        }
        sentence = _("Failed at %(time)s. %(reason)s") % {"time": at(result.finished_at), "reason": reason}
    else:
        sentence = _("Its task record was removed; what came of it is no longer known.")
    total = figures["total"]
    return {
        "sentence": sentence,
        "step": figures["step"],
        "done": figures["done"],
        "total": total,
        "percent": round(100 * figures["done"] / total) if total else 0,
        "refresh": status in (TaskResultStatus.READY, TaskResultStatus.RUNNING),
    }
