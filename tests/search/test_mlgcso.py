"""MLGCSO (moo.search.mlgcso): the multi-level partition of the swarm into units."""

from __future__ import annotations

import numpy as np
import pytest

from moo.search.mlgcso import UNIT_SIZES, partition

# --- MLGCSO units ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 36, 100, 101])
def test_partition_levels_unit_sizes_and_cover(n):
    units = partition(n, np.random.default_rng(n))
    flat = np.concatenate(units)
    assert sorted(flat.tolist()) == list(range(n))  # every particle in exactly one unit
    levels = np.array_split(np.arange(n), 3)  # sizes differ by at most 1, larger first
    for level, size in zip(levels, UNIT_SIZES, strict=True):
        mine = [u for u in units if np.isin(u, level).any()]
        assert all(np.isin(u, level).all() for u in mine)  # a unit never spans two levels
        sizes = sorted((len(u) for u in mine), reverse=True)
        full, rest = divmod(len(level), size)
        assert sizes == [size] * full + ([rest] if rest else [])
    assert all((np.diff(u) > 0).all() for u in units)  # best (lowest rank position) first


def test_partition_thirds_of_100_and_learners():
    units = partition(100, np.random.default_rng(0))
    assert sorted(len(u) for u in units if u[0] < 34) == [2] + [4] * 8
    assert sorted(len(u) for u in units if 34 <= u[0] < 67) == [3] * 11
    assert sorted(len(u) for u in units if u[0] >= 67) == [1] + [2] * 16
    assert sum(len(u) - 1 for u in units) == 25 + 22 + 16


def test_partition_is_redrawn_from_the_generator():
    rng = np.random.default_rng(5)
    a, b = partition(30, rng), partition(30, rng)
    assert any(not np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    again = partition(30, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, again, strict=True))
