"""Feasibility checker (moo.problems.feasibility) on a hand-computed two-vehicle day."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.errors import ScenarioError
from models.scenario import load_scenario
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem
from moo.util import blocks
from tests.problems.conftest import DT, P0, P1, two_vehicle_scenario


def test_energy_dynamics_by_hand():
    sc = two_vehicle_scenario()
    power = np.array([P0, P1])
    f = sc.fleet
    energy = feasibility.energy_trajectory(
        f.soc_init * f.capacity_kwh, power, f.eta_charge, f.eta_discharge, DT
    )
    # v0: 30 + 0.9*4*6 = 51.6; 51.6 - 4*6/0.8 = 21.6; 21.6; 21.6 + 0.9*3*6 = 37.8
    # v1: 12; 12; 12 + 3*6 = 30; 30 + 6 = 36; 36
    np.testing.assert_allclose(energy[0], [30.0, 51.6, 21.6, 21.6, 37.8], rtol=1e-12)
    np.testing.assert_allclose(energy[1], [12.0, 12.0, 30.0, 36.0, 36.0], rtol=1e-12)
    assert feasibility.check(sc, power[None]).ok



def test_energy_trajectory_is_the_slot_recursion_for_batches():
    rng = np.random.default_rng(6)
    power = rng.uniform(-10, 10, size=(3, 4, 5))  # [S, N, T]
    e0 = rng.uniform(10, 50, size=(3, 4))
    eta_c, eta_d = rng.uniform(0.8, 1.0, size=4), rng.uniform(0.8, 1.0, size=4)
    energy = feasibility.energy_trajectory(e0, power, eta_c[None], eta_d[None], 0.25)
    expected = np.empty((3, 4, 6))
    expected[..., 0] = e0
    for t in range(5):
        p = power[..., t]
        gain = np.where(p > 0, eta_c * p, p / eta_d) * 0.25
        expected[..., t + 1] = expected[..., t] + gain
    np.testing.assert_allclose(energy, expected, rtol=1e-12)
    scalar = feasibility.energy_trajectory(np.array(5.0), power[0, 0], np.array(eta_c[0]),
                                           np.array(eta_d[0]), 0.25)
    np.testing.assert_allclose(scalar, expected[0, 0] - e0[0, 0] + 5.0, rtol=1e-12)
    assert scalar.shape == (6,)


@pytest.mark.parametrize(
    ("v", "t", "value", "rule"),
    [
        (1, 0, 1.0, "outside the plug-in window"),
        (0, 1, -10.5, "discharge power above p_discharge_max_kw"),
        (1, 1, -1.0, "discharge power above p_discharge_max_kw"),  # no V2G: Pd = 0
        (0, 0, 10.0, "SOC above max(soc_max, soc_init)"),  # 30 + 54 = 84 > 0.9 * 60
        (0, 3, 0.0, "departure SOC below the effective target"),  # 21.6 / 60 = 0.36 < 0.6
    ],
)
def test_checker_finds_each_violation(v, t, value, rule):
    sc = two_vehicle_scenario()
    power = np.array([P0, P1])
    power[v, t] = value
    report = feasibility.check(sc, power[None])
    assert not report.ok
    assert any(rule in msg for msg in report.violations), report.violations


def limited(limit_kw: float):
    sc = two_vehicle_scenario()
    return replace(sc, grid=replace(sc.grid, import_limit_kw=limit_kw))


def test_import_limit_check_names_the_slot_no_discharge_can_bring_under_it():
    # net base = base - pv = [100, -20, 70, 120]; only v0 (10 kW, plugged all day) can
    # discharge, so the lowest reachable net load is [90, -30, 60, 110]: slot 3 (18:00).
    feasibility.check_import_limit(limited(110.0))
    with pytest.raises(ScenarioError, match=r"import_limit_kw 109 .* slot 3 \(clock 18:00\)"):
        feasibility.check_import_limit(limited(109.0))


@pytest.mark.parametrize(("hour", "text"), [(0.0, "00:00"), (7.25, "07:15"), (25.5, "01:30"),
                                            (-0.25, "23:45"), (23.9999, "00:00")])
def test_clock_text_wraps_to_the_day(hour, text):
    assert feasibility.clock_text(hour) == text


@pytest.fixture(scope="module")
def building_schedules():
    sc = load_scenario("building")
    prob = AggregateProblem(sc)
    ev, bess, _ = prob.schedules(np.random.default_rng(3).uniform(size=(3, prob.n_var)))
    return sc, ev, bess


@pytest.mark.parametrize("tiny", [1, 96 * 3 * 7])  # one vehicle per block; blocks of 7
def test_block_by_block_check_names_what_the_whole_check_names(building_schedules, tiny,
                                                               monkeypatch):
    sc, ev, bess = building_schedules
    whole = feasibility.check(sc, ev, bess, max_messages=20)
    assert whole.ok
    bad = ev.copy()
    f = sc.fleet
    late = np.flatnonzero(f.departure_slot < sc.slots)[-1]  # a vehicle in a late block
    bad[2, late, f.departure_slot[late]] = 1.0  # outside its plug-in window
    bad[1, late, f.arrival_slot[late]] = f.p_charge_max_kw[late] + 1.0  # above the charger
    bad[2, 3, f.arrival_slot[3]] = -f.p_discharge_max_kw[3] - 1.0  # earlier vehicle, later row
    needy = np.flatnonzero(sc.effective_target() > f.soc_init + 0.01)
    needy = needy[needy != late][-1]
    bad[1, needy, :] = 0.0  # stays empty: target missed
    bad_bess = bess.copy()
    bad_bess[0, 5] = 1e6
    expected = feasibility.check(sc, bad, bad_bess, max_messages=20)
    assert [v.split(" at index ")[1].split(")")[0] + ")" for v in expected.violations] == [
        f"({2}, {late}, {f.departure_slot[late]})", f"(1, {late}, {f.arrival_slot[late]})",
        f"(2, 3, {f.arrival_slot[3]})", f"(1, {needy})", "(0, 5)", "(0, 5)"]
    monkeypatch.setattr(blocks, "BLOCK_VALUES", tiny)
    assert len(blocks.vehicle_blocks(f.n, 3 * sc.slots)) > 1
    assert feasibility.check(sc, ev, bess, max_messages=20).ok
    assert feasibility.check(sc, bad, bad_bess, max_messages=20) == expected
    nan = ev.copy()
    nan[0, -1, 0] = np.nan
    assert feasibility.check(sc, nan, bess).violations == ("ev_power has non-finite values",)
