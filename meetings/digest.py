"""The action digest: each owner's focal point is mailed their open actions overdue and due soon.

Safe to run daily, and twice: a digest sent to a participant is recorded for the day (a unique
constraint on participant and date), so a second run on the same day sends nothing again. Run by the
task worker (``meetings.tasks.send_action_digest``, queued by ``manage.py send_action_digest
--enqueue``) or at once by the command.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from .models import ActionItem, DigestSent, Participant


@dataclass
class DigestRun:
    """What one run of the digest did: digests sent, skipped (already sent today), and with
    ``dry_run`` the mails it would have sent, as text."""

    sent: int = 0
    skipped: int = 0
    would_send: list[str] = field(default_factory=list)


def send_digests(
    today: datetime.date,
    days: int = 30,
    base_url: str = "",
    dry_run: bool = False,
    progress: Callable | None = None,
) -> DigestRun:
    horizon = today + datetime.timedelta(days=days)
    base_url = (base_url or settings.SITE_URL or "http://localhost:8000").rstrip("/")
    due = (
        ActionItem.objects.published()
        .open()
        .filter(due_date__isnull=False, due_date__lte=horizon)
        .select_related("outcome__meeting", "due_at_next")
        .order_by("due_date", "pk")
    )
    participants = list(
        Participant.objects.exclude(contact_email="")
        .filter(action_ownerships__action_item__in=due)
        .distinct()
        .order_by("name")
        .prefetch_related(Prefetch("action_items", queryset=due, to_attr="digest_actions"))
    )
    run = DigestRun()
    for participant in progress(participants, "mailing") if progress else participants:
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
            run.would_send.append(f"To: {participant.contact_email}\nSubject: {subject}\n\n{body}\n")
            continue
        if DigestSent.objects.filter(participant=participant, date=today).exists():
            run.skipped += 1
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
            run.skipped += 1
            continue
        run.sent += 1
    return run
