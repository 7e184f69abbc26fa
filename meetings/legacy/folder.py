"""A folder of old pages imported by the task worker, and its report: page by page, then the totals.

The admin keeps the uploaded pages in the storage (``upload.stage``) and starts the task; the task
reads and writes the pages as ``import_pages`` does (some pages at a time through one records
import, one revision a page, never published): a page that cannot be read, holds no meeting, is
already published or is refused by the records import is reported with the reason, and the rest go
on. The report so far is written to the job after every batch, so a worker stopped or killed mid-way
leaves a failed job (``jobs``) whose page still says which pages were written; each batch is written
whole or not at all. The uploaded pages are removed once read, or once the task has failed or is
gone (``discard_upload``). At the end the report is kept for download as CSV; the job's result holds
it as JSON, each page as ``import_pages --report`` gives it, which the report's page offers for
download too.
"""

import csv
import datetime
import io
import json
import logging
import posixpath

from django.core.files.storage import default_storage
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import jobs
from ..exports import spreadsheet_cell
from ..models import Job, JobKind, Meeting
from .importing import LegacyImport, PageResult
from .upload import STAGING_DIR

logger = logging.getLogger(__name__)

CSV_COLUMNS = [
    "page",
    "url",
    "written",
    "created",
    "updated",
    "unchanged",
    "names_not_matched",
    "conflicts",
    "skipped",
]
REPORT_FILENAME = "old-pages-report.csv"
REPORT_JSON_FILENAME = "old-pages-report.json"
# Uploaded pages no task is waiting for are removed once this old (``remove_abandoned_uploads``).
ABANDONED_AFTER = datetime.timedelta(hours=1)


def import_staged(job: Job, progress: jobs.Progress) -> None:
    """The task's work: every staged page of ``job`` read and written, then the report kept."""
    pages = job.parameters["pages"]
    # A draft someone changes once the pages are uploaded is theirs: the import leaves it alone.
    importer = LegacyImport(user=job.user, since=job.created_at)
    report = []
    try:
        read = (read_staged(importer, name, staged) for name, staged in progress(pages, _("pages")))
        for batch in importer.write_as_read(read):
            report.extend({**result.as_report(), "written": result.written} for result in batch)
            job.result = {"pages": report, "totals": totals(report), "of": len(pages)}
            Job.objects.filter(pk=job.pk).update(result=job.result)
    finally:
        discard_upload(job)
    jobs.store_file(job, report_csv(report), REPORT_FILENAME)


def read_staged(importer: LegacyImport, name: str, staged: str) -> PageResult:
    """One staged page read into its draft; nothing written."""
    try:
        with default_storage.open(staged, "rb") as stored:
            content = stored.read()
    except OSError:
        return PageResult(name=name, problem="cannot be read: its upload is no longer kept")
    return importer.read(content, name)


def discard_upload(job: Job) -> None:
    """Remove the pages uploaded for ``job`` from the storage, and their folder: once imported, or
    once its task has failed (a worker killed mid-way runs no ``finally``: ``jobs.sweep_stale``)."""
    staged = [stored for _name, stored in job.parameters.get("pages", [])]
    for name in staged:
        _delete(name)
    if staged:
        _delete(posixpath.dirname(staged[0]))


def remove_abandoned_uploads(older_than: datetime.timedelta = ABANDONED_AFTER) -> list[str]:
    """Remove the uploaded folders of pages that no queued or running import will read, and that are
    older than ``older_than`` (an upload is staged a moment before its task is queued): those of a task
    failed or removed since (``prune_db_task_results``), or never queued. Returns the folders removed."""
    if not default_storage.exists(STAGING_DIR):
        return []
    waiting = Job.objects.filter(
        kind=JobKind.LEGACY_IMPORT,
        task_result__status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    kept = {
        posixpath.dirname(stored)
        for parameters in waiting.values_list("parameters", flat=True)
        for _name, stored in parameters.get("pages", [])
    }
    cutoff = timezone.now() - older_than
    removed = []
    for name in default_storage.listdir(STAGING_DIR)[0]:
        folder_name = f"{STAGING_DIR}/{name}"
        if folder_name in kept:
            continue
        files = [f"{folder_name}/{file}" for file in default_storage.listdir(folder_name)[1]]
        if any(default_storage.get_modified_time(file) > cutoff for file in files):
            continue
        for file in files:
            _delete(file)
        _delete(folder_name)
        removed.append(folder_name)
    return removed


def _delete(name: str) -> None:
    try:
        # A folder too, where the storage has folders (FileSystemStorage removes it once empty).
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not remove the uploaded page %s", name, exc_info=True)


def totals(report: list[dict]) -> dict[str, int]:
    """The figures of a report: pages read, written and skipped; drafts; names; conflicts."""
    written = [page for page in report if page["written"]]
    return {
        "pages": len(report),
        "written": len(written),
        "skipped": len(report) - len(written),
        "created": sum(len(page["created"]) for page in written),
        "updated": sum(len(page["updated"]) for page in written),
        "unchanged": sum(len(page["unchanged"]) for page in written),
        "names_not_matched": sum(len(page["names_not_matched"]) for page in report),
        "conflicts": sum(len(page["conflicts"]) for page in report),
    }


def summary(result: dict) -> str:
    """The totals in a sentence, for the tasks list."""
    figures = result.get("totals")
    if not figures:
        return ""
    return _("%(pages)s; %(drafts)s made or updated; %(skipped)s skipped") % {
        "pages": ngettext("%(count)s page read", "%(count)s pages read", figures["pages"])
        % {"count": figures["pages"]},
        "drafts": ngettext("%(count)s draft", "%(count)s drafts", figures["created"] + figures["updated"])
        % {"count": figures["created"] + figures["updated"]},
        "skipped": figures["skipped"],
    }


def report_csv(report: list[dict]) -> bytes:
    """The report, one row a page; lists joined with "; ", cells safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for page in report:
        values = {
            **page,
            "written": "yes" if page["written"] else "no",
            "names_not_matched": [f"{n['name']} ({n['meeting']})" for n in page["names_not_matched"]],
            "conflicts": [f"{c['conflict']} ({c['meeting']})" for c in page["conflicts"]],
        }
        writer.writerow(
            spreadsheet_cell("; ".join(value) if isinstance(value, list) else value)
            for value in (values[column] for column in CSV_COLUMNS)
        )
    # With a byte order mark, as a spreadsheet opening UTF-8 text expects.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_json(job: Job) -> bytes:
    """The report as JSON: what was uploaded, the totals, then each page as ``import_pages --report``
    gives it, with whether it was written."""
    report = {
        "given": job.parameters.get("given", ""),
        "left_out": job.parameters.get("left_out", 0),
        "of": job.result.get("of", 0),
        "totals": job.result.get("totals", {}),
        "pages": job.result.get("pages", []),
    }
    return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def report_rows(job: Job) -> list[dict]:
    """The job's report for its page: each page with its drafts linked to the meetings written."""
    report = job.result.get("pages", [])
    slugs = {slug for page in report for state in ("created", "updated", "unchanged") for slug in page[state]}
    meetings = dict(Meeting.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    rows = []
    for page in report:
        rows.append(
            {
                **page,
                "drafts": [
                    {"slug": slug, "state": state, "pk": meetings.get(slug)}
                    for state in ("created", "updated", "unchanged")
                    for slug in page[state]
                ],
            }
        )
    return rows
