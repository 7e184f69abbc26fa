"""Tallies of the actions kept up to date on write, for the aggregates that would read every action.

The tracker grouped by owner, its charts and a participant's page count among all 312,000 actions of
a 10,000-meeting archive; counted from scratch, the first request after any change took seconds.
Here every action's share of each count is kept in ``ActionTally`` rows, changed in the transaction
of every write that changes an action's share, so a page reads a few thousand tally rows instead.

Each action adds to these kinds of rows (``TallyKind``):

- ``owner``: one per owner (or one without an owner) by status and, for an open action, the first
  day of the month it is due. "Overdue" moves with the date and no write: an open action due in a
  month before this one is overdue; of those due this month, the few due before today are counted
  from the actions themselves (the index of due dates and statuses).
- ``year``: by the year of its meeting and its status (the status chart).
- ``days``: per owner, a completed action's days from its meeting to its completion (the median).
- ``dated``, ``late`` and ``late_now``: the overdue-over-time chart. An action's status through time
  is a step function of its progress updates; the spans in which it was open and past due become
  a range of year ends (``late``) and a range of days (``late_now``, for "today").

The tallies count every action, published or not: publication comes due with the clock and no
write. A reader takes away the shares of the actions of unpublished meetings (few at any time),
read from their marks (``ActionTallyMark``, what each action added), as
``published_status_tallies`` does.

Every write keeps them: saves and deletes through the signals connected in ``connect()`` (for the
reason the record's version uses them: every write path must be caught, cascades included), and
code that writes in bulk calls ``refresh()`` with the actions it changed, in its transaction. A
change takes away what the action's mark says it added and adds what it adds now, so ``refresh()``
may be called any number of times. ``recount()`` counts everything afresh, for the tests and
``manage.py rebuild_tallies --check``; ``rebuild()`` writes that recount.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from . import bulk, tally_rows
from .models import (
    OPEN_STATUSES,
    ActionItem,
    ActionOwner,
    ActionStatus,
    ActionTally,
    ActionTallyMark,
    Meeting,
    Outcome,
    ProgressUpdate,
    TallyKind,
)

# The columns of a tally's key, in the order a share's key holds them.
KEY = ("kind", "participant_id", "status", "year", "until_year", "day", "until_day", "days")
DATE_FIELDS = {"day", "until_day"}
CHUNK = 2000
# Past this many keys changed at once, they are merged into the table in bulk, not each updated.
BULK_KEYS = 500
WITHDRAWN = (ActionStatus.CANCELLED, ActionStatus.SUPERSEDED)
ONE_DAY = datetime.timedelta(days=1)
# The width of the ranges of days to complete that find the median without reading every value.
DAYS_RANGE = 30

deferring = ContextVar("tallies_deferring", default=None)
ROWS = tally_rows.TallyRows(ActionTally, KEY, "count")
MODELS = {
    model.__name__: model for model in (ActionItem, ActionOwner, ProgressUpdate, ActionTally, ActionTallyMark)
}


def key(kind, participant=None, status="", year=None, until_year=None, day=None, until_day=None, days=None):
    return (kind, participant, status, year, until_year, day, until_day, days)


def open_spans(status: str, updates: list) -> list:
    """The spans of days in which the action was open, as ``(after, until)`` (None: unbounded):
    open on day D when ``after < D <= until``.

    A status is read "as a day begins": on day D, the status of the latest update dated before D;
    before the first update, not started; with no update, the present status on every day. Adjacent
    open spans are joined. The overdue-over-time chart reads them (``charts.count_overdue``).
    """
    if not updates:
        return [(None, None)] if status in OPEN_STATUSES else []
    latest_by_date = {}
    for date, reached in updates:
        latest_by_date[date] = reached
    spans, after, current = [], None, ActionStatus.NOT_STARTED
    for date, reached in latest_by_date.items():
        if current in OPEN_STATUSES:
            if spans and spans[-1][1] == after:
                spans[-1] = (spans[-1][0], date)
            else:
                spans.append((after, date))
        after, current = date, reached
    if current in OPEN_STATUSES:
        if spans and spans[-1][1] == after:
            spans[-1] = (spans[-1][0], None)
        else:
            spans.append((after, None))
    return spans


def shares(status, due_date, meeting_date, owners, updates, today=None) -> Counter:
    """What one action adds to each tally, by key. ``updates`` are (date, status) in timeline order."""
    today = today or timezone.localdate()
    added = Counter()
    is_open = status in OPEN_STATUSES
    # An open action's due date, by year and by month, for "overdue" on any day to come.
    due_year = due_date.year if is_open and due_date else None
    due_month = due_date.replace(day=1) if due_year else None
    added[key(TallyKind.STATUS, status=status, year=due_year)] += 1
    if due_month:
        added[key(TallyKind.STATUS_MONTH, status=status, day=due_month)] += 1
        added[key(TallyKind.STATUS_DAY, status=status, day=due_date)] += 1
    for owner in owners or [None]:
        added[key(TallyKind.OWNER, owner, status, year=due_year)] += 1
        if due_month:
            added[key(TallyKind.OWNER_MONTH, owner, status, day=due_month)] += 1
            added[key(TallyKind.OWNER_DAY, owner, status, day=due_date)] += 1
    meeting_year = meeting_date.year if meeting_date else None
    added[key(TallyKind.YEAR, status=status, year=meeting_year)] += 1
    if status == ActionStatus.COMPLETED and meeting_date:
        completed_on = [date for date, reached in updates if reached == ActionStatus.COMPLETED]
        if completed_on:
            days = (completed_on[-1] - meeting_date).days
            for owner in owners:
                added[key(TallyKind.DAYS, owner, days=days)] += 1
                added[key(TallyKind.DAYS_RANGE, owner, days=days - days % DAYS_RANGE)] += 1
    if due_date and meeting_date:
        added[key(TallyKind.DATED, year=meeting_year)] += 1
        # Counted at the end of a day once both its meeting and its due date are past.
        past_due = max(due_date, meeting_date)
        for after, until in open_spans(status, updates):
            # At the end of year Y, read on 1 January of Y + 1.
            start = max(after, past_due) if after else past_due
            until_year = until.year - 1 if until else None
            if until_year is None or start.year <= until_year:
                added[key(TallyKind.LATE, year=start.year, until_year=until_year)] += 1
            # At the end of today, read tomorrow, with both dates before today.
            first = max(after + ONE_DAY, past_due + 2 * ONE_DAY) if after else past_due + 2 * ONE_DAY
            # A span that ended by today can never count again: the date only moves forward.
            if until is None or (first <= until and until > today):
                added[key(TallyKind.LATE_NOW, day=first, until_day=until)] += 1
    return added


def shares_of(action_item_ids: Iterable[int], today=None, models=None) -> dict[int, Counter]:
    """Each existing action's shares, by id, read in three queries a chunk of actions.

    ``models`` gives the models by name, for a migration's historical ones.
    """
    today = today or timezone.localdate()
    models = models or MODELS
    ActionItem, ActionOwner, ProgressUpdate = (  # noqa: N806
        models["ActionItem"],
        models["ActionOwner"],
        models["ProgressUpdate"],
    )
    ids = sorted(set(action_item_ids))
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        actions = ActionItem.objects.filter(pk__in=chunk).values_list(
            "pk", "status", "due_date", "outcome__meeting__start_date"
        )
        owners = defaultdict(list)
        for action_id, participant_id in ActionOwner.objects.filter(action_item__in=chunk).values_list(
            "action_item_id", "participant_id"
        ):
            owners[action_id].append(participant_id)
        updates = defaultdict(list)
        for action_id, date, status in (
            ProgressUpdate.objects.filter(action_item__in=chunk)
            .order_by("action_item", "date", "created_at", "pk")
            .values_list("action_item_id", "date", "status")
        ):
            updates[action_id].append((date, status))
        for pk, status, due_date, meeting_date in actions.order_by():
            found[pk] = shares(status, due_date, meeting_date, owners[pk], updates[pk], today)
    return found


def encode(shared: Counter) -> list:
    # In the order ``shares`` adds them, not sorted: a mark is only ever read back as a whole
    # (``decode``), and sorting by ``repr`` was most of the cost of marking an import's actions.
    return [
        [value.isoformat() if isinstance(value, datetime.date) else value for value in share_key] + [count]
        for share_key, count in shared.items()
        if count
    ]


def decode(marked: list) -> Counter:
    shared = Counter()
    for *values, count in marked:
        shared[
            tuple(
                datetime.date.fromisoformat(value) if name in DATE_FIELDS and value else value
                for name, value in zip(KEY, values, strict=True)
            )
        ] = count
    return shared


def refresh(action_item_ids: Iterable[int]) -> None:
    """Bring the tallies up to date with these actions as they are now (gone, if deleted).

    In the caller's transaction: every write that changes an action's status, due date, owners,
    progress updates or meeting calls it, through the signals or explicitly after a bulk write.
    """
    ids = set(action_item_ids)
    pending = deferring.get()
    if pending is not None:
        pending.update(ids)
        return
    if not ids:
        return
    with transaction.atomic():
        # A chunk of actions at a time, so that memory holds a chunk's shares, not an archive's.
        change = Counter()
        for _start, chunk in chunks(ids):
            marks = dict(
                ActionTallyMark.objects.filter(action_item_id__in=chunk).values_list(
                    "action_item_id", "shares"
                )
            )
            now = shares_of(chunk)
            changed, new, gone = [], [], []
            for pk in chunk:
                before, after = decode(marks.get(pk, [])), now.get(pk, Counter())
                if before == after:
                    continue
                change.update(after)
                change.subtract(before)
                if pk not in now:
                    gone.append(pk)
                elif pk in marks:
                    changed.append(ActionTallyMark(action_item_id=pk, shares=encode(after)))
                else:
                    new.append((pk, encode(after)))
            # Marks new to the table (an import's actions) in bulk; the others replaced.
            bulk.insert(ActionTallyMark, ("action_item_id", "shares"), new)
            if changed:
                ActionTallyMark.objects.bulk_create(
                    changed,
                    batch_size=CHUNK,
                    update_conflicts=True,
                    unique_fields=["action_item_id"],
                    update_fields=["shares"],
                )
            if gone:
                ActionTallyMark.objects.filter(action_item_id__in=gone).delete()
        apply(change)


def chunks(ids):
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield start, ordered[start : start + CHUNK]


def apply(change: Counter) -> None:
    """Add ``change`` to the tallies: row by row when it is small, else merged in bulk."""
    ROWS.add(change, BULK_KEYS)


def recount(today=None) -> Counter:
    """Every tally counted afresh from the actions: what the table must hold, key by key."""
    totals = Counter()
    ids = list(ActionItem.objects.order_by("pk").values_list("pk", flat=True))
    for _start, chunk in chunks(ids):
        for shared in shares_of(chunk, today).values():
            totals.update(shared)
    return +totals


def stored() -> Counter:
    """What the table holds now, key by key."""
    totals = Counter()
    for row in ActionTally.objects.values_list(*KEY, "count").iterator(chunk_size=CHUNK):
        totals[row[:-1]] += row[-1]
    return +totals


def rebuild(models=None) -> int:
    """Write every tally and mark afresh, in one transaction. Returns the number of actions marked.

    ``models`` gives the models by name, for the migration that fills the tables.
    """
    models = models or MODELS
    tally, mark, action = models["ActionTally"], models["ActionTallyMark"], models["ActionItem"]
    with transaction.atomic():
        tally.objects.all().delete()
        mark.objects.all().delete()
        totals = Counter()
        ids = list(action.objects.order_by("pk").values_list("pk", flat=True))
        for _start, chunk in chunks(ids):
            found = shares_of(chunk, models=models)
            mark.objects.bulk_create(
                [mark(action_item_id=pk, shares=encode(shared)) for pk, shared in found.items()],
                batch_size=CHUNK,
            )
            for shared in found.values():
                totals.update(shared)
        ROWS.write(totals, tally)
    return len(ids)


def deferred():
    """Within the block, changed actions are noted and their tallies brought up to date at its end,
    in one pass: for a write of many rows (a cascade of deletes, an import). Nest it inside the
    transaction of the writes."""
    return tally_rows.deferred(deferring, refresh)


# Reading ------------------------------------------------------------------------------------------


def unpublished_shares(kinds) -> Counter:
    """What the actions of unpublished meetings add to tallies of these kinds, from their marks.

    One query, remembered until the record changes (a scheduled publication coming due moves it).
    """
    from . import versions

    def read():
        unpublished = ActionItem.objects.filter(outcome__meeting__in=Meeting.objects.unpublished())
        taken = Counter()
        for marked in ActionTallyMark.objects.filter(action_item_id__in=unpublished.values("pk")).values_list(
            "shares", flat=True
        ):
            taken.update(decode(marked))
        return taken

    taken = versions.cached("unpublished-shares", read)
    return Counter({share_key: count for share_key, count in taken.items() if share_key[0] in kinds})


def blank_counts() -> dict:
    return {"total": 0, **dict.fromkeys(ActionStatus.values, 0), "open": 0, "overdue": 0, "withdrawn": 0}


def due_counts(kinds, today=None, participant=None) -> dict:
    """Published actions counted as ``tally_aggregates`` does, by owner (see the callers).

    An open action is overdue when due in a year before this one (the ``kinds[0]`` rows, by year
    due), in a month of this year before this one (``kinds[1]``, by month, read for this year
    only), or on a day of this month before today (``kinds[2]``, by day, read for this month only).
    Two queries: the tallies, and the unpublished actions' marks (remembered).
    """
    today = today or timezone.localdate()
    by_year, by_month, by_day = kinds
    month, january = today.replace(day=1), today.replace(month=1, day=1)
    rows = ActionTally.objects.filter(
        Q(kind=by_year)
        | Q(kind=by_month, day__gte=january, day__lt=month)
        | Q(kind=by_day, day__gte=month, day__lt=today)
    )
    if participant is not None:
        rows = rows.filter(participant=participant)
    counts = defaultdict(blank_counts)

    def add(owner, status, count, overdue):
        tallied = counts[owner]
        if overdue:
            tallied["overdue"] += count
            return
        tallied["total"] += count
        tallied[status] += count
        if status in OPEN_STATUSES:
            tallied["open"] += count
        elif status in WITHDRAWN:
            tallied["withdrawn"] += count

    for kind, owner, status, count, before in (
        rows.values_list("kind", "participant", "status")
        .annotate(n=Sum("count"), before=Sum("count", filter=Q(year__lt=today.year)))
        .order_by()
    ):
        if kind == by_year:
            add(owner, status, count, overdue=False)
            add(owner, status, before or 0, overdue=True)
        else:
            add(owner, status, count, overdue=True)
    for share_key, count in unpublished_shares(set(kinds)).items():
        kind, owner, status, year, day = share_key[0], share_key[1], share_key[2], share_key[3], share_key[5]
        if participant is not None and owner != participant.pk:
            continue
        if kind == by_year:
            add(owner, status, -count, overdue=False)
            if year is not None and year < today.year:
                add(owner, status, -count, overdue=True)
        elif (kind == by_month and january <= day < month) or (kind == by_day and month <= day < today):
            add(owner, status, -count, overdue=True)
    return {owner: tallied for owner, tallied in counts.items() if tallied["total"]}


def owner_counts(today=None, participant=None) -> dict:
    """Published actions by owner (None: those without one), counted as ``tally_aggregates`` does,
    or those ``participant`` owns alone. Two queries (``due_counts``)."""
    return due_counts((TallyKind.OWNER, TallyKind.OWNER_MONTH, TallyKind.OWNER_DAY), today, participant)


def published_status_counts(today=None) -> dict:
    """``ActionItem.objects.published_status_tallies()``, from the tallies: two queries."""
    kinds = (TallyKind.STATUS, TallyKind.STATUS_MONTH, TallyKind.STATUS_DAY)
    return due_counts(kinds, today).get(None) or blank_counts()


def status_by_year() -> dict:
    """Published actions by year of their meeting (None: undated) and status: {year: {status: n}}."""
    totals = Counter(
        {
            key(TallyKind.YEAR, status=status, year=year): count
            for year, status, count in ActionTally.objects.filter(kind=TallyKind.YEAR)
            .values_list("year", "status")
            .annotate(n=Sum("count"))
            .order_by()
        }
    )
    totals.subtract(unpublished_shares({TallyKind.YEAR}))
    by_year = {}
    for share_key, count in totals.items():
        if count:
            by_year.setdefault(share_key[3], {})[share_key[2]] = count
    return by_year


def median_days() -> dict:
    """The median days from meeting to completion of each owner's completed published actions,
    and how many were timed: {owner: (median, timed)}.

    The ranges of days (``days_range``) tell in which range the middle values lie; only the days
    of those ranges are read. Two queries, and the unpublished actions' marks.
    """
    taken = unpublished_shares({TallyKind.DAYS, TallyKind.DAYS_RANGE})
    ranges = defaultdict(Counter)
    for owner, start, count in (
        ActionTally.objects.filter(kind=TallyKind.DAYS_RANGE)
        .values_list("participant", "days")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        ranges[owner][start] += count
    for share_key, count in taken.items():
        if share_key[0] == TallyKind.DAYS_RANGE:
            ranges[share_key[1]][share_key[7]] -= count
    wanted = {}
    for owner, counted in ranges.items():
        counted = +counted
        size = sum(counted.values())
        if not size:
            continue
        middle = {(size - 1) // 2, size // 2}
        seen = 0
        for start in sorted(counted):
            # The positions this range holds: [seen, seen + its count).
            if any(seen <= position < seen + counted[start] for position in middle):
                wanted.setdefault(owner, []).append((start, seen))
            seen += counted[start]
        wanted[owner] = (size, wanted[owner])
    if not wanted:
        return {}
    # One span of days holding every wanted range: the owners' medians lie close together, and one
    # plain condition reads faster than a condition for each range.
    starts = [start for _size, owned in wanted.values() for start, _seen in owned]
    in_ranges = Q(kind=TallyKind.DAYS, days__gte=min(starts), days__lt=max(starts) + DAYS_RANGE)
    days = defaultdict(Counter)
    for owner, span, count in (
        ActionTally.objects.filter(in_ranges)
        .values_list("participant", "days")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        days[owner][span] += count
    for share_key, count in taken.items():
        if share_key[0] == TallyKind.DAYS and share_key[1] in days:
            days[share_key[1]][share_key[7]] -= count
    return {owner: (middle_of(size, starts, days[owner]), size) for owner, (size, starts) in wanted.items()}


def middle_of(size, starts, days) -> float:
    """The median of ``size`` values, given the ranges holding its middle and their values."""
    found = {}
    for start, seen in starts:
        position = seen
        for span in sorted(span for span in days if start <= span < start + DAYS_RANGE):
            for taken in range(days[span]):
                found[position + taken] = span
            position += days[span]
    lower, upper = found[(size - 1) // 2], found[size // 2]
    return lower if size % 2 else (lower + upper) / 2


def overdue_counts(today=None) -> tuple:
    """For the overdue-over-time chart: (first year, actions charted, {year: overdue at its end}).

    Past years from the ``late`` ranges, the present one from the ``late_now`` spans that hold
    tomorrow: one query, and the unpublished actions' marks.
    """
    today = today or timezone.localdate()
    taken = unpublished_shares({TallyKind.DATED, TallyKind.LATE, TallyKind.LATE_NOW})
    tomorrow = today + ONE_DAY
    holds_tomorrow = Q(day__lte=tomorrow) & (Q(until_day__isnull=True) | Q(until_day__gte=tomorrow))
    dated, late, now = Counter(), Counter(), 0
    for kind, year, until, count, today_count in (
        ActionTally.objects.filter(kind__in=[TallyKind.DATED, TallyKind.LATE, TallyKind.LATE_NOW])
        .values_list("kind", "year", "until_year")
        .annotate(n=Sum("count"), now=Sum("count", filter=holds_tomorrow))
        .order_by()
    ):
        if kind == TallyKind.DATED:
            dated[year] += count
        elif kind == TallyKind.LATE:
            late[(year, until)] += count
        else:
            now += today_count or 0
    for share_key, count in taken.items():
        kind, year, until = share_key[0], share_key[3], share_key[4]
        if kind == TallyKind.DATED:
            dated[year] -= count
        elif kind == TallyKind.LATE:
            late[(year, until)] -= count
        elif share_key[5] <= tomorrow and (share_key[6] is None or share_key[6] >= tomorrow):
            now -= count
    years = [year for year, count in dated.items() if count]
    first_year = min(years, default=None)
    points = {}
    if first_year is not None:
        for year in range(first_year, today.year):
            points[year] = sum(
                count
                for (start, until), count in late.items()
                if start <= year and (until is None or until >= year)
            )
        points[today.year] = now
    return first_year, sum(dated.values()), points


# Keeping them --------------------------------------------------------------------------------------


def action_changed(sender, instance, **kwargs):
    refresh([instance.pk])


def part_changed(sender, instance, **kwargs):
    refresh([instance.action_item_id])


def outcome_changed(sender, instance, **kwargs):
    refresh(ActionItem.objects.filter(outcome=instance.pk).values_list("pk", flat=True))


def meeting_changed(sender, instance, **kwargs):
    refresh(ActionItem.objects.filter(outcome__meeting=instance.pk).values_list("pk", flat=True))


def connect():
    """Keep the tallies on every save and delete of what an action's share is read from."""
    uid = "meetings.tallies"
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(action_changed, sender=ActionItem, dispatch_uid=f"{uid}.action.{name}")
        signal.connect(part_changed, sender=ActionOwner, dispatch_uid=f"{uid}.owner.{name}")
        signal.connect(part_changed, sender=ProgressUpdate, dispatch_uid=f"{uid}.update.{name}")
    # Deleted, their actions go with them, and say so themselves.
    post_save.connect(outcome_changed, sender=Outcome, dispatch_uid=f"{uid}.outcome.save")
    post_save.connect(meeting_changed, sender=Meeting, dispatch_uid=f"{uid}.meeting.save")
