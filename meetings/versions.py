"""The record's version: one counter that moves with every change the public could see.

Cached pages and ETags are keyed by it, so invalidation is a new key rather than a search for stale
entries. The counter lives in the database, not in the cache, so that every app server (and every
worker with a local-memory cache) sees an edit the moment it is committed: the bump is written in
the same transaction as the change itself, and reading it is one query by primary key.

The same transaction, not the next one: a version committed before the change it announces lets a
reader cache the old record under the new key, where it stays until the next edit. So every write
path moves the version before it commits, work done after a form's save included, and so does the
first read after a scheduled publication comes due (``current()``). ``tests/test_versions.py``
walks every write path and fails on a transaction that writes the record and commits without it.

Signals are used here, against the usual rule, because invalidation has to catch every write path:
the admin's forms and inlines, bulk actions, the importer, many-to-many changes and cascaded
deletes. Code that writes without signals (``bulk_create``, ``bulk_update``, ``QuerySet.update``)
calls ``bump()`` in the transaction of its writes.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from . import models as record
from .models import ActionItem, Meeting, RecordVersion

# Every model a public page, feed or API answer reads.
PUBLIC_MODELS = (
    record.ActionItem,
    record.ActionOwner,
    record.Attendance,
    record.Document,
    record.Meeting,
    record.MeetingType,
    record.Membership,
    record.OldAddress,
    record.Outcome,
    record.Participant,
    record.ParticipantAlias,
    record.ProgressUpdate,
    record.Theme,
)

ROW = 1
# Old versions' entries are never read again; this only bounds how long they occupy the cache.
CACHE_SECONDS = 24 * 60 * 60
# The version read at the start of this request, so that one request reads it once.
request_version = ContextVar("request_version", default=None)
# Inside ``deferred()``: a list that holds True once a change has been noted, to move the version once.
deferring = ContextVar("deferring", default=None)


@dataclass(frozen=True)
class Version:
    counter: int
    changed_at: datetime
    today: object

    @property
    def key(self):
        """Moves with every change and every new day (overdue and upcoming are read from the date)."""
        return f"{self.counter}.{self.today.isoformat()}"

    @property
    def last_modified(self):
        """The later of the last change and the start of today, when date-derived states last moved."""
        midnight = timezone.make_aware(datetime.combine(self.today, time.min))
        return max(self.changed_at, midnight)


def bump():
    """Move the counter, and note when the next scheduled publication comes due; within
    ``deferred``, only note that it must move at the block's end."""
    noted = deferring.get()
    if noted is not None:
        if not noted:
            noted.append(True)
        return
    next_publication = (
        Meeting.objects.scheduled_for_publication().order_by("published_at").values("published_at")[:1]
    )
    version = RecordVersion.objects.filter(pk=ROW)
    moved = {"counter": F("counter") + 1, "changed_at": Now(), "next_publication_at": next_publication}
    if not version.update(**moved):
        # Migration 0009 makes the row; a database flushed since (a transactional test) has none.
        RecordVersion.objects.get_or_create(pk=ROW)
        version.update(**moved)


def current():
    """The version now: one query; a few more when a scheduled publication has just come due."""
    row = _read_row()
    if row is None:
        bump()
        row = _read_row()
    elif row[2]:
        publications_came_due()
        row = _read_row()
    changed_at = row[1]
    if isinstance(changed_at, str):
        changed_at = datetime.fromisoformat(changed_at)
    if timezone.is_naive(changed_at):  # SQLite's, read without the ORM; stored in UTC (USE_TZ)
        changed_at = changed_at.replace(tzinfo=UTC)
    return Version(counter=row[0], changed_at=changed_at, today=timezone.localdate())


def publications_came_due():
    """Meetings scheduled for publication are public now: the actions due at the next meeting of
    their types take their dates, and the version moves, in one transaction.

    Nothing is written when the meetings become public, so the first read after it does this. Two
    readers at once both move the version; the second finds the actions dated already.
    """
    with transaction.atomic():
        due_since = (
            RecordVersion.objects.select_for_update()
            .filter(pk=ROW, next_publication_at__lte=Now())
            .values_list("next_publication_at", flat=True)
            .first()
        )
        if due_since is not None:
            came_due = Meeting.objects.published().filter(published_at__gte=due_since)
            ActionItem.objects.filter(due_at_next__in=came_due.values("meeting_type")).date_by_next_meetings()
        bump()


def _read_row():
    """(counter, changed_at, publication due) by a statement compiled once per database.

    Every request reads this row first; built through the ORM each time, the query cost about 40
    times what running it does, so the SQL the ORM wrote is kept and run directly.
    """
    sql, params = _compiled_read()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


_compiled = {}


def _compiled_read():
    if connection.vendor in _compiled:
        return _compiled[connection.vendor]
    # The database's clock decides whether a publication is due, as it does in `published()`.
    publication_due = ExpressionWrapper(Q(next_publication_at__lte=Now()), output_field=BooleanField())
    query = (
        RecordVersion.objects.filter(pk=ROW)
        .annotate(publication_due=publication_due)
        .values_list("counter", "changed_at", "publication_due")
        .query
    )
    _compiled[connection.vendor] = query.sql_with_params()
    return _compiled[connection.vendor]


@contextmanager
def reading(version):
    """Within the block, ``cached()`` keys by ``version`` instead of reading it again."""
    token = request_version.set(version)
    try:
        yield version
    finally:
        request_version.reset(token)


def cached(name, compute):
    """``compute()``, remembered until the record changes or the day does: no stale answer, ever."""
    version = request_version.get() or current()
    return cache.get_or_set(f"record:{name}:{version.key}", compute, CACHE_SECONDS)


def first_rows(name, queryset, ordering, limit, rows=None):
    """The first ``limit`` rows of ``queryset`` in ``ordering``: their ids remembered as ``name``,
    the rows read by those ids from ``rows`` (the model's own rows unless given, to read with
    what a page shows of each).

    The rows are sorted by their keys alone and only the chosen few are read whole: sorting the
    thousands of rows of a member state with their related records' long texts (a meeting's body,
    an action's description) is what costs, 20 to 35 ms a list at 10,000 meetings on SQLite. Two
    queries the first time after a change, one after.
    """
    chosen = cached(name, lambda: list(queryset.order_by(*ordering).values_list("pk", flat=True)[:limit]))
    rows = queryset.model.objects.all() if rows is None else rows
    return rows.filter(pk__in=chosen).order_by(*ordering)


def record_changed(sender, **kwargs):
    if not kwargs.get("action", "post_").startswith("post_"):
        return
    bump()


@contextmanager
def deferred():
    """Within the block, changes are noted and the version moves once at its end, not once per row:
    for a write of many rows with signals (a cascade of deletes). Nest it inside the transaction of
    the writes, so that the version still moves before they commit."""
    if deferring.get() is not None:
        yield
        return
    noted = []
    token = deferring.set(noted)
    try:
        yield
    finally:
        deferring.reset(token)
    if noted:
        bump()


def connect():
    for model in PUBLIC_MODELS:
        uid = f"meetings.versions.{model._meta.label_lower}"
        post_save.connect(record_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(record_changed, sender=model, dispatch_uid=f"{uid}.delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                record_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field.name}"
            )
