"""The cycle collector within the records' long loops (``meetings.records.memory``)."""

import gc
import threading

import pytest

from meetings.records import memory


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_within_and_back_on_after(collector_on):
    with memory.collected_by_batch():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_loops_that_overlap_give_the_collector_back_when_the_last_ends(collector_on):
    """Two exports in two threads of one process: the first to end leaves the collector off for the
    other, which gives it back."""
    first, second = memory.collected_by_batch(), memory.collected_by_batch()
    first.__enter__()
    in_thread = threading.Thread(target=second.__enter__)
    in_thread.start()
    in_thread.join()
    try:
        first.__exit__(None, None, None)
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        second.__exit__(None, None, None)  # whatever failed, the other tests get the collector back
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with memory.collected_by_batch(), memory.collected_by_batch():
        pass
    assert not gc.isenabled()
