import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from meetings.records import RecordsImport, RecordsInvalid, parse_records


def progress_bar(items, description):
    """A progress bar on standard error, shown only when it is a terminal."""
    return tqdm(items, desc=description, unit="meeting", file=sys.stderr, disable=None, leave=False)


class Command(BaseCommand):
    help = (
        "Read a records-format JSON document: check all of it, then write all of it in one "
        "transaction, or nothing if anything is wrong. Records are matched on their slugs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The records file; - reads standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--user", metavar="USERNAME", help="Name this user in the history of every row the import writes."
        )

    def handle(self, *args, file, dry_run=False, user=None, **options):
        if user is not None:
            User = get_user_model()
            try:
                user = User._default_manager.get_by_natural_key(user)
            except User.DoesNotExist:
                raise CommandError(f"No user with the username '{user}'; nothing was imported.") from None
        try:
            text = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            records = RecordsImport(parse_records(text), progress=progress_bar)
            records.apply(dry_run=dry_run, user=user)
        except RecordsInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            count = len(invalid.errors)
            raise CommandError(
                f"{file}: {count} error{'s' if count != 1 else ''}; nothing was imported."
            ) from None
        if dry_run:
            self.stdout.write("Dry run: nothing was written. The import would give:")
        for line in records.summary_lines():
            self.stdout.write(line)
        if options["verbosity"] > 1:
            for kind, changes in records.changes.items():
                for slug, state in changes.items():
                    self.stdout.write(f"  {kind} {slug}: {state}")
