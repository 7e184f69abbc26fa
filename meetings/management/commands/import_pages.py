import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from meetings.legacy import LegacyImport, records_document
from meetings.records import dumps


def progress_bar(items):
    """A progress bar on standard error, shown only when it is a terminal."""
    return tqdm(items, desc="pages", unit="page", file=sys.stderr, disable=None, leave=False)


class Command(BaseCommand):
    help = (
        "Read pages of the old website (captured text or saved HTML pages, or folders of them) into "
        "draft meetings, written through the records import: one revision a page, never published. "
        "A page imported again updates its drafts; one already published is refused, by name."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Page files, or folders of them.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Write nothing to the database; report what the pages give.",
        )
        parser.add_argument(
            "--format",
            choices=["records"],
            help="Write the drafts as a records-format document (to -o FILE, or standard output).",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="Write the records document to FILE.")
        parser.add_argument("--report", metavar="FILE", help="Write the report of every page (JSON) to FILE.")
        parser.add_argument(
            "--user", metavar="USERNAME", help="Name this user in the history of every draft written."
        )

    def handle(
        self, *args, paths, dry_run=False, format=None, output=None, report=None, user=None, **options
    ):
        if output and not format:
            format = "records"
        if user is not None:
            User = get_user_model()
            try:
                user = User._default_manager.get_by_natural_key(user)
            except User.DoesNotExist:
                raise CommandError(f"No user with the username '{user}'; nothing was imported.") from None
        missing = [path for path in paths if not Path(path).exists()]
        if missing:
            raise CommandError("No such file or folder: " + ", ".join(missing))
        results = LegacyImport(user=user).run(paths, dry_run=dry_run, progress=progress_bar)
        if format == "records":
            text = dumps(records_document(result.draft for result in results if result.ok))
            if output:
                Path(output).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text)
        # With the document on standard output, the report goes to standard error.
        out = self.stderr if format == "records" and not output else self.stdout
        self._report(results, dry_run, out, options["verbosity"])
        if report:
            Path(report).write_text(
                json.dumps([result.as_report() for result in results], indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )

    def _report(self, results, dry_run, out, verbosity):
        drafts = unmatched = conflicts = 0
        for result in results:
            draft = result.draft
            if not result.ok:
                out.write(f"{result.name}: skipped: it {result.problem}.")
                continue
            slugs = ", ".join(meeting["slug"] for meeting in draft.meetings)
            if dry_run:
                out.write(f"{result.name}: would give {slugs}")
            else:
                changed = [
                    f"{slug} ({state})"
                    for state in ("created", "updated", "unchanged")
                    for slug in getattr(result, state)
                ]
                out.write(f"{result.name}: {', '.join(changed)}")
            drafts += len(draft.meetings)
            unmatched += len(draft.unmatched)
            conflicts += len(draft.conflicts)
            for name in draft.unmatched:
                out.write(f"  name not matched: “{name['name']}” ({name['meeting']})")
            for conflict in draft.conflicts:
                out.write(f"  to decide: {conflict['conflict']} ({conflict['meeting']})")
        skipped = sum(not result.ok for result in results)
        verb = "would give" if dry_run else "gave"
        out.write(
            f"{_count(len(results), 'page')} read: {verb} {_count(drafts, 'draft meeting')}; "
            f"{skipped} skipped; "
            f"{_count(unmatched, 'name')} not matched; {conflicts} to decide."
            + (" Dry run: nothing was written." if dry_run else "")
        )


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"
