"""Reference-point selection (moo.decision.reference) on hand-made fronts."""

from __future__ import annotations

import numpy as np
import pytest

from moo.decision.reference import asf, reference_point
from moo.decision.select import select
from moo.exact.scalarised import RHO
from moo.util.normalization import Normalization
from tests.decision.fronts import CONVEX, NONCONVEX


def test_reference_point_convex_front_hand_computed():
    pick = reference_point(CONVEX, {"cost": 5.0, "peak_valley": 5.0})
    assert pick.index == 1
    # max(0.5 - 0.5, 0.5 - 0.5) + RHO * (0.5 + 0.5 + 0.5)
    assert pick.score == pytest.approx(1.5 * RHO)
    scores = asf(CONVEX, pick.aspiration, Normalization.of_front(CONVEX))
    np.testing.assert_allclose(scores, [0.5 + 2 * RHO, 1.5 * RHO, 0.5 + RHO])


def test_reference_point_reaches_the_nonconvex_dent_no_weighted_sum_can():
    pick = reference_point(NONCONVEX, {"cost": 0.6, "variance": 0.6})
    assert pick.index == 1
    weight_picks = {select(NONCONVEX, [w, 1 - w, 0.0]).index for w in np.linspace(0, 1, 101)}
    assert 1 not in weight_picks


def test_reference_point_unnamed_objective_only_breaks_ties():
    # Same cost; row 0 has the worse variance: the augmentation term picks row 1.
    f = np.array([[1.0, 9.0, 3.0], [1.0, 2.0, 3.0], [4.0, 1.0, 1.0]])
    assert reference_point(f, {"cost": 1.0}).index == 1


def test_reference_point_ties_and_one_point_front():
    dup = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 1.0, 1.0]])
    assert reference_point(dup, {"cost": 1.0}).index == 0
    one = reference_point(np.array([[3.0, 4.0, 5.0]]), {"cost": 1.0, "variance": 9.0})
    assert one.index == 0 and one.score == 0.0  # no range: every coordinate maps to 0


def test_reference_point_on_a_constant_objective_falls_back_to_the_augmentation():
    # peak_valley is 7 everywhere: the max is empty; normalised sums are 1, 1.2, 1.
    assert reference_point(NONCONVEX, {"peak_valley": 3.0}).index == 0
