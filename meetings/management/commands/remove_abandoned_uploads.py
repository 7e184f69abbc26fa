import datetime

from django.core.management.base import BaseCommand, CommandError

from meetings.legacy import folder
from meetings.records import staged


class Command(BaseCommand):
    help = (
        "Remove the uploads that no task will read: the pages uploaded for a folder import whose task "
        "failed, was removed (prune_db_task_results) or was never queued, and the records files "
        "uploaded for a preview that failed, expired unapplied or whose import failed. A task whose "
        "worker was killed has its pages removed when it is marked failed; this finds the rest. "
        "Uploads newer than --hours are kept, for a task about to be queued."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=folder.ABANDONED_AFTER.total_seconds() / 3600,
            help="Keep uploads newer than this many hours (default %(default)s).",
        )

    def handle(self, *args, hours, **options):
        if hours < 0:
            raise CommandError("--hours cannot be negative; nothing was removed.")
        older_than = datetime.timedelta(hours=hours)
        removed = folder.remove_abandoned_uploads(older_than) + staged.remove_abandoned_uploads(older_than)
        for name in removed:
            self.stdout.write(f"removed {name}")
        self.stdout.write(f"{len(removed)} abandoned upload{'' if len(removed) == 1 else 's'} removed.")
