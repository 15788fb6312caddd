"""Encodings (moo.problems.encodings): block dispatch, repair memo, the auto rule."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from moo.kernels import population as kernels
from moo.problems.encodings import (
    VEHICLE_SLOTS_MAX,
    AggregateProblem,
    AggregateRepair,
    VehicleProblem,
    auto_encoding,
    make_problem,
    resolve_encoding,
)
from moo.problems.objectives import OBJECTIVES, evaluate
from tests.kernels.test_population import random_scenario


@pytest.mark.parametrize("clusters,limit", [(1, None), (3, 240.0)])
def test_a_population_dispatches_as_its_individuals_do_alone(clusters, limit):
    """Blocks of individuals share one pass over the vehicles; nothing leaks between lanes."""
    sc = random_scenario(11, n=30, import_limit=limit)
    prob = AggregateProblem(sc, clusters)
    X = np.random.default_rng(3).uniform(size=(kernels.BLOCK * 2 + 7, prob.n_var))
    ev, b, real, rep, exc = prob.dispatch(X, store=True)
    for s in (0, 5, kernels.BLOCK, len(X) - 1):
        ev1, b1, real1, rep1, exc1 = prob.dispatch(X[s : s + 1], store=True)
        np.testing.assert_allclose(ev[s], ev1[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b[s], b1[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(real[s], real1[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(rep[s], rep1[0], rtol=1e-12, atol=1e-12)
        assert exc[s] == pytest.approx(exc1[0], abs=1e-12)



def test_repaired_offspring_are_dispatched_once_and_scored_as_their_schedule(monkeypatch):
    sc = random_scenario(12, n=20)
    prob = AggregateProblem(sc)
    X = np.random.default_rng(4).uniform(size=(9, prob.n_var))
    Xr = AggregateRepair()._do(prob, X)  # what pymoo's mating calls
    calls = []
    real_dispatch = prob.dispatch
    monkeypatch.setattr(
        prob, "dispatch", lambda x, store: calls.append(len(x)) or real_dispatch(x, store)
    )
    F = prob.evaluate(Xr, return_values_of=["F"])
    assert calls == []  # every row came from the repair's dispatch
    prob.evaluate(Xr[:2], return_values_of=["F"])  # the memo was used up: dispatched again
    assert calls == [2]
    ref = evaluate(sc, *prob.schedules(Xr)[:2])[list(OBJECTIVES)].to_numpy()
    np.testing.assert_allclose(F, ref, rtol=1e-9, atol=1e-9)


def test_auto_encoding_follows_the_plugged_vehicle_slots():
    small = random_scenario(13, n=5)
    assert small.fleet.plugged_slots() <= VEHICLE_SLOTS_MAX
    assert resolve_encoding(small, "auto") == auto_encoding(small) == "vehicle"
    assert resolve_encoding(small, "aggregate") == "aggregate"
    problem, repair = make_problem(small, "aggregate", clusters=2)
    assert isinstance(problem, AggregateProblem) and isinstance(repair, AggregateRepair)
    assert isinstance(make_problem(small)[0], VehicleProblem)
    with pytest.raises(InputError, match="unknown encoding 'cluster'"):
        resolve_encoding(small, "cluster")
