import shutil
import sys
import tempfile

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from meetings.records import RecordsFile, RecordsImport, RecordsInvalid


def progress_bar(items, description, total=None):
    """A progress bar on standard error, shown only when it is a terminal."""
    return tqdm(
        items, desc=description, total=total, unit="meeting", file=sys.stderr, disable=None, leave=False
    )


class Command(BaseCommand):
    help = (
        "Read a records-format JSON document: check all of it, then write all of it in one "
        "transaction, or nothing if anything is wrong. Records are matched on their slugs. The file "
        "is read as a stream, a batch of meetings at a time, so memory does not grow with it."
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
        if file == "-":
            # The import reads its file more than once: standard input is kept in a temporary file.
            with tempfile.NamedTemporaryFile(prefix="records-", suffix=".json") as spooled:
                shutil.copyfileobj(sys.stdin.buffer, spooled)
                spooled.flush()
                return self.import_file(spooled.name, "-", dry_run, user, options["verbosity"])
        try:
            with open(file, "rb"):
                pass
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        return self.import_file(file, file, dry_run, user, options["verbosity"])

    def import_file(self, path, name, dry_run, user, verbosity):
        try:
            records = RecordsImport(RecordsFile.at_path(path), progress=progress_bar)
            records.apply(dry_run=dry_run, user=user)
        except RecordsInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            count = invalid.count
            raise CommandError(
                f"{name}: {count} error{'s' if count != 1 else ''}; nothing was imported."
            ) from None
        if dry_run:
            self.stdout.write("Dry run: nothing was written. The import would give:")
        for line in records.summary_lines():
            self.stdout.write(line)
        if verbosity > 1:
            for kind, changes in records.changes.items():
                for slug, state in changes.items():
                    self.stdout.write(f"  {kind} {slug}: {state}")
