"""A scheduling problem as one objective (`moo.problems.scalar`): the weighted sum of its
normalised objectives, its constraint and its repair passed through."""

from __future__ import annotations

import numpy as np

from moo.problems.encodings import make_problem
from moo.problems.scalar import ScalarProblem, ScalarRepair
from moo.util.normalization import Normalization
from tests.problems.conftest import two_vehicle_scenario


def test_the_scalar_is_the_weighted_normalised_sum_and_keeps_the_constraint():
    inner, repair = make_problem(two_vehicle_scenario(), "aggregate")
    X = repair._do(inner, np.random.default_rng(0).uniform(size=(5, inner.n_var)))
    F = inner.evaluate(X, return_values_of=["F"])
    norm = Normalization(F.min(axis=0), F.max(axis=0) + 1.0)
    weights = np.array([0.5, 0.3, 0.2])
    scalar = ScalarProblem(inner, weights, norm)
    assert scalar.n_obj == 1 and scalar.n_var == inner.n_var
    out = scalar.evaluate(X, return_as_dictionary=True)
    by_hand = ((F - norm.ideal) / (norm.nadir - norm.ideal)) @ weights
    np.testing.assert_allclose(out["F"][:, 0], by_hand, rtol=1e-12)
    np.testing.assert_allclose(out["objectives"], F)
    assert ("G" in out) == bool(inner.n_ieq_constr)


def test_the_repair_is_the_inner_problems():
    inner, repair = make_problem(two_vehicle_scenario(), "aggregate")
    scalar = ScalarProblem(inner, [1.0, 0.0, 0.0], Normalization(np.zeros(3), np.ones(3)))
    X = np.random.default_rng(1).uniform(size=(4, inner.n_var))
    np.testing.assert_array_equal(ScalarRepair(repair)._do(scalar, X), repair._do(inner, X))
