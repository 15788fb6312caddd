"""Sketch search (`moo.search.nsga.SketchSearch`): generations on one vehicle in m, the
front dispatched and evaluated on the whole fleet (the sketch itself: tests/problems)."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from models.scenario import load_scenario
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.search.nsga import FrontSettings, Memetic, RelaxSeeds, SketchSearch, run_front
from moo.search.termination import Budget
from tests.conftest import resumed_and_whole

OFF = Memetic(enabled=False)


@pytest.fixture(scope="module")
def crisscross():
    return load_scenario("crisscross")  # 1,800 vehicles, about 24,600 plugged vehicle-slots


def test_sketch_run_writes_whole_fleet_schedules_evaluated_exactly(crisscross):
    search = SketchSearch(max_slots=crisscross.fleet.plugged_slots() // 4)  # m = 4 (or 5)
    res = run_front(crisscross, FrontSettings(encoding="aggregate", pop_size=16,
                                              budget=Budget(generations=3), memetic=OFF,
                                              relax=RelaxSeeds("off"), sketch_search=search))
    sk = res.settings["sketch"]
    assert sk["factor"] >= 4 and sk["vehicles"] < crisscross.fleet.n / 3
    assert isinstance(res.problem, AggregateProblem)
    assert len(res.problem.kdata.veh[0]) == crisscross.fleet.n  # the whole fleet's problem
    ev, bess, report = res.problem.schedules(res.X)
    assert ev.shape[1] == crisscross.fleet.n
    assert feasibility.check(crisscross, ev, bess).ok
    np.testing.assert_allclose(report[:, :3], res.F, rtol=1e-9)  # whole-fleet objectives
    # every member is counted: the sketch's evaluations plus the whole-fleet dispatches
    assert res.n_evals > 3 * 16
    # history in whole-fleet units: HV comparable with a run on the whole fleet
    assert res.history["hypervolume"].iloc[-1] > 0


def test_sketch_is_off_for_the_vehicle_encoding_and_when_asked(crisscross):
    tiny = SketchSearch(max_slots=1000)
    assert tiny.factor(crisscross, "vehicle") == 1
    assert SketchSearch("off", max_slots=1000).factor(crisscross, "aggregate") == 1
    assert tiny.factor(crisscross, "aggregate") > 1
    with pytest.raises(InputError, match="sketch"):
        SketchSearch("always")


def test_sketch_run_resumes_to_the_uninterrupted_front(crisscross, tmp_path):
    search = SketchSearch(max_slots=crisscross.fleet.plugged_slots() // 3)
    common = dict(encoding="aggregate", pop_size=12, memetic=OFF, relax=RelaxSeeds("off"),
                  sketch_search=search, seed=3)
    resumed, whole = resumed_and_whole(crisscross, tmp_path, **common)
    np.testing.assert_allclose(resumed.F, whole.F, rtol=1e-12)


def test_only_the_thinned_sketch_archive_goes_to_the_whole_fleet(crisscross):
    """``candidates`` x ``max_solutions`` members (the sketch's hypervolume thinning, its
    extremes kept) are dispatched on the whole fleet; 0 takes every member."""
    rng = np.random.default_rng(0)
    F = rng.uniform(size=(40, 3))
    F[:, 2] = 3.0 - F[:, 0] - F[:, 1]  # mutually non-dominated
    picked = SketchSearch(candidates=2).members(F, 5)
    assert len(picked) == 10 and set(np.argmin(F, axis=0)) <= set(picked)
    assert len(SketchSearch(candidates=0).members(F, 5)) == 40
    assert len(SketchSearch(candidates=20).members(F, 5)) == 40

    common = dict(encoding="aggregate", pop_size=16, budget=Budget(generations=3), memetic=OFF,
                  relax=RelaxSeeds("off"), max_solutions=3)
    slots = crisscross.fleet.plugged_slots() // 4
    runs = {c: run_front(crisscross, FrontSettings(
        **common, sketch_search=SketchSearch(max_slots=slots, candidates=c))) for c in (1, 0)}
    thin, every = (runs[c].settings["sketch"] for c in (1, 0))
    assert thin["candidates_dispatched"] == 3 < every["candidates_dispatched"]
    assert runs[1].n_evals == runs[0].n_evals - every["candidates_dispatched"] + 3
    ev, bess, _ = runs[1].problem.schedules(runs[1].X)
    assert feasibility.check(crisscross, ev, bess).ok
