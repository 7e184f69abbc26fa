"""Tallies of attendance kept up to date on write: the meetings held each participant attended, by
year and role.

A member state's page counts its 3,800 meetings by year and role, and the list of participants
counts every participant's, among the 325,000 rows of attendance of a 10,000-meeting archive: 9 to
14 ms and 90 to 120 ms on the first request after any change. Here each row of attendance at a
meeting held adds one to the ``AttendanceTally`` of its participant, its meeting's year and its
role, changed in the transaction of every write that changes it, so a page reads a few tally rows.

As with the actions' tallies (``meetings.tallies``), they count every meeting, published or not:
publication comes due with the clock and no write. A reader takes away the attendance at held
meetings not published (few at any time), read from the rows themselves. Each row's mark
(``AttendanceTallyMark``) says what it added, so that ``refresh()`` takes away exactly that and may
be called any number of times.

Every write keeps them: saves and deletes of attendance and of meetings through the signals
connected in ``connect()``, and code that writes attendance in bulk calls ``refresh()`` with the
rows it wrote, in its transaction. ``recount()`` counts everything afresh, for the tests and
``manage.py rebuild_tallies --check``; ``rebuild()`` writes that recount.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.signals import post_delete, post_save

from . import bulk, tally_rows
from .models import Attendance, AttendanceTally, AttendanceTallyMark, Meeting, MeetingStatus
from .models.functions import Year

# (participant id, year, role): the key a row of attendance is counted under.
Key = tuple[int, int | None, str]
CHUNK = 2000
# Past this many keys changed at once, they are merged into the table in bulk, not each updated.
BULK_KEYS = 500

deferring = ContextVar("attendance_tallies_deferring", default=None)
ROWS = tally_rows.TallyRows(AttendanceTally, ("participant_id", "year", "role"), "meetings")
MODELS = {model.__name__: model for model in (Attendance, AttendanceTally, AttendanceTallyMark, Meeting)}


def keys_of(attendance_ids: Iterable[int], models=None) -> dict[int, Key]:
    """The key each of these rows of attendance is counted under now; rows at a meeting not held,
    or gone, have none."""
    attendance = (models or MODELS)["Attendance"]
    # The status tested here, not in the query: SQLite would find the rows through the meetings held
    # (every row of attendance read for each chunk of ids), not by their ids.
    rows = attendance.objects.filter(pk__in=list(attendance_ids)).values_list(
        "pk", "participant_id", Year("meeting__start_date"), "role", "meeting__status"
    )
    return {
        pk: (participant, year, role)
        for pk, participant, year, role, status in rows
        if status == MeetingStatus.HELD
    }


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def refresh(attendance_ids: Iterable[int]) -> None:
    """Bring the tallies up to date with these rows of attendance as they are now (gone, if deleted).

    In the caller's transaction: every write that changes a row of attendance, or the status or date
    of its meeting, calls it, through the signals or explicitly after a bulk write.
    """
    ids = set(attendance_ids)
    pending = deferring.get()
    if pending is not None:
        pending.update(ids)
        return
    if not ids:
        return
    with transaction.atomic():
        change = Counter()
        for chunk in chunks(ids):
            change.update(remark(chunk))
        apply(change)


def refresh_meetings(meeting_ids: Iterable[int], batch: int = 100) -> None:
    """``refresh()`` of every row of attendance of these meetings, ``batch`` meetings at a time, the
    change merged into the tallies once: for an import's meetings, whose rows went in without a
    signal. Memory holds a batch's ids, not the file's; not deferred, as it is whole."""
    meeting_ids = list(meeting_ids)
    with transaction.atomic():
        change = Counter()
        for start in range(0, len(meeting_ids), batch):
            of_batch = Attendance.objects.filter(meeting__in=meeting_ids[start : start + batch])
            for chunk in chunks(of_batch.values_list("pk", flat=True)):
                change.update(remark(chunk))
        apply(change, merged=True)


def remark(chunk: list[int]) -> Counter:
    """Mark these rows with the keys they count under now; the change to the tallies that makes."""
    change = Counter()
    marks = {
        pk: (participant, year, role)
        for pk, participant, year, role in AttendanceTallyMark.objects.filter(
            attendance_id__in=chunk
        ).values_list("attendance_id", "participant_id", "year", "role")
    }
    now = keys_of(chunk)
    moved = [pk for pk in chunk if marks.get(pk) != now.get(pk)]
    if not moved:
        return change
    for pk in moved:
        if pk in marks:
            change[marks[pk]] -= 1
        if pk in now:
            change[now[pk]] += 1
    AttendanceTallyMark.objects.filter(attendance_id__in=[pk for pk in moved if pk in marks]).delete()
    bulk.insert(
        AttendanceTallyMark,
        ("attendance_id", "participant_id", "year", "role"),
        ((pk, *now[pk]) for pk in moved if pk in now),
    )
    return change


def apply(change: Counter, merged: bool = False) -> None:
    """Add ``change`` to the tallies: row by row when it is small, else (or if ``merged``) merged
    in bulk, in a fixed number of queries."""
    ROWS.add(change, BULK_KEYS, merged=merged)


def recount() -> Counter:
    """Every tally counted afresh from the attendance: what the table must hold, key by key."""
    rows = (
        Attendance.objects.filter(meeting__status=MeetingStatus.HELD)
        .values_list("participant_id", Year("meeting__start_date"), "role")
        .annotate(meetings=Count("pk"))
        .order_by()
    )
    return +Counter({(participant, year, role): meetings for participant, year, role, meetings in rows})


def stored() -> Counter:
    """What the table holds now, key by key."""
    rows = AttendanceTally.objects.values_list("participant_id", "year", "role").annotate(
        total=Sum("meetings")
    )
    return +Counter({(participant, year, role): total for participant, year, role, total in rows.order_by()})


def rebuild(models=None) -> int:
    """Write every tally and mark afresh, in one transaction. Returns the number of rows marked.

    ``models`` gives the models by name, for the migration that fills the tables.
    """
    models = models or MODELS
    tally, mark, attendance = (
        models[name] for name in ("AttendanceTally", "AttendanceTallyMark", "Attendance")
    )
    with transaction.atomic():
        tally.objects.all().delete()
        mark.objects.all().delete()
        totals = Counter()
        ids = list(attendance.objects.order_by("pk").values_list("pk", flat=True))
        marked = 0
        for chunk in chunks(ids):
            found = keys_of(chunk, models)
            mark.objects.bulk_create(
                [
                    mark(attendance_id=pk, participant_id=participant, year=year, role=role)
                    for pk, (participant, year, role) in found.items()
                ],
                batch_size=CHUNK,
            )
            totals.update(found.values())
            marked += len(found)
        ROWS.write(totals, tally)
    return marked


def deferred():
    """Within the block, changed rows are noted and their tallies brought up to date at its end, in
    one pass: for a write of many rows (a cascade of deletes, an import). Nest it inside the
    transaction of the writes."""
    return tally_rows.deferred(deferring, refresh)


# Reading ------------------------------------------------------------------------------------------


def unpublished_held():
    """Attendance at held meetings the public does not see yet: what readers take away."""
    return Attendance.objects.filter(
        meeting__status=MeetingStatus.HELD, meeting__in=Meeting.objects.unpublished()
    )


def by_year_and_role(participant) -> Counter:
    """The published meetings held that ``participant`` attended: {(year, role): meetings}."""
    counted = Counter()
    for year, role, meetings in (
        AttendanceTally.objects.filter(participant=participant)
        .values_list("year", "role")
        .annotate(total=Sum("meetings"))
        .order_by()
    ):
        counted[year, role] += meetings
    for year, role, meetings in (
        unpublished_held()
        .filter(participant=participant)
        .values_list(Year("meeting__start_date"), "role")
        .annotate(total=Count("pk"))
        .order_by()
    ):
        counted[year, role] -= meetings
    return +counted


def by_participant() -> Counter:
    """The published meetings held that each participant attended: {participant id: meetings}."""
    counted = Counter(
        dict(AttendanceTally.objects.values_list("participant").annotate(total=Sum("meetings")).order_by())
    )
    counted.subtract(
        dict(unpublished_held().values_list("participant").annotate(total=Count("pk")).order_by())
    )
    return +counted


# Keeping them --------------------------------------------------------------------------------------


def attendance_changed(sender, instance, **kwargs):
    refresh([instance.pk])


def meeting_changed(sender, instance, **kwargs):
    # Its status or date may have changed: every row of its attendance may count elsewhere now.
    refresh(Attendance.objects.filter(meeting=instance.pk).values_list("pk", flat=True))


def connect():
    """Keep the tallies on every save and delete of attendance and every save of a meeting (deleted,
    a meeting's attendance goes with it, and says so itself)."""
    uid = "meetings.attendance_tallies"
    post_save.connect(attendance_changed, sender=Attendance, dispatch_uid=f"{uid}.attendance.save")
    post_delete.connect(attendance_changed, sender=Attendance, dispatch_uid=f"{uid}.attendance.delete")
    post_save.connect(meeting_changed, sender=Meeting, dispatch_uid=f"{uid}.meeting.save")
