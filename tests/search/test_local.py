"""Local search (moo.search.local): the anchors' moves fit a deadline."""

from moo.search.local import PROBE_MOVES, Polisher, moves_within


def test_moves_are_capped_by_the_time_left_and_never_raised(presets):
    polisher = Polisher(presets["building"])
    assert moves_within(polisher, 10**6, 1e9) == 10**6  # plenty of time: unchanged
    assert moves_within(polisher, 10**6, 0.0) == PROBE_MOVES  # no time: the floor
    assert moves_within(polisher, 10, 0.0) == 10  # never more than asked
    capped = moves_within(polisher, 10**9, 1.0)
    assert PROBE_MOVES <= capped < 10**9
