"""Memory held a batch at a time by the records' long loops: an import, an export of the archive.

Model instances read with their parts refer to one another (a part's foreign key holds its record,
whose prefetched parts hold it), so only the cycle collector frees a batch done with; left to
itself it goes through memory as old as a batch's only once that has grown by a quarter, and through
everything the process holds each time. Within ``collected_by_batch``, ``let_go`` after each batch
frees it at once and looks at the batch alone.
"""

import gc
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
    Nested, it is the outer one's."""
    global _frozen
    if _frozen:
        yield  # within another already
        return
    _frozen = True
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
        _frozen = False


_frozen = False
