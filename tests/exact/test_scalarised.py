"""Exact epsilon-constraint and ASF QPs on the building preset, and the exact trade-off
rates against the weights of the QPs that produced the points."""

from __future__ import annotations

import numpy as np
import pytest

from models.scenario import load_scenario
from moo.decision.tradeoffs import hyperplane_rates, rates_from_normal
from moo.exact.front import ExactModel
from moo.exact.scalarised import asf_value, solve_asf, solve_epsilon
from moo.util.normalization import Normalization

# Building's exact front spans these (USD, kW^2, kW); any fixed box will do for the tests.
NORM = Normalization(np.array([1215.66, 10080.6, 229.221]), np.array([1337.41, 35243.5, 572.555]))


@pytest.fixture(scope="module")
def model():
    return ExactModel(load_scenario("building"))


@pytest.fixture(scope="module")
def weighted(model):
    """Weighted-QP optima: w0 first, then w0 moved 0.15 towards each vertex."""
    w0 = np.array([0.4, 0.35, 0.25])
    ws = [w0] + [w0 + 0.15 * (e - w0) for e in np.eye(3)]
    sols = [model.solve_weighted(w, NORM.ideal, NORM.nadir) for w in ws]
    assert all(s.feasible for s in sols)
    return np.array(ws), np.array([s.objectives for s in sols])


def test_epsilon_constraint_is_active_and_beats_every_weighted_point_within_it(model, weighted):
    sol = solve_epsilon(model, 0, [(2, 300.0)], NORM)
    assert sol.feasible
    cost, _, pv = sol.objectives
    # The cost optimum has peak-to-valley far above 300 kW: the bound binds.
    assert pv == pytest.approx(300.0, abs=1e-3)
    _, f = weighted
    within = f[f[:, 2] <= 300.0]
    assert len(within) and (cost <= within[:, 0] + 1e-6).all()
    assert cost > NORM.ideal[0]


def test_epsilon_constraint_two_bounds_and_infeasible(model):
    one = solve_epsilon(model, 0, [(2, 300.0)], NORM)
    # The one-bound optimum has variance about 13,400 kW^2: a 15,000 bound does not bind.
    two = solve_epsilon(model, 0, [(2, 300.0), (1, 15000.0)], NORM)
    assert two.feasible and two.objectives[1] <= 15000.0
    np.testing.assert_allclose(two.objectives, one.objectives, rtol=1e-5)
    low = solve_epsilon(model, 0, [(2, 100.0)], NORM)  # below the 229 kW optimum
    assert not low.feasible


def test_asf_projection_is_no_worse_than_the_weighted_points(model, weighted):
    z = np.array([1250.0, np.nan, 300.0])
    sol = solve_asf(model, z, NORM)
    assert sol.feasible
    best = asf_value(sol.objectives, z, NORM)
    _, f = weighted
    assert all(best <= asf_value(p, z, NORM) + 1e-6 for p in f)
    # Cost and peak-to-valley miss their levels by the same normalised amount (the max is
    # attained by both at an optimum that cannot meet both).
    gaps = (sol.objectives - np.nan_to_num(z)) / NORM.span
    assert gaps[0] == pytest.approx(gaps[2], abs=1e-4)


def test_exact_rates_contain_the_qp_weights(weighted):
    ws, f = weighted
    box = np.vstack([NORM.ideal, NORM.nadir])  # the normalisation the QPs used
    r = hyperplane_rates(f, f[0], box)
    assert r.normal is not None
    expected = rates_from_normal(ws[0], NORM, f[0, 1])
    for pair, value in expected.items():
        low, high = r.ranges[pair]
        assert low - 1e-6 <= value <= (np.inf if high is None else high + 1e-6), pair
