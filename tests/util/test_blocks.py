"""Vehicle blocks (moo.util.blocks): they cover the fleet once, in order, within the size."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from moo.util.blocks import vehicle_blocks


@given(st.integers(0, 500), st.integers(1, 200), st.integers(1, 5000))
def test_blocks_cover_every_vehicle_once_within_the_limit(n, per_vehicle, limit):
    blocks = vehicle_blocks(n, per_vehicle, limit)
    covered = [i for b in blocks for i in range(b.start, b.stop)]
    assert covered == list(range(n))
    size = max(1, limit // per_vehicle)
    assert all(0 < b.stop - b.start <= size for b in blocks) or n == 0
    assert len(blocks) == max(1, -(-n // size))


def test_a_million_vehicle_schedule_comes_in_blocks_of_32_mb():
    blocks = vehicle_blocks(1_000_000, 96)
    assert blocks[0] == slice(0, 41_666) and blocks[-1].stop == 1_000_000
    assert len(blocks) == 25
