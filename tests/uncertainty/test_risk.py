"""The risk-aware problem: the nominal day K times gives the deterministic front's
objectives, CVaR never below the mean, and a written risk-aware front whose objectives an
independent out-of-sample evaluation of its schedules on the training stream reproduces."""

from __future__ import annotations

import numpy as np
import pytest

from jobs.front import FrontSpec, run
from models.errors import InputError
from models.scenario import load_scenario
from models.uncertainty import TRAINING, nominal, realise
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir.run import read_run
from moo.search.nsga import Budget, FrontSettings, Memetic, RelaxSeeds, run_front
from moo.uncertainty.evaluate import Draw, cvar, evaluate_plans
from moo.uncertainty.plan import plans_from_run
from moo.uncertainty.recourse import MEASURES, RealisedDay, RealisedDays
from moo.uncertainty.risk import Risk, RiskProblem
from tests.conftest import UNCERTAIN_SITE_TOML, resumed_and_whole


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("risk") / "site.toml"
    path.write_text(UNCERTAIN_SITE_TOML)
    return path


def decisions(problem, n: int = 12, seed: int = 0) -> np.ndarray:
    return problem.repair(np.random.default_rng(seed).uniform(size=(n, problem.n_var)))


@pytest.mark.parametrize("name, clusters, dispatch",
                         [("building", 1, "laxity"), ("building", 3, "priority")])
@pytest.mark.parametrize("measure", [Risk(4), Risk(4, "cvar", 0.75)])
def test_the_nominal_day_k_times_gives_the_deterministic_objectives(name, clusters, dispatch,
                                                                    measure):
    """Every day re-dispatches the plans by the front's own rule (the default or not)."""
    scenario = load_scenario(name)
    p = RiskProblem(scenario, clusters, measure, dispatch)
    p.days = RealisedDays.of([RealisedDay.of(nominal(scenario), clusters)] * 4)
    x = decisions(p)
    assert p.plans(x)[0].dispatch == dispatch
    F = p.evaluate(x, return_values_of=["F"])
    F0 = AggregateProblem(scenario, clusters, dispatch).evaluate(x, return_values_of=["F"])
    np.testing.assert_allclose(F, F0, rtol=1e-9, atol=1e-9)
    # no imbalance on the day the plan was made for
    assert np.abs(p.table(x)["imbalance_cost_mean"]).max() < 1e-9


@pytest.mark.parametrize("name, clusters", [("building", 1), ("building", 3), ("caltech", 2)])
def test_all_days_in_one_kernel_call_equal_one_call_per_day(name, clusters):
    """`realise_days` (the stacked kernel) against its twin, `realise_population` per day."""
    scenario = load_scenario(name)
    x = decisions(AggregateProblem(scenario, clusters), n=40)
    plans = RiskProblem(scenario, clusters, Risk(1)).plans(x)[0]
    days = [RealisedDay.of(realise(scenario, k, TRAINING), clusters) for k in range(5)]
    stacked = RealisedDays.of(days).measures(plans)
    for k, day in enumerate(days):
        np.testing.assert_array_equal(stacked[k], day.measures(plans))


def test_cvar_is_never_below_the_mean_and_reduces_by_hand():
    scenario = load_scenario("building")
    mean = RiskProblem(scenario, 2, Risk(8))
    x = decisions(mean)
    F_mean = mean.evaluate(x, return_values_of=["F"])
    realised = mean.realised(mean.plans(x)[0])  # [K, S, measures]
    # the objectives: realised total cost (grid + degradation + imbalance), variance, p-v
    values = realised[:, :, [MEASURES.index(m) for m in ("total_cost", "variance",
                                                          "peak_valley")]]
    assert (realised[:, :, MEASURES.index("imbalance_cost")] > 0).any()
    np.testing.assert_allclose(F_mean, values.mean(axis=0), rtol=1e-12)
    for alpha in (0.3, 0.75, 0.9):
        F = RiskProblem(scenario, 2, Risk(8, "cvar", alpha)).evaluate(x, return_values_of=["F"])
        assert (F >= F_mean - 1e-9 * np.abs(F_mean)).all()
        np.testing.assert_allclose(F, cvar(values, alpha, axis=0), rtol=1e-12)


