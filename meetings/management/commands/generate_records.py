"""Generate a realistic, deterministic archive of meetings for benchmarks and scale tests."""

import datetime
import random
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from meetings import attendance_tallies, tallies, versions
from meetings.due import DuePeriod, DuePrecision
from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    DocumentKind,
    Meeting,
    MeetingStatus,
    MeetingType,
    Outcome,
    OutcomeKind,
    Participant,
    ParticipantKind,
    ProgressUpdate,
)

SLUG_PREFIX = "generated"
YEARS = 30
CITIES = [
    ("Bali", "ID"),
    ("Jakarta", "ID"),
    ("Canberra", "AU"),
    ("Sydney", "AU"),
    ("Bangkok", "TH"),
    ("Colombo", "LK"),
    ("Kuala Lumpur", "MY"),
    ("Manila", "PH"),
    ("Wellington", "NZ"),
    ("Hanoi", "VN"),
    ("Dhaka", "BD"),
    ("Islamabad", "PK"),
]
VERBS = [kind for kind in OutcomeKind.values if kind != "other"]
TASKS = [
    "Hold a workshop on {topic}",
    "Develop a policy guide on {topic}",
    "Report to the next meeting on {topic}",
    "Review regional cooperation on {topic}",
    "Translate the guidance on {topic} into regional languages",
    "Establish a network of focal points for {topic}",
]
TOPICS = [
    "trafficking in persons",
    "people smuggling",
    "border management",
    "refugee protection",
    "returns and reintegration",
    "biometric data-sharing",
    "airport security",
    "labour migration",
    "victim support",
    "law enforcement cooperation",
]
BATCH = 2000


