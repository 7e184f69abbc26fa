"""Email each owner's focal point a digest of their open actions: overdue and due soon.

Safe to run daily from cron or a timer (meetings/digest.py). ``--enqueue`` hands it to the task
worker instead, where it shows on the admin's list of tasks with its progress and result.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meetings import jobs, tasks
from meetings.digest import send_digests
from meetings.models import JobKind


class Command(BaseCommand):
    help = "Email each owner's focal point a digest of their open actions overdue or due in the next N days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=30, help="Include actions due within this many days (default 30)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the digests instead of sending.")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day to run as, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", "") or "http://localhost:8000",
            help="The site's address, for the links in the emails.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the digest for the task worker (manage.py db_worker) instead of sending it now.",
        )

    def handle(self, *args, days, dry_run, today, base_url, enqueue, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        today = today or timezone.localdate()
        if enqueue:
            if dry_run:
                raise CommandError("--dry-run prints the digests here; it cannot be queued.")
            job = jobs.start(
                tasks.send_action_digest,
                JobKind.DIGEST,
                f"Action digest of {today:%Y-%m-%d}",
                parameters={"today": today.isoformat(), "days": days, "base_url": base_url},
            )
            self.stdout.write(f"Queued the digest for the task worker (task {job.task_result_id}).")
            return
        run = send_digests(today, days=days, base_url=base_url, dry_run=dry_run)
        if dry_run:
            for text in run.would_send:
                self.stdout.write(text)
            self.stdout.write(f"Dry run: {len(run.would_send)} digest(s) would be sent; nothing was sent.")
        else:
            self.stdout.write(f"Sent {run.sent} digest(s); {run.skipped} already sent today.")
