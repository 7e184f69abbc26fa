import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings.models import Meeting
from meetings.records.export import MeetingExporter, write_records


def iso_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since '{value}' is not a date: use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Write the record, or the meetings chosen and what they reference, as one records-format "
        "JSON document (see meetings/records/records.schema.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--meetings", nargs="+", metavar="SLUG", help="Only these meetings, with what they reference."
        )
        parser.add_argument(
            "--since",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="Only meetings whose record changed on or after.",
        )
        parser.add_argument(
            "--with-files",
            action="store_true",
            help=(
                "Write each stored file's content (base64) beside its name, so that the record can be "
                "imported where the storage does not hold its files: for moving records between "
                "installations, not for everyday exports (the document grows by a third more than "
                "the files)."
            ),
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, meetings=None, since=None, output=None, with_files=False, **options):
        if meetings:
            known = set(Meeting.objects.filter(slug__in=meetings).values_list("slug", flat=True))
            unknown = [slug for slug in meetings if slug not in known]
            if unknown:
                raise CommandError("No meeting with the slug: " + ", ".join(unknown))
        exporter = MeetingExporter(with_files=with_files)
        # Written meeting by meeting, so that an archive of any size is written in bounded memory.
        if output:
            try:
                with Path(output).open("w", encoding="utf-8") as stream:
                    write_records(stream, meeting_slugs=meetings, since=since, exporter=exporter)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        else:
            # The document's own line breaks only: the wrapper would end each piece with one.
            self.stdout.ending = ""
            write_records(self.stdout, meeting_slugs=meetings, since=since, exporter=exporter)
        for name in exporter.missing_files:
            self.stderr.write(f"Warning: '{name}' is not in the storage; its content is not in the export.")
