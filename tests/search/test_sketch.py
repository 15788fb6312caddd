"""Sketch search (`moo.problems.sketch`, `moo.search.nsga.SketchSearch`): generations on one
vehicle in m, the front dispatched and evaluated on the whole fleet."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import InputError
from models.scenario import load_scenario
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.problems.sketch import sketch, sketch_factor
from moo.search.nsga import FrontSettings, Memetic, RelaxSeeds, SketchSearch, run_front
from moo.search.termination import Budget
from tests.conftest import resumed_and_whole

OFF = Memetic(enabled=False)


@pytest.fixture(scope="module")
def crisscross():
    return load_scenario("crisscross")  # 1,800 vehicles, about 24,600 plugged vehicle-slots


@pytest.fixture(scope="module")
def building():
    return load_scenario("building")  # with a BESS and PV


def test_sketch_keeps_one_vehicle_in_m_and_divides_the_site(building):
    m = 4
    sk = sketch(building, m)
    f, g = building.fleet, building.grid
    assert sk.fleet.n == len(range(m // 2, f.n, m))
    np.testing.assert_allclose(sk.grid.base_load_kw, g.base_load_kw / m)
    np.testing.assert_allclose(sk.grid.pv_kw, g.pv_kw / m)
    np.testing.assert_array_equal(sk.grid.price_buy, g.price_buy)
    assert sk.bess.capacity_kwh == pytest.approx(building.bess.capacity_kwh / m)
    assert sk.bess.p_charge_max_kw == pytest.approx(building.bess.p_charge_max_kw / m)
    # systematic sample: the arrival mix is kept (sorted by arrival, every m-th)
    assert abs(np.mean(sk.fleet.arrival_slot) - np.mean(f.arrival_slot)) < 2.0
    assert sketch(building, 1) is building


def test_sketch_factor_follows_the_plugged_vehicle_slots(crisscross):
    slots = crisscross.fleet.plugged_slots()
    assert sketch_factor(crisscross) == 1  # far below the default limit
    assert sketch_factor(crisscross, slots) == 1
    assert sketch_factor(crisscross, slots - 1) == 2
    assert sketch_factor(crisscross, slots // 10) >= 10
    assert sketch_factor(crisscross, None) == 1


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
