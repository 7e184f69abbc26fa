"""Comparing the tallies kept on write (meetings.tallies) with a count from scratch."""

from meetings import tallies


def assert_tallies_match_a_recount():
    """Every tally row, key by key, is what counting every action afresh gives."""
    expected, kept = tallies.recount(), tallies.stored()
    differing = {
        share_key: (kept[share_key], expected[share_key])
        for share_key in set(expected) | set(kept)
        if kept[share_key] != expected[share_key]
    }
    assert differing == {}, "tallies (kept, counted) that differ from a recount"
