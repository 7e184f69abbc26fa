"""Tables of counts by key kept on write: the rows of the actions' tallies (``meetings.tallies``)
and of the attendance's (``meetings.attendance_tallies``), added to the same way.

A change is a ``Counter`` of keys (tuples of the key columns' values). A small one is added row by
row; a change of many keys is merged in bulk, in a fixed number of queries. A key may be spread
over several rows (two writers at once may each add a row for a new key): every reader sums them.
"""

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import F

from . import bulk

CHUNK = 2000


def plain(key: tuple) -> tuple:
    """``key`` with its choices as the plain text the database gives back: a choice equals its
    text but does not hash alike, so a dictionary would tell them apart."""
    return tuple(value.value if isinstance(value, enum.Enum) else value for value in key)


@dataclass(frozen=True)
class TallyRows:
    """The rows of ``model``: the columns ``key`` (attribute names) and the count ``count``."""

    model: type[models.Model]
    key: tuple[str, ...]
    count: str

    def key_filter(self, key: tuple) -> dict:
        return dict(zip(self.key, key, strict=True))

    def add(self, change: Counter, bulk_keys: int, merged: bool = False) -> None:
        """Add ``change``: row by row up to ``bulk_keys`` keys, else (or if ``merged``) merged in
        bulk (``merge``)."""
        change = {key: count for key, count in change.items() if count}
        if not change:
            return
        if merged or len(change) > bulk_keys:
            self.merge(change)
            return
        manager = self.model.objects
        for key, count in change.items():
            row = manager.filter(**self.key_filter(key)).values_list("pk", flat=True).first()
            # Another writer may have emptied and deleted the row since: then it is added anew.
            if row is None or not manager.filter(pk=row).update(**{self.count: F(self.count) + count}):
                manager.create(**self.key_filter(key), **{self.count: count})
            else:
                manager.filter(pk=row, **{self.count: 0}).delete()

    def merge(self, change: dict) -> None:
        """Add a change of many keys: each row of a key it changes is replaced by one row of the
        sum (none of count 0), and each new key gets its row; the other rows are left alone, so the
        work follows the size of the change, not of the table, but for one read of its keys."""
        totals = Counter({plain(key): count for key, count in change.items()})
        replaced = []
        for pk, *key, count in self.model.objects.values_list("pk", *self.key, self.count).iterator(
            chunk_size=CHUNK
        ):
            key = tuple(key)
            if key in totals:
                totals[key] += count
                replaced.append(pk)
        for start in range(0, len(replaced), CHUNK):
            self.model.objects.filter(pk__in=replaced[start : start + CHUNK]).delete()
        self.write(totals)

    def write(self, totals: Counter, model: type[models.Model] | None = None) -> None:
        """Insert a row for each key of ``totals`` not 0 (into ``model``: a migration's own)."""
        bulk.insert(
            model or self.model,
            (*self.key, self.count),
            ((*key, count) for key, count in totals.items() if count),
        )


@contextmanager
def deferred(deferring: ContextVar, refresh: Callable[[Iterable[int]], None]) -> Iterator[None]:
    """Within the block, the ids ``refresh`` is called with are noted in ``deferring`` (which
    ``refresh`` reads) and refreshed in one call at its end; a block within another waits for the
    outer one's end."""
    if deferring.get() is not None:
        yield
        return
    pending = set()
    token = deferring.set(pending)
    try:
        yield
    finally:
        deferring.reset(token)
    refresh(pending)
