"""The energy-shift search over the aggregate encoding's requests (moo.search.shift)."""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest

from models.scenario import build_scenario
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.problems.scalar import ScalarProblem
from moo.search.nsga import seed_vectors
from moo.search.shift import BATCH, request_span_kw, score, shift_search
from moo.util.normalization import Normalization
from tests.conftest import MINIMAL


def v2g_scenario(import_limit_kw: float | None = None):
    """Eight V2G cars and a BESS over a two-price day (24 slots)."""
    data = copy.deepcopy(MINIMAL)
    data["grid"]["prices"] = [
        {"name": "day", "hours": [[8, 20]], "buy": 0.3, "sell": 0.2},
        {"name": "night", "hours": [[20, 8]], "buy": 0.1, "sell": 0.05},
    ]
    if import_limit_kw is not None:
        data["grid"]["import_limit_kw"] = import_limit_kw
    data["bess"] = {"capacity_kwh": 30.0, "p_charge_max_kw": 10.0, "p_discharge_max_kw": 10.0,
                    "soc_init": 0.5}
    group = data["fleet"]["groups"][0]
    group.update(count=8, p_discharge_max_kw=7.0, soc_target=0.8)
    return build_scenario(data)


def scalar_of(scenario, weights=(0.5, 0.3, 0.2)) -> ScalarProblem:
    """The weighted sum over the aggregate encoding, normalised by the two baselines."""
    inner = AggregateProblem(scenario)
    f = inner.evaluate(seed_vectors(inner, scenario), return_values_of=["F"])
    norm = Normalization(f.min(axis=0) * 0.5, f.max(axis=0))
    return ScalarProblem(inner, np.array(weights), norm)


def test_a_unit_step_of_a_variable_is_its_span_in_kw():
    problem = AggregateProblem(v2g_scenario())
    span = request_span_kw(problem)
    assert span.shape == (problem.n_var,) and (span > 0).all()
    x = np.full((1, problem.n_var), 0.5)
    req0, bess0 = problem.requests(x)
    step = np.zeros_like(x)
    step[0, [0, -1]] = 0.1  # the first cluster-slot and the last BESS slot
    req1, bess1 = problem.requests(x + step)
    np.testing.assert_allclose(req1[0, problem.active[0]] - req0[0, problem.active[0]],
                               0.1 * span[0])
    np.testing.assert_allclose(bess1[0, -1] - bess0[0, -1], 0.1 * span[-1])


def test_the_search_improves_a_baseline_never_worsens_and_counts_its_evaluations():
    scenario = v2g_scenario()
    problem = scalar_of(scenario)
    x0 = seed_vectors(problem.problem, scenario)[0]  # uncoordinated charging
    f0 = problem.evaluate(problem.problem.repair(x0[None]), return_values_of=["F"])[0, 0]
    x, f, spent = shift_search(problem, x0, 1 + 20 * BATCH, np.random.default_rng(0))
    assert f < f0 - 0.05  # tariff and flattening gains the uncoordinated profile leaves
    # Batches of BATCH moves plus their improving moves tried together, within the budget.
    assert 1 + BATCH < spent <= 1 + 20 * BATCH
    assert f == pytest.approx(problem.evaluate(x[None], return_values_of=["F"])[0, 0])
    # What is returned is a realised vector: repairing it again changes nothing.
    np.testing.assert_allclose(problem.problem.repair(x[None])[0], x, atol=1e-9)
    ev, bess, _ = problem.problem.schedules(x[None])
    assert feasibility.check(scenario, ev, bess).ok


def test_with_an_import_limit_a_feasible_start_stays_feasible():
    scenario = v2g_scenario(import_limit_kw=215.0)  # base load peaks at 200 kW
    problem = scalar_of(scenario)
    x0 = seed_vectors(problem.problem, scenario)[1]  # ordered charging
    assert score(problem, problem.problem.repair(x0[None]))[1][0] == 0.0
    x, _, _ = shift_search(problem, x0, 1 + 30 * BATCH, np.random.default_rng(1))
    assert score(problem, x[None])[1][0] == 0.0
    ev, bess, _ = problem.problem.schedules(x[None])
    assert feasibility.check(scenario, ev, bess).ok


def test_a_past_deadline_or_no_budget_returns_the_start():
    scenario = v2g_scenario()
    problem = scalar_of(scenario)
    x0 = seed_vectors(problem.problem, scenario)[0]
    start = problem.problem.repair(x0[None])[0]
    for kwargs in ({"evals": 10_000, "deadline": time.perf_counter()}, {"evals": BATCH}):
        evals = kwargs.pop("evals")
        x, _, spent = shift_search(problem, x0, evals, np.random.default_rng(2), **kwargs)
        assert spent == 1
        np.testing.assert_array_equal(x, start)