class Command(BaseCommand):
    help = (
        "Create N generated meetings over 30 years with attendance, outcomes, action items, "
        "progress updates and documents. The same --seed always gives the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--meetings", type=int, default=100, help="How many meetings (default 100).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--replace", action="store_true", help="Delete meetings generated earlier before generating."
        )

    def handle(self, *args, meetings, seed, replace, **options):
        if meetings < 1:
            raise CommandError("--meetings must be at least 1.")
        existing = Meeting.objects.filter(slug__startswith=f"{SLUG_PREFIX}-")
        if existing.exists():
            if not replace:
                raise CommandError(
                    f"{existing.count()} generated meetings exist already: add --replace to generate anew."
                )
            # Their actions leave the tallies in one pass, not one action at a time, and the record's
            # version moves once, not once for each of the hundreds of thousands of rows deleted. No
            # revision is open, so none is written: generated records are for measuring, not history.
            with transaction.atomic(), versions.deferred(), tallies.deferred(), attendance_tallies.deferred():
                existing.delete()
        rng = random.Random(seed)
        with transaction.atomic():
            participants = self.participants()
            meeting_types = self.meeting_types()
            counts = self.generate(rng, meetings, participants, meeting_types)
            # Nor does it keep the tallies: the generated actions and attendance join them here.
            tallies.refresh(
                ActionItem.objects.filter(outcome__meeting__slug__startswith=f"{SLUG_PREFIX}-").values_list(
                    "pk", flat=True
                )
            )
            attendance_tallies.refresh(
                Attendance.objects.filter(meeting__slug__startswith=f"{SLUG_PREFIX}-").values_list(
                    "pk", flat=True
                )
            )
            versions.bump()  # bulk_create sends no signal: cached pages must not outlive the old record
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary}."))

    def participants(self):
        """The real participants when the reference data is loaded, else a generated set of 60."""
        participants = list(Participant.objects.order_by("pk"))
        if len(participants) >= 50:
            return participants
        for number in range(60 - len(participants)):
            Participant.objects.get_or_create(
                slug=f"{SLUG_PREFIX}-state-{number}",
                defaults={
                    "name": f"Generated State {number}",
                    "kind": ParticipantKind.STATE,
                    "country": "AU",
                },
            )
        return list(Participant.objects.order_by("pk"))

    def meeting_types(self):
        meeting_types = list(MeetingType.objects.order_by("pk"))
        if meeting_types:
            return meeting_types
        names = ["Ministerial Conference", "Senior Officials' Meeting", "Working Group Meeting", "Workshop"]
        return [
            MeetingType.objects.create(name=name, slug=name.lower().replace(" ", "-").replace("'", ""))
            for name in names
        ]

    def generate(self, rng, count, participants, meeting_types):
        today = timezone.localdate()
        first_day = today - datetime.timedelta(days=365 * YEARS)
        published_at = timezone.now() - datetime.timedelta(days=1)
        numbers = dict.fromkeys(meeting_types, 0)
        totals = dict.fromkeys(
            ["meetings", "attendance rows", "outcomes", "action items", "progress updates", "documents"], 0
        )
        progress = tqdm(
            total=count, desc="meetings", unit="", file=sys.stderr, disable=not sys.stderr.isatty()
        )
        for start in range(0, count, BATCH // 10):
            size = min(BATCH // 10, count - start)
            meetings = []
            for index in range(start, start + size):
                meeting_type = rng.choice(meeting_types)
                numbers[meeting_type] += 1
                day = first_day + datetime.timedelta(days=int(index * 365 * (YEARS + 1) / count))
                length = rng.choice([0, 0, 1, 2])
                city, country = rng.choice(CITIES)
                upcoming = day > today
                meetings.append(
                    Meeting(
                        meeting_type=meeting_type,
                        number=numbers[meeting_type],
                        title=f"{meeting_type.name} {numbers[meeting_type]} ({day.year})",
                        slug=f"{SLUG_PREFIX}-{index:06d}",
                        start_date=day,
                        end_date=day + datetime.timedelta(days=length),
                        city=city,
                        country=country,
                        status=MeetingStatus.SCHEDULED if upcoming else MeetingStatus.HELD,
                        summary=f"Officials met in {city} on {rng.choice(TOPICS)}.",
                        purpose=f"To review cooperation on {rng.choice(TOPICS)} and agree next steps.",
                        body=f"The meeting discussed {rng.choice(TOPICS)} and {rng.choice(TOPICS)}.",
                        attendance_complete=rng.random() < 0.8,
                        published_at=published_at,
                    )
                )
            meetings = Meeting.objects.bulk_create(meetings)
            self.fill(rng, meetings, participants, today, totals)
            totals["meetings"] += len(meetings)
            progress.update(len(meetings))
        progress.close()
        return totals

    def fill(self, rng, meetings, participants, today, totals):
        attendance, outcomes, documents = [], [], []
        for meeting in meetings:
            for position, participant in enumerate(rng.sample(participants, rng.randint(15, 50))):
                role = rng.choices(
                    [AttendanceRole.MEMBER, AttendanceRole.OBSERVER, AttendanceRole.CO_CHAIR],
                    weights=[80, 15, 5],
                )[0]
                attendance.append(
                    Attendance(meeting=meeting, participant=participant, role=role, position=position)
                )
            for position in range(1, rng.randint(5, 20) + 1):
                topic = rng.choice(TOPICS)
                kind = rng.choice(VERBS)
                outcomes.append(
                    Outcome(
                        meeting=meeting, position=position, kind=kind, text=f"Members {kind} work on {topic}."
                    )
                )
            for position in range(rng.randint(0, 3)):
                documents.append(
                    Document(
                        meeting=meeting,
                        title=f"{rng.choice(DocumentKind.labels)} of {meeting.title}",
                        kind=rng.choice(DocumentKind.values),
                        url=f"https://example.org/{meeting.slug}/{position}.pdf",
                        position=position,
                    )
                )
        Attendance.objects.bulk_create(attendance, batch_size=BATCH)
        outcomes = Outcome.objects.bulk_create(outcomes, batch_size=BATCH)
        Document.objects.bulk_create(documents, batch_size=BATCH)

        actions = []
        for outcome in outcomes:
            for position in range(rng.randint(0, 5)):
                meeting_day = outcome.meeting.start_date
                precision = rng.choice(DuePrecision.values)
                due = DuePeriod.containing(
                    precision, meeting_day + datetime.timedelta(days=rng.randint(60, 900))
                )
                status = rng.choices(ActionStatus.values, weights=[25, 30, 35, 5, 5])[0]
                actions.append(
                    ActionItem(
                        outcome=outcome,
                        position=position,
                        title=rng.choice(TASKS).format(topic=rng.choice(TOPICS)),
                        due_date=due.end,
                        due_precision=due.precision,
                        due_as_published=str(due),
                        status=status,
                    )
                )
        actions = ActionItem.objects.bulk_create(actions, batch_size=BATCH)

        owners, updates = [], []
        for action in actions:
            for participant in rng.sample(participants, rng.randint(1, 3)):
                owners.append(ActionOwner(action_item=action, participant=participant))
            if action.status != ActionStatus.NOT_STARTED:
                reported = min(
                    action.outcome.meeting.start_date + datetime.timedelta(days=rng.randint(30, 700)), today
                )
                updates.append(
                    ProgressUpdate(
                        action_item=action, date=reported, status=action.status, note="Reported progress."
                    )
                )
        ActionOwner.objects.bulk_create(owners, batch_size=BATCH)
        ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)

        totals["attendance rows"] += len(attendance)
        totals["outcomes"] += len(outcomes)
        totals["documents"] += len(documents)
        totals["action items"] += len(actions)
        totals["progress updates"] += len(updates)
