"""Comparing the tallies kept on write (meetings.tallies, meetings.attendance_tallies) with a count
from scratch."""

from meetings import attendance_tallies, tallies


def assert_tallies_match_a_recount():
    """Every tally row, key by key, is what counting every action and every row of attendance
    afresh gives."""
    for module in (tallies, attendance_tallies):
        expected, kept = module.recount(), module.stored()
        differing = {
            key: (kept[key], expected[key]) for key in set(expected) | set(kept) if kept[key] != expected[key]
        }
        assert differing == {}, f"{module.__name__} (kept, counted) that differ from a recount"
