"""A folder of old pages imported by the task worker, and its report: page by page, then the totals.

The admin keeps the uploaded pages in the storage (``upload.stage``) and starts the task; the task
reads and writes each page as ``import_pages`` does, on its own (one revision a page, never
published): a page that cannot be read, holds no meeting, is already published or is refused by the
records import is reported with the reason, and the rest go on. The report so far is written to the
job after every page, so a worker stopped or killed mid-way leaves a failed job (``jobs``) whose page
still says which pages were written; each page is written whole or not at all. At the end the report
is kept for download as CSV, beside the JSON of ``import_pages --report`` in the job's result.
"""

import csv
import io
import logging

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import jobs
from ..exports import spreadsheet_cell
from ..models import Job, Meeting
from .importing import LegacyImport, PageResult

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


def import_staged(job: Job, progress: jobs.Progress) -> None:
    """The task's work: every staged page of ``job`` read and written, then the report kept."""
    pages = job.parameters["pages"]
    importer = LegacyImport(user=job.user)
    report = []
    try:
        for name, staged in progress(pages, _("pages")):
            result = import_page(importer, name, staged)
            report.append({**result.as_report(), "written": result.written})
            job.result = {"pages": report, "totals": totals(report), "of": len(pages)}
            Job.objects.filter(pk=job.pk).update(result=job.result)
    finally:
        for _name, staged in pages:
            default_storage.delete(staged)
    jobs.store_file(job, report_csv(report), REPORT_FILENAME)


def import_page(importer: LegacyImport, name: str, staged: str) -> PageResult:
    """One staged page read and, where it gives drafts, written; whatever goes wrong is reported."""
    try:
        with default_storage.open(staged, "rb") as stored:
            content = stored.read()
    except OSError:
        return PageResult(name=name, problem="cannot be read: its upload is no longer kept")
    result = importer.read(content, name)
    if not result.ok:
        return result
    try:
        importer.write(result)
    except Exception:
        # As ``LegacyImport.read`` does for drafting: a page no one foresaw must not stop the rest;
        # what it wrote is rolled back with the records import's transaction.
        logger.exception("Writing the old page %s failed", name)
        importer.drafter.forget(result.draft)
        result.written = False
        result.created, result.updated, result.unchanged = [], [], []
        result.problem = "could not be written (an error the log describes)"
    return result


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
