"""The site's long work, as tasks of Django's Tasks framework, run by ``manage.py db_worker``.

Each takes the id of its job (meetings/models/jobs.py), which holds who asked, what for, and what
came of it; ``jobs.run`` records a failure's reason on the job before the library marks the task
failed. Start one with ``jobs.start(task, kind, description, ...)``.
"""

import datetime
from functools import partial

from django.http import QueryDict
from django.tasks import task
from django.utils.translation import gettext as _

from . import exports, jobs
from .digest import send_digests
from .legacy import folder
from .models import Job
from .records import staged


@task
def preview_import(job_id: int) -> dict:
    return jobs.run(job_id, staged.preview_import)


@task
def apply_import(job_id: int) -> dict:
    return jobs.run(job_id, staged.apply_import)


@task
def export_records(job_id: int) -> dict:
    return jobs.run(job_id, staged.export_records)


@task
def export_actions(job_id: int) -> dict:
    return jobs.run(job_id, _export_actions)


@task
def send_action_digest(job_id: int) -> dict:
    return jobs.run(job_id, _send_digest)


@task
def import_old_pages(job_id: int) -> dict:
    return jobs.run(
        job_id,
        folder.import_staged,
        kept_on_failure=_(
            "the pages its report lists as written were written, each whole; the page it was on and "
            "those after it were not."
        ),
    )


def _export_actions(job: Job, progress: jobs.Progress) -> None:
    """The tracker's actions under the filters the reader chose, as CSV or XLSX, kept for download."""
    # Imported here: the views import this module to start the task.
    from .views.actions import export_filterset, workbook_about

    query = QueryDict(job.parameters["query"])
    filterset = export_filterset(query)
    action_items = filterset.qs
    if action_items.order_by()[: exports.MAX_ROWS + 1].count() > exports.MAX_ROWS:
        raise jobs.Refused(
            _("More than %(count)s actions meet these filters; one file holds at most %(count)s.")
            % {"count": f"{exports.MAX_ROWS:,}"}
        )
    absolute_url = partial(_absolute, job.parameters["base_url"])
    if job.parameters["format"] == "csv":
        content = "".join(exports.actions_csv(action_items, absolute_url, progress)).encode("utf-8")
    else:
        about = workbook_about(query, filterset, absolute_url)
        content = exports.actions_xlsx(action_items, absolute_url, progress, about=about)
    jobs.store_file(job, content, f"actions.{job.parameters['format']}")


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _send_digest(job: Job, progress: jobs.Progress) -> None:
    parameters = job.parameters
    run = send_digests(
        datetime.date.fromisoformat(parameters["today"]),
        days=parameters["days"],
        base_url=parameters["base_url"],
        progress=progress,
    )
    job.result = {"sent": run.sent, "skipped": run.skipped}
