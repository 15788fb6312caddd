"""The wait-and-see reference is never above the realised score of any plan on the same
realised day, for the same weights (exact QP and lower bound), on small sites."""

from __future__ import annotations

import copy
import tomllib

import numpy as np
import pytest

from models.errors import InputError
from models.scenario import build_scenario, load_scenario
from moo.decision.ahp import load_default_judgements
from moo.exact.wait_and_see import realised_scores, wait_and_see
from moo.problems.baselines import baseline
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.uncertainty.evaluate import evaluate_plans
from moo.uncertainty.plan import plans_from_schedules
from moo.util.normalization import Normalization
from tests.conftest import MINIMAL, SITE_TOML

UNCERTAIN = {"no_show": 0.2, "departure_error": {"std_h": 1.5},
             "base_load": {"sigma": 0.1, "rho_h": 0.8}, "pv": {"sigma": 0.3, "rho_h": 0.8}}
N = 4
TOL = 1e-6


@pytest.fixture(scope="module", params=["minimal", "site"])
def case(request):
    """Plans of random aggregate schedules and the uncoordinated baseline, evaluated."""
    data = copy.deepcopy(MINIMAL) if request.param == "minimal" else tomllib.loads(SITE_TOML)
    data["uncertainty"] = UNCERTAIN
    s = build_scenario(data)
    p = AggregateProblem(s, 1)
    x = p.repair(np.random.default_rng(3).uniform(size=(4, p.n_var)))
    ev, bess, _ = p.schedules(x)
    ev = np.concatenate([ev, baseline(s, "uncoordinated")[None]])
    if bess is not None:
        bess = np.concatenate([bess, np.zeros((1, s.slots))])
    net = s.grid.net_base_kw + ev.sum(axis=1) + (0.0 if bess is None else bess)
    plans = plans_from_schedules(s, net, bess, ev)
    f = evaluate(s, ev, bess)[list(OBJECTIVES)].to_numpy()
    return s, evaluate_plans(s, plans, N), Normalization.of_front(f)


@pytest.mark.parametrize("mode", ["economy", "response"])
@pytest.mark.parametrize("method", ["exact", "bound"])
def test_wait_and_see_is_never_above_a_realised_score(case, mode, method):
    s, ev, norm = case
    w = load_default_judgements().weights(mode).weights
    ws = wait_and_see(s, w, norm, N, method=method)
    scores = realised_scores(ev.table, w, norm)  # [S, N]
    assert list(scores.columns) == list(ws.realisations)
    slack = TOL * max(1.0, float(np.abs(scores.to_numpy()).max()))
    assert (ws.lower[None, :] <= scores.to_numpy() + slack).all()
    assert (ws.lower <= ws.value + slack).all() and (ws.method == method).all()
    if method == "exact":  # the schedule found is one the day allows: its score is its own
        f = ws.objectives
        np.testing.assert_allclose(norm.scalarized(f, w)[0], ws.value, rtol=1e-9, atol=1e-9)


def test_bound_is_below_the_exact_relaxation(case):
    s, _, norm = case
    w = load_default_judgements().weights("economy").weights
    exact = wait_and_see(s, w, norm, 2, method="exact")
    bound = wait_and_see(s, w, norm, 2, method="bound")
    assert (bound.lower <= exact.lower + TOL * np.abs(exact.lower).max()).all()
    auto = wait_and_see(s, w, norm, [0], method="auto")
    assert auto.method.tolist() == ["exact"]  # a few vehicle-slots fit the QP
    assert len(auto.table()) == 1 and set(OBJECTIVES) <= set(auto.table().columns)


def test_bad_arguments():
    s = load_scenario("building")
    norm = Normalization(np.zeros(3), np.ones(3))
    with pytest.raises(InputError, match="method"):
        wait_and_see(s, [1, 0, 0], norm, 1, method="guess")
    with pytest.raises(InputError, match="weights"):
        wait_and_see(s, [1, -1, 0], norm, 1)
