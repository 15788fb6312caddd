"""`run_front` on the building preset with small budgets: archive, determinism, run dir."""

from __future__ import annotations

import moocore
import numpy as np
import pytest

import moo.rundir as rundir
from jobs.front import write_front
from models.scenario import load_scenario
from moo.kernels.data import DISPATCH_RULES
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.search.nsga import FrontSettings, Memetic, RelaxSeeds, run_front
from moo.search.termination import Budget

SMALL = Memetic(
    divisions=2, seed_moves_per_var=20.0, per_generation=2, generation_moves_per_var=5.0
)


@pytest.fixture(scope="module")
def building():
    return load_scenario("building")


def small_run(sc, seed=1, algorithm="nsga2", encoding="aggregate", **kw):
    settings = FrontSettings(
        algorithm,
        encoding=encoding,
        pop_size=24,
        budget=Budget(generations=kw.pop("generations", 4)),
        seed=seed,
        memetic=kw.pop("memetic", SMALL),
        relax=kw.pop("relax", RelaxSeeds("off")),  # tests/search/test_relax.py has them on
        dispatch=kw.pop("dispatch", FrontSettings.dispatch),
    )
    return run_front(sc, settings, **kw)


@pytest.fixture(scope="module")
def run_a(building):
    return small_run(building)


def test_front_is_mutually_non_dominated_and_feasible(building, run_a):
    assert len(run_a.F) >= 3
    assert moocore.is_nondominated(run_a.F, keep_weakly=False).all()
    ev, bess, report = run_a.problem.schedules(run_a.X)
    assert feasibility.check(building, ev, bess).ok
    np.testing.assert_allclose(report[:, :3], run_a.F, rtol=1e-9)


def test_same_seed_same_front_other_seed_other_front(building, run_a):
    again = small_run(building, seed=1)
    np.testing.assert_array_equal(run_a.F, again.F)
    np.testing.assert_array_equal(run_a.X, again.X)
    other = small_run(building, seed=2)
    assert other.F.shape != run_a.F.shape or not np.array_equal(other.F, run_a.F)


def test_written_run_recomputes(building, run_a, tmp_path):
    out = tmp_path / "run"
    write_front(
        out,
        building,
        run_a,
        algorithm="nsga2",
        pop_size=24,
        clusters=1,
        budget=Budget(generations=4),
        seed=1,
    )
    run = rundir.read_run(out)
    sched = run.schedules
    ev, bess = sched["ev_power"], sched.get("bess_power")
    assert feasibility.check(building, ev, bess).ok
    f = evaluate(building, ev, bess)[list(OBJECTIVES)].to_numpy()
    np.testing.assert_allclose(run.objectives, f, rtol=1e-9)
    np.testing.assert_allclose(f, run_a.F, rtol=1e-9)


def test_ctrl_c_returns_the_front_so_far(building):
    def stop(row):
        if row["generation"] == 2:
            raise KeyboardInterrupt

    res = small_run(building, generations=50, on_generation=stop)
    assert res.interrupted
    assert len(res.history) == 2
    assert len(res.F) > 0 and moocore.is_nondominated(res.F, keep_weakly=False).all()


@pytest.mark.parametrize(
    "algorithm,encoding", [("nsga3", "aggregate"), ("nsga2", "vehicle"), ("nsga3", "vehicle")]
)
def test_other_algorithms_and_encodings_run(building, algorithm, encoding):
    res = small_run(building, algorithm=algorithm, encoding=encoding, generations=3)
    assert len(res.history) == 3 and len(res.F) > 0
    ev, bess, _ = res.problem.schedules(res.X)
    assert feasibility.check(building, ev, bess).ok


def test_dispatch_rule_is_the_searched_problems(building, run_a):
    """`FrontSettings.dispatch` reaches the dispatcher: the same seed under another rule
    realises other schedules, every one feasible, and the result names the rule."""
    other = next(r for r in DISPATCH_RULES if r != FrontSettings.dispatch)
    res = small_run(building, memetic=Memetic(enabled=False), generations=2, dispatch=other)
    assert DISPATCH_RULES[res.problem.kdata.rule] == other
    assert res.settings["dispatch"] == other
    assert run_a.settings["dispatch"] == FrontSettings.dispatch
    ev, bess, _ = res.problem.schedules(res.X)
    assert feasibility.check(building, ev, bess).ok
    x = res.X[:4]
    assert not np.allclose(res.problem.schedules(x)[0],
                           AggregateProblem(building).schedules(x)[0])


def test_plain_nsga_without_local_search_still_runs(building):
    """No local search and no relaxed seeds: the population is all the evaluations."""
    res = small_run(building, memetic=Memetic(enabled=False), generations=3)
    assert len(res.F) > 0 and res.n_evals == 3 * 24
