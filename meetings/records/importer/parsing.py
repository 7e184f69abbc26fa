"""The records document as read: its kinds, the errors found in it, and the small readers of its values.

``RecordError`` names one thing wrong and where; ``RecordsInvalid`` carries all of them;
``parse_records`` turns a file's text into the document. The helpers below read a record's values
the way every check and writer needs them: lists without what the schema refused, dates that may be
wrong, optional text.
"""

import datetime
import json
from dataclasses import dataclass

from django.utils import timezone

from ..schema import BROKEN

KINDS = ("meeting_types", "themes", "participants", "meetings")
# Errors an import keeps, the first in the document's order; the rest are counted.
MAX_ERRORS = 1000
# What an import does to each record of the file.
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
KIND_NAMES = {
    "meeting_types": "meeting types",
    "themes": "themes",
    "participants": "participants",
    "meetings": "meetings",
}


@dataclass(frozen=True)
class RecordError:
    """One thing wrong with a file, where it is: ``meetings[3].attendance[7].participant``."""

    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}"


class RecordsInvalid(Exception):
    """A records document that cannot be imported; ``errors`` says every reason (the last of them
    saying how many more there were, where an import kept only the first ``MAX_ERRORS``), ``count``
    how many there are in all."""

    def __init__(self, errors, count=None):
        self.errors = list(errors)
        self.count = len(self.errors) if count is None else count
        super().__init__("\n".join(str(error) for error in self.errors))


def parse_records(text):
    """The document in a records file's text (str or bytes), or RecordsInvalid if it is not JSON."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        return json.loads(text)
    except UnicodeDecodeError as error:
        raise RecordsInvalid([RecordError("(file)", f"is not UTF-8 text: {error}")]) from None
    except json.JSONDecodeError as error:
        raise RecordsInvalid(
            [RecordError("(file)", f"is not JSON: {error.msg} at line {error.lineno}, column {error.colno}")]
        ) from None


def items(record, key):
    """(index, item) of the list ``record[key]``, leaving out items the schema refused."""
    return [(index, item) for index, item in enumerate(record.get(key, [])) if BROKEN not in item]


def parse_date(value):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value):
    if value is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def optional_text(record, key):
    return record.get(key) or None


def blank(value):
    return value if value is not None else ""
