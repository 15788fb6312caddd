"""Knees and trade-off mu (moo.decision.knees) on hand-made fronts."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

from moo.decision.knees import knees, tradeoffs_mu
from moo.util.normalization import Normalization
from tests.decision.fronts import CONVEX


def _bent_front() -> tuple[np.ndarray, int]:
    """Two straight pieces meeting at (0.1, 0.1): a sharp knee; the third objective flat."""
    a = np.column_stack([np.linspace(0.0, 0.1, 11), np.linspace(1.0, 0.1, 11)])
    b = np.column_stack([np.linspace(0.1, 1.0, 11)[1:], np.linspace(0.1, 0.0, 11)[1:]])
    f = np.column_stack([np.vstack([a, b]), np.full(21, 4.0)])
    return f, 10


def test_knee_of_a_bent_front():
    f, knee = _bent_front()
    found = knees(f)
    assert found.rows == (knee,)
    # Leaving the knee along either piece: 0.09 lost per 0.01 won.
    assert found.mu[knee] == pytest.approx(9.0)


def test_knees_none_on_a_straight_front_and_tiny_fronts():
    line = np.column_stack([np.linspace(0, 1, 15), np.linspace(1, 0, 15), np.zeros(15)])
    assert knees(line).rows == ()
    assert knees(CONVEX[:2]).rows == ()
    assert knees(CONVEX[:1]).rows == ()


def test_mu_matches_pymoo_at_its_hard_coded_epsilon_and_uses_ours_otherwise():
    rng = np.random.default_rng(3)
    x = rng.random((40, 2))
    f = np.column_stack([x, 1.5 - x.sum(axis=1)])  # a plane: mutually non-dominated
    z = Normalization.of_front(f).apply(f)
    ours = tradeoffs_mu(z, 0.125)
    # pymoo's _do computes the same mu (it always uses 0.125); rebuild it from its pieces.
    dm = HighTradeoffPoints(epsilon=0.5)
    assert dm.epsilon == 0.5  # stored, but ignored by _do in pymoo 0.6.x
    wide = tradeoffs_mu(z, 0.5)
    brute = []
    for i in range(len(z)):
        near = np.linalg.norm(z - z[i], axis=1) <= 0.5
        diff = z[near] - z[i]
        s, g = np.maximum(0, diff).sum(axis=1), np.maximum(0, -diff).sum(axis=1)
        brute.append((s[g > 0] / g[g > 0]).min())
    np.testing.assert_allclose(wide, brute)
    assert not np.allclose(ours, wide)
