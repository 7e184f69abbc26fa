"""What an import may change for the user who runs it: ``meetings.rights`` applied to a records file.

A user who may not publish imports drafts: a meeting the file creates or changes stays a draft, and
a meeting the database holds as published or scheduled must come out of the import as it is,
progress updates included (an import's updates name whoever the file says recorded them; progress
is recorded on the action's page, by who records it). Each difference is named by the record and
field of the file that makes it, as the import's other errors are.

Rows are compared as the writer matches them: attendance by participant, outcomes by number, actions
and documents in order.
"""

from ...rights import User, is_locked, may_publish
from ..schema import document_order
from .fields import match_timeline
from .parsing import RecordError

PUBLISHES = "publishes or schedules a meeting: only a publisher may"
CHANGES = "changes a published or scheduled meeting: only a publisher may"
ADDS = "adds {what} to a published or scheduled meeting: only a publisher may"
REMOVES = "would remove {what} (not in the file) from a published or scheduled meeting: only a publisher may"
ADDS_PROGRESS = (
    "adds progress updates to an action of a published or scheduled meeting: only a publisher may "
    "import them; record its progress on the action's page"
)


def import_refusals(records_import, user: User) -> list[RecordError]:
    """Why ``user`` may not apply ``records_import`` (validated, made with ``rights_of=user``: its
    plan notes them a batch at a time, ``meeting_refusals``), each naming record and field."""
    if may_publish(user):
        return []
    if records_import.rights_of != user:
        raise ValueError("the import's plan did not check this user's rights: give it rights_of=user")
    records_import.validate()
    return sorted(records_import.refusals, key=lambda error: document_order(error.path))


def meeting_refusals(records_import, path, record) -> list[RecordError]:
    """Why a user who may not publish may not make the change the import plans to the meeting
    ``record`` at ``path``; called by the plan, while the batch's exports are at hand."""
    slug = record["slug"]
    if is_locked(records_import.db_meetings.get(slug)):
        return meeting_changes(records_import, path, record, records_import.current_meetings[slug])
    if record["published_at"] is not None:
        return [RecordError(path, PUBLISHES)]
    return []


def meeting_changes(records_import, path, record, current):
    """Every difference between the meeting ``record`` of the file and its export ``current``."""
    row_paths = records_import.row_paths[record["slug"]]
    errors = fields(path, record, current, skip=("attendance", "outcomes", "documents"))
    for kind, key, what in (
        ("attendance", by_field("participant"), "the attendance of '{}'".format),
        ("documents", by_index, lambda index: f"document {index + 1}"),
    ):
        pairs = match(errors, f"{path}.{kind}", record[kind], row_paths[kind], current[kind], key, what)
        for row_path, row, current_row in pairs:
            errors.extend(fields(row_path, row, current_row))
    outcomes = match(
        errors,
        f"{path}.outcomes",
        record["outcomes"],
        row_paths["outcomes"],
        current["outcomes"],
        by_field("position"),
        "outcome {}".format,
    )
    for outcome_path, outcome, current_outcome in outcomes:
        errors.extend(fields(outcome_path, outcome, current_outcome, skip=("actions",)))
        actions = match(
            errors,
            f"{outcome_path}.actions",
            outcome["actions"],
            records_import.action_paths[outcome_path],
            current_outcome["actions"],
            by_index,
            lambda index: f"action {index + 1}",
        )
        for action_path, action, current_action in actions:
            errors.extend(fields(action_path, action, current_action, skip=("updates",)))
            missing, _kept = match_timeline(current_action["updates"], action["updates"])
            if missing:
                errors.append(RecordError(f"{action_path}.updates", ADDS_PROGRESS))
    return errors


def by_field(name):
    return lambda row, index: row[name]


def by_index(row, index):
    return index


def match(errors, list_path, rows, paths, current_rows, key, what):
    """Pair each row of the file with the row of the export it writes to (``key``), as (path, row,
    current row); an error in ``errors`` for each row it adds or leaves out."""
    current = {key(row, index): row for index, row in enumerate(current_rows)}
    pairs = []
    for index, (row, row_path) in enumerate(zip(rows, paths, strict=True)):
        before = current.pop(key(row, index), None)
        if before is None:
            errors.append(RecordError(row_path, ADDS.format(what=what(key(row, index)))))
        else:
            pairs.append((row_path, row, before))
    errors.extend(RecordError(list_path, REMOVES.format(what=what(value))) for value in current)
    return pairs


def fields(path, record, current, skip=()):
    """An error for each field of ``record`` that differs from ``current``."""
    return [
        RecordError(f"{path}.{key}", CHANGES)
        for key, value in record.items()
        if key not in skip and value != current.get(key)
    ]
