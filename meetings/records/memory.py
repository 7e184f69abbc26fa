"""Memory held a batch at a time by the records' long loops: an import, an export of the archive.

Model instances read with their parts refer to one another (a part's foreign key holds its record,
whose prefetched parts hold it), so only the cycle collector frees a batch done with; left to
itself it goes through memory as old as a batch's only once that has grown by a quarter, and through
everything the process holds each time. Within ``collected_by_batch``, ``let_go`` after each batch
frees it at once and looks at the batch alone.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def let_go() -> None:
    """Free the rows of a batch done with, now: memory stays at one batch; within
    ``collected_by_batch`` the collection passes over what was there before, frozen."""
    gc.collect()


@contextmanager
def collected_by_batch() -> Iterator[None]:
    """Within, ``let_go`` goes through what the loop allocated only: what the process held before
    (Django, its models and settings, a web server's or worker's own) is frozen out of the cycle
    collector's reach (``gc.freeze``) until the end, so that a collection costs a batch, not the
    process (0.1 s a batch otherwise). The collector's own collections are off meanwhile: with
    ``let_go`` after every batch they find nothing it would not, and cost 5 % of an import.

    The collector is the process's: nested, or in two threads at once, the first to enter freezes
    and the last to leave gives the collector back, as it was."""
    global _within, _was_enabled
    with _lock:
        if not _within:
            gc.freeze()
            _was_enabled = gc.isenabled()
            gc.disable()
        _within += 1
    try:
        yield
    finally:
        with _lock:
            _within -= 1
            if not _within:
                if _was_enabled:
                    gc.enable()
                gc.unfreeze()


# How many loops are within collected_by_batch, and whether the collector was on before the first.
_lock = threading.Lock()
_within = 0
_was_enabled = True
