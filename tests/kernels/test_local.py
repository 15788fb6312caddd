"""Local-search kernels (moo.kernels.local): the objective kernel against its numpy twin,
and moves that keep a schedule feasible and never make the weighted objective worse."""

import numpy as np
import pytest

from moo.kernels.local import _objectives, objectives_reference
from moo.problems import feasibility
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.search.local import Polisher


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_objective_kernel_matches_its_numpy_twin(seed):
    rng = np.random.default_rng(seed)
    t, u = 24, 6
    net = rng.normal(50, 30, t)
    P = rng.normal(0, 5, (u, t))
    is_ev = np.array([True] * 5 + [False])
    buy, sell = rng.uniform(0.1, 0.4, t), rng.uniform(0.0, 0.1, t)
    got = _objectives(net, P, is_ev, buy, sell, 0.25, 0.03)
    np.testing.assert_allclose(got, objectives_reference(net, P, is_ev, buy, sell, 0.25, 0.03))


@pytest.mark.parametrize("coefs", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.1, 1e-3, 1.0]])
def test_polish_keeps_schedules_feasible_and_never_worse(presets, coefs):
    sc = presets["building"]
    polisher = Polisher(sc)
    start = polisher.start()
    P = polisher.polish(start, np.array([coefs]), 3000, np.random.default_rng(0))
    ev, bess = polisher.split(P)
    feasibility.assert_feasible(sc, ev, bess)

    def weighted(units):
        f = evaluate(sc, *polisher.split(units))[list(OBJECTIVES)].to_numpy()[0]
        return float(np.dot(coefs, f))

    assert weighted(P) <= weighted(start) + 1e-9
