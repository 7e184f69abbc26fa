"""Old website pages into draft meetings, through the records import so that all its checks apply.

``LegacyImport`` reads page files (text or saved HTML) and folders of them, drafts each page
(``drafts.PageDrafter``), and either gives the records document of the drafts (a dry run touches
nothing) or writes them through ``RecordsImport``, never published. A page imported again updates
its drafts (its address keeps their slugs), and is refused, naming the meeting, when that meeting
has been published since: its record is then the editors'. A page that cannot be read, holds no
meeting, or whose drafts the records import refuses is reported by name and skipped; it never stops
the rest.

Pages are written ``BATCH_PAGES`` at a time through one records import, so that what an import costs
whatever its size (reading the known participants and types, the plan's and the writer's fixed
queries, the tallies, the record's version) is paid once a batch rather than once a page. Each page
still has a revision of its own naming it (``revisions.regroup``). A batch the records import
refuses, or that fails on an error, is written again page by page: the page at fault is reported,
by name and with the reason, and the others land.

A page is written over a draft only where that draft is its own: a meeting of another address that
took the slug while the run went on is left alone (the page is drafted again under a free slug), and
a draft that someone changed after the run started is left as they made it, the page refused with
who and when (``since``).
"""

import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from reversion.models import Version

from .. import revisions
from ..models import Meeting
from ..records import RecordsImport, RecordsInvalid
from ..records.export import FORMAT, VERSION
from ..records.importer import UNCHANGED
from ..records.importer.checks import ConstraintChecks
from .drafts import PageDraft, PageDrafter
from .pages import Page, PageUnreadable, read_page

logger = logging.getLogger(__name__)

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm"}
# Pages written through one records import. A batch that fails is written again page by page, so a
# larger one saves little more (the fixed cost of an import is some 60 queries) and costs more then.
BATCH_PAGES = 25
# A page's drafts that the run keeps meeting, taken meanwhile by another page's meetings.
MAX_REDRAFTS = 3


