"""Reading django-simple-history's records: since when each kind of row is kept, the links a record
kept, and the state of rows at a past moment.

History began at different times for different rows: meetings, attendance, outcomes, documents,
action items, participants and memberships with migration 0007; links (many-to-many fields), other
names, action owners and progress updates with migration 0010. Before that, their state is unknown,
and nothing here pretends otherwise: ``state_at`` says "unknown" rather than guess.
"""

from dataclasses import dataclass
from functools import cache

from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder

from ..models import ActionOwner, ParticipantAlias, ProgressUpdate

HISTORY_MIGRATION = "0007_history"
LINKS_AND_PARTS_MIGRATION = "0010_link_and_part_history"
KEPT_SINCE_0010 = (ActionOwner, ParticipantAlias, ProgressUpdate)


@cache
def _applied(migration_name):
    try:
        applied = (
            MigrationRecorder.Migration.objects.filter(app="meetings", name=migration_name)
            .values_list("applied", flat=True)
            .first()
        )
    except DatabaseError:  # pragma: no cover - a database without the migrations table
        return None
    return applied


def kept_since(model):
    """When the history of ``model``'s rows began (None: for as long as there are records)."""
    return _applied(LINKS_AND_PARTS_MIGRATION if model in KEPT_SINCE_0010 else HISTORY_MIGRATION)


def links_kept_since():
    """When history records began to keep the many-to-many links as they were."""
    return _applied(LINKS_AND_PARTS_MIGRATION)


def keeps_links(record):
    """Whether ``record`` (a historical record) holds its links, or predates their history."""
    since = links_kept_since()
    return since is None or record.history_date >= since


def link_fields(model):
    """The many-to-many fields of ``model`` whose links its history keeps."""
    history = getattr(model, "history", None)
    if history is None:
        return []
    return list(history.model._history_m2m_fields)


def link_history_model(model, field):
    """The model of ``model``'s historical link rows for ``field`` (one row per link per record)."""
    # The history model holds, under each link field's name, a descriptor of its link rows.
    return getattr(model.history.model, field.name).model


def linked_ids(records, field, model):
    """{history_id: set of ids linked} for ``records`` of ``model``, in one query."""
    link_model = link_history_model(model, field)
    target = field.m2m_reverse_field_name()
    target_attname = link_model._meta.get_field(target).attname
    linked = {record.history_id: set() for record in records}
    rows = link_model.objects.filter(history_id__in=list(linked)).values_list("history_id", target_attname)
    for history_id, target_id in rows:
        linked[history_id].add(target_id)
    return linked


def snapshot_links(record, instance, fields=None):
    """Make ``record``'s kept links those ``instance`` has now, for ``fields`` (default: all kept)."""
    for field in fields if fields is not None else link_fields(type(instance)):
        link_model = link_history_model(type(instance), field)
        through = field.remote_field.through
        link_model.objects.filter(history=record).delete()
        rows = through.objects.filter(**{field.m2m_field_name(): instance.pk})
        link_model.objects.bulk_create(
            link_model(history=record, **{f.attname: getattr(row, f.attname) for f in through._meta.fields})
            for row in rows
        )


@dataclass
class RowState:
    """What history says of one row at a moment.

    ``known`` False: its state then was not kept (the row predates its history). Otherwise
    ``record`` is the historical record holding its values then, or None where the row did not
    exist then; ``unchanged`` means it has not changed since before its history began (no record
    at all), so its values then are its values now.
    """

    known: bool
    record: object = None
    unchanged: bool = False

    @property
    def existed(self):
        return self.known and (self.record is not None or self.unchanged)


def state_at(records, moment, since):
    """The state at ``moment`` of one row from its historical ``records``, oldest first.

    ``since`` is when the history of rows of its kind began.
    """
    before = [record for record in records if record.history_date <= moment]
    if before:
        latest = before[-1]
        return RowState(known=True, record=None if latest.history_type == "-" else latest)
    history_covers_moment = since is None or moment >= since
    if not records:
        # Never changed since its history began: as it is now, if it already existed then.
        return RowState(known=history_covers_moment, unchanged=history_covers_moment)
    first = records[0]
    if first.history_type == "+":
        return RowState(known=True)
    if first.history_type == "-" and history_covers_moment:
        # Deleted since without having changed before: the deletion kept its values.
        return RowState(known=True, record=first)
    return RowState(known=False)


def records_by_row(model, ids, select_related=()):
    """{row id: its historical records, oldest first} for the rows ``ids`` of ``model``."""
    by_row = {pk: [] for pk in ids}
    records = (
        model.history.filter(id__in=list(ids))
        .select_related(*select_related)
        .order_by("history_date", "history_id")
    )
    for record in records:
        by_row[record.id].append(record)
    return by_row
