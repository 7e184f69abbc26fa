"""Count the tallies of actions and of attendance afresh from the record, or check that they agree
with such a count."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from meetings import attendance_tallies, tallies, versions


class Command(BaseCommand):
    help = (
        "Rebuild the tallies the tracker's groupings, its charts and participant pages read "
        "(meetings.tallies, meetings.attendance_tallies) from the actions and the attendance, or "
        "with --check say whether they agree with a recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if the tallies differ from a recount.",
        )

    def handle(self, *args, check, **options):
        if check:
            differing, agreeing = [], 0
            for module in (tallies, attendance_tallies):
                expected, found = module.recount(), module.stored()
                keys = sorted(set(expected) | set(found), key=repr)
                differing += [(key, found[key], expected[key]) for key in keys if expected[key] != found[key]]
                agreeing += len(found)
            if differing:
                for key, kept, counted in differing[:20]:
                    self.stderr.write(f"{key}: {kept} kept, {counted} counted")
                raise CommandError(f"{len(differing)} tallies differ from a recount: run rebuild_tallies.")
            self.stdout.write(self.style.SUCCESS(f"{agreeing} tallies agree with a recount."))
            return
        with transaction.atomic():
            marked = tallies.rebuild()
            attended = attendance_tallies.rebuild()
            # What the pages count may change with it: cached answers must not outlive the old tallies.
            versions.bump()
        self.stdout.write(
            self.style.SUCCESS(f"Tallies rebuilt from {marked} actions and {attended} rows of attendance.")
        )