@dataclass
class PageResult:
    """What became of one page: its draft, and whether it was written, refused or skipped."""

    name: str
    draft: PageDraft | None = None
    written: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problem: str = ""
    # The page as read and the editor's choices, to draft it again under another slug.
    page: Page | None = field(default=None, repr=False)
    choices: dict[str, str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def comment(self) -> str:
        """The reason its revision gives: the page it was imported from."""
        return f"Imported from the old website's page {self.draft.url or self.name}."

    def as_report(self) -> dict:
        draft = self.draft
        return {
            "page": self.name,
            "url": draft.url if draft else "",
            "meetings": [meeting["slug"] for meeting in draft.meetings] if draft else [],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.problem,
            "names_not_matched": draft.unmatched if draft else [],
            "conflicts": draft.conflicts if draft else [],
        }


def page_files(paths: Iterable[str | Path]) -> list[Path]:
    """The page files named, folders read for their pages (in name order)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
            )
        else:
            files.append(path)
    return files


def draft_versions(slugs: Iterable[str]) -> dict[str, str]:
    """{slug: version} of the meetings of ``slugs`` in the database: its newest entry in the history and
    its last save, one of which every write moves. A slug no meeting has is left out."""
    meetings = dict(Meeting.objects.filter(slug__in=list(slugs)).values_list("pk", "slug"))
    updated = dict(Meeting.objects.filter(pk__in=meetings).values_list("pk", "updated_at"))
    latest = dict(
        Version.objects.get_for_model(Meeting)
        .filter(object_id__in=[str(pk) for pk in meetings])
        .order_by()
        .values("object_id")
        .annotate(latest=Max("pk"))
        .values_list("object_id", "latest")
    )
    return {slug: f"{latest.get(str(pk), 0)}:{updated[pk].isoformat()}" for pk, slug in meetings.items()}


def records_document(drafts: Iterable[PageDraft]) -> dict:
    """The records-format document of ``drafts``' meetings."""
    return {"format": FORMAT, "version": VERSION, "meetings": [m for draft in drafts for m in draft.meetings]}


class LegacyImport:
    """One run over pages; the reference data is read once for all of them.

    ``since``: a draft changed after this moment is not written over, as someone else's (for a
    folder, the moment it was uploaded; None for a page reviewed on its own, whose review has a
    check of its own, and for the command).
    """

    def __init__(self, user=None, today=None, since: datetime.datetime | None = None):
        self.user = user
        self.since = since
        self.drafter = PageDrafter(today=today)
        # Each batch is a records import of its own; the database's answers on check constraints
        # (the same values again and again: an attendance's role, an outcome's kind) serve them all.
        self.constraint_checks = ConstraintChecks()

    def read(self, content: bytes | str, name: str, choices: dict[str, str] | None = None) -> PageResult:
        """The draft of one page's content, nothing written; ``choices`` as ``PageDrafter.draft``'s."""
        result = PageResult(name=name, choices=choices)
        try:
            result.page = read_page(content, name)
        except PageUnreadable as error:
            result.problem = f"cannot be read: it {error}"
            return result
        self._draft(result)
        return result

    def _draft(self, result: PageResult) -> None:
        try:
            draft = self.drafter.draft(result.page, result.choices)
        except Exception:
            # A page written in a way no one foresaw must not stop the pages after it: it is reported,
            # with the trace in the log for whoever improves the reader.
            logger.exception("Reading the old page %s failed", result.name)
            result.problem = "could not be read into a draft (an error the log describes)"
            return
        result.draft = draft
        if draft.skipped:
            result.problem = draft.skipped

    def read_file(self, path: Path) -> PageResult:
        try:
            content = path.read_bytes()
        except OSError as error:
            return PageResult(name=str(path), problem=f"cannot be read: {error.strerror}")
        return self.read(content, str(path))

    def run(self, paths: Iterable[str | Path], dry_run: bool = False, progress=None) -> list[PageResult]:
        """Every page of ``paths``, written (unless ``dry_run``) ``BATCH_PAGES`` at a time."""
        files = page_files(paths)
        read = (self.read_file(path) for path in (progress(files) if progress else files))
        if dry_run:
            return list(read)
        return [result for batch in self.write_as_read(read) for result in batch]

    def write_as_read(self, results: Iterable[PageResult]) -> Iterator[list[PageResult]]:
        """``results`` in batches of at most ``BATCH_PAGES`` pages read, each batch written (its pages
        that read as drafts) before it is given: what is given is done."""
        batch = []
        for result in results:
            batch.append(result)
            if sum(result.ok for result in batch) >= BATCH_PAGES:
                self.write_batch(batch)
                yield batch
                batch = []
        if batch:
            self.write_batch(batch)
            yield batch

    def write(self, result: PageResult) -> None:
        """Write one page's drafts through the records import; report a refusal on ``result``."""
        self.write_batch([result])

    def write_batch(self, results: list[PageResult]) -> None:
        """Write the drafts of the pages of ``results`` that read as drafts, through one records import
        where they all pass, else page by page; each page's refusal is reported on its result."""
        pending = [result for result in results if result.ok]
        slugs = [meeting["slug"] for result in pending for meeting in result.draft.meetings]
        if len(set(slugs)) < len(slugs):
            # Drafts of one drafter never share a slug; drafts of several might, and one records
            # import would write them as one meeting: each page is then checked and written alone.
            for result in pending:
                self.write_batch([result])
            return
        pending = self._writable(pending)
        if len(pending) > 1 and self._write_together(pending):
            return
        for result in pending:
            self._write_alone(result)

    def _writable(self, results: list[PageResult]) -> list[PageResult]:
        """The pages of ``results`` whose drafts may be written now: those whose meetings were
        published, or changed by someone else during the run, are refused; those whose slugs another
        page's meetings took meanwhile are drafted again, under free ones."""
        for _round in range(MAX_REDRAFTS):
            by_slug = {meeting["slug"]: result for result in results for meeting in result.draft.meetings}
            existing = list(
                Meeting.objects.filter(slug__in=by_slug).only(
                    "pk", "slug", "title", "source_urls", "published_at"
                )
            )
            changed = self._changed_since(existing)
            published, redraft = {}, []
            for meeting in existing:
                result = by_slug[meeting.slug]
                if not self.drafter.owns(result.draft.url, set(meeting.source_urls.split())):
                    # Another page's meeting, written after this run read the record.
                    self.drafter.remember_meeting(meeting.slug, meeting.source_urls.split())
                    redraft.append(result)
                elif meeting.published_at is not None:
                    published.setdefault(id(result), (result, []))[1].append(meeting)
                elif meeting.pk in changed and result.ok:
                    who, when = changed[meeting.pk]
                    result.problem = (
                        f"has a draft, “{meeting.title}” ({meeting.slug}), that {who} changed at "
                        f"{timezone.localtime(when):%Y-%m-%d %H:%M} while this import ran; it was left as "
                        "it is: import the page again to update it"
                    )
            for result, meetings in published.values():
                result.problem = (
                    "is already published as "
                    + ", ".join(f"“{meeting.title}” ({meeting.slug})" for meeting in meetings)
                    + "; its record is the editors' now, and was not changed"
                )
            for result in {id(result): result for result in redraft}.values():
                if result.ok:
                    self.drafter.forget(result.draft)
                    self._draft(result)
            results = [result for result in results if result.ok]
            if not redraft:
                return results
        for result in redraft:
            result.problem = "could not be given a slug of its own: other pages' meetings took them"
        return [result for result in results if result.ok]

    def _changed_since(self, meetings: list[Meeting]) -> dict[int, tuple[str, datetime.datetime]]:
        """{pk: (who, when)} of ``meetings`` with an entry in their history after ``since``: a run
        writes each slug once, so any such entry is another write's (an editor's, another run's)."""
        if self.since is None or not meetings:
            return {}
        versions = (
            Version.objects.get_for_model(Meeting)
            .filter(
                object_id__in=[str(meeting.pk) for meeting in meetings], revision__date_created__gt=self.since
            )
            .select_related("revision__user")
            .order_by("revision__date_created", "pk")
        )
        changed = {}
        for version in versions:
            editor = version.revision.user
            who = editor.get_username() if editor is not None else "someone"
            changed[int(version.object_id)] = (who, version.revision.date_created)
        return changed

    def _write_together(self, results: list[PageResult]) -> bool:
        """Write the pages' drafts through one records import, each page a revision of its own;
        whether they were written (if not, nothing was)."""
        records = RecordsImport(
            records_document(result.draft for result in results), constraint_checks=self.constraint_checks
        )
        comment = f"Imported from {len(results)} pages of the old website."
        try:
            with transaction.atomic():
                records.apply(user=self.user, comment=comment)
                self._revision_a_page(records, results, comment)
        except RecordsInvalid:
            return False
        except Exception:
            # Each page is written again on its own, and the one at fault reported with the trace.
            logger.info("Writing %s old pages together failed; writing them one by one", len(results))
            return False
        for result in results:
            self._written(result, records)
        return True

    def _revision_a_page(self, records: RecordsImport, results: list[PageResult], comment: str) -> None:
        """The import's one revision split into one for each page, naming it."""
        changed = [slug for slug, state in records.changes["meetings"].items() if state != UNCHANGED]
        pks = dict(Meeting.objects.filter(slug__in=changed).values_list("slug", "pk"))
        if not pks:
            return
        # The revision the import just wrote: the newest of one of its meetings, with its comment.
        version = (
            Version.objects.get_for_model(Meeting)
            .filter(object_id=str(next(iter(pks.values()))), revision__comment=comment)
            .select_related("revision")
            .order_by("-pk")
            .first()
        )
        if version is None:
            return
        revisions.regroup(
            version.revision,
            [
                (result.comment, [pks[m["slug"]] for m in result.draft.meetings if m["slug"] in pks])
                for result in results
            ],
        )

    def _write_alone(self, result: PageResult) -> None:
        records = RecordsImport(records_document([result.draft]), constraint_checks=self.constraint_checks)
        try:
            records.apply(user=self.user, comment=result.comment)
        except RecordsInvalid as invalid:
            result.problem = "was refused by the records import: " + "; ".join(map(str, invalid.errors))
        except IntegrityError:
            # Two writes of one new draft at once (a folder's import, an editor's review): the other
            # one's was kept.
            logger.info("The old page %s was written by another import at the same moment", result.name)
            result.problem = "was being written by another import at the same moment, whose draft was kept"
        except Exception:
            # As for reading: a page no one foresaw must not stop the rest; what it wrote is rolled
            # back with the records import's transaction.
            logger.exception("Writing the old page %s failed", result.name)
            result.problem = "could not be written (an error the log describes)"
        if result.problem:
            self.drafter.forget(result.draft)
            return
        self._written(result, records)

    def _written(self, result: PageResult, records: RecordsImport) -> None:
        result.written = True
        for meeting in result.draft.meetings:
            getattr(result, records.changes["meetings"][meeting["slug"]]).append(meeting["slug"])
        self.drafter.remember(result.draft)

    def published(self, draft: PageDraft) -> list[Meeting]:
        """The page's meetings in the database that are published."""
        slugs = [meeting["slug"] for meeting in draft.meetings]
        return list(Meeting.objects.filter(slug__in=slugs, published_at__isnull=False).only("slug", "title"))
