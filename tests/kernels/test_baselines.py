"""Ordered-baseline kernels (moo.kernels.baselines) against their numpy twin."""

import numpy as np
import pytest

from moo.kernels.baselines import water_fill, water_fill_reference


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_water_fill_places_the_energy_under_one_level(seed):
    rng = np.random.default_rng(seed)
    level = rng.uniform(0, 100, size=24)
    cap = rng.choice([0.0, 3.7, 7.0, 11.0], size=24)
    energy = 0.6 * cap.sum() * 0.25
    p = water_fill(level, cap, energy, 0.25)
    assert p.sum() * 0.25 == pytest.approx(energy, rel=1e-12)
    assert np.all(p >= 0) and np.all(p <= cap + 1e-12)
    top = level + p
    filling = (p > 1e-9) & (p < cap - 1e-9)  # slots filled up to the water level
    assert np.ptp(top[filling]) < 1e-9
    empty = (p <= 1e-9) & (cap > 0)  # could take power but got none: above the level
    assert np.all(level[empty] >= top[filling].max() - 1e-9)
    np.testing.assert_array_equal(water_fill(level, cap, 1e9, 0.25), cap)
    np.testing.assert_array_equal(water_fill(level, cap, 0.0, 0.25), np.zeros(24))
    np.testing.assert_allclose(p, water_fill_reference(level, cap, energy, 0.25), atol=1e-9)
