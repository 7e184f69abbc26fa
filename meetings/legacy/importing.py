"""Old website pages into draft meetings, through the records import so that all its checks apply.

``LegacyImport`` reads page files (text or saved HTML) and folders of them, drafts each page
(``drafts.PageDrafter``), and either gives the records document of the drafts (a dry run touches
nothing) or writes each page's drafts through ``RecordsImport``: one revision a page, naming the page,
never published. A page imported again updates its drafts (its address keeps their slugs), and is
refused, naming the meeting, when that meeting has been published or scheduled since: its record is
then the editors'. A page that cannot be read, holds no meeting, or whose drafts the records import
refuses is reported by name and skipped; it never stops the rest.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q

from ..models import Meeting
from ..records import RecordsImport, RecordsInvalid
from ..records.export import FORMAT, VERSION
from ..records.importer.checks import ConstraintChecks
from .drafts import PageDraft, PageDrafter
from .pages import PageUnreadable, read_page

logger = logging.getLogger(__name__)

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm"}


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

    @property
    def ok(self) -> bool:
        return not self.problem

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


def records_document(drafts: Iterable[PageDraft]) -> dict:
    """The records-format document of ``drafts``' meetings."""
    return {"format": FORMAT, "version": VERSION, "meetings": [m for draft in drafts for m in draft.meetings]}


class LegacyImport:
    """One run over pages; the reference data is read once for all of them."""

    def __init__(self, user=None, today=None):
        self.user = user
        self.drafter = PageDrafter(today=today)
        # Each page is a records import of its own; the database's answers on check constraints
        # (the same values again and again: an attendance's role, an outcome's kind) serve them all.
        self.constraint_checks = ConstraintChecks()

    def read(self, content: bytes | str, name: str, choices: dict[str, str] | None = None) -> PageResult:
        """The draft of one page's content, nothing written; ``choices`` as ``PageDrafter.draft``'s."""
        result = PageResult(name=name)
        try:
            page = read_page(content, name)
        except PageUnreadable as error:
            result.problem = f"cannot be read: it {error}"
            return result
        try:
            draft = self.drafter.draft(page, choices)
        except Exception:
            # A page written in a way no one foresaw must not stop the pages after it: it is reported,
            # with the trace in the log for whoever improves the reader.
            logger.exception("Reading the old page %s failed", name)
            result.problem = "could not be read into a draft (an error the log describes)"
            return result
        result.draft = draft
        if draft.skipped:
            result.problem = draft.skipped
        return result

    def read_file(self, path: Path) -> PageResult:
        try:
            content = path.read_bytes()
        except OSError as error:
            return PageResult(name=str(path), problem=f"cannot be read: {error.strerror}")
        return self.read(content, str(path))

    def run(self, paths: Iterable[str | Path], dry_run: bool = False, progress=None) -> list[PageResult]:
        """Every page of ``paths``, each written (unless ``dry_run``) on its own."""
        results = []
        files = page_files(paths)
        for path in progress(files) if progress else files:
            result = self.read_file(path)
            if result.ok and not dry_run:
                self.write(result)
            results.append(result)
        return results

    def write(self, result: PageResult) -> None:
        """Write the page's drafts through the records import; report a refusal on ``result``."""
        draft = result.draft
        published = self.published(draft)
        if published:
            result.problem = (
                "is already published as "
                + ", ".join(f"“{meeting.title}” ({meeting.slug})" for meeting in published)
                + "; its record is the editors' now, and was not changed"
            )
            return
        records = RecordsImport(records_document([draft]), constraint_checks=self.constraint_checks)
        try:
            records.apply(
                user=self.user, comment=f"Imported from the old website's page {draft.url or result.name}."
            )
        except RecordsInvalid as invalid:
            result.problem = "was refused by the records import: " + "; ".join(map(str, invalid.errors))
            self.drafter.forget(draft)
            return
        result.written = True
        for slug, state in records.changes["meetings"].items():
            getattr(result, state).append(slug)
        self.drafter.remember(draft)

    def published(self, draft: PageDraft) -> list[Meeting]:
        """The page's meetings in the database that are published or scheduled."""
        slugs = [meeting["slug"] for meeting in draft.meetings]
        same_page = Q(slug__in=slugs)
        return list(Meeting.objects.filter(same_page, published_at__isnull=False).only("slug", "title"))