def test_risk_measure_validation():
    for bad in ("median", "cvar", "cvar:0", "cvar:1", "cvar:1.5", "cvar:x", "mean:0.5",
                "cvar:nan"):
        with pytest.raises(InputError):
            Risk.parse(bad, 4)
    for k in (0, -1, 2.5, True, "4"):
        with pytest.raises(InputError):
            Risk(k)
    assert Risk.parse("cvar:0.9", 3) == Risk(3, "cvar", 0.9)
    assert Risk.parse("mean", 3).to_meta() == {"measure": "mean", "alpha": None,
                                               "realisations": 3, "stream": "training"}


def test_same_seed_same_risk_front(site):
    scenario = load_scenario(site)
    how = FrontSettings(encoding="aggregate", pop_size=12, budget=Budget(generations=3),
                        seed=3, memetic=Memetic(max_vars=0), relax=RelaxSeeds("off"),
                        risk=Risk(3, "cvar", 0.5))
    a, b = run_front(scenario, how), run_front(scenario, how)
    np.testing.assert_array_equal(a.F, b.F)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.settings["risk"] == {"measure": "cvar", "alpha": 0.5, "realisations": 3,
                                  "stream": "training"}


def test_a_risk_run_resumes_to_the_uninterrupted_front(site, tmp_path):
    scenario = load_scenario(site)
    common = dict(encoding="aggregate", pop_size=12, memetic=Memetic(max_vars=0),
                  relax=RelaxSeeds("off"), seed=3, risk=Risk(3, "cvar", 0.5))
    resumed, whole = resumed_and_whole(scenario, tmp_path, **common)
    np.testing.assert_array_equal(resumed.F, whole.F)


@pytest.mark.parametrize("risk", ["mean", "cvar:0.75"])
def test_a_written_risk_front_is_feasible_and_its_objectives_reproduce(site, tmp_path, risk):
    spec = FrontSpec(str(site), realisations=4, risk=risk, pop_size=12,
                     budget=Budget(generations=3), local_search="off")
    job = run(spec, tmp_path / "r")
    r = read_run(job.path)
    scenario = load_scenario(site)
    ev = r.schedules["ev_power"]
    bess = r.schedules.get("bess_power")
    # the nominal-day schedules pass the checker and are what nominal_* describe
    assert feasibility.check(scenario, ev, bess).ok
    nominal_f = evaluate(scenario, ev, bess)[list(OBJECTIVES)].to_numpy()
    np.testing.assert_allclose(r.front[[f"nominal_{o}" for o in OBJECTIVES]].to_numpy(),
                               nominal_f, rtol=1e-12)
    # front.csv's objectives: the out-of-sample machinery on the training stream, from the
    # written schedules alone, gives them again (cost = total cost, with the imbalance)
    alpha = 0.75 if risk != "mean" else 0.9
    summary = evaluate_plans(scenario, plans_from_run(r), 4, draw=Draw(stream=TRAINING),
                             alpha=alpha).summary
    stat = "mean" if risk == "mean" else "cvar"
    for column, measure in zip(OBJECTIVES, ("total_cost", "variance", "peak_valley"),
                               strict=True):
        np.testing.assert_allclose(r.front[column], summary[f"{measure}_{stat}"], rtol=1e-9)
    np.testing.assert_allclose(r.front["imbalance_cost_mean"], summary["imbalance_cost_mean"],
                               rtol=1e-9, atol=1e-9)
    assert r.meta["risk"]["realisations"] == 4 and r.meta["risk"]["stream"] == "training"
    assert r.meta["parameters"]["encoding"] == "aggregate"
