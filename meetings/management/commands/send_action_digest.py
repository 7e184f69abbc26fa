"""Email each owner's focal point a digest of their open actions: overdue and due soon.

Safe to run daily from cron: a digest sent to a participant is recorded for the day (a unique
constraint on participant and date), so a second run on the same day sends nothing again.
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from meetings.models import ActionItem, DigestSent, Participant


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

    def handle(self, *args, days, dry_run, today, base_url, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        today = today or timezone.localdate()
        horizon = today + datetime.timedelta(days=days)
        base_url = base_url.rstrip("/")
        due = (
            ActionItem.objects.published()
            .open()
            .filter(due_date__isnull=False, due_date__lte=horizon)
            .select_related("outcome__meeting", "due_at_next")
            .order_by("due_date", "pk")
        )
        participants = (
            Participant.objects.exclude(contact_email="")
            .filter(action_ownerships__action_item__in=due)
            .distinct()
            .order_by("name")
            .prefetch_related(Prefetch("action_items", queryset=due, to_attr="digest_actions"))
        )
        sent = skipped = 0
        for participant in participants:
            overdue = [item for item in participant.digest_actions if item.is_overdue(today)]
            upcoming = [item for item in participant.digest_actions if not item.is_overdue(today)]
            context = {
                "participant": participant,
                "overdue": overdue,
                "upcoming": upcoming,
                "days": days,
                "today": today,
                "base_url": base_url,
                "site_name": getattr(settings, "SITE_NAME", "Bali Process record"),
            }
            subject = " ".join(render_to_string("emails/action_digest_subject.txt", context).split())
            body = render_to_string("emails/action_digest.txt", context)
            html = render_to_string("emails/action_digest.html", context)
            if dry_run:
                self.stdout.write(f"To: {participant.contact_email}\nSubject: {subject}\n\n{body}\n")
                continue
            if DigestSent.objects.filter(participant=participant, date=today).exists():
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    # Recorded first: if the mail fails the record rolls back; if another run got
                    # here first, the unique constraint stops this one before it sends.
                    DigestSent.objects.create(
                        participant=participant,
                        date=today,
                        email=participant.contact_email,
                        action_count=len(overdue) + len(upcoming),
                    )
                    message = EmailMultiAlternatives(subject, body, to=[participant.contact_email])
                    message.attach_alternative(html, "text/html")
                    message.send()
            except IntegrityError:
                skipped += 1
                continue
            sent += 1
        if dry_run:
            self.stdout.write(f"Dry run: {len(participants)} digest(s) would be sent; nothing was sent.")
        else:
            self.stdout.write(f"Sent {sent} digest(s); {skipped} already sent today.")
