"""Count the action tallies afresh from the record, or check that they agree with such a count."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from meetings import tallies, versions


class Command(BaseCommand):
    help = (
        "Rebuild the tallies the tracker's groupings, its charts and participant pages read "
        "(meetings.tallies) from the actions, or with --check say whether they agree with a recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: fail if the tallies differ from a recount.",
        )

    def handle(self, *args, check, **options):
        if check:
            expected, found = tallies.recount(), tallies.stored()
            differing = sorted(set(expected) | set(found), key=repr)
            differing = [share_key for share_key in differing if expected[share_key] != found[share_key]]
            if differing:
                for share_key in differing[:20]:
                    self.stderr.write(f"{share_key}: {found[share_key]} kept, {expected[share_key]} counted")
                raise CommandError(f"{len(differing)} tallies differ from a recount: run rebuild_tallies.")
            self.stdout.write(self.style.SUCCESS(f"{len(found)} tallies agree with a recount."))
            return
        with transaction.atomic():
            marked = tallies.rebuild()
            # What the pages count may change with it: cached answers must not outlive the old tallies.
            versions.bump()
        self.stdout.write(self.style.SUCCESS(f"Tallies rebuilt from {marked} actions."))
